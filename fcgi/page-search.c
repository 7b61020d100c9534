/*
 * page-search.c — GET /api/search: anyone signed in finds items by words,
 * tags and kind. Cadres and supervisors see published items only; editors
 * and admins may search every status. GET /api/editor/items shares the
 * parameters (and the library call) for the editor's list.
 */
#include "config.h"

#include <string.h>

#include "content/content.h"
#include "extern.h"

/* Read by position: q, tag, status, kind, limit, offset. */
const struct param_spec search_params[] = {
	{ "q", PARAM_STRING, 0, 200, 0 },
	{ "tag", PARAM_STRING, 3, 600, 0 },
	{ "status", PARAM_STRING, 1, 16, 0 },
	{ "kind", PARAM_STRING, 1, 16, 0 },
	{ "limit", PARAM_INT, 1, CONTENT_SEARCH_MAX_LIMIT, 0 },
	{ "offset", PARAM_INT, 0, 1000000, 0 },
	{ NULL, 0, 0, 0, 0 },
};

struct content_search
search_from_params(const struct request *req)
{
	/* In the order of search_params. */
	return (struct content_search){
		.text = req->params[0].text,
		.tags = req->params[1].text,
		.status = req->params[2].text,
		.kind = req->params[3].text,
		.limit = req->params[4].present ? req->params[4].integer : 0,
		.offset = req->params[5].present ? req->params[5].integer : 0,
	};
}

void
page_search(struct request *req)
{
	struct content_search search = search_from_params(req);
	int editor = (req->user->role & (ROLE_EDITOR | ROLE_ADMIN)) != 0;
	struct qf_error err;
	enum content_rc rc;
	json_t *result;

	if (!editor) {
		if (search.status != NULL && strcmp(search.status, "published") != 0) {
			response_error(req, 403, "forbidden", "status: 只能检索已发布的内容");
			return;
		}
		search.status = "published";
	}
	qf_error_init(&err);
	if ((rc = content_search_run(req->app->db, &search, &result, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, result);
}
