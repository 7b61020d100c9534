/*
 * page-supervisor-lift.c — GET /api/supervisor/lift: the completion rate of
 * the personalised arm against the control arm (arms: the cadre's
 * assignment), their difference and ratio with 95% intervals
 * (supervisor-stats.c), by month and by the unit's direct children where
 * the numbers allow, and the completion rate by month over all cadres
 * with the day the personalised feed started (the first promoted model
 * run, else the first personalised impression carrying a model version).
 *
 * Pushed and completed as in the overview: (cadre, item) pairs first shown
 * in the period, completed at or after that first impression by 'to'. A
 * cadre is one cluster of an arm in a slice when they were pushed
 * something in it.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* Intervals need at least this many cadres with pushes in each arm. */
#define LIFT_MIN_CADRES 10

const struct param_spec supervisor_lift_params[] = {
	SV_PERIOD_PARAMS,
	{ NULL, 0, 0, 0, 0 },
};

/*
 * Each pair first shown in the period: its cadre, their arm and group, the
 * day, and whether it was completed by 'to' (?4 the end of 'to'). In the
 * order of users_by_role_unit, so each cadre's pairs come together without
 * a sort (summing them here instead of a GROUP BY halves the time: no
 * temporary b-tree of a million groups).
 */
static const char sql_lift[] =
	"WITH RECURSIVE tree(id, top) AS (SELECT id, id FROM units"
	"   WHERE CASE WHEN ?1 = 0 THEN parent_id IS NULL ELSE id = ?1 END"
	" UNION SELECT u.id, CASE WHEN t.id = ?1 THEN u.id ELSE t.top END"
	"   FROM units u JOIN tree t ON u.parent_id = t.id)"
	" SELECT u.id, coalesce(a.arm, ''), t.top, (p.shown_at + 28800) / 86400,"
	"   p.done_at IS NOT NULL AND p.done_at < ?4"
	" FROM tree t JOIN users u ON u.role = 'cadre' AND u.unit_id = t.id"
	" JOIN pushes p ON p.user_id = u.id LEFT JOIN arms a ON a.user_id = u.id"
	" WHERE u.disabled = 0 AND (?2 IS NULL OR u.category = ?2)"
	"   AND p.shown_at >= ?3 AND p.shown_at < ?4"
	" ORDER BY u.unit_id, u.id";

enum { ARM_P, ARM_C };

struct lift_slice {
	int64_t id;
	char name[256];
	struct lift_arm arm[2];
	int64_t pushed[2], completed[2];
};

struct lift_state {
	int months;
	int month_key[SV_MAX_MONTHS];
	int64_t month_first[SV_MAX_MONTHS], month_last[SV_MAX_MONTHS];
	struct lift_slice total, month[SV_MAX_MONTHS];
	struct lift_slice *units;
	size_t unit_count, unit_cap;
	/* All cadres, with or without an arm: the trend. */
	int64_t trend_pushed[SV_MAX_MONTHS], trend_completed[SV_MAX_MONTHS];
	int64_t start_day;   /* the personalised feed's first day; -1: never */
	int64_t before[2], after[2];   /* pushed, completed */
};

/* One cadre's pairs, gathered before they go into the slices. */
struct lift_cadre {
	int64_t id, top;
	int arm;             /* ARM_P, ARM_C, -1 none */
	int64_t p[SV_MAX_MONTHS], c[SV_MAX_MONTHS];
};

static void
slice_add(struct lift_slice *s, int arm, int64_t p, int64_t c)
{
	if (arm < 0 || p <= 0)
		return;
	lift_arm_add(&s->arm[arm], (double)p, (double)c);
	s->pushed[arm] += p;
	s->completed[arm] += c;
}

