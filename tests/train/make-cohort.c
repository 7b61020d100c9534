/*
 * make-cohort.c — writes the synthetic cohort database of cohort.h to a
 * file, for measuring `qingfeng-train run` by hand and in
 * tests/bench/train-bench.sh (not a test).
 *
 *   make-cohort [--users-per-group N] [--items-per-group N]
 *               [--interactions N] [--own-share X] [--seed S] [--empty] PATH
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/train/cohort.h"

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "users-per-group", required_argument, NULL, 'u' },
		{ "items-per-group", required_argument, NULL, 'i' },
		{ "interactions", required_argument, NULL, 'n' },
		{ "own-share", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "empty", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct cohort_options o;
	int c, with_events = 1;

	cohort_options_default(&o);
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.users_per_group = atoi(optarg);
			break;
		case 'i':
			o.items_per_group = atoi(optarg);
			break;
		case 'n':
			o.interactions = atoi(optarg);
			break;
		case 'o':
			o.own_share = atof(optarg);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 10);
			break;
		case 'e':
			with_events = 0;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1 || o.users_per_group < 1 ||
	    o.items_per_group < 1 || o.items_per_group > 900 ||
	    o.interactions < 0) {
		fprintf(stderr, "usage: make-cohort [--users-per-group N] "
		    "[--items-per-group N (1-900)] [--interactions N] "
		    "[--own-share X] [--seed S] [--empty] PATH\n");
		return 2;
	}
	cohort_build(argv[optind], &o, with_events);
	return 0;
}
