/*
 * page-supervisor-overview.c — GET /api/supervisor/overview: completion,
 * participation, quiz pass rate and study hours of the cadres of a unit's
 * tree over a period, by the unit's direct children, by category and by
 * month, with the key groups (grassroots, new hires) and the 40-hour
 * target's pace. The definitions are those of supervisor-figures.c, given
 * in the reply in Chinese. ?format=csv|xlsx exports a table of it
 * (?table=units, categories or months).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "extern.h"

const struct param_spec supervisor_overview_params[] = {
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 },
	{ "category", PARAM_STRING, 1, 16, 0 },
	{ "from", PARAM_DATE, 0, 0, 0 },
	{ "to", PARAM_DATE, 0, 0, 0 },
	{ "format", PARAM_STRING, 1, 8, 0 },
	{ "table", PARAM_STRING, 1, 16, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct export_column overview_columns[] = {
	{ "name", "名称" },
	{ "cadres", "干部数" },
	{ "pushed", "推送数" },
	{ "completed", "完成数" },
	{ "completion_rate", "完成率" },
	{ "participation_rate", "参学率" },
	{ "quizzes", "测验数" },
	{ "passed", "通过数" },
	{ "pass_rate", "测验通过率" },
	{ "hours", "学时" },
	{ "hours_per_cadre", "人均学时" },
	{ NULL, NULL },
};

static json_t *
overview_definitions(double pass_mark)
{
	char pass[512];

	snprintf(pass, sizeof(pass), "一次测验指干部对同一内容所附题目（或一道独立题目）的首次作答，"
	    "以首题作答日期计入期间；正确率不低于 %.0f%% 为通过；通过率 = 通过数 ÷ 测验数", pass_mark * 100);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
	    "period", "期间按北京时间自然日计算，起止日期均含；默认本年 1 月 1 日至今天",
	    "cadres", "干部数：本单位及下级单位中角色为干部且未停用的人数（可按类别筛选）",
	    "completion_rate", "完成率 = 完成数 ÷ 推送数。推送数：首次在推荐流中展示落在期间内的（干部，内容）"
	    "对数；完成数：其中在首次展示之后、截止日期之前有完成记录的对数；按首次展示所在月份归月",
	    "participation_rate", "参学率：某月内有打开、学习进度、完成、不感兴趣或答题记录的干部 ÷ 干部数；"
	    "期间参学率为期间内各月（首尾月只计期间内的日子）参学率的平均值",
	    "pass_rate", pass,
	    "hours", "学时：期间内每名干部完成的每一项内容只计一次其时长，计入期间内首次完成的月份；"
	    "人均学时 = 学时合计 ÷ 干部数",
	    "pace", "年度目标 40 学时；进度要求 = 40 × 截止日期当天结束时本年已过去的比例",
	    "key_groups", "重点群体覆盖：基层干部、新入职干部各自的参学率（即覆盖面）、完成率、通过率与人均学时");
}

/* The figures of one set of cadres; 'cadres' for a month is the whole tree's. */
static json_t *
overview_sums(const struct sv_figures *f, const struct sv_sums *s, int64_t cadres, int month)
{
	json_t *o = json_object();
	double part = -1;

	if (month >= 0) {
		if (cadres > 0)
			part = (double)s->active[month] / (double)cadres;
	} else
		part = sv_participation(f, s);
	json_object_set_new(o, "cadres", json_integer(cadres));
	json_object_set_new(o, "pushed", json_integer(s->pushed));
	json_object_set_new(o, "completed", json_integer(s->completed));
	json_object_set_new(o, "completion_rate", sv_rate(s->completed, s->pushed));
	json_object_set_new(o, "participation_rate", part >= 0 ? json_real(part) : json_null());
	json_object_set_new(o, "quizzes", json_integer(s->quizzes));
	json_object_set_new(o, "passed", json_integer(s->passed));
	json_object_set_new(o, "pass_rate", sv_rate(s->passed, s->quizzes));
	json_object_set_new(o, "items", json_integer(s->items));
	json_object_set_new(o, "minutes", json_integer(s->minutes));
	json_object_set_new(o, "hours", json_real(s->minutes / 60.0));
	json_object_set_new(o, "hours_per_cadre", cadres > 0 ? json_real(s->minutes / 60.0 / cadres) :
	    json_null());
	if (month >= 0)
		json_object_set_new(o, "active", json_integer(s->active[month]));
	return o;
}

