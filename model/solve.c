/*
 * solve.c — the per-row least-squares step that ALS and fold-in share, and
 * the Gram matrix. For one user u (or, symmetrically, one item) against the
 * fixed factors Y (n x k) it solves
 *
 *   A x = b,  A = Y^T Y + lambda I + Y^T (C_u - I) Y,  b = Y^T C_u p(u)
 *
 * (Hu, Koren & Volinsky 2008, eq. 4). Only the observed entries differ from
 * the shared Y^T Y + lambda I, so A and b cost O(nnz_u k^2) and O(nnz_u k).
 * The exact (Cholesky) solver gathers the observed rows of Y into a
 * contiguous block so that each product is one BLAS call; the CG solver
 * reads them in place with its own vector loops (see below).
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
	return solve_scratch_alloc_rows(s, k, SOLVE_BLOCK);
}

int
solve_scratch_alloc_rows(struct solve_scratch *s, uint32_t k, uint32_t rows)
{
	memset(s, 0, sizeof(*s));
	if (rows < 1 || rows > SOLVE_BLOCK)
		rows = SOLVE_BLOCK;
	s->k = k;
	s->block = rows;
	if ((s->r = model_floats_alloc(k)) == NULL ||
	    (s->p = model_floats_alloc(k)) == NULL ||
	    (s->ap = model_floats_alloc(k)) == NULL ||
	    (s->a = model_floats_alloc((size_t)k * k)) == NULL ||
	    (s->gather = model_floats_alloc((size_t)rows * k)) == NULL ||
	    (s->t = model_floats_alloc(rows)) == NULL) {
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
		m = nnz - start < s->block ? (size_t)(nnz - start) : s->block;
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
 * The CG solver's arithmetic is a handful of length-k vector operations per
 * observation, too small for a BLAS call each (the call overhead and the
 * gather cost more than the flops). They are written with GCC/Clang vector
 * types of 8 floats, compiled twice: for the baseline x86-64 (two SSE
 * registers per vector) and, picked at run time when the CPU has them, for
 * AVX2 with FMA (one register). Every sum runs in a fixed order, so a given
 * binary on a given CPU repeats bit for bit, whatever the thread count (an
 * AVX2 CPU and an older one round differently, by design).
 */
typedef float vf8 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

