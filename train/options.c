/*
 * options.c — the command line of qingfeng-train: one table of options,
 * each value parsed whole and range-checked before anything runs.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

enum option_key {
	OPT_TRAIN = 1000, OPT_TEST, OPT_OUT, OPT_FACTORS, OPT_ITERATIONS,
	OPT_REGULARIZATION, OPT_ALPHA, OPT_THREADS, OPT_SEED, OPT_CG_STEPS,
	OPT_VERBOSE, OPT_HELP, OPT_DB, OPT_MODEL, OPT_RUN_ID, OPT_TRIGGER,
	OPT_TOLERANCE, OPT_HOLDOUT_DAYS, OPT_HOLDOUT_PER_USER, OPT_PRIOR_RIDGE,
	OPT_BUSY_TIMEOUT, OPT_SIGNING_KEY
};

static const struct option options[] = {
	{ "train", required_argument, NULL, OPT_TRAIN },
	{ "test", required_argument, NULL, OPT_TEST },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "factors", required_argument, NULL, OPT_FACTORS },
	{ "iterations", required_argument, NULL, OPT_ITERATIONS },
	{ "regularization", required_argument, NULL, OPT_REGULARIZATION },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "cg-steps", required_argument, NULL, OPT_CG_STEPS },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "db", required_argument, NULL, OPT_DB },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	{ "trigger", required_argument, NULL, OPT_TRIGGER },
	{ "tolerance", required_argument, NULL, OPT_TOLERANCE },
	{ "holdout-days", required_argument, NULL, OPT_HOLDOUT_DAYS },
	{ "holdout-per-user", required_argument, NULL, OPT_HOLDOUT_PER_USER },
	{ "prior-ridge", required_argument, NULL, OPT_PRIOR_RIDGE },
	{ "busy-timeout", required_argument, NULL, OPT_BUSY_TIMEOUT },
	{ "signing-key", required_argument, NULL, OPT_SIGNING_KEY },
	{ NULL, 0, NULL, 0 }
};

/* Which subcommand may take which option: a bit per command. */
#define FOR_EVAL (1u << TRAIN_EVAL)
#define FOR_FIT  (1u << TRAIN_FIT)
#define FOR_RUN  (1u << TRAIN_RUN)
#define FOR_ALL  (FOR_EVAL | FOR_FIT | FOR_RUN)

static unsigned
allowed_for(int key)
{
	switch (key) {
	case OPT_TRAIN:
		return FOR_EVAL | FOR_FIT;
	case OPT_TEST:
		return FOR_EVAL | FOR_FIT;
	case OPT_OUT:
		return FOR_FIT | FOR_EVAL;   /* eval refuses it with a hint */
	case OPT_DB: case OPT_MODEL: case OPT_RUN_ID: case OPT_TRIGGER:
	case OPT_TOLERANCE: case OPT_HOLDOUT_DAYS: case OPT_HOLDOUT_PER_USER:
	case OPT_PRIOR_RIDGE: case OPT_BUSY_TIMEOUT:
		return FOR_RUN;
	case OPT_SIGNING_KEY:
		return FOR_FIT | FOR_RUN;
	default:
		return FOR_ALL;
	}
}

static const char *const command_names[] = { "eval", "fit", "run" };

