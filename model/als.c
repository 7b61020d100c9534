/*
 * als.c — implicit-feedback alternating least squares (Hu, Koren &
 * Volinsky 2008) with the conjugate-gradient row solver of Takács, Pilászy
 * & Tikk 2011, or the exact Cholesky one (model.h has the maths).
 *
 * One iteration: users given items, then items given users. Each half-step
 * forms the Gram matrix of the fixed side once (ssyrk; OpenBLAS threads
 * only for very large ones),
 * then solves the rows in blocks handed out to 'threads' pthreads, each
 * with its own scratch and single-threaded BLAS. A row's result depends
 * only on its own data, never on which thread took it, and partial losses
 * are summed in block order, so runs repeat bit for bit.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "extern.h"

/* Rows per work unit handed to a thread. */
#define ROWS_PER_BLOCK 64

/*
 * The defaults, and qingfeng-train's: chosen on ml-100k with weight = the
 * 1-5 rating (every rating an interaction), on a validation split cut at
 * random (25% of the ratings, awk srand(1)) from u1.base, never on
 * u1.test. What the grid showed, by precision@10 on that split:
 *   - lambda matters most: 0.05 (the usual `implicit` scale) overfits,
 *     0.221; the best lambda grows with alpha as lambda/alpha ~ 25:
 *     alpha 2 / lambda 50 gave 0.294, alpha 4 / 80 0.293, alpha 1 / 20
 *     0.285 (k 32), alpha 8 / 160 0.270; lambda 80 at alpha 2 fell to 0.274.
 *   - at that lambda, k barely matters (16: 0.292, 32: 0.291, 64: 0.294,
 *     128: 0.295): 64 for room with richer data; 10-30 iterations agree
 *     within 0.002, CG with 2-6 steps and exact Cholesky within 0.002,
 *     seeds within 0.001.
 *   - weight = 1 for every rating ranked about the same as the rating
 *     (0.222 against 0.221 at lambda 0.05); keeping only ratings >= 4
 *     trained on less and ranked worse (0.164), the test holding every
 *     rating.
 * The strong lambda trades catalogue coverage (0.21 of items in some
 * top 10, against 0.34 at lambda 0.05) for accuracy; the popularity
 * baseline covers 0.03.
 */
void
model_als_options_default(struct model_als_options *o)
{
	memset(o, 0, sizeof(*o));
	o->factors = 64;
	o->regularization = 50.0f;
	o->alpha = 2.0f;
	o->iterations = 15;
	o->cg_steps = 3;
	o->threads = 1;
	o->seed = 42;
}

int
model_als_options_check(const struct model_als_options *o,
    struct qf_error *err)
{
	if (o->factors < 1 || o->factors > MODEL_MAX_FACTORS) {
		qf_error_set(err, "factors must be 1-%d, not %u",
		    MODEL_MAX_FACTORS, o->factors);
		return -1;
	}
	if (!isfinite(o->regularization) || o->regularization < 0.0f ||
	    (o->cg_steps == 0 && o->regularization <= 0.0f)) {
		qf_error_set(err, "regularization must be finite and %s, not %g",
		    o->cg_steps == 0 ? "> 0 for the exact solver" : ">= 0",
		    (double)o->regularization);
		return -1;
	}
	if (!isfinite(o->alpha) || o->alpha < 0.0f || o->alpha > 1e6f) {
		qf_error_set(err, "alpha must be 0-1e6, not %g", (double)o->alpha);
		return -1;
	}
	if (o->iterations < 1 || o->iterations > 1000) {
		qf_error_set(err, "iterations must be 1-1000, not %u",
		    o->iterations);
		return -1;
	}
	if (o->cg_steps > 64) {
		qf_error_set(err, "cg_steps must be 0-64, not %u", o->cg_steps);
		return -1;
	}
	if (o->threads < 1 || o->threads > 256) {
		qf_error_set(err, "threads must be 1-256, not %u", o->threads);
		return -1;
	}
	return 0;
}

void
model_factors_free(struct model_factors *f)
{
	if (f == NULL)
		return;
	model_floats_free(f->user);
	model_floats_free(f->item);
	memset(f, 0, sizeof(*f));
}

/* splitmix64 (Steele, Lea & Flood 2014): a tiny generator fixed by the seed. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 0.01), as `implicit` starts its factors. */
static void
fill_random(float *a, size_t n, uint64_t *state)
{
	size_t j;

	for (j = 0; j < n; j++)
		a[j] = (float)(splitmix64(state) >> 40) * (1.0f / 16777216.0f) *
		    0.01f;
}

enum half_step_kind { HALF_STEP_SOLVE, HALF_STEP_LOSS };

