/*
 * extern.h — declarations shared by the files of qingfeng-train.
 *
 * The flow: a source fills a 'struct train_triples' (today the text reader
 * in input-text.c; the database reader of events comes next and fills the
 * same struct), pipeline.c turns it into a matrix, fits ALS, evaluates on a
 * hold-out next to the popularity baseline and describes the result as
 * JSON; cmd-eval.c prints that, cmd-fit.c also writes the model file.
 * Promotion (compare with the serving model, record a model_runs row) will
 * sit between pipeline_run and model_file_write in cmd-fit.c's place.
 */
#ifndef QF_TRAIN_EXTERN_H
#define QF_TRAIN_EXTERN_H

#include <stddef.h>

#include <jansson.h>

#include "lib/core.h"
#include "model/model.h"

/* Exit statuses: 0 done, 1 bad input or a failure, 2 bad arguments. */
#define EXIT_INPUT 1
#define EXIT_USAGE 2

/* A growable array of interactions; free with train_triples_free. */
struct train_triples {
	struct model_triple *v;
	size_t n;
	size_t cap;
};

void train_triples_free(struct train_triples *t);

/*
 * Reads 'path': one interaction a line, "user item [weight [timestamp]]"
 * separated by spaces or tabs (the MovieLens u.data format); blank lines
 * and lines starting with '#' are skipped; weight defaults to 1. Appends to
 * 'out'. Returns 0, or -1 with 'err' naming "path:line" and the fault.
 */
int train_read_text(const char *path, struct train_triples *out,
    struct qf_error *err);

enum train_command { TRAIN_EVAL, TRAIN_FIT, TRAIN_RUN };

/*
 * Defaults of `run` (cmd-run.c says why): the promotion tolerance on
 * nDCG@10, the hold-out, the ridge of the feature priors and how long to
 * wait for a database another process is writing. ALS takes the
 * library's defaults, as eval and fit do.
 */
#define TRAIN_RUN_TOLERANCE 0.02
#define TRAIN_RUN_HOLDOUT_PER_USER 2u
#define TRAIN_RUN_PRIOR_RIDGE 1.0f
#define TRAIN_RUN_BUSY_TIMEOUT_MS 5000u
/* Held-out pairs newer than the model in service needed to re-rank it. */
#define TRAIN_FRESH_MIN_PAIRS 50

/* The command line shared by the subcommands. */
struct train_options {
	const char *train_path;
	const char *test_path;      /* NULL when not given */
	const char *out_path;       /* NULL when not given */
	int verbose;                /* per-iteration loss on stderr */
	struct model_als_options als;
	/* run */
	const char *db_path;
	const char *model_path;
	int64_t run_id;             /* 0: insert a row */
	const char *trigger;        /* nightly, manual or cli */
	float tolerance;
	uint32_t holdout_days;      /* 0: per user */
	uint32_t holdout_per_user;  /* 0: by days */
	float prior_ridge;
	uint32_t busy_timeout_ms;
	/* fit, run: sign the model file with this Ed25519 secret key */
	int have_signing_key;
	unsigned char signing_key[MODEL_SECRET_KEY_LEN];
};

/*
 * Parses the options after the subcommand name ('argv[0]'), starting from
 * the defaults, accepting only those 'command' takes. Prints what is wrong
 * to stderr and returns -1 on a bad argument; returns 1 when --help was
 * asked (usage already printed).
 */
int train_options_parse(int argc, char **argv, enum train_command command,
    struct train_options *o);
void train_usage(FILE *out);

/* Everything a pipeline run produced; free with pipeline_result_free. */
struct pipeline_result {
	struct model_interactions train;
	struct model_factors factors;
	struct model_als_report report;
	int evaluated;                    /* a test set was given */
	struct model_metrics als;
	struct model_metrics popularity;
	struct model_csr test;            /* the test pairs in training indices */
	uint64_t test_pairs_unknown;      /* user or item absent from training */
	double eval_seconds;
};

/*
 * Builds the matrix from 'train', fits with 'o', and when 'test' is non-NULL
 * evaluates the factors and the popularity baseline on it. Returns 0, or -1
 * with 'err' filled.
 */
int pipeline_run(const struct train_triples *train,
    const struct train_triples *test, const struct model_als_options *o,
    int verbose, struct pipeline_result *out, struct qf_error *err);
void pipeline_result_free(struct pipeline_result *r);

/*
 * The pairs of 'test' as a matrix in the indices of 'train'; pairs whose
 * user or item is not in 'train' are counted in '*unknown' and left out.
 * 0, or -1 with 'err' filled.
 */
int pipeline_test_matrix(const struct model_interactions *train,
    const struct train_triples *test, struct model_csr *out,
    uint64_t *unknown, struct qf_error *err);

/* The result as a new JSON object (the API.md shape for eval), or NULL. */
json_t *pipeline_result_json(const struct pipeline_result *r,
    const struct model_als_options *o);

/* Peak resident memory of this process in kilobytes, or -1. */
json_int_t train_peak_rss_kb(void);
/* The six metrics of model.h as a new JSON object (API.md names), or NULL. */
json_t *train_metrics_json(const struct model_metrics *m);

/* ---------------------------------------------------------------- events */

/* Event weights: events.c says why. */
#define TRAIN_OPEN_WEIGHT 1.0f
#define TRAIN_OPEN_MAX 3u
#define TRAIN_PROGRESS_WEIGHT 2.0f
#define TRAIN_COMPLETE_WEIGHT 4.0f
#define TRAIN_COMPLETE_MAX 2u
#define TRAIN_DISMISS_STRENGTH 2.0f

