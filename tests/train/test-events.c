/*
 * test-events.c — the event weights and the time-ordered hold-out of
 * train/events.c on small arrays: capped opens and completions, the
 * largest progress, dismiss as negative evidence unless the cadre came
 * back, and the per-user and by-days splits (no event after a cadre's
 * cut-off reaches training).
 */
#include "config.h"

#include <stdlib.h>

#include "train/extern.h"
#include "tests/model/check-model.h"

static struct train_event
ev(int64_t user, int64_t item, int kind, int64_t at, float value)
{
	struct train_event e = { user, item, at, value, (unsigned char)kind,
	    value >= 0 };

	return e;
}

static float
strength(const struct train_event *e, size_t n, int64_t before, int *obs)
{
	return train_pair_strength(e, n, before, obs);
}

/* The weight of (user, item) in 't', or NAN when absent. */
static float
weight_of(const struct train_triples *t, int64_t user, int64_t item)
{
	size_t j;

	for (j = 0; j < t->n; j++)
		if (t->v[j].user == user && t->v[j].item == item)
			return t->v[j].weight;
	return NAN;
}

int
main(void)
{
	struct train_event e[16];
	struct train_events all = { 0 };
	struct train_split s;
	struct qf_error err;
	int observed, j, i;

	/* Opens count up to 3, completions up to 2, progress its largest. */
	for (j = 0; j < 5; j++)
		e[j] = ev(1, 1, TRAIN_EVENT_OPEN, 10 + j, -1);
	CHECK_NEAR(strength(e, 5, INT64_MAX, &observed), 3.0, 1e-6);
	CHECK(observed);
	e[5] = ev(1, 1, TRAIN_EVENT_PROGRESS, 20, 0.5f);
	e[6] = ev(1, 1, TRAIN_EVENT_PROGRESS, 21, 0.8f);
	e[7] = ev(1, 1, TRAIN_EVENT_PROGRESS, 22, 7.0f);   /* clamped to 1 */
	CHECK_NEAR(strength(e, 7, INT64_MAX, &observed), 3.0 + 1.6, 1e-6);
	CHECK_NEAR(strength(e, 8, INT64_MAX, &observed), 3.0 + 2.0, 1e-6);
	for (j = 8; j < 11; j++)
		e[j] = ev(1, 1, TRAIN_EVENT_COMPLETE, 30 + j, -1);
	CHECK_NEAR(strength(e, 11, INT64_MAX, &observed), 3 + 2 + 8, 1e-6);
	/* Progress without a value counts as half. */
	e[0] = ev(1, 1, TRAIN_EVENT_PROGRESS, 5, -1);
	CHECK_NEAR(strength(e, 1, INT64_MAX, &observed), 1.0, 1e-6);
	/* Only events before the cut-off. */
	e[0] = ev(1, 1, TRAIN_EVENT_OPEN, 10, -1);
	CHECK_NEAR(strength(e, 11, 20, &observed), 3.0, 1e-6);
	CHECK_NEAR(strength(e, 11, 10, &observed), 0.0, 0);
	CHECK(!observed);

	/* A standing dismiss is negative evidence; coming back overrides it. */
	e[0] = ev(1, 1, TRAIN_EVENT_OPEN, 10, -1);
	e[1] = ev(1, 1, TRAIN_EVENT_DISMISS, 11, -1);
	CHECK_NEAR(strength(e, 2, INT64_MAX, &observed),
	    -TRAIN_DISMISS_STRENGTH, 0);
	CHECK(observed);
	e[2] = ev(1, 1, TRAIN_EVENT_COMPLETE, 12, -1);
	CHECK_NEAR(strength(e, 3, INT64_MAX, &observed), 5.0, 1e-6);
	CHECK_NEAR(strength(e, 1 + 1, INT64_MAX, &observed), -2.0, 0);
	e[0] = ev(1, 1, TRAIN_EVENT_DISMISS, 10, -1);
	CHECK_NEAR(strength(e, 1, INT64_MAX, &observed), -2.0, 0);

	/*
	 * The split. User 1: items 1..4 first met at 100, 200, 300, 400;
	 * item 2 completed again at 450 (after the cut-off: training must
	 * not see it). User 2: two items, kept whole. User 3: one dismiss.
	 */
	for (i = 1; i <= 4; i++) {
		CHECK(train_events_push(&all, &(struct train_event){ 1, i,
		    i * 100, 0, TRAIN_EVENT_OPEN, 0 }) == 0);
		if (i == 2)
			CHECK(train_events_push(&all, &(struct train_event){ 1, 2,
			    450, 0, TRAIN_EVENT_COMPLETE, 0 }) == 0);
	}
	CHECK(train_events_push(&all, &(struct train_event){ 2, 1, 500, 0,
	    TRAIN_EVENT_COMPLETE, 0 }) == 0);
	CHECK(train_events_push(&all, &(struct train_event){ 2, 3, 600, 0,
	    TRAIN_EVENT_OPEN, 0 }) == 0);
	CHECK(train_events_push(&all, &(struct train_event){ 3, 2, 50, 0,
	    TRAIN_EVENT_DISMISS, 0 }) == 0);

	CHECK_OK(train_split(&all, 2, 0, &s, &err), err);
	CHECK_INT(s.all.n, 7);
	CHECK_INT(s.test.n, 2);
	CHECK(isnan(weight_of(&s.test, 1, 2)) && isnan(weight_of(&s.test, 1, 1)));
	CHECK_NEAR(weight_of(&s.test, 1, 3), 1.0, 0);
	CHECK_NEAR(weight_of(&s.test, 1, 4), 1.0, 0);
	CHECK_INT(s.test_first[0], 300);
	/* Training: user 1's items 1 and 2 as of before 300 (no completion). */
	CHECK_NEAR(weight_of(&s.train, 1, 2), 1.0, 0);
	CHECK_NEAR(weight_of(&s.all, 1, 2), 5.0, 1e-6);
	CHECK(isnan(weight_of(&s.train, 1, 3)));
	CHECK_NEAR(weight_of(&s.train, 2, 1), 4.0, 0);
	CHECK_NEAR(weight_of(&s.train, 3, 2), -2.0, 0);
	CHECK_INT(s.test_users, 1);
	CHECK_INT(s.train_users, 2);
	train_split_free(&s);

	/* Holding out 3 of user 1's 4 keeps one in training. */
	CHECK_OK(train_split(&all, 3, 0, &s, &err), err);
	CHECK_INT(s.test.n, 3);
	train_split_free(&s);
	/* Holding out all 4 is not done: the user stays whole. */
	CHECK_OK(train_split(&all, 4, 0, &s, &err), err);
	CHECK_INT(s.test.n, 0);
	train_split_free(&s);

	/* By days: one cut-off for all, 3 days before the latest event. */
	for (j = 0; j < (int)all.n; j++)
		all.v[j].at *= 86400 / 100;
	CHECK_OK(train_split(&all, 0, 3, &s, &err), err);
	CHECK_INT(s.cutoff, 6 * 86400 - 3 * 86400 + 1);
	CHECK(!isnan(weight_of(&s.test, 2, 3)));    /* day 6 */
	CHECK(!isnan(weight_of(&s.test, 1, 4)));    /* day 4 */
	CHECK(isnan(weight_of(&s.test, 1, 3)));     /* day 3 */
	CHECK_NEAR(weight_of(&s.train, 1, 2), 1.0, 0);   /* its day-4.5 completion later */
	train_split_free(&s);

	/* Unsorted input and a bad mode are refused. */
	all.v[0].user = 9;
	CHECK_FAILS(train_split(&all, 2, 0, &s, &err), err, "not sorted");
	CHECK_FAILS(train_split(&all, 0, 0, &s, &err), err, "either");
	train_events_free(&all);
	return check_report("test-events");
}
