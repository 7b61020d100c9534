/*
 * cmd-fit.c — `qingfeng-train fit`: train on a file and write the model
 * file atomically, with the training parameters in its header and, when
 * --test is given, the hold-out metrics in its metrics section. The file is
 * loaded back (and so fully validated) before success is reported.
 *
 * Training from the database, with promotion and the model_runs record,
 * is `run` (cmd-run.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int
cmd_fit(int argc, char **argv)
{
	struct train_triples train = { 0 }, test = { 0 };
	struct pipeline_result result = { 0 };
	struct model_file_input in;
	struct train_options o;
	struct qf_error err;
	struct model *m = NULL;
	json_t *obj = NULL;
	char *metrics = NULL, *text = NULL;
	int rc, status = EXIT_INPUT, have_result = 0;

	if ((rc = train_options_parse(argc, argv, TRAIN_FIT, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (o.out_path == NULL) {
		fprintf(stderr, "qingfeng-train: fit needs --out MODEL\n");
		return EXIT_USAGE;
	}
	qf_error_init(&err);
	if (train_read_text(o.train_path, &train, &err) < 0 ||
	    (o.test_path != NULL &&
	    train_read_text(o.test_path, &test, &err) < 0))
		goto out;
	if (train.n == 0 || (o.test_path != NULL && test.n == 0)) {
		qf_error_set(&err, "%s: no interactions",
		    train.n == 0 ? o.train_path : o.test_path);
		goto out;
	}
	if (pipeline_run(&train, o.test_path != NULL ? &test : NULL, &o.als,
	    o.verbose, &result, &err) < 0)
		goto out;
	have_result = 1;
	if ((obj = pipeline_result_json(&result, &o.als)) == NULL ||
	    (metrics = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9))) == NULL) {
		qf_error_set(&err, "out of memory for the metrics");
		goto out;
	}

	memset(&in, 0, sizeof(in));
	in.k = result.factors.k;
	in.n_users = result.factors.n_users;
	in.n_items = result.factors.n_items;
	in.user_ids = result.train.user_ids;
	in.item_ids = result.train.item_ids;
	in.user_factors = result.factors.user;
	in.item_factors = result.factors.item;
	in.info.created = clock_unix_s();
	in.info.iterations = o.als.iterations;
	in.info.cg_steps = o.als.cg_steps;
	in.info.seed = o.als.seed;
	in.info.regularization = o.als.regularization;
	in.info.alpha = o.als.alpha;
	in.info.fit_seconds = result.report.fit_seconds;
	in.info.final_loss = result.report.final_loss;
	in.metrics_json = metrics;
	in.signing_key = o.have_signing_key ? o.signing_key : NULL;
	if (model_file_write(o.out_path, &in, &err) < 0 ||
	    (m = model_load(o.out_path, &err)) == NULL)
		goto out;

	if (json_object_set_new(obj, "model", json_string(o.out_path)) < 0 ||
	    json_object_set_new(obj, "version", json_string(m->version)) < 0 ||
	    (text = json_dumps(obj, JSON_INDENT(2) | JSON_REAL_PRECISION(6))) == NULL) {
		qf_error_set(&err, "out of memory for the result");
		goto out;
	}
	printf("%s\n", text);
	status = fflush(stdout) == 0 ? 0 : EXIT_INPUT;
out:
	if (err.set)
		fprintf(stderr, "qingfeng-train: %s\n", err.text);
	model_unload(m);
	free(text);
	free(metrics);
	json_decref(obj);
	if (have_result)
		pipeline_result_free(&result);
	train_triples_free(&train);
	train_triples_free(&test);
	return status;
}
