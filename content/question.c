/*
 * question.c — quiz questions (single choice, multiple choice, true/false),
 * attached to an item or standing alone, tagged like items. Choices and the
 * answer are stored as JSON arrays; the answer's indices are kept sorted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content/extern.h"

static const char *const question_fields_editable[] = {
	"item_id", "type", "stem", "choices", "answer", "explanation", "tags", NULL,
};

/* The choices and answer of 'q' as JSON array texts, owned by the caller. */
static int
question_arrays(const struct question_fields *q, char **choices, char **answer)
{
	json_t *c = json_array(), *a = json_array();

	*choices = *answer = NULL;
	for (size_t i = 0; c != NULL && i < q->choice_count; i++)
		json_array_append_new(c, json_string(q->choices[i]));
	for (size_t i = 0; a != NULL && i < q->answer_count; i++)
		json_array_append_new(a, json_integer(q->answer[i]));
	if (c != NULL && a != NULL) {
		*choices = json_dumps(c, JSON_COMPACT);
		*answer = json_dumps(a, JSON_COMPACT);
	}
	json_decref(c);
	json_decref(a);
	if (*choices == NULL || *answer == NULL) {
		free(*choices);
		free(*answer);
		return -1;
	}
	return 0;
}

enum content_rc
question_insert(sqlite3 *db, const struct question_fields *q, int64_t item_id, int64_t *id,
    struct qf_error *err)
{
	char *choices, *answer;
	int64_t now = clock_unix_s();
	enum content_rc rc;
	sqlite3_stmt *stmt;

	if (item_id == 0)
		item_id = q->item_id;
	if (question_arrays(q, &choices, &answer) < 0) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	if ((rc = sql_savepoint(db, err)) != CONTENT_OK)
		goto out;
	if ((rc = sql_prepare(db, "INSERT INTO questions(item_id, type, status, stem, choices, answer,"
	    " explanation, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
	    &stmt, err)) != CONTENT_OK)
		goto rollback;
	if (item_id > 0)
		sqlite3_bind_int64(stmt, 1, item_id);
	sqlite3_bind_text(stmt, 2, q->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, q->status != NULL ? q->status : "published", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, q->stem, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, choices, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, q->explanation, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, now);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		rc = sql_error(db, err);
		goto rollback;
	}
	sqlite3_finalize(stmt);
	*id = sqlite3_last_insert_rowid(db);
	if ((rc = sql_tags_replace(db, TAGS_OF_QUESTION, *id, q->tags, q->tag_count,
	    err)) != CONTENT_OK)
		goto rollback;
	sql_release(db);
	goto out;
rollback:
	sql_rollback(db);
out:
	free(choices);
	free(answer);
	return rc;
}

enum content_rc
content_question_create(sqlite3 *db, json_t *fields, int64_t *id, struct qf_error *err)
{
	struct question_fields q;
	enum content_rc rc;

	if ((rc = question_check(db, fields, 0, NULL, &q, err)) != CONTENT_OK)
		return rc;
	return question_insert(db, &q, 0, id, err);
}

/*
 * Appends one question row (columns: id, item_id, type, status, stem,
 * choices, answer, explanation) to 'array' in 'shape'.
 */
static enum content_rc
question_row(sqlite3 *db, sqlite3_stmt *stmt, enum question_shape shape, json_t *array,
    struct qf_error *err)
{
	int64_t id = sqlite3_column_int64(stmt, 0);
	json_t *row, *choices = sql_column_json(stmt, 5), *answer = sql_column_json(stmt, 6), *tags;

