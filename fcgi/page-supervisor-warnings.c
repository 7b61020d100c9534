/*
 * page-supervisor-warnings.c — GET /api/supervisor/warnings: what needs a
 * supervisor's attention in their tree, as of the period's last day
 * ('to', default today), each warning linking to the unit or the person
 * (the objects of SHARED-CONTRACT.md). Thresholds are admin settings:
 *  - low_participation: a unit with cadres of its own whose participation
 *    (as in the overview, over its own cadres) was below warn_participation
 *    in both calendar months before the month of 'to'; value: the later;
 *  - low_pass_rate: a unit whose quiz pass rate over the period (as in the
 *    overview, over its own cadres, at least WARN_MIN_QUIZZES quizzes) is
 *    below warn_pass_rate;
 *  - behind_pace: a cadre whose hours this year up to 'to' (each item
 *    completed credited once) are below warn_pace_share × the pro-rata
 *    40-hour target at the end of 'to';
 *  - inactive: a cadre with no activity (open, progress, complete, dismiss
 *    or an answer) in the warn_inactive_days days ending on 'to'; value:
 *    days since the last activity (null: never).
 * Other modules add their own warnings through one line in
 * warning_sources[] below (signature: sv_warning_source in extern.h).
 * ?format=csv|xlsx exports the list; ?limit= caps each kind (counts tell
 * how many there are).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* A unit's pass rate warns only over this many quizzes. */
#define WARN_MIN_QUIZZES 5
#define WARN_DEFAULT_LIMIT 500

