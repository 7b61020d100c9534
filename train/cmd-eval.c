/*
 * cmd-eval.c — `qingfeng-train eval`: train on one file, rank every item
 * outside each user's training set for the users of another, print the
 * metrics next to the popularity baseline as one JSON object (API.md).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "extern.h"

int
cmd_eval(int argc, char **argv)
{
	struct train_triples train = { 0 }, test = { 0 };
	struct pipeline_result result;
	struct train_options o;
	struct qf_error err;
	json_t *obj = NULL;
	char *text = NULL;
	int rc, status = EXIT_INPUT;

	if ((rc = train_options_parse(argc, argv, TRAIN_EVAL, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (o.test_path == NULL) {
		fprintf(stderr, "qingfeng-train: eval needs --test FILE\n");
		return EXIT_USAGE;
	}
	if (o.out_path != NULL) {
		fprintf(stderr, "qingfeng-train: eval writes no model; "
		    "use fit --out\n");
		return EXIT_USAGE;
	}
	qf_error_init(&err);
	if (train_read_text(o.train_path, &train, &err) < 0 ||
	    train_read_text(o.test_path, &test, &err) < 0)
		goto out;
	if (train.n == 0 || test.n == 0) {
		qf_error_set(&err, "%s: no interactions",
		    train.n == 0 ? o.train_path : o.test_path);
		goto out;
	}
	if (pipeline_run(&train, &test, &o.als, o.verbose, &result, &err) < 0)
		goto out;
	obj = pipeline_result_json(&result, &o.als);
	pipeline_result_free(&result);
	if (obj == NULL || (text = json_dumps(obj, JSON_INDENT(2) | JSON_REAL_PRECISION(6))) == NULL) {
		qf_error_set(&err, "out of memory for the result");
		goto out;
	}
	printf("%s\n", text);
	status = fflush(stdout) == 0 ? 0 : EXIT_INPUT;
out:
	if (err.set)
		fprintf(stderr, "qingfeng-train: %s\n", err.text);
	free(text);
	json_decref(obj);
	train_triples_free(&train);
	train_triples_free(&test);
	return status;
}
