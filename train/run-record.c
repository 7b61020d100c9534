/*
 * run-record.c — the model_runs row of a training run: inserted as
 * 'running' when the run starts (or, when the web app inserted it and
 * passed --run-id, claimed), finished as promoted, rejected or failed with
 * the metrics, sizes, seconds and a message. The only writes the trainer
 * makes to the database; all their SQL is here.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "extern.h"

static const char sql_insert[] =
	"INSERT INTO model_runs(status, trigger) VALUES ('running', ?1)";
static const char sql_claim[] =
	"SELECT status FROM model_runs WHERE id = ?1";
static const char sql_finish[] =
	"UPDATE model_runs SET status = ?2, finished_at = unixepoch(),"
	" model_version = ?3, metrics = ?4, users = ?5, items = ?6,"
	" interactions = ?7, seconds = ?8, message = ?9"
	" WHERE id = ?1 AND status = 'running'";

/* The error of the last step on 'db', saying "locked" when it is that. */
static void
record_error(sqlite3 *db, const char *what, struct qf_error *err)
{
	int code = sqlite3_errcode(db) & 0xff;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		qf_error_set(err, "%s: the database is locked by another writer "
		    "(waited for the busy timeout)", what);
	else
		qf_error_set(err, "%s: %s", what, sqlite3_errmsg(db));
}

int
run_record_start(struct run_record *r, const char *db_path, int64_t run_id,
    const char *trigger, unsigned busy_timeout_ms, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	struct qf_error open_err;
	struct stat st;
	const char *status;
	int version;

	memset(r, 0, sizeof(*r));
	if (stat(db_path, &st) < 0) {
		qf_error_set(err, "database %s: %s", db_path, strerror(errno));
		return -1;
	}
	qf_error_init(&open_err);
	if ((r->db = db_open(db_path, DB_OPEN_EXISTING, &open_err)) == NULL) {
		qf_error_set(err, "%s%s", open_err.text,
		    strstr(open_err.text, "not a database") != NULL ||
		    strstr(open_err.text, "malformed") != NULL ?
		    " (corrupt or not a database)" : "");
		return -1;
	}
	sqlite3_busy_timeout(r->db, (int)busy_timeout_ms);
	if ((version = db_schema_version(r->db, err)) < 0)
		goto err;
	if (version == 0) {
		qf_error_set(err, "database %s has no qingfeng schema (version "
		    "0): create it with qingfeng-admin init", db_path);
		goto err;
	}
	if (run_id == 0) {
		if (sqlite3_prepare_v2(r->db, sql_insert, -1, &stmt, NULL) !=
		    SQLITE_OK) {
			record_error(r->db, "recording the run", err);
			goto err;
		}
		sqlite3_bind_text(stmt, 1, trigger, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			record_error(r->db, "recording the run", err);
			goto err;
		}
		r->id = sqlite3_last_insert_rowid(r->db);
	} else {
		if (sqlite3_prepare_v2(r->db, sql_claim, -1, &stmt, NULL) !=
		    SQLITE_OK) {
			record_error(r->db, "reading the run", err);
			goto err;
		}
		sqlite3_bind_int64(stmt, 1, run_id);
		switch (sqlite3_step(stmt)) {
		case SQLITE_ROW:
			status = (const char *)sqlite3_column_text(stmt, 0);
			if (status == NULL || strcmp(status, "running") != 0) {
				qf_error_set(err, "run %lld is %s, not running: "
				    "left as it is", (long long)run_id,
				    status ? status : "without a status");
				goto err;
			}
			break;
		case SQLITE_DONE:
			qf_error_set(err, "run %lld does not exist in model_runs",
			    (long long)run_id);
			goto err;
		default:
			record_error(r->db, "reading the run", err);
			goto err;
		}
		r->id = run_id;
	}
	sqlite3_finalize(stmt);
	return 0;
err:
	sqlite3_finalize(stmt);
	run_record_close(r);
	return -1;
}

int
run_record_finish(struct run_record *r, const char *status,
    const char *model_version, const char *metrics_json, int64_t users,
    int64_t items, int64_t interactions, double seconds, const char *message,
    struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = -1;

	if (r->db == NULL || r->id == 0) {
		qf_error_set(err, "no run to record");
		return -1;
	}
	if (sqlite3_prepare_v2(r->db, sql_finish, -1, &stmt, NULL) != SQLITE_OK) {
		record_error(r->db, "recording the outcome", err);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, r->id);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	if (model_version != NULL)
		sqlite3_bind_text(stmt, 3, model_version, -1, SQLITE_STATIC);
	if (metrics_json != NULL)
		sqlite3_bind_text(stmt, 4, metrics_json, -1, SQLITE_STATIC);
	if (users > 0)
		sqlite3_bind_int64(stmt, 5, users);
	if (items > 0)
		sqlite3_bind_int64(stmt, 6, items);
	if (interactions > 0)
		sqlite3_bind_int64(stmt, 7, interactions);
	sqlite3_bind_double(stmt, 8, seconds);
	if (message != NULL)
		sqlite3_bind_text(stmt, 9, message, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		record_error(r->db, "recording the outcome", err);
		goto out;
	}
	if (sqlite3_changes(r->db) != 1) {
		qf_error_set(err, "run %lld was no longer running when it "
		    "finished", (long long)r->id);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

void
run_record_close(struct run_record *r)
{
	if (r->db != NULL)
		db_close(r->db);
	r->db = NULL;
}
