/*
 * supervisor-figures.c — the SQL of the dashboard's figures, read from the
 * cells of migration 6 (never from events), summed by the root's direct
 * children (each over its subtree), by category and by month.
 *
 * Definitions (the overview's "definitions" says them in Chinese):
 *  - cadres: users of role cadre, not disabled, in the unit's subtree (and
 *    the category asked for);
 *  - pushed: distinct (cadre, item) pairs whose FIRST impression falls in
 *    the period; completed: those of them with a completion at or after
 *    that first impression, on or before the period's last day; a pair
 *    counts in the month it was first shown (completed up to 'to' too);
 *  - participation of a month: cadres with an open, progress, complete or
 *    dismiss event or a quiz answer in the part of the month inside the
 *    period ÷ cadres; of the period: the mean over its months;
 *  - a quiz: a cadre's first answers to the questions of one item (a
 *    standalone question is its own quiz), dated by the first of them; it
 *    passes when the share right ≥ quiz_pass_mark; pass rate = passed ÷
 *    quizzes whose first answer falls in the period;
 *  - hours: each distinct item a cadre completed in the period credits its
 *    minutes once, in the month of its first completion in the period.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

const char *const sv_category_codes[SV_CATEGORIES] = {
	"leading", "middle", "grassroots", "new_hire", "",
};
const char *const sv_category_labels[SV_CATEGORIES] = {
	"领导干部", "中层干部", "基层干部", "新入职干部", "未分类",
};

/*
 * tree(id, top): every unit of the scope and the group it counts in — the
 * root's direct child it lies under (the root itself for the root's own
 * cadres), or itself when ?6 (own_units) is 1. For every unit (?1 = 0) the
 * roots of the forest stand for the children.
 */
#define SV_TREE \
	"tree(id, top) AS (SELECT id, id FROM units" \
	"   WHERE CASE WHEN ?1 = 0 THEN parent_id IS NULL ELSE id = ?1 END" \
	" UNION SELECT u.id, CASE WHEN ?6 = 1 OR t.id = ?1 THEN u.id ELSE t.top END" \
	"   FROM units u JOIN tree t ON u.parent_id = t.id)"

