/*
 * metrics.c — offline ranking quality on a hold-out: precision, recall,
 * nDCG and MAP at 10, AUC over all candidates, catalogue coverage, and the
 * popularity baseline scored the same way (definitions in model.h).
 *
 * Each evaluated user's top 10 candidates are selected in the order
 * model_top_n returns (score descending, index ascending); the AUC, with
 * ties counted one half, comes from counting, per positive, the negatives
 * scored above and level with it. Neither needs a full sort.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct candidate {
	float score;
	uint32_t item;
};

/* What one user adds to the sums. */
struct user_result {
	double precision, recall, ndcg, map, auc;
	int has_auc;
};

/* Whether candidate 'x' ranks before 'y': score descending, index ascending. */
static inline int
ranks_before(const struct candidate *x, const struct candidate *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	return x->item < y->item;
}

/*
 * The first 'cap' of 'n_cand' candidates in the order of ranks_before,
 * into 'top' (sorted); returns how many. A full sort
 * of every user's candidates cost far more than the model on large
 * catalogues (100,000 users x 2,000 items); insertion into a list of 10
 * almost never moves anything.
 */
static size_t
select_top(const struct candidate *c, size_t n_cand, size_t cap,
    struct candidate *top)
{
	size_t j, n = 0, pos;

	for (j = 0; j < n_cand; j++) {
		if (n == cap && !ranks_before(&c[j], &top[n - 1]))
			continue;
		pos = n < cap ? n++ : n - 1;
		while (pos > 0 && ranks_before(&c[j], &top[pos - 1])) {
			top[pos] = top[pos - 1];
			pos--;
		}
		top[pos] = c[j];
	}
	return n;
}

/*
 * Scores one user: 'top' ('n_top', sorted) are the first candidates of
 * 'c' ('n_cand' in any order), of which 'relevant' are marked in
 * 'is_relevant'; marks the top 10 in 'in_top'.
 */
static void
rank_user(const struct candidate *c, size_t n_cand, const struct candidate *top,
    size_t n_top, size_t relevant, const unsigned char *is_relevant,
    unsigned char *in_top, struct user_result *r)
{
	size_t j, g, hits = 0, neg_total, above, tied;
	double dcg = 0.0, idcg = 0.0, ap = 0.0, correct = 0.0;

	memset(r, 0, sizeof(*r));
	for (j = 0; j < n_top; j++) {
		in_top[top[j].item] = 1;
		if (!is_relevant[top[j].item])
			continue;
		hits++;
		dcg += 1.0 / log2((double)j + 2.0);
		ap += (double)hits / (double)(j + 1);
	}
	for (j = 0; j < relevant && j < MODEL_EVAL_CUTOFF; j++)
		idcg += 1.0 / log2((double)j + 2.0);
	r->precision = (double)hits / MODEL_EVAL_CUTOFF;
	r->recall = (double)hits / (double)relevant;
	r->ndcg = dcg / idcg;
	r->map = ap / (double)(relevant < MODEL_EVAL_CUTOFF ? relevant :
	    MODEL_EVAL_CUTOFF);
	/* AUC: each positive beats the negatives scored below it and ties
	 * with the negatives of equal score (one half each). */
	neg_total = n_cand - relevant;
	if (neg_total == 0)
		return;
	for (j = 0; j < n_cand; j++) {
		if (!is_relevant[c[j].item])
			continue;
		above = tied = 0;
		for (g = 0; g < n_cand; g++) {
			if (is_relevant[c[g].item])
				continue;
			if (c[g].score > c[j].score)
				above++;
			else if (c[g].score == c[j].score)
				tied++;
		}
		correct += (double)(neg_total - above - tied) + 0.5 * (double)tied;
	}
	r->auc = correct / ((double)relevant * (double)neg_total);
	r->has_auc = 1;
}

int
model_evaluate(const struct model_csr *train, const struct model_csr *test,
    model_scorer scorer, void *ctx, struct model_metrics *out,
    struct qf_error *err)
{
	struct candidate *cand = NULL, top[MODEL_EVAL_CUTOFF];
	unsigned char *is_relevant = NULL, *in_top = NULL;
	struct user_result r;
	float *scores = NULL;
	double sum_p = 0, sum_r = 0, sum_n = 0, sum_m = 0, sum_auc = 0;
	uint64_t j, t, t_end, auc_users = 0, covered = 0;
	size_t n_cand, n_top, relevant;
	uint32_t u, i, n_items = train->n_cols;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (test->n_rows != train->n_rows || test->n_cols != train->n_cols) {
		qf_error_set(err, "test matrix %u x %u does not match training "
		    "matrix %u x %u", test->n_rows, test->n_cols, train->n_rows,
		    train->n_cols);
		return -1;
	}
	if (n_items == 0) {
		qf_error_set(err, "no items to rank");
		return -1;
	}
	scores = model_floats_alloc(n_items);
	cand = malloc((size_t)n_items * sizeof(*cand));
	is_relevant = calloc(n_items, 1);
	in_top = calloc(n_items, 1);
	if (scores == NULL || cand == NULL || is_relevant == NULL ||
	    in_top == NULL) {
		qf_error_set(err, "out of memory for %u items", n_items);
		goto out;
	}

