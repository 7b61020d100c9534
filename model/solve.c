/*
 * solve.c — the per-row least-squares step that ALS and fold-in share, and
 * the Gram matrix. For one user u (or, symmetrically, one item) against the
 * fixed factors Y (n x k) it solves
 *
 *   A x = b,  A = Y^T Y + lambda I + Y^T (C_u - I) Y,  b = Y^T C_u p(u)
 *
 * (Hu, Koren & Volinsky 2008, eq. 4). Only the observed entries differ from
 * the shared Y^T Y + lambda I, so A and b cost O(nnz_u k^2) and O(nnz_u k).
 * The observed rows of Y are gathered into a contiguous block so that each
 * product is one BLAS call instead of one per observation.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "extern.h"

float *
model_floats_alloc(size_t n)
{
	size_t bytes;
	float *p;

	if (n == 0 || n > (SIZE_MAX - 63) / sizeof(float))
		return NULL;
	bytes = (n * sizeof(float) + 63) & ~(size_t)63;
	p = aligned_alloc(64, bytes);
	if (p != NULL)
		memset(p, 0, bytes);
	return p;
}

void
model_floats_free(float *p)
{
	free(p);
}

void
model_gram(const float *factors, uint32_t n, uint32_t k, float *gram)
{
	uint32_t i, j;

	if (n == 0) {
		memset(gram, 0, (size_t)k * k * sizeof(float));
		return;
	}
	/* Y^T Y: (k x n)(n x k) -> k x k, upper triangle (row-major) */
	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)n,
	    1.0f, factors, (int)k, 0.0f, gram, (int)k);
	for (i = 1; i < k; i++)
		for (j = 0; j < i; j++)
			gram[(size_t)i * k + j] = gram[(size_t)j * k + i];
}

int
solve_scratch_alloc(struct solve_scratch *s, uint32_t k)
{
	memset(s, 0, sizeof(*s));
	s->k = k;
	if ((s->r = model_floats_alloc(k)) == NULL ||
	    (s->p = model_floats_alloc(k)) == NULL ||
	    (s->ap = model_floats_alloc(k)) == NULL ||
	    (s->a = model_floats_alloc((size_t)k * k)) == NULL ||
	    (s->gather = model_floats_alloc((size_t)SOLVE_BLOCK * k)) == NULL ||
	    (s->t = model_floats_alloc(SOLVE_BLOCK)) == NULL) {
		solve_scratch_free(s);
		return -1;
	}
	return 0;
}

void
solve_scratch_free(struct solve_scratch *s)
{
	model_floats_free(s->r);
	model_floats_free(s->p);
	model_floats_free(s->ap);
	model_floats_free(s->a);
	model_floats_free(s->gather);
	model_floats_free(s->t);
	memset(s, 0, sizeof(*s));
}

/* Copies rows 'cols[0..m)' of 'y' into 'out' (m x k). */
static void
gather_rows(const float *y, uint32_t k, const uint32_t *cols, size_t m,
    float *out)
{
	size_t j;

	for (j = 0; j < m; j++)
		memcpy(out + j * k, y + (size_t)cols[j] * k, k * sizeof(float));
}

/* The preference p and the extra confidence c - 1 of strength 'r'. */
static inline float
preference(float r)
{
	return r >= 0.0f ? 1.0f : 0.0f;
}

static inline float
extra_confidence(float alpha, float r)
{
	return alpha * fabsf(r);
}

int
solve_row_cholesky(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    struct solve_scratch *s, float *x)
{
	const char uplo = 'L';
	const int n = (int)k, nrhs = 1;
	uint64_t start;
	size_t m, j;
	int info = 0;

	memcpy(s->a, gram_reg, (size_t)k * k * sizeof(float));
	memset(x, 0, k * sizeof(float));
	for (start = 0; start < nnz; start += m) {
		m = nnz - start < SOLVE_BLOCK ? (size_t)(nnz - start) : SOLVE_BLOCK;
		gather_rows(y, k, cols + start, m, s->gather);
		/* b += Y_u^T (c p): (k x m)(m) -> k */
		for (j = 0; j < m; j++)
			s->t[j] = (1.0f + extra_confidence(alpha, vals[start + j])) *
			    preference(vals[start + j]);
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)m, n, 1.0f,
		    s->gather, n, s->t, 1, 1.0f, x, 1);
		/* A += Y_u^T (C_u - I) Y_u with rows scaled by sqrt(c - 1):
		 * (k x m)(m x k) -> k x k, upper triangle (row-major), which is
		 * the lower one for column-major LAPACK. */
		for (j = 0; j < m; j++)
			cblas_sscal(n, sqrtf(extra_confidence(alpha,
			    vals[start + j])), s->gather + j * k, 1);
		cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, (int)m,
		    1.0f, s->gather, n, 1.0f, s->a, n);
	}
	/* A x = b, A k x k SPD: Cholesky, solution overwrites b (= x). */
	sposv_(&uplo, &n, &nrhs, s->a, &n, x, &n, &info, 1);
	if (info != 0) {
		memset(x, 0, k * sizeof(float));
		return -1;
	}
	return 0;
}

