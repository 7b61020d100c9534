/*
 * test-learner-db.c — fcgi/learner.c on a real migrated database: an
 * answer writes its row, a mastery step and a review schedule in the
 * caller's transaction; a repeated client_id counts once; mastery is null
 * until answered and moves the right way; weak disciplines need three
 * answers; reviews come due after their day or when fading, only for
 * questions still published; study minutes credit each item once a year.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "fcgi/extern.h"
#include "tests/unit/check.h"

#define DAY 86400
#define T0 ((int64_t)1781452800)   /* 2026-06-15 00:00 +08 (2026-06-14T16:00Z) */

static char path[] = "/tmp/qf-test-learner-XXXXXX";
static sqlite3 *db;

static void
exec(const char *sql)
{
	struct qf_error err;

	qf_error_init(&err);
	if (db_exec(db, sql, &err) < 0) {
		fprintf(stderr, "setup failed: %s\n%s\n", err.text, sql);
		exit(99);
	}
}

static int64_t
query_int(const char *sql)
{
	sqlite3_stmt *stmt;
	int64_t value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

static double
query_double(const char *sql)
{
	sqlite3_stmt *stmt;
	double value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_double(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

/*
 * Users 1 (cadre A) and 2 (cadre B); items 1 (20 min), 2 (15 min), 3
 * (retired, 30 min); questions 1-2 of item 1 (integrity), 3 of item 2
 * (integrity + political), 4 standalone (work), 5 of item 3 (retired item,
 * integrity), 6 retired (integrity), 7 untagged.
 */
static void
setup(void)
{
	struct qf_error err;
	int fd = mkstemp(path);

	close(fd);
	unlink(path);
	qf_error_init(&err);
	if ((db = db_open(path, DB_OPEN_CREATE, &err)) == NULL || db_migrate(db, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.text);
		exit(99);
	}
	exec("INSERT INTO tags(code, kind, label) VALUES"
	    " ('discipline.political', 'discipline', '政治纪律'),"
	    " ('discipline.organisational', 'discipline', '组织纪律'),"
	    " ('discipline.integrity', 'discipline', '廉洁纪律'),"
	    " ('discipline.mass', 'discipline', '群众纪律'),"
	    " ('discipline.work', 'discipline', '工作纪律'),"
	    " ('discipline.life', 'discipline', '生活纪律'),"
	    " ('discipline.family', 'discipline', '家风建设'),"
	    " ('risk.tendering', 'risk', '招投标');"
	    "INSERT INTO units(id, name) VALUES (1, '某单位');"
	    "INSERT INTO users(id, login, password_hash, name, role, unit_id) VALUES"
	    " (1, 'a', 'x', '甲', 'cadre', 1), (2, 'b', 'x', '乙', 'cadre', 1);"
	    "INSERT INTO items(id, kind, status, title, minutes, difficulty) VALUES"
	    " (1, 'case', 'published', '案例一', 20, 3), (2, 'lesson', 'published', '微课二', 15, 5),"
	    " (3, 'case', 'retired', '旧案例', 30, 3);"
	    "INSERT INTO questions(id, item_id, type, status, stem, choices, answer) VALUES"
	    " (1, 1, 'single', 'published', 'q1', '[\"a\",\"b\"]', '[0]'),"
	    " (2, 1, 'single', 'published', 'q2', '[\"a\",\"b\"]', '[1]'),"
	    " (3, 2, 'multiple', 'published', 'q3', '[\"a\",\"b\",\"c\"]', '[0,2]'),"
	    " (4, NULL, 'truefalse', 'published', 'q4', '[\"对\",\"错\"]', '[0]'),"
	    " (5, 3, 'single', 'published', 'q5', '[\"a\",\"b\"]', '[0]'),"
	    " (6, 1, 'single', 'retired', 'q6', '[\"a\",\"b\"]', '[0]'),"
	    " (7, NULL, 'single', 'published', 'q7', '[\"a\",\"b\"]', '[0]');"
	    "INSERT INTO question_tags(question_id, tag_code) VALUES"
	    " (1, 'discipline.integrity'), (2, 'discipline.integrity'), (3, 'discipline.integrity'),"
	    " (3, 'discipline.political'), (4, 'discipline.work'), (5, 'discipline.integrity'),"
	    " (6, 'discipline.integrity'), (3, 'risk.tendering');");
}

/* Records one answer in its own transaction; returns the learner_rc. */
static int
answer(int64_t user, int64_t question, int correct, const char *client_id, int64_t now,
    struct learner_answer_outcome *out)
{
	struct qf_error err;
	int rc;

	qf_error_init(&err);
	exec("BEGIN IMMEDIATE");
	rc = learner_answer_record(db, user, question, correct ? "[0]" : "[1]", correct, client_id,
	    now, out, &err);
	if (rc == LEARNER_DB_ERROR)
		fprintf(stderr, "answer: %s\n", err.text);
	exec(rc == LEARNER_OK ? "COMMIT" : "ROLLBACK");
	return rc;
}

static const struct learner_discipline *
find(const struct learner_discipline *list, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].code, code) == 0)
			return &list[i];
	return NULL;
}

