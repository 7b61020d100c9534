/*
 * page-editor-import.c — bulk import and export of the library as JSON
 * Lines. An import is checked line by line and written in one transaction
 * with its audit record: all or nothing, or with ?partial=1 the good lines;
 * ?dry_run=1 validates (and tries) the import without keeping anything.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content.h"
#include "extern.h"

const struct param_spec editor_import_params[] = {
	{ "partial", PARAM_INT, 0, 1, 0 },
	/* Validate only: import in a transaction that is always rolled back. */
	{ "dry_run", PARAM_INT, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0 },
};

const struct param_spec editor_export_params[] = {
	{ "status", PARAM_STRING, 1, 16, 0 },
	{ "kind", PARAM_STRING, 1, 16, 0 },
	{ NULL, 0, 0, 0, 0 },
};

/* 1 when the request's Content-Type announces JSON Lines (or plain text). */
static int
content_type_is_lines(const char *type)
{
	static const char *const accepted[] = {
		"application/x-ndjson", "application/jsonl", "application/json-lines",
		"application/x-jsonlines", "text/plain", NULL,
	};

	if (type == NULL)
		return 0;
	for (const char *const *a = accepted; *a != NULL; a++) {
		size_t len = strlen(*a);

		if (strncasecmp(type, *a, len) == 0 && (type[len] == '\0' || type[len] == ';' ||
		    type[len] == ' '))
			return 1;
	}
	return 0;
}

void
page_editor_import(struct request *req)
{
	struct content_import_result result;
	int partial = req->params[0].present && req->params[0].integer == 1;
	int dry_run = req->params[1].present && req->params[1].integer == 1;
	struct qf_error err;
	enum content_rc rc;
	json_t *reply;

	if (!content_type_is_lines(req->content_type)) {
		response_error(req, 415, "unsupported_media_type",
		    "导入内容须为 JSON Lines（Content-Type: application/x-ndjson 或 text/plain）");
		return;
	}
	if (request_read_body(req, req->route->max_body) < 0)
		return;
	if (db_write_begin(req) < 0)
		return;
	qf_error_init(&err);
	rc = content_import(req->app->db, req->body, req->body_len, partial ? CONTENT_IMPORT_PARTIAL : 0,
	    req->user->id, &result, &err);
	if (rc == CONTENT_INVALID) {
		db_write_rollback(req);
		reply = json_pack("{s:{s:s,s:s},s:i,s:I,s:O}", "error", "code", "invalid_lines",
		    "message", err.text, "imported", 0, "lines", (json_int_t)result.lines,
		    "errors", result.errors);
		response_json(req, 422, reply);
		goto out;
	}
	if (rc != CONTENT_OK) {
		db_write_rollback(req);
		content_respond_error(req, rc, &err);
		goto out;
	}
	/* A dry run reports what an import would do, and undoes it: nothing is written or audited. */
	if (dry_run) {
		db_write_rollback(req);
		response_json(req, 200, json_pack("{s:b,s:I,s:I,s:I,s:O}", "dry_run", 1, "imported",
		    (json_int_t)result.items, "questions", (json_int_t)result.questions,
		    "lines", (json_int_t)result.lines, "errors", result.errors));
		goto out;
	}
	if (audit_record(req, "content.import", NULL, 0, json_pack("{s:I,s:I,s:I,s:b,s:O}",
	    "imported", (json_int_t)result.items, "questions", (json_int_t)result.questions,
	    "bad_lines", (json_int_t)json_array_size(result.errors), "partial", partial,
	    "ids", result.ids)) < 0) {
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "操作未能记录到审计日志，已撤销");
		goto out;
	}
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 200, json_pack("{s:I,s:I,s:I,s:O,s:O}", "imported",
	    (json_int_t)result.items, "questions", (json_int_t)result.questions,
	    "lines", (json_int_t)result.lines, "ids", result.ids, "errors", result.errors));
out:
	content_import_result_free(&result);
}

void
page_editor_export(struct request *req)
{
	struct content_export_filter filter = {
		.status = req->params[0].text,
		.kind = req->params[1].text,
	};
	struct qf_error err;
	enum content_rc rc;
	char *text = NULL, disposition[96], date[21];
	size_t len = 0;
	FILE *out;

	if ((filter.status != NULL && strcmp(filter.status, "draft") != 0 &&
	    strcmp(filter.status, "published") != 0 && strcmp(filter.status, "retired") != 0) ||
	    (filter.kind != NULL && strcmp(filter.kind, "case") != 0 &&
	    strcmp(filter.kind, "lesson") != 0)) {
		response_error(req, 400, "bad_query", "status 须为 draft、published 或 retired；"
		    "kind 须为 case 或 lesson");
		return;
	}
	if ((out = open_memstream(&text, &len)) == NULL) {
		response_error(req, 503, "out_of_memory", "服务器内存不足，请稍后重试");
		return;
	}
	qf_error_init(&err);
	/* One read transaction: the export is a single snapshot even while editors write. */
	sqlite3_exec(req->app->db, "BEGIN", NULL, NULL, NULL);
	rc = content_export(req->app->db, &filter, out, NULL, &err);
	sqlite3_exec(req->app->db, "COMMIT", NULL, NULL, NULL);
	if (fclose(out) != 0 && rc == CONTENT_OK) {
		qf_error_set(&err, "output: 内存不足");
		rc = CONTENT_INTERNAL;
	}
	if (rc != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		free(text);
		return;
	}
	clock_format_iso8601(clock_unix_s(), date);
	snprintf(disposition, sizeof(disposition),
	    "attachment; filename=\"qingfeng-content-%.4s%.2s%.2s.jsonl\"", date, date + 5, date + 8);
	response_header(req, "Content-Disposition", disposition);
	response_text(req, 200, "application/x-ndjson; charset=utf-8", text, len);
	free(text);
}
