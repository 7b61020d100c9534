/*
 * fold-in-bench.c — the request-time cost of model_fold_in: N fold-ins
 * (default 10,000) against fixed random item factors (default 2,000 items,
 * k = 64), each of 10-50 events drawn from a fixed generator, timed one by
 * one. Prints one JSON object: median, p99 and mean microseconds.
 *
 *   fold-in-bench [K [N [ITEMS]]]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

#include "model/model.h"

static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	uint32_t k = argc > 1 ? (uint32_t)atoi(argv[1]) : 64;
	uint32_t n = argc > 2 ? (uint32_t)atoi(argv[2]) : 10000;
	uint32_t n_items = argc > 3 ? (uint32_t)atoi(argv[3]) : 2000;
	uint32_t items[50], j, e, m;
	float *y, *gram, *x, w[50];
	double *us, t0, sum = 0;
	uint64_t s = 1;
	struct qf_error err;

	if (k < 1 || k > MODEL_MAX_FACTORS || n < 1 || n_items < 50) {
		fprintf(stderr, "usage: fold-in-bench [K [N [ITEMS >= 50]]]\n");
		return 2;
	}
	openblas_set_num_threads(1);
	y = model_floats_alloc((size_t)n_items * k);
	gram = model_floats_alloc((size_t)k * k);
	x = model_floats_alloc(k);
	us = calloc(n, sizeof(*us));
	if (y == NULL || gram == NULL || x == NULL || us == NULL)
		return 1;
	for (j = 0; j < n_items * k; j++)
		y[j] = (float)((double)(next(&s) >> 11) / 9007199254740992.0 - 0.5) *
		    0.2f;
	model_gram(y, n_items, k, gram);
	qf_error_init(&err);
	for (j = 0; j < n; j++) {
		m = 10 + (uint32_t)(next(&s) % 41);
		for (e = 0; e < m; e++) {
			items[e] = (uint32_t)(next(&s) % n_items);
			w[e] = 1.0f + (float)(next(&s) % 3);
		}
		t0 = now_us();
		if (model_fold_in(y, n_items, k, gram, 2.0f, 50.0f, items, w, m, x,
		    &err) < 0) {
			fprintf(stderr, "fold-in-bench: %s\n", err.text);
			return 1;
		}
		us[j] = now_us() - t0;
		sum += us[j];
	}
	qsort(us, n, sizeof(*us), cmp_double);
	printf("{\"k\": %u, \"items\": %u, \"fold_ins\": %u, \"events\": \"10-50\", "
	    "\"median_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f, "
	    "\"core\": \"%s\"}\n", k, n_items, n, us[n / 2],
	    us[(size_t)((double)n * 0.99)], sum / n, openblas_get_corename());
	model_floats_free(y);
	model_floats_free(gram);
	model_floats_free(x);
	free(us);
	return 0;
}
