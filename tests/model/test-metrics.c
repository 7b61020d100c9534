/*
 * test-metrics.c — the offline metrics on an example worked out by hand
 * (the numbers are derived in the comments), and the popularity baseline.
 */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

enum { USERS = 4, ITEMS = 13 };

/*
 * User 0 ranks items by index (score 13 - i); users 1 and 3 score every
 * item alike, so ties fall back to the lower index; user 2 is never asked.
 */
static int
hand_scorer(void *ctx, uint32_t user, float *scores, struct qf_error *err)
{
	uint32_t i;

	(void)ctx;
	if (user == 2) {
		qf_error_set(err, "user 2 has no test items and must not be scored");
		return -1;
	}
	for (i = 0; i < ITEMS; i++)
		scores[i] = user == 0 ? (float)(ITEMS - i) : 1.0f;
	return 0;
}

int
main(void)
{
	/* train: user 0 {0}; user 1 {1, 2}; user 2 {3}; user 3 {0..11} */
	uint32_t train_rows[16] = { 0, 1, 1, 2 }, train_cols[16] = { 0, 1, 2, 3 };
	float train_vals[16] = { 1, 1, 1, 1 };
	/* test: user 0 {2, 5, 12}; user 1 {0, 1 (in training: skipped)};
	 * user 3 {12} */
	const uint32_t test_rows[] = { 0, 0, 0, 1, 1, 3 };
	const uint32_t test_cols[] = { 2, 5, 12, 0, 1, 12 };
	const float test_vals[] = { 1, 1, 1, 1, 1, 1 };
	struct model_csr train, test;
	struct model_metrics r;
	struct model_popularity pop;
	struct qf_error err;
	double d0, idcg0, auc0;
	float scores[ITEMS];
	int j;

	for (j = 0; j < 12; j++) {
		train_rows[4 + j] = 3;
		train_cols[4 + j] = (uint32_t)j;
		train_vals[4 + j] = 1;
	}
	CHECK_OK(model_csr_build(USERS, ITEMS, train_rows, train_cols,
	    train_vals, 16, &train, &err), err);
	CHECK_OK(model_csr_build(USERS, ITEMS, test_rows, test_cols, test_vals,
	    6, &test, &err), err);
	CHECK_OK(model_evaluate(&train, &test, hand_scorer, NULL, &r, &err), err);

	/*
	 * User 0: candidates 1..12 in that order; relevant 2, 5, 12 at ranks
	 * 2, 5 and 12. Top 10 = items 1..10: hits 2 and 5.
	 *   precision 2/10, recall 2/3,
	 *   DCG = 1/log2(3) + 1/log2(6), ideal = 1 + 1/log2(3) + 1/log2(4),
	 *   AP = (1/2 + 2/5) / min(10, 3) = 0.3,
	 *   AUC: 9 negatives; rank 2 beats 8 of them, rank 5 beats 6, rank 12
	 *   none: 14 / 27.
	 * User 1: candidates 0, 3..12 all tied: index order; item 0 first.
	 *   precision 0.1, recall 1, nDCG 1, AP 1, AUC 0.5 (all ties).
	 * User 3: one candidate, item 12, relevant: precision 0.1, recall 1,
	 *   nDCG 1, AP 1; no negative, so no AUC.
	 * User 2: no test items, not evaluated.
	 */
	d0 = 1 / log2(3.0) + 1 / log2(6.0);
	idcg0 = 1 + 1 / log2(3.0) + 0.5;
	auc0 = 14.0 / 27.0;
	CHECK_INT(r.users_evaluated, 3);
	CHECK_INT(r.relevant_pairs, 5);
	CHECK_INT(r.skipped_pairs, 1);
	CHECK_NEAR(r.precision, (0.2 + 0.1 + 0.1) / 3, 1e-12);
	CHECK_NEAR(r.recall, (2.0 / 3 + 1 + 1) / 3, 1e-12);
	CHECK_NEAR(r.ndcg, (d0 / idcg0 + 1 + 1) / 3, 1e-12);
	CHECK_NEAR(r.map, (0.3 + 1 + 1) / 3, 1e-12);
	CHECK_NEAR(r.auc, (auc0 + 0.5) / 2, 1e-12);
	/* top 10s: user 0 items 1..10, user 1 items 0, 3..11, user 3 item 12:
	 * every item 0..12 */
	CHECK_NEAR(r.coverage, 13.0 / 13, 1e-12);

	/* Popularity: users per item in training. */
	CHECK_OK(model_popularity_build(&train, &pop, &err), err);
	CHECK_OK(model_scorer_popularity(&pop, 0, scores, &err), err);
	CHECK_NEAR(scores[0], 2, 0);
	CHECK_NEAR(scores[1], 2, 0);
	CHECK_NEAR(scores[3], 2, 0);
	CHECK_NEAR(scores[4], 1, 0);
	CHECK_NEAR(scores[12], 0, 0);
	model_popularity_free(&pop);

	/* A scorer's failure stops the evaluation with its message. */
	model_csr_free(&test);
	CHECK_OK(model_csr_build(USERS, ITEMS, (const uint32_t[]){ 2 },
	    (const uint32_t[]){ 7 }, (const float[]){ 1 }, 1, &test, &err), err);
	CHECK_FAILS(model_evaluate(&train, &test, hand_scorer, NULL, &r, &err),
	    err, "must not be scored");

	model_csr_free(&train);
	model_csr_free(&test);
	return check_report("test-metrics");
}
