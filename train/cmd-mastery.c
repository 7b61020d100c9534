/*
 * cmd-mastery.c — `qingfeng-train mastery --db PATH [--evaluate]`: the
 * nightly refit of knowledge tracing and the review schedule from every
 * quiz answer (model/learner.h has the equations).
 *
 *   1. read, in one snapshot: the answers, the discipline tags of the
 *      questions and each question's prior difficulty (from its item);
 *   2. fit each cadre's general ability, its deviation in each discipline
 *      and the question difficulties jointly (mastery_fit: damped Newton
 *      passes of a ridge-penalised hierarchical Rasch likelihood, recent
 *      answers weighted more), starting from scratch, so that the result
 *      depends on the answers alone;
 *   3. replay each cadre's answers to each question through the review
 *      schedule (review_schedule), which also schedules answers that came
 *      in without one (an imported history): right long ago and fading
 *      now means due;
 *   4. write it all back in one IMMEDIATE transaction. A cadre, question
 *      or review the web app updated after the snapshot (an answer came in
 *      meanwhile: its count is higher than the fit's) is left as the app
 *      wrote it; the next night takes it in.
 * Running it twice on the same answers writes the same numbers.
 *
 * --evaluate writes nothing: it holds out each cadre's latest answers
 * (--holdout, a share; cadres with 5 answers or more), fits on the rest and
 * prints the AUC and log loss on the held-out answers of the nightly fit,
 * of the online Elo updates replayed in time order (each answer predicted
 * from what came before it) and of a baseline that knows only each
 * question's share of right answers.
 *
 * Prints one JSON object. Exit status: 0 done, 1 failure, 2 bad arguments.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "model/learner.h"

/* Cadres with fewer answers keep them all for training in --evaluate. */
#define EVALUATE_MIN_ANSWERS 5
#define EVALUATE_DEFAULT_HOLDOUT 0.2

struct answer_row {
	int64_t user, question, at, id;
	uint32_t question_index;
	uint32_t cadre;          /* index of the cadre */
	uint8_t correct;
	uint8_t test;            /* --evaluate: held out */
	size_t slot;             /* --evaluate: where a held-out answer's predictions go */
};

/* Everything one run reads and computes; released by mastery_run_free. */
struct mastery_run {
	sqlite3 *db;
	struct answer_row *answers;          /* by user, time, id */
	size_t n_answers;
	/* Questions: ids ascending, prior difficulty, discipline tags (CSR). */
	int64_t *question_ids;
	double *prior;
	uint32_t *tag_ptr, *tags;
	uint64_t *question_answers, *question_correct;
	uint32_t n_questions;
	char (*disciplines)[65];
	uint32_t n_disciplines;              /* index n_disciplines: "no discipline" */
	/* Cadres: one per user who answered; their learners are contiguous. */
	int64_t *cadre_user;
	uint32_t *cadre_answers;
	uint32_t *cadre_first_learner;       /* n_cadres + 1 */
	uint32_t n_cadres;
	/* Learners: one per (cadre, discipline) answered. */
	uint32_t *learner_discipline;
	uint32_t *learner_answers;
	uint32_t n_learners;
	struct mastery_observation *obs;
	size_t n_obs;
	double *ability, *deviation, *difficulty;
	struct mastery_fit_report report;
};

static void
mastery_run_free(struct mastery_run *r)
{
	if (r->db != NULL)
		db_close(r->db);
	free(r->answers);
	free(r->question_ids);
	free(r->prior);
	free(r->tag_ptr);
	free(r->tags);
	free(r->question_answers);
	free(r->question_correct);
	free(r->disciplines);
	free(r->cadre_user);
	free(r->cadre_answers);
	free(r->cadre_first_learner);
	free(r->learner_discipline);
	free(r->learner_answers);
	free(r->obs);
	free(r->ability);
	free(r->deviation);
	free(r->difficulty);
	memset(r, 0, sizeof(*r));
}

/* Grows '*v' (of 'size'-byte elements) to hold 'need'; 0 or -1. */
static int
grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t cap2 = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (cap2 < need)
		cap2 *= 2;
	if ((p = realloc(*v, cap2 * size)) == NULL)
		return -1;
	*v = p;
	*cap = cap2;
	return 0;
}

