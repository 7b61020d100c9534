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
 *    quizzes whose first answer falls in the period; their answers and
 *    right answers are the first answers to their questions;
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
 * cadres), or itself when ?2 (own_units) is 1. For every unit (?1 = 0) the
 * roots of the forest stand for the children.
 */
static const char sql_tree[] =
	"WITH RECURSIVE tree(id, top) AS (SELECT id, id FROM units"
	"   WHERE CASE WHEN ?1 = 0 THEN parent_id IS NULL ELSE id = ?1 END"
	" UNION SELECT u.id, CASE WHEN ?2 = 1 OR t.id = ?1 THEN u.id ELSE t.top END"
	"   FROM units u JOIN tree t ON u.parent_id = t.id)"
	" SELECT t.id, t.top, n.name FROM tree t JOIN units n ON n.id = t.top ORDER BY t.id";

/*
 * The figures' rows, (unit, category, day, a, b), read straight off the
 * cells by day (a short range scan of a primary key): which group a unit
 * counts in, and the month of the day, are looked up in memory, so no
 * join or grouping runs per row. Parameters: ?2 category, ?3 from day,
 * ?4 to day, ?5 pass mark.
 */
static const char sql_cadres[] =
	"SELECT unit_id, coalesce(category, ''), 0, count(*), 0 FROM users"
	" WHERE role = 'cadre' AND disabled = 0 AND (?2 IS NULL OR category = ?2) GROUP BY 1, 2";
static const char sql_pushes[] =
	"SELECT unit_id, category, shown_day, pairs, CASE WHEN done_day <= ?4 THEN pairs ELSE 0 END"
	" FROM push_cells WHERE counted = 1 AND shown_day BETWEEN ?3 AND ?4"
	"   AND (?2 IS NULL OR category = ?2)";
static const char sql_quizzes[] =
	"SELECT unit_id, category, first_day, quizzes,"
	"   CASE WHEN 1.0 * correct / questions >= ?5 THEN quizzes ELSE 0 END"
	" FROM quiz_cells WHERE counted = 1 AND first_day BETWEEN ?3 AND ?4"
	"   AND (?2 IS NULL OR category = ?2)";
/* The first answers of those quizzes: how many, how many right (the evaluation's knowledge). */
static const char sql_quiz_answers[] =
	"SELECT unit_id, category, first_day, questions * quizzes, correct * quizzes"
	" FROM quiz_cells WHERE counted = 1 AND first_day BETWEEN ?3 AND ?4"
	"   AND (?2 IS NULL OR category = ?2)";
static const char sql_hours[] =
	"SELECT unit_id, category, day, minutes, items FROM hour_cells"
	" WHERE counted = 1 AND day BETWEEN ?3 AND ?4 AND prev_day < ?3 AND (?2 IS NULL OR category = ?2)";
/* Cadres by their first active day of a month: those active in it up to a day. */
static const char sql_active_first[] =
	"SELECT unit_id, category, day, users, 0 FROM active_cells"
	" WHERE counted = 1 AND day BETWEEN ?3 AND ?4 AND (?2 IS NULL OR category = ?2)";
/* A month cut at its start (a period from the middle of a month): cadres active between ?3 and ?4. */
static const char sql_active_days[] =
	"SELECT u.unit_id, coalesce(u.category, ''), 0, count(DISTINCT a.user_id), 0"
	" FROM activity_days a JOIN users u ON u.id = a.user_id"
	" WHERE a.day BETWEEN ?3 AND ?4 AND u.role = 'cadre' AND u.disabled = 0"
	"   AND (?2 IS NULL OR u.category = ?2)"
	" GROUP BY 1, 2";

/* The statements above by name, for `qingfeng-admin explain-figures`. */
const struct sv_statement sv_figures_statements[] = {
	{ "tree", sql_tree },
	{ "cadres", sql_cadres },
	{ "pushes", sql_pushes },
	{ "quizzes", sql_quizzes },
	{ "quiz_answers", sql_quiz_answers },
	{ "hours", sql_hours },
	{ "active_first", sql_active_first },
	{ "active_days", sql_active_days },
	{ NULL, NULL },
};

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

