/*
 * supervisor-query.c — what every supervisor page reads from its query:
 * the unit (resolved within the caller's scope), the category and the
 * period. A period is a run of China Standard Time days, from and to
 * inclusive; by default this calendar year up to today.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

/* Longest period: the figures keep one slot per month (SV_MAX_MONTHS). */
#define SV_MAX_DAYS (365 * 5)

/* The only root unit, when the forest has one; else SCOPE_ALL_UNITS. */
static int64_t
sv_single_root(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int64_t root = SCOPE_ALL_UNITS;

	if (sqlite3_prepare_v2(db, "SELECT min(id), count(*) FROM units WHERE parent_id IS NULL",
	    -1, &stmt, NULL) != SQLITE_OK)
		return root;
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int64(stmt, 1) == 1)
		root = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return root;
}

/* The index of declared parameter 'name' in the route's table, or -1. */
static int
sv_param(const struct request *req, const char *name)
{
	const struct param_spec *spec = req->route->params;

	for (int i = 0; spec != NULL && spec[i].name != NULL; i++)
		if (strcmp(spec[i].name, name) == 0)
			return req->params[i].present ? i : -1;
	return -1;
}

int
sv_query_from_request(struct request *req, struct sv_query *q)
{
	int unit = sv_param(req, "unit"), category = sv_param(req, "category");
	int from = sv_param(req, "from"), to = sv_param(req, "to");
	int64_t today = sv_day_of(clock_unix_s());
	char year[11];

	memset(q, 0, sizeof(*q));
	if (scope_resolve_unit(req, unit >= 0 ? req->params[unit].integer : 0, &q->unit) < 0)
		return -1;
	if (q->unit == SCOPE_ALL_UNITS)
		q->unit = sv_single_root(req->app->db);
	if (category >= 0) {
		q->category = req->params[category].text;
		for (int i = 0; i < SV_CATEGORIES - 1; i++)
			if (strcmp(q->category, sv_category_codes[i]) == 0)
				goto category_ok;
		response_error(req, 400, "bad_category",
		    "category 只能是 leading、middle、grassroots 或 new_hire");
		return -1;
	}
category_ok:
	q->to_day = to >= 0 ? sv_day_parse(req->params[to].text) : today;
	if (from >= 0) {
		q->from_day = sv_day_parse(req->params[from].text);
	} else {
		sv_day_format(q->to_day, year);
		memcpy(year + 4, "-01-01", 7);
		q->from_day = sv_day_parse(year);
	}
	if (q->from_day < 0 || q->to_day < 0 || q->from_day > q->to_day) {
		response_error(req, 400, "bad_period", "开始日期不能晚于结束日期");
		return -1;
	}
	if (q->to_day - q->from_day >= SV_MAX_DAYS) {
		response_error(req, 400, "bad_period", "统计区间最长五年");
		return -1;
	}
	q->pass_mark = sv_setting(req->app->db, "quiz_pass_mark", 0.6);
	return 0;
}

void
sv_respond_db_error(struct request *req, const char *what, const struct qf_error *err)
{
	log_error("%s: %s", what, err != NULL && err->set ? err->text : sqlite3_errmsg(req->app->db));
	response_error(req, 503, "database_unavailable", "暂时无法读取统计数据，请稍后重试");
}