const struct param_spec supervisor_warnings_params[] = {
	SV_PERIOD_PARAMS,
	{ "format", PARAM_STRING, 1, 8, 0 },
	{ "limit", PARAM_INT, 1, 100000, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct export_column warning_columns[] = {
	{ "kind_label", "预警类型" },
	{ "unit_name", "单位" },
	{ "user_name", "姓名" },
	{ "value", "数值" },
	{ "threshold", "阈值" },
	{ "message", "说明" },
	{ "link", "链接" },
	{ NULL, NULL },
};

static const struct {
	const char *kind, *label;
} warning_labels[] = {
	{ "low_participation", "参学率偏低" },
	{ "low_pass_rate", "测验通过率偏低" },
	{ "behind_pace", "学时进度落后" },
	{ "inactive", "长期未学习" },
	{ "campaign_overdue", "专题学习逾期" },
	{ "campaign_due_soon", "专题学习即将到期" },
};

static struct sv_warning_context context;

const struct sv_warning_context *
sv_warning_context(void)
{
	return &context;
}

void
sv_warning_add(json_t *warnings, const char *kind, int64_t unit_id, const char *unit_name,
    int64_t user_id, const char *user_name, double value, double threshold, const char *message)
{
	json_t *count = json_object_get(context.counts, kind);
	json_int_t n = count != NULL ? json_integer_value(count) : 0;
	const char *label = kind;
	char link[64];

	json_object_set_new(context.counts, kind, json_integer(n + 1));
	if ((size_t)n >= context.limit)
		return;
	for (size_t i = 0; i < sizeof(warning_labels) / sizeof(warning_labels[0]); i++)
		if (strcmp(warning_labels[i].kind, kind) == 0)
			label = warning_labels[i].label;
	if (user_id > 0)
		snprintf(link, sizeof(link), "/supervisor/person.html?id=%lld", (long long)user_id);
	else
		snprintf(link, sizeof(link), "/supervisor/?unit=%lld", (long long)unit_id);
	json_array_append_new(warnings, json_pack("{s:s,s:s,s:I,s:s,s:o,s:o,s:o,s:o,s:s,s:s}",
	    "kind", kind, "kind_label", label, "unit_id", (json_int_t)unit_id, "unit_name", unit_name,
	    "user_id", user_id > 0 ? json_integer(user_id) : json_null(),
	    "user_name", user_id > 0 && user_name != NULL ? json_string(user_name) : json_null(),
	    "value", isnan(value) ? json_null() : json_real(value),
	    "threshold", isnan(threshold) ? json_null() : json_real(threshold),
	    "message", message, "link", link));
}

/* ------------------------------------------------------------ unit warnings */

static void
percent(char out[static 16], double x)
{
	snprintf(out, 16, "%.1f%%", x * 100);
}

static int
participation_warnings(sqlite3 *db, int64_t scope_unit, int64_t now, json_t *warnings,
    struct qf_error *err)
{
	struct sv_query q = *context.query;
	struct sv_figures f;
	char first[11];
	int key[SV_MAX_MONTHS];
	int64_t starts[SV_MAX_MONTHS], ends[SV_MAX_MONTHS];

	(void)now;
	/* The two calendar months before the month of 'to'. */
	sv_day_format(q.to_day, first);
	memcpy(first + 8, "01", 3);
	q.to_day = sv_day_parse(first) - 1;
	sv_day_format(q.to_day, first);
	memcpy(first + 8, "01", 3);
	q.from_day = sv_day_parse(first) - 1;
	sv_day_format(q.from_day, first);
	memcpy(first + 8, "01", 3);
	q.from_day = sv_day_parse(first);
	q.unit = scope_unit;
	q.own_units = 1;
	if (sv_period_months(q.from_day, q.to_day, key, starts, ends) != 2)
		return 0;
	if (sv_figures_compute(db, &q, &f, err) < 0)
		return -1;
	for (size_t i = 0; i < f.unit_count; i++) {
		const struct sv_sums *s = &f.units[i].sums;
		double a, b;
		char message[512], pa[16], pb[16];

		if (s->cadres == 0)
			continue;
		a = (double)s->active[0] / s->cadres;
		b = (double)s->active[1] / s->cadres;
		if (a >= context.participation || b >= context.participation)
			continue;
		percent(pa, a);
		percent(pb, b);
		snprintf(message, sizeof(message), "%s %d 年 %d 月、%d 月参学率分别为 %s、%s，连续两个月低于 %.0f%%",
		    f.units[i].name, key[0] / 100, key[0] % 100, key[1] % 100, pa, pb,
		    context.participation * 100);
		sv_warning_add(warnings, "low_participation", f.units[i].id, f.units[i].name, 0, NULL,
		    b, context.participation, message);
	}
	sv_figures_free(&f);
	return 0;
}

static int
pass_rate_warnings(sqlite3 *db, int64_t scope_unit, int64_t now, json_t *warnings,
    struct qf_error *err)
{
	struct sv_query q = *context.query;
	struct sv_figures f;

	(void)now;
	q.unit = scope_unit;
	q.own_units = 1;
	if (sv_figures_compute(db, &q, &f, err) < 0)
		return -1;
	for (size_t i = 0; i < f.unit_count; i++) {
		const struct sv_sums *s = &f.units[i].sums;
		double rate;
		char message[512], pr[16];

		if (s->cadres == 0 || s->quizzes < WARN_MIN_QUIZZES)
			continue;
		rate = (double)s->passed / s->quizzes;
		if (rate >= context.pass_rate)
			continue;
		percent(pr, rate);
		snprintf(message, sizeof(message), "%s 测验通过率 %s（%lld 次测验），低于 %.0f%%",
		    f.units[i].name, pr, (long long)s->quizzes, context.pass_rate * 100);
		sv_warning_add(warnings, "low_pass_rate", f.units[i].id, f.units[i].name, 0, NULL,
		    rate, context.pass_rate, message);
	}
	sv_figures_free(&f);
	return 0;
}

/* ------------------------------------------------------------ cadre warnings */

/* ?3 first day of the year, ?4 'to', ?5 the minutes the pace asks for. */
static const char sql_behind_pace[] =
	"WITH RECURSIVE " SCOPE_UNITS_CTE("?1") ","
	" cadres(id, name, unit_id, unit_name, minutes) AS (SELECT u.id, u.name, u.unit_id, n.name,"
	"   (SELECT coalesce(sum(i.minutes), 0) FROM completion_days c JOIN items i ON i.id = c.item_id"
	"    WHERE c.user_id = u.id AND c.day BETWEEN ?3 AND ?4 AND coalesce(c.prev_day, -1) < ?3)"
	"   FROM scope_units s JOIN users u ON u.role = 'cadre' AND u.unit_id = s.id"
	"   JOIN units n ON n.id = u.unit_id WHERE u.disabled = 0 AND (?2 IS NULL OR u.category = ?2))"
	" SELECT id, name, unit_id, unit_name, minutes FROM cadres WHERE minutes < ?5"
	" ORDER BY unit_name, name, id";
/* ?3 the first day of the window, ?4 'to'. */
static const char sql_inactive[] =
	"WITH RECURSIVE " SCOPE_UNITS_CTE("?1")
	" SELECT u.id, u.name, u.unit_id, n.name,"
	"   (SELECT max(day) FROM activity_days a WHERE a.user_id = u.id AND a.day <= ?4)"
	" FROM scope_units s JOIN users u ON u.role = 'cadre' AND u.unit_id = s.id"
	" JOIN units n ON n.id = u.unit_id"
	" WHERE u.disabled = 0 AND (?2 IS NULL OR u.category = ?2)"
	"   AND NOT EXISTS (SELECT 1 FROM activity_days a WHERE a.user_id = u.id"
	"     AND a.day BETWEEN ?3 AND ?4)"
	" ORDER BY n.name, u.name, u.id";

static int
cadre_warnings(sqlite3 *db, const char *sql, int64_t scope_unit, int64_t from, double limit,
    json_t *warnings, int pace, struct qf_error *err)
{
	const struct sv_query *q = context.query;
	sqlite3_stmt *stmt;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		qf_error_set(err, "warnings: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, scope_unit);
	if (q->category != NULL)
		sqlite3_bind_text(stmt, 2, q->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, from);
	sqlite3_bind_int64(stmt, 4, q->to_day);
	if (pace)
		sqlite3_bind_double(stmt, 5, limit * 60);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 1);
		const char *unit_name = (const char *)sqlite3_column_text(stmt, 3);
		char message[512];
		double value = NAN;

		if (pace) {
			value = sqlite3_column_double(stmt, 4) / 60.0;
			snprintf(message, sizeof(message), "%s 今年已学 %.1f 学时，低于进度要求 %.1f 学时",
			    name, value, limit);
		} else if (sqlite3_column_type(stmt, 4) == SQLITE_NULL) {
			snprintf(message, sizeof(message), "%s 尚无任何学习记录", name);
		} else {
			value = (double)(q->to_day - sqlite3_column_int64(stmt, 4));
			snprintf(message, sizeof(message), "%s 已连续 %.0f 天没有学习记录", name, value);
		}
		sv_warning_add(warnings, pace ? "behind_pace" : "inactive", sqlite3_column_int64(stmt, 2),
		    unit_name, sqlite3_column_int64(stmt, 0), name, value, limit, message);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		qf_error_set(err, "warnings: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
pace_warnings(sqlite3 *db, int64_t scope_unit, int64_t now, json_t *warnings, struct qf_error *err)
{
	char year[11];
	double hours = context.pace_share * LEARNER_TARGET_HOURS * sv_year_share(context.query->to_day);

	(void)now;
	sv_day_format(context.query->to_day, year);
	memcpy(year + 4, "-01-01", 7);
	return cadre_warnings(db, sql_behind_pace, scope_unit, sv_day_parse(year), hours, warnings, 1, err);
}

static int
inactive_warnings(sqlite3 *db, int64_t scope_unit, int64_t now, json_t *warnings, struct qf_error *err)
{
	(void)now;
	return cadre_warnings(db, sql_inactive, scope_unit,
	    context.query->to_day - context.inactive_days + 1, (double)context.inactive_days, warnings, 0, err);
}

/* Every source of warnings, in the order they are listed. Add one line for a new one. */
static const sv_warning_source warning_sources[] = {
	participation_warnings,
	pass_rate_warnings,
	pace_warnings,
	inactive_warnings,
	campaign_warnings,
};

void
page_supervisor_warnings(struct request *req)
{
	sqlite3 *db = req->app->db;
	struct sv_query q;
	struct qf_error err;
	enum export_format format;
	const struct param_value *limit;
	json_t *warnings, *reply;
	int64_t now, end;
	char from[11], to[11];

	qf_error_init(&err);
	if (export_format_of(req, &format) < 0 || sv_query_from_request(req, &q) < 0)
		return;
	memset(&context, 0, sizeof(context));
	context.query = &q;
	context.participation = sv_setting(db, "warn_participation", 0.6);
	context.pass_rate = sv_setting(db, "warn_pass_rate", 0.8);
	context.pace_share = sv_setting(db, "warn_pace_share", 0.8);
	context.inactive_days = (int64_t)sv_setting(db, "warn_inactive_days", 30);
	if (context.inactive_days < 1)
		context.inactive_days = 1;
	context.limit = format == EXPORT_JSON ? WARN_DEFAULT_LIMIT : 100000;
	if ((limit = sv_param(req, "limit")) != NULL)
		context.limit = (size_t)limit->integer;
	context.counts = json_object();
	warnings = json_array();
	/* As of the end of 'to', or now when that is still to come. */
	now = clock_unix_s();
	end = sv_day_start(q.to_day + 1) - 1;
	if (end < now)
		now = end;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sv_respond_db_error(req, "warnings", NULL);
		goto out;
	}
	for (size_t i = 0; i < sizeof(warning_sources) / sizeof(warning_sources[0]); i++)
		if (warning_sources[i](db, q.unit, now, warnings, &err) < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			sv_respond_db_error(req, "warnings", &err);
			goto out;
		}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (format != EXPORT_JSON) {
		char filename[128];

		sv_day_format(q.to_day, to);
		snprintf(filename, sizeof(filename), "预警清单-%s", to);
		export_send(req, format, filename, warning_columns, warnings);
		goto out;
	}
	sv_day_format(q.from_day, from);
	sv_day_format(q.to_day, to);
	reply = json_pack("{s:O,s:{s:f,s:f,s:f,s:I,s:f},s:O,s:s,s:s,s:o,s:I,s:i}",
	    "warnings", warnings,
	    "thresholds", "warn_participation", context.participation, "warn_pass_rate", context.pass_rate,
	    "warn_pace_share", context.pace_share, "warn_inactive_days", (json_int_t)context.inactive_days,
	    "quiz_pass_mark", q.pass_mark,
	    "counts", context.counts, "from", from, "to", to,
	    "unit_id", q.unit ? json_integer(q.unit) : json_null(),
	    "limit", (json_int_t)context.limit, "min_quizzes", WARN_MIN_QUIZZES);
	response_json(req, 200, reply);
out:
	json_decref(warnings);
	json_decref(context.counts);
	context.counts = NULL;
	context.query = NULL;
}
