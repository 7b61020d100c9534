/*
 * fold-in.c — a user's factor vector from their interactions against fixed
 * item factors: the exact ALS user step, one k x k Cholesky solve. At
 * request time this lets the feed react to what a cadre just completed
 * without waiting for the nightly training (Hu, Koren & Volinsky 2008, §4:
 * the user step is independent per user given Y).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int
model_fold_in(const float *item_factors, uint32_t n_items, uint32_t k,
    const float *gram, float alpha, float regularization,
    const uint32_t *items, const float *weights, size_t n, float *x,
    struct qf_error *err)
{
	struct solve_scratch scratch;
	struct model_csr row;
	uint32_t *zeros = NULL;
	float *gram_reg = NULL;
	uint32_t i;
	int rc = -1;

	memset(&scratch, 0, sizeof(scratch));
	memset(&row, 0, sizeof(row));
	if (k < 1 || k > MODEL_MAX_FACTORS) {
		qf_error_set(err, "fold-in: factors must be 1-%d, not %u",
		    MODEL_MAX_FACTORS, k);
		return -1;
	}
	if (!(regularization > 0.0f) || !isfinite(regularization) ||
	    !(alpha >= 0.0f) || !isfinite(alpha)) {
		qf_error_set(err, "fold-in: regularization must be > 0 and alpha "
		    ">= 0 (got %g and %g)", (double)regularization, (double)alpha);
		return -1;
	}
	memset(x, 0, k * sizeof(float));
	if (n == 0)
		return 0;

	/* Repeated items are summed as in training: a one-row matrix does it. */
	if ((zeros = calloc(n, sizeof(*zeros))) == NULL) {
		qf_error_set(err, "fold-in: out of memory");
		return -1;
	}
	if (model_csr_build(1, n_items, zeros, items, weights, n, &row, err) < 0)
		goto out;
	gram_reg = model_floats_alloc((size_t)k * k);
	if (gram_reg == NULL || solve_scratch_alloc_rows(&scratch, k,
	    row.nnz < SOLVE_BLOCK ? (uint32_t)row.nnz : SOLVE_BLOCK) < 0) {
		qf_error_set(err, "fold-in: out of memory");
		goto out;
	}
	/* Y^T Y + lambda I: k x k */
	memcpy(gram_reg, gram, (size_t)k * k * sizeof(float));
	for (i = 0; i < k; i++)
		gram_reg[(size_t)i * k + i] += regularization;
	if (solve_row_cholesky(item_factors, k, gram_reg, row.col, row.val,
	    row.nnz, alpha, &scratch, x) < 0) {
		qf_error_set(err, "fold-in: the system is not positive definite");
		goto out;
	}
	rc = 0;
out:
	solve_scratch_free(&scratch);
	model_floats_free(gram_reg);
	model_csr_free(&row);
	free(zeros);
	return rc;
}
