/*
 * main.c — qingfeng-fcgi: command line, then the supervisor of server.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cblas.h>
#include <sqlite3.h>

#include "extern.h"
#include "fault-inject.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: qingfeng-fcgi --socket PATH --db PATH [options]\n"
	    "\n"
	    "Serves the qingfeng API over FastCGI on a unix socket.\n"
	    "\n"
	    "  -s, --socket PATH      unix socket to listen on (required)\n"
	    "  -d, --db PATH          SQLite database; created and migrated if needed (required)\n"
	    "  -m, --model PATH       model file to serve (optional)\n"
	    "      --model-key PATH   serve only models signed with the secret of this public key\n"
	    "                         (qingfeng-train keygen makes the pair)\n"
	    "      --train-command P  the trainer started by POST /api/admin/train\n"
	    "                         (default: qingfeng-train beside this program)\n"
	    "      --train-signing-key PATH\n"
	    "                         the secret key that trainer signs models with\n"
	    "  -w, --workers N        pre-forked worker processes, 1-64 (default 2)\n"
	    "      --socket-mode OCT  permissions of the socket file (default 0660)\n"
	    "      --socket-group G   group of the socket file: the web server's (default: ours)\n"
	    "      --grace-ms N       time given to in-flight requests on SIGTERM (default 4000)\n"
	    "  -v, --verbose          log debug lines too\n"
	    "  -h, --help             this text\n"
	    "  -V, --version          print the version\n");
}

/* Parses a whole decimal or octal number within [min, max]; -1 if it is not one. */
static int
parse_bounded(const char *text, int base, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, base);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The path of 'name' in this program's own folder, or NULL when it is not there. */
static const char *
sibling_program(const char *name, char *out, size_t size)
{
	char self[2048];   /* shorter than 'out' less the name: no truncation */
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	*slash = '\0';
	snprintf(out, size, "%s/%s", self, name);
	return access(out, X_OK) == 0 ? out : NULL;
}

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "model", required_argument, NULL, 'm' },
		{ "model-key", required_argument, NULL, 'K' },
		{ "workers", required_argument, NULL, 'w' },
		{ "socket-mode", required_argument, NULL, 'M' },
		{ "socket-group", required_argument, NULL, 'G' },
		{ "train-command", required_argument, NULL, 'T' },
		{ "train-signing-key", required_argument, NULL, 'S' },
		{ "grace-ms", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_config config = {
		.workers = 2,
		.socket_mode = 0660,
		.shutdown_grace_ms = 4000,
	};
	char trainer[4096];
	struct qf_error err;
	long value;
	int c;

	log_set_name("qingfeng-fcgi");
	/*
	 * Each process is one thread and each connection stays in its process:
	 * SQLite need not lock a mutex around every call, nor count its memory
	 * under a global one. Set before SQLite starts.
	 */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	fault_install();
	while ((c = getopt_long(argc, argv, "s:d:m:w:vhV", options, NULL)) != -1) {
		switch (c) {
		case 's':
			config.socket_path = optarg;
			break;
		case 'd':
			config.db_path = optarg;
			break;
		case 'm':
			config.model_path = optarg;
			break;
		case 'K':
			qf_error_init(&err);
			if (model_key_read_public(optarg, config.model_key, &err) < 0) {
				fprintf(stderr, "qingfeng-fcgi: --model-key: %s\n", err.text);
				return 2;
			}
			config.have_model_key = 1;
			break;
		case 'w':
			if (parse_bounded(optarg, 10, 1, 64, &value) < 0) {
				fprintf(stderr, "qingfeng-fcgi: --workers takes a number from 1 to 64, not '%s'\n", optarg);
				return 2;
			}
			config.workers = (int)value;
			break;
		case 'M':
			if (parse_bounded(optarg, 8, 0, 0777, &value) < 0) {
				fprintf(stderr, "qingfeng-fcgi: --socket-mode takes octal permissions such as 0660, not '%s'\n", optarg);
				return 2;
			}
			config.socket_mode = (unsigned)value;
			break;
		case 'G':
			config.socket_group = optarg;
			break;
		case 'T':
			config.train_command = optarg;
			break;
		case 'S': {
			unsigned char key[MODEL_SECRET_KEY_LEN];

			/* Read once to fail now, not at the first training: the trainer reads it itself. */
			qf_error_init(&err);
			if (model_key_read_secret(optarg, key, &err) < 0) {
				fprintf(stderr, "qingfeng-fcgi: --train-signing-key: %s\n", err.text);
				return 2;
			}
			explicit_bzero(key, sizeof(key));
			config.train_signing_key = optarg;
			break;
		}
		case 'g':
			if (parse_bounded(optarg, 10, 0, 60000, &value) < 0) {
				fprintf(stderr, "qingfeng-fcgi: --grace-ms takes a number from 0 to 60000, not '%s'\n", optarg);
				return 2;
			}
			config.shutdown_grace_ms = (int)value;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("qingfeng-fcgi %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "qingfeng-fcgi: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (config.socket_path == NULL || config.db_path == NULL) {
		fprintf(stderr, "qingfeng-fcgi: --socket and --db are required\n");
		usage(stderr);
		return 2;
	}
	if (config.train_command == NULL)
		config.train_command = sibling_program("qingfeng-train", trainer, sizeof(trainer));
	/*
	 * Each worker scores one request at a time: BLAS threads would only
	 * fight the other workers for the cores (and must not cross fork()).
	 */
	openblas_set_num_threads(1);
	return server_run(&config);
}