static int
failed(sqlite3 *db, struct qf_error *err)
{
	qf_error_set(err, "database: %s", sqlite3_errmsg(db));
	return -1;
}

/* The index of question 'id', or UINT32_MAX. */
static uint32_t
question_index(const struct mastery_run *r, int64_t id)
{
	uint32_t lo = 0, hi = r->n_questions;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->question_ids[mid] < id)
			lo = mid + 1;
		else if (r->question_ids[mid] > id)
			hi = mid;
		else
			return mid;
	}
	return UINT32_MAX;
}

/* ------------------------------------------------------------------ read */

static int
read_questions(struct mastery_run *r, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	size_t cap = 0, tag_cap = 0, n_tags = 0, cap_d = 0;
	int rc;

	if (sqlite3_prepare_v2(r->db, "SELECT code FROM tags WHERE kind = 'discipline' ORDER BY code",
	    -1, &stmt, NULL) != SQLITE_OK)
		return failed(r->db, err);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (grow((void **)&r->disciplines, &cap_d, r->n_disciplines + 1, sizeof(*r->disciplines)) < 0)
			goto oom;
		snprintf(r->disciplines[r->n_disciplines++], sizeof(*r->disciplines), "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
	}
	if (rc != SQLITE_DONE)
		goto db;
	sqlite3_finalize(stmt);

	if (sqlite3_prepare_v2(r->db, "SELECT q.id, i.difficulty FROM questions q"
	    " LEFT JOIN items i ON i.id = q.item_id ORDER BY q.id", -1, &stmt, NULL) != SQLITE_OK)
		return failed(r->db, err);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		size_t cap_prior = cap;

		if (grow((void **)&r->question_ids, &cap, r->n_questions + 1, sizeof(*r->question_ids)) < 0 ||
		    grow((void **)&r->prior, &cap_prior, r->n_questions + 1, sizeof(*r->prior)) < 0)
			goto oom;
		r->question_ids[r->n_questions] = sqlite3_column_int64(stmt, 0);
		r->prior[r->n_questions] = mastery_prior_difficulty(
		    sqlite3_column_type(stmt, 1) == SQLITE_NULL ? 0 : sqlite3_column_int(stmt, 1));
		r->n_questions++;
	}
	if (rc != SQLITE_DONE)
		goto db;
	sqlite3_finalize(stmt);

	/* Discipline tags as CSR rows by question index; both orders ascending. */
	if ((r->tag_ptr = calloc((size_t)r->n_questions + 1, sizeof(*r->tag_ptr))) == NULL ||
	    (r->question_answers = calloc((size_t)r->n_questions + 1, sizeof(uint64_t))) == NULL ||
	    (r->question_correct = calloc((size_t)r->n_questions + 1, sizeof(uint64_t))) == NULL)
		goto oom;
	if (sqlite3_prepare_v2(r->db, "SELECT qt.question_id, t.code FROM question_tags qt"
	    " JOIN tags t ON t.code = qt.tag_code AND t.kind = 'discipline'"
	    " ORDER BY qt.question_id, t.code", -1, &stmt, NULL) != SQLITE_OK)
		return failed(r->db, err);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		uint32_t q = question_index(r, sqlite3_column_int64(stmt, 0)), d;
		const char *code = (const char *)sqlite3_column_text(stmt, 1);

		for (d = 0; d < r->n_disciplines && strcmp(r->disciplines[d], code) != 0; d++)
			;
		if (q == UINT32_MAX || d == r->n_disciplines ||
		    r->tag_ptr[q + 1] >= MASTERY_MAX_DISCIPLINES)
			continue;
		if (grow((void **)&r->tags, &tag_cap, n_tags + 1, sizeof(*r->tags)) < 0)
			goto oom;
		r->tags[n_tags++] = d;
		r->tag_ptr[q + 1]++;      /* counts first, prefix sums below */
	}
	if (rc != SQLITE_DONE)
		goto db;
	sqlite3_finalize(stmt);
	for (uint32_t q = 0; q < r->n_questions; q++)
		r->tag_ptr[q + 1] += r->tag_ptr[q];
	return 0;
oom:
	sqlite3_finalize(stmt);
	qf_error_set(err, "out of memory");
	return -1;
db:
	sqlite3_finalize(stmt);
	return failed(r->db, err);
}

