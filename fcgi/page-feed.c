/*
 * page-feed.c — GET /api/feed?limit=N: the cadre's feed (feed.c ranks it).
 * Every item shown is logged as an impression with its position, the model
 * version and the cadre's arm, so completion can be measured per arm.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

/*
 * Logs one impression per item shown, in one transaction. Review entries
 * are questions coming back, not pushed content: they are not impressions
 * of their item (that would count it as pushed again). 0 or -1 (answered).
 */
static int
feed_log_impressions(struct request *req, json_t *items, const char *version, const char *arm)
{
	sqlite3_stmt *stmt = NULL;
	json_t *item;
	size_t position;

	if (db_write_begin(req) < 0)
		return -1;
	if ((stmt = stmt_get(req->app->db, "INSERT INTO events(user_id, item_id, kind, position,"
	    " model_version, arm, created_at) VALUES (?1, ?2, 'impression', ?3, ?4, ?5, unixepoch())")) == NULL)
		goto fail;
	json_array_foreach(items, position, item) {
		if (json_object_get(item, "question_id") != NULL)
			continue;
		sqlite3_bind_int64(stmt, 1, req->user->id);
		sqlite3_bind_int64(stmt, 2, json_integer_value(json_object_get(item, "id")));
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)position + 1);
		if (version != NULL)
			sqlite3_bind_text(stmt, 4, version, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(stmt, 4);
		sqlite3_bind_text(stmt, 5, arm, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(stmt);
	}
	stmt_release(stmt);
	return db_write_commit(req);
fail:
	log_error("impressions: %s", sqlite3_errmsg(req->app->db));
	stmt_release(stmt);
	db_write_rollback(req);
	response_error(req, 503, "database_unavailable", "暂时无法生成推荐，请稍后重试");
	return -1;
}

void
page_feed(struct request *req)
{
	const struct param_value *limit = &req->params[0];
	char version[17];
	const char *arm = arm_of(req);
	json_t *items = NULL;

	if (feed_build(req, limit->present ? (size_t)limit->integer : 10, arm, &items) < 0) {
		response_error(req, 503, "database_unavailable", "暂时无法生成推荐，请稍后重试");
		return;
	}
	app_model_version(req->app, version);
	if (feed_log_impressions(req, items, req->app->model ? version : NULL, arm) < 0) {
		json_decref(items);
		return;
	}
	response_json(req, 200, json_pack("{s:s,s:s,s:o}", "arm", arm,
	    "model_version", req->app->model ? version : "none", "items", items));
}
