/*
 * main.c — qingfeng-train: picks the subcommand. Everything else lives in
 * the cmd-*.c files; only they decide the exit status.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "eval", cmd_eval },
	{ "fit", cmd_fit },
	{ "run", cmd_run },
	{ "mastery", cmd_mastery },
};

int
main(int argc, char **argv)
{
	size_t j;

	log_set_name("qingfeng-train");
	if (argc < 2) {
		train_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		train_usage(stdout);
		return 0;
	}
	for (j = 0; j < sizeof(commands) / sizeof(commands[0]); j++)
		if (strcmp(argv[1], commands[j].name) == 0)
			return commands[j].run(argc - 1, argv + 1);
	fprintf(stderr, "qingfeng-train: unknown command \"%.40s\"\n", argv[1]);
	train_usage(stderr);
	return EXIT_USAGE;
}
