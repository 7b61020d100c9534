/*
 * extern.h — declarations shared by the files of model/ and no one else:
 * the LAPACK prototype OpenBLAS ships without a header, and the per-row
 * least-squares solvers that ALS and fold-in have in common.
 */
#ifndef QF_MODEL_EXTERN_H
#define QF_MODEL_EXTERN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * LAPACK sposv: solves A X = B for symmetric positive definite A (n x n,
 * column-major; our matrices are symmetric with both triangles filled, so
 * the storage order does not matter). Debian's OpenBLAS exports it but has
 * no lapack.h; the trailing length is gfortran's hidden CHARACTER length.
 */
void sposv_(const char *uplo, const int *n, const int *nrhs, float *a,
    const int *lda, float *b, const int *ldb, int *info, size_t uplo_len);

/* Rows of Y gathered per block: bounds per-thread scratch for long rows. */
#define SOLVE_BLOCK 1024

/*
 * Scratch for one row solve, one per thread: k-vectors, a k x k matrix and
 * a SOLVE_BLOCK x k gather buffer. Allocated by solve_scratch_alloc.
 */
struct solve_scratch {
	uint32_t k;
	uint32_t block;  /* rows of 'gather': SOLVE_BLOCK, or fewer */
	float *r;        /* k */
	float *p;        /* k */
	float *ap;       /* k */
	float *a;        /* k x k */
	float *gather;   /* SOLVE_BLOCK x k */
	float *t;        /* SOLVE_BLOCK */
};

int solve_scratch_alloc(struct solve_scratch *s, uint32_t k);
/* The same with a gather buffer of 'rows' (1..SOLVE_BLOCK) rows: fold-in's
 * few events need a few kilobytes, not SOLVE_BLOCK x k floats per call. */
int solve_scratch_alloc_rows(struct solve_scratch *s, uint32_t k,
    uint32_t rows);
void solve_scratch_free(struct solve_scratch *s);

/*
 * One row of an ALS half-step. 'y' is the fixed side (n x k), 'gram_reg'
 * its Y^T Y + lambda I (k x k, both triangles). The row's observations are
 * 'cols'/'vals' ('nnz' entries, columns < n); strength r gives p = (r >= 0),
 * c = 1 + alpha |r|.
 *
 * solve_row_cholesky writes the exact solution to 'x' (k floats); returns 0,
 * or -1 when the system is not positive definite (x is then zeroed).
 * solve_row_cg improves 'x' in place with at most 'steps' CG steps.
 */
int solve_row_cholesky(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    struct solve_scratch *s, float *x);
void solve_row_cg(const float *y, uint32_t k, const float *gram_reg,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    uint32_t steps, struct solve_scratch *s, float *x);

/*
 * This row's part of the weighted loss: x^T (Y^T Y) x plus, for each
 * observation, c (p - t)^2 - t^2 with t = x . y_i ('gram' without lambda).
 */
double solve_row_loss(const float *y, uint32_t k, const float *gram,
    const uint32_t *cols, const float *vals, uint64_t nnz, float alpha,
    struct solve_scratch *s, const float *x);

#endif /* QF_MODEL_EXTERN_H */
