/*
 * feed.c — a cadre's feed: which published items, in which order, and why.
 *
 * Personalised arm:
 *   1. candidates: published items the cadre has not completed or dismissed,
 *      in scope (an item tagged for target categories is shown only to
 *      those categories);
 *   2. base score: the model's y_i . x, with x the cadre's trained vector,
 *      or folded in from their events when they acted since the training,
 *      or the feature prior of their profile when they are new; items the
 *      model has not seen get their tags' prior. Without a model, the
 *      category's popularity. Base scores are standardised (z-scores);
 *   3. rules: boosts for the cadre's risk exposures, weak disciplines,
 *      category and industry, and fresh items; a greedy pick that keeps
 *      variety across disciplines and novel forms; at least one fresh item
 *      when there is one;
 *   4. reasons: every item says why, as codes and one Chinese sentence each;
 *   5. due reviews (questions the spaced-repetition schedule brings back)
 *      take up to two places, second and fifth, as kind "review".
 * Control arm: the items most completed by cadres of the same category,
 * with the same filtering and no personal rules.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* How much each rule adds to a standardised base score. */
#define BOOST_RISK 1.2f
#define BOOST_WEAK 0.9f
#define BOOST_CATEGORY 0.3f
#define BOOST_INDUSTRY 0.2f
#define BOOST_FRESH 0.5f
/* What each earlier pick of the same discipline or form costs (variety). */
#define PENALTY_SAME_DISCIPLINE 0.45f
#define PENALTY_SAME_FORM 0.6f
#define PENALTY_SAME_RISK 0.5f
/*
 * An item published within this many days counts as fresh, while fresh
 * items are a minority of the library (when everything is new, nothing is).
 */
#define FRESH_DAYS 14
#define FRESH_MAX_SHARE 0.3
/* Due reviews slotted into a feed, at most, and where (0-based positions). */
#define REVIEW_SLOTS 2
static const size_t review_positions[REVIEW_SLOTS] = { 1, 4 };

static const char *const category_labels[][2] = {
	{ "leading", "领导干部" }, { "middle", "中层干部" },
	{ "grassroots", "基层干部" }, { "new_hire", "新入职干部" },
};

/* ------------------------------------------------------------ profile */

struct feed_profile {
	char category[16];
	char industry[64];
	char **risks;
	size_t risk_count;
	/* Weak disciplines with the wrong answers that make them weak. */
	char **weak;
	int *weak_wrong;
	size_t weak_count;
};

static void
profile_free(struct feed_profile *p)
{
	for (size_t i = 0; i < p->risk_count; i++)
		free(p->risks[i]);
	for (size_t i = 0; i < p->weak_count; i++)
		free(p->weak[i]);
	free(p->risks);
	free(p->weak);
	free(p->weak_wrong);
}

/* Appends a copy of 'code' to a growable string list; 0 or -1. */
static int
list_push(char ***list, size_t *count, const char *code)
{
	char **grown = realloc(*list, (*count + 1) * sizeof(**list));

	if (grown == NULL)
		return -1;
	*list = grown;
	if ((grown[*count] = strdup(code)) == NULL)
		return -1;
	(*count)++;
	return 0;
}

static int
list_has(char *const *list, size_t count, const char *code)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(list[i], code) == 0)
			return 1;
	return 0;
}

