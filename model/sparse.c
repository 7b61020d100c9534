/*
 * sparse.c — the interaction matrix in compressed sparse rows, its
 * transpose, and the maps from external ids to dense indices.
 *
 * Building is two stable counting sorts (by column, then by row), so each
 * row comes out in ascending column order with repeated pairs adjacent in
 * input order; summing them then gives the same floats on every run.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void
model_csr_free(struct model_csr *m)
{
	if (m == NULL)
		return;
	free(m->row_ptr);
	free(m->col);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

int
model_csr_build(uint32_t n_rows, uint32_t n_cols, const uint32_t *rows,
    const uint32_t *cols, const float *vals, size_t n, struct model_csr *out,
    struct qf_error *err)
{
	size_t *count_col = NULL, *by_col = NULL, *by_row = NULL, *slot = NULL;
	size_t j, e;
	uint64_t w, r;

	memset(out, 0, sizeof(*out));
	if (n_rows > MODEL_MAX_ROWS || n_cols > MODEL_MAX_ROWS) {
		qf_error_set(err, "matrix of %u x %u is larger than the limit %u",
		    n_rows, n_cols, MODEL_MAX_ROWS);
		return -1;
	}
	if ((uint64_t)n > MODEL_MAX_NNZ) {
		qf_error_set(err, "%zu entries are more than the limit", n);
		return -1;
	}
	for (j = 0; j < n; j++) {
		if (rows[j] >= n_rows || cols[j] >= n_cols) {
			qf_error_set(err, "entry %zu at (%u, %u) is outside the "
			    "%u x %u matrix", j, rows[j], cols[j], n_rows, n_cols);
			return -1;
		}
		if (!isfinite(vals[j])) {
			qf_error_set(err, "entry %zu has a non-finite value", j);
			return -1;
		}
	}

	out->n_rows = n_rows;
	out->n_cols = n_cols;
	count_col = calloc((size_t)n_cols + 1, sizeof(*count_col));
	slot = calloc((size_t)n_rows + 1, sizeof(*slot));
	out->row_ptr = calloc((size_t)n_rows + 1, sizeof(*out->row_ptr));
	if (n > 0) {
		by_col = malloc(n * sizeof(*by_col));
		by_row = malloc(n * sizeof(*by_row));
		out->col = malloc(n * sizeof(*out->col));
		out->val = malloc(n * sizeof(*out->val));
	}
	if (count_col == NULL || slot == NULL || out->row_ptr == NULL ||
	    (n > 0 && (by_col == NULL || by_row == NULL || out->col == NULL ||
	    out->val == NULL))) {
		qf_error_set(err, "out of memory for a matrix of %zu entries", n);
		goto err;
	}

	/* Stable counting sort of the entries by column ... */
	for (j = 0; j < n; j++)
		count_col[cols[j] + 1]++;
	for (j = 0; j < n_cols; j++)
		count_col[j + 1] += count_col[j];
	for (j = 0; j < n; j++)
		by_col[count_col[cols[j]]++] = j;
	/* ... then by row, which keeps each row in column order. */
	for (j = 0; j < n; j++)
		slot[rows[j] + 1]++;
	for (j = 0; j < n_rows; j++)
		slot[j + 1] += slot[j];
	for (j = 0; j < n; j++) {
		e = by_col[j];
		by_row[slot[rows[e]]++] = e;
	}

	/* Rows in order, repeated columns summed: row r now ends at slot[r]. */
	w = 0;
	j = 0;
	for (r = 0; r < n_rows; r++) {
		out->row_ptr[r] = w;
		for (; j < slot[r]; j++) {
			e = by_row[j];
			if (w > out->row_ptr[r] && out->col[w - 1] == cols[e]) {
				out->val[w - 1] += vals[e];
				continue;
			}
			out->col[w] = cols[e];
			out->val[w] = vals[e];
			w++;
		}
	}
	out->row_ptr[n_rows] = w;
	out->nnz = w;

	free(count_col);
	free(slot);
	free(by_col);
	free(by_row);
	return 0;
err:
	free(count_col);
	free(slot);
	free(by_col);
	free(by_row);
	model_csr_free(out);
	return -1;
}

int
model_csr_transpose(const struct model_csr *a, struct model_csr *out,
    struct qf_error *err)
{
	uint64_t *next = NULL, j, dst;
	uint32_t r, c;

