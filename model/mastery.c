/*
 * mastery.c — knowledge tracing: a hierarchical Rasch model of a cadre's
 * general ability and its deviation in each discipline against question
 * difficulty, updated Elo-style at each answer and refitted jointly every
 * night. learner.h has the equations.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "learner.h"

double
mastery_sigmoid(double x)
{
	/* Two branches so that exp() never overflows. */
	if (x >= 0)
		return 1.0 / (1.0 + exp(-x));
	double e = exp(x);
	return e / (1.0 + e);
}

double
mastery_clamp(double x)
{
	if (isnan(x))
		return 0;
	if (x > MASTERY_BOUND)
		return MASTERY_BOUND;
	if (x < -MASTERY_BOUND)
		return -MASTERY_BOUND;
	return x;
}

double
mastery_probability(double ability, double difficulty)
{
	return mastery_sigmoid(ability - difficulty);
}

double
mastery_value(double ability)
{
	return mastery_sigmoid(ability);
}

double
mastery_ability_of_value(double value)
{
	double lo = mastery_sigmoid(-MASTERY_BOUND), hi = mastery_sigmoid(MASTERY_BOUND);

	if (isnan(value))
		return 0;
	if (value < lo)
		value = lo;
	if (value > hi)
		value = hi;
	return mastery_clamp(log(value / (1.0 - value)));
}

double
mastery_k(uint32_t answers)
{
	return MASTERY_K0 / (1.0 + MASTERY_K_DECAY * (double)answers);
}

double
mastery_k_deviation(uint32_t answers)
{
	return MASTERY_K0_DEVIATION / (1.0 + MASTERY_K_DECAY * (double)answers);
}

double
mastery_prior_difficulty(int item_difficulty)
{
	if (item_difficulty < 1 || item_difficulty > 5)
		return 0;
	return 0.5 * (item_difficulty - 3);
}

void
mastery_answer(double *ability, uint32_t answers, double *deviation,
    const uint32_t *deviation_answers, size_t n, double *difficulty,
    uint32_t question_answers, int correct)
{
	double y = correct ? 1.0 : 0.0, a = *ability, b = *difficulty, residual_sum = 0, residual;

	assert(n <= MASTERY_MAX_DISCIPLINES);
	if (n == 0)
		residual_sum = y - mastery_probability(a, b);
	for (size_t i = 0; i < n; i++) {
		residual = y - mastery_probability(a + deviation[i], b);
		residual_sum += residual;
		deviation[i] = mastery_clamp(deviation[i] + mastery_k_deviation(deviation_answers[i]) * residual);
	}
	residual = residual_sum / (double)(n > 0 ? n : 1);
	*ability = mastery_clamp(a + mastery_k(answers) * residual);
	*difficulty = mastery_clamp(b - mastery_k(question_answers) * residual);
}

/* ------------------------------------------------------------ nightly fit */

/* log p(y) for a prediction p, kept finite at the edges. */
static double
log_likelihood_term(double p, int correct)
{
	double q = correct ? p : 1.0 - p;

	return log(q < 1e-12 ? 1e-12 : q);
}

/* The step of a damped Newton update: clamped to [-1, 1]. */
static double
newton_step(double gradient, double curvature)
{
	double step = gradient / curvature;

	if (step > 1)
		return 1;
	if (step < -1)
		return -1;
	return step;
}

/* Which parameters a pass of Newton steps moves. */
enum fit_side { SIDE_ABILITY, SIDE_DEVIATION, SIDE_DIFFICULTY };

/*
 * One Newton step for every parameter of 'side' (the others held fixed),
 * using the scratch 'gradient' and 'curvature'. Returns the largest move.
 */
static double
fit_side(const struct mastery_observation *obs, size_t n, const struct mastery_fit_params *p,
    enum fit_side side, double *gradient, double *curvature)
{
	double *value, ridge, max_step = 0;
	uint32_t count;

