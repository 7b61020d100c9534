/*
 * input-db.c — what `qingfeng-train run` reads from the database: events
 * of cadres on published items, and the features of cadres and items for
 * the cold-start priors. A read-only connection (the trainer never writes
 * here; run-record.c owns the one write it makes), one read transaction so
 * that events and features are one snapshot. All the SQL of the reading
 * side is in this file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "extern.h"

/* Mastery below this marks a weak discipline (a "weak:<tag>" feature). */
#define WEAK_MASTERY 0.6

/*
 * Events in the order train_split wants. Impressions are no evidence
 * (events.c); retired and draft items are not recommended, so their
 * events would only train factors nobody uses; editors and admins are
 * not learners.
 */
static const char sql_events[] =
	"SELECT e.user_id, e.item_id, e.kind, e.value, e.created_at"
	"  FROM events e"
	"  JOIN users u ON u.id = e.user_id"
	"  JOIN items i ON i.id = e.item_id"
	" WHERE u.role = 'cadre' AND i.status = 'published'"
	"   AND e.kind IN ('open', 'progress', 'complete', 'dismiss')"
	" ORDER BY e.user_id, e.item_id, e.created_at, e.id";

/* Every feature of every cadre, as (id, code) rows. */
static const char sql_user_features[] =
	"SELECT id, 'category:' || category FROM users"
	" WHERE role = 'cadre' AND category IS NOT NULL"
	" UNION ALL "
	"SELECT id, 'industry:' || industry FROM users"
	" WHERE role = 'cadre' AND industry IS NOT NULL"
	" UNION ALL "
	"SELECT r.user_id, 'risk:' || r.tag_code FROM user_risks r"
	"  JOIN users u ON u.id = r.user_id WHERE u.role = 'cadre'"
	" UNION ALL "
	"SELECT m.user_id, 'weak:' || m.tag_code FROM mastery m"
	"  JOIN users u ON u.id = m.user_id"
	" WHERE u.role = 'cadre' AND m.value < ?1";

static const char sql_item_features[] =
	"SELECT t.item_id, t.tag_code FROM item_tags t"
	"  JOIN items i ON i.id = t.item_id WHERE i.status = 'published'";

void
train_features_free(struct train_features *f)
{
	size_t j;

	for (j = 0; j < f->n; j++)
		free(f->code[j]);
	free(f->id);
	free(f->code);
	memset(f, 0, sizeof(*f));
}

void
train_data_free(struct train_data *d)
{
	train_events_free(&d->events);
	train_features_free(&d->user_features);
	train_features_free(&d->item_features);
	memset(d, 0, sizeof(*d));
}

static int
features_push(struct train_features *f, int64_t id, const char *code)
{
	size_t cap;
	int64_t *ids;
	char **codes;

	if (f->n == f->cap) {
		cap = f->cap == 0 ? 256 : f->cap * 2;
		if ((ids = realloc(f->id, cap * sizeof(*ids))) == NULL)
			return -1;
		f->id = ids;
		if ((codes = realloc(f->code, cap * sizeof(*codes))) == NULL)
			return -1;
		f->code = codes;
		f->cap = cap;
	}
	if ((f->code[f->n] = strdup(code)) == NULL)
		return -1;
	f->id[f->n++] = id;
	return 0;
}

/* What a failed step means, in words an operator can act on. */
static void
sql_error(sqlite3 *db, const char *path, const char *what,
    struct qf_error *err)
{
	int code = sqlite3_errcode(db) & 0xff;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		qf_error_set(err, "database %s is locked by another process "
		    "(waited for the busy timeout): %s", path, what);
	else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		qf_error_set(err, "database %s is corrupt: %s: %s", path, what,
		    sqlite3_errmsg(db));
	else
		qf_error_set(err, "database %s: %s: %s", path, what,
		    sqlite3_errmsg(db));
}

static int
read_events(sqlite3 *db, const char *path, struct train_events *out,
    struct qf_error *err)
{
	struct train_event ev;
	sqlite3_stmt *stmt = NULL;
	const char *kind;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, sql_events, -1, &stmt, NULL) != SQLITE_OK) {
		sql_error(db, path, "reading events", err);
		return -1;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof(ev));
		ev.user = sqlite3_column_int64(stmt, 0);
		ev.item = sqlite3_column_int64(stmt, 1);
		kind = (const char *)sqlite3_column_text(stmt, 2);
		if (kind == NULL)
			continue;
		if (strcmp(kind, "open") == 0)
			ev.kind = TRAIN_EVENT_OPEN;
		else if (strcmp(kind, "progress") == 0)
			ev.kind = TRAIN_EVENT_PROGRESS;
		else if (strcmp(kind, "complete") == 0)
			ev.kind = TRAIN_EVENT_COMPLETE;
		else
			ev.kind = TRAIN_EVENT_DISMISS;
		if (sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
			ev.value = (float)sqlite3_column_double(stmt, 3);
			ev.has_value = 1;
		}
		ev.at = sqlite3_column_int64(stmt, 4);
		if (train_events_push(out, &ev) < 0) {
			qf_error_set(err, "out of memory after %zu events", out->n);
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		sql_error(db, path, "reading events", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/* Rows of (id, code) from 'sql'; codes that are not valid are skipped. */
static int
read_features(sqlite3 *db, const char *path, const char *sql, int bind_weak,
    struct train_features *out, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	const char *code;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sql_error(db, path, "reading features", err);
		return -1;
	}
	if (bind_weak)
		sqlite3_bind_double(stmt, 1, WEAK_MASTERY);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		code = (const char *)sqlite3_column_text(stmt, 1);
		if (code == NULL || !model_feature_code_is_valid(code))
			continue;
		if (features_push(out, sqlite3_column_int64(stmt, 0), code) < 0) {
			qf_error_set(err, "out of memory for features");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		sql_error(db, path, "reading features", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

int
train_read_db(const char *path, unsigned busy_timeout_ms,
    struct train_data *out, struct qf_error *err)
{
	sqlite3 *db = NULL;
	struct stat st;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0) {
		qf_error_set(err, "database %s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		qf_error_set(err, "cannot open database %s read-only: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, (int)busy_timeout_ms);
	/* One snapshot for events and features alike. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sql_error(db, path, "starting a read", err);
		goto out;
	}
	if ((out->schema = db_schema_version(db, err)) < 0)
		goto out;
	if (out->schema == 0) {
		qf_error_set(err, "database %s has no qingfeng schema (version "
		    "0): create it with qingfeng-admin init", path);
		goto out;
	}
	if (out->schema > db_schema_latest()) {
		qf_error_set(err, "database %s has schema version %d, newer than "
		    "this program's %d: upgrade qingfeng", path, out->schema,
		    db_schema_latest());
		goto out;
	}
	if (read_events(db, path, &out->events, err) < 0 ||
	    read_features(db, path, sql_user_features, 1, &out->user_features,
	    err) < 0 ||
	    read_features(db, path, sql_item_features, 0, &out->item_features,
	    err) < 0)
		goto out;
	rc = 0;
out:
	if (db != NULL) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close_v2(db);
	}
	if (rc < 0)
		train_data_free(out);
	return rc;
}
