/*
 * test-mastery.c — knowledge tracing (model/mastery.c): the Elo step moves
 * the right way and by no more than K, stays in bounds and is
 * deterministic; the nightly fit recovers planted abilities and
 * difficulties, favours recent answers, predicts held-out answers, and
 * gives the same numbers twice; the AUC is right on known cases.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/learner.h"
#include "tests/unit/check.h"

#define CHECK_NEAR(got, expected, tolerance) do { \
	double check_g_ = (got), check_e_ = (expected); \
	check_count++; \
	if (!(fabs(check_g_ - check_e_) <= (tolerance))) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected %.9g (+-%g), got %.9g\n", __FILE__, __LINE__, \
		    #got, check_e_, (double)(tolerance), check_g_); \
	} \
} while (0)

/* A small deterministic generator (splitmix64), so the planted data is the same everywhere. */
static uint64_t rng_state = 42;

static double
rng_uniform(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static void
test_basics(void)
{
	CHECK_NEAR(mastery_sigmoid(0), 0.5, 1e-15);
	CHECK_NEAR(mastery_sigmoid(2) + mastery_sigmoid(-2), 1.0, 1e-15);
	CHECK(mastery_sigmoid(-1000) >= 0 && mastery_sigmoid(-1000) < 1e-300);
	CHECK(mastery_sigmoid(1000) == 1.0);
	CHECK_NEAR(mastery_value(0), 0.5, 1e-15);
	CHECK_NEAR(mastery_probability(1, 1), 0.5, 1e-15);
	CHECK(mastery_probability(2, 0) > mastery_probability(1, 0));
	CHECK(mastery_probability(0, 2) < mastery_probability(0, 1));
	CHECK_NEAR(mastery_value(mastery_ability_of_value(0.8)), 0.8, 1e-12);
	CHECK_NEAR(mastery_ability_of_value(1.0), MASTERY_BOUND, 1e-9);
	CHECK_NEAR(mastery_ability_of_value(0.0), -MASTERY_BOUND, 1e-9);
	CHECK_NEAR(mastery_ability_of_value(NAN), 0, 0);
	CHECK_NEAR(mastery_k(0), MASTERY_K0, 1e-15);
	CHECK(mastery_k(10) < mastery_k(1) && mastery_k(1) < mastery_k(0));
	CHECK(mastery_k(1000000) > 0);
	CHECK_NEAR(mastery_clamp(100), MASTERY_BOUND, 0);
	CHECK_NEAR(mastery_clamp(-100), -MASTERY_BOUND, 0);
	CHECK_NEAR(mastery_clamp(NAN), 0, 0);
	CHECK_NEAR(mastery_prior_difficulty(3), 0, 0);
	CHECK(mastery_prior_difficulty(5) > mastery_prior_difficulty(4));
	CHECK_NEAR(mastery_prior_difficulty(0), 0, 0);
	CHECK_NEAR(mastery_prior_difficulty(9), 0, 0);
}

/* One answer of a cadre in a single discipline: general ability 'a', deviation 'e'. */
static void
answer1(double *a, uint32_t n, double *e, uint32_t ne, double *b, uint32_t nb, int correct)
{
	mastery_answer(a, n, e, &ne, 1, b, nb, correct);
}

static void
test_elo_direction(void)
{
	double a = 0, e = 0, b = 0;

	/* Right at p = 0.5: ability up by K(0)/2, deviation by K_dev(0)/2, difficulty down by K(0)/2. */
	answer1(&a, 0, &e, 0, &b, 0, 1);
	CHECK_NEAR(a, 0.5 * mastery_k(0), 1e-15);
	CHECK_NEAR(e, 0.5 * mastery_k_deviation(0), 1e-15);
	CHECK_NEAR(b, -0.5 * mastery_k(0), 1e-15);
	CHECK(mastery_value(a + e) > 0.5);
	/* Wrong: all the other way. */
	a = e = b = 0;
	answer1(&a, 0, &e, 0, &b, 0, 0);
	CHECK(a < 0 && e < 0 && b > 0);
	CHECK(mastery_value(a + e) < 0.5);

	/* A surprise moves more: right on a hard question beats right on an easy one. */
	{
		double ha = 0, he = 0, hb = 2, ea = 0, ee = 0, eb = -2;

		answer1(&ha, 0, &he, 0, &hb, 0, 1);
		answer1(&ea, 0, &ee, 0, &eb, 0, 1);
		CHECK(ha > ea && ea > 0);
		CHECK(he > ee && ee > 0);
	}
	/* The step shrinks with experience, and never exceeds K. */
	{
		double fa = 0, fe = 0, fb = 0, sa = 0, se = 0, sb = 0;

		answer1(&fa, 0, &fe, 0, &fb, 0, 1);
		answer1(&sa, 100, &se, 100, &sb, 0, 1);
		CHECK(sa > 0 && sa < fa);
		CHECK(se > 0 && se < fe);
		CHECK(sa <= mastery_k(100) + 1e-15);
		CHECK(se <= mastery_k_deviation(100) + 1e-15);
	}
	/* Every discipline of the question moves by its own residual; the rest by the mean. */
	{
		double ab = 0.5, dev[2] = { -0.5, 1.5 }, qb = 0;
		uint32_t n[2] = { 0, 0 };
		double r0 = 1 - mastery_probability(0, 0), r1 = 1 - mastery_probability(2, 0);

		mastery_answer(&ab, 0, dev, n, 2, &qb, 0, 1);
		CHECK_NEAR(dev[0], -0.5 + mastery_k_deviation(0) * r0, 1e-15);
		CHECK_NEAR(dev[1], 1.5 + mastery_k_deviation(0) * r1, 1e-15);
		CHECK_NEAR(ab, 0.5 + mastery_k(0) * (r0 + r1) / 2, 1e-15);
		CHECK_NEAR(qb, -mastery_k(0) * (r0 + r1) / 2, 1e-15);
	}
	/* An untagged question still tells about the cadre and the question. */
	{
		double ab = 0, qb = 0.7;

		mastery_answer(&ab, 3, NULL, NULL, 0, &qb, 3, 1);
		CHECK(ab > 0);
		CHECK(qb < 0.7);
	}
}

static void
test_elo_bounds_and_determinism(void)
{
	double a = 0, e = 0, b = 0, a2 = 0, e2 = 0, b2 = 0;
	uint32_t n = 0;

	/* 10,000 right answers, each on a fresh question of average difficulty. */
	for (uint32_t i = 0; i < 10000; i++) {
		double before = a + e;

		b = 0;
		answer1(&a, n, &e, n, &b, 0, 1);
		CHECK(a + e >= before);
		n++;
	}
	CHECK(a <= MASTERY_BOUND && e <= MASTERY_BOUND);
	CHECK(mastery_value(a + e) < 1.0 && mastery_value(a + e) > 0.99);
	/* Then 10,000 wrong: down again, if slowly (K has shrunk: the estimate had settled). */
	for (uint32_t i = 0; i < 10000; i++) {
		double before = a + e;

		b = 0;
		answer1(&a, n, &e, n, &b, 0, 0);
		CHECK(a + e <= before);
		n++;
	}
	CHECK(a >= -MASTERY_BOUND && e >= -MASTERY_BOUND);
	CHECK(mastery_value(a + e) > 0.0 && mastery_value(a + e) < 0.5);
	/* From scratch, 10,000 wrong reach the floor side, never past the bounds. */
	a = e = 0, n = 0;
	for (uint32_t i = 0; i < 10000; i++)
		b = 0, answer1(&a, n, &e, n, &b, 0, 0), n++;
	CHECK(a >= -MASTERY_BOUND && e >= -MASTERY_BOUND);
	CHECK(mastery_value(a + e) < 0.01);
	/* Extreme inputs stay finite and in bounds. */
	a = 1e300, e = -1e300, b = NAN;
	answer1(&a, 0, &e, 0, &b, 0, 1);
	CHECK(fabs(a) <= MASTERY_BOUND && fabs(e) <= MASTERY_BOUND && fabs(b) <= MASTERY_BOUND);

	/* The same answers give bit-identical numbers. */
	a = e = b = 0;
	rng_state = 7;
	for (uint32_t i = 0; i < 500; i++)
		answer1(&a, i, &e, i, &b, i, rng_uniform() < 0.6);
	rng_state = 7;
	for (uint32_t i = 0; i < 500; i++)
		answer1(&a2, i, &e2, i, &b2, i, rng_uniform() < 0.6);
	CHECK(memcmp(&a, &a2, sizeof(a)) == 0 && memcmp(&e, &e2, sizeof(e)) == 0 &&
	    memcmp(&b, &b2, sizeof(b)) == 0);
}

static double
correlation(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

	for (size_t i = 0; i < n; i++)
		mx += x[i], my += y[i];
	mx /= (double)n, my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxy / sqrt(sxx * syy);
}

#define N_CADRES 300
#define N_QUESTIONS 60
#define PER_CADRE 40
#define HELD_OUT 8

/*
 * Planted data: abilities and difficulties uniform in [-2, 2]; each cadre
 * answers questions of two disciplines (learners 2i and 2i + 1), better
 * in one of them by a logit (which one at random).
 */
static size_t
plant(struct mastery_observation *obs, double *true_theta, double *true_difficulty,
    uint8_t *held_out)
{
	size_t n = 0;

	rng_state = 2024;
	for (int i = 0; i < N_CADRES; i++) {
		double general = 4 * rng_uniform() - 2, side = rng_uniform() < 0.5 ? -0.5 : 0.5;

		true_theta[2 * i] = general - side;
		true_theta[2 * i + 1] = general + side;
	}
	for (int q = 0; q < N_QUESTIONS; q++)
		true_difficulty[q] = 4 * rng_uniform() - 2;
	for (int i = 0; i < N_CADRES; i++)
		for (int j = 0; j < PER_CADRE; j++) {
			uint32_t q = (uint32_t)(rng_uniform() * N_QUESTIONS);
			uint32_t l = 2 * (uint32_t)i + (q % 2);    /* odd questions: the second discipline */
			double p = mastery_probability(true_theta[l], true_difficulty[q]);

			obs[n].cadre = (uint32_t)i;
			obs[n].learner = l;
			obs[n].question = q;
			obs[n].weight = 1;
			obs[n].correct = rng_uniform() < p;
			held_out[n] = j >= PER_CADRE - HELD_OUT;
			n++;
		}
	return n;
}

static void
test_fit_recovers(void)
{
	static struct mastery_observation obs[N_CADRES * PER_CADRE], train[N_CADRES * PER_CADRE];
	static double true_theta[2 * N_CADRES], true_difficulty[N_QUESTIONS];
	static double ability[N_CADRES], deviation[2 * N_CADRES], difficulty[N_QUESTIONS];
	static double theta[2 * N_CADRES];
	static double ability2[N_CADRES], deviation2[2 * N_CADRES], difficulty2[N_QUESTIONS];
	static double p[N_CADRES * HELD_OUT], p_base[N_CADRES * HELD_OUT], p_true[N_CADRES * HELD_OUT];
	static uint8_t held_out[N_CADRES * PER_CADRE], y[N_CADRES * HELD_OUT];
	struct mastery_fit_params params = { N_CADRES, 2 * N_CADRES, N_QUESTIONS, NULL,
		ability, deviation, difficulty };
	struct mastery_fit_report report;
	struct qf_error err;
	size_t n = plant(obs, true_theta, true_difficulty, held_out), n_train = 0, n_test = 0;
	int ordered = 0;

	qf_error_init(&err);
	CHECK_INT(mastery_fit(obs, n, &params, &report, &err), 0);
	CHECK(report.converged);
	CHECK(report.passes > 1 && report.passes <= MASTERY_FIT_PASSES);
	CHECK(report.log_likelihood < 0);
	for (int l = 0; l < 2 * N_CADRES; l++)
		theta[l] = ability[l / 2] + deviation[l];
	for (int i = 0; i < N_CADRES; i++)
		ordered += (theta[2 * i] < theta[2 * i + 1]) == (true_theta[2 * i] < true_theta[2 * i + 1]);
	printf("fit: %u passes, log-likelihood %.1f over %zu answers, r(mastery logit) %.3f,"
	    " r(difficulty) %.3f, deviation sign right for %d of %d\n",
	    report.passes, report.log_likelihood, n, correlation(theta, true_theta, 2 * N_CADRES),
	    correlation(difficulty, true_difficulty, N_QUESTIONS), ordered, N_CADRES);
	CHECK(correlation(theta, true_theta, 2 * N_CADRES) > 0.8);
	CHECK(correlation(difficulty, true_difficulty, N_QUESTIONS) > 0.9);
	CHECK(ordered > N_CADRES * 6 / 10);
	for (int i = 0; i < N_CADRES; i++)
		CHECK(fabs(ability[i]) <= MASTERY_BOUND);

	/* Twice, from garbage in the output arrays: the same bits. */
	for (int i = 0; i < N_CADRES; i++)
		ability2[i] = 99;
	params.ability = ability2, params.deviation = deviation2, params.difficulty = difficulty2;
	CHECK_INT(mastery_fit(obs, n, &params, NULL, &err), 0);
	CHECK(memcmp(ability, ability2, sizeof(ability)) == 0);
	CHECK(memcmp(deviation, deviation2, sizeof(deviation)) == 0);
	CHECK(memcmp(difficulty, difficulty2, sizeof(difficulty)) == 0);

	/* Held-out answers: the fit on the rest predicts them (AUC), better than the question alone. */
	for (size_t j = 0; j < n; j++)
		if (!held_out[j])
			train[n_train++] = obs[j];
	params.ability = ability, params.deviation = deviation, params.difficulty = difficulty;
	CHECK_INT(mastery_fit(train, n_train, &params, NULL, &err), 0);
	for (size_t j = 0; j < n; j++)
		if (held_out[j]) {
			const struct mastery_observation *o = &obs[j];

			p[n_test] = mastery_probability(ability[o->cadre] + deviation[o->learner],
			    difficulty[o->question]);
			p_base[n_test] = mastery_probability(0, difficulty[o->question]);
			p_true[n_test] = mastery_probability(true_theta[o->learner], true_difficulty[o->question]);
			y[n_test++] = o->correct;
		}
	{
		double auc = mastery_auc(p, y, n_test), base = mastery_auc(p_base, y, n_test);

		printf("held-out AUC: fit %.3f, difficulty only %.3f, planted truth %.3f\n", auc, base,
		    mastery_auc(p_true, y, n_test));
		CHECK(auc > 0.75);
		CHECK(auc > base);
	}

	/* Priors pull unanswered questions to them, not to 0. */
	{
		struct mastery_observation one = { 0, 0, 0, 1, 1 };
		double prior[2] = { 0, 1.5 }, ab[1], dv[1], df[2];
		struct mastery_fit_params small = { 1, 1, 2, prior, ab, dv, df };

		CHECK_INT(mastery_fit(&one, 1, &small, NULL, &err), 0);
		CHECK_NEAR(df[1], 1.5, 1e-12);
		CHECK(ab[0] > 0 && dv[0] > 0 && df[0] < 0);
	}
	/* An observation out of range is refused. */
	{
		struct mastery_observation bad = { 0, 5, 0, 1, 1 };
		double ab[1], dv[1], df[1];
		struct mastery_fit_params small = { 1, 1, 1, NULL, ab, dv, df };

		qf_error_init(&err);
		CHECK_INT(mastery_fit(&bad, 1, &small, NULL, &err), -1);
		CHECK_CONTAINS(err.text, "out of range");
	}
	/* Nothing to fit: zeros. */
	{
		double ab[2] = { 5, 5 }, dv[1] = { 5 }, df[1] = { 5 };
		struct mastery_fit_params small = { 2, 1, 1, NULL, ab, dv, df };

		CHECK_INT(mastery_fit(NULL, 0, &small, &report, NULL), 0);
		CHECK_NEAR(ab[0], 0, 0);
		CHECK_NEAR(dv[0], 0, 0);
		CHECK_NEAR(df[0], 0, 0);
	}
}

/*
 * Pooling: one right answer in a new discipline says more of a cadre who
 * got twenty right elsewhere than of one who never answered before.
 */
static void
test_fit_pools_disciplines(void)
{
	struct mastery_observation obs[22];
	double ability[2], deviation[3], difficulty[2];
	struct mastery_fit_params p = { 2, 3, 2, NULL, ability, deviation, difficulty };
	struct qf_error err;
	size_t n = 0;

	/* Cadre 0: twenty right in discipline A (learner 0) on question 0, one right in B (learner 1). */
	for (int j = 0; j < 20; j++)
		obs[n++] = (struct mastery_observation){ 0, 0, 0, 1, 1 };
	obs[n++] = (struct mastery_observation){ 0, 1, 1, 1, 1 };
	/* Cadre 1: only the one right answer in B (learner 2). */
	obs[n++] = (struct mastery_observation){ 1, 2, 1, 1, 1 };
	qf_error_init(&err);
	CHECK_INT(mastery_fit(obs, n, &p, NULL, &err), 0);
	CHECK(ability[0] + deviation[1] > ability[1] + deviation[2]);
	CHECK(mastery_value(ability[0] + deviation[1]) > mastery_value(ability[1] + deviation[2]) + 0.1);
}

/* Recent answers weigh more: wrong-then-right ends above right-then-wrong. */
static void
test_fit_recency(void)
{
	struct mastery_observation obs[40];
	double ability[2], deviation[2], difficulty[1];
	struct mastery_fit_params p = { 2, 2, 1, NULL, ability, deviation, difficulty };
	struct qf_error err;
	size_t n = 0;

	for (int j = 0; j < 20; j++) {
		float w = (float)pow(MASTERY_RECENCY, 19 - j);

		/* Cadre 0 improves: wrong for the first 10 answers, right for the last 10. */
		obs[n++] = (struct mastery_observation){ 0, 0, 0, w, j >= 10 };
		obs[n++] = (struct mastery_observation){ 1, 1, 0, w, j < 10 };
	}
	qf_error_init(&err);
	CHECK_INT(mastery_fit(obs, n, &p, NULL, &err), 0);
	CHECK(ability[0] + deviation[0] > ability[1] + deviation[1]);
}

static void
test_auc(void)
{
	double p[4] = { 0.1, 0.4, 0.35, 0.8 };
	uint8_t y[4] = { 0, 0, 1, 1 };
	uint8_t all_right[4] = { 1, 1, 1, 1 };
	double tied[4] = { 0.5, 0.5, 0.5, 0.5 };
	uint8_t perfect_y[4] = { 0, 1, 0, 1 };
	double perfect_p[4] = { 0.2, 0.9, 0.1, 0.7 };

	/* Pairs (right, wrong): (0.35 > 0.1), (0.35 < 0.4), (0.8 > 0.1), (0.8 > 0.4): 3 of 4. */
	CHECK_NEAR(mastery_auc(p, y, 4), 0.75, 1e-12);
	CHECK_NEAR(mastery_auc(tied, y, 4), 0.5, 1e-12);
	CHECK_NEAR(mastery_auc(perfect_p, perfect_y, 4), 1.0, 1e-12);
	CHECK_NEAR(mastery_auc(p, all_right, 4), -1, 0);
	CHECK_NEAR(mastery_auc(p, y, 0), -1, 0);
}

int
main(void)
{
	test_basics();
	test_elo_direction();
	test_elo_bounds_and_determinism();
	test_fit_recovers();
	test_fit_pools_disciplines();
	test_fit_recency();
	test_auc();
	return check_report("test-mastery");
}