	if (choices == NULL || answer == NULL) {
		json_decref(choices);
		json_decref(answer);
		qf_error_set(err, "database: 题目 %lld 的选项或答案已损坏", (long long)id);
		return CONTENT_INTERNAL;
	}
	if (shape == QUESTION_SHAPE_LEARNER) {
		json_decref(answer);
		row = json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)id,
		    "type", sql_column_string(stmt, 2), "stem", sql_column_string(stmt, 4),
		    "choices", choices);
		return row != NULL && json_array_append_new(array, row) == 0 ? CONTENT_OK :
		    CONTENT_INTERNAL;
	}
	if ((tags = sql_tag_codes(db, TAGS_OF_QUESTION, id, err)) == NULL) {
		json_decref(choices);
		json_decref(answer);
		return CONTENT_INTERNAL;
	}
	if (shape == QUESTION_SHAPE_EXPORT) {
		row = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "type", sql_column_string(stmt, 2),
		    "stem", sql_column_string(stmt, 4), "choices", choices, "answer", answer,
		    "explanation", sql_column_string(stmt, 7), "tags", tags);
		if (row != NULL && strcmp((const char *)sqlite3_column_text(stmt, 3), "published") != 0)
			json_object_set_new(row, "status", sql_column_string(stmt, 3));
	} else
		row = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)id,
		    "item_id", sqlite3_column_type(stmt, 1) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(stmt, 1)),
		    "type", sql_column_string(stmt, 2), "status", sql_column_string(stmt, 3),
		    "stem", sql_column_string(stmt, 4), "choices", choices, "answer", answer,
		    "explanation", sql_column_string(stmt, 7), "tags", tags);
	if (row == NULL || json_array_append_new(array, row) < 0) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	return CONTENT_OK;
}

