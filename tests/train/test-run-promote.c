/*
 * test-run-promote.c — `qingfeng-train run` on a cohort with planted
 * structure: with no model in service it promotes one (the file loads, its
 * version is the one recorded, the model_runs row is 'promoted' with
 * metrics, sizes and seconds, and ALS beats popularity on the hold-out);
 * a run held to an impossible tolerance is 'rejected' and leaves the file
 * byte for byte; after a day of new events the model in service is
 * re-ranked on the pairs it has never seen.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "tests/model/check-model.h"
#include "tests/train/cohort.h"

#define FAST "--factors", "16", "--iterations", "8"

int
main(void)
{
	const char *dir = check_scratch_dir("run-promote");
	struct train_outcome *o = calloc(1, sizeof(*o));
	struct run_row row = { 0 };
	struct qf_error err;
	struct model *m;
	char db[600], model[600], copy[600], sql[1024];
	json_t *out;
	int rows;

	if (o == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/qingfeng.db", dir);
	snprintf(model, sizeof(model), "%s/model.qfm", dir);
	snprintf(copy, sizeof(copy), "%s/model.copy", dir);
	cohort_build(db, NULL, 1);

	/* 1. No model in service: promoted. */
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    FAST, NULL });
	CHECK_INT(o->status, 0);
	if (o->status != 0)
		fprintf(stderr, "stderr: %s\n", o->err);
	CHECK_CONTAINS(o->err, "no model in service");
	out = json_loads(o->out, 0, NULL);
	CHECK(out != NULL);
	CHECK_STR(json_string_value(json_object_get(out, "status")), "promoted");
	qf_error_init(&err);
	m = model_load(model, &err);
	CHECK(m != NULL);
	if (m == NULL)
		fprintf(stderr, "load: %s\n", err.text);
	run_row_read(db, 0, &row);
	CHECK(row.found);
	CHECK_STR(row.status, "promoted");
	CHECK_STR(row.trigger, "cli");
	if (m != NULL) {
		CHECK_STR(row.model_version, m->version);
		CHECK_STR(json_string_value(json_object_get(out, "model_version")),
		    m->version);
		CHECK_INT(m->k, 16);
		CHECK_INT(m->n_users, 120);
		/* 3 x 20 + 8 published items, every one read by someone. */
		CHECK(m->n_items > 50 && m->n_items <= 68);
		CHECK(m->n_user_features > 0 && m->n_item_features > 0);
		CHECK(m->metrics_json_len > 0);
		CHECK_INT(row.users, m->n_users);
		CHECK_INT(row.items, m->n_items);
	}
	CHECK(row.interactions > 500);
	CHECK(row.seconds > 0);
	CHECK(row.finished_at >= row.started_at && row.started_at > 0);
	CHECK(row.metrics != NULL);
	CHECK_CONTAINS(row.message, "promoted");
	/* Every model metric and popularity's, as numbers. */
	CHECK(isfinite(json_path_number(row.metrics, "model.precision_at_10")));
	CHECK(isfinite(json_path_number(row.metrics, "model.recall_at_10")));
	CHECK(isfinite(json_path_number(row.metrics, "model.map_at_10")));
	CHECK(isfinite(json_path_number(row.metrics, "model.coverage")));
	CHECK(isfinite(json_path_number(row.metrics, "popularity.auc")));
	CHECK_INT(json_path_number(row.metrics, "holdout.test_users"), 120);
	/* ALS finds the groups; popularity cannot. */
	fprintf(stderr, "nDCG@10 %.3f (popularity %.3f), AUC %.3f (%.3f)\n",
	    json_path_number(row.metrics, "model.ndcg_at_10"),
	    json_path_number(row.metrics, "popularity.ndcg_at_10"),
	    json_path_number(row.metrics, "model.auc"),
	    json_path_number(row.metrics, "popularity.auc"));
	CHECK(json_path_number(row.metrics, "model.ndcg_at_10") >
	    1.5 * json_path_number(row.metrics, "popularity.ndcg_at_10"));
	CHECK(json_path_number(row.metrics, "model.precision_at_10") >
	    json_path_number(row.metrics, "popularity.precision_at_10"));
	CHECK(json_path_number(row.metrics, "model.auc") >
	    json_path_number(row.metrics, "popularity.auc"));
	json_decref(out);
	model_unload(m);
	file_copy(model, copy);

	/* 2. Held to the impossible (tolerance -1): rejected, file untouched. */
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--tolerance", "-1", "--trigger", "nightly", FAST, NULL });
	CHECK_INT(o->status, 0);
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "rejected");
	CHECK_STR(row.trigger, "nightly");
	CHECK_CONTAINS(row.message, "rejected: nDCG@10");
	CHECK_CONTAINS(row.message, "tolerance -1");
	CHECK_STR(row.model_version, "");
	CHECK(row.metrics != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(row.metrics,
	    "served"), "source")), "stored by its own run");
	CHECK(files_identical(model, copy));
	CHECK(!file_exists(strcat(strcpy(sql, model), ".next")));

	/* 3. Same data, default tolerance: not worse than itself, promoted. */
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    FAST, NULL });
	CHECK_INT(o->status, 0);
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "promoted");

	/* 4. A day of new events: judged on the pairs the model never saw. */
	snprintf(sql, sizeof(sql), "INSERT INTO events(user_id, item_id, kind,"
	    " created_at) SELECT u.id, t.item_id, 'complete', %d + u.id %% 1000"
	    " FROM users u JOIN user_risks r ON r.user_id = u.id JOIN item_tags"
	    " t ON t.tag_code = r.tag_code JOIN items i ON i.id = t.item_id"
	    " WHERE i.status = 'published' AND (t.item_id + u.id) %% 7 = 0",
	    COHORT_T0 + 61 * COHORT_DAY);
	cohort_sql(db, sql);
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    FAST, NULL });
	CHECK_INT(o->status, 0);
	run_row_read(db, 0, &row);
	CHECK_CONTAINS(json_string_value(json_object_get(json_object_get(
	    row.metrics, "served"), "source")), "newer than it");
	CHECK(json_path_number(row.metrics, "served.pairs") >= 50);
	CHECK(isfinite(json_path_number(row.metrics, "served.ndcg_at_10")));
	fprintf(stderr, "%s\n", row.message);
	rows = run_rows_count(db);
	CHECK_INT(rows, 4);

	run_row_free(&row);
	free(o);
	snprintf(sql, sizeof(sql), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(sql) != 0)
		return 99;
	return check_report("test-run-promote");
}
