/*
 * evaluation.c — the evaluation model (立体评估) of a unit or a cadre for
 * one month: four components on a 0–100 scale and their weighted composite.
 *
 *   knowledge  100 x right answers / answers, over the quizzes first
 *              taken in the month (a quiz: a cadre's first answers to the
 *              questions of one item, dated by the earliest, as on the
 *              supervisor's overview); missing when there is none.
 *   behaviour  behaviour observation, entered by a supervisor per period
 *   feedback   peer and mass feedback, likewise (evaluation_scores, with
 *              the source recorded). A cadre: their own entry. A unit: the
 *              entry for the unit itself when there is one, else the mean
 *              of the entries of cadres in its subtree; missing otherwise.
 *   data       data monitoring: the mean of participation (share of cadres
 *              with an open, progress, complete or dismiss event or a quiz
 *              answer in the month) and completion (share of the (cadre,
 *              item) pairs first pushed in the month that were completed
 *              by its end), x 100. Participation alone when nothing was
 *              pushed; missing without cadres.
 *
 * Knowledge and data are the overview's figures for that month (the
 * definitions of supervisor-figures.c), read from the same rollup cells:
 * a unit's are the sums of its cadres', and a whole tree costs about what
 * one unit does. A cadre's come from their own rollup rows (pushes,
 * activity_days, quizzes).
 *
 * A missing component is never counted as zero. The composite ("score")
 * is the weighted sum over the four components with the admin's weights
 * (settings evaluation_weight_*, percent, default 30/40/20/10) divided by
 * the sum of the weights, and is null when any component is missing: a
 * ranking never mixes complete and incomplete scores. For a partial view
 * "partial_score" weighs the present components only (weights rescaled),
 * with "missing" naming the absent ones.
 *
 * Months are China Standard Time: "2026-11" runs from 2026-11-01 00:00
 * UTC+8 to 2026-12-01 00:00 UTC+8.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

const char *const evaluation_component_names[EVALUATION_COMPONENTS] = {
	"knowledge", "behaviour", "feedback", "data",
};

static const double default_weights[EVALUATION_COMPONENTS] = { 30, 40, 20, 10 };

static int
db_failed(sqlite3 *db, struct qf_error *err)
{
	qf_error_set(err, "evaluation: %s", sqlite3_errmsg(db));
	return -1;
}

int
evaluation_period_bounds(const char *period, int64_t *start, int64_t *end)
{
	struct tm tm;
	int y, m;
	char rest;

	if (period == NULL || strlen(period) != 7 || sscanf(period, "%4d-%2d%c", &y, &m, &rest) != 2 ||
	    period[4] != '-' || y < 2000 || y > 2999 || m < 1 || m > 12)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	*start = (int64_t)timegm(&tm) - LEARNER_UTC_OFFSET_S;
	tm.tm_mon++;
	*end = (int64_t)timegm(&tm) - LEARNER_UTC_OFFSET_S;
	return 0;
}

void
evaluation_period_shift(const char *period, int months, char out[static 8])
{
	int y = atoi(period), m = atoi(period + 5), index = y * 12 + (m - 1) + months;
	unsigned year = (unsigned)(index / 12) % 10000u, month = (unsigned)(index % 12) % 12u + 1u;
	char text[32];

	snprintf(text, sizeof(text), "%04u-%02u", year, month);
	snprintf(out, 8, "%.7s", text);
}

void
evaluation_period_now(int64_t now, char out[static 8])
{
	char today[11];

	learner_format_date(now, today);
	snprintf(out, 8, "%.7s", today);
}

int
evaluation_weights_load(sqlite3 *db, struct evaluation_weights *w, struct qf_error *err)
{
	sqlite3_stmt *stmt;

	memcpy(w->value, default_weights, sizeof(w->value));
	if ((stmt = stmt_get(db, "SELECT key, value FROM settings WHERE key LIKE 'evaluation_weight_%'")) == NULL)
		return db_failed(db, err);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(stmt, 0) + strlen("evaluation_weight_");

		for (int c = 0; c < EVALUATION_COMPONENTS; c++)
			if (strcmp(key, evaluation_component_names[c]) == 0 &&
			    sqlite3_column_type(stmt, 1) != SQLITE_NULL)
				w->value[c] = sqlite3_column_double(stmt, 1);
	}
	stmt_release(stmt);
	return 0;
}

/* Reads one row of doubles (NULL → absent) from a prepared, bound statement. */
static int
step_row(sqlite3 *db, sqlite3_stmt *stmt, int columns, double *v, int *present, struct qf_error *err)
{
	int rc = sqlite3_step(stmt);

	if (rc != SQLITE_ROW) {
		stmt_release(stmt);
		return rc == SQLITE_DONE ? 0 : db_failed(db, err);
	}
	for (int i = 0; i < columns; i++) {
		present[i] = sqlite3_column_type(stmt, i) != SQLITE_NULL;
		v[i] = sqlite3_column_double(stmt, i);
	}
	stmt_release(stmt);
	return 1;
}

