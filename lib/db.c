/* db.c — opening the one SQLite database with the settings every process shares. */
#include "config.h"

#include <stdio.h>

#include "core.h"

/* Writers wait this long for the write lock before giving up with SQLITE_BUSY. */
#define DB_BUSY_TIMEOUT_MS 5000

sqlite3 *
db_open(const char *path, enum db_open_mode mode, struct qf_error *err)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (mode == DB_OPEN_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		qf_error_set(err, "cannot open database %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto err;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	/*
	 * journal_mode=WAL is persistent in the file; the rest are per
	 * connection. synchronous=FULL makes every commit durable in WAL mode.
	 */
	if (db_exec(db, "PRAGMA journal_mode=WAL", err) < 0 ||
	    db_exec(db, "PRAGMA synchronous=FULL", err) < 0 ||
	    db_exec(db, "PRAGMA foreign_keys=ON", err) < 0)
		goto err;
	/* A file that is not a database shows up here, not at the first query. */
	if (db_exec(db, "SELECT count(*) FROM sqlite_schema", err) < 0)
		goto err;
	return db;
err:
	sqlite3_close_v2(db);
	return NULL;
}

void
db_close(sqlite3 *db)
{
	sqlite3_close_v2(db);
}

int
db_exec(sqlite3 *db, const char *sql, struct qf_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		qf_error_set(err, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}
