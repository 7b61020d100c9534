/*
 * page-admin-settings.c — GET and PUT /api/admin/settings: the values an
 * admin tunes at run time, stored as JSON in the settings table.
 */
#include "config.h"

#include <stdlib.h>

#include "extern.h"

/* Each known setting and the range its value must lie in. */
static const struct body_field setting_fields[] = {
	/* Share of newly assigned cadres put in the control arm. */
	{ "control_share", BODY_NUMBER, 0, 0, 1, 0 },
	/* Supervisor warnings: a unit's participation and pass rate below these shares. */
	{ "warn_participation", BODY_NUMBER, 0, 0, 1, 0 },
	{ "warn_pass_rate", BODY_NUMBER, 0, 0, 1, 0 },
	/* A cadre with no activity for this many days is inactive. */
	{ "warn_inactive_days", BODY_INTEGER, 0, 1, 366, 0 },
	/* A cadre is behind pace below this share of the pro-rata yearly study hours. */
	{ "warn_pace_share", BODY_NUMBER, 0, 0, 1, 0 },
	/* A quiz passes when this share of its first answers is right. */
	{ "quiz_pass_mark", BODY_NUMBER, 0, 0, 1, 0 },
	/* Places a feed gives at most to campaign items (campaigns.c). */
	{ "campaign_feed_slots", BODY_INTEGER, 0, 0, CAMPAIGN_FEED_SLOTS_MAX, 0 },
	/* The evaluation model's weights, in percent (evaluation.c). */
	{ "evaluation_weight_knowledge", BODY_NUMBER, 0, 0, 100, 0 },
	{ "evaluation_weight_behaviour", BODY_NUMBER, 0, 0, 100, 0 },
	{ "evaluation_weight_feedback", BODY_NUMBER, 0, 0, 100, 0 },
	{ "evaluation_weight_data", BODY_NUMBER, 0, 0, 100, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

void
page_admin_settings_get(struct request *req)
{
	sqlite3_stmt *stmt;
	json_t *settings = json_object();

	if (sqlite3_prepare_v2(req->app->db, "SELECT key, value FROM settings ORDER BY key",
	    -1, &stmt, NULL) != SQLITE_OK) {
		json_decref(settings);
		response_error(req, 503, "database_unavailable", "暂时无法读取设置");
		return;
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		json_t *value = json_loads((const char *)sqlite3_column_text(stmt, 1), JSON_DECODE_ANY, NULL);

		if (value != NULL)
			json_object_set_new(settings, (const char *)sqlite3_column_text(stmt, 0), value);
	}
	sqlite3_finalize(stmt);
	response_json(req, 200, settings);
}

void
page_admin_settings_put(struct request *req)
{
	const char *key;
	json_t *body, *value;
	sqlite3_stmt *stmt = NULL;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, setting_fields) < 0)
		goto out;
	if (db_write_begin(req) < 0)
		goto out;
	if (sqlite3_prepare_v2(req->app->db, "INSERT INTO settings(key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value", -1, &stmt, NULL) != SQLITE_OK)
		goto db_error;
	json_object_foreach(body, key, value) {
		char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);

		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, text, -1, SQLITE_TRANSIENT);
		free(text);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto db_error;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	audit_record(req, "settings.update", NULL, 0, json_incref(body));
	if (db_write_commit(req) < 0)
		goto out;
	json_decref(body);
	page_admin_settings_get(req);
	return;
db_error:
	log_error("settings: %s", sqlite3_errmsg(req->app->db));
	sqlite3_finalize(stmt);
	db_write_rollback(req);
	response_error(req, 503, "database_unavailable", "设置未能保存，请稍后重试");
out:
	json_decref(body);
}
