/*
 * scope.c — how far a supervisor sees: their unit and every unit below it
 * (the unit tree of units.parent_id), never more; an admin sees every unit.
 * Handlers resolve the unit a request names here before reading anything,
 * and check a person's unit before opening their record. A refusal is
 * answered 403 and written to the audit log with what was asked for.
 */
#include "config.h"

#include "extern.h"

int
scope_unit_within(sqlite3 *db, int64_t root, int64_t unit_id, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (root == SCOPE_ALL_UNITS)
		return 1;
	/* Walk up from the unit; UNION (not UNION ALL) ends even on a damaged, cyclic tree. */
	if (sqlite3_prepare_v2(db, "WITH RECURSIVE up(id) AS (SELECT ?1 UNION"
	    " SELECT u.parent_id FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL)"
	    " SELECT 1 FROM up WHERE id = ?2", -1, &stmt, NULL) != SQLITE_OK) {
		qf_error_set(err, "scope: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, unit_id);
	sqlite3_bind_int64(stmt, 2, root);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		qf_error_set(err, "scope: %s", sqlite3_errmsg(db));
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW;
}

/* 1 when the unit exists, 0 when not, -1 on a database error. */
static int
scope_unit_exists(sqlite3 *db, int64_t unit_id, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM units WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK) {
		qf_error_set(err, "scope: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, unit_id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		qf_error_set(err, "scope: %s", sqlite3_errmsg(db));
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* The root of everything the caller may see: their unit, or every unit for an admin. */
static int64_t
scope_reach(const struct request *req)
{
	return req->user->role == ROLE_ADMIN ? SCOPE_ALL_UNITS : req->user->unit_id;
}

static void
scope_refuse(struct request *req, const char *target_kind, int64_t target_id)
{
	audit_record(req, "scope.refused", target_kind, target_id, json_pack("{s:s,s:s}",
	    "method", req->method_name, "path", req->path));
	response_error(req, 403, "out_of_scope", "无权查看本单位及下级单位以外的数据");
}

int
scope_resolve_unit(struct request *req, int64_t unit_id, int64_t *out)
{
	struct qf_error err;
	int64_t reach = scope_reach(req);
	int found;

	qf_error_init(&err);
	if (unit_id == 0) {
		*out = reach;
		return 0;
	}
	if ((found = scope_unit_exists(req->app->db, unit_id, &err)) == 0) {
		response_error(req, 404, "unit_not_found", "没有这个单位");
		return -1;
	}
	if (found > 0 && (found = scope_unit_within(req->app->db, reach, unit_id, &err)) == 0) {
		scope_refuse(req, "unit", unit_id);
		return -1;
	}
	if (found < 0) {
		log_error("%s", err.text);
		response_error(req, 503, "database_unavailable", "暂时无法读取数据，请稍后重试");
		return -1;
	}
	*out = unit_id;
	return 0;
}

int
scope_check_user(struct request *req, int64_t user_id)
{
	sqlite3_stmt *stmt = NULL;
	struct qf_error err;
	int64_t unit_id;
	int rc;

	qf_error_init(&err);
	if (sqlite3_prepare_v2(req->app->db, "SELECT unit_id FROM users WHERE id = ?1", -1, &stmt,
	    NULL) != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int64(stmt, 1, user_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(stmt);
		/* Unknown ids are refused like out-of-scope ones: no probing for who exists. */
		scope_refuse(req, "user", user_id);
		return -1;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	unit_id = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	stmt = NULL;
	rc = scope_unit_within(req->app->db, scope_reach(req), unit_id, &err);
	if (rc < 0)
		goto db_error;
	if (rc == 0) {
		scope_refuse(req, "user", user_id);
		return -1;
	}
	return 0;
db_error:
	log_error("scope: %s", err.set ? err.text : sqlite3_errmsg(req->app->db));
	sqlite3_finalize(stmt);
	response_error(req, 503, "database_unavailable", "暂时无法读取数据，请稍后重试");
	return -1;
}
