/*
 * cmd-run.c — `qingfeng-train run`: the nightly (or admin-started)
 * training run, from the database to a promoted model file.
 *
 *   1. record the run in model_runs ('running'; or claim --run-id's row),
 *      then take "<model>.lock" so that two runs never overlap;
 *   2. read the events of cadres on published items and the features of
 *      cadres and items (read-only, one snapshot: input-db.c), turn them
 *      into strengths and hold out each cadre's latest interactions
 *      (events.c has the weights and the split);
 *   3. train on the rest and evaluate the hold-out: the candidate and the
 *      popularity baseline, and the model in service on the held-out
 *      pairs it has never seen (run_evaluate_served says why and how);
 *   4. promote when the candidate's nDCG@10 is not below popularity's, nor
 *      the model in service's, by more than --tolerance; otherwise record
 *      'rejected' and leave the file alone;
 *   5. on promotion, retrain on all the data, fit the cold-start feature
 *      priors, write "<model>.next" atomically, load it back (the full
 *      validation the app makes), rename it over the model, sync the
 *      directory, and record 'promoted' with the file's version.
 * Any failure after step 1 records 'failed' with the reason. Exit status:
 * 0 promoted or rejected, 1 failure, 2 bad arguments.
 *
 * Why nDCG@10 with 0.02 absolute: it rewards putting the held-out items
 * near the top, where the feed shows them. On the synthetic cohort of
 * tests/train (120 cadres) two nights with the same data and settings
 * agree to 0.001 and a retrained model with one more day of data moved
 * it by 0.01; 0.02 lets such a model replace the old one, yet stops a
 * regression that costs a fifth of a relevant item in every ten shown.
 * It is absolute because nDCG@10 is already a share (0-1).
 *
 * ALS takes the library's defaults (lambda 50, alpha 2: model/als.c).
 * On the synthetic cohort (120 and 1,200 cadres) lambda/alpha near 25
 * ranked best there too: lambda 5-20 gave nDCG@10 0.29-0.36 and 0.11-0.16
 * against 0.37 and 0.21 at 50; lambda 100 at alpha 2 fell back to the
 * popularity ranking on the small cohort, 200 shrank it to zero (refused
 * by pipeline.c as "the factors shrank to zero"). Synthetic data only
 * says the defaults are sane: tune on the real events with --holdout-*.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

/* Everything one run owns; released by run_free. */
struct run {
	struct train_options o;
	struct run_record record;
	int lock_fd;
	int64_t t0;
	struct train_data data;
	struct train_split split;
	struct pipeline_result candidate;
	int have_candidate;
	struct pipeline_result final;
	int have_final;
	struct model *served;
	int served_how;                 /* SERVED_NONE, _FRESH or _STORED */
	struct model_metrics served_metrics;      /* _FRESH: on fresh pairs */
	struct model_metrics candidate_fresh;     /* _FRESH: the candidate */
	uint64_t fresh_pairs;
	int64_t served_horizon;         /* its latest event; newer are fresh */
	int64_t events_through;         /* tonight's latest event */
	double served_ndcg;             /* what the candidate is held to */
	double candidate_ndcg;          /* on the same pairs */
	char served_note[700];
	struct model_prior user_prior;
	struct model_prior item_prior;
	json_t *metrics;                /* what model_runs.metrics gets */
	char version[MODEL_VERSION_SIZE];
	char message[1024];
};

static void
run_free(struct run *r)
{
	if (r->have_candidate)
		pipeline_result_free(&r->candidate);
	if (r->have_final)
		pipeline_result_free(&r->final);
	train_split_free(&r->split);
	train_data_free(&r->data);
	model_unload(r->served);
	model_prior_free(&r->user_prior);
	model_prior_free(&r->item_prior);
	json_decref(r->metrics);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	run_record_close(&r->record);
}

static double
elapsed(const struct run *r)
{
	return (double)(clock_monotonic_us() - r->t0) / 1e6;
}

/* A JSON number; null when not finite. */
static json_t *
number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* ------------------------------------------------------------ the data */