static struct lift_slice *
unit_slice(struct lift_state *st, int64_t top)
{
	for (size_t i = 0; i < st->unit_count; i++)
		if (st->units[i].id == top)
			return &st->units[i];
	if (st->unit_count == st->unit_cap) {
		size_t cap = st->unit_cap ? st->unit_cap * 2 : 16;
		struct lift_slice *grown = realloc(st->units, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		st->units = grown;
		st->unit_cap = cap;
	}
	memset(&st->units[st->unit_count], 0, sizeof(st->units[0]));
	st->units[st->unit_count].id = top;
	return &st->units[st->unit_count++];
}

static int
cadre_flush(struct lift_state *st, struct lift_cadre *cd)
{
	int64_t p = 0, c = 0;
	struct lift_slice *unit;

	if (cd->id == 0)
		return 0;
	for (int m = 0; m < st->months; m++) {
		p += cd->p[m];
		c += cd->c[m];
		slice_add(&st->month[m], cd->arm, cd->p[m], cd->c[m]);
	}
	slice_add(&st->total, cd->arm, p, c);
	if ((unit = unit_slice(st, cd->top)) == NULL)
		return -1;
	slice_add(unit, cd->arm, p, c);
	return 0;
}

static int
lift_month_index(const struct lift_state *st, int64_t day)
{
	for (int i = 0; i < st->months; i++)
		if (day >= st->month_first[i] && day <= st->month_last[i])
			return i;
	return -1;
}

static int
lift_collect(sqlite3 *db, const struct sv_query *q, struct lift_state *st, struct qf_error *err)
{
	sqlite3_stmt *stmt = stmt_get(db, sql_lift);
	struct lift_cadre *cd = calloc(1, sizeof(*cd));
	int rc = SQLITE_NOMEM;

	if (stmt == NULL || cd == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, q->unit);
	if (q->category != NULL)
		sqlite3_bind_text(stmt, 2, q->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, sv_day_start(q->from_day));
	sqlite3_bind_int64(stmt, 4, sv_day_start(q->to_day + 1));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0), day = sqlite3_column_int64(stmt, 3);
		int64_t p = 1, c = sqlite3_column_int64(stmt, 4);
		const char *arm = (const char *)sqlite3_column_text(stmt, 1);
		int m = lift_month_index(st, day);

		if (id != cd->id) {
			if (cadre_flush(st, cd) < 0) {
				rc = SQLITE_NOMEM;
				break;
			}
			memset(cd, 0, sizeof(*cd));
			cd->id = id;
			cd->top = sqlite3_column_int64(stmt, 2);
			cd->arm = strcmp(arm, "personalised") == 0 ? ARM_P :
			    strcmp(arm, "control") == 0 ? ARM_C : -1;
		}
		if (m < 0)
			continue;
		cd->p[m] += p;
		cd->c[m] += c;
		st->trend_pushed[m] += p;
		st->trend_completed[m] += c;
		if (st->start_day >= 0) {
			int after = day >= st->start_day;

			(after ? st->after : st->before)[0] += p;
			(after ? st->after : st->before)[1] += c;
		}
	}
	if (rc == SQLITE_DONE && cadre_flush(st, cd) < 0)
		rc = SQLITE_NOMEM;
out:
	if (stmt != NULL)
		stmt_release(stmt);
	free(cd);
	if (rc != SQLITE_DONE) {
		qf_error_set(err, "lift: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* The first day of the personalised feed, or -1. */
static int64_t
lift_start_day(sqlite3 *db)
{
	static const char *const sql[] = {
		"SELECT min(coalesce(finished_at, started_at)) FROM model_runs WHERE status = 'promoted'",
		"SELECT min(created_at) FROM events WHERE kind = 'impression' AND arm = 'personalised'"
		" AND model_version IS NOT NULL",
	};
	int64_t day = -1;

	for (size_t i = 0; i < 2 && day < 0; i++) {
		sqlite3_stmt *stmt;

		if (sqlite3_prepare_v2(db, sql[i], -1, &stmt, NULL) != SQLITE_OK)
			continue;
		if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
			day = sv_day_of(sqlite3_column_int64(stmt, 0));
		sqlite3_finalize(stmt);
	}
	return day;
}

static json_t *
num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* Why an interval is missing, in Chinese. */
static const char *
lift_reason_text(const char *code)
{
	if (strcmp(code, "too_few_cadres") == 0)
		return "每组至少需要 10 名有推送记录的干部才能计算置信区间";
	return "完成率为零，无法计算比值的置信区间";
}

static json_t *
slice_json(const struct lift_slice *s)
{
	static const char *const names[2] = { "personalised", "control" };
	struct lift_result r;
	json_t *arms = json_object(), *o;

	lift_compare(&s->arm[ARM_P], &s->arm[ARM_C], LIFT_MIN_CADRES, &r);
	for (int a = 0; a < 2; a++) {
		double rate, var = NAN;
		int has = lift_arm_rate(&s->arm[a], &rate, &var) == 0;

		json_object_set_new(arms, names[a], json_pack("{s:I,s:I,s:I,s:o,s:o}",
		    "cadres", (json_int_t)s->arm[a].n, "pushed", (json_int_t)s->pushed[a],
		    "completed", (json_int_t)s->completed[a], "rate", sv_rate(s->completed[a], s->pushed[a]),
		    "se", has ? json_real(sqrt(var)) : json_null()));
	}
	o = json_pack("{s:o,s:{s:o,s:o},s:{s:o,s:o},s:o}", "arms", arms,
	    "difference", "value", num_or_null(r.diff),
	    "ci95", r.has_diff_ci ? json_pack("[f,f]", r.diff_lo, r.diff_hi) : json_null(),
	    "ratio", "value", num_or_null(r.ratio),
	    "ci95", r.has_ratio_ci ? json_pack("[f,f]", r.ratio_lo, r.ratio_hi) : json_null(),
	    "reason", r.reason == NULL ? json_null() : json_string(lift_reason_text(r.reason)));
	if (r.reason != NULL)
		json_object_set_new(o, "reason_code", json_string(r.reason));
	return o;
}

static void
unit_names(sqlite3 *db, struct lift_state *st)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db, "SELECT name FROM units WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < st->unit_count; i++) {
		sqlite3_bind_int64(stmt, 1, st->units[i].id);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			snprintf(st->units[i].name, sizeof(st->units[i].name), "%s",
			    (const char *)sqlite3_column_text(stmt, 0));
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
}

static int
slice_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lift_slice *)a)->name, ((const struct lift_slice *)b)->name);
}

