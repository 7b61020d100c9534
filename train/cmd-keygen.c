/*
 * cmd-keygen.c — `qingfeng-train keygen --out PREFIX`: a new Ed25519 key
 * pair for signing models. PREFIX.key is the secret the trainer signs with
 * (--signing-key; mode 0600, readable by whoever trains), PREFIX.pub the
 * key qingfeng-fcgi checks every model against (--model-key). Existing
 * files are never overwritten: models signed with them would stop loading.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"

int
cmd_keygen(int argc, char **argv)
{
	char secret_path[4096], public_path[4096];
	struct qf_error err;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		train_usage(stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "--out") != 0 || argv[2][0] == '\0') {
		fprintf(stderr, "qingfeng-train: usage: keygen --out PREFIX\n");
		return EXIT_USAGE;
	}
	if (snprintf(secret_path, sizeof(secret_path), "%s.key", argv[2]) >= (int)sizeof(secret_path) ||
	    snprintf(public_path, sizeof(public_path), "%s.pub", argv[2]) >= (int)sizeof(public_path)) {
		fprintf(stderr, "qingfeng-train: keygen: --out is too long\n");
		return EXIT_USAGE;
	}
	qf_error_init(&err);
	if (model_key_generate(secret_path, public_path, &err) < 0) {
		fprintf(stderr, "qingfeng-train: keygen: %s\n", err.text);
		return EXIT_INPUT;
	}
	printf("%s\n%s\n", secret_path, public_path);
	return 0;
}
