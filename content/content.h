/*
 * content.h — the content library: items (case studies and micro-lessons)
 * with their version history, quiz questions, the tag taxonomy, search,
 * safe Markdown rendering, and JSON Lines import and export.
 *
 * Every function takes the database handle and Jansson values; none of them
 * knows about HTTP. A function that can fail returns an 'enum content_rc'
 * and fills the optional 'struct qf_error' with "field: reason" (the reason
 * in Chinese, for the editor), so that callers can both show the text and
 * name the field. Functions that write are all-or-nothing on their own (one
 * statement, or several inside a SAVEPOINT) and compose inside a caller's
 * transaction (the FastCGI app wraps them in db_write_begin/commit with the
 * audit record; the CLI in BEGIN IMMEDIATE).
 *
 * Limits and rules (the editor API documents the same):
 *   items      kind case|lesson; title 1-100 characters, one line; summary
 *              at most 500 characters, one line; body_md at most 64 KiB of
 *              Markdown; minutes 1-600; difficulty 1-5 (default 3); at most
 *              32 tags, each an existing code, no repeats. Publishing needs
 *              a non-empty body and at least one tag.
 *   questions  type single|multiple|truefalse; stem 1-500 characters;
 *              2-8 choices of 1-200 characters each, distinct (truefalse:
 *              exactly 2); answer holds distinct choice indices: exactly one
 *              for single and truefalse, at least two for multiple (a
 *              multiple-choice question with one right answer is a single
 *              one in disguise, as in Chinese exam practice, 多选题至少两个
 *              正确选项); explanation at most 2000 characters.
 *   tags       code "kind.name" (name: a-z, 0-9, _), kind one of discipline,
 *              risk, industry, category, region, form; label 1-32 characters.
 */
#ifndef QF_CONTENT_H
#define QF_CONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "lib/core.h"

/* What went wrong; the FastCGI app maps each to one HTTP status and code. */
enum content_rc {
	CONTENT_OK = 0,
	CONTENT_UNKNOWN_FIELD = -1,  /* a field the object does not have (400 unknown_field) */
	CONTENT_MISSING_FIELD = -2,  /* a required field left out (400 missing_field) */
	CONTENT_MALFORMED = -3,      /* a field of the wrong JSON type (400 bad_field) */
	CONTENT_INVALID = -4,        /* well-formed but refused value: range, unknown tag (422) */
	CONTENT_NOT_FOUND = -5,      /* no such item, question, tag or version (404) */
	CONTENT_IN_USE = -6,         /* a tag still used by content or people (409) */
	CONTENT_EXISTS = -7,         /* a tag code already taken (409) */
	CONTENT_STALE = -8,          /* the edit was based on an older version (409) */
	CONTENT_TRANSITION = -9,     /* publish a published item, retire a retired one (409) */
	CONTENT_INTERNAL = -10,      /* database error or out of memory (503) */
};

#define CONTENT_MAX_TAGS 32
#define CONTENT_MAX_CHOICES 8
#define CONTENT_TITLE_MAX_CHARS 100
#define CONTENT_SUMMARY_MAX_CHARS 500
#define CONTENT_BODY_MAX_BYTES 65536
#define CONTENT_MINUTES_MAX 600
#define CONTENT_STEM_MAX_CHARS 500
#define CONTENT_CHOICE_MAX_CHARS 200
#define CONTENT_EXPLANATION_MAX_CHARS 2000
#define CONTENT_TAG_LABEL_MAX_CHARS 32
#define CONTENT_IMPORT_MAX_LINES 20000
#define CONTENT_SEARCH_MAX_LIMIT 100

/*
 * Copies the field name of an error ("minutes" of "minutes: 学时须为…")
 * into 'field' (empty when the text names none); returns the reason part.
 */
const char *content_error_split(const struct qf_error *err, char *field, size_t size);

/* ------------------------------------------------------------------ items */

/*
 * Creates a draft item from 'fields' ({kind,title,summary,body_md,minutes,
 * difficulty,tags}); unknown fields are refused. 'actor_id' (0: none, the
 * CLI) is recorded as author of version 1. On CONTENT_OK '*id' is the new id.
 */
enum content_rc content_item_create(sqlite3 *db, json_t *fields, int64_t actor_id,
    int64_t *id, struct qf_error *err);

/*
 * Edits item 'id' with 'patch': any of the create fields (omitted ones keep
 * their value; kind cannot change) plus "version", the version the edit was
 * based on (CONTENT_STALE when the item has moved on). A real change bumps
 * the version and stores the new one in the history; an edit that changes
 * nothing makes no version and sets '*changed' to 0. '*version' is the
 * item's version afterwards.
 */
enum content_rc content_item_update(sqlite3 *db, int64_t id, json_t *patch, int64_t actor_id,
    int64_t *version, int *changed, struct qf_error *err);

/*
 * Moves item 'id' to 'status' ("published" or "retired"): publish from
 * draft or retired (sets published_at), retire from draft or published.
 * '*version' receives the item's version (may be NULL).
 */
enum content_rc content_item_set_status(sqlite3 *db, int64_t id, const char *status,
    int64_t *version, struct qf_error *err);

/* How much of an item a reader sees. */
enum content_view {
	CONTENT_VIEW_EDITOR,   /* any status; body_md and body_html; all questions with answers */
	CONTENT_VIEW_LEARNER,  /* published only; body_html; published questions without answers */
	CONTENT_VIEW_PREVIEW,  /* the learner's view of an item in any status, for its editors */
};

/* Fills '*out' (owned by the caller) with item 'id' as 'view' shows it. */
enum content_rc content_item_get(sqlite3 *db, int64_t id, enum content_view view,
    json_t **out, struct qf_error *err);

