/*
 * replay.c — runs every file of one harness's seed corpus through its
 * LLVMFuzzerTestOneInput, without libFuzzer: so that `make check` (and the
 * sanitizer build) replays the corpora with any compiler. The corpus is
 * $top_srcdir/tests/fuzz/corpus/FUZZ_NAME, or the files and folders given as
 * arguments.
 */
#include "config.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static size_t replayed;

static int
replay_file(const char *path)
{
	FILE *in = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0, len = 0, n;

	if (in == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *grown = realloc(data, cap = cap ? cap * 2 : 4096);

			if (grown == NULL) {
				fclose(in);
				free(data);
				return -1;
			}
			data = grown;
		}
		if ((n = fread(data + len, 1, cap - len, in)) == 0)
			break;
		len += n;
	}
	fclose(in);
	/* A copy of exactly 'len' bytes, so ASan sees any read past the input. */
	uint8_t *exact = malloc(len ? len : 1);

	if (exact == NULL) {
		free(data);
		return -1;
	}
	if (len > 0)
		memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	replayed++;
	return 0;
}

static int
replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	/* Sorted, so a failure names the same file every time. */
	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
			if (replay_path(full) < 0)
				rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	char corpus[4096];
	const char *srcdir = getenv("top_srcdir");
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_path(argv[i]) < 0)
				rc = 1;
	} else {
		snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/%s",
		    srcdir != NULL ? srcdir : ".", FUZZ_NAME);
		rc = replay_path(corpus) < 0;
	}
	printf("%s: %zu inputs replayed\n", FUZZ_NAME, replayed);
	if (replayed == 0) {
		fprintf(stderr, "%s: no corpus found\n", FUZZ_NAME);
		return 99;
	}
	return rc ? 99 : 0;
}
