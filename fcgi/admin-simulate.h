/*
 * admin-simulate.h — the simulated cohort of `qingfeng-admin simulate`
 * (admin-simulate.c has the behavioural model).
 */
#ifndef QF_ADMIN_SIMULATE_H
#define QF_ADMIN_SIMULATE_H

#include <stdint.h>

#include <sqlite3.h>

struct simulate_options {
	uint64_t seed;
	int cadres;            /* cadres to create */
	int months;            /* 30-day months of history, ending at 'now' */
	int units;             /* leaf units */
	int64_t now;           /* unix seconds the history ends at */
};

/* Seed 1, 300 cadres, 6 months, 24 units, now = today's start (Beijing). */
void simulate_defaults(struct simulate_options *o);
/* 1 when the database already holds a simulated cohort. */
int simulate_done(sqlite3 *db);
/* Runs the simulation; prints a summary. Returns the exit status (0 or 1). */
int simulate_run(sqlite3 *db, const struct simulate_options *o);
/* `simulate [--seed S] [--cadres N] [--months M] [--units U] [--now UNIX]`: exit status. */
int cmd_simulate(sqlite3 *db, int argc, char *argv[]);

#endif /* QF_ADMIN_SIMULATE_H */