static int
profile_load(sqlite3 *db, int64_t user_id, struct feed_profile *p)
{
	sqlite3_stmt *stmt = NULL;

	memset(p, 0, sizeof(*p));
	if ((stmt = stmt_get(db, "SELECT coalesce(category, ''), coalesce(industry, '')"
	    " FROM users WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(p->category, sizeof(p->category), "%s", sqlite3_column_text(stmt, 0));
		snprintf(p->industry, sizeof(p->industry), "%s", sqlite3_column_text(stmt, 1));
	}
	stmt_release(stmt);
	if ((stmt = stmt_get(db, "SELECT tag_code FROM user_risks WHERE user_id = ?1 ORDER BY tag_code")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if (list_push(&p->risks, &p->risk_count, (const char *)sqlite3_column_text(stmt, 0)) < 0)
			goto err;
	stmt_release(stmt);
	/* Weak disciplines, by the learner model's rule, with their wrong answers for the reason. */
	{
		struct learner_discipline *weak = NULL;
		size_t n = 0;

		if (learner_weak_disciplines(db, user_id, &weak, &n, NULL) < 0)
			return -1;
		if (n > 0 && (p->weak_wrong = calloc(n, sizeof(int))) == NULL) {
			free(weak);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			p->weak_wrong[i] = (int)weak[i].wrong;
			if (list_push(&p->weak, &p->weak_count, weak[i].code) < 0) {
				free(weak);
				return -1;
			}
		}
		free(weak);
	}
	return 0;
err:
	stmt_release(stmt);
	return -1;
}

/* ---------------------------------------------------------- candidates */

/*
 * The published library, as the feed reads it: each item with its tags in
 * code order. A worker keeps it across requests and reloads it when
 * catalogue_version (bumped by triggers on every change to items and
 * item_tags, migration 5) moved, so the feed sees every edit at once.
 */
struct catalogue_item {
	int64_t id;
	char kind[8];
	char *title, *summary;
	int minutes;
	int64_t published_at;
	char **tags;
	size_t tag_count;
	const char *discipline, *form;   /* the first such tag, or NULL */
};

static struct {
	sqlite3 *db;
	int64_t version;
	struct catalogue_item *v;
	size_t n;
} catalogue;

struct feed_candidate {
	int64_t id;
	const char *kind;
	const char *title, *summary;
	int minutes;
	int64_t published_at;
	char *const *tags;
	size_t tag_count;
	const char *discipline, *form;
	float base, score;
	double popularity;          /* completions by cadres of the same category */
	int picked;
	/* What the rules found, for the reasons. */
	const char *risk;           /* the first matching risk exposure */
	const char *weak;           /* the first weak discipline it teaches */
	int weak_wrong;
	int category_match, industry_match, fresh;
};

struct feed_candidates {
	struct feed_candidate *v;
	size_t n;
};

static void
candidates_free(struct feed_candidates *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The first tag among 'tags' with the given prefix ("discipline."), or NULL. */
static const char *
tags_first(char *const *tags, size_t count, const char *prefix)
{
	size_t len = strlen(prefix);

	for (size_t i = 0; i < count; i++)
		if (strncmp(tags[i], prefix, len) == 0)
			return tags[i];
	return NULL;
}

static const char *
candidate_tag(const struct feed_candidate *c, const char *prefix)
{
	return tags_first(c->tags, c->tag_count, prefix);
}

/* An item tagged for target categories is for those categories only. */
static int
candidate_in_scope(const struct feed_candidate *c, const char *category)
{
	char wanted[32];

	if (candidate_tag(c, "category.") == NULL || *category == '\0')
		return 1;
	snprintf(wanted, sizeof(wanted), "category.%s", category);
	return list_has(c->tags, c->tag_count, wanted);
}

static void
catalogue_free(void)
{
	for (size_t i = 0; i < catalogue.n; i++) {
		struct catalogue_item *c = &catalogue.v[i];

		free(c->title);
		free(c->summary);
		for (size_t j = 0; j < c->tag_count; j++)
			free(c->tags[j]);
		free(c->tags);
	}
	free(catalogue.v);
	catalogue.v = NULL;
	catalogue.n = 0;
	catalogue.db = NULL;
}

/* Makes the catalogue current for 'db'; 0 or -1 (then empty). */
static int
catalogue_refresh(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int64_t version = -1, last_id = 0;
	struct catalogue_item *c = NULL;
	size_t cap = 0;

	if ((stmt = stmt_get(db, "SELECT version FROM catalogue_version")) == NULL)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int64(stmt, 0);
	stmt_release(stmt);
	if (version < 0)
		return -1;
	if (catalogue.db == db && catalogue.version == version)
		return 0;
	catalogue_free();
	if ((stmt = stmt_get(db,
	    "SELECT i.id, i.kind, i.title, i.summary, i.minutes, coalesce(i.published_at, i.created_at),"
	    "   t.tag_code"
	    " FROM items i LEFT JOIN item_tags t ON t.item_id = i.id"
	    " WHERE i.status = 'published'"
	    " ORDER BY i.id, t.tag_code")) == NULL)
		return -1;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);

		if (id != last_id || c == NULL) {
			if (catalogue.n == cap) {
				size_t next = cap ? cap * 2 : 256;
				struct catalogue_item *grown = realloc(catalogue.v, next * sizeof(*grown));

				if (grown == NULL)
					goto err;
				catalogue.v = grown;
				cap = next;
			}
			c = &catalogue.v[catalogue.n++];
			memset(c, 0, sizeof(*c));
			c->id = id;
			snprintf(c->kind, sizeof(c->kind), "%s", sqlite3_column_text(stmt, 1));
			c->title = strdup((const char *)sqlite3_column_text(stmt, 2));
			c->summary = strdup((const char *)sqlite3_column_text(stmt, 3));
			c->minutes = sqlite3_column_int(stmt, 4);
			c->published_at = sqlite3_column_int64(stmt, 5);
			if (c->title == NULL || c->summary == NULL)
				goto err;
			last_id = id;
		}
		if (sqlite3_column_type(stmt, 6) != SQLITE_NULL &&
		    list_push(&c->tags, &c->tag_count, (const char *)sqlite3_column_text(stmt, 6)) < 0)
			goto err;
	}
	stmt_release(stmt);
	/*
	 * Each item's discipline and form, pointing at the first item's copy
	 * of the same code: equal codes are equal pointers (feed_pick compares
	 * them two million times a request).
	 */
	for (size_t i = 0; i < catalogue.n; i++) {
		struct catalogue_item *item = &catalogue.v[i];
		const char *d = tags_first(item->tags, item->tag_count, "discipline.");
		const char *f = tags_first(item->tags, item->tag_count, "form.");

		for (size_t j = 0; j < i && (d != NULL || f != NULL); j++) {
			if (d != NULL && item->discipline == NULL && catalogue.v[j].discipline != NULL &&
			    strcmp(d, catalogue.v[j].discipline) == 0)
				item->discipline = catalogue.v[j].discipline;
			if (f != NULL && item->form == NULL && catalogue.v[j].form != NULL &&
			    strcmp(f, catalogue.v[j].form) == 0)
				item->form = catalogue.v[j].form;
			if ((d == NULL || item->discipline != NULL) && (f == NULL || item->form != NULL))
				break;
		}
		if (item->discipline == NULL)
			item->discipline = d;
		if (item->form == NULL)
			item->form = f;
	}
	catalogue.db = db;
	catalogue.version = version;
	return 0;
err:
	stmt_release(stmt);
	catalogue_free();
	return -1;
}

/* The catalogue entry of item 'id', or NULL (binary search: ids ascend). */
static size_t
catalogue_find(int64_t id)
{
	size_t lo = 0, hi = catalogue.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (catalogue.v[mid].id < id)
			lo = mid + 1;
		else if (catalogue.v[mid].id > id)
			hi = mid;
		else
			return mid;
	}
	return (size_t)-1;
}

/*
 * Published items the cadre has neither completed nor dismissed (a dismiss
 * stands until the cadre opens the item again), with their tags and how
 * often cadres of the same category completed them. The candidates point
 * into the catalogue, which stays put until the next request.
 */
static int
candidates_load(sqlite3 *db, int64_t user_id, const char *category, struct feed_candidates *out)
{
	sqlite3_stmt *stmt = NULL;
	unsigned char *excluded = NULL;

	memset(out, 0, sizeof(*out));
	if (catalogue_refresh(db) < 0)
		return -1;
	if (catalogue.n == 0)
		return 0;
	if ((excluded = calloc(catalogue.n, 1)) == NULL ||
	    (out->v = calloc(catalogue.n, sizeof(*out->v))) == NULL)
		goto err;
	/* The cadre's completed items, and dismissed ones not opened since. */
	if ((stmt = stmt_get(db,
	    "SELECT item_id FROM (SELECT item_id,"
	    "   max(CASE WHEN kind = 'complete' THEN 1 ELSE 0 END) AS completed,"
	    "   max(CASE WHEN kind = 'dismiss' THEN created_at END) AS dismissed,"
	    "   max(CASE WHEN kind IN ('open','progress','complete') THEN created_at END) AS engaged"
	    "   FROM events WHERE user_id = ?1 AND kind != 'impression' GROUP BY item_id)"
	    " WHERE (completed = 0 AND (dismissed IS NULL OR engaged > dismissed)) IS NOT 1")) == NULL)
		goto err;
	sqlite3_bind_int64(stmt, 1, user_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		size_t at = catalogue_find(sqlite3_column_int64(stmt, 0));

		if (at != (size_t)-1)
			excluded[at] = 1;
	}
	stmt_release(stmt);
	for (size_t i = 0; i < catalogue.n; i++) {
		const struct catalogue_item *item = &catalogue.v[i];
		struct feed_candidate *c;

		if (excluded[i])
			continue;
		c = &out->v[out->n++];
		c->id = item->id;
		c->kind = item->kind;
		c->title = item->title;
		c->summary = item->summary;
		c->minutes = item->minutes;
		c->published_at = item->published_at;
		c->tags = item->tags;
		c->tag_count = item->tag_count;
		c->discipline = item->discipline;
		c->form = item->form;
	}
	/*
	 * Popularity: item_popularity holds, per category and item, how many
	 * cadres completed it, kept in step with events by triggers (migration
	 * 5); '' stands for cadres without a category.
	 */
	if ((stmt = stmt_get(db, "SELECT item_id, completers FROM item_popularity WHERE category = ?1")) == NULL)
		goto err;
	sqlite3_bind_text(stmt, 1, category, -1, SQLITE_STATIC);
	{
		size_t j = 0;

		/* Both in item order: a merge. */
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(stmt, 0);

			while (j < out->n && out->v[j].id < id)
				j++;
			if (j < out->n && out->v[j].id == id)
				out->v[j].popularity = sqlite3_column_double(stmt, 1);
		}
	}
	stmt_release(stmt);
	free(excluded);
	return 0;
err:
	stmt_release(stmt);
	free(excluded);
	candidates_free(out);
	return -1;
}

/* ------------------------------------------------------------- scoring */

/*
 * The cadre's factor vector into 'x' (k floats). Returns 1 for a trained or
 * folded-in vector, 2 for a profile prior, 0 when the model cannot place
 * the cadre at all.
 */
static int
feed_user_vector(sqlite3 *db, const struct model *m, int64_t user_id,
    const struct feed_profile *p, float *x)
{
	int64_t index = model_user_index(m, user_id);
	uint32_t *items = NULL;
	float *weights = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int acted_since = 0, placed = 0;

	/*
	 * Strength per item, as the trainer counts it: opens (at most 3) + 2 x
	 * the furthest progress + 4 per completion (at most 2); a standing
	 * dismiss is negative evidence.
	 */
	if ((stmt = stmt_get(db,
	    "SELECT item_id,"
	    "  min(sum(kind = 'open'), 3) + 2 * coalesce(max(CASE WHEN kind = 'progress'"
	    "    THEN min(max(coalesce(value, 0.5), 0), 1) END), 0) + 4 * min(sum(kind = 'complete'), 2),"
	    "  max(CASE WHEN kind = 'dismiss' THEN created_at END),"
	    "  max(CASE WHEN kind != 'dismiss' THEN created_at END),"
	    "  max(created_at)"
	    " FROM events WHERE user_id = ?1 AND kind != 'impression' GROUP BY item_id")) == NULL)
		return 0;
	sqlite3_bind_int64(stmt, 1, user_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t item = model_item_index(m, sqlite3_column_int64(stmt, 0));
		float strength = (float)sqlite3_column_double(stmt, 1);

		if (sqlite3_column_int64(stmt, 4) >= m->info.created)
			acted_since = 1;
		if (item < 0)
			continue;
		if (sqlite3_column_type(stmt, 2) != SQLITE_NULL &&
		    (sqlite3_column_type(stmt, 3) == SQLITE_NULL ||
		    sqlite3_column_int64(stmt, 2) >= sqlite3_column_int64(stmt, 3)))
			strength = -2.0f;
		if (n == cap) {
			size_t next = cap ? cap * 2 : 32;
			uint32_t *gi = realloc(items, next * sizeof(*items));
			float *gw;

			if (gi == NULL)
				break;
			items = gi;
			if ((gw = realloc(weights, next * sizeof(*weights))) == NULL)
				break;
			weights = gw;
			cap = next;
		}
		items[n] = (uint32_t)item;
		weights[n++] = strength;
	}
	stmt_release(stmt);

	if (index >= 0 && !acted_since) {
		memcpy(x, m->user_factors + (size_t)index * m->k, m->k * sizeof(float));
		placed = 1;
	} else if (n > 0 && model_fold_in(m->item_factors, m->n_items, m->k, m->item_gram,
	    m->info.alpha, m->info.regularization, items, weights, n, x, NULL) == 0)
		placed = 1;
	else {
		/* Newcomer: the prior of their profile, in the trainer's feature names. */
		const char *features[4 + ACCOUNTS_MAX_RISKS * 2];
		char owned[4 + ACCOUNTS_MAX_RISKS * 2][80];
		size_t f = 0;

		if (*p->category != '\0')
			snprintf(owned[f], sizeof(owned[f]), "category:%s", p->category), f++;
		if (*p->industry != '\0')
			snprintf(owned[f], sizeof(owned[f]), "industry:%s", p->industry), f++;
		for (size_t i = 0; i < p->risk_count && f < 4 + ACCOUNTS_MAX_RISKS; i++)
			snprintf(owned[f], sizeof(owned[f]), "risk:%s", p->risks[i]), f++;
		for (size_t i = 0; i < p->weak_count && f < sizeof(owned) / sizeof(owned[0]); i++)
			snprintf(owned[f], sizeof(owned[f]), "weak:%s", p->weak[i]), f++;
		for (size_t i = 0; i < f; i++)
			features[i] = owned[i];
		if (model_user_prior(m, features, f, x) > 0)
			placed = 2;
	}
	free(items);
	free(weights);
	return placed;
}

/* Standardises the base scores of the candidates to mean 0, deviation 1. */
static void
standardise(struct feed_candidates *c)
{
	double sum = 0, sq = 0, sd;

	if (c->n == 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		sum += c->v[i].base;
	for (size_t i = 0; i < c->n; i++)
		sq += (c->v[i].base - sum / c->n) * (c->v[i].base - sum / c->n);
	sd = sqrt(sq / c->n);
	for (size_t i = 0; i < c->n; i++)
		c->v[i].base = sd > 1e-9 ? (float)((c->v[i].base - sum / c->n) / sd) : 0.0f;
}

/*
 * Base scores: the model's where it can place the cadre, else the
 * category's popularity. Returns 1 when the model scored.
 */
static int
feed_base_scores(sqlite3 *db, const struct model *m, int64_t user_id,
    const struct feed_profile *p, struct feed_candidates *c)
{
	float *x = NULL, *y = NULL;
	int scored = 0;

	if (m != NULL && (x = calloc(m->k, sizeof(float))) != NULL &&
	    (y = calloc(m->k, sizeof(float))) != NULL && feed_user_vector(db, m, user_id, p, x) > 0) {
		for (size_t i = 0; i < c->n; i++) {
			int64_t index = model_item_index(m, c->v[i].id);
			const float *item = y;

			if (index >= 0)
				item = m->item_factors + (size_t)index * m->k;
			else if (model_item_prior(m, (const char *const *)c->v[i].tags, c->v[i].tag_count, y) < 0)
				continue;
			c->v[i].base = 0;
			for (uint32_t d = 0; d < m->k; d++)
				c->v[i].base += item[d] * x[d];
		}
		scored = 1;
	} else
		for (size_t i = 0; i < c->n; i++)
			c->v[i].base = (float)log1p(c->v[i].popularity);
	free(x);
	free(y);
	standardise(c);
	return scored;
}

static void
feed_apply_rules(const struct feed_profile *p, struct feed_candidates *c, int64_t now)
{
	char category_tag[32], industry_tag[80];
	size_t recent = 0;

	for (size_t i = 0; i < c->n; i++)
		recent += now - c->v[i].published_at <= FRESH_DAYS * 86400;

	snprintf(category_tag, sizeof(category_tag), "category.%s", p->category);
	snprintf(industry_tag, sizeof(industry_tag), "%s", p->industry);
	for (size_t i = 0; i < c->n; i++) {
		struct feed_candidate *f = &c->v[i];

		f->score = f->base;
		for (size_t r = 0; r < p->risk_count && f->risk == NULL; r++)
			if (list_has(f->tags, f->tag_count, p->risks[r]))
				f->risk = p->risks[r];
		for (size_t w = 0; w < p->weak_count && f->weak == NULL; w++)
			if (list_has(f->tags, f->tag_count, p->weak[w])) {
				f->weak = p->weak[w];
				f->weak_wrong = p->weak_wrong[w];
			}
		f->category_match = *p->category && list_has(f->tags, f->tag_count, category_tag);
		f->industry_match = *p->industry && list_has(f->tags, f->tag_count, industry_tag);
		f->fresh = now - f->published_at <= FRESH_DAYS * 86400 &&
		    recent <= FRESH_MAX_SHARE * (double)c->n;
		f->score += (f->risk ? BOOST_RISK : 0) + (f->weak ? BOOST_WEAK : 0) +
		    (f->category_match ? BOOST_CATEGORY : 0) + (f->industry_match ? BOOST_INDUSTRY : 0) +
		    (f->fresh ? BOOST_FRESH : 0);
	}
}

/*
 * Picks up to 'limit' candidates greedily: each pick costs the remaining
 * items of its discipline and novel form, so the feed varies. Writes the
 * picks' indices to 'order'; returns how many.
 */
static size_t
feed_pick(struct feed_candidates *c, size_t limit, int variety, size_t *order)
{
	size_t count = 0, best_fresh = (size_t)-1;
	int fresh_picked = 0;
	/*
	 * Each candidate's score less what the picks so far cost it, kept up
	 * to date pick by pick (the same subtractions, in the same order, as
	 * recounting them against every earlier pick each time).
	 */
	float *adjusted = malloc((c->n ? c->n : 1) * sizeof(*adjusted));

	if (adjusted == NULL)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		adjusted[i] = c->v[i].score;
	while (count < limit) {
		size_t best = (size_t)-1;
		float best_score = -INFINITY;
		const struct feed_candidate *q;

		for (size_t i = 0; i < c->n; i++) {
			float s;

			if (c->v[i].picked)
				continue;
			s = adjusted[i];
			if (s > best_score || (s == best_score && best != (size_t)-1 && c->v[i].id < c->v[best].id)) {
				best = i;
				best_score = s;
			}
		}
		if (best == (size_t)-1)
			break;
		c->v[best].picked = 1;
		fresh_picked |= c->v[best].fresh;
		order[count++] = best;
		if (!variety)
			continue;
		/*
		 * Pointer equality is string equality here: risks point into the
		 * profile's list of distinct codes, disciplines and forms at the
		 * catalogue's first copy of each code.
		 */
		q = &c->v[best];
		for (size_t i = 0; i < c->n; i++) {
			const struct feed_candidate *f = &c->v[i];

			if (f->picked)
				continue;
			if (f->risk && f->risk == q->risk)
				adjusted[i] -= PENALTY_SAME_RISK;
			if (f->discipline && f->discipline == q->discipline)
				adjusted[i] -= PENALTY_SAME_DISCIPLINE;
			if (f->form && f->form == q->form)
				adjusted[i] -= PENALTY_SAME_FORM;
		}
	}
	free(adjusted);
	/* Fresh content gets seen: the best fresh item takes the last place if none made it. */
	if (variety && !fresh_picked && count > 0) {
		for (size_t i = 0; i < c->n; i++)
			if (!c->v[i].picked && c->v[i].fresh &&
			    (best_fresh == (size_t)-1 || c->v[i].score > c->v[best_fresh].score))
				best_fresh = i;
		if (best_fresh != (size_t)-1) {
			c->v[order[count - 1]].picked = 0;
			c->v[best_fresh].picked = 1;
			order[count - 1] = best_fresh;
		}
	}
	return count;
}

/* ------------------------------------------------------------- reasons */

/* The Chinese label of a tag code, or the code itself. */
static const char *
tag_label(sqlite3 *db, const char *code, char *out, size_t size)
{
	sqlite3_stmt *stmt;

	snprintf(out, size, "%s", code);
	if ((stmt = stmt_get(db, "SELECT label FROM tags WHERE code = ?1")) != NULL) {
		sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			snprintf(out, size, "%s", sqlite3_column_text(stmt, 0));
		stmt_release(stmt);
	}
	return out;
}

static void
reason_add(json_t *reasons, const char *code, const char *text)
{
	json_array_append_new(reasons, json_pack("{s:s,s:s}", "code", code, "text", text));
}

/*
 * What the cadre completed, read once per request for the "similar to what
 * you studied" reason: each completed item (whatever its status now) with
 * how many completions it has, the latest, its title and its tags other
 * than target categories.
 */
struct completed_item {
	int64_t id, completions, last;
	char *title;
	char **tags;
	size_t tag_count;
};

struct completed_set {
	int loaded;
	struct completed_item *v;
	size_t n;
};

static void
completed_free(struct completed_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].title);
		for (size_t j = 0; j < set->v[i].tag_count; j++)
			free(set->v[i].tags[j]);
		free(set->v[i].tags);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static void
completed_load(sqlite3 *db, int64_t user_id, struct completed_set *set)
{
	sqlite3_stmt *stmt;
	struct completed_item *c = NULL;

	set->loaded = 1;
	if ((stmt = stmt_get(db,
	    "SELECT e.item_id, e.n, e.last, i.title, t.tag_code FROM"
	    " (SELECT item_id, count(*) AS n, max(created_at) AS last FROM events"
	    "   WHERE user_id = ?1 AND kind = 'complete' GROUP BY item_id) e"
	    " JOIN items i ON i.id = e.item_id"
	    " JOIN item_tags t ON t.item_id = e.item_id"
	    " WHERE t.tag_code NOT LIKE 'category.%'"
	    " ORDER BY e.item_id")) == NULL)
		return;
	sqlite3_bind_int64(stmt, 1, user_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);

		if (c == NULL || c->id != id) {
			struct completed_item *grown = realloc(set->v, (set->n + 1) * sizeof(*grown));

			if (grown == NULL)
				break;
			set->v = grown;
			c = &set->v[set->n++];
			memset(c, 0, sizeof(*c));
			c->id = id;
			c->completions = sqlite3_column_int64(stmt, 1);
			c->last = sqlite3_column_int64(stmt, 2);
			if ((c->title = strdup((const char *)sqlite3_column_text(stmt, 3))) == NULL) {
				set->n--;
				break;
			}
		}
		if (list_push(&c->tags, &c->tag_count, (const char *)sqlite3_column_text(stmt, 4)) < 0)
			break;
	}
	stmt_release(stmt);
}

