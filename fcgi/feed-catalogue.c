/*
 * feed-catalogue.c — the published library as the feed reads it: each item
 * with its tags as numbers, their labels and their JSON ready to share, and
 * its vector in the serving model. A worker builds it once and keeps it
 * while catalogue_version stands still, so a feed costs no query for the
 * library, no string comparison of tags and no search of the model's ids.
 *
 * Workers are single-threaded processes: the catalogue is per process.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "feed-catalogue.h"

static struct {
	struct catalogue c;
	sqlite3 *db;
	int64_t version;
	/* What the item vectors were taken from. */
	const struct model *model;
	uint64_t model_checksum;
	const float *model_factors;
	float *priors;              /* k floats per item the model has not seen */
} state;

int
catalogue_tag_find(const struct catalogue *c, const char *code)
{
	size_t lo = 0, hi = c->tag_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->tags[mid].code, code);

		if (cmp < 0)
			lo = mid + 1;
		else if (cmp > 0)
			hi = mid;
		else
			return (int)mid;
	}
	return -1;
}

size_t
catalogue_item_find(const struct catalogue *c, int64_t id)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->items[mid].id < id)
			lo = mid + 1;
		else if (c->items[mid].id > id)
			hi = mid;
		else
			return mid;
	}
	return (size_t)-1;
}

int
catalogue_tags_have(const int *tags, size_t count, int tag)
{
	for (size_t i = 0; i < count && tags[i] <= tag; i++)
		if (tags[i] == tag)
			return 1;
	return 0;
}

static void
catalogue_clear(void)
{
	struct catalogue *c = &state.c;

	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].title);
		free(c->items[i].summary);
		free(c->items[i].tags);
		json_decref(c->items[i].json);
	}
	for (size_t i = 0; i < c->tag_count; i++) {
		free(c->tags[i].code);
		free(c->tags[i].label);
	}
	free(c->items);
	free(c->tags);
	free(state.priors);
	memset(&state, 0, sizeof(state));
}

