/*
 * cohort.h — what the qingfeng-train run tests share: a synthetic
 * database with the real schema (db_open + db_migrate) and a planted
 * structure, and helpers that run the real qingfeng-train and read back
 * the model_runs table.
 *
 * The cohort: COHORT_GROUPS groups of cadres, each with one post risk
 * exposure and industry (group 0: risk.tendering / industry.construction,
 * 1: risk.credit_approval / industry.finance, 2: risk.medical_procurement
 * / industry.health). Each group has its own published items tagged with
 * its risk; a few general items (discipline tags only) are read by all.
 * Over 60 days every cadre opens, reads and completes mostly their own
 * group's items (a popularity skew inside the group), sometimes a general
 * or another group's item, dismisses one or two of another group's, and
 * sees impressions. Editors' events and events on retired items are noise
 * the trainer must ignore.
 */
#ifndef QF_TEST_COHORT_H
#define QF_TEST_COHORT_H

#include <stdint.h>

#include <jansson.h>

#include "lib/core.h"

#define COHORT_GROUPS 3
#define COHORT_DAY 86400
#define COHORT_T0 1780000000   /* the first day of the cohort's 60 */

struct cohort_options {
	int users_per_group;      /* default 40 */
	int items_per_group;      /* default 20 */
	int general_items;        /* default 8 */
	int interactions;         /* per cadre, default 12 */
	double own_share;         /* of a cadre's interactions, default 0.8 */
	uint64_t seed;            /* default 1 */
};

void cohort_options_default(struct cohort_options *o);

/* Risk tag of group 'g' ("risk.tendering", ...). */
const char *cohort_group_risk(int g);

/*
 * Creates the database at 'path' (which must not exist), migrated, with
 * the cohort of 'o' (NULL: defaults); 'with_events' 0 leaves out every
 * event (an empty database for training). Exits 99 on a failure to build.
 */
void cohort_build(const char *path, const struct cohort_options *o,
    int with_events);

/* The item ids of group 'g' (count in *n, at most 256) in a built cohort. */
void cohort_group_items(const char *db_path, int g, int64_t *ids, int *n);

/* What one run of qingfeng-train did. */
struct train_outcome {
	int status;          /* exit status; 128 + signal when killed */
	char out[65536];     /* stdout */
	char err[16384];     /* stderr */
};

/*
 * Runs qingfeng-train (from $top_builddir, or ./) with 'args' (NULL-
 * terminated, without the program name) and fills 'o'. Exits 99 when it
 * cannot be started.
 */
void train_exec(struct train_outcome *o, const char *const *args);

/* One model_runs row. */
struct run_row {
	int found;
	int64_t id;
	char status[16];
	char trigger[16];
	char model_version[64];
	char message[1024];
	json_t *metrics;     /* owned (NULL when the column is NULL) */
	int64_t users, items, interactions;
	double seconds;
	int64_t started_at, finished_at;
};

/* Reads row 'id' (or the latest when 'id' is 0); frees 'row' first. */
void run_row_read(const char *db_path, int64_t id, struct run_row *row);
void run_row_free(struct run_row *row);
/* How many model_runs rows there are. */
int run_rows_count(const char *db_path);

/* Runs 'sql' on the database; exits 99 when it fails. */
void cohort_sql(const char *db_path, const char *sql);

/* 1 when the two files have the same bytes, 0 otherwise (or unreadable). */
int files_identical(const char *a, const char *b);
/* Copies file 'from' to 'to'; exits 99 on failure. */
void file_copy(const char *from, const char *to);
/* 1 when 'path' exists. */
int file_exists(const char *path);

/* A number in a JSON object by a dotted path ("model.ndcg_at_10"), or NAN. */
double json_path_number(json_t *root, const char *path);

#endif /* QF_TEST_COHORT_H */