static int
read_answers(struct mastery_run *r, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(r->db, "SELECT user_id, question_id, correct, created_at, id FROM answers"
	    " ORDER BY user_id, created_at, id", -1, &stmt, NULL) != SQLITE_OK)
		return failed(r->db, err);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct answer_row *a;
		uint32_t q = question_index(r, sqlite3_column_int64(stmt, 1));

		if (q == UINT32_MAX)
			continue;
		if (grow((void **)&r->answers, &cap, r->n_answers + 1, sizeof(*r->answers)) < 0) {
			sqlite3_finalize(stmt);
			qf_error_set(err, "out of memory");
			return -1;
		}
		a = &r->answers[r->n_answers++];
		memset(a, 0, sizeof(*a));
		a->user = sqlite3_column_int64(stmt, 0);
		a->question = sqlite3_column_int64(stmt, 1);
		a->question_index = q;
		a->correct = sqlite3_column_int(stmt, 2) ? 1 : 0;
		a->at = sqlite3_column_int64(stmt, 3);
		a->id = sqlite3_column_int64(stmt, 4);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : failed(r->db, err);
}

/* ------------------------------------------------------------- build, fit */

/* The discipline slots of an answer to question 'q': its tags, or the one "no discipline" slot. */
static uint32_t
answer_slots(const struct mastery_run *r, uint32_t q, uint32_t slots[static MASTERY_MAX_DISCIPLINES])
{
	uint32_t n = 0;

	for (uint32_t t = r->tag_ptr[q]; t < r->tag_ptr[q + 1]; t++)
		slots[n++] = r->tags[t];
	if (n == 0)
		slots[n++] = r->n_disciplines;
	return n;
}

/* The learner of cadre 'c' in discipline slot 'd', or UINT32_MAX. */
static uint32_t
learner_of(const struct mastery_run *r, uint32_t c, uint32_t d)
{
	for (uint32_t l = r->cadre_first_learner[c]; l < r->cadre_first_learner[c + 1]; l++)
		if (r->learner_discipline[l] == d)
			return l;
	return UINT32_MAX;
}

/*
 * Numbers the cadres and their learners ((cadre, discipline) in order of
 * first answer) and builds the observations of the answers not held out,
 * each weighted MASTERY_RECENCY^(later answers of the same learner) / |D|.
 */
static int
build_observations(struct mastery_run *r, struct qf_error *err)
{
	size_t cap_obs = 0, cap_l = 0, cap_c = 0, start, end;
	uint32_t *slot = NULL, *later = NULL, slots[MASTERY_MAX_DISCIPLINES];

	if ((slot = malloc((r->n_disciplines + 1) * sizeof(*slot))) == NULL ||
	    (later = malloc((r->n_disciplines + 1) * sizeof(*later))) == NULL)
		goto oom;
	for (start = 0; start < r->n_answers; start = end) {
		uint32_t c = r->n_cadres;
		size_t c1 = cap_c, c2 = cap_c;

		for (end = start; end < r->n_answers && r->answers[end].user == r->answers[start].user; end++)
			;
		if (grow((void **)&r->cadre_user, &c1, c + 2, sizeof(*r->cadre_user)) < 0 ||
		    grow((void **)&r->cadre_answers, &c2, c + 2, sizeof(*r->cadre_answers)) < 0 ||
		    grow((void **)&r->cadre_first_learner, &cap_c, c + 2, sizeof(*r->cadre_first_learner)) < 0)
			goto oom;
		r->cadre_user[c] = r->answers[start].user;
		r->cadre_answers[c] = 0;
		r->cadre_first_learner[c] = r->n_learners;
		r->n_cadres++;
		for (uint32_t d = 0; d <= r->n_disciplines; d++)
			slot[d] = UINT32_MAX, later[d] = 0;
		for (size_t j = start; j < end; j++) {
			uint32_t n = answer_slots(r, r->answers[j].question_index, slots);

			r->answers[j].cadre = c;
			for (uint32_t t = 0; t < n; t++) {
				uint32_t d = slots[t];
				size_t l1 = cap_l;

				if (slot[d] != UINT32_MAX)
					continue;
				if (grow((void **)&r->learner_discipline, &l1, r->n_learners + 1,
				    sizeof(*r->learner_discipline)) < 0 ||
				    grow((void **)&r->learner_answers, &cap_l, r->n_learners + 1,
				    sizeof(*r->learner_answers)) < 0)
					goto oom;
				r->learner_discipline[r->n_learners] = d;
				r->learner_answers[r->n_learners] = 0;
				slot[d] = r->n_learners++;
			}
		}
		r->cadre_first_learner[c + 1] = r->n_learners;
		/* Backwards, so that each answer knows how many of the learner's came after it. */
		for (size_t j = end; j-- > start;) {
			const struct answer_row *a = &r->answers[j];
			uint32_t q = a->question_index, n = answer_slots(r, q, slots);

			if (a->test)
				continue;
			r->question_answers[q]++;
			r->question_correct[q] += a->correct;
			r->cadre_answers[c]++;
			for (uint32_t t = 0; t < n; t++) {
				uint32_t d = slots[t];
				struct mastery_observation *o;

				if (grow((void **)&r->obs, &cap_obs, r->n_obs + 1, sizeof(*r->obs)) < 0)
					goto oom;
				o = &r->obs[r->n_obs++];
				o->cadre = c;
				o->learner = slot[d];
				o->question = q;
				o->weight = (float)(pow(MASTERY_RECENCY, later[d]++) / n);
				o->correct = a->correct;
				r->learner_answers[slot[d]]++;
			}
		}
	}
	free(slot);
	free(later);
	return 0;
oom:
	free(slot);
	free(later);
	qf_error_set(err, "out of memory");
	return -1;
}