/*
 * The title of the completed item sharing most tags with 'c' (at least
 * two), if any. Shared counts each completion: the number of shared tags
 * (target categories aside) times the item's completions; ties go to the
 * latest completed, then to the lower item id.
 */
static int
similar_completed(sqlite3 *db, int64_t user_id, struct completed_set *set,
    const struct feed_candidate *c, char *title, size_t size)
{
	const struct completed_item *best = NULL;
	int64_t best_shared = 0;

	if (!set->loaded)
		completed_load(db, user_id, set);
	for (size_t i = 0; i < set->n; i++) {
		const struct completed_item *k = &set->v[i];
		int64_t common = 0, shared;

		for (size_t j = 0; j < k->tag_count; j++)
			common += list_has(c->tags, c->tag_count, k->tags[j]);
		shared = common * k->completions;
		if (shared < 2)
			continue;
		if (best == NULL || shared > best_shared || (shared == best_shared && k->last > best->last)) {
			best = k;
			best_shared = shared;
		}
	}
	if (best == NULL)
		return 0;
	snprintf(title, size, "%s", best->title);
	return 1;
}

static const char *
category_label(const char *category)
{
	for (size_t i = 0; i < sizeof(category_labels) / sizeof(category_labels[0]); i++)
		if (strcmp(category, category_labels[i][0]) == 0)
			return category_labels[i][1];
	return "同类";
}

