/*
 * audit.c — the audit log: who did what to which record, when, from where.
 * Editor, supervisor and admin actions, logins and refused authorisations
 * land here; supervisors' reads of a person's record too.
 */
#include "config.h"

#include <stdlib.h>

#include "extern.h"

int
audit_record(struct request *req, const char *action, const char *target_kind,
    int64_t target_id, json_t *detail)
{
	sqlite3_stmt *stmt = NULL;
	char *detail_text = NULL;
	int rc = -1;

	if (detail != NULL)
		detail_text = json_dumps(detail, JSON_COMPACT);
	if (sqlite3_prepare_v2(req->app->db, "INSERT INTO audit_log(actor_id, actor_role, action,"
	    " target_kind, target_id, detail, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto out;
	if (req->user != NULL) {
		sqlite3_bind_int64(stmt, 1, req->user->id);
		sqlite3_bind_text(stmt, 2, req->user->role_name, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(stmt, 3, action, -1, SQLITE_STATIC);
	if (target_kind != NULL) {
		sqlite3_bind_text(stmt, 4, target_kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, target_id);
	}
	if (detail_text != NULL)
		sqlite3_bind_text(stmt, 6, detail_text, -1, SQLITE_STATIC);
	if (req->remote_addr != NULL)
		sqlite3_bind_text(stmt, 7, req->remote_addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
out:
	if (rc < 0)
		log_error("audit %s: %s", action, sqlite3_errmsg(req->app->db));
	sqlite3_finalize(stmt);
	free(detail_text);
	json_decref(detail);
	return rc;
}