static void
test_dates(void)
{
	char date[11];

	CHECK_INT(learner_day_start(T0), T0);
	CHECK_INT(learner_day_start(T0 + DAY - 1), T0);
	CHECK_INT(learner_day_start(T0 - 1), T0 - DAY);
	CHECK_INT(learner_year_start(T0), 1767196800);      /* 2026-01-01 00:00 +08 */
	CHECK_INT(learner_year_end(T0), 1798732800);        /* 2027-01-01 00:00 +08 */
	CHECK_INT(learner_year_start(1767196800), 1767196800);
	CHECK_INT(learner_year_start(1767196799), 1735660800);  /* 2025-12-31 23:59:59 +08 */
	learner_format_date(T0, date);
	CHECK_STR(date, "2026-06-15");
	learner_format_date(T0 - 1, date);
	CHECK_STR(date, "2026-06-14");
}

static void
test_answers(void)
{
	struct learner_answer_outcome o;
	struct learner_discipline *list;
	size_t n;
	struct qf_error err;
	char date[11];

	qf_error_init(&err);
	/* Before any answer: seven disciplines in order, no value. */
	CHECK_INT(learner_mastery_list(db, 1, &list, &n, &err), 0);
	CHECK_INT(n, 7);
	CHECK_STR(list[0].code, "discipline.political");
	CHECK_STR(list[2].code, "discipline.integrity");
	CHECK_STR(list[2].label, "廉洁纪律");
	CHECK_STR(list[6].code, "discipline.family");
	for (size_t i = 0; i < n; i++)
		CHECK_INT(list[i].has_value, 0);
	free(list);

	/* A right answer: one row each in answers, mastery, question_stats, reviews. */
	CHECK_INT(answer(1, 1, 1, "c-1", T0, &o), LEARNER_OK);
	CHECK_INT(o.correct, 1);
	CHECK_INT(o.duplicate, 0);
	CHECK_INT(o.discipline_count, 1);
	CHECK_STR(o.disciplines[0].code, "discipline.integrity");
	CHECK_INT(o.disciplines[0].has_value, 1);
	CHECK(o.disciplines[0].value > 0.5);
	CHECK_INT(o.next_review_at, T0 + 2 * DAY);
	learner_format_date(o.next_review_at, date);
	CHECK_STR(date, "2026-06-17");
	CHECK_INT(query_int("SELECT count(*) FROM answers WHERE user_id = 1"), 1);
	CHECK_INT(query_int("SELECT answers FROM mastery WHERE user_id = 1 AND tag_code = 'discipline.integrity'"), 1);
	CHECK_INT(query_int("SELECT answers FROM question_stats WHERE question_id = 1"), 1);
	CHECK(query_double("SELECT difficulty FROM question_stats WHERE question_id = 1") < 0);
	CHECK_INT(query_int("SELECT due_at FROM reviews WHERE user_id = 1 AND question_id = 1"), T0 + 2 * DAY);

	/* The same client_id again: the first answer stands, nothing is written. */
	CHECK_INT(answer(1, 1, 0, "c-1", T0 + 60, &o), LEARNER_DUPLICATE);
	CHECK_INT(o.duplicate, 1);
	CHECK_INT(o.correct, 1);
	CHECK_INT(o.discipline_count, 1);
	CHECK_INT(o.next_review_at, T0 + 2 * DAY);
	CHECK_INT(query_int("SELECT count(*) FROM answers WHERE user_id = 1"), 1);
	CHECK_INT(query_int("SELECT answers FROM mastery WHERE user_id = 1 AND tag_code = 'discipline.integrity'"), 1);
	/* ... for another question: a conflict. Another cadre may use the same id. */
	CHECK_INT(answer(1, 2, 1, "c-1", T0 + 60, &o), LEARNER_CONFLICT);
	CHECK_INT(answer(2, 1, 1, "c-1", T0 + 60, &o), LEARNER_OK);

	/* A wrong answer lowers mastery; it comes back tomorrow. */
	{
		double before = query_double("SELECT value FROM mastery WHERE user_id = 1"
		    " AND tag_code = 'discipline.integrity'");

		CHECK_INT(answer(1, 2, 0, NULL, T0 + 3600, &o), LEARNER_OK);
		CHECK(o.disciplines[0].value < before);
		CHECK_INT(o.next_review_at, T0 + 3600 + DAY);
	}
	/* Two disciplines move together; the risk tag is no discipline. */
	CHECK_INT(answer(1, 3, 0, NULL, T0 + 7200, &o), LEARNER_OK);
	CHECK_INT(o.discipline_count, 2);
	CHECK_STR(o.disciplines[0].code, "discipline.political");
	CHECK_STR(o.disciplines[1].code, "discipline.integrity");
	CHECK(o.disciplines[0].value < 0.5);
	/* An untagged question: an answer and a review, no mastery. */
	CHECK_INT(answer(1, 7, 1, NULL, T0 + 7300, &o), LEARNER_OK);
	CHECK_INT(o.discipline_count, 0);
	CHECK(o.next_review_at > 0);

	CHECK_INT(learner_mastery_list(db, 1, &list, &n, &err), 0);
	CHECK_INT(n, 7);
	{
		const struct learner_discipline *integrity = find(list, n, "discipline.integrity");
		const struct learner_discipline *political = find(list, n, "discipline.political");
		const struct learner_discipline *family = find(list, n, "discipline.family");

		CHECK(integrity != NULL && integrity->has_value && integrity->value < LEARNER_WEAK_MASTERY);
		CHECK_INT(integrity ? integrity->answers : -1, 3);
		CHECK_INT(integrity ? integrity->wrong : -1, 2);
		CHECK_INT(political ? political->answers : -1, 1);
		CHECK_INT(family ? family->has_value : -1, 0);
	}
	free(list);
}

