/*
 * pipeline.c — interactions in, trained factors and hold-out metrics out,
 * whatever the interactions came from: the part of training that the text
 * files of today and the events table of tomorrow share.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cblas.h>

#include "extern.h"

json_int_t
train_peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -1;
	return (json_int_t)ru.ru_maxrss;   /* kilobytes on Linux */
}

void
pipeline_result_free(struct pipeline_result *r)
{
	model_interactions_free(&r->train);
	model_factors_free(&r->factors);
	model_csr_free(&r->test);
	memset(r, 0, sizeof(*r));
}

static void
print_progress(void *ctx, uint32_t iteration, double loss, double seconds)
{
	(void)ctx;
	fprintf(stderr, "qingfeng-train: iteration %u loss %.6g (%.3f s)\n",
	    iteration, loss, seconds);
}

/*
 * Debian's OpenBLAS picks its kernels by CPU model; on a CPU it does not
 * know (a virtual machine's, often) it falls back to Prescott's SSE3
 * kernels, about 3 times slower here than AVX2 ones. Only the environment,
 * read when the library loads, can change that.
 */
static void
warn_slow_blas(void)
{
#if defined(__x86_64__)
	const char *core = openblas_get_corename();

	if (core != NULL && strcmp(core, "Prescott") == 0 &&
	    __builtin_cpu_supports("avx2"))
		fprintf(stderr, "qingfeng-train: OpenBLAS chose Prescott kernels "
		    "on a CPU with AVX2: OPENBLAS_CORETYPE=Haswell (or SkylakeX "
		    "with AVX-512) in the environment makes training faster\n");
#endif
}

/*
 * The test triples as a matrix in the training indices. Pairs whose user or
 * item never occurs in training cannot be ranked by any model: they are
 * counted in 'unknown' and left out, for ALS and popularity alike.
 */
int
pipeline_test_matrix(const struct model_interactions *train,
    const struct train_triples *test, struct model_csr *out,
    uint64_t *unknown, struct qf_error *err)
{
	uint32_t *rows = NULL, *cols = NULL;
	float *vals = NULL;
	int64_t u, i;
	size_t j, n = 0;
	int rc = -1;

	*unknown = 0;
	if (test->n > 0) {
		rows = malloc(test->n * sizeof(*rows));
		cols = malloc(test->n * sizeof(*cols));
		vals = malloc(test->n * sizeof(*vals));
		if (rows == NULL || cols == NULL || vals == NULL) {
			qf_error_set(err, "out of memory for %zu test pairs",
			    test->n);
			goto out;
		}
	}
	for (j = 0; j < test->n; j++) {
		u = model_id_find(train->user_ids, train->n_users, test->v[j].user);
		i = model_id_find(train->item_ids, train->n_items, test->v[j].item);
		if (u < 0 || i < 0) {
			(*unknown)++;
			continue;
		}
		rows[n] = (uint32_t)u;
		cols[n] = (uint32_t)i;
		vals[n] = test->v[j].weight;
		n++;
	}
	rc = model_csr_build(train->n_users, train->n_items, rows, cols, vals, n,
	    out, err);
out:
	free(rows);
	free(cols);
	free(vals);
	return rc;
}

/* The largest row norm of an n x k matrix. */
static double
largest_norm(const float *a, uint32_t n, uint32_t k)
{
	double best = 0.0, s;
	uint32_t r, c;

	for (r = 0; r < n; r++) {
		s = 0.0;
		for (c = 0; c < k; c++)
			s += (double)a[(size_t)r * k + c] * a[(size_t)r * k + c];
		if (s > best)
			best = s;
	}
	return sqrt(best);
}

/*
 * 1 when no score can reach 0.001 (|x . y| <= |x| |y|) on a scale where
 * a preference is 1: with a lambda too strong for the amount of data, ALS
 * shrinks every factor towards zero and the ranking is noise.
 */
static int
collapsed(const struct model_factors *f)
{
	return largest_norm(f->user, f->n_users, f->k) *
	    largest_norm(f->item, f->n_items, f->k) < 1e-3;
}

