/*
 * test-run-served.c — a model in service that cannot be used (truncated,
 * written by an older format, not a model at all) does not stop the
 * nightly run: it is treated as none, the run says so, and the new model
 * replaces it.
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

/* Replaces the model by 'len' bytes of 'bytes', then runs: promoted? */
static void
run_over(const unsigned char *bytes, size_t len, const char *needle,
    int line)
{
	struct run_row row = { 0 };
	struct qf_error err;
	struct model *m;
	FILE *fp = fopen(model, "wb");

	if (fp == NULL || fwrite(bytes, 1, len, fp) != len || fclose(fp) != 0)
		exit(99);
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--factors", "8", "--iterations", "4", NULL });
	run_row_read(db, 0, &row);
	check_count++;
	if (o->status != 0 || strcmp(row.status, "promoted") != 0 ||
	    strstr(o->err, needle) == NULL ||
	    strstr(row.message, "treated as none") == NULL) {
		check_failures++;
		fprintf(stderr, "%s:%d: expected a promotion over a bad model "
		    "(\"%s\"): status %d, row %s \"%s\", stderr %s\n", __FILE__,
		    line, needle, o->status, row.status, row.message, o->err);
	}
	qf_error_init(&err);
	m = model_load(model, &err);
	CHECK(m != NULL);
	model_unload(m);
	run_row_free(&row);
}

int
main(void)
{
	const char *dir = check_scratch_dir("run-served");
	unsigned char *good;
	char cmd[700];
	size_t len;
	FILE *fp;

	if ((o = calloc(1, sizeof(*o))) == NULL || (good = malloc(1 << 20)) == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/qingfeng.db", dir);
	snprintf(model, sizeof(model), "%s/model.qfm", dir);
	cohort_build(db, NULL, 1);
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--factors", "8", "--iterations", "4", NULL });
	CHECK_INT(o->status, 0);
	if ((fp = fopen(model, "rb")) == NULL)
		return 99;
	len = fread(good, 1, 1 << 20, fp);
	fclose(fp);
	CHECK(len > 1000);

	run_over(good, len / 2, "truncated", __LINE__);
	run_over(good, 100, "truncated", __LINE__);
	good[8] = 1;   /* format version 1: an older trainer's file */
	run_over(good, len, "format version 1", __LINE__);
	run_over((const unsigned char *)"not a model\n", 12, "truncated",
	    __LINE__);
	memcpy(good, "QFMODEX", 8);
	run_over(good, len, "bad magic", __LINE__);

	free(good);
	free(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		return 99;
	return check_report("test-run-served");
}