static json_t *
lift_reply(const struct sv_query *q, struct lift_state *st)
{
	json_t *reply = slice_json(&st->total), *by_month = json_array(), *by_unit = json_array();
	json_t *trend = json_array();
	char from[11], to[11], start[11], month[24], link[64];

	sv_day_format(q->from_day, from);
	sv_day_format(q->to_day, to);
	json_object_set_new(reply, "from", json_string(from));
	json_object_set_new(reply, "to", json_string(to));
	json_object_set_new(reply, "unit_id", q->unit ? json_integer(q->unit) : json_null());
	json_object_set_new(reply, "category", q->category ? json_string(q->category) : json_null());
	for (int m = 0; m < st->months; m++) {
		json_t *o = slice_json(&st->month[m]);

		snprintf(month, sizeof(month), "%04d-%02d", st->month_key[m] / 100, st->month_key[m] % 100);
		json_object_set_new(o, "month", json_string(month));
		json_array_append_new(by_month, o);
		json_array_append_new(trend, json_pack("{s:s,s:I,s:I,s:o,s:o}", "month", month,
		    "pushed", (json_int_t)st->trend_pushed[m], "completed", (json_int_t)st->trend_completed[m],
		    "rate", sv_rate(st->trend_completed[m], st->trend_pushed[m]),
		    "personalised_feed", st->start_day < 0 ? json_false() :
		    json_boolean(st->month_last[m] >= st->start_day)));
	}
	qsort(st->units, st->unit_count, sizeof(st->units[0]), slice_cmp);
	for (size_t i = 0; i < st->unit_count; i++) {
		json_t *o = slice_json(&st->units[i]);

		snprintf(link, sizeof(link), "/supervisor/?unit=%lld", (long long)st->units[i].id);
		json_object_set_new(o, "unit_id", json_integer(st->units[i].id));
		json_object_set_new(o, "name", json_string(st->units[i].name));
		json_object_set_new(o, "link", json_string(link));
		json_array_append_new(by_unit, o);
	}
	if (st->start_day >= 0)
		sv_day_format(st->start_day, start);
	json_object_set_new(reply, "by_month", by_month);
	json_object_set_new(reply, "by_unit", by_unit);
	json_object_set_new(reply, "trend", json_pack("{s:o,s:o,s:{s:I,s:I,s:o},s:{s:I,s:I,s:o}}",
	    "feed_started", st->start_day >= 0 ? json_string(start) : json_null(),
	    "months", trend,
	    "before", "pushed", (json_int_t)st->before[0], "completed", (json_int_t)st->before[1],
	    "rate", sv_rate(st->before[1], st->before[0]),
	    "after", "pushed", (json_int_t)st->after[0], "completed", (json_int_t)st->after[1],
	    "rate", sv_rate(st->after[1], st->after[0])));
	json_object_set_new(reply, "definitions", json_pack("{s:s,s:s,s:s,s:s}",
	    "arms", "个性化组与对照组按干部随机分配（arms 表）；干部为随机化单位，每组干部数为期间内有推送记录的干部",
	    "rate", "完成率 = 完成数 ÷ 推送数，推送与完成的口径同总览",
	    "ci95", "95% 置信区间：以干部为聚类的比率估计量方差（delta 方法）var(R) = n/(n−1)·Σ(c−R·p)²/(Σp)²；"
	    "差值 d ± 1.96√(vA+vB)；比值取对数，方差 vA/RA² + vB/RB²",
	    "trend", "全部干部按月完成率；个性化推荐开始日期为首个上线模型的时间（无则为首条带模型版本的个性化展示）"));
	return reply;
}

void
page_supervisor_lift(struct request *req)
{
	sqlite3 *db = req->app->db;
	struct lift_state *st;
	struct sv_query q;
	struct qf_error err;
	json_t *reply;

	qf_error_init(&err);
	if (sv_query_from_request(req, &q) < 0)
		return;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		response_error(req, 503, "out_of_memory", "服务器繁忙，请稍后重试");
		return;
	}
	/* The months of the period, as the figures cut them. */
	st->months = sv_period_months(q.from_day, q.to_day, st->month_key, st->month_first,
	    st->month_last);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sv_respond_db_error(req, "lift", NULL);
		goto out;
	}
	st->start_day = lift_start_day(db);
	if (lift_collect(db, &q, st, &err) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sv_respond_db_error(req, "lift", &err);
		goto out;
	}
	unit_names(db, st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	reply = lift_reply(&q, st);
	response_json(req, 200, reply);
out:
	free(st->units);
	free(st);
}
