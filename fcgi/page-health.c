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
	int schema;

	qf_error_init(&err);
	schema = db_schema_version(req->app->db, &err);
	if (schema < 0) {
		log_error("health: %s", err.text);
		response_json(req, 503, json_pack("{s:s,s:s,s:n,s:n}", "status", "error",
		    "db", "unavailable", "schema", "model"));
		return;
	}
	response_json(req, 200, json_pack("{s:s,s:s,s:i,s:n}", "status", "ok",
	    "db", "ok", "schema", schema, "model"));
}
