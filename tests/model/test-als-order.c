/*
 * test-als-order.c — on a tiny matrix with two obvious tastes, ALS (both
 * solvers) ranks a user's unseen items of their own taste above every item
 * of the other, and the exact solver never lets the loss rise.
 */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

enum { USERS = 60, ITEMS = 12, GROUP = 6, SEEN = 3, MAX_ITERATIONS = 20 };

struct losses {
	double v[MAX_ITERATIONS + 1];
	uint32_t n;
};

static void
record_loss(void *ctx, uint32_t iteration, double loss, double seconds)
{
	struct losses *l = ctx;

	(void)seconds;
	if (iteration <= MAX_ITERATIONS)
		l->v[iteration] = loss;
	l->n = iteration;
}

/*
 * Users 0-29 like items 0-5, users 30-59 items 6-11; each has seen three
 * of their six, drawn at random, with weights 1-3.
 */
static size_t
make_triples(struct model_triple *t)
{
	uint64_t state = 2024;
	uint32_t u, j, pick, taken;
	size_t n = 0;

	for (u = 0; u < USERS; u++) {
		taken = 0;
		for (j = 0; j < SEEN; j++) {
			do
				pick = check_random(&state) % GROUP;
			while (taken & (1u << pick));
			taken |= 1u << pick;
			t[n].user = 100 + u;
			t[n].item = 500 + (u < USERS / 2 ? 0 : GROUP) + pick;
			t[n].weight = 1.0f + (float)j;
			n++;
		}
	}
	return n;
}

static void
check_order(uint32_t factors, uint32_t cg_steps)
{
	struct model_triple t[USERS * SEEN];
	struct model_interactions m;
	struct model_als_options o;
	struct model_factors f;
	struct losses losses = { { 0 }, 0 };
	struct qf_error err;
	float scores[ITEMS];
	uint32_t u, i, own_lo, worst_own, seen;
	uint64_t j;
	float min_unseen_own, max_other;
	int it;

	CHECK_OK(model_interactions_build(t, make_triples(t), &m, &err), err);
	model_als_options_default(&o);
	o.factors = factors;
	/* Enough lambda that spare factors do not fit noise (see als.c). */
	o.regularization = 10.0f;
	o.alpha = 10.0f;
	o.iterations = MAX_ITERATIONS;
	o.cg_steps = cg_steps;
	o.compute_loss = 1;
	o.progress = record_loss;
	o.progress_ctx = &losses;
	CHECK_OK(model_als_fit(&m, &o, &f, NULL, &err), err);
	if (err.set)
		return;
	CHECK_INT(losses.n, MAX_ITERATIONS);

	for (u = 0; u < USERS; u++) {
		model_score_all(f.item, f.n_items, f.k, f.user + (size_t)u * f.k,
		    scores);
		own_lo = u < USERS / 2 ? 0 : GROUP;
		min_unseen_own = INFINITY;
		max_other = -INFINITY;
		worst_own = 0;
		for (i = 0; i < ITEMS; i++) {
			seen = 0;
			for (j = m.by_user.row_ptr[u]; j < m.by_user.row_ptr[u + 1]; j++)
				seen |= m.by_user.col[j] == i;
			if (i >= own_lo && i < own_lo + GROUP) {
				if (!seen && scores[i] < min_unseen_own) {
					min_unseen_own = scores[i];
					worst_own = i;
				}
			} else if (scores[i] > max_other) {
				max_other = scores[i];
			}
		}
		if (!(min_unseen_own > max_other))
			fprintf(stderr, "k %u, cg_steps %u: user %u: own item %u "
			    "scores %g, an item of the other taste %g\n", factors,
			    cg_steps, u, worst_own, (double)min_unseen_own,
			    (double)max_other);
		CHECK(min_unseen_own > max_other);
	}
	CHECK(losses.v[MAX_ITERATIONS] < losses.v[1]);
	if (cg_steps == 0)   /* exact ALS: each half-step minimises the loss */
		for (it = 2; it <= MAX_ITERATIONS; it++) {
			if (!(losses.v[it] <= losses.v[it - 1] * (1 + 1e-5)))
				fprintf(stderr, "loss rose at iteration %d: %.9g -> "
				    "%.9g\n", it, losses.v[it - 1], losses.v[it]);
			CHECK(losses.v[it] <= losses.v[it - 1] * (1 + 1e-5));
		}
	model_factors_free(&f);
	model_interactions_free(&m);
}

static void
check_refusals(void)
{
	struct model_triple t[USERS * SEEN];
	struct model_interactions m;
	struct model_als_options o;
	struct model_factors f;
	struct qf_error err;

	CHECK_OK(model_interactions_build(t, make_triples(t), &m, &err), err);
	model_als_options_default(&o);
	o.factors = 0;
	CHECK_FAILS(model_als_fit(&m, &o, &f, NULL, &err), err, "factors");
	model_als_options_default(&o);
	o.alpha = NAN;
	CHECK_FAILS(model_als_fit(&m, &o, &f, NULL, &err), err, "alpha");
	model_als_options_default(&o);
	o.cg_steps = 0;
	o.regularization = 0.0f;
	CHECK_FAILS(model_als_fit(&m, &o, &f, NULL, &err), err, "regularization");
	model_als_options_default(&o);
	o.threads = 0;
	CHECK_FAILS(model_als_fit(&m, &o, &f, NULL, &err), err, "threads");
	model_interactions_free(&m);
}

int
main(void)
{
	uint32_t k;

	for (k = 2; k <= 8; k *= 2) {
		check_order(k, 3);
		check_order(k, 0);
	}
	check_refusals();
	return check_report("test-als-order");
}
