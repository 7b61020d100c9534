/*
 * feed.c — a cadre's feed: which published items, in which order, and why.
 *
 * Personalised arm:
 *   1. candidates: published items (the library each worker keeps,
 *      feed-catalogue.c) the cadre has not completed or dismissed, in scope
 *      (an item tagged for target categories is shown only to those
 *      categories);
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

#include <cblas.h>

#include "extern.h"
#include "feed-catalogue.h"

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
	int category_tag;           /* "category.<category>", or -1 */
	int industry_tag;           /* the industry's tag, or -1 */
	char **risks;               /* codes, ascending */
	size_t risk_count;
	/* Weak disciplines, weakest first, with the wrong answers that make them weak. */
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
profile_load(sqlite3 *db, const struct catalogue *cat, int64_t user_id, struct feed_profile *p)
{
	sqlite3_stmt *stmt = NULL;
	struct learner_discipline *weak = NULL;
	size_t n = 0;
	char code[32];

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
	snprintf(code, sizeof(code), "category.%s", p->category);
	p->category_tag = *p->category ? catalogue_tag_find(cat, code) : -1;
	p->industry_tag = *p->industry ? catalogue_tag_find(cat, p->industry) : -1;
	if ((stmt = stmt_get(db, "SELECT tag_code FROM user_risks WHERE user_id = ?1 ORDER BY tag_code")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if (list_push(&p->risks, &p->risk_count, (const char *)sqlite3_column_text(stmt, 0)) < 0) {
			stmt_release(stmt);
			return -1;
		}
	stmt_release(stmt);
	/* Weak disciplines, by the learner model's rule, with their wrong answers for the reason. */
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
	return 0;
}

/* ------------------------------------------------------------- history */

/*
 * What the cadre did with each item (every event but impressions), read
 * in one query: whether it stays out of the feed, its strength for the
 * fold-in, and its completions for the "similar to what you studied"
 * reason. Items come in id order.
 */
struct history_item {
	int64_t item_id;
	int excluded;               /* completed, or dismissed and not opened since */
	int dismiss_stands;         /* dismissed after (or without) anything else */
	float strength;             /* as the trainer counts it */
	int64_t last;               /* the latest event */
	int64_t completions, last_completed;
};

struct history {
	struct history_item *v;
	size_t n;
};

static int
history_load(sqlite3 *db, int64_t user_id, struct history *h)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc;

	memset(h, 0, sizeof(*h));
	/*
	 * Strength per item, as the trainer counts it: opens (at most 3) + 2 x
	 * the furthest progress + 4 per completion (at most 2).
	 */
	if ((stmt = stmt_get(db,
	    "SELECT item_id, sum(kind = 'complete'),"
	    "  max(CASE WHEN kind = 'dismiss' THEN created_at END),"
	    "  max(CASE WHEN kind != 'dismiss' THEN created_at END),"
	    "  min(sum(kind = 'open'), 3) + 2 * coalesce(max(CASE WHEN kind = 'progress'"
	    "    THEN min(max(coalesce(value, 0.5), 0), 1) END), 0) + 4 * min(sum(kind = 'complete'), 2),"
	    "  max(created_at), max(CASE WHEN kind = 'complete' THEN created_at END)"
	    " FROM events WHERE user_id = ?1 AND kind != 'impression' GROUP BY item_id")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct history_item *e;
		int dismissed = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
		int engaged = sqlite3_column_type(stmt, 3) != SQLITE_NULL;

		if (h->n == cap) {
			size_t next = cap ? cap * 2 : 64;
			struct history_item *grown = realloc(h->v, next * sizeof(*grown));

			if (grown == NULL)
				break;
			h->v = grown;
			cap = next;
		}
		e = &h->v[h->n++];
		e->item_id = sqlite3_column_int64(stmt, 0);
		e->completions = sqlite3_column_int64(stmt, 1);
		e->dismiss_stands = dismissed &&
		    (!engaged || sqlite3_column_int64(stmt, 2) >= sqlite3_column_int64(stmt, 3));
		/* A dismiss stands until the cadre opens the item again. */
		e->excluded = e->completions > 0 || (dismissed &&
		    (!engaged || sqlite3_column_int64(stmt, 3) <= sqlite3_column_int64(stmt, 2)));
		e->strength = (float)sqlite3_column_double(stmt, 4);
		e->last = sqlite3_column_int64(stmt, 5);
		e->last_completed = sqlite3_column_int64(stmt, 6);
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		free(h->v);
		memset(h, 0, sizeof(*h));
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- candidates */

struct feed_candidate {
	const struct catalogue_item *item;
	float base, score;
	double popularity;          /* completions by cadres of the same category */
	int picked;
	/* What the rules found, for the reasons: tag numbers, or -1. */
	int risk;                   /* the first matching risk exposure */
	int weak;                   /* the first weak discipline it teaches */
	int weak_wrong;
	int category_match, industry_match, fresh;
};

struct feed_candidates {
	struct feed_candidate *v;
	size_t n;
	/* Per catalogue item: its candidate, or -1 (completed or dismissed). */
	int *of_item;
	int popularity_loaded;      /* popularity holds for every candidate */
};

static void
candidates_free(struct feed_candidates *c)
{
	free(c->v);
	free(c->of_item);
	memset(c, 0, sizeof(*c));
}

/* An item tagged for target categories is for those categories only. */
static int
candidate_in_scope(const struct feed_candidate *c, const struct feed_profile *p)
{
	if (!c->item->targets_categories || *p->category == '\0')
		return 1;
	return p->category_tag >= 0 &&
	    catalogue_tags_have(c->item->tags, c->item->tag_count, p->category_tag);
}

/* Published items the cadre has neither completed nor dismissed. */
static int
candidates_build(const struct catalogue *cat, const struct history *h, struct feed_candidates *out)
{
	size_t e = 0;

	memset(out, 0, sizeof(*out));
	if (cat->n == 0)
		return 0;
	if ((out->v = malloc(cat->n * sizeof(*out->v))) == NULL ||
	    (out->of_item = malloc(cat->n * sizeof(*out->of_item))) == NULL) {
		candidates_free(out);
		return -1;
	}
	/* Both in id order: a merge. */
	for (size_t i = 0; i < cat->n; i++) {
		const struct catalogue_item *item = &cat->items[i];
		struct feed_candidate *c;

		while (e < h->n && h->v[e].item_id < item->id)
			e++;
		if (e < h->n && h->v[e].item_id == item->id && h->v[e].excluded) {
			out->of_item[i] = -1;
			continue;
		}
		out->of_item[i] = (int)out->n;
		c = &out->v[out->n++];
		memset(c, 0, sizeof(*c));
		c->item = item;
		c->risk = c->weak = -1;
	}
	return 0;
}

/*
 * Popularity: item_popularity holds, per category and item, how many
 * cadres completed it, kept in step with events by triggers (migration
 * 5); '' stands for cadres without a category. All of it, for a ranking
 * by popularity alone.
 */
static int
popularity_load_all(sqlite3 *db, const struct catalogue *cat, const char *category,
    struct feed_candidates *c)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = stmt_get(db, "SELECT item_id, completers FROM item_popularity WHERE category = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, category, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		size_t at = catalogue_item_find(cat, sqlite3_column_int64(stmt, 0));

		if (at != (size_t)-1 && c->of_item[at] >= 0)
			c->v[c->of_item[at]].popularity = sqlite3_column_double(stmt, 1);
	}
	stmt_release(stmt);
	c->popularity_loaded = 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The control arm's ranking needs only the most popular items still open
 * to the cadre: read in order of popularity (ties by id, as feed_pick
 * breaks them) until 'wanted' of them are found. The rest keep 0, which
 * ranks them after those, as their true counts (no higher) would.
 */
static int
popularity_load_top(sqlite3 *db, const struct catalogue *cat, const char *category,
    struct feed_candidates *c, size_t wanted)
{
	sqlite3_stmt *stmt;
	size_t found = 0;
	int rc = SQLITE_DONE;

	if (wanted == 0)
		return 0;
	if ((stmt = stmt_get(db, "SELECT item_id, completers FROM item_popularity"
	    " WHERE category = ?1 AND completers > 0 ORDER BY completers DESC, item_id")) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, category, -1, SQLITE_STATIC);
	while (found < wanted && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		size_t at = catalogue_item_find(cat, sqlite3_column_int64(stmt, 0));
		struct feed_candidate *f;

		if (at == (size_t)-1 || c->of_item[at] < 0)
			continue;
		f = &c->v[c->of_item[at]];
		f->popularity = sqlite3_column_double(stmt, 1);
		found += !f->picked;
	}
	stmt_release(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The popularity of one candidate (read on demand when not loaded for all). */
static double
candidate_popularity(sqlite3 *db, const struct feed_candidates *all, const char *category,
    const struct feed_candidate *c)
{
	sqlite3_stmt *stmt;
	double popularity = 0;

	if (all->popularity_loaded)
		return c->popularity;
	if ((stmt = stmt_get(db, "SELECT completers FROM item_popularity"
	    " WHERE category = ?1 AND item_id = ?2")) == NULL)
		return 0;
	sqlite3_bind_text(stmt, 1, category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, c->item->id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		popularity = sqlite3_column_double(stmt, 0);
	stmt_release(stmt);
	return popularity;
}

/* ------------------------------------------------------------- scoring */

/*
 * The cadre's factor vector into 'x' (k floats). Returns 1 for a trained or
 * folded-in vector, 2 for a profile prior, 0 when the model cannot place
 * the cadre at all.
 */
static int
feed_user_vector(const struct model *m, int64_t user_id, const struct history *h,
    const struct feed_profile *p, float *x)
{
	int64_t index = model_user_index(m, user_id);
	uint32_t *items = NULL;
	float *weights = NULL;
	size_t n = 0;
	int acted_since = 0, placed = 0;

	if (h->n > 0 && ((items = malloc(h->n * sizeof(*items))) == NULL ||
	    (weights = malloc(h->n * sizeof(*weights))) == NULL)) {
		free(items);
		return 0;
	}
	for (size_t i = 0; i < h->n; i++) {
		int64_t item = model_item_index(m, h->v[i].item_id);

		if (h->v[i].last >= m->info.created)
			acted_since = 1;
		if (item < 0)
			continue;
		items[n] = (uint32_t)item;
		/* A standing dismiss is negative evidence. */
		weights[n++] = h->v[i].dismiss_stands ? -2.0f : h->v[i].strength;
	}
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
 * category's popularity. Returns 1 when the model scored, 0 when not,
 * -1 when the popularity could not be read.
 */
static int
feed_base_scores(sqlite3 *db, const struct catalogue *cat, const struct model *m, int64_t user_id,
    const struct history *h, const struct feed_profile *p, struct feed_candidates *c)
{
	float *x = NULL, *rows = NULL;
	int scored = 0;

	if (m != NULL && (x = calloc(m->k, sizeof(float))) != NULL && feed_user_vector(m, user_id, h, p, x) > 0 &&
	    (rows = malloc((m->n_items ? m->n_items : 1) * sizeof(float))) != NULL) {
		/* Every item the model knows in one product; the others by their prior. */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)m->n_items, (int)m->k, 1.0f, m->item_factors,
		    (int)m->k, x, 1, 0.0f, rows, 1);
		for (size_t i = 0; i < c->n; i++) {
			const struct catalogue_item *item = c->v[i].item;

			if (item->model_row >= 0)
				c->v[i].base = rows[item->model_row];
			else
				c->v[i].base = item->vector ? cblas_sdot((int)m->k, item->vector, 1, x, 1) : 0.0f;
		}
		scored = 1;
	} else {
		if (popularity_load_all(db, cat, p->category, c) < 0) {
			free(x);
			return -1;
		}
		for (size_t i = 0; i < c->n; i++)
			c->v[i].base = (float)log1p(c->v[i].popularity);
	}
	free(rows);
	free(x);
	standardise(c);
	return scored;
}

/*
 * Boosts for the cadre's risk exposures, weak disciplines, category and
 * industry, and fresh items. A risk or weak discipline found is the first
 * of the cadre's list the item carries: 'rank' numbers each tag by its
 * place in those lists (1-based, 0 when absent).
 */
static int
feed_apply_rules(const struct catalogue *cat, const struct feed_profile *p,
    struct feed_candidates *c, int64_t now)
{
	int *risk_rank, *weak_rank;
	size_t recent = 0;

	if ((risk_rank = calloc(cat->tag_count + 1, sizeof(int))) == NULL ||
	    (weak_rank = calloc(cat->tag_count + 1, sizeof(int))) == NULL) {
		free(risk_rank);
		return -1;
	}
	for (size_t r = p->risk_count; r-- > 0;) {
		int tag = catalogue_tag_find(cat, p->risks[r]);

		if (tag >= 0)
			risk_rank[tag] = (int)r + 1;
	}
	for (size_t w = p->weak_count; w-- > 0;) {
		int tag = catalogue_tag_find(cat, p->weak[w]);

		if (tag >= 0)
			weak_rank[tag] = (int)w + 1;
	}
	for (size_t i = 0; i < c->n; i++)
		recent += now - c->v[i].item->published_at <= FRESH_DAYS * 86400;

	for (size_t i = 0; i < c->n; i++) {
		struct feed_candidate *f = &c->v[i];
		const struct catalogue_item *item = f->item;
		int risk = 0, weak = 0;

		for (size_t t = 0; t < item->tag_count; t++) {
			int tag = item->tags[t];

			if (risk_rank[tag] && (!risk || risk_rank[tag] < risk)) {
				risk = risk_rank[tag];
				f->risk = tag;
			}
			if (weak_rank[tag] && (!weak || weak_rank[tag] < weak)) {
				weak = weak_rank[tag];
				f->weak = tag;
				f->weak_wrong = p->weak_wrong[weak - 1];
			}
			f->category_match |= tag == p->category_tag;
			f->industry_match |= tag == p->industry_tag;
		}
		f->fresh = now - item->published_at <= FRESH_DAYS * 86400 &&
		    recent <= FRESH_MAX_SHARE * (double)c->n;
		f->score = f->base + (f->risk >= 0 ? BOOST_RISK : 0) + (f->weak >= 0 ? BOOST_WEAK : 0) +
		    (f->category_match ? BOOST_CATEGORY : 0) + (f->industry_match ? BOOST_INDUSTRY : 0) +
		    (f->fresh ? BOOST_FRESH : 0);
	}
	free(risk_rank);
	free(weak_rank);
	return 0;
}

/* Whether candidate 'a' ranks before 'b' on its own score: higher, then the lower id. */
static int
ranks_before(const struct feed_candidate *a, const struct feed_candidate *b)
{
	return a->score > b->score || (a->score == b->score && a->item->id < b->item->id);
}

/*
 * The variety rule's cost depends on a candidate's risk, discipline and
 * form only: candidates sharing all three form a class, and within a class
 * the best by its own score stays the best after any cost. So each round
 * of the pick compares only the heads of the classes (a few dozen), and
 * looks again only inside the class it picked from.
 */
struct pick_class {
	int risk, discipline, form;
	size_t first, count;        /* its members: members[first .. first+count) */
	size_t head;                /* the best unpicked member, or (size_t)-1 */
};

struct pick_classes {
	struct pick_class *v;
	size_t n;
	size_t *members;            /* candidate indices, grouped by class */
};

static void
classes_free(struct pick_classes *k)
{
	free(k->v);
	free(k->members);
}

static size_t
class_head(const struct feed_candidates *c, const struct pick_classes *k, const struct pick_class *cl)
{
	size_t head = (size_t)-1;

	for (size_t m = cl->first; m < cl->first + cl->count; m++) {
		size_t i = k->members[m];

		if (!c->v[i].picked && (head == (size_t)-1 || ranks_before(&c->v[i], &c->v[head])))
			head = i;
	}
	return head;
}

/* Sorts the unpicked candidates into their classes; 0 or -1. */
static int
classes_build(const struct feed_candidates *c, struct pick_classes *k)
{
	size_t slots = 64, *slot = NULL, *class_of = NULL, *fill = NULL;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	while (slots < 2 * c->n)
		slots *= 2;
	/* An open-addressing table from (risk, discipline, form) to class number + 1. */
	if ((slot = calloc(slots, sizeof(*slot))) == NULL ||
	    (class_of = malloc((c->n ? c->n : 1) * sizeof(*class_of))) == NULL ||
	    (k->v = malloc((c->n ? c->n : 1) * sizeof(*k->v))) == NULL ||
	    (k->members = malloc((c->n ? c->n : 1) * sizeof(*k->members))) == NULL)
		goto done;
	for (size_t i = 0; i < c->n; i++) {
		const struct feed_candidate *f = &c->v[i];
		size_t h;

		if (f->picked)
			continue;
		h = ((size_t)(f->risk + 1) * 2654435761u ^ (size_t)(f->item->discipline + 1) * 40503u ^
		    (size_t)(f->item->form + 1) * 2246822519u) & (slots - 1);
		for (;; h = (h + 1) & (slots - 1)) {
			struct pick_class *cl;

			if (slot[h] == 0) {
				cl = &k->v[k->n++];
				cl->risk = f->risk;
				cl->discipline = f->item->discipline;
				cl->form = f->item->form;
				cl->count = 0;
				slot[h] = k->n;
			}
			cl = &k->v[slot[h] - 1];
			if (cl->risk == f->risk && cl->discipline == f->item->discipline && cl->form == f->item->form) {
				class_of[i] = slot[h] - 1;
				cl->count++;
				break;
			}
		}
	}
	if ((fill = calloc(k->n ? k->n : 1, sizeof(*fill))) == NULL)
		goto done;
	for (size_t j = 0, at = 0; j < k->n; at += k->v[j].count, j++)
		k->v[j].first = at;
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].picked)
			k->members[k->v[class_of[i]].first + fill[class_of[i]]++] = i;
	for (size_t j = 0; j < k->n; j++)
		k->v[j].head = class_head(c, k, &k->v[j]);
	rc = 0;
done:
	free(slot);
	free(class_of);
	free(fill);
	if (rc < 0)
		classes_free(k);
	return rc;
}

/* What the variety rule has cost so far: picks per risk, discipline and form tag. */
struct pick_costs {
	int *risk, *discipline, *form;
};

static float
class_cost(const struct pick_class *cl, const struct pick_costs *costs)
{
	float cost = 0;

	if (cl->risk >= 0)
		cost += PENALTY_SAME_RISK * (float)costs->risk[cl->risk];
	if (cl->discipline >= 0)
		cost += PENALTY_SAME_DISCIPLINE * (float)costs->discipline[cl->discipline];
	if (cl->form >= 0)
		cost += PENALTY_SAME_FORM * (float)costs->form[cl->form];
	return cost;
}

/*
 * Picks up to 'limit' candidates greedily: each pick costs the remaining
 * items of its risk, discipline and form, so the feed varies. Writes the
 * picks' indices to 'order'; returns how many.
 */
static size_t
feed_pick(struct feed_candidates *c, size_t tag_count, size_t limit, int variety, size_t *order)
{
	size_t count = 0, best_fresh = (size_t)-1;
	struct pick_classes classes;
	struct pick_costs costs = {
		calloc(tag_count + 1, sizeof(int)), calloc(tag_count + 1, sizeof(int)),
		calloc(tag_count + 1, sizeof(int)),
	};
	int fresh_picked = 0;

	if (costs.risk == NULL || costs.discipline == NULL || costs.form == NULL ||
	    classes_build(c, &classes) < 0)
		goto done;
	while (count < limit) {
		struct pick_class *from = NULL;
		size_t best = (size_t)-1;
		float best_score = -INFINITY;
		const struct feed_candidate *q;

		for (size_t j = 0; j < classes.n; j++) {
			struct pick_class *cl = &classes.v[j];
			float a;

			if (cl->head == (size_t)-1)
				continue;
			a = c->v[cl->head].score - (variety ? class_cost(cl, &costs) : 0.0f);
			if (best == (size_t)-1 || a > best_score ||
			    (a == best_score && c->v[cl->head].item->id < c->v[best].item->id)) {
				best = cl->head;
				best_score = a;
				from = cl;
			}
		}
		if (best == (size_t)-1)
			break;
		q = &c->v[best];
		c->v[best].picked = 1;
		from->head = class_head(c, &classes, from);
		fresh_picked |= q->fresh;
		order[count++] = best;
		if (variety) {
			if (q->risk >= 0)
				costs.risk[q->risk]++;
			if (q->item->discipline >= 0)
				costs.discipline[q->item->discipline]++;
			if (q->item->form >= 0)
				costs.form[q->item->form]++;
		}
	}
	classes_free(&classes);
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
done:
	free(costs.risk);
	free(costs.discipline);
	free(costs.form);
	return count;
}

/* ------------------------------------------------------------- reasons */

/* The Chinese label of a tag code, or the code itself. */
static const char *
code_label(const struct catalogue *cat, const char *code)
{
	int tag = catalogue_tag_find(cat, code);

	return tag >= 0 ? cat->tags[tag].label : code;
}

/* Appends {"code", "text"}: built directly, a feed adds a dozen (json_pack parses its format each time). */
static void
reason_add(json_t *reasons, const char *code, const char *text)
{
	json_t *reason = json_object();

	if (reason == NULL)
		return;
	if (json_object_set_new_nocheck(reason, "code", json_string_nocheck(code)) < 0 ||
	    json_object_set_new_nocheck(reason, "text", json_string(text)) < 0) {
		json_decref(reason);
		return;
	}
	json_array_append_new(reasons, reason);
}

/*
 * What the cadre completed, for the "similar to what you studied" reason:
 * each completed item (whatever its status now) with its completions, the
 * latest, its title and its tags. Published items are read from the
 * catalogue; others (retired since) from the database, once per request
 * and only when a reason asks.
 */
struct completed_item {
	int64_t id, completions, last;
	const char *title;
	const int *tags;
	size_t tag_count;
	char *owned_title;          /* an item outside the catalogue */
	int *owned_tags;
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
		free(set->v[i].owned_title);
		free(set->v[i].owned_tags);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* The title and tags of item 'k->id', which the catalogue does not hold. */
static void
completed_read_item(sqlite3 *db, const struct catalogue *cat, struct completed_item *k)
{
	sqlite3_stmt *stmt;

	if ((stmt = stmt_get(db, "SELECT i.title, t.tag_code FROM items i"
	    " JOIN item_tags t ON t.item_id = i.id WHERE i.id = ?1 ORDER BY t.tag_code")) == NULL)
		return;
	sqlite3_bind_int64(stmt, 1, k->id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int tag = catalogue_tag_find(cat, (const char *)sqlite3_column_text(stmt, 1));
		int *grown;

		if (k->owned_title == NULL &&
		    (k->owned_title = strdup((const char *)sqlite3_column_text(stmt, 0))) == NULL)
			break;
		if (tag < 0)
			continue;
		if ((grown = realloc(k->owned_tags, (k->tag_count + 1) * sizeof(*grown))) == NULL)
			break;
		k->owned_tags = grown;
		k->owned_tags[k->tag_count++] = tag;
	}
	stmt_release(stmt);
	k->title = k->owned_title;
	k->tags = k->owned_tags;
}

static void
completed_load(sqlite3 *db, const struct catalogue *cat, const struct history *h,
    struct completed_set *set)
{
	set->loaded = 1;
	for (size_t i = 0; i < h->n; i++) {
		const struct history_item *e = &h->v[i];
		struct completed_item *k, *grown;
		size_t at;

		if (e->completions == 0)
			continue;
		if ((grown = realloc(set->v, (set->n + 1) * sizeof(*grown))) == NULL)
			return;
		set->v = grown;
		k = &set->v[set->n++];
		memset(k, 0, sizeof(*k));
		k->id = e->item_id;
		k->completions = e->completions;
		k->last = e->last_completed;
		if ((at = catalogue_item_find(cat, e->item_id)) != (size_t)-1) {
			k->title = cat->items[at].title;
			k->tags = cat->items[at].tags;
			k->tag_count = cat->items[at].tag_count;
		} else
			completed_read_item(db, cat, k);
	}
}

/*
 * The title of the completed item sharing most tags with 'c' (at least
 * two), if any. Shared counts each completion: the number of shared tags
 * (target categories aside) times the item's completions; ties go to the
 * latest completed, then to the lower item id.
 */
static const char *
similar_completed(sqlite3 *db, const struct catalogue *cat, const struct history *h,
    struct completed_set *set, const struct feed_candidate *c)
{
	const struct completed_item *best = NULL;
	int64_t best_shared = 0;

	if (!set->loaded)
		completed_load(db, cat, h, set);
	for (size_t i = 0; i < set->n; i++) {
		const struct completed_item *k = &set->v[i];
		int64_t common = 0, shared;

		for (size_t j = 0; j < k->tag_count; j++)
			common += !cat->tags[k->tags[j]].targets_category &&
			    catalogue_tags_have(c->item->tags, c->item->tag_count, k->tags[j]);
		shared = common * k->completions;
		if (shared < 2 || k->title == NULL)
			continue;
		if (best == NULL || shared > best_shared || (shared == best_shared && k->last > best->last)) {
			best = k;
			best_shared = shared;
		}
	}
	return best ? best->title : NULL;
}

static const char *
category_label(const char *category)
{
	for (size_t i = 0; i < sizeof(category_labels) / sizeof(category_labels[0]); i++)
		if (strcmp(category, category_labels[i][0]) == 0)
			return category_labels[i][1];
	return "同类";
}

/* What a feed's reasons draw on besides the candidate itself. */
struct reason_context {
	sqlite3 *db;
	const struct catalogue *cat;
	const struct history *history;
	struct completed_set *completed;
	const struct feed_candidates *all;
	const struct feed_profile *p;
	int personalised, model_scored;
};

static json_t *
feed_reasons(const struct reason_context *r, const struct feed_candidate *c)
{
	const struct catalogue *cat = r->cat;
	const struct feed_profile *p = r->p;
	json_t *reasons = json_array();
	const char *title;
	char text[512];

	if (!r->personalised) {
		/* Say what the ranking did; claim popularity only when there is some. */
		if (c->popularity > 0)
			snprintf(text, sizeof(text), "「%s」中学习人数最多的内容之一", category_label(p->category));
		else
			snprintf(text, sizeof(text), "按「%s」的学习热度排序推荐", category_label(p->category));
		reason_add(reasons, "popular_in_category", text);
		return reasons;
	}
	if (c->risk >= 0) {
		snprintf(text, sizeof(text), "与您的岗位风险点「%s」相关", cat->tags[c->risk].label);
		reason_add(reasons, "risk_match", text);
	}
	if (c->weak >= 0) {
		if (c->weak_wrong > 0)
			snprintf(text, sizeof(text), "您在「%s」测验中答错%d题，建议复习",
			    cat->tags[c->weak].label, c->weak_wrong);
		else
			snprintf(text, sizeof(text), "您在「%s」方面的掌握程度偏低，建议学习", cat->tags[c->weak].label);
		reason_add(reasons, "weak_discipline", text);
	}
	if (r->model_scored && c->base > 0.5f &&
	    (title = similar_completed(r->db, cat, r->history, r->completed, c)) != NULL) {
		snprintf(text, sizeof(text), "与您学过的《%s》相近", title);
		reason_add(reasons, "similar_completed", text);
	}
	if (c->fresh) {
		reason_add(reasons, "fresh", "新上线的内容");
	}
	if (c->industry_match) {
		snprintf(text, sizeof(text), "与您所在的「%s」行业相关", code_label(cat, p->industry));
		reason_add(reasons, "industry_match", text);
	}
	/* Nothing specific: say honestly what put it here. */
	if (json_array_size(reasons) == 0) {
		if (r->model_scored && c->base > 0.5f)
			reason_add(reasons, "similar_completed", "与您学过和感兴趣的内容相近");
		else if (candidate_popularity(r->db, r->all, p->category, c) > 0) {
			snprintf(text, sizeof(text), "「%s」中学习人数最多的内容之一", category_label(p->category));
			reason_add(reasons, "popular_in_category", text);
		} else if (c->category_match) {
			snprintf(text, sizeof(text), "面向「%s」的学习内容", category_label(p->category));
			reason_add(reasons, "category_match", text);
		} else {
			snprintf(text, sizeof(text), "拓展学习「%s」方面的内容",
			    c->item->discipline >= 0 ? cat->tags[c->item->discipline].label : "廉洁教育");
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
feed_review(sqlite3 *db, const struct catalogue *cat, const struct learner_review *r)
{
	sqlite3_stmt *stmt;
	json_t *entry = NULL, *tags;
	char title[600];

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
			    "label", code_label(cat, code)));
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
feed_reviews(sqlite3 *db, const struct catalogue *cat, int64_t user_id, size_t slots)
{
	struct learner_review *due = NULL;
	json_t *entries = json_array();
	size_t n = 0;

	if (slots == 0 || learner_reviews_due(db, user_id, clock_unix_s(), 20, &due, &n, NULL) < 0)
		return entries;
	for (size_t i = 0; i < n && json_array_size(entries) < slots; i++) {
		json_t *entry;

		if (due[i].item_id != 0 && (entry = feed_review(db, cat, &due[i])) != NULL)
			json_array_append_new(entries, entry);
	}
	free(due);
	return entries;
}

/* ---------------------------------------------------------------- feed */

/* The feed of a cadre whose profile and history are read; 0 or -1. */
static int
feed_rank(struct request *req, const struct catalogue *cat, const struct feed_profile *p,
    const struct history *h, size_t limit, int personalised, json_t **items_out)
{
	sqlite3 *db = req->app->db;
	struct feed_candidates c;
	struct completed_set completed = { 0 };
	struct reason_context why = { db, cat, h, &completed, &c, p, personalised, 0 };
	size_t *order = NULL, count, slots;
	json_t *items = NULL, *reviews = NULL, *mandatory = NULL;
	int rc = -1;

	if (candidates_build(cat, h, &c) < 0)
		return -1;
	/* Out-of-scope items never show, in either arm. */
	for (size_t i = 0; i < c.n; i++)
		if (!candidate_in_scope(&c.v[i], p))
			c.v[i].picked = 1;
	/*
	 * Outstanding items of the cadre's campaigns come first, in both arms
	 * (campaigns.c), in at most campaign_feed_slots places and half the feed.
	 */
	slots = (size_t)campaign_feed_slots(db);
	if (campaign_feed_entries(db, req->user->id, clock_unix_s(), slots < (limit + 1) / 2 ?
	    slots : (limit + 1) / 2, &mandatory, NULL) < 0)
		goto done;
	for (size_t m = 0; m < json_array_size(mandatory); m++) {
		size_t at = catalogue_item_find(cat,
		    json_integer_value(json_object_get(json_array_get(mandatory, m), "id")));

		if (at != (size_t)-1 && c.of_item[at] >= 0)
			c.v[c.of_item[at]].picked = 1;
	}
	limit -= json_array_size(mandatory);
	if (personalised) {
		if ((why.model_scored = feed_base_scores(db, cat, req->app->model, req->user->id, h, p, &c)) < 0 ||
		    feed_apply_rules(cat, p, &c, clock_unix_s()) < 0)
			goto done;
	} else {
		if (popularity_load_top(db, cat, p->category, &c, limit) < 0)
			goto done;
		for (size_t i = 0; i < c.n; i++)
			c.v[i].score = (float)c.v[i].popularity;
	}
	/* Reviews are part of the personalised experience; a feed of one or two has no room. */
	reviews = feed_reviews(db, cat, req->user->id, personalised && limit >= 3 ? REVIEW_SLOTS : 0);
	if ((order = calloc(limit + 1, sizeof(*order))) == NULL)
		goto done;
	count = feed_pick(&c, cat->tag_count, limit - json_array_size(reviews), personalised, order);
	items = json_array();
	for (size_t i = 0; i < count; i++) {
		const struct feed_candidate *f = &c.v[order[i]];
		const struct catalogue_item *item = f->item;
		json_t *entry = json_copy(item->json);

		/* The catalogue's entry with this feed's score and reasons. */
		json_object_set_new(entry, "score", json_real((double)f->score));
		json_object_set_new(entry, "reasons", feed_reasons(&why, f));
		json_array_append_new(items, entry);
	}
	for (size_t i = 0; i < json_array_size(reviews); i++)
		json_array_insert(items, review_positions[i] < json_array_size(items) ?
		    review_positions[i] : json_array_size(items), json_array_get(reviews, i));
	for (size_t m = json_array_size(mandatory); m-- > 0;)
		json_array_insert(items, 0, json_array_get(mandatory, m));
	*items_out = items;
	rc = 0;
done:
	json_decref(mandatory);
	json_decref(reviews);
	free(order);
	completed_free(&completed);
	candidates_free(&c);
	return rc;
}

int
feed_build(struct request *req, size_t limit, const char *arm, json_t **items_out)
{
	sqlite3 *db = req->app->db;
	const struct catalogue *cat;
	struct feed_profile p = { 0 };
	struct history h = { 0 };
	int rc = -1, reading;

	/* One read transaction: one snapshot, and the locks taken once rather than per query. */
	reading = db_read_begin(db);
	if ((cat = catalogue_current(db, req->app->model)) != NULL &&
	    profile_load(db, cat, req->user->id, &p) == 0 &&
	    history_load(db, req->user->id, &h) == 0)
		rc = feed_rank(req, cat, &p, &h, limit, strcmp(arm, "personalised") == 0, items_out);
	db_read_end(db, reading);
	free(h.v);
	profile_free(&p);
	return rc;
}