enum sv_field { SV_CADRES, SV_PUSHES, SV_QUIZZES, SV_ANSWERS, SV_HOURS, SV_ACTIVE };

/* Adds one row (a, b) of 'field' for group 'top', category 'cat', month 'm' (-1: none) to every sum it is part of. */
static void
sv_add(struct sv_figures *f, enum sv_field field, struct sv_group *unit, int cat, int m, int64_t a,
    int64_t b)
{
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
		case SV_ANSWERS: s->answers += a; s->correct += b; break;
		case SV_HOURS: s->minutes += a; s->items += b; break;
		case SV_ACTIVE: if (m >= 0) s->active[m] += a; break;
		}
	}
}

/* The group unit 'unit' counts in, or NULL when it lies outside the tree. */
static struct sv_group *
sv_group_of(const struct sv_figures *f, int64_t unit)
{
	size_t lo = 0, hi = f->map_count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->map[mid].unit == unit)
			return f->map[mid].group < f->unit_count ? &f->units[f->map[mid].group] : NULL;
		if (f->map[mid].unit < unit)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Runs one figure's query over days [from, to] and adds its rows. The
 * month of a row is that of its day (column 2), or 'fixed_month' when
 * that is not negative.
 */
static int
sv_run(sqlite3 *db, const char *sql, const struct sv_query *q, int64_t from, int64_t to,
    enum sv_field field, int fixed_month, struct sv_figures *f, struct qf_error *err)
{
	sqlite3_stmt *stmt = stmt_get(db, sql);
	int rc;

	if (stmt == NULL) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (q->category != NULL)
		sqlite3_bind_text(stmt, 2, q->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, from);
	sqlite3_bind_int64(stmt, 4, to);
	if (sqlite3_bind_parameter_count(stmt) >= 5)
		sqlite3_bind_double(stmt, 5, q->pass_mark);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct sv_group *group = sv_group_of(f, sqlite3_column_int64(stmt, 0));

		const unsigned char *cat = sqlite3_column_text(stmt, 1);
		int64_t day = sqlite3_column_int64(stmt, 2);
		int m = fixed_month;

		if (group == NULL)
			continue;
		if (field != SV_CADRES && m < 0) {
			if (day < q->from_day || day > q->to_day)
				continue;
			m = f->month_of_day[day - q->from_day];
		}
		sv_add(f, field, group, sv_category_index(cat ? (const char *)cat : ""), m,
		    sqlite3_column_int64(stmt, 3), sqlite3_column_int64(stmt, 4));
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
sv_group_by_name(const void *a, const void *b)
{
	return strcmp(((const struct sv_group *)a)->name, ((const struct sv_group *)b)->name);
}

static int
sv_group_by_id(const void *a, const void *b)
{
	int64_t x = ((const struct sv_group *)a)->id, y = ((const struct sv_group *)b)->id;

	return (x > y) - (x < y);
}

/* The tree: every unit of the scope (f->map, by id) and the groups they count in (f->units). */
static int
sv_load_groups(sqlite3 *db, const struct sv_query *q, struct sv_figures *f, struct qf_error *err)
{
	sqlite3_stmt *stmt = stmt_get(db, sql_tree);
	size_t map_cap = 0, group_cap = 0;
	int rc;

	if (stmt == NULL) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, q->unit);
	sqlite3_bind_int(stmt, 2, q->own_units);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t top = sqlite3_column_int64(stmt, 1);

