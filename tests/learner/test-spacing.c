/*
 * test-spacing.c — the review schedule (model/spacing.c): the recall
 * formula and its interval, intervals that grow on success and reset to a
 * day on failure, more growth for a late (hard-won) success, bounds, and
 * when a question counts as due or fading.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "model/learner.h"
#include "tests/unit/check.h"

#define DAY REVIEW_DAY_S
#define T0 ((int64_t)1781452800)   /* 2026-06-15 00:00 +08 */

#define CHECK_NEAR(got, expected, tolerance) do { \
	double check_g_ = (got), check_e_ = (expected); \
	check_count++; \
	if (!(fabs(check_g_ - check_e_) <= (tolerance))) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected %.9g (+-%g), got %.9g\n", __FILE__, __LINE__, \
		    #got, check_e_, (double)(tolerance), check_g_); \
	} \
} while (0)

static void
test_recall(void)
{
	CHECK_NEAR(review_recall(0, 3), 1.0, 0);
	/* R(S) = (1 + 1/9)^-1 = 0.9: stability is the days until recall falls to 90%. */
	CHECK_NEAR(review_recall(3, 3), 0.9, 1e-12);
	CHECK_NEAR(review_recall(27, 3), 0.5, 1e-12);
	CHECK(review_recall(10, 3) < review_recall(5, 3));
	CHECK(review_recall(10, 30) > review_recall(10, 3));
	CHECK_NEAR(review_recall(-5, 3), 1.0, 0);
	/* interval = 9 S (1/r - 1) = S at r = 0.9. */
	CHECK_NEAR(review_interval_days(7, 0.9), 7, 1e-12);
	CHECK_NEAR(review_interval_days(1, 0.5), 9, 1e-12);
	CHECK_NEAR(review_recall(review_interval_days(4.2, 0.8), 4.2), 0.8, 1e-12);
	CHECK_INT(review_interval_whole_days(7.9, 1), 7);
	CHECK_INT(review_interval_whole_days(0.2, 1), 1);
	CHECK_INT(review_interval_whole_days(100000, 1), REVIEW_MAX_INTERVAL_DAYS);
	CHECK_INT(review_interval_whole_days(50, 0), REVIEW_WRONG_INTERVAL_DAYS);
}

static void
test_first_answer(void)
{
	struct review_state right, wrong;

	memset(&right, 0, sizeof(right));
	memset(&wrong, 0, sizeof(wrong));
	review_schedule(&right, 1, T0);
	review_schedule(&wrong, 0, T0);
	CHECK_NEAR(right.stability, 2.4, 1e-12);
	CHECK_INT(right.due_at, T0 + 2 * DAY);
	CHECK_INT(right.reps, 1);
	CHECK_INT(right.last_correct, 1);
	CHECK_INT(right.last_at, T0);
	CHECK_NEAR(wrong.stability, 0.4, 1e-12);
	CHECK_INT(wrong.due_at, T0 + 1 * DAY);
	CHECK_INT(wrong.lapses, 0);
	CHECK(wrong.difficulty > right.difficulty);
	CHECK(right.difficulty >= 1 && wrong.difficulty <= 10);
}

/* Right on time, again and again: each interval longer than the last, recall at the target. */
static void
test_intervals_grow(void)
{
	struct review_state s;
	int64_t now = T0, last_interval = 0;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 8; i++) {
		int64_t interval;

		review_schedule(&s, 1, now);
		interval = s.due_at - now;
		CHECK(interval > last_interval || interval == REVIEW_MAX_INTERVAL_DAYS * DAY);
		CHECK(review_recall((double)interval / DAY, s.stability) >= REVIEW_TARGET_RETENTION - 1e-12);
		last_interval = interval;
		now = s.due_at;
	}
	printf("eight on-time successes: interval %lld days, stability %.1f\n",
	    (long long)(last_interval / DAY), s.stability);
	CHECK(last_interval >= 60 * DAY);
	CHECK(last_interval <= REVIEW_MAX_INTERVAL_DAYS * DAY);
}

/* A wrong answer after a run of right ones: back tomorrow, stability cut, a lapse counted. */
static void
test_failure_resets(void)
{
	struct review_state s;
	double before;
	int64_t now = T0;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 4; i++) {
		review_schedule(&s, 1, now);
		now = s.due_at;
	}
	before = s.stability;
	review_schedule(&s, 0, now);
	CHECK_INT(s.due_at, now + DAY);
	CHECK(s.stability < before);
	CHECK_INT(s.lapses, 1);
	CHECK_INT(s.last_correct, 0);
	/* The next right answer grows it again from there. */
	before = s.stability;
	review_schedule(&s, 1, s.due_at);
	CHECK(s.stability > before);
	CHECK(s.due_at > now + DAY);
}

/* Stability grows more when recall had fallen: late success > on-time > same-day cramming. */
static void
test_growth_depends_on_recall(void)
{
	struct review_state base, same_day, on_time, late;

	memset(&base, 0, sizeof(base));
	review_schedule(&base, 1, T0);
	same_day = on_time = late = base;
	review_schedule(&same_day, 1, T0 + 600);
	review_schedule(&on_time, 1, base.due_at);
	review_schedule(&late, 1, T0 + 30 * DAY);
	CHECK(same_day.stability < base.stability * 1.05);
	CHECK(on_time.stability > same_day.stability);
	CHECK(late.stability > on_time.stability);
}

static void
test_bounds(void)
{
	struct review_state s;
	int64_t now = T0;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 100; i++) {
		review_schedule(&s, 0, now);
		CHECK(s.difficulty >= 1 && s.difficulty <= 10);
		CHECK(s.stability >= REVIEW_MIN_STABILITY);
		now += DAY;
	}
	CHECK_NEAR(s.difficulty, 10, 0.5);
	for (int i = 0; i < 60; i++) {
		review_schedule(&s, 1, now);
		CHECK(s.stability <= REVIEW_MAX_STABILITY);
		CHECK(s.due_at - now <= REVIEW_MAX_INTERVAL_DAYS * DAY);
		now = s.due_at + 200 * DAY;
	}
}

static void
test_due(void)
{
	struct review_state s;

	memset(&s, 0, sizeof(s));
	review_schedule(&s, 0, T0);
	/* Wrong: not due before tomorrow, although predicted recall is already low. */
	CHECK_INT(review_is_due(&s, T0 + DAY / 2), 0);
	CHECK_INT(review_is_due(&s, T0 + DAY), 1);

	memset(&s, 0, sizeof(s));
	review_schedule(&s, 1, T0);
	CHECK_INT(review_is_due(&s, T0 + DAY), 0);
	CHECK_INT(review_is_due(&s, s.due_at), 1);
	/* Fading: right long ago, its due date pushed out (by an old schedule), recall under 0.9. */
	s.due_at = T0 + 365 * DAY;
	CHECK_INT(review_is_due(&s, T0 + 2 * DAY), 0);
	CHECK_INT(review_is_due(&s, T0 + 3 * DAY), 1);
}

int
main(void)
{
	test_recall();
	test_first_answer();
	test_intervals_grow();
	test_failure_resets();
	test_growth_depends_on_recall();
	test_bounds();
	test_due();
	return check_report("test-spacing");
}