/* a . b */
INLINE float
dot_k(const float *a, const float *b, uint32_t k)
{
	vf8 acc = { 0 }, acc1 = { 0 }, acc2 = { 0 }, acc3 = { 0 }, va, vb;
	uint32_t i;
	float s;

	/* four independent sums, so the adds need not wait for each other */
	for (i = 0; i + 32 <= k; i += 32) {
		memcpy(&va, a + i, sizeof(va));
		memcpy(&vb, b + i, sizeof(vb));
		acc += va * vb;
		memcpy(&va, a + i + 8, sizeof(va));
		memcpy(&vb, b + i + 8, sizeof(vb));
		acc1 += va * vb;
		memcpy(&va, a + i + 16, sizeof(va));
		memcpy(&vb, b + i + 16, sizeof(vb));
		acc2 += va * vb;
		memcpy(&va, a + i + 24, sizeof(va));
		memcpy(&vb, b + i + 24, sizeof(vb));
		acc3 += va * vb;
	}
	for (; i + 8 <= k; i += 8) {
		memcpy(&va, a + i, sizeof(va));
		memcpy(&vb, b + i, sizeof(vb));
		acc += va * vb;
	}
	acc = (acc + acc1) + (acc2 + acc3);
	s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
	    ((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < k; i++)
		s += a[i] * b[i];
	return s;
}

/* y += a x */
INLINE void
axpy_k(float a, const float *x, float *y, uint32_t k)
{
	vf8 vx, vy;
	uint32_t i;

	for (i = 0; i + 8 <= k; i += 8) {
		memcpy(&vx, x + i, sizeof(vx));
		memcpy(&vy, y + i, sizeof(vy));
		vy += a * vx;
		memcpy(y + i, &vy, sizeof(vy));
	}
	for (; i < k; i++)
		y[i] += a * x[i];
}

/* out = G v for symmetric G (k x k): a sum of G's rows scaled by v. */
INLINE void
sym_times(const float *g, uint32_t k, const float *v, float *out)
{
	uint32_t j;

	memset(out, 0, k * sizeof(float));
	for (j = 0; j < k; j++)
		axpy_k(v[j], g + (size_t)j * k, out, k);
}

/* Rows ahead to prefetch: the fixed side's rows are scattered (an item's
 * users lie far apart in a large user matrix), and the loop is otherwise
 * waiting on memory. */
#define PREFETCH_AHEAD 8

INLINE void
prefetch_row(const float *y, uint32_t k, const uint32_t *cols, uint64_t j,
    uint64_t nnz)
{
	const char *row;
	size_t off;

	if (j + PREFETCH_AHEAD >= nnz)
		return;
	row = (const char *)(y + (size_t)cols[j + PREFETCH_AHEAD] * k);
	for (off = 0; off < k * sizeof(float); off += 64)
		__builtin_prefetch(row + off);
}

/*
 * Conjugate gradient on A x = b from the current 'x' (Takács et al. 2011,
 * as in `implicit`'s _solve_cg): a few steps from a warm start get close to
 * the exact solution at O(steps * (k^2 + nnz_u k)) instead of
 * O(nnz_u k^2 + k^3). A = gram_reg + Y_u^T (C_u - I) Y_u is never formed:
 * A v = gram_reg v + sum_j (c_j - 1)(y_j . v) y_j, reading the rows y_j in
 * place, and b - A x comes out of the same pass over the observations.
 */
INLINE void
cg_body(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    uint32_t steps, struct solve_scratch *s, float *x)
{
	float *r = s->r, *p = s->p, *ap = s->ap;
	const float *yj;
	float rs_old, rs_new, pap, step, beta, c1;
	uint64_t j;
	uint32_t it, i;

	/* r = b - A x = -gram_reg x + sum_j ((1 + c1) p_j - c1 (y_j . x)) y_j */
	sym_times(gram_reg, k, x, r);
	for (i = 0; i < k; i++)
		r[i] = -r[i];
	for (j = 0; j < nnz; j++) {
		prefetch_row(y, k, cols, j, nnz);
		yj = y + (size_t)cols[j] * k;
		c1 = extra_confidence(alpha, vals[j]);
		axpy_k((1.0f + c1) * preference(vals[j]) - c1 * dot_k(yj, x, k),
		    yj, r, k);
	}
	memcpy(p, r, k * sizeof(float));
	rs_old = dot_k(r, r, k);
	if (rs_old < 1e-20f)
		return;
	for (it = 0; it < steps; it++) {
		/* ap = A p */
		sym_times(gram_reg, k, p, ap);
		for (j = 0; j < nnz; j++) {
			prefetch_row(y, k, cols, j, nnz);
			yj = y + (size_t)cols[j] * k;
			axpy_k(extra_confidence(alpha, vals[j]) * dot_k(yj, p, k),
			    yj, ap, k);
		}
		pap = dot_k(p, ap, k);
		if (!(pap > 0.0f))
			break;   /* not positive definite along p: stop, keep x */
		step = rs_old / pap;
		axpy_k(step, p, x, k);
		axpy_k(-step, ap, r, k);
		rs_new = dot_k(r, r, k);
		if (rs_new < 1e-20f)
			break;
		/* p = r + (rs_new / rs_old) p */
		beta = rs_new / rs_old;
		for (i = 0; i < k; i++)
			p[i] = r[i] + beta * p[i];
		rs_old = rs_new;
	}
}

static void
cg_baseline(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    uint32_t steps, struct solve_scratch *s, float *x)
{
	cg_body(y, k, gram_reg, cols, vals, nnz, alpha, steps, s, x);
}

#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_CG_AVX2 1
/* fused multiply-adds too: C11 mode turns contraction off; GCC can turn it
 * back on for this one function (Clang has no such attribute) */
#if defined(__clang__)
#define CG_AVX2_ATTRIBUTES __attribute__((target("avx2,fma")))
#else
#define CG_AVX2_ATTRIBUTES \
	__attribute__((target("avx2,fma"), optimize("fp-contract=fast")))
#endif
CG_AVX2_ATTRIBUTES static void
cg_avx2(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    uint32_t steps, struct solve_scratch *s, float *x)
{
	cg_body(y, k, gram_reg, cols, vals, nnz, alpha, steps, s, x);
}
#endif

void
solve_row_cg(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    uint32_t steps, struct solve_scratch *s, float *x)
{
#ifdef HAVE_CG_AVX2
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		cg_avx2(y, k, gram_reg, cols, vals, nnz, alpha, steps, s, x);
		return;
	}
#endif
	cg_baseline(y, k, gram_reg, cols, vals, nnz, alpha, steps, s, x);
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
		m = nnz - start < s->block ? (size_t)(nnz - start) : s->block;
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
