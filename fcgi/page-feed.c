/*
 * page-feed.c — GET /api/feed?limit=N: the cadre's feed (feed.c ranks it).
 * Every item shown is logged as an impression with its position, the model
 * version and the cadre's arm, so completion can be measured per arm. The
 * impressions go to the worker's log (impression-log.c), written after the
 * answer; only when the log cannot take them are they written before it.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

void
page_feed(struct request *req)
{
	const struct param_value *limit = &req->params[0];
	char version[17];
	const char *arm = arm_of(req);
	struct impression_feed shown;
	json_t *items = NULL;

	if (feed_build(req, limit->present ? (size_t)limit->integer : 10, arm, &items) < 0) {
		response_error(req, 503, "database_unavailable", "暂时无法生成推荐，请稍后重试");
		return;
	}
	app_model_version(req->app, version);
	shown = (struct impression_feed){
		.user_id = req->user->id,
		.created_at = clock_unix_s(),
		.model_version = req->app->model ? version : NULL,
		.arm = arm,
		.items = items,
	};
	if (impression_log_add(req->app, &shown) < 0 && impression_write_now(req, &shown) < 0) {
		json_decref(items);
		return;
	}
	response_json(req, 200, json_pack("{s:s,s:s,s:o}", "arm", arm,
	    "model_version", req->app->model ? version : "none", "items", items));
}
