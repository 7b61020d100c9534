/*
 * test-fold-in-similar.c — fold-in reacts to what a user just completed:
 * on interactions with planted groups of items, a user who has only seen
 * group 0 and then completes a few items of group 1 gets a fold-in vector
 * that ranks the *other* items of group 1 higher than before, and higher
 * than the items of the groups they never touched.
 */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

enum {
	GROUPS = 4, PER_GROUP = 40, ITEMS = GROUPS * PER_GROUP,
	USERS = 400, PER_USER = 15, K = 16
};

/* Mean 0-based rank (0 = best) of the items of 'group' not in 'skip'. */
static double
mean_rank(const float *item, const float *x, int group, const uint32_t *skip,
    size_t n_skip)
{
	float score[ITEMS];
	double sum = 0;
	int i, j, rank, n = 0, skipped;
	size_t s;

	for (i = 0; i < ITEMS; i++) {
		score[i] = 0;
		for (j = 0; j < K; j++)
			score[i] += item[i * K + j] * x[j];
	}
	for (i = group * PER_GROUP; i < (group + 1) * PER_GROUP; i++) {
		skipped = 0;
		for (s = 0; s < n_skip; s++)
			if (skip[s] == (uint32_t)i)
				skipped = 1;
		if (skipped)
			continue;
		rank = 0;
		for (j = 0; j < ITEMS; j++)
			if (score[j] > score[i])
				rank++;
		sum += rank;
		n++;
	}
	return sum / n;
}

int
main(void)
{
	static struct model_triple t[USERS * PER_USER];
	struct model_interactions m;
	struct model_als_options o;
	struct model_factors f;
	struct qf_error err;
	float gram[K * K], before[K], after[K];
	uint32_t items[12], u, j;
	float w[12];
	uint64_t state = 7;
	double r1_before, r1_after, r2_after, r3_after;
	size_t n = 0, seen, done;

	/* Each user reads in one group, with one stray item in ten. */
	for (u = 0; u < USERS; u++)
		for (j = 0; j < PER_USER; j++) {
			uint32_t g = u % GROUPS;

			if (check_random(&state) % 10 == 0)
				g = check_random(&state) % GROUPS;
			t[n].user = u;
			t[n].item = g * PER_GROUP + check_random(&state) % PER_GROUP;
			t[n].weight = 1.0f;
			n++;
		}
	CHECK_OK(model_interactions_build(t, n, &m, &err), err);
	model_als_options_default(&o);
	o.factors = K;
	o.regularization = 5.0f;
	o.alpha = 5.0f;
	o.iterations = 15;
	CHECK_OK(model_als_fit(&m, &o, &f, NULL, &err), err);
	if (err.set)
		return check_report("test-fold-in-similar");
	CHECK(f.n_items == ITEMS);
	model_gram(f.item, f.n_items, K, gram);

	/* A newcomer who has opened six items of group 0 ... */
	for (seen = 0; seen < 6; seen++) {
		items[seen] = (uint32_t)(seen * 5);
		w[seen] = 1.0f;
	}
	CHECK_OK(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
	    o.regularization, items, w, seen, before, &err), err);
	/* ... then completes four of group 1 (weight 3: a completion). */
	for (done = seen; done < seen + 4; done++) {
		items[done] = PER_GROUP + (uint32_t)((done - seen) * 7);
		w[done] = 3.0f;
	}
	CHECK_OK(model_fold_in(f.item, f.n_items, K, gram, o.alpha,
	    o.regularization, items, w, done, after, &err), err);

	r1_before = mean_rank(f.item, before, 1, items, done);
	r1_after = mean_rank(f.item, after, 1, items, done);
	r2_after = mean_rank(f.item, after, 2, items, done);
	r3_after = mean_rank(f.item, after, 3, items, done);
	fprintf(stderr, "mean rank of the other group-1 items: %.1f before, "
	    "%.1f after; groups 2 and 3 after: %.1f, %.1f (of %d)\n",
	    r1_before, r1_after, r2_after, r3_after, ITEMS);
	/* similar items climb, well clear of the untouched groups */
	CHECK(r1_after + 20 < r1_before);
	CHECK(r1_after + 20 < r2_after);
	CHECK(r1_after + 20 < r3_after);
	/* and group 0, still in the history, stays ahead of the untouched */
	CHECK(mean_rank(f.item, after, 0, items, done) + 20 < r2_after);

	model_factors_free(&f);
	model_interactions_free(&m);
	return check_report("test-fold-in-similar");
}