static void
test_weak(void)
{
	struct learner_answer_outcome o;
	struct learner_discipline *weak;
	size_t n;
	struct qf_error err;

	qf_error_init(&err);
	/* Cadre 1: integrity has three answers, two wrong, mastery under 0.6: weak. Political has one. */
	CHECK_INT(learner_weak_disciplines(db, 1, &weak, &n, &err), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(weak[0].code, "discipline.integrity");
		CHECK_STR(weak[0].label, "廉洁纪律");
		CHECK_INT(weak[0].wrong, 2);
		CHECK(weak[0].value < LEARNER_WEAK_MASTERY);
	}
	free(weak);
	/* Cadre 2: one right answer: nothing weak. */
	CHECK_INT(learner_weak_disciplines(db, 2, &weak, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK(weak == NULL);
	/*
	 * Three wrong answers on work: weak too. They lower the cadre's general
	 * ability, so integrity (answered right once) falls as well, less.
	 */
	{
		double integrity = query_double("SELECT value FROM mastery WHERE user_id = 2"
		    " AND tag_code = 'discipline.integrity'"), work;

		for (int i = 0; i < 3; i++)
			CHECK_INT(answer(2, 4, 0, NULL, T0 + i * 60, &o), LEARNER_OK);
		work = query_double("SELECT value FROM mastery WHERE user_id = 2 AND tag_code = 'discipline.work'");
		CHECK(query_double("SELECT value FROM mastery WHERE user_id = 2"
		    " AND tag_code = 'discipline.integrity'") < integrity);
		CHECK(query_double("SELECT value FROM mastery WHERE user_id = 2"
		    " AND tag_code = 'discipline.integrity'") > work);
		CHECK_INT(query_int("SELECT answers FROM learner_ability WHERE user_id = 2"), 4);
	}
	CHECK_INT(learner_weak_disciplines(db, 2, &weak, &n, &err), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(weak[0].code, "discipline.work");
		CHECK_INT(weak[0].wrong, 1);          /* one question, answered wrong three times */
		CHECK_INT(weak[0].answers, 3);
	}
	free(weak);
}

static void
test_reviews(void)
{
	struct learner_review *list;
	struct qf_error err;
	size_t n;

	qf_error_init(&err);
	/* Today (T0 + 2 h): nothing due. Question 2 (wrong at T0 + 1 h) is due tomorrow. */
	CHECK_INT(learner_reviews_due(db, 1, T0 + 7400, 100, &list, &n, &err), 0);
	CHECK_INT(n, 0);
	free(list);
	/* Tomorrow: questions 2 and 3 (both wrong), with their items. */
	CHECK_INT(learner_reviews_due(db, 1, T0 + DAY + 10, 100, &list, &n, &err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(list[0].question_id, 2);
		CHECK_INT(list[0].item_id, 1);
		CHECK_INT(list[0].due, 1);
		CHECK_INT(list[0].last_correct, 0);
		CHECK_INT(list[1].question_id, 3);
		CHECK_INT(list[1].item_id, 2);
	}
	free(list);
	/* At 23:01 today, a review due at 01:00 tomorrow is not due yet. */
	CHECK_INT(learner_reviews_due(db, 1, T0 + DAY - 3500, 100, &list, &n, &err), 0);
	CHECK_INT(n, 0);
	free(list);
	/* In a week: 1 (right, 2 days), 7 (standalone, right) too; upcoming listed with due 0. */
	CHECK_INT(learner_reviews(db, 1, T0 + 7400, T0 + 8 * DAY, 100, &list, &n, &err), 0);
	CHECK_INT(n, 4);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(list[i].due, 0);
	free(list);
	CHECK_INT(learner_reviews_due(db, 1, T0 + 7 * DAY, 100, &list, &n, &err), 0);
	CHECK_INT(n, 4);
	{
		int saw_standalone = 0;

		for (size_t i = 0; i < n; i++)
			if (list[i].question_id == 7)
				saw_standalone = list[i].item_id == 0;
		CHECK(saw_standalone);
	}
	free(list);

	/* Questions no longer published, or in a retired item, never come back. */
	exec("INSERT INTO reviews(user_id, question_id, stability, difficulty, reps, last_correct, last_at, due_at)"
	    " VALUES (2, 5, 1, 5, 1, 0, 0, 0), (2, 6, 1, 5, 1, 0, 0, 0)");
	CHECK_INT(learner_reviews_due(db, 2, T0 + 30 * DAY, 100, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		CHECK(list[i].question_id != 5 && list[i].question_id != 6);
	free(list);

	/* Fading: right 30 days ago with a 2.4-day stability, its due date far away: due now. */
	exec("UPDATE reviews SET last_correct = 1, stability = 2.4, last_at = 1781452800 - 30 * 86400,"
	    " due_at = 1781452800 + 300 * 86400 WHERE user_id = 2 AND question_id = 1");
	CHECK_INT(learner_reviews_due(db, 2, T0, 100, &list, &n, &err), 0);
	{
		int fading = 0;

		for (size_t i = 0; i < n; i++)
			if (list[i].question_id == 1) {
				fading = 1;
				CHECK(list[i].recall < 0.9);
				CHECK_INT(list[i].due_at, T0);
			}
		CHECK(fading);
	}
	free(list);
	/* The limit holds. */
	CHECK_INT(learner_reviews_due(db, 1, T0 + 7 * DAY, 1, &list, &n, &err), 0);
	CHECK_INT(n, 1);
	free(list);
}

static void
test_study(void)
{
	struct learner_study s;
	struct qf_error err;
	int64_t minutes, answers, correct;

	qf_error_init(&err);
	CHECK_INT(learner_study_year(db, 1, T0, &s, &err), 0);
	CHECK_INT(s.minutes_year, 0);
	CHECK_INT(s.items_total, 0);
	/* Item 1 completed twice, item 2 once, item 3 (retired since) once, item 2 last year too. */
	exec("INSERT INTO events(user_id, item_id, kind, created_at) VALUES"
	    " (1, 1, 'complete', 1781452800), (1, 1, 'complete', 1781452800 + 100),"
	    " (1, 2, 'complete', 1781452800 + 200), (1, 3, 'complete', 1781452800 + 300),"
	    " (1, 2, 'complete', 1767196800 - 10), (1, 1, 'open', 1781452800),"
	    " (1, 2, 'progress', 1781452800), (2, 1, 'complete', 1781452800)");
	CHECK_INT(learner_study_year(db, 1, T0 + DAY, &s, &err), 0);
	CHECK_INT(s.minutes_year, 20 + 15 + 30);
	CHECK_INT(s.items_year, 3);
	CHECK_INT(s.items_total, 3);
	CHECK_INT(s.year_start, 1767196800);
	CHECK_INT(learner_study_minutes_year(db, 1, T0, &minutes, &err), 0);
	CHECK_INT(minutes, 65);
	/* Last year: only item 2. */
	CHECK_INT(learner_study_minutes_year(db, 1, 1767196800 - 5, &minutes, &err), 0);
	CHECK_INT(minutes, 15);
	CHECK_INT(learner_study_minutes_year(db, 2, T0, &minutes, &err), 0);
	CHECK_INT(minutes, 20);
	CHECK_INT(learner_answer_counts(db, 1, &answers, &correct, &err), 0);
	CHECK_INT(answers, 4);
	CHECK_INT(correct, 2);
}

/* A mastery row seeded from elsewhere (value, no answers) starts the Elo step from its value. */
static void
test_seeded_row(void)
{
	struct learner_answer_outcome o;

	exec("INSERT INTO mastery(user_id, tag_code, value) VALUES (2, 'discipline.political', 0.9)");
	CHECK_INT(answer(2, 3, 1, NULL, T0, &o), LEARNER_OK);
	CHECK_STR(o.disciplines[0].code, "discipline.political");
	CHECK(o.disciplines[0].value > 0.9);
	CHECK_INT(o.disciplines[0].answers, 1);
}

int
main(void)
{
	setup();
	test_dates();
	test_answers();
	test_weak();
	test_reviews();
	test_study();
	test_seeded_row();
	db_close(db);
	unlink(path);
	{
		char side[sizeof(path) + 8];

		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
	return check_report("test-learner-db");
}
