/*
 * page-items.c — GET /api/items/{id}: an item as a learner reads it, with
 * its body rendered to safe HTML and its questions without their answers.
 * Cadres and supervisors see published items only (others are 404, so a
 * draft's existence does not leak); editors and admins see any item this
 * way, to preview it as learners will.
 */
#include "config.h"

#include "content/content.h"
#include "extern.h"

void
page_item(struct request *req)
{
	enum content_view view = (req->user->role & (ROLE_EDITOR | ROLE_ADMIN)) ?
	    CONTENT_VIEW_PREVIEW : CONTENT_VIEW_LEARNER;
	struct qf_error err;
	enum content_rc rc;
	json_t *item;

	qf_error_init(&err);
	if ((rc = content_item_get(req->app->db, req->path_ids[0], view, &item, &err)) != CONTENT_OK) {
		content_respond_error(req, rc, &err);
		return;
	}
	response_json(req, 200, item);
}