int
pipeline_run(const struct train_triples *train,
    const struct train_triples *test, const struct model_als_options *o,
    int verbose, struct pipeline_result *out, struct qf_error *err)
{
	struct model_als_options als = *o;
	struct model_popularity popularity;
	int64_t t0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&popularity, 0, sizeof(popularity));
	if (verbose) {
		als.compute_loss = 1;
		als.progress = print_progress;
		warn_slow_blas();
	}
	if (model_interactions_build(train->v, train->n, &out->train, err) < 0 ||
	    model_als_fit(&out->train, &als, &out->factors, &out->report,
	    err) < 0)
		goto out;
	if (collapsed(&out->factors)) {
		qf_error_set(err, "the factors shrank to zero: "
		    "regularization %g is too strong for %llu interactions",
		    (double)o->regularization,
		    (unsigned long long)out->train.by_user.nnz);
		goto out;
	}
	if (test == NULL) {
		rc = 0;
		goto out;
	}

	t0 = clock_monotonic_us();
	if (pipeline_test_matrix(&out->train, test, &out->test, &out->test_pairs_unknown,
	    err) < 0 ||
	    model_evaluate(&out->train.by_user, &out->test, model_scorer_factors,
	    &out->factors, &out->als, err) < 0 ||
	    model_popularity_build(&out->train.by_user, &popularity, err) < 0 ||
	    model_evaluate(&out->train.by_user, &out->test,
	    model_scorer_popularity, &popularity, &out->popularity, err) < 0)
		goto out;
	out->eval_seconds = (double)(clock_monotonic_us() - t0) / 1e6;
	out->evaluated = 1;
	rc = 0;
out:
	model_popularity_free(&popularity);
	if (rc < 0)
		pipeline_result_free(out);
	return rc;
}

/* A JSON number; null when not finite (JSON has no NaN). */
static json_t *
number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int
put_metrics(json_t *obj, const struct model_metrics *m)
{
	return json_object_set_new(obj, "precision_at_10", number(m->precision)) |
	    json_object_set_new(obj, "recall_at_10", number(m->recall)) |
	    json_object_set_new(obj, "ndcg_at_10", number(m->ndcg)) |
	    json_object_set_new(obj, "map_at_10", number(m->map)) |
	    json_object_set_new(obj, "auc", number(m->auc)) |
	    json_object_set_new(obj, "coverage", number(m->coverage));
}

json_t *
train_metrics_json(const struct model_metrics *m)
{
	json_t *obj = json_object();

	if (obj == NULL || put_metrics(obj, m) != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *
pipeline_result_json(const struct pipeline_result *r,
    const struct model_als_options *o)
{
	json_t *obj, *pop = NULL;
	int bad = 0;

	if ((obj = json_object()) == NULL)
		return NULL;
	if (r->evaluated) {
		if ((pop = json_object()) == NULL) {
			json_decref(obj);
			return NULL;
		}
		bad |= put_metrics(obj, &r->als);
	}
	bad |= json_object_set_new(obj, "fit_seconds",
	    number(r->report.fit_seconds));
	if (r->evaluated) {
		bad |= put_metrics(pop, &r->popularity);
		bad |= json_object_set_new(obj, "popularity", pop);
	}
	bad |= json_object_set_new(obj, "seconds_per_iteration",
	    number(r->report.seconds_per_iteration));
	bad |= json_object_set_new(obj, "loss", number(r->report.final_loss));
	bad |= json_object_set_new(obj, "factors", json_integer(o->factors));
	bad |= json_object_set_new(obj, "iterations",
	    json_integer(o->iterations));
	bad |= json_object_set_new(obj, "regularization",
	    number(o->regularization));
	bad |= json_object_set_new(obj, "alpha", number(o->alpha));
	bad |= json_object_set_new(obj, "cg_steps", json_integer(o->cg_steps));
	bad |= json_object_set_new(obj, "threads", json_integer(o->threads));
	bad |= json_object_set_new(obj, "seed",
	    json_integer((json_int_t)o->seed));
	bad |= json_object_set_new(obj, "blas_core",
	    json_string(openblas_get_corename()));
	bad |= json_object_set_new(obj, "peak_rss_kb",
	    json_integer(train_peak_rss_kb()));
	bad |= json_object_set_new(obj, "users", json_integer(r->train.n_users));
	bad |= json_object_set_new(obj, "items", json_integer(r->train.n_items));
	bad |= json_object_set_new(obj, "train_pairs",
	    json_integer((json_int_t)r->train.by_user.nnz));
	if (r->evaluated) {
		bad |= json_object_set_new(obj, "test_users",
		    json_integer(r->als.users_evaluated));
		bad |= json_object_set_new(obj, "test_pairs_ranked",
		    json_integer((json_int_t)r->als.relevant_pairs));
		bad |= json_object_set_new(obj, "test_pairs_in_train",
		    json_integer((json_int_t)r->als.skipped_pairs));
		bad |= json_object_set_new(obj, "test_pairs_unknown",
		    json_integer((json_int_t)r->test_pairs_unknown));
		bad |= json_object_set_new(obj, "eval_seconds",
		    number(r->eval_seconds));
	}
	if (bad) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