/* One half-step: what every worker reads, and the counter they share. */
struct half_step {
	enum half_step_kind kind;
	const struct model_csr *rows;    /* the side being solved */
	const float *fixed;              /* the other side, rows->n_cols x k */
	float *solve;                    /* rows->n_rows x k, updated */
	const float *gram;               /* k x k: + lambda I when solving */
	const struct model_als_options *o;
	uint32_t k;
	uint32_t n_blocks;
	atomic_uint next_block;
	atomic_int failed_row;           /* -1, or a row whose solve failed */
	double *block_loss;              /* n_blocks, for HALF_STEP_LOSS */
};

struct worker {
	struct half_step *h;
	struct solve_scratch scratch;
	pthread_t thread;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct half_step *h = w->h;
	const struct model_csr *m = h->rows;
	uint32_t block, r, end;
	uint64_t start, nnz;
	double loss;
	float *x;
	int expected;

	while ((block = atomic_fetch_add(&h->next_block, 1)) < h->n_blocks) {
		r = block * ROWS_PER_BLOCK;
		end = m->n_rows - r < ROWS_PER_BLOCK ? m->n_rows :
		    r + ROWS_PER_BLOCK;
		loss = 0.0;
		for (; r < end; r++) {
			start = m->row_ptr[r];
			nnz = m->row_ptr[r + 1] - start;
			x = h->solve + (size_t)r * h->k;
			if (h->kind == HALF_STEP_LOSS) {
				loss += solve_row_loss(h->fixed, h->k, h->gram,
				    m->col + start, m->val + start, nnz,
				    h->o->alpha, &w->scratch, x);
			} else if (h->o->cg_steps > 0) {
				solve_row_cg(h->fixed, h->k, h->gram,
				    m->col + start, m->val + start, nnz,
				    h->o->alpha, h->o->cg_steps, &w->scratch, x);
			} else if (solve_row_cholesky(h->fixed, h->k, h->gram,
			    m->col + start, m->val + start, nnz, h->o->alpha,
			    &w->scratch, x) < 0) {
				expected = -1;
				atomic_compare_exchange_strong(&h->failed_row,
				    &expected, (int)r);
			}
		}
		if (h->block_loss != NULL)
			h->block_loss[block] = loss;
	}
	return NULL;
}

/*
 * Runs half-step 'h' on up to 'n_workers' workers, the first in this thread.
 * A thread that cannot be started is no error: the others take its blocks,
 * and since a row's result does not depend on its thread, nothing changes.
 */