static json_t *
feed_reasons(sqlite3 *db, int64_t user_id, struct completed_set *completed, const struct feed_profile *p,
    const struct feed_candidate *c, int personalised, int model_scored)
{
	json_t *reasons = json_array();
	char label[128], text[512], title[256];

	if (!personalised) {
		/* Say what the ranking did; claim popularity only when there is some. */
		if (c->popularity > 0)
			snprintf(text, sizeof(text), "「%s」中学习人数最多的内容之一", category_label(p->category));
		else
			snprintf(text, sizeof(text), "按「%s」的学习热度排序推荐", category_label(p->category));
		reason_add(reasons, "popular_in_category", text);
		return reasons;
	}
	if (c->risk != NULL) {
		snprintf(text, sizeof(text), "与您的岗位风险点「%s」相关", tag_label(db, c->risk, label, sizeof(label)));
		reason_add(reasons, "risk_match", text);
	}
	if (c->weak != NULL) {
		tag_label(db, c->weak, label, sizeof(label));
		if (c->weak_wrong > 0)
			snprintf(text, sizeof(text), "您在「%s」测验中答错%d题，建议复习", label, c->weak_wrong);
		else
			snprintf(text, sizeof(text), "您在「%s」方面的掌握程度偏低，建议学习", label);
		reason_add(reasons, "weak_discipline", text);
	}
	if (model_scored && c->base > 0.5f && similar_completed(db, user_id, completed, c, title, sizeof(title))) {
		snprintf(text, sizeof(text), "与您学过的《%s》相近", title);
		reason_add(reasons, "similar_completed", text);
	}
	if (c->fresh) {
		reason_add(reasons, "fresh", "新上线的内容");
	}
	if (c->industry_match) {
		snprintf(text, sizeof(text), "与您所在的「%s」行业相关", tag_label(db, p->industry, label, sizeof(label)));
		reason_add(reasons, "industry_match", text);
	}
	/* Nothing specific: say honestly what put it here. */
	if (json_array_size(reasons) == 0) {
		const char *discipline = candidate_tag(c, "discipline.");

		if (model_scored && c->base > 0.5f)
			reason_add(reasons, "similar_completed", "与您学过和感兴趣的内容相近");
		else if (c->popularity > 0) {
			snprintf(text, sizeof(text), "「%s」中学习人数最多的内容之一", category_label(p->category));
			reason_add(reasons, "popular_in_category", text);
		} else if (c->category_match) {
			snprintf(text, sizeof(text), "面向「%s」的学习内容", category_label(p->category));
			reason_add(reasons, "category_match", text);
		} else {
			snprintf(text, sizeof(text), "拓展学习「%s」方面的内容",
			    discipline ? tag_label(db, discipline, label, sizeof(label)) : "廉洁教育");
			reason_add(reasons, "variety", text);
		}
	}
	return reasons;
}

