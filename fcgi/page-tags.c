/*
 * page-tags.c — GET /api/tags: the taxonomy (codes, kinds, Chinese labels)
 * for anyone signed in: pickers, filters and the labels of a feed.
 */
#include "config.h"

#include "content/content.h"
#include "extern.h"

/* Read by position: kind (optional: one kind only). */
const struct param_spec tags_params[] = {
	{ "kind", PARAM_STRING, 1, 16, 0 },
	{ NULL, 0, 0, 0, 0 },
};

void
page_tags(struct request *req)
{
	struct qf_error err;
	enum content_rc rc;
	json_t *tags;

	qf_error_init(&err);
	if ((rc = content_tag_list(req->app->db, req->params[0].text, 0, &tags, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, tags);
}
