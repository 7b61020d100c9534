/*
 * test-run-lock.c — two runs never overlap: while another process holds
 * "<model>.lock", a run is refused at once with a clear message, recorded
 * as 'failed', and writes nothing; once the lock is free a run goes ahead
 * and clears what a killed run left behind (staged and temporary files).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "tests/model/check-model.h"
#include "tests/train/cohort.h"

int
main(void)
{
	const char *dir = check_scratch_dir("run-lock");
	struct train_outcome *o = calloc(1, sizeof(*o));
	struct run_row row = { 0 };
	char db[600], model[600], lock[700], stale[700], next[700], cmd[700];
	int fd;

	if (o == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/qingfeng.db", dir);
	snprintf(model, sizeof(model), "%s/model.qfm", dir);
	snprintf(lock, sizeof(lock), "%s.lock", model);
	cohort_build(db, NULL, 1);

	/* Another run holds the lock. */
	if ((fd = open(lock, O_RDWR | O_CREAT, 0644)) < 0 ||
	    flock(fd, LOCK_EX | LOCK_NB) < 0)
		return 99;
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--factors", "8", "--iterations", "4", NULL });
	CHECK_INT(o->status, 1);
	CHECK_CONTAINS(o->err, "another training run holds");
	CHECK_CONTAINS(o->err, "model.qfm.lock");
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "failed");
	CHECK_CONTAINS(row.message, "another training run holds");
	CHECK(!file_exists(model));
	close(fd);

	/* Free again: the run goes ahead and removes a killed run's leftovers. */
	snprintf(stale, sizeof(stale), "%s.tmp.Ab12Cd", model);
	snprintf(next, sizeof(next), "%s.next", model);
	if ((fd = open(stale, O_WRONLY | O_CREAT, 0644)) < 0)
		return 99;
	close(fd);
	if ((fd = open(next, O_WRONLY | O_CREAT, 0644)) < 0)
		return 99;
	close(fd);
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--factors", "8", "--iterations", "4", NULL });
	CHECK_INT(o->status, 0);
	run_row_read(db, 0, &row);
	CHECK_STR(row.status, "promoted");
	CHECK(file_exists(model));
	CHECK(!file_exists(stale));
	CHECK(!file_exists(next));
	CHECK_CONTAINS(o->err, "left by a run that was stopped");
	/* The lock file stays (removing it would let two runs lock apart). */
	CHECK(file_exists(lock));

	run_row_free(&row);
	free(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		return 99;
	return check_report("test-run-lock");
}
