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
	if (sqlite3_prepare_v2(db, "SELECT coalesce(category, ''), coalesce(industry, '')"
	    " FROM users WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(p->category, sizeof(p->category), "%s", sqlite3_column_text(stmt, 0));
		snprintf(p->industry, sizeof(p->industry), "%s", sqlite3_column_text(stmt, 1));
	}
	sqlite3_finalize(stmt);
	if (sqlite3_prepare_v2(db, "SELECT tag_code FROM user_risks WHERE user_id = ?1 ORDER BY tag_code",
	    -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if (list_push(&p->risks, &p->risk_count, (const char *)sqlite3_column_text(stmt, 0)) < 0)
			goto err;
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	return -1;
}

/* ---------------------------------------------------------- candidates */

struct feed_candidate {
	int64_t id;
	char kind[8];
	char *title, *summary;
	int minutes;
	int64_t published_at;
	char **tags;
	size_t tag_count;
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
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].title);
		free(c->v[i].summary);
		for (size_t j = 0; j < c->v[i].tag_count; j++)
			free(c->v[i].tags[j]);
		free(c->v[i].tags);
	}
	free(c->v);
}

/* The first tag of 'c' with the given prefix ("discipline."), or NULL. */
static const char *
candidate_tag(const struct feed_candidate *c, const char *prefix)
{
	for (size_t i = 0; i < c->tag_count; i++)
		if (strncmp(c->tags[i], prefix, strlen(prefix)) == 0)
			return c->tags[i];
	return NULL;
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

/*
 * Published items the cadre has neither completed nor dismissed (a dismiss
 * stands until the cadre opens the item again), with their tags and how
 * often cadres of the same category completed them.
 */
static int
candidates_load(sqlite3 *db, int64_t user_id, const char *category, struct feed_candidates *out)
{
	sqlite3_stmt *stmt = NULL;
	int64_t last_id = 0;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db,
	    "WITH mine AS (SELECT item_id,"
	    "   max(CASE WHEN kind = 'complete' THEN 1 ELSE 0 END) AS completed,"
	    "   max(CASE WHEN kind = 'dismiss' THEN created_at END) AS dismissed,"
	    "   max(CASE WHEN kind IN ('open','progress','complete') THEN created_at END) AS engaged"
	    "   FROM events WHERE user_id = ?1 AND kind != 'impression' GROUP BY item_id),"
	    " popular AS (SELECT e.item_id, count(DISTINCT e.user_id) AS n FROM events e"
	    "   JOIN users u ON u.id = e.user_id WHERE e.kind = 'complete' AND u.category IS ?2"
	    "   GROUP BY e.item_id)"
	    " SELECT i.id, i.kind, i.title, i.summary, i.minutes, coalesce(i.published_at, i.created_at),"
	    "   coalesce(p.n, 0), t.tag_code"
	    " FROM items i"
	    " LEFT JOIN mine m ON m.item_id = i.id"
	    " LEFT JOIN popular p ON p.item_id = i.id"
	    " LEFT JOIN item_tags t ON t.item_id = i.id"
	    " WHERE i.status = 'published' AND coalesce(m.completed, 0) = 0"
	    "   AND (m.dismissed IS NULL OR m.engaged > m.dismissed)"
	    " ORDER BY i.id, t.tag_code", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	if (*category != '\0')
		sqlite3_bind_text(stmt, 2, category, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);
		struct feed_candidate *c;

		if (id != last_id) {
			struct feed_candidate *grown = realloc(out->v, (out->n + 1) * sizeof(*out->v));

			if (grown == NULL)
				goto err;
			out->v = grown;
			c = &out->v[out->n++];
			memset(c, 0, sizeof(*c));
			c->id = id;
			snprintf(c->kind, sizeof(c->kind), "%s", sqlite3_column_text(stmt, 1));
			c->title = strdup((const char *)sqlite3_column_text(stmt, 2));
			c->summary = strdup((const char *)sqlite3_column_text(stmt, 3));
			c->minutes = sqlite3_column_int(stmt, 4);
			c->published_at = sqlite3_column_int64(stmt, 5);
			c->popularity = sqlite3_column_double(stmt, 6);
			if (c->title == NULL || c->summary == NULL)
				goto err;
			last_id = id;
		}
		c = &out->v[out->n - 1];
		if (sqlite3_column_type(stmt, 7) != SQLITE_NULL &&
		    list_push(&c->tags, &c->tag_count, (const char *)sqlite3_column_text(stmt, 7)) < 0)
			goto err;
	}
	sqlite3_finalize(stmt);
	return 0;
err:
	sqlite3_finalize(stmt);
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
	if (sqlite3_prepare_v2(db,
	    "SELECT item_id,"
	    "  min(sum(kind = 'open'), 3) + 2 * coalesce(max(CASE WHEN kind = 'progress'"
	    "    THEN min(max(coalesce(value, 0.5), 0), 1) END), 0) + 4 * min(sum(kind = 'complete'), 2),"
	    "  max(CASE WHEN kind = 'dismiss' THEN created_at END),"
	    "  max(CASE WHEN kind != 'dismiss' THEN created_at END),"
	    "  max(created_at)"
	    " FROM events WHERE user_id = ?1 AND kind != 'impression' GROUP BY item_id",
	    -1, &stmt, NULL) != SQLITE_OK)
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
	sqlite3_finalize(stmt);

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

	while (count < limit) {
		size_t best = (size_t)-1;
		float best_score = -INFINITY;

		for (size_t i = 0; i < c->n; i++) {
			const char *discipline, *form, *risk;
			float s;

			if (c->v[i].picked)
				continue;
			s = c->v[i].score;
			if (variety) {
				discipline = candidate_tag(&c->v[i], "discipline.");
				form = candidate_tag(&c->v[i], "form.");
				risk = c->v[i].risk;
				for (size_t j = 0; j < count; j++) {
					const struct feed_candidate *q = &c->v[order[j]];

					if (risk && q->risk && strcmp(risk, q->risk) == 0)
						s -= PENALTY_SAME_RISK;
					if (discipline && candidate_tag(q, "discipline.") &&
					    strcmp(discipline, candidate_tag(q, "discipline.")) == 0)
						s -= PENALTY_SAME_DISCIPLINE;
					if (form && candidate_tag(q, "form.") && strcmp(form, candidate_tag(q, "form.")) == 0)
						s -= PENALTY_SAME_FORM;
				}
			}
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
	}
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
	if (sqlite3_prepare_v2(db, "SELECT label FROM tags WHERE code = ?1", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			snprintf(out, size, "%s", sqlite3_column_text(stmt, 0));
		sqlite3_finalize(stmt);
	}
	return out;
}

static void
reason_add(json_t *reasons, const char *code, const char *text)
{
	json_array_append_new(reasons, json_pack("{s:s,s:s}", "code", code, "text", text));
}

/* The title of the completed item sharing most tags with 'c' (at least two), if any. */
static int
similar_completed(sqlite3 *db, int64_t user_id, const struct feed_candidate *c, char *title, size_t size)
{
	sqlite3_stmt *stmt;
	int found = 0;

	if (sqlite3_prepare_v2(db,
	    "SELECT i.title, count(*) AS shared FROM events e"
	    " JOIN items i ON i.id = e.item_id"
	    " JOIN item_tags t ON t.item_id = e.item_id"
	    " JOIN item_tags u ON u.tag_code = t.tag_code AND u.item_id = ?2"
	    " WHERE e.user_id = ?1 AND e.kind = 'complete' AND t.tag_code NOT LIKE 'category.%'"
	    " GROUP BY e.item_id HAVING shared >= 2 ORDER BY shared DESC, max(e.created_at) DESC LIMIT 1",
	    -1, &stmt, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, c->id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(title, size, "%s", sqlite3_column_text(stmt, 0));
		found = 1;
	}
	sqlite3_finalize(stmt);
	return found;
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
feed_reasons(sqlite3 *db, int64_t user_id, const struct feed_profile *p,
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
	if (model_scored && c->base > 0.5f && similar_completed(db, user_id, c, title, sizeof(title))) {
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

	if (sqlite3_prepare_v2(db, "SELECT q.stem, i.title FROM questions q JOIN items i ON i.id = q.item_id"
	    " WHERE q.id = ?1 AND q.status = 'published' AND i.status = 'published'", -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(stmt, 1, r->question_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(title, sizeof(title), "复习：%s", sqlite3_column_text(stmt, 0));
		entry = json_pack("{s:I,s:s,s:s,s:s,s:i,s:f,s:I}", "id", (json_int_t)r->item_id,
		    "kind", "review", "title", title, "summary", sqlite3_column_text(stmt, 1),
		    "minutes", 1, "score", r->recall, "question_id", (json_int_t)r->question_id);
	}
	sqlite3_finalize(stmt);
	if (entry == NULL)
		return NULL;
	tags = json_array();
	if (sqlite3_prepare_v2(db, "SELECT tag_code FROM question_tags WHERE question_id = ?1 ORDER BY tag_code",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, r->question_id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *code = (const char *)sqlite3_column_text(stmt, 0);

			json_array_append_new(tags, json_pack("{s:s,s:s}", "code", code,
			    "label", tag_label(db, code, label, sizeof(label))));
		}
		sqlite3_finalize(stmt);
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
	size_t *order = NULL, count;
	json_t *items, *reviews;

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
	/* Reviews are part of the personalised experience; a feed of one or two has no room. */
	reviews = feed_reviews(db, req->user->id, personalised && limit >= 3 ? REVIEW_SLOTS : 0);
	if ((order = calloc(limit, sizeof(*order))) == NULL) {
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
		    "reasons", feed_reasons(db, req->user->id, &p, f, personalised, model_scored)));
	}
	for (size_t i = 0; i < json_array_size(reviews); i++)
		json_array_insert(items, review_positions[i] < json_array_size(items) ?
		    review_positions[i] : json_array_size(items), json_array_get(reviews, i));
	json_decref(reviews);
	free(order);
	candidates_free(&c);
	profile_free(&p);
	*items_out = items;
	return 0;
}