	for (u = 0; u < test->n_rows; u++) {
		/* Relevant: test items not already in the training row
		 * (both rows are in ascending column order). */
		relevant = 0;
		t = train->row_ptr[u];
		t_end = train->row_ptr[u + 1];
		for (j = test->row_ptr[u]; j < test->row_ptr[u + 1]; j++) {
			while (t < t_end && train->col[t] < test->col[j])
				t++;
			if (t < t_end && train->col[t] == test->col[j]) {
				out->skipped_pairs++;
				continue;
			}
			is_relevant[test->col[j]] = 1;
			relevant++;
		}
		if (relevant == 0)
			continue;
		if (scorer(ctx, u, scores, err) < 0)
			goto out;
		/* Candidates: every item outside the training row. */
		n_cand = 0;
		t = train->row_ptr[u];
		for (i = 0; i < n_items; i++) {
			if (t < t_end && train->col[t] == i) {
				t++;
				continue;
			}
			cand[n_cand].score = isnan(scores[i]) ? -INFINITY : scores[i];
			cand[n_cand].item = i;
			n_cand++;
		}
		n_top = select_top(cand, n_cand, MODEL_EVAL_CUTOFF, top);
		rank_user(cand, n_cand, top, n_top, relevant, is_relevant,
		    in_top, &r);
		sum_p += r.precision;
		sum_r += r.recall;
		sum_n += r.ndcg;
		sum_m += r.map;
		if (r.has_auc) {
			sum_auc += r.auc;
			auc_users++;
		}
		out->users_evaluated++;
		out->relevant_pairs += relevant;
		for (j = test->row_ptr[u]; j < test->row_ptr[u + 1]; j++)
			is_relevant[test->col[j]] = 0;
	}
	if (out->users_evaluated == 0) {
		qf_error_set(err, "no test user has an item to rank outside "
		    "their training data");
		goto out;
	}
	out->precision = sum_p / out->users_evaluated;
	out->recall = sum_r / out->users_evaluated;
	out->ndcg = sum_n / out->users_evaluated;
	out->map = sum_m / out->users_evaluated;
	out->auc = auc_users > 0 ? sum_auc / (double)auc_users : NAN;
	for (i = 0; i < n_items; i++)
		covered += in_top[i];
	out->coverage = (double)covered / n_items;
	rc = 0;
out:
	model_floats_free(scores);
	free(cand);
	free(is_relevant);
	free(in_top);
	return rc;
}

int
model_scorer_factors(void *ctx, uint32_t user, float *scores,
    struct qf_error *err)
{
	const struct model_factors *f = ctx;

	if (user >= f->n_users) {
		qf_error_set(err, "user %u has no factors", user);
		return -1;
	}
	model_score_all(f->item, f->n_items, f->k, f->user + (size_t)user * f->k,
	    scores);
	return 0;
}

int
model_popularity_build(const struct model_csr *train,
    struct model_popularity *out, struct qf_error *err)
{
	uint64_t j;

	out->n_items = train->n_cols;
	out->count = model_floats_alloc(train->n_cols > 0 ? train->n_cols : 1);
	if (out->count == NULL) {
		qf_error_set(err, "out of memory for %u items", train->n_cols);
		return -1;
	}
	/* Users with a positive interaction: negative evidence is no vote. */
	for (j = 0; j < train->nnz; j++)
		if (train->val[j] >= 0.0f)
			out->count[train->col[j]] += 1.0f;
	return 0;
}

void
model_popularity_free(struct model_popularity *p)
{
	if (p == NULL)
		return;
	model_floats_free(p->count);
	p->count = NULL;
}

int
model_scorer_popularity(void *ctx, uint32_t user, float *scores,
    struct qf_error *err)
{
	const struct model_popularity *p = ctx;

	(void)user;
	(void)err;
	memcpy(scores, p->count, (size_t)p->n_items * sizeof(float));
	return 0;
}