static int
load_tags(sqlite3 *db, struct catalogue *c)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc;

	if ((stmt = stmt_get(db, "SELECT code, label FROM tags ORDER BY code")) == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct catalogue_tag *t;

		if (c->tag_count == cap) {
			size_t next = cap ? cap * 2 : 64;
			struct catalogue_tag *grown = realloc(c->tags, next * sizeof(*grown));

			if (grown == NULL)
				break;
			c->tags = grown;
			cap = next;
		}
		t = &c->tags[c->tag_count];
		t->code = strdup((const char *)sqlite3_column_text(stmt, 0));
		t->label = strdup((const char *)sqlite3_column_text(stmt, 1));
		if (t->code == NULL || t->label == NULL) {
			free(t->code);
			free(t->label);
			break;
		}
		t->targets_category = strncmp(t->code, "category.", 9) == 0;
		c->tag_count++;
	}
	stmt_release(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
item_add_tag(struct catalogue_item *item, int tag)
{
	int *grown = realloc(item->tags, (item->tag_count + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	item->tags = grown;
	item->tags[item->tag_count++] = tag;
	return 0;
}

/* What the feed derives from an item once, rather than per request. */
static int
item_finish(const struct catalogue *c, struct catalogue_item *item)
{
	json_t *tags;

	item->discipline = item->form = -1;
	if ((tags = json_array()) == NULL)
		return -1;
	for (size_t i = 0; i < item->tag_count; i++) {
		const struct catalogue_tag *t = &c->tags[item->tags[i]];

		if (item->discipline < 0 && strncmp(t->code, "discipline.", 11) == 0)
			item->discipline = item->tags[i];
		if (item->form < 0 && strncmp(t->code, "form.", 5) == 0)
			item->form = item->tags[i];
		if (t->targets_category)
			item->targets_categories = 1;
		if (json_array_append_new(tags, json_pack("{s:s,s:s}", "code", t->code, "label", t->label)) < 0) {
			json_decref(tags);
			return -1;
		}
	}
	item->json = json_pack("{s:I,s:s,s:s,s:s,s:i,s:o}", "id", (json_int_t)item->id, "kind", item->kind,
	    "title", item->title, "summary", item->summary, "minutes", item->minutes, "tags", tags);
	return item->json != NULL ? 0 : -1;
}

static int
load_items(sqlite3 *db, struct catalogue *c)
{
	sqlite3_stmt *stmt;
	struct catalogue_item *item = NULL;
	size_t cap = 0;
	int rc;

	if ((stmt = stmt_get(db,
	    "SELECT i.id, i.kind, i.title, i.summary, i.minutes, coalesce(i.published_at, i.created_at),"
	    "   t.tag_code"
	    " FROM items i LEFT JOIN item_tags t ON t.item_id = i.id"
	    " WHERE i.status = 'published'"
	    " ORDER BY i.id, t.tag_code")) == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);
		int tag;

		if (item == NULL || item->id != id) {
			if (c->n == cap) {
				size_t next = cap ? cap * 2 : 256;
				struct catalogue_item *grown = realloc(c->items, next * sizeof(*grown));

				if (grown == NULL)
					break;
				c->items = grown;
				cap = next;
			}
			item = &c->items[c->n++];
			memset(item, 0, sizeof(*item));
			item->id = id;
			snprintf(item->kind, sizeof(item->kind), "%s", sqlite3_column_text(stmt, 1));
			item->title = strdup((const char *)sqlite3_column_text(stmt, 2));
			item->summary = strdup((const char *)sqlite3_column_text(stmt, 3));
			item->minutes = sqlite3_column_int(stmt, 4);
			item->published_at = sqlite3_column_int64(stmt, 5);
			if (item->title == NULL || item->summary == NULL)
				break;
		}
		/* Codes come in code order, and so do their numbers. */
		if (sqlite3_column_type(stmt, 6) != SQLITE_NULL &&
		    (tag = catalogue_tag_find(c, (const char *)sqlite3_column_text(stmt, 6))) >= 0 &&
		    item_add_tag(item, tag) < 0)
			break;
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (item_finish(c, &c->items[i]) < 0)
			return -1;
	return 0;
}

/* Each item's vector in model 'm': its trained row, or the prior of its tags. */
static int
take_vectors(const struct model *m)
{
	struct catalogue *c = &state.c;
	const char **codes = NULL;

	free(state.priors);
	state.priors = NULL;
	state.model = m;
	state.model_checksum = m ? m->checksum : 0;
	state.model_factors = m ? m->item_factors : NULL;
	for (size_t i = 0; i < c->n; i++) {
		c->items[i].model_row = -1;
		c->items[i].vector = NULL;
	}
	if (m == NULL || c->n == 0)
		return 0;
	if ((state.priors = malloc(c->n * m->k * sizeof(float))) == NULL)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		struct catalogue_item *item = &c->items[i];
		int64_t index = model_item_index(m, item->id);
		float *prior = state.priors + i * m->k;

		item->model_row = index;
		if (index >= 0) {
			item->vector = m->item_factors + (size_t)index * m->k;
			continue;
		}
		if (item->tag_count > 0) {
			const char **grown = realloc(codes, item->tag_count * sizeof(*codes));

			if (grown == NULL) {
				free(codes);
				return -1;
			}
			codes = grown;
		}
		for (size_t t = 0; t < item->tag_count; t++)
			codes[t] = c->tags[item->tags[t]].code;
		if (model_item_prior(m, (const char *const *)codes, item->tag_count, prior) >= 0)
			item->vector = prior;
	}
	free(codes);
	return 0;
}

const struct catalogue *
catalogue_current(sqlite3 *db, const struct model *m)
{
	sqlite3_stmt *stmt;
	int64_t version = -1;

	if ((stmt = stmt_get(db, "SELECT version FROM catalogue_version")) == NULL)
		return NULL;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int64(stmt, 0);
	stmt_release(stmt);
	if (version < 0)
		return NULL;
	if (state.db != db || state.version != version) {
		catalogue_clear();
		if (load_tags(db, &state.c) < 0 || load_items(db, &state.c) < 0 || take_vectors(m) < 0) {
			catalogue_clear();
			return NULL;
		}
		state.db = db;
		state.version = version;
	} else if (state.model != m || state.model_checksum != (m ? m->checksum : 0) ||
	    state.model_factors != (m ? m->item_factors : NULL)) {
		/* Another model, or the same one mapped anew: the rows moved. */
		if (take_vectors(m) < 0) {
			catalogue_clear();
			return NULL;
		}
	}
	return &state.c;
}
