/*
 * arms.c — the experiment arm of a cadre: personalised feed or control.
 * Assigned once, at random with the admin's control share, and kept, so a
 * supervisor can compare the arms' completion rates.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "extern.h"

/* The stored arm of 'user_id', or NULL when none is assigned yet. */
static const char *
arm_read(sqlite3 *db, int64_t user_id)
{
	sqlite3_stmt *stmt;
	const char *arm = NULL;

	/* Every feed asks: the statement is kept prepared. */
	if ((stmt = stmt_get(db, "SELECT arm FROM arms WHERE user_id = ?1")) == NULL)
		return NULL;
	sqlite3_bind_int64(stmt, 1, user_id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		arm = strcmp((const char *)sqlite3_column_text(stmt, 0), "control") == 0 ?
		    "control" : "personalised";
	stmt_release(stmt);
	return arm;
}

const char *
arm_of(struct request *req)
{
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt;
	const char *arm, *stored;
	double control_share = 0.1;

	if ((arm = arm_read(db, req->user->id)) != NULL)
		return arm;
	if (sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = 'control_share'",
	    -1, &stmt, NULL) == SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			control_share = sqlite3_column_double(stmt, 0);
		sqlite3_finalize(stmt);
	}
	arm = randombytes_uniform(1000000) < (uint32_t)(control_share * 1000000) ? "control" : "personalised";
	/* OR IGNORE: a concurrent request may have assigned it first; what stands is read back. */
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO arms(user_id, arm) VALUES (?1, ?2)",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, req->user->id);
		sqlite3_bind_text(stmt, 2, arm, -1, SQLITE_STATIC);
		sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
	stored = arm_read(db, req->user->id);
	return stored != NULL ? stored : arm;
}
