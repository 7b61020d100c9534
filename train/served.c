/*
 * served.c — judging a trained model on a hold-out by fold-in: each test
 * user's vector is solved from their training row against the model's
 * item factors (one k x k Cholesky, model_fold_in), then every item is
 * scored. This is how the model in service is compared with a candidate
 * on the candidate's own split: its stored user vectors were trained on
 * data that includes the hold-out, and would flatter it.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* A model_scorer over item factors, through a map of item ids. */
struct fold_in_scorer {
	const float *item_factors;   /* n_model_items x k */
	const float *gram;           /* k x k */
	uint32_t n_model_items;
	uint32_t k;
	float alpha;
	float regularization;
	const struct model_csr *train;   /* users x candidate items */
	const int64_t *map;          /* candidate item -> model item, or -1 */
	uint32_t *items;             /* scratch: one training row, mapped */
	float *weights;
	float *x;                    /* k */
	float *scores;               /* n_model_items */
};

static int
fold_in_score(void *ctx, uint32_t user, float *scores, struct qf_error *err)
{
	struct fold_in_scorer *s = ctx;
	const struct model_csr *t = s->train;
	uint64_t j;
	uint32_t i;
	size_t n = 0;

	for (j = t->row_ptr[user]; j < t->row_ptr[user + 1]; j++) {
		if (s->map[t->col[j]] < 0)
			continue;
		s->items[n] = (uint32_t)s->map[t->col[j]];
		s->weights[n] = t->val[j];
		n++;
	}
	if (model_fold_in(s->item_factors, s->n_model_items, s->k, s->gram,
	    s->alpha, s->regularization, s->items, s->weights, n, s->x, err) < 0)
		return -1;
	/* scores = Y x: (n x k)(k) -> n */
	model_score_all(s->item_factors, s->n_model_items, s->k, s->x, s->scores);
	for (i = 0; i < t->n_cols; i++)
		scores[i] = s->map[i] < 0 ? -INFINITY : s->scores[s->map[i]];
	return 0;
}

int
train_evaluate_fold_in(const struct train_item_factors *model,
    const struct pipeline_result *result, const struct model_csr *test,
    struct model_metrics *out, struct qf_error *err)
{
	const struct model_interactions *m = &result->train;
	struct fold_in_scorer s;
	int64_t *map = NULL;
	uint64_t longest = 0;
	uint32_t i, u, known = 0;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	for (u = 0; u < m->n_users; u++)
		if (m->by_user.row_ptr[u + 1] - m->by_user.row_ptr[u] > longest)
			longest = m->by_user.row_ptr[u + 1] - m->by_user.row_ptr[u];
	map = malloc((size_t)m->n_items * sizeof(*map));
	s.items = malloc((size_t)(longest + 1) * sizeof(*s.items));
	s.weights = malloc((size_t)(longest + 1) * sizeof(*s.weights));
	s.x = model_floats_alloc(model->k);
	s.scores = model_floats_alloc(model->n_items);
	if (map == NULL || s.items == NULL || s.weights == NULL || s.x == NULL ||
	    s.scores == NULL) {
		qf_error_set(err, "out of memory evaluating by fold-in");
		goto out;
	}
	for (i = 0; i < m->n_items; i++) {
		map[i] = model_id_find(model->item_ids, model->n_items,
		    m->item_ids[i]);
		known += map[i] >= 0;
	}
	if (known == 0) {
		qf_error_set(err, "the model knows none of the %u items trained "
		    "on today", m->n_items);
		goto out;
	}
	s.item_factors = model->item_factors;
	s.gram = model->gram;
	s.n_model_items = model->n_items;
	s.k = model->k;
	s.alpha = model->alpha;
	s.regularization = model->regularization;
	s.train = &m->by_user;
	s.map = map;
	rc = model_evaluate(&m->by_user, test, fold_in_score, &s, out, err);
out:
	free(map);
	free(s.items);
	free(s.weights);
	model_floats_free(s.x);
	model_floats_free(s.scores);
	return rc;
}

int
train_evaluate_served(const struct model *served,
    const struct pipeline_result *result, const struct model_csr *test,
    struct model_metrics *out, struct qf_error *err)
{
	struct train_item_factors f;

	f.item_ids = served->item_ids;
	f.item_factors = served->item_factors;
	f.gram = served->item_gram;
	f.n_items = served->n_items;
	f.k = served->k;
	f.alpha = served->info.alpha;
	f.regularization = served->info.regularization;
	return train_evaluate_fold_in(&f, result, test, out, err);
}
