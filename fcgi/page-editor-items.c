/*
 * page-editor-items.c — the editor's items: list with filters, read, create,
 * edit (a new version), publish, retire, version history, and a Markdown
 * preview. Every change runs in one write transaction with its audit record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content.h"
#include "extern.h"

/* Rolls back the write transaction and answers the library's failure. */
static void
write_refused(struct request *req, enum content_rc rc, const struct qf_error *err)
{
	db_write_rollback(req);
	content_respond_error(req, rc, err);
}

/*
 * Records the change and commits; on failure rolls back and answers 503
 * itself (a change that cannot be audited is not made). 0 or -1.
 */
static int
audit_and_commit(struct request *req, const char *action, int64_t id, json_t *detail)
{
	if (audit_record(req, action, "item", id, detail) < 0) {
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "操作未能记录到审计日志，已撤销");
		return -1;
	}
	return db_write_commit(req);
}

static void
respond_item(struct request *req, int status, int64_t id, enum content_view view)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *item;

	qf_error_init(&err);
	if ((rc = content_item_get(req->app->db, id, view, &item, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, status, item);
}

void
page_editor_items_list(struct request *req)
{
	struct content_search search = search_from_params(req);
	struct qf_error err;
	enum content_rc rc;
	json_t *result;

	qf_error_init(&err);
	if ((rc = content_search_run(req->app->db, &search, &result, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, result);
}

void
page_editor_item_get(struct request *req)
{
	respond_item(req, 200, req->path_ids[0], CONTENT_VIEW_EDITOR);
}

void
page_editor_item_create(struct request *req)
{
	struct qf_error err;
	char location[64];
	enum content_rc rc;
	json_t *body;
	int64_t id;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	if ((rc = content_item_create(req->app->db, body, req->user->id, &id, &err)) != CONTENT_OK) {
		write_refused(req, rc, &err);
		goto out;
	}
	if (audit_and_commit(req, "item.create", id, json_pack("{s:O,s:O}", "kind",
	    json_object_get(body, "kind"), "title", json_object_get(body, "title"))) < 0)
		goto out;
	snprintf(location, sizeof(location), "/api/editor/items/%lld", (long long)id);
	response_header(req, "Location", location);
	response_json(req, 201, json_pack("{s:I,s:i,s:s}", "id", (json_int_t)id, "version", 1,
	    "status", "draft"));
out:
	json_decref(body);
}

void
page_editor_item_update(struct request *req)
{
	int64_t id = req->path_ids[0], version;
	struct qf_error err;
	enum content_rc rc;
	json_t *body, *fields;
	const char *key;
	json_t *value;
	int changed;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	rc = content_item_update(req->app->db, id, body, req->user->id, &version, &changed, &err);
	if (rc != CONTENT_OK) {
		write_refused(req, rc, &err);
		goto out;
	}
	if (!changed) {
		/* Nothing to record: the item stays at its version. */
		db_write_rollback(req);
	} else {
		/* The audit names the fields the editor sent, not their (long) values. */
		fields = json_array();
		json_object_foreach(body, key, value)
			if (strcmp(key, "version") != 0)
				json_array_append_new(fields, json_string(key));
		if (audit_and_commit(req, "item.update", id, json_pack("{s:I,s:o}", "version",
		    (json_int_t)version, "fields", fields)) < 0)
			goto out;
	}
	response_json(req, 200, json_pack("{s:I,s:I,s:b}", "id", (json_int_t)id, "version",
	    (json_int_t)version, "changed", changed));
out:
	json_decref(body);
}

/* Publishes or retires item path_ids[0]. */
static void
item_set_status(struct request *req, const char *status, const char *action)
{
	int64_t id = req->path_ids[0], version;
	struct qf_error err;
	enum content_rc rc;

	if (db_write_begin(req) < 0)
		return;
	qf_error_init(&err);
	if ((rc = content_item_set_status(req->app->db, id, status, &version, &err)) != CONTENT_OK) {
		write_refused(req, rc, &err);
		return;
	}
	if (audit_and_commit(req, action, id, json_pack("{s:I}", "version", (json_int_t)version)) < 0)
		return;
	response_json(req, 200, json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "status", status,
	    "version", (json_int_t)version));
}

void
page_editor_item_publish(struct request *req)
{
	item_set_status(req, "published", "item.publish");
}

void
page_editor_item_retire(struct request *req)
{
	item_set_status(req, "retired", "item.retire");
}

void
page_editor_item_versions(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *versions;

	qf_error_init(&err);
	rc = content_item_versions(req->app->db, req->path_ids[0], &versions, &err);
	if (rc != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, versions);
}

void
page_editor_item_version(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *version;

	qf_error_init(&err);
	rc = content_item_version(req->app->db, req->path_ids[0], req->path_ids[1], &version, &err);
	if (rc != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, version);
}

/*
 * POST /api/editor/preview {"body_md"} → {"body_html"}: the same safe
 * rendering learners get, so the editor previews exactly what they will see.
 */
void
page_editor_preview(struct request *req)
{
	const char *key, *markdown;
	json_t *body, *value;
	char *html;

	if ((body = request_json_body(req)) == NULL)
		return;
	json_object_foreach(body, key, value) {
		if (strcmp(key, "body_md") != 0) {
			response_error(req, 400, "unknown_field", "body: 只接受 body_md 字段");
			goto out;
		}
	}
	value = json_object_get(body, "body_md");
	if (!json_is_string(value)) {
		response_error(req, 400, value == NULL ? "missing_field" : "bad_field",
		    "body_md: 正文须为 Markdown 字符串");
		goto out;
	}
	markdown = json_string_value(value);
	if (json_string_length(value) > CONTENT_BODY_MAX_BYTES ||
	    strlen(markdown) != json_string_length(value)) {
		response_errorf(req, 422, "invalid_field", "body_md: 正文过长（上限 %d 字节）或含有 NUL",
		    CONTENT_BODY_MAX_BYTES);
		goto out;
	}
	if ((html = content_markdown_html(markdown, strlen(markdown))) == NULL) {
		response_error(req, 503, "out_of_memory", "服务器内存不足，请稍后重试");
		goto out;
	}
	response_json(req, 200, json_pack("{s:s}", "body_html", html));
	free(html);
out:
	json_decref(body);
}
