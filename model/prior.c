/*
 * prior.c — cold start: a ridge regression from binary features (a cadre's
 * category, industry, risk exposures and weak disciplines; an item's tags)
 * to trained factor rows, and the prior vector of a newcomer from it.
 * model.h has the maths. Every row has a handful of features, so F^T F is
 * accumulated from the sparse rows (n f^2 instead of the n d^2 a dense
 * ssyrk would cost); the d x d system is solved by LAPACK sposv for all k
 * right-hand sides at once.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "extern.h"

int
model_feature_code_is_valid(const char *code)
{
	size_t j;

	for (j = 0; code[j] != '\0'; j++)
		if (j == MODEL_FEATURE_CODE_MAX || code[j] <= 0x20 ||
		    code[j] >= 0x7f)
			return 0;
	return j > 0;
}

void
model_prior_free(struct model_prior *p)
{
	uint32_t j;

	if (p == NULL)
		return;
	if (p->codes != NULL)
		for (j = 0; j < p->n_features; j++)
			free(p->codes[j]);
	free(p->codes);
	model_floats_free(p->weights);
	memset(p, 0, sizeof(*p));
}

int64_t
model_feature_find(const char *const *codes, uint32_t n, const char *code)
{
	uint32_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(codes[mid], code);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Copies the codes into 'p'; 0, or -1 with 'err' filled. */
static int
copy_codes(struct model_prior *p, const char *const *codes, uint32_t n,
    struct qf_error *err)
{
	uint32_t j;

	if (n == 0)
		return 0;
	if ((p->codes = calloc(n, sizeof(*p->codes))) == NULL) {
		qf_error_set(err, "prior: out of memory");
		return -1;
	}
	for (j = 0; j < n; j++) {
		if (!model_feature_code_is_valid(codes[j])) {
			qf_error_set(err, "prior: feature %u is not a valid code", j);
			return -1;
		}
		if (j > 0 && strcmp(codes[j - 1], codes[j]) >= 0) {
			qf_error_set(err, "prior: feature codes not strictly "
			    "ascending at \"%s\"", codes[j]);
			return -1;
		}
		if ((p->codes[j] = strdup(codes[j])) == NULL) {
			qf_error_set(err, "prior: out of memory");
			return -1;
		}
	}
	return 0;
}

int
model_prior_fit(const float *factors, uint32_t n_rows, uint32_t k,
    const struct model_csr *features, const char *const *codes, float ridge,
    struct model_prior *out, struct qf_error *err)
{
	const char uplo = 'L';
	double *mean_x = NULL;
	float *gram = NULL, *rhs = NULL, *mean_f = NULL, *residual = NULL;
	float *bias, *w;
	uint32_t d, j, c, u;
	uint64_t a, b;
	int n, nrhs, info = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	d = features->n_cols;
	if (k < 1 || k > MODEL_MAX_FACTORS || n_rows == 0 ||
	    features->n_rows != n_rows || d > MODEL_MAX_FEATURES) {
		qf_error_set(err, "prior: %u rows of %u factors against a %u x %u "
		    "feature matrix (at most %d features)", n_rows, k,
		    features->n_rows, d, MODEL_MAX_FEATURES);
		return -1;
	}
	if (!(ridge > 0.0f) || !isfinite(ridge)) {
		qf_error_set(err, "prior: ridge must be > 0, not %g",
		    (double)ridge);
		return -1;
	}
	out->k = k;
	out->n_features = d;
	out->ridge = ridge;
	if (copy_codes(out, codes, d, err) < 0)
		goto out;
	out->weights = model_floats_alloc((size_t)(1 + d) * k);
	mean_x = calloc(k, sizeof(*mean_x));
	residual = model_floats_alloc(k);
	if (out->weights == NULL || mean_x == NULL || residual == NULL)
		goto nomem;
	bias = out->weights;
	w = out->weights + k;

	/* mean(x): 1 x k, summed in double */
	for (u = 0; u < n_rows; u++)
		for (c = 0; c < k; c++)
			mean_x[c] += factors[(size_t)u * k + c];
	for (c = 0; c < k; c++)
		bias[c] = (float)(mean_x[c] / n_rows);
	if (d == 0) {
		rc = 0;
		goto out;
	}

