/*
 * page-supervisor-campaigns.c — how far a campaign has reached, for
 * supervisors (scoped to their unit subtree, fcgi/scope.c):
 *   GET /api/supervisor/campaigns                      the campaigns
 *   GET /api/supervisor/campaigns/{id}/coverage[?unit=ID][&format=csv|xlsx]
 * Coverage counts the cadres the campaign targets today in the scope:
 * target, completed (every item), passed (the quiz; null without one),
 * not started, in progress, overdue and due soon, per unit (the cadre's own
 * unit) and in all, with the overdue people listed. The export is one row
 * per targeted cadre.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

const struct param_spec campaign_coverage_params[] = {
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 },
	{ "format", PARAM_STRING, 1, 8, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static void
db_unavailable(struct request *req, const struct qf_error *err)
{
	log_error("%s", err->set ? err->text : "campaigns: database error");
	response_header(req, "Retry-After", "2");
	response_error(req, 503, "database_unavailable", "暂时无法读取数据，请稍后重试");
}

void
page_supervisor_campaigns_list(struct request *req)
{
	sqlite3_stmt *stmt;
	json_t *list = json_array();
	int64_t now = clock_unix_s();
	int rc;

	if ((stmt = stmt_get(req->app->db, "SELECT id, title, status, start_date, deadline_date, deadline_at,"
	    "   pass_mark, (SELECT count(*) FROM campaign_items WHERE campaign_id = c.id)"
	    " FROM campaigns c ORDER BY status = 'closed', deadline_at DESC, id DESC LIMIT 500")) == NULL) {
		json_decref(list);
		response_error(req, 503, "database_unavailable", "暂时无法读取数据，请稍后重试");
		return;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:o,s:I}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0), "title", sqlite3_column_text(stmt, 1),
		    "status", sqlite3_column_text(stmt, 2), "start", sqlite3_column_text(stmt, 3),
		    "deadline", sqlite3_column_text(stmt, 4), "past_deadline", now >= sqlite3_column_int64(stmt, 5),
		    "pass_mark", sqlite3_column_type(stmt, 6) == SQLITE_NULL ? json_null() :
		    json_real(sqlite3_column_double(stmt, 6)),
		    "item_count", (json_int_t)sqlite3_column_int64(stmt, 7)));
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		response_error(req, 503, "database_unavailable", "暂时无法读取数据，请稍后重试");
		return;
	}
	response_json(req, 200, json_pack("{s:o}", "campaigns", list));
}

/* The running counts of one unit or of all. */
struct tally {
	int64_t unit_id;
	const char *unit_name;
	int64_t target, completed, passed, not_started, in_progress, overdue, due_soon, done;
};

static void
tally_add(struct tally *t, const struct campaign_person *p)
{
	t->target++;
	t->completed += p->completed;
	t->passed += p->passed;
	t->not_started += p->not_started;
	t->in_progress += !p->not_started && !p->done;
	t->overdue += p->overdue;
	t->due_soon += p->due_soon;
	t->done += p->done;
}

static json_t *
tally_json(const struct tally *t, const struct campaign_info *c)
{
	json_t *o = json_pack("{s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:o}",
	    "target", (json_int_t)t->target, "completed", (json_int_t)t->completed,
	    "passed", c->has_quiz ? json_integer(t->passed) : json_null(),
	    "not_started", (json_int_t)t->not_started, "in_progress", (json_int_t)t->in_progress,
	    "overdue", (json_int_t)t->overdue, "due_soon", (json_int_t)t->due_soon,
	    "done", (json_int_t)t->done,
	    "completion_rate", t->target ? json_real((double)t->completed / (double)t->target) : json_null());

	if (t->unit_name != NULL) {
		json_object_set_new(o, "unit_id", json_integer(t->unit_id));
		json_object_set_new(o, "unit_name", json_string(t->unit_name));
	}
	return o;
}

/* The export: one row per targeted cadre (export.c writes CSV or XLSX). */
static const struct export_column export_columns[] = {
	{ "name", "姓名" },
	{ "unit_name", "单位" },
	{ "items_completed", "已完成内容" },
	{ "items_total", "内容总数" },
	{ "quiz_percent", "测验得分" },
	{ "completed_label", "是否完成" },
	{ "passed_label", "是否通过" },
	{ "state_label", "状态" },
	{ NULL, NULL },
};

static const char *
state_label(const struct campaign_person *p)
{
	return p->done ? "已完成" : p->overdue ? "已逾期" : p->not_started ? "未开始" :
	    p->due_soon ? "即将到期" : "学习中";
}

static void
coverage_export(struct request *req, enum export_format format, const struct campaign_info *c,
    const struct campaign_person *people, size_t n)
{
	json_t *rows = json_array();
	char filename[320];

	for (size_t i = 0; i < n; i++) {
		const struct campaign_person *p = &people[i];

		json_array_append_new(rows, json_pack("{s:s,s:s,s:I,s:I,s:o,s:s,s:s,s:s}",
		    "name", p->name, "unit_name", p->unit_name,
		    "items_completed", (json_int_t)p->items_done, "items_total", (json_int_t)c->item_count,
		    "quiz_percent", c->has_quiz ? json_real(p->quiz_score * 100.0) : json_null(),
		    "completed_label", p->completed ? "是" : "否",
		    "passed_label", !c->has_quiz ? "无测验" : p->passed ? "是" : "否",
		    "state_label", state_label(p)));
	}
	snprintf(filename, sizeof(filename), "专题学习完成情况-%s", c->title);
	export_send(req, format, filename, export_columns, rows);
	json_decref(rows);
}

