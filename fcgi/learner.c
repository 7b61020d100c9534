/*
 * learner.c — a cadre as a learner, in the database: quiz answers, mastery
 * per discipline, the spaced-review schedule and study time. All the SQL of
 * these lives here; the maths is model/learner.h's. Used by the answer and
 * progress pages and by the feed (weak disciplines, due reviews).
 *
 * The tables (lib/migrate.c, version 4): learner_ability holds each
 * cadre's general ability and answer count; mastery(value, deviation,
 * answers) each discipline's deviation from it and the value shown,
 * s(ability + deviation), kept current for every discipline answered
 * whenever the general ability moves; question_stats each question's
 * difficulty; reviews the schedule. `qingfeng-train mastery` refits the
 * first three and replays the last every night.
 *
 * Days and years are those of the cadres: China Standard Time (UTC+8, no
 * daylight saving), so a review "due today" and "this year's hours" turn
 * over at midnight in Beijing, not in Greenwich.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"
#include "model/learner.h"

_Static_assert(LEARNER_MAX_DISCIPLINES == MASTERY_MAX_DISCIPLINES,
    "extern.h and model/learner.h agree on the disciplines of one question");

/* ------------------------------------------------------------------ dates */

int64_t
learner_day_start(int64_t t)
{
	int64_t local = t + LEARNER_UTC_OFFSET_S, day = local / REVIEW_DAY_S;

	if (local % REVIEW_DAY_S < 0)
		day--;
	return day * REVIEW_DAY_S - LEARNER_UTC_OFFSET_S;
}

/* Fills 'tm' with the local (UTC+8) calendar time of 't'. */
static void
local_tm(int64_t t, struct tm *tm)
{
	time_t local = (time_t)(t + LEARNER_UTC_OFFSET_S);

	memset(tm, 0, sizeof(*tm));
	gmtime_r(&local, tm);
}

int64_t
learner_year_start(int64_t t)
{
	struct tm tm;

	local_tm(t, &tm);
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm) - LEARNER_UTC_OFFSET_S;
}

int64_t
learner_year_end(int64_t t)
{
	struct tm tm;

	local_tm(t, &tm);
	tm.tm_year++;
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm) - LEARNER_UTC_OFFSET_S;
}

void
learner_format_date(int64_t t, char out[static 11])
{
	struct tm tm;

	local_tm(t, &tm);
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "0000-00-00");
}

/* ---------------------------------------------------------------- helpers */

static int
db_failed(sqlite3 *db, struct qf_error *err)
{
	qf_error_set(err, "database error: %s", sqlite3_errmsg(db));
	return -1;
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, struct qf_error *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return db_failed(db, err);
	}
	return 0;
}

/*
 * The same for the statements of every feed request (mastery, reviews):
 * kept compiled across requests (stmt-cache.c); give it back with
 * stmt_release().
 */
static int
prepare_cached(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, struct qf_error *err)
{
	if ((*stmt = stmt_get(db, sql)) == NULL)
		return db_failed(db, err);
	return 0;
}

/* Steps a statement that returns no rows; 0 or -1 with 'err'. Finalizes it. */
static int
step_done(sqlite3 *db, sqlite3_stmt *stmt, struct qf_error *err)
{
	int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : db_failed(db, err);

	sqlite3_finalize(stmt);
	return rc;
}

static void
copy_text(char *out, size_t size, const unsigned char *text)
{
	snprintf(out, size, "%s", text != NULL ? (const char *)text : "");
}

/* The seven disciplines in the order of the Party's regulations; others after, by code. */
#define DISCIPLINE_ORDER \
	" CASE t.code WHEN 'discipline.political' THEN 1 WHEN 'discipline.organisational' THEN 2" \
	" WHEN 'discipline.integrity' THEN 3 WHEN 'discipline.mass' THEN 4" \
	" WHEN 'discipline.work' THEN 5 WHEN 'discipline.life' THEN 6" \
	" WHEN 'discipline.family' THEN 7 ELSE 99 END, t.code"

/* ---------------------------------------------------------------- answers */

/* What one answer needs of a discipline: the stored deviation and its count. */
struct discipline_state {
	double deviation;
	uint32_t answers;
	int seeded;           /* a row set from outside: a value but no answers counted */
};

/*
 * Loads the disciplines question 'question_id' is tagged with, and the
 * caller's mastery in each, into 'out' (codes, labels, values) and 'state'
 * (deviations; may be NULL). 0 or -1 with 'err'.
 */
