/*
 * sgemm-bench.c — this machine's single-precision BLAS ceiling: the best
 * of a few timed cblas_sgemm calls on n x n matrices, with the OpenBLAS
 * thread count given, printed as one JSON object. tests/bench/
 * train-bench.sh divides ALS's useful FLOP rate by it.
 *
 *   sgemm-bench [N [THREADS [REPEATS]]]     (default 1024 1 5)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1024;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	int repeats = argc > 3 ? atoi(argv[3]) : 5;
	double best = 1e30, t;
	float *a, *b, *c;
	size_t j, nn;
	int r;

	if (n < 16 || n > 8192 || threads < 1 || threads > 256 || repeats < 1) {
		fprintf(stderr, "usage: sgemm-bench [N 16-8192 [THREADS [REPEATS]]]\n");
		return 2;
	}
	nn = (size_t)n * (size_t)n;
	a = malloc(nn * sizeof(*a));
	b = malloc(nn * sizeof(*b));
	c = malloc(nn * sizeof(*c));
	if (a == NULL || b == NULL || c == NULL)
		return 1;
	for (j = 0; j < nn; j++) {
		a[j] = (float)(j % 7) * 0.1f;
		b[j] = (float)(j % 5) * 0.2f;
	}
	openblas_set_num_threads(threads);
	/* warm-up, then the best of 'repeats': C = A B, (n x n)(n x n) */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f,
	    a, n, b, n, 0.0f, c, n);
	for (r = 0; r < repeats; r++) {
		t = now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
		    1.0f, a, n, b, n, 0.0f, c, n);
		t = now() - t;
		if (t < best)
			best = t;
	}
	printf("{\"n\":%d,\"threads\":%d,\"seconds\":%.6f,\"gflops\":%.3f,"
	    "\"core\":\"%s\",\"check\":%g}\n", n, threads, best,
	    2.0 * n * (double)n * n / best / 1e9, openblas_get_corename(),
	    (double)c[nn / 2]);
	free(a);
	free(b);
	free(c);
	return 0;
}
