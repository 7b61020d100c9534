/* test-score.c — scores by sgemv, and top-N order, ties, NaN and exclusions. */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

static void
test_score_all(void)
{
	/* 3 items x 2 factors; x = (1, -2) */
	const float y[] = { 1, 0, 0, 1, 2, 3 }, x[] = { 1, -2 };
	float s[3];

	model_score_all(y, 3, 2, x, s);
	CHECK_NEAR(s[0], 1, 0);
	CHECK_NEAR(s[1], -2, 0);
	CHECK_NEAR(s[2], -4, 0);
}

static void
test_top_n(void)
{
	const float s[] = { 0.5f, 0.9f, NAN, 0.9f, 0.1f, 0.7f, 0.2f };
	const uint32_t exclude[] = { 3, 5 };
	uint32_t idx[8];
	float top[8];
	size_t n;

	/* ties: lower index first; NaN never chosen */
	n = model_top_n(s, 7, NULL, 0, 3, idx, top);
	CHECK_INT(n, 3);
	CHECK_INT(idx[0], 1);
	CHECK_INT(idx[1], 3);
	CHECK_INT(idx[2], 5);
	CHECK_NEAR(top[2], 0.7f, 0);

	n = model_top_n(s, 7, exclude, 2, 3, idx, NULL);
	CHECK_INT(n, 3);
	CHECK_INT(idx[0], 1);
	CHECK_INT(idx[1], 0);
	CHECK_INT(idx[2], 6);

	/* more asked than there are: all but NaN and the excluded, in order */
	n = model_top_n(s, 7, exclude, 2, 8, idx, top);
	CHECK_INT(n, 4);
	CHECK_INT(idx[3], 4);
	CHECK_INT(model_top_n(s, 7, NULL, 0, 0, idx, top), 0);
	CHECK_INT(model_top_n(s, 0, NULL, 0, 5, idx, top), 0);
}

/* The heap agrees with a plain sort on a larger random vector. */
static void
test_top_n_random(void)
{
	enum { N = 5000, TOP = 50 };
	static float s[N];
	static uint32_t idx[TOP], exclude[N / 10];
	uint64_t state = 7;
	uint32_t i, j, prev, better;
	size_t n, e = 0;

	for (i = 0; i < N; i++) {
		s[i] = (float)(check_random(&state) % 1000);   /* many ties */
		if (i % 10 == 3)
			exclude[e++] = i;
	}
	n = model_top_n(s, N, exclude, e, TOP, idx, NULL);
	CHECK_INT(n, TOP);
	for (j = 1; j < n; j++) {
		prev = idx[j - 1];
		CHECK(s[prev] > s[idx[j]] || (s[prev] == s[idx[j]] && prev < idx[j]));
	}
	/* nothing outside the list ranks above its last entry */
	better = 0;
	for (i = 0; i < N; i++) {
		int listed = 0;

		if (i % 10 == 3)
			continue;
		for (j = 0; j < n; j++)
			listed |= idx[j] == i;
		if (!listed && (s[i] > s[idx[n - 1]] ||
		    (s[i] == s[idx[n - 1]] && i < idx[n - 1])))
			better++;
	}
	CHECK_INT(better, 0);
	for (j = 0; j < n; j++)
		CHECK(idx[j] % 10 != 3);
}

int
main(void)
{
	test_score_all();
	test_top_n();
	test_top_n_random();
	return check_report("test-score");
}