static json_t *
overview_reply(const struct sv_query *q, const struct sv_figures *f, const char *unit_name)
{
	json_t *reply = overview_sums(f, &f->total, f->total.cadres, -1);
	json_t *by_unit = json_array(), *by_category = json_array(), *by_month = json_array();
	json_t *key_groups = json_array();
	double pace = LEARNER_TARGET_HOURS * sv_year_share(q->to_day);
	double per_cadre = f->total.cadres > 0 ? f->total.minutes / 60.0 / f->total.cadres : 0;
	char from[11], to[11], link[64];

	sv_day_format(q->from_day, from);
	sv_day_format(q->to_day, to);
	json_object_set_new(reply, "unit", q->unit == SCOPE_ALL_UNITS ? json_null() :
	    json_pack("{s:I,s:s}", "id", (json_int_t)q->unit, "name", unit_name));
	json_object_set_new(reply, "category", q->category ? json_string(q->category) : json_null());
	json_object_set_new(reply, "from", json_string(from));
	json_object_set_new(reply, "to", json_string(to));
	json_object_set_new(reply, "target_hours", json_integer(LEARNER_TARGET_HOURS));
	json_object_set_new(reply, "pace_hours", json_real(pace));
	json_object_set_new(reply, "pace_share", f->total.cadres > 0 && pace > 0 ?
	    json_real(per_cadre / pace) : json_null());
	json_object_set_new(reply, "quiz_pass_mark", json_real(q->pass_mark));
	json_object_set_new(reply, "definitions", overview_definitions(q->pass_mark));
	for (size_t i = 0; i < f->unit_count; i++) {
		const struct sv_group *g = &f->units[i];
		json_t *o = overview_sums(f, &g->sums, g->sums.cadres, -1);

		snprintf(link, sizeof(link), "/supervisor/?unit=%lld", (long long)g->id);
		json_object_set_new(o, "unit_id", json_integer(g->id));
		json_object_set_new(o, "name", json_string(g->name));
		json_object_set_new(o, "own", json_boolean(g->id == q->unit));
		json_object_set_new(o, "link", json_string(link));
		json_array_append_new(by_unit, o);
	}
	for (int i = 0; i < SV_CATEGORIES; i++) {
		const struct sv_group *g = &f->categories[i];
		json_t *o;

		if (g->sums.cadres == 0 && g->sums.pushed == 0)
			continue;
		o = overview_sums(f, &g->sums, g->sums.cadres, -1);
		json_object_set_new(o, "category", json_string(sv_category_codes[i]));
		json_object_set_new(o, "name", json_string(sv_category_labels[i]));
		json_array_append_new(by_category, o);
		if (i == 2 || i == 3) {     /* grassroots, new hires */
			json_t *k = json_deep_copy(o);

			json_object_set(k, "coverage", json_object_get(o, "participation_rate"));
			json_array_append_new(key_groups, k);
		}
	}
	for (int i = 0; i < f->months; i++) {
		json_t *o = overview_sums(f, &f->month[i], f->total.cadres, i);
		char month[24], first[11], last[11];

		snprintf(month, sizeof(month), "%04d-%02d", f->month_key[i] / 100, f->month_key[i] % 100);
		sv_day_format(f->month_first[i], first);
		sv_day_format(f->month_last[i], last);
		json_object_set_new(o, "month", json_string(month));
		json_object_set_new(o, "name", json_string(month));
		json_object_set_new(o, "from", json_string(first));
		json_object_set_new(o, "to", json_string(last));
		json_array_append_new(by_month, o);
	}
	json_object_set_new(reply, "by_unit", by_unit);
	json_object_set_new(reply, "by_category", by_category);
	json_object_set_new(reply, "by_month", by_month);
	json_object_set_new(reply, "key_groups", key_groups);
	return reply;
}

static void
unit_name_of(sqlite3 *db, int64_t id, char out[static 256])
{
	sqlite3_stmt *stmt;

	snprintf(out, 256, "全部单位");
	if (id == SCOPE_ALL_UNITS ||
	    sqlite3_prepare_v2(db, "SELECT name FROM units WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(out, 256, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

/* The table a CSV or XLSX export of the overview holds: a total row, then the groups. */
static void
overview_export(struct request *req, enum export_format format, json_t *reply, const char *unit_name)
{
	const char *table = "units", *list = "by_unit";
	json_t *rows = json_array(), *total = json_deep_copy(reply), *row;
	char filename[384];
	size_t i;

	for (int p = 0; req->route->params[p].name != NULL; p++)
		if (strcmp(req->route->params[p].name, "table") == 0 && req->params[p].present)
			table = req->params[p].text;
	if (strcmp(table, "categories") == 0)
		list = "by_category";
	else if (strcmp(table, "months") == 0)
		list = "by_month";
	else if (strcmp(table, "units") != 0) {
		json_decref(rows);
		json_decref(total);
		response_error(req, 400, "bad_table", "table 只能是 units、categories 或 months");
		return;
	}
	json_object_set_new(total, "name", json_string("合计"));
	json_array_append_new(rows, total);
	json_array_foreach(json_object_get(reply, list), i, row)
		json_array_append(rows, row);
	snprintf(filename, sizeof(filename), "%s-学习统计-%s至%s", unit_name,
	    json_string_value(json_object_get(reply, "from")), json_string_value(json_object_get(reply, "to")));
	export_send(req, format, filename, overview_columns, rows);
	json_decref(rows);
}

void
page_supervisor_overview(struct request *req)
{
	sqlite3 *db = req->app->db;
	struct sv_query q;
	struct sv_figures f;
	struct qf_error err;
	enum export_format format;
	char unit_name[256];
	json_t *reply;

	qf_error_init(&err);
	if (export_format_of(req, &format) < 0 || sv_query_from_request(req, &q) < 0)
		return;
	/* One read transaction: the figures agree with each other. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sv_respond_db_error(req, "overview", NULL);
		return;
	}
	if (sv_figures_compute(db, &q, &f, &err) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sv_respond_db_error(req, "overview", &err);
		return;
	}
	unit_name_of(db, q.unit, unit_name);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	reply = overview_reply(&q, &f, unit_name);
	sv_figures_free(&f);
	if (format == EXPORT_JSON)
		response_json(req, 200, reply);
	else {
		overview_export(req, format, reply, unit_name);
		json_decref(reply);
	}
}
