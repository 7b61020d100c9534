/*
 * test-fold-in.c — fold-in solves the ALS user equations exactly (checked
 * against a naive double-precision solve), sums repeated items as training
 * does, and gives back a training user's own vector from a converged model.
 */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

enum { USERS = 120, ITEMS = 60, PER_USER = 8, K = 6 };

/* Solves the k x k system 'a' x = 'b' in place by Gaussian elimination. */
static void
naive_solve(double *a, double *b, int k)
{
	int i, j, r, p;
	double f, tmp;

	for (i = 0; i < k; i++) {
		p = i;
		for (r = i + 1; r < k; r++)
			if (fabs(a[r * k + i]) > fabs(a[p * k + i]))
				p = r;
		for (j = 0; j < k; j++) {
			tmp = a[i * k + j];
			a[i * k + j] = a[p * k + j];
			a[p * k + j] = tmp;
		}
		tmp = b[i];
		b[i] = b[p];
		b[p] = tmp;
		for (r = i + 1; r < k; r++) {
			f = a[r * k + i] / a[i * k + i];
			for (j = i; j < k; j++)
				a[r * k + j] -= f * a[i * k + j];
			b[r] -= f * b[i];
		}
	}
	for (i = k - 1; i >= 0; i--) {
		for (j = i + 1; j < k; j++)
			b[i] -= a[i * k + j] * b[j];
		b[i] /= a[i * k + i];
	}
}

/* The user equations of model.h written out the slow way, in double. */
static void
naive_fold_in(const float *y, uint32_t n_items, const uint32_t *items,
    const float *w, size_t n, float alpha, float lambda, double *x)
{
	double a[K * K], c, p;
	size_t j;
	uint32_t i;
	int r, s;

	memset(a, 0, sizeof(a));
	memset(x, 0, K * sizeof(double));
	for (i = 0; i < n_items; i++)
		for (r = 0; r < K; r++)
			for (s = 0; s < K; s++)
				a[r * K + s] += (double)y[i * K + r] * y[i * K + s];
	for (r = 0; r < K; r++)
		a[r * K + r] += lambda;
	for (j = 0; j < n; j++) {
		c = 1.0 + alpha * fabs((double)w[j]);
		p = w[j] >= 0 ? 1.0 : 0.0;
		for (r = 0; r < K; r++) {
			x[r] += c * p * y[items[j] * K + r];
			for (s = 0; s < K; s++)
				a[r * K + s] += (c - 1.0) * y[items[j] * K + r] *
				    y[items[j] * K + s];
		}
	}
	naive_solve(a, x, K);
}

static double
relative_difference(const float *x, const float *ref, int k)
{
	double d = 0, n = 0;
	int r;

	for (r = 0; r < k; r++) {
		d += ((double)x[r] - ref[r]) * ((double)x[r] - ref[r]);
		n += (double)ref[r] * ref[r];
	}
	return sqrt(d / n);
}

int
main(void)
{
	static struct model_triple t[USERS * PER_USER];
	struct model_interactions m;
	struct model_als_options o;
	struct model_factors f;
	struct qf_error err;
	float gram[K * K], x[K], x2[K], xf[K];
	double xd[K], worst = 0, diff;
	uint64_t state = 99, start;
	uint32_t u, j, items[4];
	float w[4];
	size_t n = 0;
	int r;

	for (u = 0; u < USERS; u++)
		for (j = 0; j < PER_USER; j++) {
			t[n].user = u;
			t[n].item = (u % 3) * 20 + check_random(&state) % 30;
			t[n].weight = 1.0f + (float)(check_random(&state) % 4);
			n++;
		}
	CHECK_OK(model_interactions_build(t, n, &m, &err), err);
	model_als_options_default(&o);
	o.factors = K;
	o.regularization = 1.0f;
	o.alpha = 2.0f;
	o.cg_steps = 0;
	o.iterations = 200;
	CHECK_OK(model_als_fit(&m, &o, &f, NULL, &err), err);
	if (err.set)
		return check_report("test-fold-in");
	model_gram(f.item, f.n_items, K, gram);

	/* A training user folded in against the final items is (nearly) the
	 * vector training gave them: ALS has converged to a fixed point. */
	for (u = 0; u < USERS; u++) {
		start = m.by_user.row_ptr[u];
		CHECK_OK(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
		    o.regularization, m.by_user.col + start, m.by_user.val + start,
		    m.by_user.row_ptr[u + 1] - start, x, &err), err);
		diff = relative_difference(x, f.user + (size_t)u * K, K);
		if (diff > worst)
			worst = diff;
	}
	if (worst > 1e-3)
		fprintf(stderr, "worst relative difference to the trained "
		    "vector: %g\n", worst);
	CHECK(worst <= 1e-3);

	/* Exactly the equations of model.h, negative evidence included. */
	items[0] = 3; items[1] = 17; items[2] = 40; items[3] = 3;
	w[0] = 2.0f; w[1] = -1.0f; w[2] = 0.5f; w[3] = 1.0f;
	CHECK_OK(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
	    o.regularization, items, w, 4, x, &err), err);
	items[3] = 55;   /* the naive solve does not merge: give it item 3 once */
	w[0] = 3.0f;
	w[3] = 0.0f;
	naive_fold_in(f.item, f.n_items, items, w, 3, o.alpha, o.regularization,
	    xd);
	for (r = 0; r < K; r++)
		xf[r] = (float)xd[r];
	CHECK_NEAR(relative_difference(x, xf, K), 0, 1e-4);

	/* Repeats are summed: (3, 2) + (3, 1) is (3, 3). */
	CHECK_OK(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
	    o.regularization, items, w, 3, x2, &err), err);
	CHECK_NEAR(relative_difference(x, x2, K), 0, 1e-6);

	/* No interactions: the zero vector. Bad input: an error, no crash. */
	x[0] = 1.0f;
	CHECK_OK(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
	    o.regularization, NULL, NULL, 0, x, &err), err);
	CHECK_NEAR(x[0], 0, 0);
	items[0] = ITEMS + 1000;
	CHECK_FAILS(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
	    o.regularization, items, w, 1, x, &err), err, "outside");
	CHECK_FAILS(model_fold_in(f.item, f.n_items, K, gram, o.alpha, 0.0f,
	    items, w, 1, x, &err), err, "regularization");

	model_factors_free(&f);
	model_interactions_free(&m);
	return check_report("test-fold-in");
}
