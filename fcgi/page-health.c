/*
 * page-health.c — GET /api/health: is the database reachable, which schema
 * and which model are in service. Monitoring and the front page read it.
 */
#include "config.h"

#include "extern.h"

void
page_health(struct request *req)
{
	struct qf_error err;
	json_t *model = NULL;
	int schema;

	qf_error_init(&err);
	schema = db_schema_version(req->app->db, &err);
	if (schema < 0) {
		log_error("health: %s", err.text);
		response_json(req, 503, json_pack("{s:s,s:s,s:n,s:n}", "status", "error",
		    "db", "unavailable", "schema", "model"));
		return;
	}
	if (req->app->model != NULL) {
		char version[17];

		app_model_version(req->app, version);
		model = json_pack("{s:s,s:I}", "version", version,
		    "age_s", (json_int_t)(clock_unix_s() - req->app->model->info.created));
	}
	response_json(req, 200, json_pack("{s:s,s:s,s:i,s:o}", "status", "ok",
	    "db", "ok", "schema", schema, "model", model ? model : json_null()));
}
