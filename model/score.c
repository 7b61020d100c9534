/*
 * score.c — scores of every item for one user vector, and the best N of
 * them without sorting the catalogue: a bounded heap, O(n log N).
 */
#include "config.h"

#include <math.h>

#include <cblas.h>

#include "model.h"

void
model_score_all(const float *item_factors, uint32_t n_items, uint32_t k,
    const float *x, float *scores)
{
	if (n_items == 0)
		return;
	/* scores = Y x: (n_items x k)(k) -> n_items */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n_items, (int)k, 1.0f,
	    item_factors, (int)k, x, 1, 0.0f, scores, 1);
}

/* 1 when item 'a' ranks below item 'b': lower score, or same score and higher index. */
static inline int
ranks_below(const float *scores, uint32_t a, uint32_t b)
{
	return scores[a] < scores[b] || (scores[a] == scores[b] && a > b);
}

/* Restores the heap (worst item at the root) below position 'i'. */
static void
sift_down(const float *scores, uint32_t *heap, size_t size, size_t i)
{
	size_t child;
	uint32_t tmp;

	for (;;) {
		child = 2 * i + 1;
		if (child >= size)
			return;
		if (child + 1 < size &&
		    ranks_below(scores, heap[child + 1], heap[child]))
			child++;
		if (!ranks_below(scores, heap[child], heap[i]))
			return;
		tmp = heap[i];
		heap[i] = heap[child];
		heap[child] = tmp;
		i = child;
	}
}

static void
sift_up(const float *scores, uint32_t *heap, size_t i)
{
	size_t parent;
	uint32_t tmp;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!ranks_below(scores, heap[i], heap[parent]))
			return;
		tmp = heap[i];
		heap[i] = heap[parent];
		heap[parent] = tmp;
		i = parent;
	}
}

size_t
model_top_n(const float *scores, uint32_t n_scores, const uint32_t *exclude,
    size_t n_exclude, size_t n, uint32_t *out_index, float *out_score)
{
	size_t size = 0, e = 0, j;
	uint32_t i, tmp;

	if (n > n_scores)
		n = n_scores;
	if (n == 0)
		return 0;
	/* out_index is the heap: a min-heap on rank, the worst kept at [0]. */
	for (i = 0; i < n_scores; i++) {
		while (e < n_exclude && exclude[e] < i)
			e++;
		if ((e < n_exclude && exclude[e] == i) || isnan(scores[i]))
			continue;
		if (size < n) {
			out_index[size] = i;
			sift_up(scores, out_index, size++);
		} else if (ranks_below(scores, out_index[0], i)) {
			out_index[0] = i;
			sift_down(scores, out_index, size, 0);
		}
	}
	/* Heap sort: move the worst to the end until best-first. */
	for (j = size; j > 1; j--) {
		tmp = out_index[0];
		out_index[0] = out_index[j - 1];
		out_index[j - 1] = tmp;
		sift_down(scores, out_index, j - 1, 0);
	}
	if (out_score != NULL)
		for (j = 0; j < size; j++)
			out_score[j] = scores[out_index[j]];
	return size;
}
