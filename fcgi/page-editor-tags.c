/*
 * page-editor-tags.c — the taxonomy for editors: list with usage counts,
 * add a tag, delete one nobody uses. Tag codes are strings, not ids, so a
 * delete names its tag in the query: DELETE /api/editor/tags?code=risk.x.
 */
#include "config.h"

#include "content/content.h"
#include "extern.h"

const struct param_spec editor_tag_delete_params[] = {
	{ "code", PARAM_STRING, 3, 64, 1 },
	{ NULL, 0, 0, 0, 0 },
};

void
page_editor_tags_list(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *tags;

	qf_error_init(&err);
	/* Parameters as tags_params: kind. */
	if ((rc = content_tag_list(req->app->db, req->params[0].text, 1, &tags, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, tags);
}

void
page_editor_tag_create(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *body;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	if ((rc = content_tag_create(req->app->db, body, &err)) != CONTENT_OK) {
		db_write_rollback(req);
		content_respond_error(req, rc, &err);
		goto out;
	}
	if (audit_record(req, "tag.create", "tag", 0, json_incref(body)) < 0) {
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "操作未能记录到审计日志，已撤销");
		goto out;
	}
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 201, json_incref(body));
out:
	json_decref(body);
}

void
page_editor_tag_delete(struct request *req)
{
	const char *code = req->params[0].text;
	struct qf_error err;
	enum content_rc rc;

	if (db_write_begin(req) < 0)
		return;
	qf_error_init(&err);
	if ((rc = content_tag_delete(req->app->db, code, &err)) != CONTENT_OK) {
		db_write_rollback(req);
		content_respond_error(req, rc, &err);
		return;
	}
	if (audit_record(req, "tag.delete", "tag", 0, json_pack("{s:s}", "code", code)) < 0) {
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "操作未能记录到审计日志，已撤销");
		return;
	}
	if (db_write_commit(req) < 0)
		return;
	response_json(req, 204, NULL);
}
