/*
 * test-run-cold-start.c — the feature priors of a promoted model: a new
 * cadre with no events but a risk exposure gets a vector from features,
 * and the items tagged with that risk rank higher for them than for a
 * cadre without it (and than other groups' items do); a new item tagged
 * with a risk scores higher for the cadres exposed to it than for others.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "tests/model/check-model.h"
#include "tests/train/cohort.h"

/*
 * Mean rank (0 = first) among all the model's items of the items in
 * 'ids', for the user vector 'x'.
 */
static double
mean_rank(const struct model *m, const float *x, const int64_t *ids, int n)
{
	float *scores = malloc(m->n_items * sizeof(*scores));
	double sum = 0;
	int64_t at;
	uint32_t i, better;
	int j, counted = 0;

	if (scores == NULL)
		exit(99);
	model_score_all(m->item_factors, m->n_items, m->k, x, scores);
	for (j = 0; j < n; j++) {
		if ((at = model_item_index(m, ids[j])) < 0)
			continue;
		better = 0;
		for (i = 0; i < m->n_items; i++)
			better += scores[i] > scores[at];
		sum += better;
		counted++;
	}
	free(scores);
	return counted ? sum / counted : 1e9;
}

int
main(void)
{
	const char *dir = check_scratch_dir("run-cold-start");
	struct train_outcome *o = calloc(1, sizeof(*o));
	struct qf_error err;
	struct model *m;
	int64_t items[COHORT_GROUPS][256], uid;
	int n[COHORT_GROUPS], g, h, used;
	char db[600], model[600], risk[COHORT_GROUPS][80], cmd[700];
	const char *features[4];
	float x_risk[64], x_none[64], y_new[64], s_own, s_other;
	double with_risk, without, other;
	int64_t user;

	if (o == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/qingfeng.db", dir);
	snprintf(model, sizeof(model), "%s/model.qfm", dir);
	cohort_build(db, NULL, 1);
	train_exec(o, (const char *[]){ "run", "--db", db, "--model", model,
	    "--factors", "16", "--iterations", "8", NULL });
	CHECK_INT(o->status, 0);
	qf_error_init(&err);
	if ((m = model_load(model, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	CHECK(m->k <= 64);
	for (g = 0; g < COHORT_GROUPS; g++) {
		cohort_group_items(db, g, items[g], &n[g]);
		snprintf(risk[g], sizeof(risk[g]), "%s%s", MODEL_FEATURE_RISK,
		    cohort_group_risk(g));
		CHECK(model_feature_find(m->user_features, m->n_user_features,
		    risk[g]) >= 0);
	}

	for (g = 0; g < COHORT_GROUPS; g++) {
		/* A new middle manager exposed to group g's risk ... */
		features[0] = "category:middle";
		features[1] = risk[g];
		features[2] = "risk:risk.unknown_to_the_model";
		features[3] = risk[g];   /* a repeat counts once */
		used = model_user_prior(m, features, 4, x_risk);
		CHECK_INT(used, 2);
		/* ... and one without a known risk exposure. */
		used = model_user_prior(m, features, 1, x_none);
		CHECK_INT(used, 1);
		with_risk = mean_rank(m, x_risk, items[g], n[g]);
		without = mean_rank(m, x_none, items[g], n[g]);
		other = 0;
		for (h = 0; h < COHORT_GROUPS; h++)
			if (h != g)
				other += mean_rank(m, x_risk, items[h], n[h]) /
				    (COHORT_GROUPS - 1);
		fprintf(stderr, "%s: its items' mean rank %.1f with the risk, "
		    "%.1f without; other groups' items %.1f\n", risk[g],
		    with_risk, without, other);
		CHECK(with_risk + 3 < without);
		CHECK(with_risk + 10 < other);
	}

	/* No feature at all: the bias row, finite. */
	used = model_user_prior(m, NULL, 0, x_none);
	CHECK_INT(used, 0);
	CHECK(x_none[0] == m->user_prior[0]);

	/* A new item tagged with group 0's risk: for group 0's cadres first. */
	features[0] = cohort_group_risk(0);
	features[1] = "discipline.integrity";
	CHECK_INT(model_item_prior(m, features, 2, y_new), 2);
	s_own = s_other = 0;
	for (g = 0; g < COHORT_GROUPS; g++)
		for (h = 0; h < 40; h++) {
			uid = 100 + g * 1000000 + h;
			if ((user = model_user_index(m, uid)) < 0)
				continue;
			model_score_all(y_new, 1, m->k,
			    m->user_factors + (size_t)user * m->k,
			    g == 0 ? &x_risk[0] : &x_none[0]);
			if (g == 0)
				s_own += x_risk[0] / 40;
			else
				s_other += x_none[0] / 80;
		}
	fprintf(stderr, "new %s item: mean score %.3f for its cadres, %.3f "
	    "for others\n", cohort_group_risk(0), s_own, s_other);
	CHECK(s_own > s_other);

	model_unload(m);
	free(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		return 99;
	return check_report("test-run-cold-start");
}
