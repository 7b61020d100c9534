/*
 * page-events.c — POST /api/events: what a cadre did with an item (open,
 * progress, complete, dismiss). Each event carries a client id, so a post
 * retried after a lost reply is stored, and counted, once.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

/* The id of the event 'client_id' of this cadre already stored, or 0. */
static int64_t
event_by_client_id(sqlite3 *db, int64_t user_id, const char *client_id)
{
	sqlite3_stmt *stmt;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM events WHERE user_id = ?1 AND client_id = ?2",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_text(stmt, 2, client_id, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			id = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return id;
}

/* The body of POST /api/events. */
const struct body_field events_body_fields[] = {
	{ "client_id", BODY_STRING, 1, 1, 64, 0 },
	{ "item_id", BODY_INTEGER, 1, 1, INT64_MAX, 0 },
	{ "kind", BODY_STRING, 1, 1, 16, 0 },
	{ "value", BODY_NUMBER, 0, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

void
page_events(struct request *req)
{
	static const char *const kinds[] = { "open", "progress", "complete", "dismiss" };
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt = NULL;
	const char *client_id, *kind, *status = NULL, *arm;
	json_t *body, *value;
	int64_t item_id, event_id;
	int known_kind = 0, rc;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, events_body_fields) < 0)
		goto out;
	client_id = json_string_value(json_object_get(body, "client_id"));
	item_id = json_integer_value(json_object_get(body, "item_id"));
	kind = json_string_value(json_object_get(body, "kind"));
	value = json_object_get(body, "value");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known_kind |= strcmp(kind, kinds[i]) == 0;
	if (!known_kind) {
		response_error(req, 400, "bad_field", "字段 kind 须为 open、progress、complete 或 dismiss");
		goto out;
	}
	arm = arm_of(req);

	if (db_write_begin(req) < 0)
		goto out;
	/* A retried post: the first one stands, nothing is counted twice. */
	if ((event_id = event_by_client_id(db, req->user->id, client_id)) != 0) {
		db_write_rollback(req);
		response_json(req, 200, json_pack("{s:I,s:b}", "event_id", (json_int_t)event_id, "duplicate", 1));
		goto out;
	}
	/* A failed look-up is the database's fault (503), not a missing item. */
	if (sqlite3_prepare_v2(db, "SELECT status FROM items WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int64(stmt, 1, item_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		status = strcmp((const char *)sqlite3_column_text(stmt, 0), "draft") == 0 ? "draft" : "ok";
	else if (rc != SQLITE_DONE)
		goto db_error;
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (status == NULL || strcmp(status, "draft") == 0) {
		db_write_rollback(req);
		response_errorf(req, 404, "item_not_found", "内容 %lld 不存在", (long long)item_id);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO events(user_id, item_id, kind, value, client_id, arm,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, unixepoch())", -1, &stmt, NULL) != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int64(stmt, 1, req->user->id);
	sqlite3_bind_int64(stmt, 2, item_id);
	sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_STATIC);
	if (json_is_number(value))
		sqlite3_bind_double(stmt, 4, json_number_value(value));
	sqlite3_bind_text(stmt, 5, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, arm, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto db_error;
	sqlite3_finalize(stmt);
	event_id = sqlite3_last_insert_rowid(db);
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 201, json_pack("{s:I,s:b}", "event_id", (json_int_t)event_id, "duplicate", 0));
	goto out;
db_error:
	log_error("events: %s", sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	db_write_rollback(req);
	response_error(req, 503, "database_unavailable", "暂时无法记录学习行为，请稍后重试");
out:
	json_decref(body);
}
