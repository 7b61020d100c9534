/*
 * spacing.c — the spaced-review schedule of one cadre on one question,
 * FSRS-style: stability grows with each right answer, more when the answer
 * came late (low predicted recall); a wrong answer shrinks it and brings the
 * question back the next day. learner.h has the equations.
 */
#include "config.h"

#include <math.h>

#include "learner.h"

/*
 * FSRS v4 default weights (open-spaced-repetition/fsrs4anki, 2023), fitted
 * on millions of Anki reviews. Only grades Again (1) and Good (3) occur: a
 * quiz answer is right or wrong.
 */
static const double w[17] = {
	0.4, 0.6, 2.4, 5.8,        /* w0-w3: first stability for Again, Hard, Good, Easy */
	4.93, 0.94,                /* w4, w5: first difficulty */
	0.86, 0.01,                /* w6: difficulty step, w7: mean reversion */
	1.49, 0.14, 0.94,          /* w8-w10: stability after a success */
	2.18, 0.05, 0.34, 1.26,    /* w11-w14: stability after a lapse */
	0.29, 2.61,                /* w15, w16: Hard and Easy factors (unused) */
};

#define GRADE_AGAIN 1
#define GRADE_GOOD 3

double
review_recall(double elapsed_days, double stability)
{
	if (elapsed_days < 0)
		elapsed_days = 0;
	if (stability < REVIEW_MIN_STABILITY)
		stability = REVIEW_MIN_STABILITY;
	return 1.0 / (1.0 + elapsed_days / (9.0 * stability));
}

double
review_interval_days(double stability, double retention)
{
	return 9.0 * stability * (1.0 / retention - 1.0);
}

static double
clamp(double x, double lo, double hi)
{
	if (isnan(x))
		return lo;
	return x < lo ? lo : x > hi ? hi : x;
}

int
review_interval_whole_days(double stability, int correct)
{
	double days;

	if (!correct)
		return REVIEW_WRONG_INTERVAL_DAYS;
	/*
	 * Rounded down: on the due day recall is still at or above the target,
	 * so a question is never left fading before it is due.
	 */
	days = floor(review_interval_days(stability, REVIEW_TARGET_RETENTION));
	return (int)clamp(days, 1, REVIEW_MAX_INTERVAL_DAYS);
}

/* D0(G) = w4 - (G - 3) w5 */
static double
first_difficulty(int grade)
{
	return clamp(w[4] - (grade - 3) * w[5], 1, 10);
}

void
review_schedule(struct review_state *s, int correct, int64_t now)
{
	int grade = correct ? GRADE_GOOD : GRADE_AGAIN;
	double stability, difficulty;

	if (s->reps == 0) {
		stability = correct ? w[2] : w[0];
		difficulty = first_difficulty(grade);
	} else {
		double elapsed = (double)(now - s->last_at) / REVIEW_DAY_S;
		double recall = review_recall(elapsed, s->stability);
		double d = clamp(s->difficulty, 1, 10), old = clamp(s->stability,
		    REVIEW_MIN_STABILITY, REVIEW_MAX_STABILITY);

		if (correct)
			stability = old * (1 + exp(w[8]) * (11 - d) * pow(old, -w[9]) *
			    (exp(w[10] * (1 - recall)) - 1));
		else {
			stability = w[11] * pow(d, -w[12]) * (pow(old + 1, w[13]) - 1) *
			    exp(w[14] * (1 - recall));
			if (stability > old)
				stability = old;
			s->lapses++;
		}
		difficulty = w[7] * first_difficulty(GRADE_GOOD) +
		    (1 - w[7]) * (d - w[6] * (grade - 3));
	}
	s->stability = clamp(stability, REVIEW_MIN_STABILITY, REVIEW_MAX_STABILITY);
	s->difficulty = clamp(difficulty, 1, 10);
	s->reps++;
	s->last_correct = correct ? 1 : 0;
	s->last_at = now;
	s->due_at = now + (int64_t)review_interval_whole_days(s->stability, correct) * REVIEW_DAY_S;
}

int
review_is_due(const struct review_state *s, int64_t now)
{
	if (s->due_at <= now)
		return 1;
	/* Fading: right long ago, recall now under the target. */
	return s->last_correct &&
	    review_recall((double)(now - s->last_at) / REVIEW_DAY_S, s->stability) < REVIEW_TARGET_RETENTION;
}