static int
fit(struct mastery_run *r, struct qf_error *err)
{
	struct mastery_fit_params p;

	if ((r->ability = calloc((size_t)r->n_cadres + 1, sizeof(double))) == NULL ||
	    (r->deviation = calloc((size_t)r->n_learners + 1, sizeof(double))) == NULL ||
	    (r->difficulty = calloc((size_t)r->n_questions + 1, sizeof(double))) == NULL) {
		qf_error_set(err, "out of memory");
		return -1;
	}
	p.n_cadres = r->n_cadres;
	p.n_learners = r->n_learners;
	p.n_questions = r->n_questions;
	p.prior = r->prior;
	p.ability = r->ability;
	p.deviation = r->deviation;
	p.difficulty = r->difficulty;
	return mastery_fit(r->obs, r->n_obs, &p, &r->report, err);
}

/* ------------------------------------------------------------------ write */

static int
answer_by_user_question(const void *a, const void *b)
{
	const struct answer_row *x = a, *y = b;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	if (x->question != y->question)
		return x->question < y->question ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Rows written, rows left as they were (unchanged), cadres skipped (the app is ahead). */
struct written {
	int64_t cadres, cadres_kept, mastery, mastery_kept, questions, questions_kept,
	    reviews, reviews_kept, cadres_newer;
};

/* Steps an upsert; counts it as written or kept (the WHERE of the update said no). */
static int
upsert(sqlite3 *db, sqlite3_stmt *stmt, int64_t *written, int64_t *kept, struct qf_error *err)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE)
		return failed(db, err);
	if (sqlite3_changes(db) > 0)
		(*written)++;
	else
		(*kept)++;
	return 0;
}

/* The answers the app has counted for a cadre (-1 when it has no row), or -2 on an error. */
static int64_t
stored_answers(sqlite3_stmt *stmt, int64_t user)
{
	int64_t answers = -1;
	int rc;

	sqlite3_bind_int64(stmt, 1, user);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		answers = sqlite3_column_int64(stmt, 0);
	else if (rc != SQLITE_DONE)
		answers = -2;
	sqlite3_reset(stmt);
	return answers;
}

static const char sql_ability[] =
	"INSERT INTO learner_ability(user_id, ability, answers, updated_at) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT(user_id) DO UPDATE SET ability = excluded.ability, answers = excluded.answers,"
	"   updated_at = excluded.updated_at"
	" WHERE (learner_ability.ability, learner_ability.answers)"
	"   IS NOT (excluded.ability, excluded.answers)";
static const char sql_mastery[] =
	"INSERT INTO mastery(user_id, tag_code, value, deviation, answers, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(user_id, tag_code) DO UPDATE SET"
	"   value = excluded.value, deviation = excluded.deviation, answers = excluded.answers,"
	"   updated_at = excluded.updated_at"
	" WHERE (mastery.value, mastery.deviation, mastery.answers)"
	"   IS NOT (excluded.value, excluded.deviation, excluded.answers)";
