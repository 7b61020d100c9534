/*
 * check-model.h — what the model tests add to tests/unit/check.h: checks on
 * floats and on library calls that fill a struct qf_error, and a scratch
 * directory.
 */
#ifndef QF_TEST_CHECK_MODEL_H
#define QF_TEST_CHECK_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

/* |got - expected| <= tolerance (and neither is NaN). */
#define CHECK_NEAR(got, expected, tolerance) do { \
	double check_got_ = (double)(got), check_expected_ = (double)(expected); \
	check_count++; \
	if (!(fabs(check_got_ - check_expected_) <= (double)(tolerance))) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected %.9g (within %g), got %.9g\n", \
		    __FILE__, __LINE__, #got, check_expected_, (double)(tolerance), \
		    check_got_); \
	} \
} while (0)

/* A call returning < 0 (or NULL) on failure must succeed: prints its error. */
#define CHECK_OK(call, err) do { \
	qf_error_init(&(err)); \
	check_count++; \
	if ((call) < 0) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, \
		    (err).text); \
	} \
} while (0)

/* A call must fail, with an error text containing 'needle'. */
#define CHECK_FAILS(call, err, needle) do { \
	qf_error_init(&(err)); \
	check_count++; \
	if ((call) >= 0) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected failure with \"%s\", got success\n", \
		    __FILE__, __LINE__, #call, needle); \
	} else if (strstr((err).text, needle) == NULL) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected error containing \"%s\", got \"%s\"\n", \
		    __FILE__, __LINE__, #call, needle, (err).text); \
	} \
} while (0)

/* A fresh directory under $TMPDIR (or /tmp) for this test; exits 99 if none. */
static inline const char *
check_scratch_dir(const char *name)
{
	static char dir[512];
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/qf-%s-XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp", name);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);   /* a hard error, not a failed check */
	}
	return dir;
}

/* A small reproducible generator for synthetic data (not for the model). */
static inline uint32_t
check_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

#endif /* QF_TEST_CHECK_MODEL_H */
