/*
 * test-als-determinism.c — the same seed and thread count give bit-identical
 * factors (the rows are handed to threads in any order, so this also shows
 * that a row's result does not depend on its thread); another seed does not.
 */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

enum { USERS = 300, ITEMS = 200, PER_USER = 12 };

static void
fit(const struct model_interactions *m, uint64_t seed, uint32_t threads,
    uint32_t cg_steps, struct model_factors *f)
{
	struct model_als_options o;
	struct qf_error err;

	model_als_options_default(&o);
	o.factors = 16;
	o.iterations = 4;
	o.seed = seed;
	o.threads = threads;
	o.cg_steps = cg_steps;
	CHECK_OK(model_als_fit(m, &o, f, NULL, &err), err);
}

static int
same(const struct model_factors *a, const struct model_factors *b)
{
	return a->user != NULL && b->user != NULL &&
	    memcmp(a->user, b->user, sizeof(float) * a->n_users * a->k) == 0 &&
	    memcmp(a->item, b->item, sizeof(float) * a->n_items * a->k) == 0;
}

int
main(void)
{
	static struct model_triple t[USERS * PER_USER];
	struct model_interactions m;
	struct model_factors a, b;
	struct qf_error err;
	uint64_t state = 12345;
	size_t n = 0;
	uint32_t u, j, threads, cg;

	/* Skewed item popularity, as real catalogues have. */
	for (u = 0; u < USERS; u++)
		for (j = 0; j < PER_USER; j++) {
			uint32_t r = check_random(&state) % ITEMS;

			t[n].user = u;
			t[n].item = (r * r) / ITEMS;
			t[n].weight = 1.0f + (float)(check_random(&state) % 5);
			n++;
		}
	CHECK_OK(model_interactions_build(t, n, &m, &err), err);

	for (cg = 0; cg <= 3; cg += 3)
		for (threads = 1; threads <= 3; threads++) {
			fit(&m, 7, threads, cg, &a);
			fit(&m, 7, threads, cg, &b);
			if (!same(&a, &b))
				fprintf(stderr, "threads %u, cg_steps %u: two runs "
				    "differ\n", threads, cg);
			CHECK(same(&a, &b));
			model_factors_free(&b);
			if (threads == 1) {
				fit(&m, 8, threads, cg, &b);
				CHECK(!same(&a, &b));
				model_factors_free(&b);
			}
			model_factors_free(&a);
		}
	model_interactions_free(&m);
	return check_report("test-als-determinism");
}