		if (f->map_count == map_cap) {
			struct sv_unit_map *grown;

			map_cap = map_cap ? map_cap * 2 : 64;
			if ((grown = realloc(f->map, map_cap * sizeof(*grown))) == NULL)
				goto nomem;
			f->map = grown;
		}
		f->map[f->map_count].unit = sqlite3_column_int64(stmt, 0);
		f->map[f->map_count++].group = (size_t)top;    /* the top's id until the groups are sorted */
		if (top != sqlite3_column_int64(stmt, 0))
			continue;      /* a top is its own unit: one group per top */
		if (f->unit_count == group_cap) {
			struct sv_group *grown;

			group_cap = group_cap ? group_cap * 2 : 16;
			if ((grown = realloc(f->units, group_cap * sizeof(*grown))) == NULL)
				goto nomem;
			f->units = grown;
		}
		memset(&f->units[f->unit_count], 0, sizeof(f->units[0]));
		f->units[f->unit_count].id = top;
		snprintf(f->units[f->unit_count].name, sizeof(f->units[0].name), "%s",
		    (const char *)sqlite3_column_text(stmt, 2));
		f->unit_count++;
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		qf_error_set(err, "figures: %s", sqlite3_errmsg(db));
		return -1;
	}
	/* Each unit's group by the top's id, found among the groups sorted by id. */
	qsort(f->units, f->unit_count, sizeof(f->units[0]), sv_group_by_id);
	for (size_t i = 0; i < f->map_count; i++) {
		struct sv_group key = { .id = (int64_t)f->map[i].group }, *g;

		g = bsearch(&key, f->units, f->unit_count, sizeof(f->units[0]), sv_group_by_id);
		f->map[i].group = g != NULL ? (size_t)(g - f->units) : SIZE_MAX;
	}
	return 0;
nomem:
	stmt_release(stmt);
	qf_error_set(err, "figures: out of memory");
	return -1;
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
	int64_t ms, next;
	int key, first_full;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < SV_CATEGORIES; i++)
		f->categories[i].id = i;
	if ((f->months = sv_period_months(q->from_day, q->to_day, f->month_key, f->month_first,
	    f->month_last)) < 0) {
		qf_error_set(err, "figures: period too long");
		return -1;
	}
	if ((f->month_of_day = malloc((size_t)(q->to_day - q->from_day + 1) * sizeof(int))) == NULL) {
		qf_error_set(err, "figures: out of memory");
		return -1;
	}
	for (int i = 0; i < f->months; i++)
		for (int64_t d = f->month_first[i]; d <= f->month_last[i]; d++)
			f->month_of_day[d - q->from_day] = i;
	if (sv_load_groups(db, q, f, err) < 0 ||
	    sv_run(db, sql_cadres, q, q->from_day, q->to_day, SV_CADRES, -1, f, err) < 0 ||
	    sv_run(db, sql_pushes, q, q->from_day, q->to_day, SV_PUSHES, -1, f, err) < 0 ||
	    sv_run(db, sql_quizzes, q, q->from_day, q->to_day, SV_QUIZZES, -1, f, err) < 0 ||
	    sv_run(db, sql_quiz_answers, q, q->from_day, q->to_day, SV_ANSWERS, -1, f, err) < 0 ||
	    sv_run(db, sql_hours, q, q->from_day, q->to_day, SV_HOURS, -1, f, err) < 0)
		goto fail;
	/*
	 * Participation. Months that start with their calendar month: cadres
	 * by first active day up to the month's last day in the period. A first
	 * month cut at its start: from the days.
	 */
	sv_month_of(q->from_day, &key, &ms, &next);
	first_full = q->from_day == ms ? 0 : 1;
	if (first_full < f->months && sv_run(db, sql_active_first, q, f->month_first[first_full],
	    q->to_day, SV_ACTIVE, -1, f, err) < 0)
		goto fail;
	if (first_full == 1 && sv_run(db, sql_active_days, q, q->from_day, f->month_last[0], SV_ACTIVE, 0,
	    f, err) < 0)
		goto fail;
	if (f->unit_count > 1)
		qsort(f->units, f->unit_count, sizeof(f->units[0]), sv_group_by_name);
	return 0;
fail:
	sv_figures_free(f);
	return -1;
}

void
sv_figures_free(struct sv_figures *f)
{
	free(f->units);
	free(f->map);
	free(f->month_of_day);
	f->units = NULL;
	f->map = NULL;
	f->month_of_day = NULL;
	f->unit_count = f->map_count = 0;
}
