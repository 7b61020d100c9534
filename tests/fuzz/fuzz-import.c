/*
 * fuzz-import.c — JSON Lines content import (content/import.c and the item
 * and question checks of content/validate.c) on a database holding the
 * starter corpus's taxonomy. Each input is imported all-or-nothing and then
 * partially, each inside a transaction rolled back afterwards (as the
 * editor's dry run does), and the result must agree with the database: an
 * all-or-nothing import with a bad line writes nothing, and the items it
 * reports written are the rows that appeared.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "content/content.h"
#include "tests/fuzz/fuzz.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static sqlite3 *db;
static char dir[64];

static long long
count_rows(const char *sql)
{
	sqlite3_stmt *stmt;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	FUZZ_ASSERT(n >= 0);
	return n;
}

static void
cleanup(void)
{
	char path[128];

	db_close(db);
	snprintf(path, sizeof(path), "%s/import.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/import.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/import.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* A migrated database with the corpus's tags, made once per process. */
static void
setup(void)
{
	const char *srcdir = getenv("top_srcdir");
	char path[4096], line[4096];
	struct qf_error err;
	FILE *tags;

	snprintf(dir, sizeof(dir), "/tmp/qf-fuzz-import-XXXXXX");
	FUZZ_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/import.db", dir);
	qf_error_init(&err);
	db = db_open(path, DB_OPEN_CREATE, &err);
	FUZZ_ASSERT(db != NULL && db_migrate(db, &err) >= 0);
	snprintf(path, sizeof(path), "%s/content/corpus/tags.jsonl",
	    srcdir != NULL ? srcdir : TOP_SRCDIR);
	if ((tags = fopen(path, "r")) == NULL) {
		perror(path);
		exit(99);
	}
	while (fgets(line, sizeof(line), tags) != NULL) {
		json_t *tag = json_loads(line, 0, NULL);

		FUZZ_ASSERT(tag != NULL && content_tag_create(db, tag, &err) == CONTENT_OK);
		json_decref(tag);
	}
	fclose(tags);
	atexit(cleanup);
}

static void
import_once(const char *text, size_t len, unsigned flags)
{
	struct content_import_result result;
	long long items_before, items_after;
	struct qf_error err;
	enum content_rc rc;

	FUZZ_ASSERT(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
	items_before = count_rows("SELECT count(*) FROM items");
	qf_error_init(&err);
	rc = content_import(db, text, len, flags, 0, &result, &err);
	items_after = count_rows("SELECT count(*) FROM items");
	if (rc == CONTENT_INTERNAL)     /* no database failure here: only input */
		fprintf(stderr, "import: internal error: %s\n", err.text);
	FUZZ_ASSERT(rc != CONTENT_INTERNAL);
	FUZZ_ASSERT(json_array_size(result.errors) <= result.lines || result.lines == 0);
	if (rc == CONTENT_OK) {
		FUZZ_ASSERT(items_after - items_before == (long long)result.items);
		FUZZ_ASSERT(json_array_size(result.ids) == result.items);
		if (!(flags & CONTENT_IMPORT_PARTIAL))
			FUZZ_ASSERT(json_array_size(result.errors) == 0);
	} else {
		FUZZ_ASSERT(err.set);
		FUZZ_ASSERT(items_after == items_before && result.items == 0);
	}
	content_import_result_free(&result);
	FUZZ_ASSERT(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (db == NULL)
		setup();
	/* Large inputs only slow the search; the line limit has its own test. */
	if (size > 64 * 1024)
		return 0;
	import_once((const char *)data, size, 0);
	import_once((const char *)data, size, CONTENT_IMPORT_PARTIAL);
	return 0;
}