/*
 * out = A v with A = gram_reg + Y_u^T (C_u - I) Y_u; when 'b' is non-NULL
 * also b = Y_u^T C_u p(u). When the row fits in one block, the gathered
 * rows from the previous call are reused ('gathered' says so).
 */
static void
apply_row_matrix(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    struct solve_scratch *s, int *gathered, const float *v, float *out,
    float *b)
{
	const int n = (int)k;
	uint64_t start;
	size_t m, j;

	/* (Y^T Y + lambda I) v: (k x k)(k) -> k */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0f, gram_reg, n, v, 1,
	    0.0f, out, 1);
	if (b != NULL)
		memset(b, 0, k * sizeof(float));
	for (start = 0; start < nnz; start += m) {
		m = nnz - start < SOLVE_BLOCK ? (size_t)(nnz - start) : SOLVE_BLOCK;
		if (!*gathered)
			gather_rows(y, k, cols + start, m, s->gather);
		if (nnz <= SOLVE_BLOCK)
			*gathered = 1;
		/* t = Y_u v: (m x k)(k) -> m, then t_j *= c_j - 1 */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)m, n, 1.0f,
		    s->gather, n, v, 1, 0.0f, s->t, 1);
		for (j = 0; j < m; j++)
			s->t[j] *= extra_confidence(alpha, vals[start + j]);
		/* out += Y_u^T t: (k x m)(m) -> k */
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)m, n, 1.0f,
		    s->gather, n, s->t, 1, 1.0f, out, 1);
		if (b == NULL)
			continue;
		for (j = 0; j < m; j++)
			s->t[j] = (1.0f + extra_confidence(alpha, vals[start + j])) *
			    preference(vals[start + j]);
		/* b += Y_u^T (c p): (k x m)(m) -> k */
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)m, n, 1.0f,
		    s->gather, n, s->t, 1, 1.0f, b, 1);
	}
}

/*
 * Conjugate gradient on A x = b from the current 'x' (Takács et al. 2011,
 * as in `implicit`'s _solve_cg): a few steps from a warm start get close to
 * the exact solution at O(steps * nnz_u * k) instead of O(nnz_u k^2 + k^3).
 */
void
solve_row_cg(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    uint32_t steps, struct solve_scratch *s, float *x)
{
	const int n = (int)k;
	float rs_old, rs_new, pap, step;
	int gathered = 0;
	uint32_t it;

	/* r = b - A x  (ap holds A x, p holds b for the moment) */
	apply_row_matrix(y, k, gram_reg, cols, vals, nnz, alpha, s, &gathered,
	    x, s->ap, s->p);
	memcpy(s->r, s->p, k * sizeof(float));
	cblas_saxpy(n, -1.0f, s->ap, 1, s->r, 1);
	memcpy(s->p, s->r, k * sizeof(float));
	rs_old = cblas_sdot(n, s->r, 1, s->r, 1);
	if (rs_old < 1e-20f)
		return;
	for (it = 0; it < steps; it++) {
		apply_row_matrix(y, k, gram_reg, cols, vals, nnz, alpha, s,
		    &gathered, s->p, s->ap, NULL);
		pap = cblas_sdot(n, s->p, 1, s->ap, 1);
		if (!(pap > 0.0f))
			break;   /* not positive definite along p: stop, keep x */
		step = rs_old / pap;
		cblas_saxpy(n, step, s->p, 1, x, 1);
		cblas_saxpy(n, -step, s->ap, 1, s->r, 1);
		rs_new = cblas_sdot(n, s->r, 1, s->r, 1);
		if (rs_new < 1e-20f)
			break;
		/* p = r + (rs_new / rs_old) p */
		cblas_sscal(n, rs_new / rs_old, s->p, 1);
		cblas_saxpy(n, 1.0f, s->r, 1, s->p, 1);
		rs_old = rs_new;
	}
}

double
solve_row_loss(const float *y, uint32_t k, const float *gram,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    struct solve_scratch *s, const float *x)
{
	const int n = (int)k;
	double loss, t, c, p;
	uint64_t start;
	size_t m, j;

	/* sum over all items of (x . y_i)^2 = x^T (Y^T Y) x: (k x k)(k) -> k */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0f, gram, n, x, 1,
	    0.0f, s->ap, 1);
	loss = cblas_sdot(n, x, 1, s->ap, 1);
	for (start = 0; start < nnz; start += m) {
		m = nnz - start < SOLVE_BLOCK ? (size_t)(nnz - start) : SOLVE_BLOCK;
		gather_rows(y, k, cols + start, m, s->gather);
		/* t = Y_u x: (m x k)(k) -> m */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)m, n, 1.0f,
		    s->gather, n, x, 1, 0.0f, s->t, 1);
		for (j = 0; j < m; j++) {
			t = s->t[j];
			c = 1.0 + extra_confidence(alpha, vals[start + j]);
			p = preference(vals[start + j]);
			/* observed: c (p - t)^2 replaces the t^2 counted above */
			loss += c * (p - t) * (p - t) - t * t;
		}
	}
	return loss;
}