static const char sql_question[] =
	"INSERT INTO question_stats(question_id, difficulty, answers, correct, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(question_id) DO UPDATE SET"
	"   difficulty = excluded.difficulty, answers = excluded.answers, correct = excluded.correct,"
	"   updated_at = excluded.updated_at WHERE question_stats.answers <= excluded.answers"
	"   AND (question_stats.difficulty, question_stats.answers, question_stats.correct)"
	"    IS NOT (excluded.difficulty, excluded.answers, excluded.correct)";
static const char sql_review[] =
	"INSERT INTO reviews(user_id, question_id, stability, difficulty, reps, lapses, last_correct,"
	"   last_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	" ON CONFLICT(user_id, question_id) DO UPDATE SET stability = excluded.stability,"
	"   difficulty = excluded.difficulty, reps = excluded.reps, lapses = excluded.lapses,"
	"   last_correct = excluded.last_correct, last_at = excluded.last_at, due_at = excluded.due_at"
	" WHERE reviews.reps <= excluded.reps AND (reviews.stability, reviews.difficulty,"
	"   reviews.reps, reviews.lapses, reviews.last_correct, reviews.last_at, reviews.due_at)"
	"   IS NOT (excluded.stability, excluded.difficulty, excluded.reps, excluded.lapses,"
	"   excluded.last_correct, excluded.last_at, excluded.due_at)";

/* Writes cadre 'c': its general ability and its mastery rows, one per discipline answered. */
static int
write_cadre(struct mastery_run *r, uint32_t c, int64_t now, sqlite3_stmt *a, sqlite3_stmt *m,
    struct written *w, struct qf_error *err)
{
	sqlite3_bind_int64(a, 1, r->cadre_user[c]);
	sqlite3_bind_double(a, 2, r->ability[c]);
	sqlite3_bind_int64(a, 3, r->cadre_answers[c]);
	sqlite3_bind_int64(a, 4, now);
	if (upsert(r->db, a, &w->cadres, &w->cadres_kept, err) < 0)
		return -1;
	for (uint32_t l = r->cadre_first_learner[c]; l < r->cadre_first_learner[c + 1]; l++) {
		/* The "no discipline" slot is a nuisance parameter: not a mastery. */
		if (r->learner_discipline[l] == r->n_disciplines)
			continue;
		sqlite3_bind_int64(m, 1, r->cadre_user[c]);
		sqlite3_bind_text(m, 2, r->disciplines[r->learner_discipline[l]], -1, SQLITE_STATIC);
		sqlite3_bind_double(m, 3, mastery_value(r->ability[c] + r->deviation[l]));
		sqlite3_bind_double(m, 4, r->deviation[l]);
		sqlite3_bind_int64(m, 5, r->learner_answers[l]);
		sqlite3_bind_int64(m, 6, now);
		if (upsert(r->db, m, &w->mastery, &w->mastery_kept, err) < 0)
			return -1;
	}
	return 0;
}