/* Parameters of every query: ?1 root, ?2 category, ?3 from day, ?4 to day, ?5 pass mark, ?6 own units. */
static const char sql_groups[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT DISTINCT t.top, n.name FROM tree t JOIN units n ON n.id = t.top";
static const char sql_cadres[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT t.top, coalesce(u.category, ''), count(*) FROM tree t"
	" JOIN users u ON u.role = 'cadre' AND u.unit_id = t.id"
	" WHERE u.disabled = 0 AND (?2 IS NULL OR u.category = ?2)"
	" GROUP BY 1, 2";
static const char sql_pushes[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT t.top, c.category, c.shown_day, sum(c.pairs),"
	"   sum(CASE WHEN c.done_day <= ?4 THEN c.pairs ELSE 0 END)"
	" FROM push_cells c JOIN tree t ON t.id = c.unit_id"
	" WHERE c.counted = 1 AND c.shown_day BETWEEN ?3 AND ?4 AND (?2 IS NULL OR c.category = ?2)"
	" GROUP BY 3, 1, 2";
static const char sql_quizzes[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT t.top, c.category, c.first_day, sum(c.quizzes),"
	"   sum(CASE WHEN 1.0 * c.correct / c.questions >= ?5 THEN c.quizzes ELSE 0 END)"
	" FROM quiz_cells c JOIN tree t ON t.id = c.unit_id"
	" WHERE c.counted = 1 AND c.first_day BETWEEN ?3 AND ?4 AND (?2 IS NULL OR c.category = ?2)"
	" GROUP BY 3, 1, 2";
static const char sql_hours[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT t.top, c.category, c.day, sum(c.minutes), sum(c.items)"
	" FROM hour_cells c JOIN tree t ON t.id = c.unit_id"
	" WHERE c.counted = 1 AND c.day BETWEEN ?3 AND ?4 AND c.prev_day < ?3"
	"   AND (?2 IS NULL OR c.category = ?2)"
	" GROUP BY 3, 1, 2";
/* Whole months inside the period: ?3, ?4 are yyyymm here; the month goes back in column 3. */
static const char sql_active_months[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT t.top, c.category, c.month, sum(c.users)"
	" FROM active_cells c JOIN tree t ON t.id = c.unit_id"
	" WHERE c.counted = 1 AND c.month BETWEEN ?3 AND ?4 AND (?2 IS NULL OR c.category = ?2)"
	" GROUP BY 3, 1, 2";
/* A month cut by the period's ends: cadres active between days ?3 and ?4; column 3 unused. */
static const char sql_active_days[] =
	"WITH RECURSIVE " SV_TREE
	" SELECT t.top, coalesce(u.category, ''), 0, count(DISTINCT a.user_id)"
	" FROM activity_days a JOIN users u ON u.id = a.user_id JOIN tree t ON t.id = u.unit_id"
	" WHERE a.day BETWEEN ?3 AND ?4 AND u.role = 'cadre' AND u.disabled = 0"
	"   AND (?2 IS NULL OR u.category = ?2)"
	" GROUP BY 1, 2";

/* ------------------------------------------------------------------ days */

int64_t
sv_day_of(int64_t t)
{
	int64_t s = t + LEARNER_UTC_OFFSET_S;

	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int64_t
sv_day_start(int64_t day)
{
	return day * 86400 - LEARNER_UTC_OFFSET_S;
}

int64_t
sv_day_parse(const char *date)
{
	struct tm tm;
	int y, m, d;
	char extra;

	if (date == NULL || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm) / 86400;
}

void
sv_day_format(int64_t day, char out[static 11])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "0000-00-00");
}

/* yyyymm of a day, and the first day of that month and of the next. */
static void
sv_month_of(int64_t day, int *key, int64_t *first, int64_t *next)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	*key = (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	*first = (int64_t)timegm(&tm) / 86400;
	tm.tm_mon++;
	*next = (int64_t)timegm(&tm) / 86400;
}

double
sv_year_share(int64_t day)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;
	int64_t start, end;

	gmtime_r(&t, &tm);
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	start = (int64_t)timegm(&tm) / 86400;
	tm.tm_year++;
	end = (int64_t)timegm(&tm) / 86400;
	return (double)(day + 1 - start) / (double)(end - start);
}

double
sv_setting(sqlite3 *db, const char *key, double fallback)
{
	sqlite3_stmt *stmt;
	double value = fallback;

	if (sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = ?1"
	    " AND json_type(value) IN ('integer', 'real')", -1, &stmt, NULL) != SQLITE_OK)
		return fallback;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_double(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

json_t *
sv_rate(int64_t a, int64_t b)
{
	return b > 0 ? json_real((double)a / (double)b) : json_null();
}

double
sv_participation(const struct sv_figures *f, const struct sv_sums *s)
{
	double sum = 0;

	if (s->cadres <= 0 || f->months == 0)
		return -1;
	for (int i = 0; i < f->months; i++)
		sum += (double)s->active[i] / (double)s->cadres;
	return sum / f->months;
}

/* --------------------------------------------------------------- summing */

static int
sv_category_index(const char *code)
{
	for (int i = 0; i < SV_CATEGORIES - 1; i++)
		if (strcmp(code, sv_category_codes[i]) == 0)
			return i;
	return SV_CATEGORIES - 1;
}

static int
sv_month_index(const struct sv_figures *f, int64_t day)
{
	for (int i = 0; i < f->months; i++)
		if (day >= f->month_first[i] && day <= f->month_last[i])
			return i;
	return -1;
}

static struct sv_group *
sv_unit_group(struct sv_figures *f, int64_t id)
{
	for (size_t i = 0; i < f->unit_count; i++)
		if (f->units[i].id == id)
			return &f->units[i];
	return NULL;
}

enum sv_field { SV_CADRES, SV_PUSHES, SV_QUIZZES, SV_HOURS, SV_ACTIVE };

/* Adds one row (a, b) of 'field' for group 'top', category 'cat', month 'm' (-1: none) to every sum it is part of. */
static void
sv_add(struct sv_figures *f, enum sv_field field, int64_t top, int cat, int m, int64_t a, int64_t b)
{
	struct sv_group *unit = sv_unit_group(f, top);
	struct sv_sums *targets[4] = {
		&f->total, unit ? &unit->sums : NULL, &f->categories[cat].sums,
		m >= 0 ? &f->month[m] : NULL,
	};

	for (int i = 0; i < 4; i++) {
		struct sv_sums *s = targets[i];

		if (s == NULL)
			continue;
		switch (field) {
		case SV_CADRES: s->cadres += a; break;
		case SV_PUSHES: s->pushed += a; s->completed += b; break;
		case SV_QUIZZES: s->quizzes += a; s->passed += b; break;
		case SV_HOURS: s->minutes += a; s->items += b; break;
		case SV_ACTIVE: if (m >= 0) s->active[m] += a; break;
		}
	}
}

static void
sv_bind(sqlite3_stmt *stmt, const struct sv_query *q, int64_t from, int64_t to)
{
	sqlite3_bind_int64(stmt, 1, q->unit);
	if (q->category != NULL)
		sqlite3_bind_text(stmt, 2, q->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, from);
	sqlite3_bind_int64(stmt, 4, to);
	sqlite3_bind_double(stmt, 5, q->pass_mark);
	sqlite3_bind_int(stmt, 6, q->own_units);
}

/*
 * Runs one figure's query over [from, to] and adds its rows. Column 3 is a
 * day (by_day) mapped to its month, a yyyymm (by_month), or unused with
 * 'fixed_month' the month of every row.
 */
static int
sv_run(sqlite3 *db, const char *sql, const struct sv_query *q, int64_t from, int64_t to,
    enum sv_field field, int by_day, int fixed_month, struct sv_figures *f, struct qf_error *err)
{
	sqlite3_stmt *stmt = stmt_get(db, sql);
	int rc;

	if (stmt == NULL) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	sv_bind(stmt, q, from, to);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t top = sqlite3_column_int64(stmt, 0);
		const unsigned char *cat = sqlite3_column_text(stmt, 1);
		int m = -1;

		if (field == SV_CADRES) {
			sv_add(f, field, top, sv_category_index(cat ? (const char *)cat : ""), -1,
			    sqlite3_column_int64(stmt, 2), 0);
			continue;
		}
		if (by_day)
			m = sv_month_index(f, sqlite3_column_int64(stmt, 2));
		else if (fixed_month >= 0)
			m = fixed_month;
		else
			for (int i = 0; i < f->months; i++)
				if (f->month_key[i] == sqlite3_column_int(stmt, 2))
					m = i;
		sv_add(f, field, top, sv_category_index(cat ? (const char *)cat : ""), m,
		    sqlite3_column_int64(stmt, 3),
		    sqlite3_column_count(stmt) > 4 ? sqlite3_column_int64(stmt, 4) : 0);
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
sv_group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sv_group *)a)->name, ((const struct sv_group *)b)->name);
}

static int
sv_load_groups(sqlite3 *db, const struct sv_query *q, struct sv_figures *f, struct qf_error *err)
{
	sqlite3_stmt *stmt = stmt_get(db, sql_groups);
	size_t cap = 0;
	int rc;

	if (stmt == NULL) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	sv_bind(stmt, q, 0, 0);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (f->unit_count == cap) {
			struct sv_group *grown;

			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(f->units, cap * sizeof(*grown))) == NULL) {
				stmt_release(stmt);
				qf_error_set(err, "figures: out of memory");
				return -1;
			}
			f->units = grown;
		}
		memset(&f->units[f->unit_count], 0, sizeof(f->units[0]));
		f->units[f->unit_count].id = sqlite3_column_int64(stmt, 0);
		snprintf(f->units[f->unit_count].name, sizeof(f->units[0].name), "%s",
		    (const char *)sqlite3_column_text(stmt, 1));
		f->unit_count++;
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (f->unit_count > 1)
		qsort(f->units, f->unit_count, sizeof(f->units[0]), sv_group_cmp);
	return 0;
}

