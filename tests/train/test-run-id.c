/*
 * test-run-id.c — the web app inserts the model_runs row and starts the
 * trainer with --run-id: the trainer fills in that row (and inserts no
 * other), refuses a row that does not exist or is no longer running
 * (leaving it as it is), and records a failure into the given row.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/model/check-model.h"
#include "tests/train/cohort.h"

int
main(void)
{
	const char *dir = check_scratch_dir("run-id");
	struct train_outcome *o = calloc(1, sizeof(*o));
	struct run_row row = { 0 };
	char db[600], model[600], cmd[700];

	if (o == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/qingfeng.db", dir);
	snprintf(model, sizeof(model), "%s/model.qfm", dir);
	cohort_build(db, NULL, 1);
	/* As POST /api/admin/train does. */
	cohort_sql(db, "INSERT INTO model_runs(id, status, trigger) VALUES"
	    " (7, 'running', 'manual')");

	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--run-id", "7", "--trigger", "manual", "--factors", "8",
	    "--iterations", "4", NULL });
	CHECK_INT(o->status, 0);
	CHECK_INT(run_rows_count(db), 1);
	run_row_read(db, 7, &row);
	CHECK_STR(row.status, "promoted");
	CHECK_STR(row.trigger, "manual");
	CHECK(row.metrics != NULL);
	CHECK_INT(json_path_number(row.metrics, "run_id"), 7);
	CHECK(strlen(row.model_version) == 16);

	/* Finished rows are history: refused, left as they are. */
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--run-id", "7", NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "run 7 is promoted, not running");
	run_row_read(db, 7, &row);
	CHECK_STR(row.status, "promoted");
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--run-id", "8", NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "run 8 does not exist");
	CHECK_INT(run_rows_count(db), 1);

	/* A failure goes into the given row. */
	cohort_sql(db, "INSERT INTO model_runs(id, status, trigger) VALUES"
	    " (8, 'running', 'manual')");
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--run-id", "8", "--holdout-per-user", "1000", NULL });
	CHECK_INT(o->status, 1);
	run_row_read(db, 8, &row);
	CHECK_STR(row.status, "failed");
	CHECK_CONTAINS(row.message, "too few interactions");
	CHECK_INT(run_rows_count(db), 2);

	run_row_free(&row);
	free(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		return 99;
	return check_report("test-run-id");
}