/* -------------------------------------------------------------- reviews */

/*
 * A due review as a feed entry: the item it belongs to, kind "review", the
 * question to answer, and why it is due. NULL when the question or its
 * item is gone from the library.
 */
static json_t *
feed_review(sqlite3 *db, const struct learner_review *r)
{
	sqlite3_stmt *stmt;
	json_t *entry = NULL, *tags;
	char label[128], title[600];

	if ((stmt = stmt_get(db, "SELECT q.stem, i.title FROM questions q JOIN items i ON i.id = q.item_id"
	    " WHERE q.id = ?1 AND q.status = 'published' AND i.status = 'published'")) == NULL)
		return NULL;
	sqlite3_bind_int64(stmt, 1, r->question_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(title, sizeof(title), "复习：%s", sqlite3_column_text(stmt, 0));
		entry = json_pack("{s:I,s:s,s:s,s:s,s:i,s:f,s:I}", "id", (json_int_t)r->item_id,
		    "kind", "review", "title", title, "summary", sqlite3_column_text(stmt, 1),
		    "minutes", 1, "score", r->recall, "question_id", (json_int_t)r->question_id);
	}
	stmt_release(stmt);
	if (entry == NULL)
		return NULL;
	tags = json_array();
	if ((stmt = stmt_get(db, "SELECT tag_code FROM question_tags WHERE question_id = ?1 ORDER BY tag_code"))
	    != NULL) {
		sqlite3_bind_int64(stmt, 1, r->question_id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *code = (const char *)sqlite3_column_text(stmt, 0);

			json_array_append_new(tags, json_pack("{s:s,s:s}", "code", code,
			    "label", tag_label(db, code, label, sizeof(label))));
		}
		stmt_release(stmt);
	}
	json_object_set_new(entry, "tags", tags);
	json_object_set_new(entry, "reasons", json_pack("[{s:s,s:s}]", "code", "review_due", "text",
	    r->last_correct ? "距上次作答已有一段时间，按遗忘规律该复习了" :
	    "这道题上次答错了，按遗忘规律今天该复习"));
	return entry;
}