void
page_supervisor_campaign_coverage(struct request *req)
{
	const struct param_value *unit = &req->params[0];
	enum export_format format;
	struct campaign_info c;
	struct campaign_person *people = NULL;
	struct tally all = { 0 }, *units = NULL;
	struct qf_error err;
	size_t n = 0, unit_count = 0;
	int64_t scope, now = clock_unix_s();
	json_t *unit_list, *overdue, *reply;
	int found;

	qf_error_init(&err);
	if (export_format_of(req, &format) < 0)
		return;
	if (scope_resolve_unit(req, unit->present ? unit->integer : 0, &scope) < 0)
		return;
	/* One read transaction: the figures agree with each other. */
	sqlite3_exec(req->app->db, "BEGIN", NULL, NULL, NULL);
	if ((found = campaign_info_load(req->app->db, req->path_ids[0], &c, &err)) == 0) {
		sqlite3_exec(req->app->db, "COMMIT", NULL, NULL, NULL);
		response_error(req, 404, "not_found", "没有这个专题学习");
		return;
	}
	if (found < 0 || campaign_people(req->app->db, &c, scope, now, &people, &n, &err) < 0) {
		sqlite3_exec(req->app->db, "ROLLBACK", NULL, NULL, NULL);
		db_unavailable(req, &err);
		return;
	}
	sqlite3_exec(req->app->db, "COMMIT", NULL, NULL, NULL);
	audit_record(req, "campaign.coverage", "campaign", c.id, json_pack("{s:I,s:s}",
	    "unit", (json_int_t)scope, "format", format == EXPORT_CSV ? "csv" : format == EXPORT_XLSX ? "xlsx" :
	    "json"));
	if (format != EXPORT_JSON) {
		coverage_export(req, format, &c, people, n);
		free(people);
		return;
	}
	/* People come ordered by unit: one tally per run of a unit. */
	if (n > 0 && (units = calloc(n, sizeof(*units))) == NULL) {
		free(people);
		response_error(req, 503, "out_of_memory", "服务器繁忙，请稍后重试");
		return;
	}
	overdue = json_array();
	for (size_t i = 0; i < n; i++) {
		if (unit_count == 0 || units[unit_count - 1].unit_id != people[i].unit_id) {
			units[unit_count].unit_id = people[i].unit_id;
			units[unit_count].unit_name = people[i].unit_name;
			unit_count++;
		}
		tally_add(&units[unit_count - 1], &people[i]);
		tally_add(&all, &people[i]);
		if (people[i].overdue)
			json_array_append_new(overdue, campaign_person_json(&people[i], &c));
	}
	unit_list = json_array();
	for (size_t i = 0; i < unit_count; i++)
		json_array_append_new(unit_list, tally_json(&units[i], &c));
	reply = tally_json(&all, &c);
	json_object_set_new(reply, "campaign", json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:b}",
	    "id", (json_int_t)c.id, "title", c.title, "status", c.status, "start", c.start,
	    "deadline", c.deadline, "pass_mark", c.has_quiz ? json_real(c.pass_mark) : json_null(),
	    "item_count", (json_int_t)c.item_count, "question_count", (json_int_t)c.question_count,
	    "past_deadline", now >= c.deadline_at));
	json_object_set_new(reply, "unit_id", json_integer(scope));
	json_object_set_new(reply, "units", unit_list);
	json_object_set_new(reply, "overdue_people", overdue);
	free(units);
	free(people);
	response_json(req, 200, reply);
}

const struct param_spec campaign_warnings_params[] = {
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 },
	{ NULL, 0, 0, 0, 0 },
};

/*
 * GET /api/supervisor/campaigns/warnings[?unit=ID]: the campaign part of
 * the supervisor's warnings on its own (GET /api/supervisor/warnings
 * carries the same objects among the others).
 */
void
page_supervisor_campaign_warnings(struct request *req)
{
	const struct param_value *unit = &req->params[0];
	struct qf_error err;
	int64_t scope;
	json_t *warnings;

	qf_error_init(&err);
	if (scope_resolve_unit(req, unit->present ? unit->integer : 0, &scope) < 0)
		return;
	warnings = json_array();
	sqlite3_exec(req->app->db, "BEGIN", NULL, NULL, NULL);
	if (campaign_warnings(req->app->db, scope, clock_unix_s(), warnings, &err) < 0) {
		sqlite3_exec(req->app->db, "ROLLBACK", NULL, NULL, NULL);
		json_decref(warnings);
		db_unavailable(req, &err);
		return;
	}
	sqlite3_exec(req->app->db, "COMMIT", NULL, NULL, NULL);
	response_json(req, 200, json_pack("{s:o,s:I}", "warnings", warnings, "unit_id", (json_int_t)scope));
}
