/*
 * learner.h — the maths of a learner: mastery per discipline by knowledge
 * tracing (mastery.c) and the spaced-review schedule (spacing.c). Pure
 * functions on numbers, no SQL and no clock: the FastCGI app (fcgi/learner.c)
 * applies them at each answer, `qingfeng-train mastery` refits them nightly.
 *
 * ---------------------------------------------------------------- mastery
 *
 * A hierarchical Rasch (one-parameter logistic) model: each cadre u has a
 * general ability a[u], and in each discipline d a deviation e[u,d] from
 * it; each question q a difficulty b[q]; all on the logit scale:
 *
 *     P(right | u, d, q) = s(a[u] + e[u,d] - b[q]),   s(x) = 1 / (1 + e^-x)
 *
 * The general ability pools what a cadre shows across disciplines, so a
 * discipline with three answers is not judged on three answers alone
 * (a cadre who knows the regulations well tends to, everywhere); the
 * deviation is what sets one discipline apart. The reported mastery of
 * discipline d is the chance of a right answer on a question of average
 * difficulty (b = 0): value = s(a[u] + e[u,d]), in (0, 1).
 *
 * Online (at each answer, Elo-style; Pelanek 2016, "Applications of the
 * Elo rating system in adaptive educational systems", and its hierarchical
 * global + local skill variant): with y = 1 for a right answer, 0 for a
 * wrong one, D the disciplines of the question (an untagged question has
 * one term with no deviation), p_d = s(a[u] + e[u,d] - b[q]), r_d = y - p_d
 * and r the mean of the r_d:
 *
 *     a[u]   += K(n[u])           r
 *     e[u,d] += K_dev(n[u,d])     r_d
 *     b[q]   -= K(n[q])           r
 *
 * where K(n) = MASTERY_K0 / (1 + MASTERY_K_DECAY n), K_dev the same with
 * MASTERY_K0_DEVIATION, shrink with the answers n seen so far: early
 * answers move an estimate a lot, later ones refine it. Every parameter is
 * clamped to [-MASTERY_BOUND, MASTERY_BOUND].
 *
 * Nightly (joint maximum likelihood): over all answers x = (u, q, y) and
 * the disciplines d of q, maximise
 *
 *     L = sum_x sum_d w_x [y log p + (1 - y) log(1 - p)]
 *         - la/2 sum a^2 - le/2 sum e^2 - lb/2 sum (b - b0)^2
 *
 * with p = s(a[u] + e[u,d] - b[q]); w_x = MASTERY_RECENCY^k / |D| (k = the
 * later answers of the same cadre in the same discipline, so the estimate
 * follows a cadre who improves; 1/|D| so that each answer counts once);
 * ridges la, le, lb (MASTERY_RIDGE_*) that keep all-right or all-wrong
 * patterns finite and pull a sparsely answered deviation towards 0 and a
 * sparsely answered question towards its prior b0 (from its item's 1-5
 * difficulty). Each pass takes one damped Newton step per parameter (a,
 * then e, then b), e.g. for a:
 *
 *     a += (sum w (y - p) - la a) / (sum w p (1 - p) + la)
 *
 * (steps clamped to +-1), until no parameter moves more than the tolerance.
 * The fit starts from a = e = 0, b = b0 every night, so it is a function of
 * the answers alone: running it twice gives the same numbers.
 *
 * ----------------------------------------------------------------- review
 *
 * FSRS-style (Ye 2022, "A stochastic shortest path algorithm for optimizing
 * spaced repetition scheduling"; FSRS v4 default weights), one state per
 * cadre and question: stability S (days), difficulty D (1..10). Predicted
 * recall after t days:
 *
 *     R(t) = (1 + t / (9 S))^-1
 *
 * so the interval at which recall falls to the target retention r is
 * 9 S (1/r - 1), which is S days for r = 0.9. A right answer is grade Good,
 * a wrong one Again. With R the recall at the moment of the answer:
 *   first answer:  S = w0 (Again) or w2 (Good); D = w4 - (G - 3) w5
 *   right answer:  S' = S (1 + e^w8 (11 - D) S^-w9 (e^(w10 (1 - R)) - 1))
 *                  (grows more when recall was low: a hard-won success)
 *   wrong answer:  S' = min(S, w11 D^-w12 ((S + 1)^w13 - 1) e^(w14 (1 - R)))
 *   difficulty:    D' = w7 D0(Good) + (1 - w7) (D - w6 (G - 3)), in [1, 10]
 * The next review comes after S' days (at least 1, at most
 * REVIEW_MAX_INTERVAL_DAYS) after a right answer, after 1 day after a wrong
 * one. A question is due when that day has come or, equivalently, when its
 * predicted recall has fallen below the target ("fading").
 */
#ifndef QF_MODEL_LEARNER_H
#define QF_MODEL_LEARNER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core.h"

/* ---------------------------------------------------------------- mastery */

/*
 * Steps of the online update. On a simulated history (400 cadres of five
 * skill levels, 11,725 answers, the last fifth of each cadre held out)
 * K0 = 1 / 0.5 (Pelanek's alpha = 1) predicted the held-out answers with
 * AUC 0.649, log loss 0.723; 0.6 / 0.3 gave 0.672 / 0.670; smaller steps
 * gain little more and would follow a cadre who learns more slowly.
 */
