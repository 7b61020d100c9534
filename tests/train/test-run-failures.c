/*
 * test-run-failures.c — `qingfeng-train run` says clearly what is wrong
 * and exits non-zero, never writing a model: bad options (2, before
 * touching anything), a missing, foreign, corrupt or locked database, an
 * empty one, one with too few events, a --run-id that does not exist, a
 * model directory that does not exist (1). Where a run row could be
 * written it is 'failed' with the reason.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "tests/model/check-model.h"
#include "tests/train/cohort.h"

static struct train_outcome *o;
static char db[600], model[600];

/* Runs with 'args' after run --db DB --model MODEL. */
static void
run(const char *const *args)
{
	const char *argv[40] = { "run", "--db", db, "--model", model };
	int j;

	for (j = 0; args[j] != NULL && j < 30; j++)
		argv[5 + j] = args[j];
	argv[5 + j] = NULL;
	train_exec(o, argv);
}

static void
bad_option(const char *const *args, const char *needle, int line)
{
	int before = run_rows_count(db);

	run(args);
	if (o->status != 2 || strstr(o->err, needle) == NULL) {
		fprintf(stderr, "%s:%d: expected exit 2 and \"%s\", got %d: %s\n",
		    __FILE__, line, needle, o->status, o->err);
		check_failures++;
	}
	check_count++;
	CHECK_INT(run_rows_count(db), before);
	CHECK(!file_exists(model));
}
#define BAD_OPTION(needle, ...) \
	bad_option((const char *const[]){ __VA_ARGS__, NULL }, needle, __LINE__)

int
main(void)
{
	const char *dir = check_scratch_dir("run-failures");
	struct run_row row = { 0 };
	struct qf_error err;
	char path[700];
	sqlite3 *lock_db;
	FILE *fp;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/empty.db", dir);
	snprintf(model, sizeof(model), "%s/model.qfm", dir);
	cohort_build(db, NULL, 0);

	/* Bad options: exit 2, nothing recorded, nothing written. */
	train_exec(o, (const char *[]){ "run", "--db", db, NULL });
	CHECK_INT(o->status, 2);
	CHECK_CONTAINS(o->err, "run needs --db PATH and --model PATH");
	BAD_OPTION("--tolerance must be a number -1-1", "--tolerance", "2");
	BAD_OPTION("--tolerance must be", "--tolerance", "nan");
	BAD_OPTION("--tolerance must be", "--tolerance", "-");
	BAD_OPTION("--trigger must be nightly, manual or cli", "--trigger",
	    "weekly");
	BAD_OPTION("exclude each other", "--holdout-days", "7",
	    "--holdout-per-user", "2");
	BAD_OPTION("--holdout-days must be", "--holdout-days", "0");
	BAD_OPTION("--holdout-per-user must be", "--holdout-per-user", "x");
	BAD_OPTION("--run-id must be", "--run-id", "0");
	BAD_OPTION("--run-id must be", "--run-id", "-4");
	BAD_OPTION("run does not take --train", "--train", "x.txt");
	BAD_OPTION("--threads must be", "--threads", "0");
	BAD_OPTION("--prior-ridge must be", "--prior-ridge", "0");
	BAD_OPTION("unknown option", "--frobnicate");
	BAD_OPTION("unexpected argument", "stray");

	/* An empty database: a 'failed' row that says why. */
	run((const char *[]){ NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "no events to learn from");
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "failed");
	CHECK_CONTAINS(row.message, "no events to learn from");
	CHECK(row.finished_at > 0);
	CHECK(!file_exists(model));

	/* Too few: one cadre's events. */
	cohort_sql(db, "INSERT INTO events(user_id, item_id, kind, created_at)"
	    " VALUES (100, 1, 'complete', 1780000000), (100, 2, 'open',"
	    " 1780000100), (100, 3, 'open', 1780000200)");
	run((const char *[]){ NULL });
	CHECK_INT(o->status, 1);
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "failed");
	CHECK_CONTAINS(row.message, "too few interactions");
	CHECK(!file_exists(model));
	run((const char *[]){ "--holdout-days", "3", NULL });
	CHECK_INT(o->status, 1);
	run_row_read(db, 0, &row);
	CHECK_CONTAINS(row.message, "too few interactions");

	/* --run-id of a row that does not exist: exit 1, nothing inserted. */
	run((const char *[]){ "--run-id", "999", NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "run 999 does not exist");
	CHECK_INT(run_rows_count(db), 3);

	/* The model's directory does not exist: the lock cannot be taken. */
	snprintf(model, sizeof(model), "%s/no/such/dir/model.qfm", dir);
	run((const char *[]){ NULL });
	CHECK_INT(o->status, 1);
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "failed");
	CHECK_CONTAINS(row.message, "cannot open the lock file");
	snprintf(model, sizeof(model), "%s/model.qfm", dir);

	/* Locked by another writer: waits --busy-timeout, then says so. */
	qf_error_init(&err);
	if ((lock_db = db_open(db, DB_OPEN_EXISTING, &err)) == NULL ||
	    db_exec(lock_db, "BEGIN IMMEDIATE", &err) < 0) {
		fprintf(stderr, "lock: %s\n", err.text);
		return 99;
	}
	run((const char *[]){ "--busy-timeout", "300", NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "locked by another writer");
	db_exec(lock_db, "ROLLBACK", NULL);
	db_close(lock_db);
	CHECK_INT(run_rows_count(db), 4);

	/* A missing database is not created. */
	snprintf(db, sizeof(db), "%s/missing.db", dir);
	run((const char *[]){ NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "No such file");
	CHECK(!file_exists(db));
	CHECK(!file_exists(model));

	/* Not a database at all, and an SQLite file without our schema. */
	snprintf(db, sizeof(db), "%s/junk.db", dir);
	if ((fp = fopen(db, "wb")) == NULL)
		return 99;
	for (int j = 0; j < 4096; j++)
		fputc((j * 7919) & 0xff, fp);
	fclose(fp);
	run((const char *[]){ NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "not a database");
	CHECK(!file_exists(model));
	snprintf(db, sizeof(db), "%s/foreign.db", dir);
	qf_error_init(&err);
	if ((lock_db = db_open(db, DB_OPEN_CREATE, &err)) == NULL)
		return 99;
	db_exec(lock_db, "CREATE TABLE t(x)", NULL);
	db_close(lock_db);
	run((const char *[]){ NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "no qingfeng schema");
	CHECK(!file_exists(model));

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	run_row_free(&row);
	free(o);
	if (check_failures == 0 && system(path) != 0)
		return 99;
	return check_report("test-run-failures");
}
