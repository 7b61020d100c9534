/*
 * page-my-campaigns.c — GET /api/me/campaigns: the campaigns (专题学习)
 * that target the signed-in cadre today, each with its deadline, its items
 * ticked off, the quiz score against the pass mark, and a state: done,
 * overdue, due_soon (within three days) or open. The learner pages show
 * these as reminders; GET /api/me/progress carries the same list.
 */
#include "config.h"

#include "extern.h"

void
page_my_campaigns(struct request *req)
{
	struct qf_error err;
	json_t *list;
	char today[11];
	int64_t now = clock_unix_s();

	qf_error_init(&err);
	if ((list = campaign_user_list(req->app->db, req->user->id, now, &err)) == NULL) {
		log_error("%s", err.set ? err.text : "my campaigns: failed");
		response_error(req, 503, "database_unavailable", "暂时无法读取专题学习，请稍后重试");
		return;
	}
	learner_format_date(now, today);
	response_json(req, 200, json_pack("{s:o,s:s}", "campaigns", list, "today", today));
}