/* Fills the derived fields of 'e' from its components and 'w'. */
static void
evaluation_compose(struct evaluation *e, const struct evaluation_weights *w)
{
	double sum = 0, weight = 0, all_weight = 0;

	e->complete = 1;
	for (int c = 0; c < EVALUATION_COMPONENTS; c++) {
		all_weight += w->value[c];
		if (!e->has[c]) {
			e->complete = 0;
			continue;
		}
		sum += w->value[c] * e->value[c];
		weight += w->value[c];
	}
	e->has_partial = weight > 0;
	e->partial = weight > 0 ? sum / weight : 0;
	e->has_score = e->complete && all_weight > 0;
	e->score = e->has_score ? sum / all_weight : 0;
}

/* The behaviour or feedback entry of cadre ?1; 1 found, 0 not, -1 error. */
static int
person_entry(sqlite3 *db, int64_t user_id, const char *period, const char *component, double *out,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int present;

	if ((stmt = stmt_get(db, "SELECT score FROM evaluation_scores WHERE user_id = ?1 AND period = ?2"
	    " AND component = ?3")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_text(stmt, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, component, -1, SQLITE_STATIC);
	return step_row(db, stmt, 1, out, &present, err);
}

/* A unit's behaviour or feedback: its own entry, else the mean of its cadres' entries. */
static int
unit_entry(sqlite3 *db, int64_t unit_id, const char *period, const char *component, double *out,
    int *present, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	double v[2];
	int has[2], rc;

	if ((stmt = stmt_get(db, "WITH RECURSIVE " SCOPE_UNITS_CTE("?1")
	    " SELECT (SELECT score FROM evaluation_scores WHERE unit_id = ?1 AND period = ?2 AND component = ?3),"
	    "   (SELECT avg(s.score) FROM evaluation_scores s JOIN users u ON u.id = s.user_id"
	    "    WHERE s.period = ?2 AND s.component = ?3 AND u.unit_id IN (SELECT id FROM scope_units))")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, unit_id);
	sqlite3_bind_text(stmt, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, component, -1, SQLITE_STATIC);
	if ((rc = step_row(db, stmt, 2, v, has, err)) <= 0)
		return rc;
	*present = has[0] || has[1];
	*out = has[0] ? v[0] : v[1];
	return 0;
}

/* The month of 'period' in CST days, first and last; 0, or -1 with 'err'. */
static int
period_days(const char *period, int64_t *first, int64_t *last, struct qf_error *err)
{
	int64_t start, end;

	if (evaluation_period_bounds(period, &start, &end) < 0) {
		qf_error_set(err, "evaluation: bad period");
		return -1;
	}
	*first = sv_day_of(start);
	*last = sv_day_of(end) - 1;
	return 0;
}

/* Knowledge and data from the month's figures of a set of cadres ('active' of its only month). */
static void
evaluation_from_sums(struct evaluation *e, const struct sv_sums *s)
{
	e->cadres = s->cadres;
	e->active = s->active[0];
	e->pushed = s->pushed;
	e->completed = s->completed;
	e->answers = s->answers;
	e->correct = s->correct;
	if (e->answers > 0) {
		e->has[EVALUATION_KNOWLEDGE] = 1;
		e->value[EVALUATION_KNOWLEDGE] = 100.0 * (double)e->correct / (double)e->answers;
	}
	if (e->cadres > 0) {
		e->participation = (double)e->active / (double)e->cadres;
		e->has[EVALUATION_DATA] = 1;
		if (e->pushed > 0) {
			e->completion = (double)e->completed / (double)e->pushed;
			e->value[EVALUATION_DATA] = 100.0 * (e->participation + e->completion) / 2.0;
		} else
			e->value[EVALUATION_DATA] = 100.0 * e->participation;
	}
}

/* A unit's evaluation from its figures and its behaviour and feedback entries; 0 or -1. */
static int
evaluation_of_unit(sqlite3 *db, int64_t unit_id, const char *period, const struct sv_sums *s,
    const struct evaluation_weights *w, struct evaluation *e, struct qf_error *err)
{
	memset(e, 0, sizeof(*e));
	evaluation_from_sums(e, s);
	if (unit_entry(db, unit_id, period, "behaviour", &e->value[EVALUATION_BEHAVIOUR],
	    &e->has[EVALUATION_BEHAVIOUR], err) < 0 ||
	    unit_entry(db, unit_id, period, "feedback", &e->value[EVALUATION_FEEDBACK],
	    &e->has[EVALUATION_FEEDBACK], err) < 0)
		return -1;
	evaluation_compose(e, w);
	return 0;
}

/* The month's figures of 'unit_id' (0: every unit), grouped by its sub-units. */
static int
month_figures(sqlite3 *db, int64_t unit_id, const char *period, struct sv_figures *f, struct qf_error *err)
{
	struct sv_query q = { .unit = unit_id };

	if (period_days(period, &q.from_day, &q.to_day, err) < 0)
		return -1;
	return sv_figures_compute(db, &q, f, err);
}

int
evaluation_unit(sqlite3 *db, int64_t unit_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *e, struct qf_error *err)
{
	struct sv_figures f;
	int rc;

	memset(e, 0, sizeof(*e));
	if (month_figures(db, unit_id, period, &f, err) < 0)
		return -1;
	rc = evaluation_of_unit(db, unit_id, period, &f.total, w, e, err);
	sv_figures_free(&f);
	return rc;
}

int
evaluation_units(sqlite3 *db, int64_t unit_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *self, struct evaluation_unit_row **rows, size_t *n, struct qf_error *err)
{
	struct sv_figures f;
	size_t count = 0;

	*rows = NULL;
	*n = 0;
	if (month_figures(db, unit_id, period, &f, err) < 0)
		return -1;
	if (evaluation_of_unit(db, unit_id, period, &f.total, w, self, err) < 0)
		goto fail;
	/* The groups are the sub-units, and the unit itself for its own cadres: that one is 'self'. */
	if ((*rows = calloc(f.unit_count ? f.unit_count : 1, sizeof(**rows))) == NULL) {
		qf_error_set(err, "evaluation: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < f.unit_count; i++) {
		struct evaluation_unit_row *r = &(*rows)[count];

		if (unit_id != SCOPE_ALL_UNITS && f.units[i].id == unit_id)
			continue;
		r->unit_id = f.units[i].id;
		snprintf(r->name, sizeof(r->name), "%s", f.units[i].name);
		if (evaluation_of_unit(db, r->unit_id, period, &f.units[i].sums, w, &r->e, err) < 0)
			goto fail;
		count++;
	}
	/* A unit without sub-units is ranked alone. */
	if (count == 0 && unit_id != SCOPE_ALL_UNITS) {
		(*rows)[0].unit_id = unit_id;
		(*rows)[0].e = *self;
		for (size_t i = 0; i < f.unit_count; i++)
			if (f.units[i].id == unit_id)
				snprintf((*rows)[0].name, sizeof((*rows)[0].name), "%s", f.units[i].name);
		count = 1;
	}
	*n = count;
	sv_figures_free(&f);
	return 0;
fail:
	sv_figures_free(&f);
	free(*rows);
	*rows = NULL;
	return -1;
}

int
evaluation_person(sqlite3 *db, int64_t user_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *e, struct qf_error *err)
{
	struct sv_sums s;
	sqlite3_stmt *stmt;
	int64_t first, last;
	double v[5];
	int has[5], rc;

	memset(e, 0, sizeof(*e));
	memset(&s, 0, sizeof(s));
	if (period_days(period, &first, &last, err) < 0)
		return -1;
	/* The cadre's rows of the rollups the unit figures are summed from. */
	if ((stmt = stmt_get(db, "SELECT EXISTS (SELECT 1 FROM activity_days WHERE user_id = ?1"
	    "     AND day BETWEEN ?2 AND ?3 AND (actions > 0 OR answers > 0)),"
	    "   (SELECT count(*) FROM pushes WHERE user_id = ?1 AND shown_at >= ?4 AND shown_at < ?5),"
	    "   (SELECT count(*) FROM pushes WHERE user_id = ?1 AND shown_at >= ?4 AND shown_at < ?5"
	    "     AND done_at < ?5),"
	    "   (SELECT coalesce(sum(questions), 0) FROM quizzes WHERE user_id = ?1"
	    "     AND first_day BETWEEN ?2 AND ?3),"
	    "   (SELECT coalesce(sum(correct), 0) FROM quizzes WHERE user_id = ?1"
	    "     AND first_day BETWEEN ?2 AND ?3)")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, first);
	sqlite3_bind_int64(stmt, 3, last);
	sqlite3_bind_int64(stmt, 4, sv_day_start(first));
	sqlite3_bind_int64(stmt, 5, sv_day_start(last + 1));
	if ((rc = step_row(db, stmt, 5, v, has, err)) < 0)
		return -1;
	s.cadres = 1;
	s.active[0] = (int64_t)v[0];
	s.pushed = (int64_t)v[1];
	s.completed = (int64_t)v[2];
	s.answers = (int64_t)v[3];
	s.correct = (int64_t)v[4];
	evaluation_from_sums(e, &s);
	for (int c = EVALUATION_BEHAVIOUR; c <= EVALUATION_FEEDBACK; c++) {
		if ((rc = person_entry(db, user_id, period, evaluation_component_names[c], &e->value[c], err)) < 0)
			return -1;
		e->has[c] = rc;
	}
	evaluation_compose(e, w);
	return 0;
}

static json_t *
rounded(int present, double value)
{
	return present ? json_real(round(value * 100.0) / 100.0) : json_null();
}

json_t *
evaluation_json(const struct evaluation *e)
{
	json_t *components = json_object(), *missing = json_array();

	for (int c = 0; c < EVALUATION_COMPONENTS; c++) {
		json_object_set_new(components, evaluation_component_names[c], rounded(e->has[c], e->value[c]));
		if (!e->has[c])
			json_array_append_new(missing, json_string(evaluation_component_names[c]));
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}}",
	    "score", rounded(e->has_score, e->score),
	    "partial_score", rounded(e->has_partial, e->partial),
	    "components", components, "missing", missing,
	    "details", "cadres", (json_int_t)e->cadres, "active", (json_int_t)e->active,
	    "pushed", (json_int_t)e->pushed, "completed", (json_int_t)e->completed,
	    "answers", (json_int_t)e->answers, "correct", (json_int_t)e->correct,
	    "participation", rounded(e->cadres > 0, e->participation),
	    "completion", rounded(e->pushed > 0, e->completion));
}

json_t *
evaluation_weights_json(const struct evaluation_weights *w)
{
	json_t *o = json_object();

	for (int c = 0; c < EVALUATION_COMPONENTS; c++)
		json_object_set_new(o, evaluation_component_names[c], json_real(w->value[c]));
	return o;
}
