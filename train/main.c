/*
 * main.c — qingfeng-train: picks the subcommand. Everything else lives in
 * the cmd-*.c files; only they decide the exit status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "extern.h"

/* Set in the re-executed process to what OpenBLAS picked at first. */
#define REEXEC_MARKER "QINGFENG_TRAIN_BLAS_REEXEC"

/*
 * Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels by CPU model; on a
 * model it does not know, a virtual machine's often, it falls back to an
 * old core such as Prescott, whose SSE3 kernels run about 4 times slower
 * than the AVX2 ones here. It reads OPENBLAS_CORETYPE in its library
 * constructor, before main, so the only way to change the choice is to set
 * the variable and execute ourselves again, once: the marker variable stops
 * a second round whatever OpenBLAS then picks. A user's own
 * OPENBLAS_CORETYPE is always left alone. (qingfeng-fcgi does not do this.)
 */
static int
blas_core_is_old(const char *core)
{
	static const char *const old[] = {
		"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
		"Atom", "Katmai", "Coppermine", "Northwood", "Banias",
		"Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Unknown",
	};
	size_t j;

	for (j = 0; j < sizeof(old) / sizeof(old[0]); j++)
		if (strcmp(core, old[j]) == 0)
			return 1;
	return 0;
}

static void
blas_reexec(char **argv)
{
#if defined(__x86_64__) && defined(__linux__)
	const char *core, *want;

	if (getenv("OPENBLAS_CORETYPE") != NULL || getenv(REEXEC_MARKER) != NULL)
		return;
	core = openblas_get_corename();
	if (core == NULL || !blas_core_is_old(core))
		return;
	if (__builtin_cpu_supports("avx512f"))
		want = "SkylakeX";
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		want = "Haswell";
	else
		return;
	if (setenv("OPENBLAS_CORETYPE", want, 1) < 0 ||
	    setenv(REEXEC_MARKER, core, 1) < 0)
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	/* could not: carry on with the kernels we have */
	unsetenv("OPENBLAS_CORETYPE");
	unsetenv(REEXEC_MARKER);
#else
	(void)argv;
#endif
}

/* With --verbose anywhere: which kernels OpenBLAS uses, and why. */
static void
blas_log(int argc, char **argv)
{
	const char *first = getenv(REEXEC_MARKER), *core;
	int j;

	for (j = 1; j < argc; j++)
		if (strcmp(argv[j], "--verbose") == 0)
			break;
	if (j == argc)
		return;
	core = openblas_get_corename();
	if (first != NULL)
		fprintf(stderr, "qingfeng-train: OpenBLAS core %s "
		    "(OPENBLAS_CORETYPE set by qingfeng-train; it picked %s)\n",
		    core != NULL ? core : "?", first);
	else
		fprintf(stderr, "qingfeng-train: OpenBLAS core %s%s\n",
		    core != NULL ? core : "?",
		    getenv("OPENBLAS_CORETYPE") != NULL ?
		    " (OPENBLAS_CORETYPE from the environment)" : "");
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "eval", cmd_eval },
	{ "fit", cmd_fit },
	{ "run", cmd_run },
	{ "mastery", cmd_mastery },
	{ "keygen", cmd_keygen },
};

int
main(int argc, char **argv)
{
	size_t j;

	log_set_name("qingfeng-train");
	blas_reexec(argv);
	blas_log(argc, argv);
	/* model.h: one BLAS thread unless a step asks for more */
	openblas_set_num_threads(1);
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