/* Reads, splits, and checks there is enough to train and to judge. */
static int
run_read(struct run *r, struct qf_error *err)
{
	size_t j;

	if (train_read_db(r->o.db_path, r->o.busy_timeout_ms, &r->data,
	    err) < 0)
		return -1;
	if (r->data.events.n == 0) {
		qf_error_set(err, "no events to learn from: no cadre has opened, "
		    "read, completed or dismissed a published item yet");
		return -1;
	}
	for (j = 0; j < r->data.events.n; j++)
		if (r->data.events.v[j].at > r->events_through)
			r->events_through = r->data.events.v[j].at;
	if (train_split(&r->data.events, r->o.holdout_per_user,
	    r->o.holdout_days, &r->split, err) < 0)
		return -1;
	if (r->split.all.n == 0) {
		qf_error_set(err, "too few events: %zu events make no "
		    "interaction", r->data.events.n);
		return -1;
	}
	if (r->split.test.n == 0 || r->split.train_users < 2) {
		if (r->o.holdout_days > 0)
			qf_error_set(err, "too few interactions to judge a model: "
			    "%u cadres have interactions before the last %u days "
			    "and %zu pairs fall in them (need 2 cadres and a "
			    "held-out pair)", r->split.train_users,
			    r->o.holdout_days, r->split.test.n);
		else
			qf_error_set(err, "too few interactions to judge a model: "
			    "%zu interactions of %u cadres, no cadre has more "
			    "than %u to hold out (need 2 cadres and a held-out "
			    "pair)", r->split.all.n, r->split.train_users,
			    r->o.holdout_per_user);
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------------- the model in service */

/*
 * Loads the model in service. A missing file is no model; an unreadable
 * or corrupt one is treated as none too (the new model replaces it), and
 * the note says so.
 */
static void
run_load_served(struct run *r)
{
	struct qf_error load_err;

	qf_error_init(&load_err);
	if (access(r->o.model_path, F_OK) < 0 && errno == ENOENT) {
		snprintf(r->served_note, sizeof(r->served_note),
		    "no model in service");
		return;
	}
	if ((r->served = model_load(r->o.model_path, &load_err)) == NULL) {
		snprintf(r->served_note, sizeof(r->served_note),
		    "the model in service is unusable (%s): treated as none",
		    load_err.text);
		fprintf(stderr, "qingfeng-train: %s\n", r->served_note);
		return;
	}
	snprintf(r->served_note, sizeof(r->served_note), "model in service %s",
	    r->served->version);
}

enum { SERVED_NONE, SERVED_FRESH, SERVED_STORED };

/*
 * The candidate and the model in service on the hold-out pairs the model
 * in service has never seen: those first met at or after its creation.
 * 0, or -1 when they are too few or cannot be ranked.
 */
static int
compare_on_fresh(struct run *r, struct qf_error *err)
{
	struct train_triples fresh;
	struct model_csr test;
	uint64_t unknown;
	size_t j;
	int rc = -1;

	memset(&fresh, 0, sizeof(fresh));
	memset(&test, 0, sizeof(test));
	for (j = 0; j < r->split.test.n; j++) {
		if (r->split.test_first[j] <= r->served_horizon)
			continue;
		if (fresh.n == fresh.cap) {
			struct model_triple *v;

			fresh.cap = fresh.cap == 0 ? 1024 : fresh.cap * 2;
			if ((v = realloc(fresh.v, fresh.cap * sizeof(*v))) == NULL) {
				qf_error_set(err, "out of memory");
				goto out;
			}
			fresh.v = v;
		}
		fresh.v[fresh.n++] = r->split.test.v[j];
	}
	r->fresh_pairs = fresh.n;
	if (fresh.n < TRAIN_FRESH_MIN_PAIRS) {
		qf_error_set(err, "only %zu held-out interactions are newer than "
		    "it (%d needed)", fresh.n, TRAIN_FRESH_MIN_PAIRS);
		goto out;
	}
	if (pipeline_test_matrix(&r->candidate.train, &fresh, &test, &unknown,
	    err) < 0 ||
	    model_evaluate(&r->candidate.train.by_user, &test,
	    model_scorer_factors, &r->candidate.factors, &r->candidate_fresh,
	    err) < 0 ||
	    train_evaluate_served(r->served, &r->candidate, &test,
	    &r->served_metrics, err) < 0)
		goto out;
	r->candidate_ndcg = r->candidate_fresh.ndcg;
	r->served_ndcg = r->served_metrics.ndcg;
	rc = 0;
out:
	model_csr_free(&test);
	train_triples_free(&fresh);
	return rc;
}

/*
 * What the candidate is held to by the model in service. Its stored user
 * vectors, and its item factors, were trained on everything up to its
 * creation, which includes most of tonight's hold-out: re-evaluated on
 * the whole hold-out it would be flattered (by 0.04 nDCG@10 on the
 * synthetic cohort, twice the tolerance), and no second model would ever
 * be promoted. So both are ranked on the held-out pairs first met after
 * the latest event the model in service was trained on ("events_through"
 * in its metrics), the served one by fold-in from the candidate's
 * training rows (served.c). When fewer than TRAIN_FRESH_MIN_PAIRS such
 * pairs exist (a run soon after the last), the figure stored in the
 * served file by its own run, measured the same leak-free way on its own
 * split, stands in for it. Sets r->served_how.
 */
static void
run_evaluate_served(struct run *r)
{
	struct qf_error fresh_err;
	json_error_t json_err;
	json_t *stored, *ndcg, *horizon;

	r->served_how = SERVED_NONE;
	if (r->served == NULL)
		return;
	/* What it was trained on ends at its latest event (older files:
	 * at its creation). */
	stored = json_loadb(r->served->metrics_json, r->served->metrics_json_len,
	    0, &json_err);
	horizon = json_object_get(json_object_get(stored, "final"),
	    "events_through");
	r->served_horizon = json_is_integer(horizon) ?
	    (int64_t)json_integer_value(horizon) : r->served->info.created;
	qf_error_init(&fresh_err);
	if (compare_on_fresh(r, &fresh_err) == 0) {
		json_decref(stored);
		r->served_how = SERVED_FRESH;
		return;
	}
	ndcg = json_object_get(json_object_get(stored, "model"), "ndcg_at_10");
	if (json_is_number(ndcg)) {
		r->served_how = SERVED_STORED;
		r->served_ndcg = json_number_value(ndcg);
		r->candidate_ndcg = r->candidate.als.ndcg;
		fprintf(stderr, "qingfeng-train: comparing with the stored "
		    "nDCG@10 of the model in service: %s\n", fresh_err.text);
	} else {
		snprintf(r->served_note + strlen(r->served_note),
		    sizeof(r->served_note) - strlen(r->served_note),
		    "; it cannot be judged (%s, and it stores no nDCG@10): "
		    "treated as none", fresh_err.text);
	}
	json_decref(stored);
}

/* ------------------------------------------------------------- metrics */

/* The metrics object of model_runs (and of the model file). */
static json_t *
run_metrics_json(struct run *r, int promote)
{
	const struct pipeline_result *c = &r->candidate;
	json_t *obj, *holdout, *options, *served = json_null(), *decision;
	int bad = 0;

	obj = json_object();
	holdout = json_object();
	options = json_object();
	decision = json_object();
	if (obj == NULL || holdout == NULL || options == NULL ||
	    decision == NULL)
		goto nomem;
	if (r->served_how != SERVED_NONE) {
		served = r->served_how == SERVED_FRESH ?
		    train_metrics_json(&r->served_metrics) : json_object();
		if (served == NULL)
			goto nomem;
		bad |= json_object_set_new(served, "ndcg_at_10",
		    number(r->served_ndcg));
		bad |= json_object_set_new(served, "candidate_ndcg_at_10",
		    number(r->candidate_ndcg));
		bad |= json_object_set_new(served, "version",
		    json_string(r->served->version));
		bad |= json_object_set_new(served, "source", json_string(
		    r->served_how == SERVED_FRESH ?
		    "re-evaluated on the held-out pairs newer than it" :
		    "stored by its own run"));
		if (r->served_how == SERVED_FRESH)
			bad |= json_object_set_new(served, "pairs",
			    json_integer((json_int_t)r->fresh_pairs));
	}
	bad |= json_object_set_new(obj, "model", train_metrics_json(&c->als));
	bad |= json_object_set_new(obj, "popularity",
	    train_metrics_json(&c->popularity));
	bad |= json_object_set_new(obj, "served", served);
	served = NULL;

	bad |= json_object_set_new(decision, "metric", json_string("ndcg_at_10"));
	bad |= json_object_set_new(decision, "promote", json_boolean(promote));
	bad |= json_object_set_new(decision, "candidate", number(c->als.ndcg));
	bad |= json_object_set_new(decision, "popularity",
	    number(c->popularity.ndcg));
	bad |= json_object_set_new(decision, "tolerance",
	    number(r->o.tolerance));
	bad |= json_object_set_new(obj, "decision", decision);
	decision = NULL;

	if (r->o.holdout_days > 0) {
		bad |= json_object_set_new(holdout, "mode", json_string("days"));
		bad |= json_object_set_new(holdout, "days",
		    json_integer(r->o.holdout_days));
		bad |= json_object_set_new(holdout, "cutoff",
		    json_integer(r->split.cutoff));
	} else {
		bad |= json_object_set_new(holdout, "mode",
		    json_string("per_user"));
		bad |= json_object_set_new(holdout, "per_user",
		    json_integer(r->o.holdout_per_user));
	}
	bad |= json_object_set_new(holdout, "train_pairs",
	    json_integer((json_int_t)c->train.by_user.nnz));
	bad |= json_object_set_new(holdout, "test_users",
	    json_integer(c->als.users_evaluated));
	bad |= json_object_set_new(holdout, "test_pairs",
	    json_integer((json_int_t)c->als.relevant_pairs));
	bad |= json_object_set_new(holdout, "test_pairs_unknown",
	    json_integer((json_int_t)c->test_pairs_unknown));
	bad |= json_object_set_new(holdout, "fit_seconds",
	    number(c->report.fit_seconds));
	bad |= json_object_set_new(holdout, "seconds_per_iteration",
	    number(c->report.seconds_per_iteration));
	bad |= json_object_set_new(obj, "holdout", holdout);
	holdout = NULL;

	bad |= json_object_set_new(options, "factors",
	    json_integer(r->o.als.factors));
	bad |= json_object_set_new(options, "iterations",
	    json_integer(r->o.als.iterations));
	bad |= json_object_set_new(options, "regularization",
	    number(r->o.als.regularization));
	bad |= json_object_set_new(options, "alpha", number(r->o.als.alpha));
	bad |= json_object_set_new(options, "cg_steps",
	    json_integer(r->o.als.cg_steps));
	bad |= json_object_set_new(options, "threads",
	    json_integer(r->o.als.threads));
	bad |= json_object_set_new(options, "seed",
	    json_integer((json_int_t)r->o.als.seed));
	bad |= json_object_set_new(options, "prior_ridge",
	    number(r->o.prior_ridge));
	bad |= json_object_set_new(obj, "options", options);
	options = NULL;

	bad |= json_object_set_new(obj, "events",
	    json_integer((json_int_t)r->data.events.n));
	bad |= json_object_set_new(obj, "event_weights", json_pack(
	    "{s:f,s:i,s:f,s:f,s:i,s:f}", "open", (double)TRAIN_OPEN_WEIGHT,
	    "open_max", (int)TRAIN_OPEN_MAX, "progress",
	    (double)TRAIN_PROGRESS_WEIGHT, "complete",
	    (double)TRAIN_COMPLETE_WEIGHT, "complete_max",
	    (int)TRAIN_COMPLETE_MAX, "dismiss", -(double)TRAIN_DISMISS_STRENGTH));
	bad |= json_object_set_new(obj, "run_id", json_integer(r->record.id));
	if (bad)
		goto nomem;
	return obj;
nomem:
	json_decref(obj);
	json_decref(holdout);
	json_decref(options);
	json_decref(decision);
	json_decref(served);
	return NULL;
}

/* ----------------------------------------------------------- priors */

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Fits one side's prior: the rows of 'f' whose id is among 'ids' (the
 * model's users or items) become a binary feature matrix over the codes
 * they use, regressed onto 'factors'.
 */
static int
fit_prior(const struct train_features *f, const int64_t *ids, uint32_t n_ids,
    const float *factors, uint32_t k, float ridge, struct model_prior *out,
    struct qf_error *err)
{
	struct model_csr features;
	const char **codes = NULL;
	uint32_t *rows = NULL, *cols = NULL, n_codes = 0;
	float *ones = NULL;
	size_t j, n = 0, w;
	int64_t row;
	int rc = -1;

	memset(&features, 0, sizeof(features));
	if (f->n > 0) {
		codes = malloc(f->n * sizeof(*codes));
		rows = malloc(f->n * sizeof(*rows));
		cols = malloc(f->n * sizeof(*cols));
		ones = malloc(f->n * sizeof(*ones));
		if (codes == NULL || rows == NULL || cols == NULL || ones == NULL) {
			qf_error_set(err, "out of memory for %zu features", f->n);
			goto out;
		}
	}
	/* The vocabulary: distinct codes of the rows in the model. */
	for (j = 0; j < f->n; j++)
		if (model_id_find(ids, n_ids, f->id[j]) >= 0)
			codes[n++] = f->code[j];
	if (n > 0)
		qsort(codes, n, sizeof(*codes), compare_strings);
	for (j = 0, w = 0; j < n; j++)
		if (w == 0 || strcmp(codes[w - 1], codes[j]) != 0)
			codes[w++] = codes[j];
	if (w > MODEL_MAX_FEATURES) {
		qf_error_set(err, "%zu distinct features, the limit is %d", w,
		    MODEL_MAX_FEATURES);
		goto out;
	}
	n_codes = (uint32_t)w;
	for (j = 0, n = 0; j < f->n; j++) {
		if ((row = model_id_find(ids, n_ids, f->id[j])) < 0)
			continue;
		rows[n] = (uint32_t)row;
		cols[n] = (uint32_t)model_feature_find(codes, n_codes, f->code[j]);
		ones[n] = 1.0f;
		n++;
	}
	if (model_csr_build(n_ids, n_codes, rows, cols, ones, n, &features,
	    err) < 0 ||
	    model_prior_fit(factors, n_ids, k, &features, codes, ridge, out,
	    err) < 0)
		goto out;
	rc = 0;
out:
	model_csr_free(&features);
	free(codes);
	free(rows);
	free(cols);
	free(ones);
	return rc;
}

/* ------------------------------------------------------------- writing */

/* fsync of the directory holding 'path': makes a rename durable. */
static int
sync_directory_of(const char *path, struct qf_error *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t len;
	int fd, rc;

	if (slash == NULL)
		memcpy(dir, ".", 2);
	else {
		len = slash == path ? 1 : (size_t)(slash - path);
		if (len >= sizeof(dir)) {
			qf_error_set(err, "%s: path too long", path);
			return -1;
		}
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		qf_error_set(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	rc = fsync(fd);
	close(fd);
	if (rc < 0) {
		qf_error_set(err, "%s: cannot sync: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Retrains on everything, fits the priors, writes "<model>.next", checks
 * it loads, and renames it over the model. The model in service is
 * replaced only by a file that has passed model_load.
 */
static int
run_write_model(struct run *r, struct qf_error *err)
{
	const struct pipeline_result *f;
	struct model_file_input in;
	struct model *check = NULL;
	char next[4096], *text = NULL;
	json_t *final;
	int rc = -1;

	if (snprintf(next, sizeof(next), "%s.next", r->o.model_path) >=
	    (int)sizeof(next)) {
		qf_error_set(err, "%s: path too long", r->o.model_path);
		return -1;
	}
	if (pipeline_run(&r->split.all, NULL, &r->o.als, r->o.verbose,
	    &r->final, err) < 0)
		return -1;
	r->have_final = 1;
	f = &r->final;
	if (fit_prior(&r->data.user_features, f->train.user_ids,
	    f->train.n_users, f->factors.user, f->factors.k, r->o.prior_ridge,
	    &r->user_prior, err) < 0 ||
	    fit_prior(&r->data.item_features, f->train.item_ids,
	    f->train.n_items, f->factors.item, f->factors.k, r->o.prior_ridge,
	    &r->item_prior, err) < 0)
		return -1;
	final = json_pack("{s:I,s:i,s:i,s:I,s:i,s:i,s:f,s:f}", "events_through",
	    (json_int_t)r->events_through, "users",
	    (int)f->train.n_users, "items", (int)f->train.n_items, "pairs",
	    (json_int_t)f->train.by_user.nnz, "user_features",
	    (int)r->user_prior.n_features, "item_features",
	    (int)r->item_prior.n_features, "fit_seconds", f->report.fit_seconds,
	    "seconds_per_iteration", f->report.seconds_per_iteration);
	if (final == NULL || json_object_set_new(r->metrics, "final", final) < 0 ||
	    (text = json_dumps(r->metrics, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(6))) == NULL) {
		qf_error_set(err, "out of memory for the metrics");
		return -1;
	}

	memset(&in, 0, sizeof(in));
	in.k = f->factors.k;
	in.n_users = f->factors.n_users;
	in.n_items = f->factors.n_items;
	in.user_ids = f->train.user_ids;
	in.item_ids = f->train.item_ids;
	in.user_factors = f->factors.user;
	in.item_factors = f->factors.item;
	in.info.created = clock_unix_s();
	in.info.iterations = r->o.als.iterations;
	in.info.cg_steps = r->o.als.cg_steps;
	in.info.seed = r->o.als.seed;
	in.info.regularization = r->o.als.regularization;
	in.info.alpha = r->o.als.alpha;
	in.info.fit_seconds = f->report.fit_seconds;
	in.info.final_loss = f->report.final_loss;
	in.info.prior_ridge = r->o.prior_ridge;
	in.metrics_json = text;
	in.user_prior = &r->user_prior;
	in.item_prior = &r->item_prior;
	in.signing_key = r->o.have_signing_key ? r->o.signing_key : NULL;
	if (model_file_write(next, &in, err) < 0)
		goto out;
	if ((check = model_load(next, err)) == NULL) {
		unlink(next);
		goto out;
	}
	memcpy(r->version, check->version, sizeof(r->version));
	if (rename(next, r->o.model_path) < 0) {
		qf_error_set(err, "cannot rename %s to %s: %s", next,
		    r->o.model_path, strerror(errno));
		unlink(next);
		goto out;
	}
	if (sync_directory_of(r->o.model_path, err) < 0)
		goto out;
	rc = 0;
out:
	model_unload(check);
	free(text);
	return rc;
}

/* ------------------------------------------------------------ the run */

/* Records 'failed' with 'why'; says so on stderr. Always returns EXIT_INPUT. */
static int
run_fail(struct run *r, const char *why)
{
	struct qf_error err;

	fprintf(stderr, "qingfeng-train: run %lld failed: %s\n",
	    (long long)r->record.id, why);
	qf_error_init(&err);
	if (run_record_finish(&r->record, "failed", NULL, NULL,
	    r->split.train_users, 0, (int64_t)r->split.all.n, elapsed(r), why,
	    &err) < 0)
		fprintf(stderr, "qingfeng-train: and it could not be recorded: "
		    "%s\n", err.text);
	return EXIT_INPUT;
}

/* Prints the outcome as one JSON object on stdout. */
static void
print_outcome(const struct run *r, const char *status)
{
	json_t *obj;
	char *text;

	obj = json_pack("{s:I,s:s,s:s?,s:s,s:O?,s:f}", "run_id",
	    (json_int_t)r->record.id, "status", status, "model_version",
	    r->version[0] != '\0' ? r->version : NULL, "message", r->message,
	    "metrics", r->metrics, "seconds", elapsed(r));
	if (obj != NULL && (text = json_dumps(obj, JSON_INDENT(2) |
	    JSON_REAL_PRECISION(6))) != NULL) {
		printf("%s\n", text);
		free(text);
	}
	json_decref(obj);
	fflush(stdout);
}

int
cmd_run(int argc, char **argv)
{
	struct run r;
	struct qf_error err;
	char *text = NULL;
	int rc, promote, beats_popularity, beats_served, status;

	memset(&r, 0, sizeof(r));
	r.lock_fd = -1;
	r.t0 = clock_monotonic_us();
	if ((rc = train_options_parse(argc, argv, TRAIN_RUN, &r.o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;

	qf_error_init(&err);
	if (run_record_start(&r.record, r.o.db_path, r.o.run_id, r.o.trigger,
	    r.o.busy_timeout_ms, &err) < 0) {
		fprintf(stderr, "qingfeng-train: %s\n", err.text);
		run_free(&r);
		return EXIT_INPUT;
	}
	if ((r.lock_fd = train_lock(r.o.model_path, &err)) < 0) {
		status = run_fail(&r, err.text);
		run_free(&r);
		return status;
	}
	if (run_read(&r, &err) < 0 ||
	    pipeline_run(&r.split.train, &r.split.test, &r.o.als, r.o.verbose,
	    &r.candidate, &err) < 0) {
		status = run_fail(&r, err.text);
		run_free(&r);
		return status;
	}
	r.have_candidate = 1;

	run_load_served(&r);
	run_evaluate_served(&r);
	/*
	 * Promote when not worse than the model in service (on the pairs it
	 * has not seen) nor than popularity (on the whole hold-out), each by
	 * more than the tolerance.
	 */
	beats_popularity = r.candidate.als.ndcg >=
	    r.candidate.popularity.ndcg - r.o.tolerance;
	beats_served = r.served_how == SERVED_NONE ||
	    r.candidate_ndcg >= r.served_ndcg - r.o.tolerance;
	promote = beats_popularity && beats_served;
	if ((r.metrics = run_metrics_json(&r, promote)) == NULL) {
		status = run_fail(&r, "out of memory for the metrics");
		run_free(&r);
		return status;
	}

	if (!beats_served) {
		snprintf(r.message, sizeof(r.message), "rejected: nDCG@10 %.4f "
		    "is below the %.4f of the model in service %s (%s) by more "
		    "than the tolerance %g; it stays", r.candidate_ndcg,
		    r.served_ndcg, r.served->version,
		    r.served_how == SERVED_FRESH ? "on the held-out pairs newer "
		    "than it" : "as stored by its run", (double)r.o.tolerance);
	} else if (!beats_popularity) {
		snprintf(r.message, sizeof(r.message), "rejected: nDCG@10 %.4f "
		    "is below the popularity baseline's %.4f by more than the "
		    "tolerance %g; %s%s", r.candidate.als.ndcg,
		    r.candidate.popularity.ndcg, (double)r.o.tolerance,
		    r.served_note, r.served != NULL ? " stays" : "");
	} else {
		if (run_write_model(&r, &err) < 0) {
			status = run_fail(&r, err.text);
			run_free(&r);
			return status;
		}
		if (r.served_how != SERVED_NONE)
			snprintf(r.message, sizeof(r.message), "promoted %s: "
			    "nDCG@10 %.4f against %.4f of the model in service "
			    "%s (%s; tolerance %g); popularity %.4f", r.version,
			    r.candidate_ndcg, r.served_ndcg, r.served->version,
			    r.served_how == SERVED_FRESH ? "on the held-out pairs "
			    "newer than it" : "as stored by its run",
			    (double)r.o.tolerance, r.candidate.popularity.ndcg);
		else
			snprintf(r.message, sizeof(r.message), "promoted %s: "
			    "nDCG@10 %.4f against %.4f of the popularity baseline "
			    "(tolerance %g); %s", r.version, r.candidate.als.ndcg,
			    r.candidate.popularity.ndcg, (double)r.o.tolerance,
			    r.served_note);
	}
	if ((text = json_dumps(r.metrics, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(6))) == NULL) {
		status = run_fail(&r, "out of memory for the metrics");
		run_free(&r);
		return status;
	}
	status = 0;
	if (run_record_finish(&r.record, promote ? "promoted" : "rejected",
	    promote ? r.version : NULL, text,
	    promote ? r.final.train.n_users : r.split.train_users,
	    promote ? r.final.train.n_items : r.candidate.train.n_items,
	    (int64_t)r.split.all.n, elapsed(&r), r.message, &err) < 0) {
		/* The model is written (or rightly not); only the record failed. */
		fprintf(stderr, "qingfeng-train: run %lld: %s; could not record "
		    "it: %s\n", (long long)r.record.id, r.message, err.text);
		status = EXIT_INPUT;
	} else {
		fprintf(stderr, "qingfeng-train: run %lld %s\n",
		    (long long)r.record.id, r.message);
	}
	print_outcome(&r, promote ? "promoted" : "rejected");
	free(text);
	run_free(&r);
	return status;
}
