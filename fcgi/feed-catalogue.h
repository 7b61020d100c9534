/*
 * feed-catalogue.h — the published library as the feed reads it, kept by
 * each worker across requests (feed-catalogue.c). Only feed.c uses it.
 */
#ifndef QF_FEED_CATALOGUE_H
#define QF_FEED_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

struct model;

/*
 * A tag of the library. Tags are numbered in code order, so an item's tag
 * numbers ascend as its codes do, and two tag lists intersect by a merge.
 */
struct catalogue_tag {
	char *code;
	char *label;
	int targets_category;       /* a category.* tag: whom an item is for, not what it is */
};

struct catalogue_item {
	int64_t id;
	char kind[8];
	char *title, *summary;
	int minutes;
	int64_t published_at;
	int *tags;                  /* tag numbers, ascending */
	size_t tag_count;
	int discipline, form;       /* the first such tag, or -1 */
	int targets_categories;     /* tagged for target categories (category.*) */
	/* {id, kind, title, summary, minutes, tags: [{code,label}]}: copy it (json_copy) to add to. */
	json_t *json;
	/*
	 * In the current model: the item's row (-1 when the model has not seen
	 * it), and its factor vector (that row, or its tags' prior), or NULL.
	 */
	int64_t model_row;
	const float *vector;
};

struct catalogue {
	struct catalogue_tag *tags;
	size_t tag_count;
	struct catalogue_item *items;   /* ids ascending */
	size_t n;
};

/*
 * The catalogue, current for 'db' and model 'm' (which may be NULL): read
 * again when catalogue_version moved (triggers bump it on every change to
 * items, item_tags and tags), item vectors again when the model changed.
 * NULL when the database cannot be read.
 */
const struct catalogue *catalogue_current(sqlite3 *db, const struct model *m);

/* The number of the tag 'code', or -1. */
int catalogue_tag_find(const struct catalogue *c, const char *code);

/* The index of item 'id' in c->items, or (size_t)-1. */
size_t catalogue_item_find(const struct catalogue *c, int64_t id);

/* Whether the ascending tag list 'tags' holds tag 'tag'. */
int catalogue_tags_have(const int *tags, size_t count, int tag);

#endif