/* {"item_id","current","versions":[{version,title,edited_by,edited_by_name,edited_at}]}, newest first. */
enum content_rc content_item_versions(sqlite3 *db, int64_t id, json_t **out, struct qf_error *err);

/* One stored version in full, with body_html; CONTENT_NOT_FOUND for an unknown one. */
enum content_rc content_item_version(sqlite3 *db, int64_t id, int64_t version, json_t **out,
    struct qf_error *err);

/* -------------------------------------------------------------- questions */

/*
 * Creates a question from 'fields' ({item_id?,type,stem,choices,answer,
 * explanation,tags}); '*id' is the new id.
 */
enum content_rc content_question_create(sqlite3 *db, json_t *fields, int64_t *id,
    struct qf_error *err);

/* Edits question 'id' with 'patch' (omitted fields keep their value; item_id null detaches it). */
enum content_rc content_question_update(sqlite3 *db, int64_t id, json_t *patch,
    struct qf_error *err);

/* Retires question 'id': learners no longer see it; answers given stay. */
enum content_rc content_question_retire(sqlite3 *db, int64_t id, struct qf_error *err);

/* The question with its answer, for editors. */
enum content_rc content_question_get(sqlite3 *db, int64_t id, json_t **out, struct qf_error *err);

/* {"questions":[...],"total"}: those of 'item_id' (0: the standalone ones), with answers. */
enum content_rc content_question_list(sqlite3 *db, int64_t item_id, int64_t limit,
    int64_t offset, json_t **out, struct qf_error *err);

/* ------------------------------------------------------------------- tags */

/*
 * {"tags":[{code,kind,label}]} ordered by kind (discipline first) and code;
 * 'kind' (may be NULL) keeps one kind; 'with_usage' adds "items" and
 * "questions" counts.
 */
enum content_rc content_tag_list(sqlite3 *db, const char *kind, int with_usage, json_t **out,
    struct qf_error *err);

/* Creates a tag from {code,kind,label}; CONTENT_EXISTS when the code is taken. */
enum content_rc content_tag_create(sqlite3 *db, json_t *fields, struct qf_error *err);

/* Deletes tag 'code'; CONTENT_IN_USE (with the counts in 'err') while anything uses it. */
enum content_rc content_tag_delete(sqlite3 *db, const char *code, struct qf_error *err);

/* ----------------------------------------------------------------- search */

/*
 * A search of the library. Every member may be NULL/0: no restriction.
 * 'text' is split at white space; every word must occur in the title,
 * summary or body (words of 3+ characters through the FTS5 trigram index,
 * shorter ones — "受贿" — by substring scan). 'tags' is a comma-separated
 * list of codes an item must all carry.
 */
struct content_search {
	const char *text;
	const char *tags;
	const char *status;    /* draft, published or retired */
	const char *kind;      /* case or lesson */
	int64_t limit;         /* 1..CONTENT_SEARCH_MAX_LIMIT; 0 means 20 */
	int64_t offset;
};

/*
 * {"items":[{id,kind,status,title,summary,minutes,difficulty,version,tags,
 * published_at,updated_at,question_count}],"total","limit","offset"}:
 * best matches first when there is text, else the most recently updated.
 */
enum content_rc content_search_run(sqlite3 *db, const struct content_search *search,
    json_t **out, struct qf_error *err);

/* --------------------------------------------------------------- markdown */

/*
 * Renders Markdown as HTML with cmark in safe mode: raw HTML is replaced by
 * a comment and links or images to javascript:, vbscript:, file: and
 * non-image data: URLs lose their target. Returns a string the caller frees
 * with free(), or NULL when out of memory.
 */
char *content_markdown_html(const char *markdown, size_t len);

/* ----------------------------------------------------------------- import */

#define CONTENT_IMPORT_PARTIAL 1u

struct content_import_result {
	size_t lines;         /* non-blank lines read */
	size_t items;         /* items written */
	size_t questions;     /* questions written (attached and standalone) */
	json_t *errors;       /* [{"line","field","message"}], owned; freed by _result_free */
	json_t *ids;          /* ids of the items written, owned */
};

/*
 * Imports JSON Lines 'text': each line an item in the shape of
 * content_item_create plus optional "status" (draft, published, retired)
 * and "questions" (question objects without item_id), or a standalone
 * question (a line with "type" and no "kind"). Every line is checked before
 * anything is written. With a bad line, nothing is written and CONTENT_INVALID
 * is returned, unless 'flags' has CONTENT_IMPORT_PARTIAL: then the good lines
 * are written and CONTENT_OK returned. Either way 'result' lists each bad
 * line once with its first error. Blank lines are skipped but counted.
 */
enum content_rc content_import(sqlite3 *db, const char *text, size_t len, unsigned flags,
    int64_t actor_id, struct content_import_result *result, struct qf_error *err);
void content_import_result_free(struct content_import_result *result);

/* ----------------------------------------------------------------- export */

struct content_export_filter {
	const char *status;   /* NULL: every status */
	const char *kind;     /* NULL: cases and lessons */
};

/*
 * Writes the library to 'out' as JSON Lines that content_import reads back
 * to the same content: items in id order with their tags (sorted) and
 * questions, then the standalone questions (only without a kind filter).
 * '*lines' (may be NULL) receives the number of lines written.
 */
enum content_rc content_export(sqlite3 *db, const struct content_export_filter *filter,
    FILE *out, size_t *lines, struct qf_error *err);

/* ------------------------------------------------------------------ stats */

/*
 * Counts of the library: {"items","cases","lessons","published","questions",
 * "untagged_items","tags":[{code,kind,label,items,questions}]}.
 */
enum content_rc content_stats(sqlite3 *db, json_t **out, struct qf_error *err);

#endif /* QF_CONTENT_H */
