/*
 * stats.c — what the library holds, counted by kind, status and tag: the
 * corpus check ("every discipline, risk area and category covered") and the
 * `qingfeng-admin content-stats` report read it.
 */
#include "config.h"

#include "content/extern.h"

enum content_rc
content_stats(sqlite3 *db, json_t **out, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *result, *tags;
	int step;

	*out = NULL;
	if (sql_prepare(db, "SELECT count(*), count(*) FILTER (WHERE kind = 'case'),"
	    " count(*) FILTER (WHERE kind = 'lesson'), count(*) FILTER (WHERE status = 'published'),"
	    " (SELECT count(*) FROM questions),"
	    " count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM item_tags it WHERE it.item_id = items.id))"
	    " FROM items", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sql_error(db, err);
		sqlite3_finalize(stmt);
		return CONTENT_INTERNAL;
	}
	result = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
	    "items", (json_int_t)sqlite3_column_int64(stmt, 0),
	    "cases", (json_int_t)sqlite3_column_int64(stmt, 1),
	    "lessons", (json_int_t)sqlite3_column_int64(stmt, 2),
	    "published", (json_int_t)sqlite3_column_int64(stmt, 3),
	    "questions", (json_int_t)sqlite3_column_int64(stmt, 4),
	    "untagged_items", (json_int_t)sqlite3_column_int64(stmt, 5));
	sqlite3_finalize(stmt);
	if (result == NULL || (tags = json_array()) == NULL ||
	    json_object_set_new(result, "tags", tags) < 0)
		goto oom;
	if (sql_prepare(db, "SELECT t.code, t.kind, t.label,"
	    " (SELECT count(*) FROM item_tags it WHERE it.tag_code = t.code),"
	    " (SELECT count(*) FROM question_tags qt WHERE qt.tag_code = t.code)"
	    " FROM tags t ORDER BY " SQL_TAG_KIND_RANK("t.kind") ", t.code", &stmt, err) != CONTENT_OK) {
		json_decref(result);
		return CONTENT_INTERNAL;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *tag = json_pack("{s:o,s:o,s:o,s:I,s:I}", "code", sql_column_string(stmt, 0),
		    "kind", sql_column_string(stmt, 1), "label", sql_column_string(stmt, 2),
		    "items", (json_int_t)sqlite3_column_int64(stmt, 3),
		    "questions", (json_int_t)sqlite3_column_int64(stmt, 4));

		if (json_array_append_new(tags, tag) < 0) {
			sqlite3_finalize(stmt);
			goto oom;
		}
	}
	if (step != SQLITE_DONE) {
		sql_error(db, err);
		sqlite3_finalize(stmt);
		json_decref(result);
		return CONTENT_INTERNAL;
	}
	sqlite3_finalize(stmt);
	*out = result;
	return CONTENT_OK;
oom:
	json_decref(result);
	qf_error_set(err, "memory: 内存不足");
	return CONTENT_INTERNAL;
}
