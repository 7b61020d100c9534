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
	OPT_VERBOSE, OPT_HELP
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
	{ NULL, 0, NULL, 0 }
};

void
train_usage(FILE *out)
{
	struct model_als_options d;

	model_als_options_default(&d);
	fprintf(out,
	    "usage: qingfeng-train eval --train FILE --test FILE [options]\n"
	    "       qingfeng-train fit --train FILE --out MODEL [--test FILE] [options]\n"
	    "\n"
	    "FILE: one interaction a line, \"user item [weight [timestamp]]\",\n"
	    "separated by spaces or tabs (MovieLens u1.base works); weight 1 if absent.\n"
	    "eval trains on --train, ranks every item outside each user's training\n"
	    "set and prints the metrics as one JSON object; fit also writes MODEL.\n"
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
	    "exit status: 0 done, 1 bad input or failure, 2 bad arguments\n",
	    MODEL_MAX_FACTORS, d.factors, d.iterations, (double)d.regularization,
	    (double)d.alpha, d.threads, (unsigned long long)d.seed, d.cg_steps);
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

/* A whole finite decimal in [lo, hi]; 0, or -1 after saying why. */
static int
parse_real(const char *name, const char *s, double lo, double hi, float *out)
{
	double v;
	char *end;

	/* Plain decimals only: no "nan", "inf" or hexadecimal floats. */
	errno = 0;
	if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '.') ||
	    strspn(s, "0123456789.eE+-") != strlen(s))
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
train_options_parse(int argc, char **argv, struct train_options *o)
{
	unsigned long long u;
	int c;

	memset(o, 0, sizeof(*o));
	/* The library's defaults: model/als.c says how they were chosen. */
	model_als_options_default(&o->als);

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
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
	if (o->train_path == NULL) {
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