static int
question_disciplines(sqlite3 *db, int64_t user_id, int64_t question_id,
    struct learner_answer_outcome *out, struct discipline_state *state, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(db,
	    "SELECT t.code, t.label, m.value, m.deviation, m.answers"
	    "  FROM question_tags qt JOIN tags t ON t.code = qt.tag_code AND t.kind = 'discipline'"
	    "  LEFT JOIN mastery m ON m.user_id = ?1 AND m.tag_code = t.code"
	    " WHERE qt.question_id = ?2 ORDER BY" DISCIPLINE_ORDER " LIMIT ?3", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, question_id);
	sqlite3_bind_int(stmt, 3, LEARNER_MAX_DISCIPLINES);
	out->discipline_count = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct learner_discipline *d = &out->disciplines[out->discipline_count];

		memset(d, 0, sizeof(*d));
		copy_text(d->code, sizeof(d->code), sqlite3_column_text(stmt, 0));
		copy_text(d->label, sizeof(d->label), sqlite3_column_text(stmt, 1));
		d->has_value = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
		d->value = sqlite3_column_double(stmt, 2);
		d->answers = sqlite3_column_int64(stmt, 4);
		if (state != NULL) {
			struct discipline_state *s = &state[out->discipline_count];

			s->answers = d->answers > 0 ? (uint32_t)d->answers : 0;
			s->seeded = d->has_value && s->answers == 0;
			s->deviation = d->has_value ? mastery_clamp(sqlite3_column_double(stmt, 3)) : 0;
		}
		out->discipline_count++;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_failed(db, err);
}