#define MASTERY_K0 0.6
#define MASTERY_K0_DEVIATION 0.3
#define MASTERY_K_DECAY 0.05
#define MASTERY_BOUND 6.0
/* The nightly fit: ridges, recency factor, passes and tolerance. */
#define MASTERY_RIDGE_ABILITY 0.3
#define MASTERY_RIDGE_DEVIATION 2.0
#define MASTERY_RIDGE_DIFFICULTY 1.0
#define MASTERY_RECENCY 0.97
#define MASTERY_FIT_PASSES 100
#define MASTERY_FIT_TOLERANCE 1e-5
/* Most disciplines one question may be tagged with that an answer updates. */
#define MASTERY_MAX_DISCIPLINES 16

/* s(x) = 1 / (1 + e^-x), computed without overflow for any finite x. */
double mastery_sigmoid(double x);
/* P(right) at logit 'ability' (general + deviation) against a question of 'difficulty'. */
double mastery_probability(double ability, double difficulty);
/* The reported mastery at logit 'ability': P(right) on a question of difficulty 0. */
double mastery_value(double ability);
/* The logit whose value is 'value' (clamped into the bounds): the inverse of mastery_value. */
double mastery_ability_of_value(double value);
/* K(n) = MASTERY_K0 / (1 + MASTERY_K_DECAY n): the step after 'answers' earlier answers. */
double mastery_k(uint32_t answers);
/* K_dev(n), the same for a deviation. */
double mastery_k_deviation(uint32_t answers);
/* 'x' clamped to [-MASTERY_BOUND, MASTERY_BOUND]; 0 for a NaN. */
double mastery_clamp(double x);
/*
 * The prior difficulty of a question from the 1-5 difficulty of the item it
 * belongs to (0 when it stands alone: pass 0): 3 is average, each step half
 * a logit.
 */
double mastery_prior_difficulty(int item_difficulty);

/*
 * One answer, Elo-style, for a cadre of general '*ability' after 'answers'
 * earlier answers, with 'deviation[i]' in each of the question's 'n'
 * disciplines after 'deviation_answers[i]' answers there, against a
 * question of '*difficulty' answered 'question_answers' times before;
 * 'correct' 1 or 0. Updates '*ability', 'deviation' and '*difficulty' in
 * place (the header's equations; every prediction uses the values from
 * before this answer). 'n' may be 0: an untagged question.
 */
void mastery_answer(double *ability, uint32_t answers, double *deviation,
    const uint32_t *deviation_answers, size_t n, double *difficulty,
    uint32_t question_answers, int correct);

/* One (answer, discipline) term of the nightly fit. */
struct mastery_observation {
	uint32_t cadre;       /* index of the general ability */
	uint32_t learner;     /* index of the (cadre, discipline) deviation */
	uint32_t question;    /* index of the question */
	float weight;         /* w_x, in (0, 1] */
	uint8_t correct;      /* y */
};

/* The sizes of a fit and where its results go (caller-owned arrays). */
struct mastery_fit_params {
	uint32_t n_cadres, n_learners, n_questions;
	const double *prior;      /* n_questions prior difficulties; NULL: all 0 */
	double *ability;          /* out: n_cadres */
	double *deviation;        /* out: n_learners */
	double *difficulty;       /* out: n_questions */
};

struct mastery_fit_report {
	unsigned passes;          /* Newton passes run */
	double max_step;          /* the largest move of the last pass */
	double log_likelihood;    /* weighted, without the ridge terms */
	int converged;            /* max_step fell under the tolerance */
};

/*
 * The nightly joint fit over 'n' observations 'obs' into 'p''s arrays;
 * 'report' may be NULL. Deterministic. Returns 0, or -1 with 'err' filled
 * (an index out of range, out of memory).
 */
int mastery_fit(const struct mastery_observation *obs, size_t n,
    const struct mastery_fit_params *p, struct mastery_fit_report *report,
    struct qf_error *err);

/*
 * Area under the ROC curve of predictions 'p' for outcomes 'y' ('n' of
 * each): the chance a random right answer was predicted likelier than a
 * random wrong one, ties counting half. -1 when either class is empty.
 */
double mastery_auc(const double *p, const uint8_t *y, size_t n);

/* ----------------------------------------------------------------- review */

#define REVIEW_TARGET_RETENTION 0.9
#define REVIEW_MAX_INTERVAL_DAYS 365
#define REVIEW_WRONG_INTERVAL_DAYS 1
#define REVIEW_DAY_S 86400
#define REVIEW_MIN_STABILITY 0.1
#define REVIEW_MAX_STABILITY 36500.0

/* The schedule of one cadre on one question. */
struct review_state {
	double stability;     /* S, days: recall is 0.9 after S days */
	double difficulty;    /* D, 1..10 */
	uint32_t reps;        /* answers so far */
	uint32_t lapses;      /* wrong answers after the first */
	int last_correct;
	int64_t last_at;      /* unix seconds of the last answer */
	int64_t due_at;       /* unix seconds the next review is due */
};

/* R(t) = (1 + t / (9 S))^-1 for 'elapsed_days' >= 0 and 'stability' > 0. */
double review_recall(double elapsed_days, double stability);
/* The days after which recall falls to 'retention' (0 < r < 1): 9 S (1/r - 1). */
double review_interval_days(double stability, double retention);
/* The whole days until the next review after an answer leaving 'stability'. */
int review_interval_whole_days(double stability, int correct);
/*
 * Applies one answer at 'now' ('correct' 1 or 0) to 's': a state with
 * reps 0 is a first answer. Sets every field, due_at included.
 */
void review_schedule(struct review_state *s, int correct, int64_t now);
/* 1 when 's' is due at 'now': its due time has come or its recall fell below the target. */
int review_is_due(const struct review_state *s, int64_t now);

#endif /* QF_MODEL_LEARNER_H */
