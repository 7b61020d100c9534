/*
 * search.c — finding items by words in Chinese titles, summaries and bodies,
 * filtered by tags, status and kind, a page at a time.
 *
 * Words of three or more characters go through the FTS5 trigram index
 * (items_fts, kept in sync with items by triggers; migration 3). The trigram
 * index cannot match shorter words, and Chinese words are often two
 * characters ("受贿", "廉洁"): those are matched with instr() over the same
 * three columns. Both kinds of word may be mixed; every word must match.
 * The words travel as bound parameters: the FTS query as a string of quoted
 * phrases, the short words as a JSON array read with json_each().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content/extern.h"

#define SEARCH_MAX_WORDS 8
#define SEARCH_MAX_FILTER_TAGS 8
#define SEARCH_DEFAULT_LIMIT 20

/* The filters shared by every variant; ?2 status, ?3 kind, ?4 tags, ?5 short words. */
#define SEARCH_FILTERS \
	" AND (?2 IS NULL OR i.status = ?2)" \
	" AND (?3 IS NULL OR i.kind = ?3)" \
	" AND (?4 IS NULL OR (SELECT count(*) FROM item_tags it WHERE it.item_id = i.id" \
	"      AND it.tag_code IN (SELECT value FROM json_each(?4))) = json_array_length(?4))" \
	" AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?5) w" \
	"      WHERE instr(lower(i.title) || char(10) || lower(i.summary) || char(10)" \
	"      || lower(i.body_md), lower(w.value)) = 0))"

#define SEARCH_COLUMNS \
	"SELECT i.id, i.kind, i.status, i.title, i.summary, i.minutes, i.difficulty, i.version," \
	" i.published_at, i.updated_at," \
	" (SELECT json_group_array(tag_code) FROM (SELECT tag_code FROM item_tags" \
	"   WHERE item_id = i.id ORDER BY tag_code))," \
	" (SELECT count(*) FROM questions q WHERE q.item_id = i.id AND q.status != 'retired')"

/* Title hits weigh most, then the summary, then the body. */
static const char search_fts_sql[] =
	SEARCH_COLUMNS
	" FROM items_fts JOIN items i ON i.id = items_fts.rowid"
	" WHERE items_fts MATCH ?1" SEARCH_FILTERS
	" ORDER BY bm25(items_fts, 10.0, 4.0, 1.0), i.id LIMIT ?6 OFFSET ?7";
static const char search_fts_count_sql[] =
	"SELECT count(*) FROM items_fts JOIN items i ON i.id = items_fts.rowid"
	" WHERE items_fts MATCH ?1" SEARCH_FILTERS;
static const char search_plain_sql[] =
	SEARCH_COLUMNS
	" FROM items i WHERE ?1 IS NULL" SEARCH_FILTERS
	" ORDER BY i.updated_at DESC, i.id DESC LIMIT ?6 OFFSET ?7";
static const char search_plain_count_sql[] =
	"SELECT count(*) FROM items i WHERE ?1 IS NULL" SEARCH_FILTERS;

/* The query split into words for the two matchers. */
struct search_words {
	json_t *fts_words;     /* words of 3+ characters */
	json_t *short_words;   /* words of 1-2 characters */
	char *fts_query;       /* "\"word\" \"word\"": every phrase must occur */
};

static void
search_words_free(struct search_words *w)
{
	json_decref(w->fts_words);
	json_decref(w->short_words);
	free(w->fts_query);
}