/* Up to REVIEW_SLOTS due reviews of questions attached to published items. */
static json_t *
feed_reviews(sqlite3 *db, int64_t user_id, size_t slots)
{
	struct learner_review *due = NULL;
	json_t *entries = json_array();
	size_t n = 0;

	if (slots == 0 || learner_reviews_due(db, user_id, clock_unix_s(), 20, &due, &n, NULL) < 0)
		return entries;
	for (size_t i = 0; i < n && json_array_size(entries) < slots; i++) {
		json_t *entry;

		if (due[i].item_id != 0 && (entry = feed_review(db, &due[i])) != NULL)
			json_array_append_new(entries, entry);
	}
	free(due);
	return entries;
}

/* ---------------------------------------------------------------- feed */

/* The item's tags as [{code,label}], in code order. */
static json_t *
feed_tags(sqlite3 *db, const struct feed_candidate *c)
{
	json_t *tags = json_array();
	char label[128];

	for (size_t i = 0; i < c->tag_count; i++)
		json_array_append_new(tags, json_pack("{s:s,s:s}", "code", c->tags[i],
		    "label", tag_label(db, c->tags[i], label, sizeof(label))));
	return tags;
}

int
feed_build(struct request *req, size_t limit, const char *arm, json_t **items_out)
{
	sqlite3 *db = req->app->db;
	int personalised = strcmp(arm, "personalised") == 0, model_scored = 0;
	struct feed_candidates c;
	struct feed_profile p;
	struct completed_set completed = { 0 };
	size_t *order = NULL, count;
	json_t *items, *reviews, *mandatory = NULL;

	if (profile_load(db, req->user->id, &p) < 0) {
		profile_free(&p);
		return -1;
	}
	if (candidates_load(db, req->user->id, p.category, &c) < 0) {
		profile_free(&p);
		return -1;
	}
	/* Out-of-scope items never show, in either arm. */
	for (size_t i = 0; i < c.n; i++)
		if (!candidate_in_scope(&c.v[i], p.category))
			c.v[i].picked = 1;
	if (personalised) {
		model_scored = feed_base_scores(db, req->app->model, req->user->id, &p, &c);
		feed_apply_rules(&p, &c, clock_unix_s());
	} else
		for (size_t i = 0; i < c.n; i++)
			c.v[i].score = (float)c.v[i].popularity;
	/*
	 * Outstanding items of the cadre's campaigns come first, in both arms
	 * (campaigns.c), in at most campaign_feed_slots places and half the feed.
	 */
	if (campaign_feed_entries(db, req->user->id, clock_unix_s(),
	    (size_t)campaign_feed_slots(db) < (limit + 1) / 2 ? (size_t)campaign_feed_slots(db) : (limit + 1) / 2,
	    &mandatory, NULL) < 0) {
		candidates_free(&c);
		profile_free(&p);
		return -1;
	}
	for (size_t i = 0; i < c.n; i++)
		for (size_t m = 0; m < json_array_size(mandatory); m++)
			if (json_integer_value(json_object_get(json_array_get(mandatory, m), "id")) == c.v[i].id)
				c.v[i].picked = 1;
	limit -= json_array_size(mandatory);
	/* Reviews are part of the personalised experience; a feed of one or two has no room. */
	reviews = feed_reviews(db, req->user->id, personalised && limit >= 3 ? REVIEW_SLOTS : 0);
	if ((order = calloc(limit + 1, sizeof(*order))) == NULL) {
		json_decref(mandatory);
		json_decref(reviews);
		candidates_free(&c);
		profile_free(&p);
		return -1;
	}
	count = feed_pick(&c, limit - json_array_size(reviews), personalised, order);
	items = json_array();
	for (size_t i = 0; i < count; i++) {
		const struct feed_candidate *f = &c.v[order[i]];

		json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:s,s:i,s:o,s:f,s:o}",
		    "id", (json_int_t)f->id, "kind", f->kind, "title", f->title, "summary", f->summary,
		    "minutes", f->minutes, "tags", feed_tags(db, f), "score", (double)f->score,
		    "reasons", feed_reasons(db, req->user->id, &completed, &p, f, personalised, model_scored)));
	}
	for (size_t i = 0; i < json_array_size(reviews); i++)
		json_array_insert(items, review_positions[i] < json_array_size(items) ?
		    review_positions[i] : json_array_size(items), json_array_get(reviews, i));
	json_decref(reviews);
	for (size_t m = json_array_size(mandatory); m-- > 0;)
		json_array_insert(items, 0, json_array_get(mandatory, m));
	json_decref(mandatory);
	free(order);
	completed_free(&completed);
	candidates_free(&c);
	profile_free(&p);
	*items_out = items;
	return 0;
}