static int
write_back(struct mastery_run *r, int64_t now, struct written *w, struct qf_error *err)
{
	sqlite3_stmt *count = NULL, *a = NULL, *m = NULL, *q = NULL, *v = NULL;
	size_t start, end;

	memset(w, 0, sizeof(*w));
	if (db_exec(r->db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (sqlite3_prepare_v2(r->db, "SELECT answers FROM learner_ability WHERE user_id = ?1",
	    -1, &count, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, sql_ability, -1, &a, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, sql_mastery, -1, &m, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, sql_question, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, sql_review, -1, &v, NULL) != SQLITE_OK)
		goto db;

	for (uint32_t c = 0; c < r->n_cadres; c++) {
		int64_t stored = stored_answers(count, r->cadre_user[c]);

		if (stored == -2)
			goto db;
		/* The cadre answered after the snapshot: the app's numbers stand until tomorrow. */
		if (stored > (int64_t)r->cadre_answers[c]) {
			w->cadres_newer++;
			continue;
		}
		if (write_cadre(r, c, now, a, m, w, err) < 0)
			goto out;
	}
	for (uint32_t i = 0; i < r->n_questions; i++) {
		if (r->question_answers[i] == 0)
			continue;
		sqlite3_bind_int64(q, 1, r->question_ids[i]);
		sqlite3_bind_double(q, 2, r->difficulty[i]);
		sqlite3_bind_int64(q, 3, (int64_t)r->question_answers[i]);
		sqlite3_bind_int64(q, 4, (int64_t)r->question_correct[i]);
		sqlite3_bind_int64(q, 5, now);
		if (upsert(r->db, q, &w->questions, &w->questions_kept, err) < 0)
			goto out;
	}
	/* The review schedule: each (cadre, question)'s answers replayed in order. */
	if (r->n_answers > 1)
		qsort(r->answers, r->n_answers, sizeof(*r->answers), answer_by_user_question);
	for (start = 0; start < r->n_answers; start = end) {
		struct review_state s = { 0, 0, 0, 0, 0, 0, 0 };

		for (end = start; end < r->n_answers && r->answers[end].user == r->answers[start].user &&
		    r->answers[end].question == r->answers[start].question; end++)
			review_schedule(&s, r->answers[end].correct, r->answers[end].at);
		sqlite3_bind_int64(v, 1, r->answers[start].user);
		sqlite3_bind_int64(v, 2, r->answers[start].question);
		sqlite3_bind_double(v, 3, s.stability);
		sqlite3_bind_double(v, 4, s.difficulty);
		sqlite3_bind_int64(v, 5, s.reps);
		sqlite3_bind_int64(v, 6, s.lapses);
		sqlite3_bind_int(v, 7, s.last_correct);
		sqlite3_bind_int64(v, 8, s.last_at);
		sqlite3_bind_int64(v, 9, s.due_at);
		if (upsert(r->db, v, &w->reviews, &w->reviews_kept, err) < 0)
			goto out;
	}
	sqlite3_finalize(count);
	sqlite3_finalize(a);
	sqlite3_finalize(m);
	sqlite3_finalize(q);
	sqlite3_finalize(v);
	if (db_exec(r->db, "COMMIT", err) < 0) {
		db_exec(r->db, "ROLLBACK", NULL);
		return -1;
	}
	return 0;
db:
	failed(r->db, err);
out:
	sqlite3_finalize(count);
	sqlite3_finalize(a);
	sqlite3_finalize(m);
	sqlite3_finalize(q);
	sqlite3_finalize(v);
	db_exec(r->db, "ROLLBACK", NULL);
	return -1;
}

/* ------------------------------------------------------------- evaluate */

/* Marks each cadre's latest 'share' of answers (cadres with enough of them) as held out. */
static size_t
hold_out(struct mastery_run *r, double share)
{
	size_t start, end, held = 0;

	for (start = 0; start < r->n_answers; start = end) {
		size_t n, k;

		for (end = start; end < r->n_answers && r->answers[end].user == r->answers[start].user; end++)
			;
		n = end - start;
		if (n < EVALUATE_MIN_ANSWERS)
			continue;
		k = (size_t)ceil(share * (double)n);
		if (k >= n)
			k = n - 1;
		for (size_t j = end - k; j < end; j++)
			r->answers[j].test = 1;
		held += k;
	}
	return held;
}

static double
log_loss(const double *p, const uint8_t *y, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		double q = y[i] ? p[i] : 1 - p[i];

		sum -= log(q < 1e-12 ? 1e-12 : q);
	}
	return n > 0 ? sum / (double)n : 0;
}

static int
answer_by_time(const void *a, const void *b)
{
	const struct answer_row *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Predictions of the held-out answers: nightly fit, online Elo, question baseline. */
static json_t *
evaluate(struct mastery_run *r, size_t held)
{
	double *p_fit = calloc(held + 1, sizeof(double)), *p_elo = calloc(held + 1, sizeof(double));
	double *p_base = calloc(held + 1, sizeof(double));
	uint8_t *y = calloc(held + 1, 1);
	double *ability = calloc((size_t)r->n_cadres + 1, sizeof(double));
	uint32_t *cadre_seen = calloc((size_t)r->n_cadres + 1, sizeof(uint32_t));
	double *deviation = calloc((size_t)r->n_learners + 1, sizeof(double));
	uint32_t *seen = calloc((size_t)r->n_learners + 1, sizeof(uint32_t));
	double *difficulty = calloc((size_t)r->n_questions + 1, sizeof(double));
	uint32_t *question_seen = calloc((size_t)r->n_questions + 1, sizeof(uint32_t));
	struct answer_row *by_time = malloc((r->n_answers + 1) * sizeof(*by_time));
	uint32_t slots[MASTERY_MAX_DISCIPLINES];
	json_t *out = NULL;
	size_t k = 0;

	if (!p_fit || !p_elo || !p_base || !y || !ability || !cadre_seen || !deviation || !seen ||
	    !difficulty || !question_seen || !by_time)
		goto out;
	/* The nightly fit (trained without the held-out answers) and the baseline. */
	for (size_t j = 0; j < r->n_answers; j++) {
		struct answer_row *a = &r->answers[j];
		uint32_t q = a->question_index, n = answer_slots(r, q, slots);
		double sum = 0;

		if (!a->test)
			continue;
		for (uint32_t t = 0; t < n; t++)
			sum += mastery_probability(r->ability[a->cadre] +
			    r->deviation[learner_of(r, a->cadre, slots[t])], r->difficulty[q]);
		p_fit[k] = sum / n;
		p_base[k] = (r->question_correct[q] + 1.0) / (r->question_answers[q] + 2.0);
		y[k] = a->correct;
		a->slot = k++;
	}
	/* The online Elo, replayed over every answer in time order, predicting before it learns. */
	if (r->n_answers > 0) {
		memcpy(by_time, r->answers, r->n_answers * sizeof(*by_time));
		qsort(by_time, r->n_answers, sizeof(*by_time), answer_by_time);
	}
	for (uint32_t q = 0; q < r->n_questions; q++)
		difficulty[q] = r->prior[q];
	for (size_t j = 0; j < r->n_answers; j++) {
		const struct answer_row *a = &by_time[j];
		uint32_t q = a->question_index, nt = r->tag_ptr[q + 1] - r->tag_ptr[q];
		uint32_t count[MASTERY_MAX_DISCIPLINES], learner[MASTERY_MAX_DISCIPLINES];
		double dev[MASTERY_MAX_DISCIPLINES], sum = 0;

		for (uint32_t t = 0; t < nt; t++) {
			learner[t] = learner_of(r, a->cadre, r->tags[r->tag_ptr[q] + t]);
			dev[t] = deviation[learner[t]];
			count[t] = seen[learner[t]];
			sum += mastery_probability(ability[a->cadre] + dev[t], difficulty[q]);
		}
		if (a->test)
			p_elo[a->slot] = nt > 0 ? sum / nt : mastery_probability(ability[a->cadre], difficulty[q]);
		mastery_answer(&ability[a->cadre], cadre_seen[a->cadre], dev, count, nt, &difficulty[q],
		    question_seen[q], a->correct);
		cadre_seen[a->cadre]++;
		question_seen[q]++;
		for (uint32_t t = 0; t < nt; t++) {
			deviation[learner[t]] = dev[t];
			seen[learner[t]]++;
		}
	}
	out = json_pack("{s:I,s:{s:f,s:f,s:f},s:{s:f,s:f,s:f}}", "heldout", (json_int_t)k,
	    "auc", "nightly_fit", mastery_auc(p_fit, y, k), "online_elo", mastery_auc(p_elo, y, k),
	    "question_baseline", mastery_auc(p_base, y, k),
	    "log_loss", "nightly_fit", log_loss(p_fit, y, k), "online_elo", log_loss(p_elo, y, k),
	    "question_baseline", log_loss(p_base, y, k));
out:
	free(p_fit);
	free(p_elo);
	free(p_base);
	free(y);
	free(ability);
	free(cadre_seen);
	free(deviation);
	free(seen);
	free(difficulty);
	free(question_seen);
	free(by_time);
	return out;
}

/* ------------------------------------------------------------------- main */

static void
mastery_usage(FILE *out)
{
	fprintf(out,
	    "usage: qingfeng-train mastery --db PATH [--evaluate [--holdout SHARE]]\n"
	    "Refits mastery per cadre and discipline, question difficulties and the\n"
	    "review schedule from every quiz answer and writes them back in one\n"
	    "transaction. --evaluate writes nothing: it holds out each cadre's latest\n"
	    "answers (SHARE, default %.1f) and prints the AUC of the predictions.\n",
	    EVALUATE_DEFAULT_HOLDOUT);
}

int
cmd_mastery(int argc, char **argv)
{
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "evaluate", no_argument, NULL, 'e' },
		{ "holdout", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mastery_run r;
	struct written w;
	struct qf_error err;
	const char *db_path = NULL;
	double holdout = EVALUATE_DEFAULT_HOLDOUT;
	int64_t t0 = clock_monotonic_us(), now = clock_unix_s();
	int c, evaluating = 0, status = EXIT_INPUT, version;
	size_t held = 0;
	json_t *report = NULL, *evaluation = NULL;
	char *end;

	memset(&r, 0, sizeof(r));
	qf_error_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'e':
			evaluating = 1;
			break;
		case 'o':
			holdout = strtod(optarg, &end);
			if (*end != '\0' || !(holdout > 0 && holdout < 1)) {
				fprintf(stderr, "qingfeng-train: --holdout must be a share between 0 and 1\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			mastery_usage(stdout);
			return 0;
		default:
			mastery_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (db_path == NULL || optind != argc) {
		mastery_usage(stderr);
		return EXIT_USAGE;
	}
	if ((r.db = db_open(db_path, DB_OPEN_EXISTING, &err)) == NULL)
		goto out;
	if ((version = db_schema_version(r.db, &err)) < 0)
		goto out;
	if (version != db_schema_latest()) {
		qf_error_set(&err, "database schema is version %d, this program's is %d:"
		    " start qingfeng-fcgi (or qingfeng-admin) once to migrate", version, db_schema_latest());
		goto out;
	}
	/* One snapshot of the answers and the questions. */
	if (db_exec(r.db, "BEGIN", &err) < 0)
		goto out;
	if (read_questions(&r, &err) < 0 || read_answers(&r, &err) < 0) {
		db_exec(r.db, "ROLLBACK", NULL);
		goto out;
	}
	db_exec(r.db, "COMMIT", NULL);
	if (evaluating)
		held = hold_out(&r, holdout);
	if (build_observations(&r, &err) < 0 || fit(&r, &err) < 0)
		goto out;
	if (evaluating) {
		if ((evaluation = evaluate(&r, held)) == NULL) {
			qf_error_set(&err, "out of memory");
			goto out;
		}
		report = json_pack("{s:I,s:I,s:I,s:I,s:o,s:f}", "answers", (json_int_t)r.n_answers,
		    "cadres", (json_int_t)r.n_cadres, "learners", (json_int_t)r.n_learners, "questions", (json_int_t)r.n_questions,
		    "evaluation", evaluation, "seconds", (clock_monotonic_us() - t0) / 1e6);
	} else {
		if (write_back(&r, now, &w, &err) < 0)
			goto out;
		report = json_pack("{s:I,s:I,s:I,s:I,s:I,s:{s:i,s:b,s:f,s:f},"
		    "s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I},s:I,s:f}",
		    "answers", (json_int_t)r.n_answers, "cadres", (json_int_t)r.n_cadres,
		    "learners", (json_int_t)r.n_learners,
		    "questions", (json_int_t)r.n_questions, "observations", (json_int_t)r.n_obs,
		    "fit", "passes", (int)r.report.passes, "converged", r.report.converged,
		    "log_likelihood", r.report.log_likelihood,
		    "mean_log_likelihood", r.n_obs > 0 ? r.report.log_likelihood / (double)r.n_obs : 0.0,
		    "written", "cadres", (json_int_t)w.cadres, "mastery", (json_int_t)w.mastery,
		    "question_stats", (json_int_t)w.questions, "reviews", (json_int_t)w.reviews,
		    "kept", "cadres", (json_int_t)w.cadres_kept, "mastery", (json_int_t)w.mastery_kept,
		    "question_stats", (json_int_t)w.questions_kept, "reviews", (json_int_t)w.reviews_kept,
		    "cadres_answered_since", (json_int_t)w.cadres_newer,
		    "seconds", (clock_monotonic_us() - t0) / 1e6);
	}
	if (report == NULL) {
		qf_error_set(&err, "out of memory");
		goto out;
	}
	json_dumpf(report, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(report);
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "qingfeng-train: mastery: %s\n", err.text);
	mastery_run_free(&r);
	return status;
}