/* Length of the white space (ASCII or U+3000) at 's'. */
static size_t
space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		return 1;
	if (strncmp(s, "\xe3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* Splits 'text' at white space into 'w'. */
static enum content_rc
search_split(const char *text, struct search_words *w, struct qf_error *err)
{
	size_t count = 0, query_len = 0;

	memset(w, 0, sizeof(*w));
	if ((w->fts_words = json_array()) == NULL || (w->short_words = json_array()) == NULL)
		goto oom;
	if (!utf8_is_clean(text, strlen(text), 0)) {
		qf_error_set(err, "q: 搜索词含有不允许的字符");
		return CONTENT_INVALID;
	}
	while (*text != '\0') {
		const char *start;
		char *word;
		size_t n;

		while ((n = space_at(text)) > 0)
			text += n;
		if (*text == '\0')
			break;
		start = text;
		while (*text != '\0' && space_at(text) == 0)
			text++;
		if (++count > SEARCH_MAX_WORDS) {
			qf_error_set(err, "q: 搜索词最多 %d 个", SEARCH_MAX_WORDS);
			return CONTENT_INVALID;
		}
		if ((word = strndup(start, (size_t)(text - start))) == NULL)
			goto oom;
		if (utf8_length(word) >= 3) {
			query_len += 2 * strlen(word) + 3;
			json_array_append_new(w->fts_words, json_string(word));
		} else
			json_array_append_new(w->short_words, json_string(word));
		free(word);
	}
	if (json_array_size(w->fts_words) > 0) {
		size_t i, o = 0;
		json_t *word;

		/* Each word a quoted phrase, quotes doubled: no FTS5 syntax gets through. */
		if ((w->fts_query = malloc(query_len + 1)) == NULL)
			goto oom;
		json_array_foreach(w->fts_words, i, word) {
			if (i > 0)
				w->fts_query[o++] = ' ';
			w->fts_query[o++] = '"';
			for (const char *p = json_string_value(word); *p != '\0'; p++) {
				if (*p == '"')
					w->fts_query[o++] = '"';
				w->fts_query[o++] = *p;
			}
			w->fts_query[o++] = '"';
		}
		w->fts_query[o] = '\0';
	}
	return CONTENT_OK;
oom:
	qf_error_set(err, "memory: 内存不足");
	return CONTENT_INTERNAL;
}

/*
 * Turns the comma-separated 'tags' into a JSON array text of distinct
 * existing codes in '*out' (caller frees); CONTENT_INVALID for an unknown one.
 */
static enum content_rc
search_tags(sqlite3 *db, const char *tags, char **out, struct qf_error *err)
{
	json_t *codes = json_array();
	enum content_rc rc = CONTENT_OK;
	sqlite3_stmt *stmt = NULL;

	*out = NULL;
	if (codes == NULL || sql_prepare(db, "SELECT 1 FROM tags WHERE code = ?1", &stmt, err) !=
	    CONTENT_OK) {
		json_decref(codes);
		return CONTENT_INTERNAL;
	}
	for (const char *p = tags; *p != '\0'; ) {
		size_t len = strcspn(p, ",");
		char *code = strndup(p, len), quoted[48];
		int duplicate = 0, step;
		json_t *seen;
		size_t i;

		p += len + (p[len] == ',');
		if (code == NULL) {
			rc = CONTENT_INTERNAL;
			break;
		}
		if (len == 0) {
			free(code);
			continue;
		}
		json_array_foreach(codes, i, seen)
			duplicate |= strcmp(json_string_value(seen), code) == 0;
		sqlite3_bind_text(stmt, 1, code, -1, SQLITE_TRANSIENT);
		step = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (step != SQLITE_ROW) {
			if (step == SQLITE_DONE) {
				qf_error_set(err, "tag: 标签 %s 不存在", text_excerpt(code, quoted));
				rc = CONTENT_INVALID;
			} else
				rc = sql_error(db, err);
			free(code);
			break;
		}
		if (!duplicate && json_array_size(codes) == SEARCH_MAX_FILTER_TAGS) {
			qf_error_set(err, "tag: 最多按 %d 个标签筛选", SEARCH_MAX_FILTER_TAGS);
			rc = CONTENT_INVALID;
			free(code);
			break;
		}
		if (!duplicate)
			json_array_append_new(codes, json_string(code));
		free(code);
	}
	sqlite3_finalize(stmt);
	if (rc == CONTENT_OK && json_array_size(codes) > 0 &&
	    (*out = json_dumps(codes, JSON_COMPACT)) == NULL)
		rc = CONTENT_INTERNAL;
	if (rc == CONTENT_INTERNAL)
		qf_error_set(err, "memory: 内存不足");
	json_decref(codes);
	return rc;
}

/* Binds the parameters every variant shares. */
static void
search_bind(sqlite3_stmt *stmt, const struct content_search *s, const struct search_words *w,
    const char *tags_json, const char *short_json)
{
	sql_bind_text_or_null(stmt, 1, w->fts_query);
	sql_bind_text_or_null(stmt, 2, s->status);
	sql_bind_text_or_null(stmt, 3, s->kind);
	sql_bind_text_or_null(stmt, 4, tags_json);
	sql_bind_text_or_null(stmt, 5, short_json);
}

enum content_rc
content_search_run(sqlite3 *db, const struct content_search *s, json_t **out,
    struct qf_error *err)
{
	struct search_words words;
	char *tags_json = NULL, *short_json = NULL;
	sqlite3_stmt *stmt = NULL;
	json_t *items = NULL;
	int64_t limit = s->limit > 0 ? s->limit : SEARCH_DEFAULT_LIMIT, total = 0;
	enum content_rc rc;
	int step, use_fts;

	*out = NULL;
	memset(&words, 0, sizeof(words));
	if (limit > CONTENT_SEARCH_MAX_LIMIT || s->offset < 0) {
		qf_error_set(err, "limit: 每页须为 1 到 %d 条，offset 不能为负", CONTENT_SEARCH_MAX_LIMIT);
		return CONTENT_INVALID;
	}
	if (s->status != NULL && strcmp(s->status, "draft") != 0 &&
	    strcmp(s->status, "published") != 0 && strcmp(s->status, "retired") != 0) {
		qf_error_set(err, "status: 状态须为 draft、published 或 retired");
		return CONTENT_INVALID;
	}
	if (s->kind != NULL && strcmp(s->kind, "case") != 0 && strcmp(s->kind, "lesson") != 0) {
		qf_error_set(err, "kind: 类型须为 case 或 lesson");
		return CONTENT_INVALID;
	}
	if ((rc = search_split(s->text != NULL ? s->text : "", &words, err)) != CONTENT_OK)
		goto out;
	if (s->tags != NULL && (rc = search_tags(db, s->tags, &tags_json, err)) != CONTENT_OK)
		goto out;
	if (json_array_size(words.short_words) > 0 &&
	    (short_json = json_dumps(words.short_words, JSON_COMPACT)) == NULL) {
		qf_error_set(err, "memory: 内存不足");
		rc = CONTENT_INTERNAL;
		goto out;
	}
	use_fts = words.fts_query != NULL;

	if ((rc = sql_prepare(db, use_fts ? search_fts_count_sql : search_plain_count_sql, &stmt,
	    err)) != CONTENT_OK)
		goto out;
	search_bind(stmt, s, &words, tags_json, short_json);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = sql_error(db, err);
		goto out;
	}
	total = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);

	if ((rc = sql_prepare(db, use_fts ? search_fts_sql : search_plain_sql, &stmt, err)) !=
	    CONTENT_OK)
		goto out;
	search_bind(stmt, s, &words, tags_json, short_json);
	sqlite3_bind_int64(stmt, 6, limit);
	sqlite3_bind_int64(stmt, 7, s->offset);
	if ((items = json_array()) == NULL)
		goto oom;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *tags = sql_column_json(stmt, 10);
		json_t *row = json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o,s:I}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "kind", sql_column_string(stmt, 1), "status", sql_column_string(stmt, 2),
		    "title", sql_column_string(stmt, 3), "summary", sql_column_string(stmt, 4),
		    "minutes", (json_int_t)sqlite3_column_int64(stmt, 5),
		    "difficulty", (json_int_t)sqlite3_column_int64(stmt, 6),
		    "version", (json_int_t)sqlite3_column_int64(stmt, 7),
		    "published_at", sql_column_time(stmt, 8), "updated_at", sql_column_time(stmt, 9),
		    "tags", tags != NULL ? tags : json_array(),
		    "question_count", (json_int_t)sqlite3_column_int64(stmt, 11));

		if (json_array_append_new(items, row) < 0)
			goto oom;
	}
	if (step != SQLITE_DONE) {
		rc = sql_error(db, err);
		goto out;
	}
	*out = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
	    "limit", (json_int_t)limit, "offset", (json_int_t)s->offset);
	items = NULL;
	if (*out == NULL)
		goto oom;
	rc = CONTENT_OK;
	goto out;
oom:
	qf_error_set(err, "memory: 内存不足");
	rc = CONTENT_INTERNAL;
out:
	sqlite3_finalize(stmt);
	json_decref(items);
	free(tags_json);
	free(short_json);
	search_words_free(&words);
	return rc;
}
