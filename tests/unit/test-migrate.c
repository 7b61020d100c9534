/*
 * test-migrate.c — a fresh file and an old one both reach the current schema
 * in one transaction; a newer or foreign file is refused with a clear error.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "lib/core.h"
#include "tests/unit/check.h"

static char dir[] = "/tmp/qf-test-migrate-XXXXXX";

static char *
path_in_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

static const char *
query_text(sqlite3 *db, const char *sql)
{
	static char text[64];
	sqlite3_stmt *stmt;

	text[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(text, sizeof(text), "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return text;
}

static void
test_fresh_file(void)
{
	static const char *const tables[] = { "units", "users", "user_risks", "tags", "items",
		"item_versions", "item_tags", "questions", "question_tags", "events", "answers",
		"mastery", "arms", "sessions", "audit_log", "model_runs", "settings" };
	struct qf_error err;
	sqlite3 *db;
	char sql[128];

	qf_error_init(&err);
	db = db_open(path_in_dir("fresh.db"), DB_OPEN_CREATE, &err);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	CHECK_INT(db_schema_version(db, &err), 0);
	CHECK_INT(db_migrate(db, &err), db_schema_latest());
	CHECK_INT(db_schema_version(db, &err), db_schema_latest());
	CHECK_STR(query_text(db, "PRAGMA journal_mode"), "wal");
	CHECK_INT(query_int(db, "PRAGMA foreign_keys"), 1);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", tables[i]);
		if (query_int(db, sql) != 1)
			fprintf(stderr, "missing table %s\n", tables[i]);
		CHECK_INT(query_int(db, sql), 1);
	}
	/* A second run is a no-op. */
	CHECK_INT(db_migrate(db, &err), db_schema_latest());
	CHECK_INT(query_int(db, "SELECT count(*) FROM settings WHERE key = 'control_share'"), 1);
	/* Foreign keys hold. */
	CHECK(db_exec(db, "INSERT INTO users(login, password_hash, name, role, unit_id)"
	    " VALUES ('x', 'h', 'n', 'cadre', 999)", NULL) < 0);
	db_close(db);

	/*
	 * Migration 9 rewrote events' kind check in the stored schema: a new
	 * connection reads it, it still refuses a kind outside the five, and
	 * the file is sound.
	 */
	db = db_open(path_in_dir("fresh.db"), DB_OPEN_EXISTING, &err);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'events'"
	    " AND sql LIKE '%CHECK (kind = ''impression'' OR kind = ''open'' OR kind = ''progress''"
	    " OR kind = ''complete'' OR kind = ''dismiss'')%'"), 1);
	CHECK_STR(query_text(db, "PRAGMA integrity_check"), "ok");
	CHECK_INT(db_exec(db, "PRAGMA foreign_keys = OFF", NULL), 0);
	CHECK(db_exec(db, "INSERT INTO events(user_id, item_id, kind) VALUES (1, 1, 'bogus')", NULL) < 0);
	CHECK_INT(db_exec(db, "INSERT INTO events(user_id, item_id, kind) VALUES (1, 1, 'dismiss')", NULL), 0);
	db_close(db);
}

/* A database left at version 0 by an older program (an empty file) migrates. */
static void
test_old_file(void)
{
	struct qf_error err;
	sqlite3 *db;
	FILE *f = fopen(path_in_dir("old.db"), "w");

	fclose(f);
	qf_error_init(&err);
	db = db_open(path_in_dir("old.db"), DB_OPEN_EXISTING, &err);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	CHECK_INT(db_migrate(db, &err), db_schema_latest());
	db_close(db);
}

static void
test_newer_file_refused(void)
{
	struct qf_error err;
	sqlite3 *db;

	qf_error_init(&err);
	db = db_open(path_in_dir("newer.db"), DB_OPEN_CREATE, &err);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	CHECK_INT(db_exec(db, "CREATE TABLE future(x); PRAGMA user_version = 999", &err), 0);
	CHECK_INT(db_migrate(db, &err), -1);
	CHECK_CONTAINS(err.text, "newer");
	/* Nothing was touched. */
	CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'users'"), 0);
	CHECK_INT(db_schema_version(db, NULL), 999);
	db_close(db);
}

/* A failing migration leaves the file exactly as it was. */
static void
test_failed_migration_rolls_back(void)
{
	struct qf_error err;
	sqlite3 *db;

	qf_error_init(&err);
	db = db_open(path_in_dir("clash.db"), DB_OPEN_CREATE, &err);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	/* A table in the way makes migration 1 fail half-way through. */
	CHECK_INT(db_exec(db, "CREATE TABLE events(x)", &err), 0);
	CHECK_INT(db_migrate(db, &err), -1);
	CHECK_CONTAINS(err.text, "events");
	CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'units'"), 0);
	CHECK_INT(db_schema_version(db, NULL), 0);
	db_close(db);
}

static void
test_foreign_file_refused(void)
{
	struct qf_error err;
	FILE *f = fopen(path_in_dir("notes.txt"), "w");

	fputs("this is not a database, just some text that is long enough to fill a header......"
	    "................................................................................\n", f);
	fclose(f);
	qf_error_init(&err);
	CHECK(db_open(path_in_dir("notes.txt"), DB_OPEN_EXISTING, &err) == NULL);
	CHECK_CONTAINS(err.text, "not a database");

	qf_error_init(&err);
	CHECK(db_open(path_in_dir("absent.db"), DB_OPEN_EXISTING, &err) == NULL);
	CHECK_CONTAINS(err.text, "cannot open");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 99;
	test_fresh_file();
	test_old_file();
	test_newer_file_refused();
	test_failed_migration_rolls_back();
	test_foreign_file_refused();
	if (system("rm -rf /tmp/qf-test-migrate-*") != 0)
		fprintf(stderr, "cleanup failed\n");
	return check_report("test-migrate");
}