int
sv_period_months(int64_t from, int64_t to, int key[SV_MAX_MONTHS], int64_t first[SV_MAX_MONTHS],
    int64_t last[SV_MAX_MONTHS])
{
	int n = 0;

	for (int64_t day = from; day <= to; n++) {
		int64_t start, next;

		if (n == SV_MAX_MONTHS)
			return -1;
		sv_month_of(day, &key[n], &start, &next);
		first[n] = day;
		last[n] = next - 1 < to ? next - 1 : to;
		day = next;
	}
	return n;
}

int
sv_figures_compute(sqlite3 *db, const struct sv_query *q, struct sv_figures *f, struct qf_error *err)
{
	int full_lo = 0, full_hi = -1;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < SV_CATEGORIES; i++)
		f->categories[i].id = i;
	if ((f->months = sv_period_months(q->from_day, q->to_day, f->month_key, f->month_first,
	    f->month_last)) < 0) {
		qf_error_set(err, "figures: period too long");
		return -1;
	}
	if (sv_load_groups(db, q, f, err) < 0 ||
	    sv_run(db, sql_cadres, q, q->from_day, q->to_day, SV_CADRES, 0, -1, f, err) < 0 ||
	    sv_run(db, sql_pushes, q, q->from_day, q->to_day, SV_PUSHES, 1, -1, f, err) < 0 ||
	    sv_run(db, sql_quizzes, q, q->from_day, q->to_day, SV_QUIZZES, 1, -1, f, err) < 0 ||
	    sv_run(db, sql_hours, q, q->from_day, q->to_day, SV_HOURS, 1, -1, f, err) < 0)
		goto fail;
	/* Participation: whole months from the cells, cut ones from the days. */
	for (int i = 0; i < f->months; i++) {
		int key, whole;
		int64_t first, next;

		sv_month_of(f->month_first[i], &key, &first, &next);
		whole = f->month_first[i] == first && f->month_last[i] == next - 1;
		if (whole) {
			if (full_hi < 0)
				full_lo = i;
			full_hi = i;
		} else if (sv_run(db, sql_active_days, q, f->month_first[i], f->month_last[i],
		    SV_ACTIVE, 0, i, f, err) < 0)
			goto fail;
	}
	if (full_hi >= 0 && sv_run(db, sql_active_months, q, f->month_key[full_lo],
	    f->month_key[full_hi], SV_ACTIVE, 0, -1, f, err) < 0)
		goto fail;
	return 0;
fail:
	sv_figures_free(f);
	return -1;
}

void
sv_figures_free(struct sv_figures *f)
{
	free(f->units);
	f->units = NULL;
	f->unit_count = 0;
}
