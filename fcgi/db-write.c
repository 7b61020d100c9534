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
