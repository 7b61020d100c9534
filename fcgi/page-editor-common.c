/*
 * page-editor-common.c — what the content pages share: turning a content
 * library failure into the API's error reply, naming the field.
 */
#include "config.h"

#include "content/content.h"
#include "extern.h"

void
content_respond_error(struct request *req, int rc, const struct qf_error *err)
{
	static const struct {
		enum content_rc rc;
		int status;
		const char *code;
	} map[] = {
		{ CONTENT_UNKNOWN_FIELD, 400, "unknown_field" },
		{ CONTENT_MISSING_FIELD, 400, "missing_field" },
		{ CONTENT_MALFORMED, 400, "bad_field" },
		{ CONTENT_INVALID, 422, "invalid_field" },
		{ CONTENT_NOT_FOUND, 404, "not_found" },
		{ CONTENT_IN_USE, 409, "tag_in_use" },
		{ CONTENT_EXISTS, 409, "already_exists" },
		{ CONTENT_STALE, 409, "version_conflict" },
		{ CONTENT_TRANSITION, 409, "invalid_transition" },
	};
	char field[96];
	json_t *error;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].rc != (enum content_rc)rc)
			continue;
		content_error_split(err, field, sizeof(field));
		error = json_pack("{s:s,s:s}", "code", map[i].code, "message", err->text);
		if (error != NULL && field[0] != '\0')
			json_object_set_new(error, "field", json_string(field));
		response_json(req, map[i].status, json_pack("{s:o}", "error", error));
		return;
	}
	/* The database's words stay in the log: they help us, not the caller. */
	log_error("%s %s: %s", req->method_name, req->path, err->text);
	response_header(req, "Retry-After", "2");
	response_error(req, 503, "database_unavailable", "服务暂时不可用，请稍后重试");
}