	switch (side) {
	case SIDE_ABILITY:
		value = p->ability, count = p->n_cadres, ridge = MASTERY_RIDGE_ABILITY;
		break;
	case SIDE_DEVIATION:
		value = p->deviation, count = p->n_learners, ridge = MASTERY_RIDGE_DEVIATION;
		break;
	default:
		value = p->difficulty, count = p->n_questions, ridge = MASTERY_RIDGE_DIFFICULTY;
		break;
	}
	for (uint32_t i = 0; i < count; i++) {
		double centre = side == SIDE_DIFFICULTY && p->prior != NULL ? p->prior[i] : 0;

		gradient[i] = -ridge * (value[i] - centre);
		curvature[i] = ridge;
	}
	for (size_t j = 0; j < n; j++) {
		const struct mastery_observation *o = &obs[j];
		double prob = mastery_probability(p->ability[o->cadre] + p->deviation[o->learner],
		    p->difficulty[o->question]);
		/* d log L / d x: (y - p) for an ability or a deviation, (p - y) for a difficulty. */
		double residual = (double)o->correct - prob;
		uint32_t i = side == SIDE_ABILITY ? o->cadre : side == SIDE_DEVIATION ? o->learner : o->question;

		gradient[i] += o->weight * (side == SIDE_DIFFICULTY ? -residual : residual);
		curvature[i] += o->weight * prob * (1 - prob);
	}
	for (uint32_t i = 0; i < count; i++) {
		double step = newton_step(gradient[i], curvature[i]);

		value[i] = mastery_clamp(value[i] + step);
		if (fabs(step) > max_step)
			max_step = fabs(step);
	}
	return max_step;
}

int
mastery_fit(const struct mastery_observation *obs, size_t n,
    const struct mastery_fit_params *p, struct mastery_fit_report *report,
    struct qf_error *err)
{
	/* Gradient and curvature accumulators, one per parameter of the side being updated. */
	double *gradient = NULL, *curvature = NULL;
	size_t side = p->n_cadres;
	struct mastery_fit_report r = { 0, 0, 0, 0 };

	if (p->n_learners > side)
		side = p->n_learners;
	if (p->n_questions > side)
		side = p->n_questions;
	for (size_t j = 0; j < n; j++)
		if (obs[j].cadre >= p->n_cadres || obs[j].learner >= p->n_learners ||
		    obs[j].question >= p->n_questions) {
			qf_error_set(err, "mastery fit: observation %zu out of range", j);
			return -1;
		}
	if (side > 0 && ((gradient = calloc(side, sizeof(*gradient))) == NULL ||
	    (curvature = calloc(side, sizeof(*curvature))) == NULL)) {
		free(gradient);
		qf_error_set(err, "mastery fit: out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < p->n_cadres; i++)
		p->ability[i] = 0;
	for (uint32_t i = 0; i < p->n_learners; i++)
		p->deviation[i] = 0;
	for (uint32_t q = 0; q < p->n_questions; q++)
		p->difficulty[q] = p->prior != NULL ? mastery_clamp(p->prior[q]) : 0;

	for (r.passes = 1; r.passes <= MASTERY_FIT_PASSES; r.passes++) {
		double step;

		r.max_step = fit_side(obs, n, p, SIDE_ABILITY, gradient, curvature);
		if ((step = fit_side(obs, n, p, SIDE_DEVIATION, gradient, curvature)) > r.max_step)
			r.max_step = step;
		if ((step = fit_side(obs, n, p, SIDE_DIFFICULTY, gradient, curvature)) > r.max_step)
			r.max_step = step;
		if (r.max_step < MASTERY_FIT_TOLERANCE) {
			r.converged = 1;
			break;
		}
	}
	if (r.passes > MASTERY_FIT_PASSES)
		r.passes = MASTERY_FIT_PASSES;
	for (size_t j = 0; j < n; j++)
		r.log_likelihood += obs[j].weight * log_likelihood_term(mastery_probability(
		    p->ability[obs[j].cadre] + p->deviation[obs[j].learner], p->difficulty[obs[j].question]),
		    obs[j].correct);
	free(gradient);
	free(curvature);
	if (report != NULL)
		*report = r;
	return 0;
}

/* ------------------------------------------------------------ evaluation */

struct scored {
	double p;
	uint8_t y;
};

static int
scored_compare(const void *a, const void *b)
{
	double pa = ((const struct scored *)a)->p, pb = ((const struct scored *)b)->p;

	return (pa > pb) - (pa < pb);
}

double
mastery_auc(const double *p, const uint8_t *y, size_t n)
{
	struct scored *s;
	double positives = 0, negatives = 0, rank_sum = 0;
	size_t i, j;

	if (n == 0 || (s = malloc(n * sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		s[i].p = p[i];
		s[i].y = y[i] ? 1 : 0;
		if (s[i].y)
			positives++;
		else
			negatives++;
	}
	if (positives == 0 || negatives == 0) {
		free(s);
		return -1;
	}
	qsort(s, n, sizeof(*s), scored_compare);
	/* Mann-Whitney: sum of the (tie-averaged, 1-based) ranks of the positives. */
	for (i = 0; i < n; i = j) {
		double rank;
		size_t pos = 0;

		for (j = i; j < n && s[j].p == s[i].p; j++)
			pos += s[j].y;
		rank = (double)(i + 1 + j) / 2.0;
		rank_sum += rank * (double)pos;
	}
	free(s);
	return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}
