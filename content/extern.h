/*
 * extern.h — declarations shared by the files of the content library only:
 * the validated forms of an item and a question, the field checks that make
 * them (validate.c), the inserts that store them (item.c, question.c), and
 * small SQL helpers (sql.c). Outside users include content.h.
 */
#ifndef QF_CONTENT_EXTERN_H
#define QF_CONTENT_EXTERN_H

#include "content/content.h"

/* What a check accepts beyond the API shape. */
enum check_flags {
	CHECK_IMPORT = 1u << 0,   /* items may carry "status" and "questions"; questions "status" */
	CHECK_NESTED = 1u << 1,   /* a question inside an item line: no "item_id" */
};

/*
 * An item that passed content_item_check. The strings and 'questions' are
 * borrowed from the checked JSON object, which must outlive this struct.
 * 'tags' are sorted, so that two equal sets compare equal.
 */
struct item_fields {
	const char *kind;
	const char *title;
	const char *summary;
	const char *body_md;
	const char *status;        /* NULL: draft (only import sets another) */
	int64_t minutes;
	int64_t difficulty;
	const char *tags[CONTENT_MAX_TAGS];
	size_t tag_count;
	json_t *questions;         /* import only; NULL when absent */
};

/* A question that passed content_question_check; strings borrowed likewise. */
struct question_fields {
	int64_t item_id;           /* 0: standalone */
	const char *type;
	const char *stem;
	const char *explanation;
	const char *status;        /* NULL: published */
	const char *choices[CONTENT_MAX_CHOICES];
	size_t choice_count;
	int64_t answer[CONTENT_MAX_CHOICES];   /* sorted ascending */
	size_t answer_count;
	const char *tags[CONTENT_MAX_TAGS];
	size_t tag_count;
};

/* ------------------------------------------------------------ validate.c */

/*
 * Checks 'obj' as an item ('flags' from enum check_flags) and fills 'out'.
 * Error fields carry 'prefix' (may be NULL), e.g. "questions[2].".
 * Looks tags up in 'db'. Returns CONTENT_OK; _UNKNOWN_FIELD, _MISSING_FIELD or
 * _MALFORMED for the shape; _INVALID for a value; _INTERNAL for the database.
 */
enum content_rc item_check(sqlite3 *db, json_t *obj, unsigned flags, struct item_fields *out,
    struct qf_error *err);

/* Checks 'obj' as a question the same way; item_id must name an existing item. */
enum content_rc question_check(sqlite3 *db, json_t *obj, unsigned flags, const char *prefix,
    struct question_fields *out, struct qf_error *err);

/* Checks that a published item has a body and a tag; CONTENT_INVALID naming the field if not. */
enum content_rc item_check_publishable(const char *body_md, size_t tag_count, struct qf_error *err);

/*
 * Copies at most about 40 bytes of untrusted 's' into 'out', cut at a
 * character boundary, so that an error message quoting it stays short and
 * valid UTF-8. Returns 'out'.
 */
const char *text_excerpt(const char *s, char out[static 48]);

/* Number of code points in the valid UTF-8 string 's'. */
size_t utf8_length(const char *s);

/* ---------------------------------------------------------- item.c etc. */

/* Writes a checked item (and its import questions) as version 1; '*id' is its id. */
enum content_rc item_insert(sqlite3 *db, const struct item_fields *item, int64_t actor_id,
    int64_t *id, size_t *questions, struct qf_error *err);

/* Writes a checked question attached to 'item_id' (0: as the question says). */
enum content_rc question_insert(sqlite3 *db, const struct question_fields *question,
    int64_t item_id, int64_t *id, struct qf_error *err);

/* A question row as JSON: {id?,item_id?,type,status?,stem,choices,answer?,explanation?,tags?}. */
enum question_shape {
	QUESTION_SHAPE_EDITOR,     /* everything, with id and answer */
	QUESTION_SHAPE_LEARNER,    /* id, type, stem, choices */
	QUESTION_SHAPE_EXPORT,     /* the import shape: no ids; status only when not published */
};
/* Appends the questions of 'item_id' (0: standalone) to 'array'; 'status' filters (may be NULL). */
enum content_rc question_rows(sqlite3 *db, int64_t item_id, const char *status,
    enum question_shape shape, int64_t limit, int64_t offset, json_t *array,
    struct qf_error *err);

/* ---------------------------------------------------------------- sql.c */

/* Opens, releases or undoes the savepoint every write runs in. */
enum content_rc sql_savepoint(sqlite3 *db, struct qf_error *err);
void sql_release(sqlite3 *db);
void sql_rollback(sqlite3 *db);

/* Prepares 'sql'; CONTENT_INTERNAL with 'err' filled when it cannot. */
enum content_rc sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, struct qf_error *err);
/* Fills 'err' with the database's last error and returns CONTENT_INTERNAL. */
enum content_rc sql_error(sqlite3 *db, struct qf_error *err);
/* Binds 's' as text, or NULL when 's' is NULL. */
void sql_bind_text_or_null(sqlite3_stmt *stmt, int index, const char *s);
/* Column 'col' as a JSON string, or JSON null when NULL. */
json_t *sql_column_string(sqlite3_stmt *stmt, int col);
/* Column 'col' (Unix seconds) as an ISO 8601 JSON string, or null. */
json_t *sql_column_time(sqlite3_stmt *stmt, int col);
/* Column 'col' holding JSON text, parsed; NULL when it does not parse. */
json_t *sql_column_json(sqlite3_stmt *stmt, int col);
/* Whose tags sql_tag_codes reads. */
enum tag_owner { TAGS_OF_ITEM, TAGS_OF_QUESTION };
/* The sorted tag codes of item or question 'id' as a JSON array; NULL with 'err' on failure. */
json_t *sql_tag_codes(sqlite3 *db, enum tag_owner owner, int64_t id, struct qf_error *err);
/* Replaces the tags of item or question 'id' with the 'count' (checked) 'codes'. */
enum content_rc sql_tags_replace(sqlite3 *db, enum tag_owner owner, int64_t id,
    const char *const *codes, size_t count, struct qf_error *err);
/* 'codes' as JSON array text ("[\"a\",\"b\"]"), owned by the caller; NULL when out of memory. */
char *sql_codes_json(const char *const *codes, size_t count);

/* Orders tags discipline, risk, industry, category, region, form. */
#define SQL_TAG_KIND_RANK(column) \
	"CASE " column " WHEN 'discipline' THEN 0 WHEN 'risk' THEN 1 WHEN 'industry' THEN 2" \
	" WHEN 'category' THEN 3 WHEN 'region' THEN 4 ELSE 5 END"

#endif /* QF_CONTENT_EXTERN_H */
