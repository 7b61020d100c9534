/*
 * check.h — the smallest test harness that says what went wrong: each failed
 * check prints file, line, what was expected and what came; the program's
 * exit status is the automake verdict (0 pass, 1 fail).
 */
#ifndef QF_TEST_CHECK_H
#define QF_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do { \
	check_count++; \
	if (!(cond)) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_INT(got, expected) do { \
	long long check_got_ = (long long)(got), check_expected_ = (long long)(expected); \
	check_count++; \
	if (check_got_ != check_expected_) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, \
		    #got, check_expected_, check_got_); \
	} \
} while (0)

#define CHECK_STR(got, expected) do { \
	const char *check_got_ = (got), *check_expected_ = (expected); \
	check_count++; \
	if (check_got_ == NULL || strcmp(check_got_, check_expected_) != 0) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, \
		    #got, check_expected_, check_got_ ? check_got_ : "(null)"); \
	} \
} while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(got, needle) do { \
	const char *check_got_ = (got), *check_needle_ = (needle); \
	check_count++; \
	if (check_got_ == NULL || strstr(check_got_, check_needle_) == NULL) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: %s: expected to contain \"%s\", got \"%s\"\n", __FILE__, \
		    __LINE__, #got, check_needle_, check_got_ ? check_got_ : "(null)"); \
	} \
} while (0)

static inline int
check_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures == 0 ? 0 : 1;
}

#endif /* QF_TEST_CHECK_H */
