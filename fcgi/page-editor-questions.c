/*
 * page-editor-questions.c — quiz questions for editors: list (those of an
 * item, or the standalone ones), read with the answer, create, edit, retire.
 * Every change runs in one write transaction with its audit record.
 */
#include "config.h"

#include <stdio.h>

#include "content/content.h"
#include "extern.h"

const struct param_spec editor_questions_params[] = {
	{ "item_id", PARAM_INT, 1, INT64_MAX, 0 },
	{ "limit", PARAM_INT, 1, 500, 0 },
	{ "offset", PARAM_INT, 0, 1000000, 0 },
	{ NULL, 0, 0, 0, 0 },
};

/* Records the change and commits; rolls back and answers 503 when it cannot. 0 or -1. */
static int
audit_and_commit(struct request *req, const char *action, int64_t id, json_t *detail)
{
	if (audit_record(req, action, "question", id, detail) < 0) {
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "操作未能记录到审计日志，已撤销");
		return -1;
	}
	return db_write_commit(req);
}

void
page_editor_questions_list(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *result;

	qf_error_init(&err);
	rc = content_question_list(req->app->db, req->params[0].present ? req->params[0].integer : 0,
	    req->params[1].present ? req->params[1].integer : 100,
	    req->params[2].present ? req->params[2].integer : 0, &result, &err);
	if (rc != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, result);
}

void
page_editor_question_get(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *question;

	qf_error_init(&err);
	if ((rc = content_question_get(req->app->db, req->path_ids[0], &question, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, question);
}

void
page_editor_question_create(struct request *req)
{
	struct qf_error err;
	char location[64];
	enum content_rc rc;
	json_t *body, *item_id;
	int64_t id;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	if ((rc = content_question_create(req->app->db, body, &id, &err)) != CONTENT_OK) {
		db_write_rollback(req);
		content_respond_error(req, rc, &err);
		goto out;
	}
	item_id = json_object_get(body, "item_id");
	if (audit_and_commit(req, "question.create", id, json_pack("{s:O,s:O}", "item_id",
	    item_id != NULL ? item_id : json_null(), "type", json_object_get(body, "type"))) < 0)
		goto out;
	snprintf(location, sizeof(location), "/api/editor/questions/%lld", (long long)id);
	response_header(req, "Location", location);
	response_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
out:
	json_decref(body);
}

void
page_editor_question_update(struct request *req)
{
	int64_t id = req->path_ids[0];
	struct qf_error err;
	enum content_rc rc;
	json_t *body, *fields, *value;
	const char *key;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	if ((rc = content_question_update(req->app->db, id, body, &err)) != CONTENT_OK) {
		db_write_rollback(req);
		content_respond_error(req, rc, &err);
		goto out;
	}
	fields = json_array();
	json_object_foreach(body, key, value)
		json_array_append_new(fields, json_string(key));
	if (audit_and_commit(req, "question.update", id, json_pack("{s:o}", "fields", fields)) < 0)
		goto out;
	json_decref(body);
	body = NULL;
	page_editor_question_get(req);
out:
	json_decref(body);
}

void
page_editor_question_retire(struct request *req)
{
	int64_t id = req->path_ids[0];
	struct qf_error err;
	enum content_rc rc;

	if (db_write_begin(req) < 0)
		return;
	qf_error_init(&err);
	if ((rc = content_question_retire(req->app->db, id, &err)) != CONTENT_OK) {
		db_write_rollback(req);
		content_respond_error(req, rc, &err);
		return;
	}
	if (audit_and_commit(req, "question.retire", id, NULL) < 0)
		return;
	response_json(req, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "retired"));
}
