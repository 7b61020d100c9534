/*
 * evaluation.c — the evaluation model (立体评估) of a unit or a cadre for
 * one month: four components on a 0–100 scale and their weighted composite.
 *
 *   knowledge  100 x right answers / answers given in the month (quiz
 *              results); missing when no answer was given.
 *   behaviour  behaviour observation, entered by a supervisor per period
 *   feedback   peer and mass feedback, likewise (evaluation_scores, with
 *              the source recorded). A cadre: their own entry. A unit: the
 *              entry for the unit itself when there is one, else the mean
 *              of the entries of cadres in its subtree; missing otherwise.
 *   data       data monitoring: the mean of participation (share of cadres
 *              who opened, progressed or completed anything in the month)
 *              and completion (share of the items pushed to them in the
 *              month that they completed by its end), x 100. Participation
 *              alone when nothing was pushed; missing without cadres.
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

int
evaluation_unit(sqlite3 *db, int64_t unit_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *e, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int64_t start, end;
	double v[5];
	int has[5], rc;

	memset(e, 0, sizeof(*e));
	if (evaluation_period_bounds(period, &start, &end) < 0) {
		qf_error_set(err, "evaluation: bad period");
		return -1;
	}
	/* Knowledge and data over the cadres of the subtree, in one statement. */
	if ((stmt = stmt_get(db, "WITH RECURSIVE " SCOPE_UNITS_CTE("?1") ","
	    " cadres(id) AS (SELECT id FROM users WHERE role = 'cadre' AND disabled = 0"
	    "   AND unit_id IN (SELECT id FROM scope_units)),"
	    " pushed(user_id, item_id) AS (SELECT DISTINCT user_id, item_id FROM events"
	    "   WHERE kind = 'impression' AND created_at >= ?2 AND created_at < ?3"
	    "   AND user_id IN (SELECT id FROM cadres))"
	    " SELECT (SELECT count(*) FROM cadres),"
	    "   (SELECT count(DISTINCT user_id) FROM events WHERE kind IN ('open','progress','complete')"
	    "     AND created_at >= ?2 AND created_at < ?3 AND user_id IN (SELECT id FROM cadres)),"
	    "   (SELECT count(*) FROM pushed),"
	    "   (SELECT count(*) FROM pushed p WHERE EXISTS (SELECT 1 FROM events e WHERE e.user_id = p.user_id"
	    "     AND e.item_id = p.item_id AND e.kind = 'complete' AND e.created_at < ?3)),"
	    "   (SELECT count(*) FROM answers WHERE created_at >= ?2 AND created_at < ?3"
	    "     AND user_id IN (SELECT id FROM cadres))")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, unit_id);
	sqlite3_bind_int64(stmt, 2, start);
	sqlite3_bind_int64(stmt, 3, end);
	if ((rc = step_row(db, stmt, 5, v, has, err)) < 0)
		return -1;
	e->cadres = (int64_t)v[0];
	e->active = (int64_t)v[1];
	e->pushed = (int64_t)v[2];
	e->completed = (int64_t)v[3];
	e->answers = (int64_t)v[4];
	if (e->answers > 0) {
		if ((stmt = stmt_get(db, "WITH RECURSIVE " SCOPE_UNITS_CTE("?1")
		    " SELECT sum(correct) FROM answers a JOIN users u ON u.id = a.user_id"
		    " WHERE u.role = 'cadre' AND u.disabled = 0 AND u.unit_id IN (SELECT id FROM scope_units)"
		    "   AND a.created_at >= ?2 AND a.created_at < ?3")) == NULL)
			return db_failed(db, err);
		sqlite3_bind_int64(stmt, 1, unit_id);
		sqlite3_bind_int64(stmt, 2, start);
		sqlite3_bind_int64(stmt, 3, end);
		if (step_row(db, stmt, 1, v, has, err) < 0)
			return -1;
		e->correct = (int64_t)v[0];
		e->has[EVALUATION_KNOWLEDGE] = 1;
		e->value[EVALUATION_KNOWLEDGE] = 100.0 * (double)e->correct / (double)e->answers;
	}
	if (unit_entry(db, unit_id, period, "behaviour", &e->value[EVALUATION_BEHAVIOUR],
	    &e->has[EVALUATION_BEHAVIOUR], err) < 0 ||
	    unit_entry(db, unit_id, period, "feedback", &e->value[EVALUATION_FEEDBACK],
	    &e->has[EVALUATION_FEEDBACK], err) < 0)
		return -1;
	if (e->cadres > 0) {
		e->participation = (double)e->active / (double)e->cadres;
		e->has[EVALUATION_DATA] = 1;
		if (e->pushed > 0) {
			e->completion = (double)e->completed / (double)e->pushed;
			e->value[EVALUATION_DATA] = 100.0 * (e->participation + e->completion) / 2.0;
		} else
			e->value[EVALUATION_DATA] = 100.0 * e->participation;
	}
	evaluation_compose(e, w);
	return 0;
}

int
evaluation_person(sqlite3 *db, int64_t user_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *e, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int64_t start, end;
	double v[5];
	int has[5], rc;

	memset(e, 0, sizeof(*e));
	if (evaluation_period_bounds(period, &start, &end) < 0) {
		qf_error_set(err, "evaluation: bad period");
		return -1;
	}
	if ((stmt = stmt_get(db, "WITH pushed(item_id) AS (SELECT DISTINCT item_id FROM events"
	    "   WHERE user_id = ?1 AND kind = 'impression' AND created_at >= ?2 AND created_at < ?3)"
	    " SELECT EXISTS (SELECT 1 FROM events WHERE user_id = ?1 AND kind IN ('open','progress','complete')"
	    "     AND created_at >= ?2 AND created_at < ?3),"
	    "   (SELECT count(*) FROM pushed),"
	    "   (SELECT count(*) FROM pushed p WHERE EXISTS (SELECT 1 FROM events e WHERE e.user_id = ?1"
	    "     AND e.item_id = p.item_id AND e.kind = 'complete' AND e.created_at < ?3)),"
	    "   (SELECT count(*) FROM answers WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3),"
	    "   (SELECT coalesce(sum(correct), 0) FROM answers WHERE user_id = ?1 AND created_at >= ?2"
	    "     AND created_at < ?3)")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, start);
	sqlite3_bind_int64(stmt, 3, end);
	if ((rc = step_row(db, stmt, 5, v, has, err)) < 0)
		return -1;
	e->cadres = 1;
	e->active = (int64_t)v[0];
	e->pushed = (int64_t)v[1];
	e->completed = (int64_t)v[2];
	e->answers = (int64_t)v[3];
	e->correct = (int64_t)v[4];
	if (e->answers > 0) {
		e->has[EVALUATION_KNOWLEDGE] = 1;
		e->value[EVALUATION_KNOWLEDGE] = 100.0 * (double)e->correct / (double)e->answers;
	}
	for (int c = EVALUATION_BEHAVIOUR; c <= EVALUATION_FEEDBACK; c++) {
		if ((rc = person_entry(db, user_id, period, evaluation_component_names[c], &e->value[c], err)) < 0)
			return -1;
		e->has[c] = rc;
	}
	e->participation = (double)e->active;
	e->has[EVALUATION_DATA] = 1;
	if (e->pushed > 0) {
		e->completion = (double)e->completed / (double)e->pushed;
		e->value[EVALUATION_DATA] = 100.0 * (e->participation + e->completion) / 2.0;
	} else
		e->value[EVALUATION_DATA] = 100.0 * e->participation;
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
