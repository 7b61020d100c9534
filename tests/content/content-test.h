/*
 * content-test.h — what the content library's tests share: a fresh migrated
 * database in a private temporary folder with the taxonomy of the starter
 * corpus loaded, JSON literals, counts, and the corpus files.
 */
#ifndef QF_TEST_CONTENT_H
#define QF_TEST_CONTENT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content.h"
#include "tests/unit/check.h"

struct test_db {
	char dir[64];
	sqlite3 *db;
};

/* The source tree: make check exports top_srcdir; by hand, run from it. */
static inline const char *
test_srcdir(void)
{
	const char *dir = getenv("top_srcdir");

	return dir != NULL ? dir : ".";
}

/* Reads 'path' (relative to the source tree when not absolute); exits 99 when it cannot. */
static inline char *
test_read_file(const char *path, size_t *len)
{
	char full[4096];
	char *text = NULL;
	size_t cap = 0, n;
	FILE *in, *out;
	char buf[65536];

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", test_srcdir(), path);
	if ((in = fopen(full, "r")) == NULL || (out = open_memstream(&text, &cap)) == NULL) {
		fprintf(stderr, "cannot read %s\n", full);
		exit(99);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(out);
	fclose(in);
	if (len != NULL)
		*len = cap;
	return text;
}

/* Parses a JSON literal of the test; exits 99 when the test itself is wrong. */
static inline json_t *
test_json(const char *text)
{
	json_error_t error;
	json_t *value = json_loads(text, JSON_REJECT_DUPLICATES, &error);

	if (value == NULL) {
		fprintf(stderr, "bad JSON in the test: %s: %s\n", error.text, text);
		exit(99);
	}
	return value;
}

static inline long long
test_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	long long value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	else
		fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	return value;
}

/* Opens a fresh database with every migration and the corpus taxonomy. */
static inline void
test_db_open(struct test_db *t)
{
	struct qf_error err;
	char path[128], *tags, *line, *save = NULL;

	snprintf(t->dir, sizeof(t->dir), "/tmp/qf-test-content-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		exit(99);
	snprintf(path, sizeof(path), "%s/content.db", t->dir);
	qf_error_init(&err);
	if ((t->db = db_open(path, DB_OPEN_CREATE, &err)) == NULL || db_migrate(t->db, &err) < 0) {
		fprintf(stderr, "database: %s\n", err.text);
		exit(99);
	}
	tags = test_read_file("content/corpus/tags.jsonl", NULL);
	for (line = strtok_r(tags, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_t *tag = test_json(line);

		qf_error_init(&err);
		if (content_tag_create(t->db, tag, &err) != CONTENT_OK) {
			fprintf(stderr, "tag %s: %s\n", line, err.text);
			exit(99);
		}
		json_decref(tag);
	}
	free(tags);
}

static inline void
test_db_close(struct test_db *t)
{
	char command[128];

	db_close(t->db);
	snprintf(command, sizeof(command), "rm -rf '%s'", t->dir);
	if (system(command) != 0)
		fprintf(stderr, "cleanup of %s failed\n", t->dir);
}

/* Imports corpus files (all or nothing); returns the number of items written. */
static inline size_t
test_load_corpus(sqlite3 *db, const char *const *files, size_t count)
{
	size_t items = 0;

	for (size_t i = 0; i < count; i++) {
		struct content_import_result result;
		struct qf_error err;
		size_t len;
		char *text = test_read_file(files[i], &len);

		qf_error_init(&err);
		if (content_import(db, text, len, 0, 0, &result, &err) != CONTENT_OK) {
			char *errors = json_dumps(result.errors, JSON_INDENT(1));

			fprintf(stderr, "%s: %s\n%s\n", files[i], err.text, errors ? errors : "");
			free(errors);
			exit(99);
		}
		items += result.items;
		content_import_result_free(&result);
		free(text);
	}
	return items;
}

static const char *const test_corpus_files[] = {
	"content/corpus/cases-a.jsonl",
	"content/corpus/cases-b.jsonl",
	"content/corpus/lessons.jsonl",
};

#endif /* QF_TEST_CONTENT_H */