enum content_rc
question_rows(sqlite3 *db, int64_t item_id, const char *status, enum question_shape shape,
    int64_t limit, int64_t offset, json_t *array, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	enum content_rc rc = CONTENT_OK;
	int step = SQLITE_DONE;

	if (sql_prepare(db, "SELECT id, item_id, type, status, stem, choices, answer, explanation"
	    " FROM questions WHERE item_id IS ?1 AND (?2 IS NULL OR status = ?2)"
	    " ORDER BY id LIMIT ?3 OFFSET ?4", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	if (item_id > 0)
		sqlite3_bind_int64(stmt, 1, item_id);
	sql_bind_text_or_null(stmt, 2, status);
	sqlite3_bind_int64(stmt, 3, limit);
	sqlite3_bind_int64(stmt, 4, offset);
	while (rc == CONTENT_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = question_row(db, stmt, shape, array, err);
	if (rc == CONTENT_OK && step != SQLITE_DONE)
		rc = sql_error(db, err);
	sqlite3_finalize(stmt);
	return rc;
}

enum content_rc
content_question_get(sqlite3 *db, int64_t id, json_t **out, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *rows;
	enum content_rc rc;
	int step;

	*out = NULL;
	if ((rows = json_array()) == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	if (sql_prepare(db, "SELECT id, item_id, type, status, stem, choices, answer, explanation"
	    " FROM questions WHERE id = ?1", &stmt, err) != CONTENT_OK) {
		json_decref(rows);
		return CONTENT_INTERNAL;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if ((step = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = question_row(db, stmt, QUESTION_SHAPE_EDITOR, rows, err);
	else if (step == SQLITE_DONE) {
		qf_error_set(err, "id: 题目 %lld 不存在", (long long)id);
		rc = CONTENT_NOT_FOUND;
	} else
		rc = sql_error(db, err);
	sqlite3_finalize(stmt);
	if (rc == CONTENT_OK)
		*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return rc;
}

enum content_rc
content_question_list(sqlite3 *db, int64_t item_id, int64_t limit, int64_t offset, json_t **out,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *rows;
	enum content_rc rc;
	int64_t total = 0;

	*out = NULL;
	if (sql_prepare(db, "SELECT count(*) FROM questions WHERE item_id IS ?1", &stmt, err) !=
	    CONTENT_OK)
		return CONTENT_INTERNAL;
	if (item_id > 0)
		sqlite3_bind_int64(stmt, 1, item_id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		total = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if ((rows = json_array()) == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	rc = question_rows(db, item_id, NULL, QUESTION_SHAPE_EDITOR, limit, offset, rows, err);
	if (rc != CONTENT_OK) {
		json_decref(rows);
		return rc;
	}
	*out = json_pack("{s:o,s:I,s:I,s:I}", "questions", rows, "total", (json_int_t)total,
	    "limit", (json_int_t)limit, "offset", (json_int_t)offset);
	return *out != NULL ? CONTENT_OK : CONTENT_INTERNAL;
}

enum content_rc
content_question_update(sqlite3 *db, int64_t id, json_t *patch, struct qf_error *err)
{
	json_t *current = NULL, *merged = NULL, *value;
	struct question_fields q;
	char *choices = NULL, *answer = NULL;
	const char *key;
	enum content_rc rc;
	sqlite3_stmt *stmt;

	if (!json_is_object(patch)) {
		qf_error_set(err, "body: 须为 JSON 对象");
		return CONTENT_MALFORMED;
	}
	json_object_foreach(patch, key, value) {
		int known = 0;

		for (const char *const *f = question_fields_editable; !known && *f != NULL; f++)
			known = strcmp(key, *f) == 0;
		if (!known) {
			char quoted[48];

			qf_error_set(err, "%s: 未知字段", text_excerpt(key, quoted));
			return CONTENT_UNKNOWN_FIELD;
		}
	}
	if ((rc = content_question_get(db, id, &current, err)) != CONTENT_OK)
		return rc;
	/* The editable fields of the stored question, then the patch over them. */
	merged = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "item_id",
	    json_object_get(current, "item_id"), "type", json_object_get(current, "type"),
	    "stem", json_object_get(current, "stem"), "choices", json_object_get(current, "choices"),
	    "answer", json_object_get(current, "answer"),
	    "explanation", json_object_get(current, "explanation"),
	    "tags", json_object_get(current, "tags"));
	if (merged == NULL || json_object_update(merged, patch) < 0) {
		qf_error_set(err, "memory: 内存不足");
		rc = CONTENT_INTERNAL;
		goto out;
	}
	if ((rc = question_check(db, merged, 0, NULL, &q, err)) != CONTENT_OK)
		goto out;
	if (question_arrays(&q, &choices, &answer) < 0) {
		qf_error_set(err, "memory: 内存不足");
		rc = CONTENT_INTERNAL;
		goto out;
	}
	if ((rc = sql_savepoint(db, err)) != CONTENT_OK)
		goto out;
	if ((rc = sql_prepare(db, "UPDATE questions SET item_id = ?1, type = ?2, stem = ?3,"
	    " choices = ?4, answer = ?5, explanation = ?6, updated_at = ?7 WHERE id = ?8",
	    &stmt, err)) != CONTENT_OK)
		goto rollback;
	if (q.item_id > 0)
		sqlite3_bind_int64(stmt, 1, q.item_id);
	sqlite3_bind_text(stmt, 2, q.type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, q.stem, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, choices, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, q.explanation, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, clock_unix_s());
	sqlite3_bind_int64(stmt, 8, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		rc = sql_error(db, err);
		goto rollback;
	}
	sqlite3_finalize(stmt);
	if ((rc = sql_tags_replace(db, TAGS_OF_QUESTION, id, q.tags, q.tag_count,
	    err)) != CONTENT_OK)
		goto rollback;
	sql_release(db);
	goto out;
rollback:
	sql_rollback(db);
out:
	free(choices);
	free(answer);
	json_decref(merged);
	json_decref(current);
	return rc;
}

enum content_rc
content_question_retire(sqlite3 *db, int64_t id, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	const char *status;
	enum content_rc rc;
	int step;

	if (sql_prepare(db, "SELECT status FROM questions WHERE id = ?1", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, id);
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE) {
		sqlite3_finalize(stmt);
		qf_error_set(err, "id: 题目 %lld 不存在", (long long)id);
		return CONTENT_NOT_FOUND;
	}
	if (step != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return sql_error(db, err);
	}
	status = (const char *)sqlite3_column_text(stmt, 0);
	rc = strcmp(status, "retired") == 0 ? CONTENT_TRANSITION : CONTENT_OK;
	sqlite3_finalize(stmt);
	if (rc != CONTENT_OK) {
		qf_error_set(err, "status: 题目已是下线状态");
		return rc;
	}
	if (sql_prepare(db, "UPDATE questions SET status = 'retired', updated_at = ?1 WHERE id = ?2",
	    &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, clock_unix_s());
	sqlite3_bind_int64(stmt, 2, id);
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? CONTENT_OK : sql_error(db, err);
}
