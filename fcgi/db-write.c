/*
 * db-write.c — write transactions for handlers. BEGIN IMMEDIATE takes the
 * write lock up front (waiting up to the busy timeout), so a transaction
 * never fails half-way for want of the lock; the reply is sent only after
 * COMMIT returned, so an acknowledged write is on disk.
 */
#include "config.h"

#include "extern.h"

int
db_write_begin(struct request *req)
{
	if (sqlite3_exec(req->app->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("BEGIN IMMEDIATE: %s", sqlite3_errmsg(req->app->db));
		response_header(req, "Retry-After", "2");
		response_error(req, 503, "database_busy", "数据库繁忙，请稍后重试");
		return -1;
	}
	return 0;
}

int
db_write_commit(struct request *req)
{
	if (sqlite3_exec(req->app->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("COMMIT: %s", sqlite3_errmsg(req->app->db));
		db_write_rollback(req);
		response_header(req, "Retry-After", "2");
		response_error(req, 503, "database_unavailable", "数据未能保存，请稍后重试");
		return -1;
	}
	return 0;
}

void
db_write_rollback(struct request *req)
{
	if (!sqlite3_get_autocommit(req->app->db))
		sqlite3_exec(req->app->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * Read transactions: a handler that runs many queries reads one snapshot,
 * and takes the database's read lock once instead of once per query.
 * db_read_begin returns 1 when it began one (pass that to db_read_end), 0
 * when a transaction was open already or BEGIN failed (the queries then
 * run each in its own, as without it).
 */
int
db_read_begin(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int began;

	if (!sqlite3_get_autocommit(db) || (stmt = stmt_get(db, "BEGIN")) == NULL)
		return 0;
	began = sqlite3_step(stmt) == SQLITE_DONE;
	stmt_release(stmt);
	return began;
}

void
db_read_end(sqlite3 *db, int began)
{
	sqlite3_stmt *stmt;

	if (!began || sqlite3_get_autocommit(db))
		return;
	if ((stmt = stmt_get(db, "COMMIT")) != NULL) {
		sqlite3_step(stmt);
		stmt_release(stmt);
	}
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}