	gram = model_floats_alloc((size_t)d * d);
	rhs = model_floats_alloc((size_t)d * k);
	mean_f = model_floats_alloc(d);
	if (gram == NULL || rhs == NULL || mean_f == NULL)
		goto nomem;
	/*
	 * F^T F (d x d) and F^T X_c (d x k, stored transposed: k x d, the
	 * column-major d x k LAPACK wants), one sparse row at a time (a CSR
	 * row holds each column once).
	 */
	for (u = 0; u < n_rows; u++) {
		for (c = 0; c < k; c++)
			residual[c] = factors[(size_t)u * k + c] - bias[c];
		for (a = features->row_ptr[u]; a < features->row_ptr[u + 1]; a++) {
			j = features->col[a];
			mean_f[j] += 1.0f;
			for (b = features->row_ptr[u]; b < features->row_ptr[u + 1];
			    b++)
				gram[(size_t)j * d + features->col[b]] += 1.0f;
			/* column j of the transposed F^T X_c += x_u - mean: k */
			cblas_saxpy((int)k, 1.0f, residual, 1, rhs + j, (int)d);
		}
	}
	for (j = 0; j < d; j++)
		mean_f[j] /= (float)n_rows;
	/* Centre: F_c^T F_c = F^T F - n m m^T (d x d, rank one), + ridge I.
	 * (F_c^T X_c = F^T X_c: the columns of X_c sum to zero.) */
	cblas_sger(CblasRowMajor, (int)d, (int)d, -(float)n_rows, mean_f, 1,
	    mean_f, 1, gram, (int)d);
	for (j = 0; j < d; j++)
		gram[(size_t)j * d + j] += ridge;
	/* (F_c^T F_c + ridge I) W = F_c^T X_c: d x d SPD, k right-hand sides */
	n = (int)d;
	nrhs = (int)k;
	sposv_(&uplo, &n, &nrhs, gram, &n, rhs, &n, &info, 1);
	if (info != 0) {
		qf_error_set(err, "prior: the feature system is not positive "
		    "definite (LAPACK info %d)", info);
		goto out;
	}
	/* W (d x k, row-major) from the solution (k x d, row-major) */
	for (j = 0; j < d; j++)
		for (c = 0; c < k; c++)
			w[(size_t)j * k + c] = rhs[(size_t)c * d + j];
	/* b = mean(x) - W^T mean(f): (k x d)(d) -> k */
	cblas_sgemv(CblasRowMajor, CblasTrans, (int)d, (int)k, -1.0f, w, (int)k,
	    mean_f, 1, 1.0f, bias, 1);
	for (j = 0; j < (1 + d) * k; j++)
		if (!isfinite(out->weights[j])) {
			qf_error_set(err, "prior: a weight is not finite");
			goto out;
		}
	rc = 0;
	goto out;
nomem:
	qf_error_set(err, "prior: out of memory for %u features of rank %u", d,
	    k);
out:
	free(mean_x);
	model_floats_free(residual);
	model_floats_free(gram);
	model_floats_free(rhs);
	model_floats_free(mean_f);
	if (rc < 0)
		model_prior_free(out);
	return rc;
}

int
model_prior_vector(const float *weights, const char *const *table,
    uint32_t n_table, uint32_t k, const char *const *codes, size_t n,
    float *out)
{
	int64_t idx;
	size_t j, f;
	int used = 0, seen;

	memcpy(out, weights, k * sizeof(float));
	for (j = 0; j < n; j++) {
		if (codes[j] == NULL ||
		    (idx = model_feature_find(table, n_table, codes[j])) < 0)
			continue;
		/* Repeats count once (a cadre has a handful of features). */
		seen = 0;
		for (f = 0; f < j && !seen; f++)
			seen = codes[f] != NULL && strcmp(codes[f], codes[j]) == 0;
		if (seen)
			continue;
		/* x += W_idx: k */
		cblas_saxpy((int)k, 1.0f, weights + (size_t)(1 + idx) * k, 1, out, 1);
		used++;
	}
	return used;
}

int
model_user_prior(const struct model *m, const char *const *features,
    size_t n, float *x)
{
	return model_prior_vector(m->user_prior, m->user_features,
	    m->n_user_features, m->k, features, n, x);
}

int
model_item_prior(const struct model *m, const char *const *tags, size_t n,
    float *y)
{
	return model_prior_vector(m->item_prior, m->item_features,
	    m->n_item_features, m->k, tags, n, y);
}
