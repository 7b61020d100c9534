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

/* The command line shared by the subcommands. */
struct train_options {
	const char *train_path;
	const char *test_path;      /* NULL when not given */
	const char *out_path;       /* NULL when not given */
	int verbose;                /* per-iteration loss on stderr */
	struct model_als_options als;
};

/*
 * Parses the options after the subcommand name ('argv[0]'), starting from
 * the defaults. Prints what is wrong to stderr and returns -1 on a bad
 * argument; returns 1 when --help was asked (usage already printed).
 */
int train_options_parse(int argc, char **argv, struct train_options *o);
void train_usage(FILE *out);

/* Everything a run produced; free with pipeline_result_free. */
struct pipeline_result {
	struct model_interactions train;
	struct model_factors factors;
	struct model_als_report report;
	int evaluated;                    /* a test set was given */
	struct model_metrics als;
	struct model_metrics popularity;
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

/* The result as a new JSON object (the API.md shape for eval), or NULL. */
json_t *pipeline_result_json(const struct pipeline_result *r,
    const struct model_als_options *o);

int cmd_eval(int argc, char **argv);
int cmd_fit(int argc, char **argv);

#endif /* QF_TRAIN_EXTERN_H */
