/*
 * supervisor-stats.c — the lift's statistics, pure arithmetic (tested by
 * tests/unit/test-lift-stats.c). The cadre is the unit of randomisation,
 * so each arm's completion rate R = Σc/Σp is a ratio estimator over
 * clusters (cadres, with p_u pushes and c_u completions); its variance by
 * the delta method is n/(n−1) · Σ(c_u − R p_u)² / (Σp)², expanded as
 * Σc² − 2RΣcp + R²Σp² so that only sums are kept. The difference's 95%
 * interval is d ± 1.96 √(vA + vB); the ratio's comes from the log ratio,
 * whose variance is vA/RA² + vB/RB².
 */
#include "config.h"

#include <math.h>

#include "extern.h"

#define Z95 1.96    /* as the definition states it */

void
lift_arm_add(struct lift_arm *arm, double pushed, double completed)
{
	if (pushed <= 0)
		return;
	arm->n++;
	arm->sp += pushed;
	arm->sc += completed;
	arm->spp += pushed * pushed;
	arm->scc += completed * completed;
	arm->scp += completed * pushed;
}

int
lift_arm_rate(const struct lift_arm *arm, double *rate, double *var)
{
	double r, ss;

	if (arm->sp <= 0)
		return -1;
	r = arm->sc / arm->sp;
	*rate = r;
	if (arm->n < 2)
		return -1;
	ss = arm->scc - 2 * r * arm->scp + r * r * arm->spp;
	if (ss < 0)
		ss = 0;     /* rounding when every cadre completes the same share */
	*var = (double)arm->n / (double)(arm->n - 1) * ss / (arm->sp * arm->sp);
	return 0;
}

void
lift_compare(const struct lift_arm *a, const struct lift_arm *b, int64_t min_clusters,
    struct lift_result *out)
{
	int ok_a, ok_b;
	double se;

	*out = (struct lift_result){ 0 };
	out->rate_a = out->rate_b = out->diff = out->ratio = NAN;
	ok_a = lift_arm_rate(a, &out->rate_a, &out->var_a) == 0;
	ok_b = lift_arm_rate(b, &out->rate_b, &out->var_b) == 0;
	if (a->sp > 0 && b->sp > 0) {
		out->diff = out->rate_a - out->rate_b;
		if (out->rate_b > 0)
			out->ratio = out->rate_a / out->rate_b;
	}
	if (!ok_a || !ok_b || a->n < min_clusters || b->n < min_clusters) {
		out->reason = "too_few_cadres";
		return;
	}
	se = sqrt(out->var_a + out->var_b);
	out->diff_lo = out->diff - Z95 * se;
	out->diff_hi = out->diff + Z95 * se;
	out->has_diff_ci = 1;
	if (out->rate_a <= 0 || out->rate_b <= 0) {
		out->reason = "zero_rate";
		return;
	}
	se = sqrt(out->var_a / (out->rate_a * out->rate_a) + out->var_b / (out->rate_b * out->rate_b));
	out->ratio_lo = exp(log(out->ratio) - Z95 * se);
	out->ratio_hi = exp(log(out->ratio) + Z95 * se);
	out->has_ratio_ci = 1;
}
