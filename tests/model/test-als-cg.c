/*
 * test-als-cg.c — the conjugate-gradient solver reaches the exact Cholesky
 * solution when given enough steps, on rows short and long (a user and an
 * item with more observations than one gathered block holds), so both
 * solvers and the block loop solve the same equations.
 */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

enum { USERS = 1500, ITEMS = 1600, K = 4 };

static double
relative_difference(const float *a, const float *b, size_t n)
{
	double d = 0, s = 0;
	size_t j;

	for (j = 0; j < n; j++) {
		d += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
		s += (double)b[j] * b[j];
	}
	return sqrt(d / s);
}

int
main(void)
{
	static struct model_triple t[USERS * 3 + ITEMS];
	struct model_interactions m;
	struct model_als_options o;
	struct model_factors exact, cg;
	struct qf_error err;
	uint64_t state = 5, longest_user = 0, longest_item = 0, r;
	size_t n = 0;
	uint32_t u, i, j;
	double du, di;

	/* User 0 has seen 1200 items; item 0 has been seen by every user. */
	for (i = 0; i < 1200; i++, n++) {
		t[n].user = 0;
		t[n].item = i + 1;
		t[n].weight = 1.0f + (float)(i % 3);
	}
	for (u = 0; u < USERS; u++)
		for (j = 0; j < 3; j++, n++) {
			t[n].user = u;
			t[n].item = j == 0 ? 0 : check_random(&state) % ITEMS;
			t[n].weight = 1.0f + (float)(check_random(&state) % 5);
		}
	CHECK_OK(model_interactions_build(t, n, &m, &err), err);
	for (r = 0; r < m.n_users; r++)
		if (m.by_user.row_ptr[r + 1] - m.by_user.row_ptr[r] > longest_user)
			longest_user = m.by_user.row_ptr[r + 1] - m.by_user.row_ptr[r];
	for (r = 0; r < m.n_items; r++)
		if (m.by_item.row_ptr[r + 1] - m.by_item.row_ptr[r] > longest_item)
			longest_item = m.by_item.row_ptr[r + 1] - m.by_item.row_ptr[r];
	CHECK(longest_user > 1024);   /* more than one block (SOLVE_BLOCK) */
	CHECK(longest_item > 1024);

	model_als_options_default(&o);
	o.factors = K;
	o.regularization = 5.0f;
	o.alpha = 2.0f;
	o.iterations = 1;
	o.cg_steps = 0;
	CHECK_OK(model_als_fit(&m, &o, &exact, NULL, &err), err);
	o.cg_steps = 3 * K;   /* CG is exact in K steps but for rounding */
	CHECK_OK(model_als_fit(&m, &o, &cg, NULL, &err), err);
	if (exact.user == NULL || cg.user == NULL)
		return check_report("test-als-cg");
	du = relative_difference(cg.user, exact.user, (size_t)m.n_users * K);
	di = relative_difference(cg.item, exact.item, (size_t)m.n_items * K);
	CHECK_NEAR(du, 0, 1e-4);
	CHECK_NEAR(di, 0, 1e-4);
	/* the long rows themselves */
	CHECK_NEAR(relative_difference(cg.user, exact.user, K), 0, 1e-3);
	CHECK_NEAR(relative_difference(cg.item, exact.item, K), 0, 1e-3);

	model_factors_free(&exact);
	model_factors_free(&cg);
	model_interactions_free(&m);
	return check_report("test-als-cg");
}