static void
half_step_run(struct half_step *h, struct worker *workers,
    uint32_t n_workers)
{
	uint32_t t, started = 0;

	h->n_blocks = (h->rows->n_rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
	atomic_store(&h->next_block, 0);
	atomic_store(&h->failed_row, -1);
	for (t = 1; t < n_workers && t < h->n_blocks; t++) {
		workers[t].h = h;
		if (pthread_create(&workers[t].thread, NULL, worker_run,
		    &workers[t]) != 0)
			break;
		started++;
	}
	workers[0].h = h;
	worker_run(&workers[0]);
	for (t = 1; t <= started; t++)
		pthread_join(workers[t].thread, NULL);
}

/* Y^T Y (+ lambda I when 'lambda' > 0) of 'n' rows, with 'threads' BLAS threads. */
static void
gram_with(const float *factors, uint32_t n, uint32_t k, float lambda,
    uint32_t threads, float *gram)
{
	uint32_t i;

	/* The Gram matrix is a sliver of an iteration (100,000 x 64 x 64 takes
	 * 5 ms on one thread, the row solves a second), and OpenBLAS's threads
	 * spin for a while after a call, taking CPU from our own workers: so
	 * one BLAS thread below ~1 Gflop. The result is the same either way,
	 * each entry of the Gram matrix being summed by one thread. */
	if ((double)n * k * k < 1e9)
		threads = 1;
	openblas_set_num_threads((int)threads);
	model_gram(factors, n, k, gram);
	openblas_set_num_threads(1);
	for (i = 0; i < k; i++)
		gram[(size_t)i * k + i] += lambda;
}

/* Squared Frobenius norm, summed in double. */
static double
squared_norm(const float *a, size_t n)
{
	double s = 0.0;
	size_t j;

	for (j = 0; j < n; j++)
		s += (double)a[j] * a[j];
	return s;
}

/*
 * The loss of model.h, divided by the total confidence
 * n_users n_items + sum (c - 1) (the `implicit` normalisation).
 */
static double
compute_loss(const struct model_interactions *train,
    const struct model_als_options *o, struct model_factors *f,
    float *gram, struct worker *workers, double *block_loss)
{
	struct half_step h;
	double sum = 0.0, total;
	uint64_t j;
	uint32_t b;

	gram_with(f->item, f->n_items, f->k, 0.0f, o->threads, gram);
	memset(&h, 0, sizeof(h));
	h.kind = HALF_STEP_LOSS;
	h.rows = &train->by_user;
	h.fixed = f->item;
	h.solve = f->user;
	h.gram = gram;
	h.o = o;
	h.k = f->k;
	h.block_loss = block_loss;
	half_step_run(&h, workers, o->threads);
	for (b = 0; b < h.n_blocks; b++)
		sum += block_loss[b];
	sum += o->regularization *
	    (squared_norm(f->user, (size_t)f->n_users * f->k) +
	    squared_norm(f->item, (size_t)f->n_items * f->k));
	total = (double)f->n_users * f->n_items;
	for (j = 0; j < train->by_user.nnz; j++)
		total += o->alpha * fabs((double)train->by_user.val[j]);
	return sum / total;
}

int
model_als_fit(const struct model_interactions *train,
    const struct model_als_options *o, struct model_factors *out,
    struct model_als_report *report, struct qf_error *err)
{
	struct worker *workers = NULL;
	struct half_step h;
	double *block_loss = NULL, loss = NAN, solve_seconds = 0.0;
	int64_t t_start, t_iter;
	uint64_t rng;
	float *gram = NULL;
	uint32_t k, t, it, max_rows;
	int saved_threads, rc = -1;

	memset(out, 0, sizeof(*out));
	if (report != NULL) {
		memset(report, 0, sizeof(*report));
		report->final_loss = NAN;
	}
	if (model_als_options_check(o, err) < 0)
		return -1;
	if (train->n_users == 0 || train->n_items == 0 ||
	    train->by_user.n_rows != train->n_users ||
	    train->by_user.n_cols != train->n_items ||
	    train->by_item.n_rows != train->n_items ||
	    train->by_item.n_cols != train->n_users) {
		qf_error_set(err, "training matrix is empty or inconsistent");
		return -1;
	}
	t_start = clock_monotonic_us();
	saved_threads = openblas_get_num_threads();
	k = o->factors;
	out->k = k;
	out->n_users = train->n_users;
	out->n_items = train->n_items;
	max_rows = train->n_users > train->n_items ? train->n_users :
	    train->n_items;
	out->user = model_floats_alloc((size_t)train->n_users * k);
	out->item = model_floats_alloc((size_t)train->n_items * k);
	gram = model_floats_alloc((size_t)k * k);
	block_loss = calloc(max_rows / ROWS_PER_BLOCK + 1, sizeof(*block_loss));
	workers = calloc(o->threads, sizeof(*workers));
	if (out->user == NULL || out->item == NULL || gram == NULL ||
	    block_loss == NULL || workers == NULL)
		goto nomem;
	for (t = 0; t < o->threads; t++)
		if (solve_scratch_alloc(&workers[t].scratch, k) < 0)
			goto nomem;

	rng = o->seed;
	fill_random(out->user, (size_t)train->n_users * k, &rng);
	fill_random(out->item, (size_t)train->n_items * k, &rng);

	for (it = 0; it < o->iterations; it++) {
		t_iter = clock_monotonic_us();
		memset(&h, 0, sizeof(h));
		h.kind = HALF_STEP_SOLVE;
		h.o = o;
		h.k = k;
		h.gram = gram;

		/* users given items: Y^T Y + lambda I, then each x_u */
		gram_with(out->item, train->n_items, k, o->regularization,
		    o->threads, gram);
		h.rows = &train->by_user;
		h.fixed = out->item;
		h.solve = out->user;
		half_step_run(&h, workers, o->threads);
		if (atomic_load(&h.failed_row) >= 0) {
			qf_error_set(err, "the system of user %d is not positive "
			    "definite (regularization too small?)",
			    atomic_load(&h.failed_row));
			goto out;
		}

		/* items given users: X^T X + lambda I, then each y_i */
		gram_with(out->user, train->n_users, k, o->regularization,
		    o->threads, gram);
		h.rows = &train->by_item;
		h.fixed = out->user;
		h.solve = out->item;
		half_step_run(&h, workers, o->threads);
		if (atomic_load(&h.failed_row) >= 0) {
			qf_error_set(err, "the system of item %d is not positive "
			    "definite (regularization too small?)",
			    atomic_load(&h.failed_row));
			goto out;
		}
		solve_seconds += (double)(clock_monotonic_us() - t_iter) / 1e6;

		if (o->compute_loss)
			loss = compute_loss(train, o, out, gram, workers,
			    block_loss);
		if (o->progress != NULL)
			o->progress(o->progress_ctx, it + 1, loss,
			    (double)(clock_monotonic_us() - t_iter) / 1e6);
	}
	if (report != NULL) {
		report->iterations = o->iterations;
		report->fit_seconds =
		    (double)(clock_monotonic_us() - t_start) / 1e6;
		report->seconds_per_iteration = solve_seconds / o->iterations;
		report->final_loss = loss;
	}
	rc = 0;
	goto out;
nomem:
	qf_error_set(err, "out of memory for %u x %u factors of rank %u",
	    train->n_users, train->n_items, k);
out:
	openblas_set_num_threads(saved_threads);
	if (workers != NULL)
		for (t = 0; t < o->threads; t++)
			solve_scratch_free(&workers[t].scratch);
	free(workers);
	free(block_loss);
	model_floats_free(gram);
	if (rc < 0)
		model_factors_free(out);
	return rc;
}