void
train_usage(FILE *out)
{
	struct model_als_options d;

	model_als_options_default(&d);
	fprintf(out,
	    "usage: qingfeng-train eval --train FILE --test FILE [options]\n"
	    "       qingfeng-train fit --train FILE --out MODEL [--test FILE] [options]\n"
	    "       qingfeng-train run --db PATH --model PATH [--run-id N]\n"
	    "                [--trigger nightly|manual|cli] [--tolerance T]\n"
	    "                [--holdout-days D | --holdout-per-user N] [options]\n"
	    "       qingfeng-train mastery --db PATH [--evaluate [--holdout F]]\n"
	    "       qingfeng-train keygen --out PREFIX\n"
	    "\n"
	    "FILE: one interaction a line, \"user item [weight [timestamp]]\",\n"
	    "separated by spaces or tabs (MovieLens u1.base works); weight 1 if absent.\n"
	    "eval trains on --train, ranks every item outside each user's training\n"
	    "set and prints the metrics as one JSON object; fit also writes MODEL.\n"
	    "run trains from the database's events, holds out each cadre's latest\n"
	    "interactions, and replaces MODEL only when the new model is not worse\n"
	    "than the one in service (nDCG@10, by more than the tolerance); every\n"
	    "run is recorded in the model_runs table.\n"
	    "mastery refits every cadre's mastery per discipline and the question\n"
	    "difficulties from all quiz answers, and reschedules reviews; with\n"
	    "--evaluate it writes nothing and prints held-out AUC and log loss.\n"
	    "keygen makes the key pair that signs models: PREFIX.key (secret, for\n"
	    "--signing-key) and PREFIX.pub (for qingfeng-fcgi --model-key).\n"
	    "\n"
	    "options:\n"
	    "  --factors K           latent factors, 1-%d (default %u)\n"
	    "  --iterations N        ALS sweeps, 1-1000 (default %u)\n"
	    "  --regularization R    lambda, 0-1e6 (default %g)\n"
	    "  --alpha A             confidence c = 1 + A * weight, 0-1e6 (default %g)\n"
	    "  --threads T           worker threads, 1-256 (default %u)\n"
	    "  --seed S              initial factors, 0-2^63-1 (default %llu)\n"
	    "  --cg-steps N          conjugate-gradient steps, 0 = exact Cholesky (default %u)\n"
	    "  --verbose             loss and time per iteration on stderr\n"
	    "  --signing-key FILE    (fit, run) sign the model with this secret key\n"
	    "run only:\n"
	    "  --run-id N            record into model_runs row N (status running),\n"
	    "                        inserted by the web app; default: insert a row\n"
	    "  --trigger T           nightly, manual or cli (default cli)\n"
	    "  --tolerance T         promote when nDCG@10 >= the served model's - T,\n"
	    "                        -1 to 1 (default %g)\n"
	    "  --holdout-per-user N  hold out each cadre's N latest items (default %u)\n"
	    "  --holdout-days D      or: hold out what happened in the last D days\n"
	    "  --prior-ridge R       ridge of the cold-start feature priors (default %g)\n"
	    "  --busy-timeout MS     wait this long for a locked database (default %u)\n"
	    "exit status: 0 done (run: promoted or rejected), 1 bad input or failure,\n"
	    "2 bad arguments\n",
	    MODEL_MAX_FACTORS, d.factors, d.iterations, (double)d.regularization,
	    (double)d.alpha, d.threads,
	    (unsigned long long)d.seed, d.cg_steps, TRAIN_RUN_TOLERANCE,
	    TRAIN_RUN_HOLDOUT_PER_USER, (double)TRAIN_RUN_PRIOR_RIDGE,
	    TRAIN_RUN_BUSY_TIMEOUT_MS);
}

/* A whole unsigned decimal in [lo, hi]; 0, or -1 after saying why. */
static int
parse_unsigned(const char *name, const char *s, unsigned long long lo,
    unsigned long long hi, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "qingfeng-train: --%s must be an integer %llu-%llu, "
	    "not \"%.40s\"\n", name, lo, hi, s);
	return -1;
}

/*
 * A whole finite decimal in [lo, hi] (a sign only when 'lo' < 0); 0, or -1
 * after saying why.
 */
static int
parse_real(const char *name, const char *s, double lo, double hi, float *out)
{
	const char *digits = lo < 0.0 && s[0] == '-' ? s + 1 : s;
	double v;
	char *end;

	/* Plain decimals only: no "nan", "inf" or hexadecimal floats. */
	errno = 0;
	if (!((digits[0] >= '0' && digits[0] <= '9') || digits[0] == '.') ||
	    strspn(digits, "0123456789.eE+-") != strlen(digits))
		goto bad;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		goto bad;
	*out = (float)v;
	return 0;
bad:
	fprintf(stderr, "qingfeng-train: --%s must be a number %g-%g, not "
	    "\"%.40s\"\n", name, lo, hi, s);
	return -1;
}

int
train_options_parse(int argc, char **argv, enum train_command command,
    struct train_options *o)
{
	unsigned long long u;
	int c, index, have_days = 0, have_per_user = 0;