	memset(out, 0, sizeof(*out));
	out->n_rows = a->n_cols;
	out->n_cols = a->n_rows;
	out->nnz = a->nnz;
	out->row_ptr = calloc((size_t)a->n_cols + 1, sizeof(*out->row_ptr));
	next = calloc((size_t)a->n_cols + 1, sizeof(*next));
	if (a->nnz > 0) {
		out->col = malloc(a->nnz * sizeof(*out->col));
		out->val = malloc(a->nnz * sizeof(*out->val));
	}
	if (out->row_ptr == NULL || next == NULL ||
	    (a->nnz > 0 && (out->col == NULL || out->val == NULL))) {
		qf_error_set(err, "out of memory transposing %llu entries",
		    (unsigned long long)a->nnz);
		goto err;
	}
	for (j = 0; j < a->nnz; j++)
		out->row_ptr[a->col[j] + 1]++;
	for (c = 0; c < a->n_cols; c++)
		out->row_ptr[c + 1] += out->row_ptr[c];
	memcpy(next, out->row_ptr, ((size_t)a->n_cols + 1) * sizeof(*next));
	/* Rows of 'a' in order: each transposed row fills in ascending order. */
	for (r = 0; r < a->n_rows; r++)
		for (j = a->row_ptr[r]; j < a->row_ptr[r + 1]; j++) {
			dst = next[a->col[j]]++;
			out->col[dst] = r;
			out->val[dst] = a->val[j];
		}
	free(next);
	return 0;
err:
	free(next);
	model_csr_free(out);
	return -1;
}

/* ------------------------------------------------------------- id maps */

static int
compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
model_id_find(const int64_t *ids, uint32_t n, int64_t id)
{
	uint32_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == id ? (int64_t)lo : -1;
}

/*
 * The distinct user ids of the 'n' triples (item ids with 'want_items'),
 * ascending, in a new array stored to '*out' with its length to '*n_out'.
 */
static int
distinct_ids(const struct model_triple *t, size_t n, int want_items,
    int64_t **out, uint32_t *n_out, struct qf_error *err)
{
	int64_t *ids;
	size_t j, w;

	*out = NULL;
	if ((ids = malloc(n * sizeof(*ids))) == NULL) {
		qf_error_set(err, "out of memory for %zu ids", n);
		return -1;
	}
	for (j = 0; j < n; j++)
		ids[j] = want_items ? t[j].item : t[j].user;
	qsort(ids, n, sizeof(*ids), compare_int64);
	for (w = 0, j = 0; j < n; j++)
		if (w == 0 || ids[w - 1] != ids[j])
			ids[w++] = ids[j];
	if (w > MODEL_MAX_ROWS) {
		qf_error_set(err, "%zu distinct %s are more than the limit %u",
		    w, want_items ? "items" : "users", MODEL_MAX_ROWS);
		free(ids);
		return -1;
	}
	*out = ids;
	*n_out = (uint32_t)w;
	return 0;
}

void
model_interactions_free(struct model_interactions *m)
{
	if (m == NULL)
		return;
	free(m->user_ids);
	free(m->item_ids);
	model_csr_free(&m->by_user);
	model_csr_free(&m->by_item);
	memset(m, 0, sizeof(*m));
}

int
model_interactions_build(const struct model_triple *triples, size_t n,
    struct model_interactions *out, struct qf_error *err)
{
	uint32_t *rows = NULL, *cols = NULL;
	float *vals = NULL;
	size_t j;

	memset(out, 0, sizeof(*out));
	if (n == 0) {
		qf_error_set(err, "no interactions to build a matrix from");
		return -1;
	}
	if (distinct_ids(triples, n, 0, &out->user_ids, &out->n_users, err) < 0 ||
	    distinct_ids(triples, n, 1, &out->item_ids, &out->n_items, err) < 0)
		goto err;
	rows = malloc(n * sizeof(*rows));
	cols = malloc(n * sizeof(*cols));
	vals = malloc(n * sizeof(*vals));
	if (rows == NULL || cols == NULL || vals == NULL) {
		qf_error_set(err, "out of memory for %zu interactions", n);
		goto err;
	}
	for (j = 0; j < n; j++) {
		rows[j] = (uint32_t)model_id_find(out->user_ids, out->n_users,
		    triples[j].user);
		cols[j] = (uint32_t)model_id_find(out->item_ids, out->n_items,
		    triples[j].item);
		vals[j] = triples[j].weight;
	}
	if (model_csr_build(out->n_users, out->n_items, rows, cols, vals, n,
	    &out->by_user, err) < 0 ||
	    model_csr_transpose(&out->by_user, &out->by_item, err) < 0)
		goto err;
	free(rows);
	free(cols);
	free(vals);
	return 0;
err:
	free(rows);
	free(cols);
	free(vals);
	model_interactions_free(out);
	return -1;
}