/* The caller's general ability and its answer count (0, 0 before the first answer). */
static int
general_ability(sqlite3 *db, int64_t user_id, double *ability, uint32_t *answers, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*ability = 0;
	*answers = 0;
	if (prepare(db, "SELECT ability, answers FROM learner_ability WHERE user_id = ?1", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*ability = mastery_clamp(sqlite3_column_double(stmt, 0));
		*answers = (uint32_t)sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(db, err);
}

/* The due time of the caller's review of 'question_id' into 'out' (0 when none). 0 or -1. */
static int
review_due_at(sqlite3 *db, int64_t user_id, int64_t question_id, int64_t *out, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*out = 0;
	if (prepare(db, "SELECT due_at FROM reviews WHERE user_id = ?1 AND question_id = ?2",
	    &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, question_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(db, err);
}

/*
 * The answer the caller sent earlier with 'client_id', if any: 1 (filled
 * 'answer_id', 'question_id', 'correct'), 0 when none, -1 with 'err'.
 */
static int
answer_by_client(sqlite3 *db, int64_t user_id, const char *client_id,
    struct learner_answer_outcome *out, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(db, "SELECT id, question_id, correct FROM answers WHERE user_id = ?1 AND client_id = ?2",
	    &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_text(stmt, 2, client_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->answer_id = sqlite3_column_int64(stmt, 0);
		out->question_id = sqlite3_column_int64(stmt, 1);
		out->correct = sqlite3_column_int(stmt, 2);
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_failed(db, err);
}

/* The question's difficulty and answer count, its prior from the item when it has none yet. */
static int
question_difficulty(sqlite3 *db, int64_t question_id, double *difficulty, uint32_t *answers,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*difficulty = 0;
	*answers = 0;
	if (prepare(db, "SELECT qs.difficulty, qs.answers, i.difficulty FROM questions q"
	    "  LEFT JOIN question_stats qs ON qs.question_id = q.id"
	    "  LEFT JOIN items i ON i.id = q.item_id WHERE q.id = ?1", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, question_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
			*difficulty = mastery_clamp(sqlite3_column_double(stmt, 0));
			*answers = (uint32_t)sqlite3_column_int64(stmt, 1);
		} else
			*difficulty = mastery_prior_difficulty(sqlite3_column_type(stmt, 2) == SQLITE_NULL ?
			    0 : sqlite3_column_int(stmt, 2));
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(db, err);
}

/*
 * Sets value = s(ability + deviation) on every mastery row of the user that
 * counts answers (rows seeded from outside are left as they are).
 */
static int
mastery_refresh_values(sqlite3 *db, int64_t user_id, double ability, struct qf_error *err)
{
	struct { char code[65]; double value; } rows[64];
	sqlite3_stmt *stmt;
	size_t n = 0;
	int rc;

	if (prepare(db, "SELECT tag_code, deviation FROM mastery WHERE user_id = ?1 AND answers > 0"
	    " ORDER BY tag_code LIMIT 64", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		copy_text(rows[n].code, sizeof(rows[n].code), sqlite3_column_text(stmt, 0));
		rows[n].value = mastery_value(ability + mastery_clamp(sqlite3_column_double(stmt, 1)));
		n++;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_failed(db, err);
	if (n == 0)
		return 0;
	/* One statement for all the rows: an answer comes here every time. */
	if (prepare(db, "UPDATE mastery SET value = ?3 WHERE user_id = ?1 AND tag_code = ?2"
	    " AND value IS NOT ?3", &stmt, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_text(stmt, 2, rows[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_double(stmt, 3, rows[i].value);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			db_failed(db, err);
			sqlite3_finalize(stmt);
			return -1;
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* Applies one answer to the review schedule of (user, question); sets '*due_at'. */
static int
review_update(sqlite3 *db, int64_t user_id, int64_t question_id, int correct, int64_t now,
    int64_t *due_at, struct qf_error *err)
{
	struct review_state s = { 0, 0, 0, 0, 0, 0, 0 };
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(db, "SELECT stability, difficulty, reps, lapses, last_correct, last_at, due_at"
	    "  FROM reviews WHERE user_id = ?1 AND question_id = ?2", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, question_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		s.stability = sqlite3_column_double(stmt, 0);
		s.difficulty = sqlite3_column_double(stmt, 1);
		s.reps = (uint32_t)sqlite3_column_int64(stmt, 2);
		s.lapses = (uint32_t)sqlite3_column_int64(stmt, 3);
		s.last_correct = sqlite3_column_int(stmt, 4);
		s.last_at = sqlite3_column_int64(stmt, 5);
		s.due_at = sqlite3_column_int64(stmt, 6);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_failed(db, err);
	review_schedule(&s, correct, now);
	if (prepare(db, "INSERT INTO reviews(user_id, question_id, stability, difficulty, reps, lapses,"
	    "   last_correct, last_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT(user_id, question_id) DO UPDATE SET stability = excluded.stability,"
	    "   difficulty = excluded.difficulty, reps = excluded.reps, lapses = excluded.lapses,"
	    "   last_correct = excluded.last_correct, last_at = excluded.last_at, due_at = excluded.due_at",
	    &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, question_id);
	sqlite3_bind_double(stmt, 3, s.stability);
	sqlite3_bind_double(stmt, 4, s.difficulty);
	sqlite3_bind_int64(stmt, 5, s.reps);
	sqlite3_bind_int64(stmt, 6, s.lapses);
	sqlite3_bind_int(stmt, 7, s.last_correct);
	sqlite3_bind_int64(stmt, 8, s.last_at);
	sqlite3_bind_int64(stmt, 9, s.due_at);
	*due_at = s.due_at;
	return step_done(db, stmt, err);
}

int
learner_answer_record(sqlite3 *db, int64_t user_id, int64_t question_id, const char *choice_json,
    int correct, const char *client_id, int64_t now, struct learner_answer_outcome *out,
    struct qf_error *err)
{
	struct discipline_state state[LEARNER_MAX_DISCIPLINES];
	double deviation[LEARNER_MAX_DISCIPLINES], ability, difficulty;
	uint32_t answers[LEARNER_MAX_DISCIPLINES], general_answers, question_answers;
	sqlite3_stmt *stmt;
	int found;

	memset(out, 0, sizeof(*out));
	assert(!sqlite3_get_autocommit(db));
	if (client_id != NULL) {
		if ((found = answer_by_client(db, user_id, client_id, out, err)) < 0)
			return LEARNER_DB_ERROR;
		if (found) {
			if (out->question_id != question_id)
				return LEARNER_CONFLICT;
			out->duplicate = 1;
			if (question_disciplines(db, user_id, question_id, out, NULL, err) < 0 ||
			    review_due_at(db, user_id, question_id, &out->next_review_at, err) < 0)
				return LEARNER_DB_ERROR;
			return LEARNER_DUPLICATE;
		}
	}
	out->question_id = question_id;
	out->correct = correct ? 1 : 0;

	if (prepare(db, "INSERT INTO answers(user_id, question_id, choice, correct, client_id, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &stmt, err) < 0)
		return LEARNER_DB_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, question_id);
	sqlite3_bind_text(stmt, 3, choice_json, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, out->correct);
	if (client_id != NULL)
		sqlite3_bind_text(stmt, 5, client_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 5);
	sqlite3_bind_int64(stmt, 6, now);
	if (step_done(db, stmt, err) < 0)
		return LEARNER_DB_ERROR;
	out->answer_id = sqlite3_last_insert_rowid(db);

	/* Mastery: one Elo step of the general ability, each discipline's deviation, the difficulty. */
	if (general_ability(db, user_id, &ability, &general_answers, err) < 0 ||
	    question_disciplines(db, user_id, question_id, out, state, err) < 0 ||
	    question_difficulty(db, question_id, &difficulty, &question_answers, err) < 0)
		return LEARNER_DB_ERROR;
	for (size_t i = 0; i < out->discipline_count; i++) {
		/* A row seeded from outside keeps its value as the starting point. */
		deviation[i] = state[i].seeded ?
		    mastery_clamp(mastery_ability_of_value(out->disciplines[i].value) - ability) :
		    state[i].deviation;
		answers[i] = state[i].answers;
	}
	mastery_answer(&ability, general_answers, deviation, answers, out->discipline_count,
	    &difficulty, question_answers, correct);

	if (prepare(db, "INSERT INTO learner_ability(user_id, ability, answers, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(user_id) DO UPDATE SET ability = excluded.ability,"
	    "   answers = excluded.answers, updated_at = excluded.updated_at", &stmt, err) < 0)
		return LEARNER_DB_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_double(stmt, 2, ability);
	sqlite3_bind_int64(stmt, 3, (int64_t)general_answers + 1);
	sqlite3_bind_int64(stmt, 4, now);
	if (step_done(db, stmt, err) < 0)
		return LEARNER_DB_ERROR;
	for (size_t i = 0; i < out->discipline_count; i++) {
		struct learner_discipline *d = &out->disciplines[i];

		d->value = mastery_value(ability + deviation[i]);
		d->has_value = 1;
		d->answers = (int64_t)answers[i] + 1;
		if (prepare(db, "INSERT INTO mastery(user_id, tag_code, value, deviation, answers, updated_at)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(user_id, tag_code) DO UPDATE SET"
		    "   value = excluded.value, deviation = excluded.deviation, answers = excluded.answers,"
		    "   updated_at = excluded.updated_at", &stmt, err) < 0)
			return LEARNER_DB_ERROR;
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_text(stmt, 2, d->code, -1, SQLITE_STATIC);
		sqlite3_bind_double(stmt, 3, d->value);
		sqlite3_bind_double(stmt, 4, deviation[i]);
		sqlite3_bind_int64(stmt, 5, d->answers);
		sqlite3_bind_int64(stmt, 6, now);
		if (step_done(db, stmt, err) < 0)
			return LEARNER_DB_ERROR;
	}
	/* The general ability moved: so did the value of every discipline answered before. */
	if (mastery_refresh_values(db, user_id, ability, err) < 0)
		return LEARNER_DB_ERROR;
	if (prepare(db, "INSERT INTO question_stats(question_id, difficulty, answers, correct, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(question_id) DO UPDATE SET"
	    "   difficulty = excluded.difficulty, answers = question_stats.answers + 1,"
	    "   correct = question_stats.correct + ?4, updated_at = excluded.updated_at", &stmt, err) < 0)
		return LEARNER_DB_ERROR;
	sqlite3_bind_int64(stmt, 1, question_id);
	sqlite3_bind_double(stmt, 2, difficulty);
	sqlite3_bind_int64(stmt, 3, (int64_t)question_answers + 1);
	sqlite3_bind_int(stmt, 4, out->correct);
	sqlite3_bind_int64(stmt, 5, now);
	if (step_done(db, stmt, err) < 0)
		return LEARNER_DB_ERROR;

	if (review_update(db, user_id, question_id, correct, now, &out->next_review_at, err) < 0)
		return LEARNER_DB_ERROR;
	return LEARNER_OK;
}

/* ---------------------------------------------------------------- mastery */

int
learner_mastery_list(sqlite3 *db, int64_t user_id, struct learner_discipline **out, size_t *count,
    struct qf_error *err)
{
	struct learner_discipline *list = NULL, *grown;
	sqlite3_stmt *stmt;
	size_t n = 0;
	int rc;

	*out = NULL;
	*count = 0;
	/*
	 * The answers and the distinct questions answered wrong are counted
	 * from the answers themselves, so a mastery row seeded from elsewhere
	 * never claims answers that were not given.
	 */
	if (prepare_cached(db,
	    "WITH mine AS (SELECT qt.tag_code AS code, count(*) AS answers,"
	    "   count(DISTINCT CASE WHEN a.correct = 0 THEN a.question_id END) AS wrong"
	    "   FROM answers a JOIN question_tags qt ON qt.question_id = a.question_id"
	    "  WHERE a.user_id = ?1 GROUP BY qt.tag_code)"
	    " SELECT t.code, t.label, m.value, coalesce(x.answers, 0), coalesce(x.wrong, 0)"
	    "  FROM tags t LEFT JOIN mastery m ON m.user_id = ?1 AND m.tag_code = t.code"
	    "  LEFT JOIN mine x ON x.code = t.code"
	    " WHERE t.kind = 'discipline' ORDER BY" DISCIPLINE_ORDER, &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct learner_discipline *d;

		if ((grown = realloc(list, (n + 1) * sizeof(*list))) == NULL) {
			qf_error_set(err, "out of memory");
			goto err;
		}
		list = grown;
		d = &list[n++];
		memset(d, 0, sizeof(*d));
		copy_text(d->code, sizeof(d->code), sqlite3_column_text(stmt, 0));
		copy_text(d->label, sizeof(d->label), sqlite3_column_text(stmt, 1));
		d->has_value = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
		d->value = sqlite3_column_double(stmt, 2);
		d->answers = sqlite3_column_int64(stmt, 3);
		d->wrong = sqlite3_column_int64(stmt, 4);
	}
	if (rc != SQLITE_DONE) {
		db_failed(db, err);
		goto err;
	}
	stmt_release(stmt);
	*out = list;
	*count = n;
	return 0;
err:
	stmt_release(stmt);
	free(list);
	return -1;
}

static int
weakest_first(const void *a, const void *b)
{
	const struct learner_discipline *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return strcmp(x->code, y->code);
}

int
learner_weak_disciplines(sqlite3 *db, int64_t user_id, struct learner_discipline **out,
    size_t *count, struct qf_error *err)
{
	struct learner_discipline *list;
	size_t n, kept = 0;
	sqlite3_stmt *stmt;
	int rc;

	*out = NULL;
	*count = 0;
	/*
	 * Most cadres have no mastery under the mark: one look along the
	 * mastery table's key settles it before counting their answers (the
	 * feed asks on every request).
	 */
	if (prepare_cached(db, "SELECT 1 FROM mastery WHERE user_id = ?1 AND value < ?2 LIMIT 1",
	    &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_double(stmt, 2, LEARNER_WEAK_MASTERY);
	rc = sqlite3_step(stmt);
	stmt_release(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		db_failed(db, err);
		return -1;
	}
	if (learner_mastery_list(db, user_id, &list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (list[i].has_value && list[i].value < LEARNER_WEAK_MASTERY &&
		    list[i].answers >= LEARNER_WEAK_MIN_ANSWERS)
			list[kept++] = list[i];
	if (kept > 1)
		qsort(list, kept, sizeof(*list), weakest_first);
	if (kept == 0) {
		free(list);
		list = NULL;
	}
	*out = list;
	*count = kept;
	return 0;
}

/* ---------------------------------------------------------------- reviews */

int
learner_reviews(sqlite3 *db, int64_t user_id, int64_t now, int64_t until, size_t limit,
    struct learner_review **out, size_t *count, struct qf_error *err)
{
	struct learner_review *list = NULL, *grown;
	int64_t tomorrow = learner_day_start(now) + REVIEW_DAY_S;
	sqlite3_stmt *stmt;
	size_t n = 0;
	int rc;

	*out = NULL;
	*count = 0;
	/*
	 * Due by the date, or fading: right long ago and predicted recall now
	 * under the target, which is when more than S x interval(1) days passed.
	 * Only questions a cadre can still see (published, in a published item).
	 */
	if (prepare_cached(db,
	    "SELECT r.question_id, coalesce(q.item_id, 0), r.due_at, r.last_at, r.stability,"
	    "       r.last_correct, r.difficulty, r.reps, r.lapses"
	    "  FROM reviews r JOIN questions q ON q.id = r.question_id"
	    "  LEFT JOIN items i ON i.id = q.item_id"
	    " WHERE r.user_id = ?1 AND q.status = 'published'"
	    "   AND (q.item_id IS NULL OR i.status = 'published')"
	    "   AND (r.due_at < ?2 OR (r.last_correct = 1 AND r.last_at + r.stability * ?3 < ?4))"
	    " ORDER BY min(r.due_at, CASE WHEN r.last_correct = 1"
	    "   THEN r.last_at + CAST(r.stability * ?3 AS INTEGER) ELSE r.due_at END), r.question_id"
	    " LIMIT ?5", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, until);
	sqlite3_bind_double(stmt, 3, review_interval_days(1.0, REVIEW_TARGET_RETENTION) * REVIEW_DAY_S);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int64(stmt, 5, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct review_state s;
		struct learner_review *r;

		if ((grown = realloc(list, (n + 1) * sizeof(*list))) == NULL) {
			qf_error_set(err, "out of memory");
			goto err;
		}
		list = grown;
		r = &list[n++];
		r->question_id = sqlite3_column_int64(stmt, 0);
		r->item_id = sqlite3_column_int64(stmt, 1);
		s.due_at = sqlite3_column_int64(stmt, 2);
		s.last_at = sqlite3_column_int64(stmt, 3);
		s.stability = sqlite3_column_double(stmt, 4);
		s.last_correct = sqlite3_column_int(stmt, 5);
		s.difficulty = sqlite3_column_double(stmt, 6);
		s.reps = (uint32_t)sqlite3_column_int64(stmt, 7);
		s.lapses = (uint32_t)sqlite3_column_int64(stmt, 8);
		r->due_at = s.due_at;
		r->last_correct = s.last_correct;
		r->recall = review_recall((double)(now - s.last_at) / REVIEW_DAY_S, s.stability);
		/* Due on or before today, or fading now. */
		r->due = s.due_at < tomorrow || review_is_due(&s, now);
		/* A fading question is due now, whatever day its schedule said. */
		if (r->due && r->due_at > now)
			r->due_at = now;
	}
	if (rc != SQLITE_DONE) {
		db_failed(db, err);
		goto err;
	}
	stmt_release(stmt);
	*out = list;
	*count = n;
	return 0;
err:
	stmt_release(stmt);
	free(list);
	return -1;
}

int
learner_reviews_due(sqlite3 *db, int64_t user_id, int64_t now, size_t limit,
    struct learner_review **out, size_t *count, struct qf_error *err)
{
	return learner_reviews(db, user_id, now, learner_day_start(now) + REVIEW_DAY_S, limit,
	    out, count, err);
}

/* ------------------------------------------------------------ study time */

int
learner_study_year(sqlite3 *db, int64_t user_id, int64_t now, struct learner_study *out,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	out->year_start = learner_year_start(now);
	out->year_end = learner_year_end(now);
	/* Each item credits its minutes once a year, however often it was completed. */
	if (prepare(db,
	    "SELECT count(*), coalesce(sum(i.minutes), 0) FROM items i WHERE i.id IN"
	    " (SELECT e.item_id FROM events e WHERE e.user_id = ?1 AND e.kind = 'complete'"
	    "   AND e.created_at >= ?2 AND e.created_at < ?3)", &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, out->year_start);
	sqlite3_bind_int64(stmt, 3, out->year_end);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->items_year = sqlite3_column_int64(stmt, 0);
		out->minutes_year = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return db_failed(db, err);
	if (prepare(db, "SELECT count(DISTINCT item_id) FROM events WHERE user_id = ?1 AND kind = 'complete'",
	    &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		out->items_total = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return db_failed(db, err);
	return 0;
}

int
learner_study_minutes_year(sqlite3 *db, int64_t user_id, int64_t now, int64_t *minutes,
    struct qf_error *err)
{
	struct learner_study study;

	*minutes = 0;
	if (learner_study_year(db, user_id, now, &study, err) < 0)
		return -1;
	*minutes = study.minutes_year;
	return 0;
}

/* ------------------------------------------------------------ answers too */

int
learner_answer_counts(sqlite3 *db, int64_t user_id, int64_t *answers, int64_t *correct,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*answers = *correct = 0;
	if (prepare(db, "SELECT count(*), coalesce(sum(correct), 0) FROM answers WHERE user_id = ?1",
	    &stmt, err) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*answers = sqlite3_column_int64(stmt, 0);
		*correct = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : db_failed(db, err);
}