enum train_event_kind {
	TRAIN_EVENT_OPEN, TRAIN_EVENT_PROGRESS, TRAIN_EVENT_COMPLETE,
	TRAIN_EVENT_DISMISS
};

/* One row of the events table that training reads (no impressions). */
struct train_event {
	int64_t user;
	int64_t item;
	int64_t at;             /* created_at, unix seconds */
	float value;            /* progress share, when has_value */
	unsigned char kind;     /* enum train_event_kind */
	unsigned char has_value;
};

/* A growable array of events; free with train_events_free. */
struct train_events {
	struct train_event *v;
	size_t n;
	size_t cap;
};

void train_events_free(struct train_events *e);
/* Appends a copy of 'x'; 0, or -1 when out of memory. */
int train_events_push(struct train_events *e, const struct train_event *x);

/*
 * The strength of one (user, item) pair from its events 'e' ('n' of them,
 * time-ordered) older than 'before' (INT64_MAX: all). '*observed' says
 * whether the pair is an interaction at all (a positive event or a
 * standing dismiss, which gives -TRAIN_DISMISS_STRENGTH).
 */
float train_pair_strength(const struct train_event *e, size_t n,
    int64_t before, int *observed);

/* The time-ordered split; free with train_split_free. */
struct train_split {
	struct train_triples all;     /* every pair, all events */
	struct train_triples train;   /* events before each cadre's cut-off */
	struct train_triples test;    /* pairs first met at or after it */
	int64_t *test_first;          /* parallel to test: that first time */
	size_t test_first_cap;
	uint32_t train_users;         /* with a positive training pair */
	uint32_t test_users;          /* with a held-out pair */
	int64_t cutoff;               /* --holdout-days: the cut-off; else 0 */
};

/*
 * Splits 'events' (sorted by user, item, time) holding out each user's
 * 'per_user' latest new interactions, or (per_user 0) everything of the
 * last 'days' days. 0, or -1 with 'err' filled.
 */
int train_split(const struct train_events *events, uint32_t per_user,
    uint32_t days, struct train_split *out, struct qf_error *err);
void train_split_free(struct train_split *s);

/* ------------------------------------------------------------ database */

/* Feature codes of users or items, as (id, code) rows. */
struct train_features {
	int64_t *id;
	char **code;      /* owned strings */
	size_t n;
	size_t cap;
};

void train_features_free(struct train_features *f);

/* What `run` reads from the database, in one read transaction. */
struct train_data {
	struct train_events events;          /* sorted by user, item, time */
	struct train_features user_features; /* category:, industry:, risk:, weak: */
	struct train_features item_features; /* tag codes */
	int schema;
};

/*
 * Opens 'path' read-only (it must exist) and reads the events of cadres
 * on published items and the features of cadres and items, in one read
 * transaction, waiting up to 'busy_timeout_ms' for a writer's lock.
 * 0, or -1 with 'err' filled. The connection is closed before returning.
 */
int train_read_db(const char *path, unsigned busy_timeout_ms,
    struct train_data *out, struct qf_error *err);
void train_data_free(struct train_data *d);

/* The model_runs row of a run (run-record.c: all its SQL). */
struct run_record {
	sqlite3 *db;                   /* read-write, owned */
	int64_t id;
};

/*
 * Opens the database read-write (never creating it) and inserts a
 * 'running' row with 'trigger', or, when 'run_id' is not 0, claims that
 * row, which must exist and be 'running'. 0, or -1 with 'err' filled.
 */
int run_record_start(struct run_record *r, const char *db_path,
    int64_t run_id, const char *trigger, unsigned busy_timeout_ms,
    struct qf_error *err);
/*
 * Finishes the row: 'status' promoted, rejected or failed; any of the
 * others may be NULL or 0 (left NULL in the row). 0, or -1 with 'err'.
 */
int run_record_finish(struct run_record *r, const char *status,
    const char *model_version, const char *metrics_json, int64_t users,
    int64_t items, int64_t interactions, double seconds, const char *message,
    struct qf_error *err);
void run_record_close(struct run_record *r);

/* ------------------------------------------------------------------ lock */

/*
 * Takes the exclusive lock "<model>.lock" (flock, never waiting): -1 with
 * 'err' filled when another run holds it or it cannot be made. Returns the
 * descriptor; closing it (process exit included) releases the lock.
 * Also removes temporary model files a killed run left behind.
 */
int train_lock(const char *model_path, struct qf_error *err);

/* ------------------------------------------------------------ promotion */

/*
 * Scores the hold-out with the model in service 'served': each test user
 * folded in from their training row (result->train, mapped to the served
 * model's items by id) against its item factors, so the served model is
 * judged on the same split without using its own stored user vectors
 * (which have seen the hold-out). Items it does not know score lowest.
 */
int train_evaluate_served(const struct model *served,
    const struct pipeline_result *result, const struct model_csr *test,
    struct model_metrics *out, struct qf_error *err);

/* Item factors with what fold-in needs: the model in service or a candidate. */
struct train_item_factors {
	const int64_t *item_ids;     /* n_items, ascending */
	const float *item_factors;   /* n_items x k */
	const float *gram;           /* k x k, Y^T Y */
	uint32_t n_items;
	uint32_t k;
	float alpha;
	float regularization;
};

/* The same evaluation by fold-in against any item factors. */
int train_evaluate_fold_in(const struct train_item_factors *model,
    const struct pipeline_result *result, const struct model_csr *test,
    struct model_metrics *out, struct qf_error *err);

int cmd_eval(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_mastery(int argc, char **argv);   /* cmd-mastery.c: knowledge tracing, reviews */
int cmd_keygen(int argc, char **argv);    /* cmd-keygen.c: the key pair that signs models */

#endif /* QF_TRAIN_EXTERN_H */