	memset(o, 0, sizeof(*o));
	/* The library's defaults: model/als.c says how they were chosen. */
	model_als_options_default(&o->als);
	o->trigger = "cli";
	o->tolerance = TRAIN_RUN_TOLERANCE;
	o->holdout_per_user = TRAIN_RUN_HOLDOUT_PER_USER;
	o->prior_ridge = TRAIN_RUN_PRIOR_RIDGE;
	o->busy_timeout_ms = TRAIN_RUN_BUSY_TIMEOUT_MS;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, &index)) != -1) {
		if (c >= OPT_TRAIN && !(allowed_for(c) & (1u << command))) {
			fprintf(stderr, "qingfeng-train: %s does not take --%s\n",
			    command_names[command], options[index].name);
			return -1;
		}
		switch (c) {
		case OPT_TRAIN:
			o->train_path = optarg;
			break;
		case OPT_TEST:
			o->test_path = optarg;
			break;
		case OPT_OUT:
			o->out_path = optarg;
			break;
		case OPT_FACTORS:
			if (parse_unsigned("factors", optarg, 1,
			    MODEL_MAX_FACTORS, &u) < 0)
				return -1;
			o->als.factors = (uint32_t)u;
			break;
		case OPT_ITERATIONS:
			if (parse_unsigned("iterations", optarg, 1, 1000, &u) < 0)
				return -1;
			o->als.iterations = (uint32_t)u;
			break;
		case OPT_REGULARIZATION:
			if (parse_real("regularization", optarg, 0.0, 1e6,
			    &o->als.regularization) < 0)
				return -1;
			break;
		case OPT_ALPHA:
			if (parse_real("alpha", optarg, 0.0, 1e6, &o->als.alpha) < 0)
				return -1;
			break;
		case OPT_THREADS:
			if (parse_unsigned("threads", optarg, 1, 256, &u) < 0)
				return -1;
			o->als.threads = (uint32_t)u;
			break;
		case OPT_SEED:
			if (parse_unsigned("seed", optarg, 0, INT64_MAX, &u) < 0)
				return -1;
			o->als.seed = u;
			break;
		case OPT_CG_STEPS:
			if (parse_unsigned("cg-steps", optarg, 0, 64, &u) < 0)
				return -1;
			o->als.cg_steps = (uint32_t)u;
			break;
		case OPT_VERBOSE:
			o->verbose = 1;
			break;
		case OPT_DB:
			o->db_path = optarg;
			break;
		case OPT_MODEL:
			o->model_path = optarg;
			break;
		case OPT_RUN_ID:
			if (parse_unsigned("run-id", optarg, 1, INT64_MAX, &u) < 0)
				return -1;
			o->run_id = (int64_t)u;
			break;
		case OPT_TRIGGER:
			if (strcmp(optarg, "nightly") != 0 &&
			    strcmp(optarg, "manual") != 0 &&
			    strcmp(optarg, "cli") != 0) {
				fprintf(stderr, "qingfeng-train: --trigger must be "
				    "nightly, manual or cli, not \"%.40s\"\n", optarg);
				return -1;
			}
			o->trigger = optarg;
			break;
		case OPT_TOLERANCE:
			if (parse_real("tolerance", optarg, -1.0, 1.0,
			    &o->tolerance) < 0)
				return -1;
			break;
		case OPT_HOLDOUT_DAYS:
			if (parse_unsigned("holdout-days", optarg, 1, 3650, &u) < 0)
				return -1;
			o->holdout_days = (uint32_t)u;
			have_days = 1;
			break;
		case OPT_HOLDOUT_PER_USER:
			if (parse_unsigned("holdout-per-user", optarg, 1, 1000,
			    &u) < 0)
				return -1;
			o->holdout_per_user = (uint32_t)u;
			have_per_user = 1;
			break;
		case OPT_PRIOR_RIDGE:
			if (parse_real("prior-ridge", optarg, 1e-6, 1e6,
			    &o->prior_ridge) < 0)
				return -1;
			break;
		case OPT_BUSY_TIMEOUT:
			if (parse_unsigned("busy-timeout", optarg, 0, 600000, &u) < 0)
				return -1;
			o->busy_timeout_ms = (uint32_t)u;
			break;
		case OPT_SIGNING_KEY: {
			struct qf_error err;

			qf_error_init(&err);
			if (model_key_read_secret(optarg, o->signing_key, &err) < 0) {
				fprintf(stderr, "qingfeng-train: --signing-key: %s\n", err.text);
				return -1;
			}
			o->have_signing_key = 1;
			break;
		}
		case OPT_HELP:
			train_usage(stdout);
			return 1;
		default:
			if (optopt >= OPT_TRAIN)
				fprintf(stderr, "qingfeng-train: %.40s needs a "
				    "value\n", argv[optind - 1]);
			else
				fprintf(stderr, "qingfeng-train: unknown option "
				    "\"%.40s\"\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "qingfeng-train: unexpected argument \"%.40s\"\n",
		    argv[optind]);
		return -1;
	}
	if (command == TRAIN_RUN) {
		if (o->db_path == NULL || o->model_path == NULL) {
			fprintf(stderr, "qingfeng-train: run needs --db PATH and "
			    "--model PATH\n");
			return -1;
		}
		if (have_days && have_per_user) {
			fprintf(stderr, "qingfeng-train: --holdout-days and "
			    "--holdout-per-user exclude each other\n");
			return -1;
		}
		if (have_days)
			o->holdout_per_user = 0;
	} else if (o->train_path == NULL) {
		fprintf(stderr, "qingfeng-train: --train FILE is required\n");
		return -1;
	}
	if (o->als.cg_steps == 0 && !(o->als.regularization > 0.0f)) {
		fprintf(stderr, "qingfeng-train: --cg-steps 0 (exact solver) "
		    "needs --regularization > 0\n");
		return -1;
	}
	return 0;
}
