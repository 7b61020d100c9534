/*
 * test-lift-stats.c — the lift's statistics (fcgi/supervisor-stats.c)
 * against values worked out by hand from the definitions: a ratio
 * estimator's cluster-robust variance, the difference's and the log
 * ratio's 95% intervals, and the cases without an interval.
 */
#include "config.h"

#include <math.h>

#include "fcgi/extern.h"
#include "tests/unit/check.h"

#define CLOSE(a, b) CHECK(fabs((a) - (b)) < 1e-12)

static void
test_arm_rate(void)
{
	struct lift_arm arm = { 0 };
	double rate, var;

	/* Cadres (p, c): (4, 2), (2, 2), (4, 0). R = 4/10; residuals 0.4, 1.2, -1.6. */
	lift_arm_add(&arm, 4, 2);
	lift_arm_add(&arm, 2, 2);
	lift_arm_add(&arm, 4, 0);
	lift_arm_add(&arm, 0, 0);     /* no pushes: not a cluster */
	CHECK_INT(arm.n, 3);
	CHECK(lift_arm_rate(&arm, &rate, &var) == 0);
	CLOSE(rate, 0.4);
	/* 3/2 · (0.16 + 1.44 + 2.56) / 100 */
	CLOSE(var, 1.5 * 4.16 / 100.0);
}

static void
test_too_few(void)
{
	struct lift_arm one = { 0 }, none = { 0 };
	double rate = -1, var = -1;

	lift_arm_add(&one, 5, 1);
	CHECK(lift_arm_rate(&one, &rate, &var) < 0);
	CLOSE(rate, 0.2);             /* a rate, but no variance from one cadre */
	CHECK(lift_arm_rate(&none, &rate, &var) < 0);
}

static void
test_compare(void)
{
	struct lift_arm a = { 0 }, b = { 0 };
	struct lift_result r;
	double va, vb, se, lse;

	/* Arm A: 10 cadres alternating (10, 6) and (10, 4): R = 0.5, residuals ±1. */
	for (int i = 0; i < 10; i++)
		lift_arm_add(&a, 10, i % 2 ? 6 : 4);
	/* Arm B: 10 cadres alternating (10, 3) and (10, 1): R = 0.2, residuals ±1. */
	for (int i = 0; i < 10; i++)
		lift_arm_add(&b, 10, i % 2 ? 3 : 1);
	lift_compare(&a, &b, 10, &r);
	va = 10.0 / 9.0 * 10.0 / (100.0 * 100.0);
	vb = va;
	se = sqrt(va + vb);
	CLOSE(r.rate_a, 0.5);
	CLOSE(r.rate_b, 0.2);
	CLOSE(r.var_a, va);
	CLOSE(r.diff, 0.3);
	CHECK(r.has_diff_ci);
	CLOSE(r.diff_lo, 0.3 - 1.96 * se);
	CLOSE(r.diff_hi, 0.3 + 1.96 * se);
	CLOSE(r.ratio, 2.5);
	lse = sqrt(va / 0.25 + vb / 0.04);
	CHECK(r.has_ratio_ci);
	CLOSE(r.ratio_lo, 2.5 * exp(-1.96 * lse));
	CLOSE(r.ratio_hi, 2.5 * exp(1.96 * lse));
	CHECK(r.reason == NULL);

	/* Eleven cadres are asked for: no intervals, a reason, the values still there. */
	lift_compare(&a, &b, 11, &r);
	CHECK(!r.has_diff_ci && !r.has_ratio_ci);
	CHECK_STR(r.reason, "too_few_cadres");
	CLOSE(r.diff, 0.3);
}

static void
test_zero_rate(void)
{
	struct lift_arm a = { 0 }, b = { 0 };
	struct lift_result r;

	for (int i = 0; i < 10; i++) {
		lift_arm_add(&a, 5, i % 2);
		lift_arm_add(&b, 5, 0);
	}
	lift_compare(&a, &b, 10, &r);
	CHECK(r.has_diff_ci);
	CHECK(!r.has_ratio_ci);
	CHECK(isnan(r.ratio));
	CHECK_STR(r.reason, "zero_rate");
}

int
main(void)
{
	test_arm_rate();
	test_too_few();
	test_compare();
	test_zero_rate();
	return check_report("test-lift-stats");
}
