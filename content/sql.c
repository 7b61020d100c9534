/*
 * sql.c — small helpers the content files share: the savepoint every write
 * runs in, statement preparation with first-error reporting, and turning
 * columns into JSON values.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content/extern.h"

enum content_rc
sql_savepoint(sqlite3 *db, struct qf_error *err)
{
	if (sqlite3_exec(db, "SAVEPOINT content_write", NULL, NULL, NULL) != SQLITE_OK)
		return sql_error(db, err);
	return CONTENT_OK;
}

void
sql_release(sqlite3 *db)
{
	sqlite3_exec(db, "RELEASE content_write", NULL, NULL, NULL);
}

/* Undoes everything since the savepoint, then closes it. */
void
sql_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK TO content_write", NULL, NULL, NULL);
	sqlite3_exec(db, "RELEASE content_write", NULL, NULL, NULL);
}

enum content_rc
sql_error(sqlite3 *db, struct qf_error *err)
{
	qf_error_set(err, "database: %s", sqlite3_errmsg(db));
	return CONTENT_INTERNAL;
}

enum content_rc
sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, struct qf_error *err)
{
	*stmt = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(*stmt);
		*stmt = NULL;
		return sql_error(db, err);
	}
	return CONTENT_OK;
}

void
sql_bind_text_or_null(sqlite3_stmt *stmt, int index, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, index);
	else
		sqlite3_bind_text(stmt, index, s, -1, SQLITE_TRANSIENT);
}

json_t *
sql_column_string(sqlite3_stmt *stmt, int col)
{
	const char *s = (const char *)sqlite3_column_text(stmt, col);

	if (s == NULL)
		return json_null();
	return json_stringn(s, (size_t)sqlite3_column_bytes(stmt, col));
}

json_t *
sql_column_time(sqlite3_stmt *stmt, int col)
{
	char text[21];

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return json_null();
	clock_format_iso8601(sqlite3_column_int64(stmt, col), text);
	return json_string(text);
}

json_t *
sql_column_json(sqlite3_stmt *stmt, int col)
{
	const char *s = (const char *)sqlite3_column_text(stmt, col);

	if (s == NULL)
		return NULL;
	return json_loadb(s, (size_t)sqlite3_column_bytes(stmt, col), 0, NULL);
}

json_t *
sql_tag_codes(sqlite3 *db, enum tag_owner owner, int64_t id, struct qf_error *err)
{
	static const char *const sql[] = {
		[TAGS_OF_ITEM] = "SELECT tag_code FROM item_tags WHERE item_id = ?1 ORDER BY tag_code",
		[TAGS_OF_QUESTION] = "SELECT tag_code FROM question_tags WHERE question_id = ?1"
		    " ORDER BY tag_code",
	};
	sqlite3_stmt *stmt;
	json_t *codes;
	int rc;

	if (sql_prepare(db, sql[owner], &stmt, err) != CONTENT_OK)
		return NULL;
	if ((codes = json_array()) == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (json_array_append_new(codes, sql_column_string(stmt, 0)) < 0)
			goto fail;
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(stmt);
	return codes;
fail:
	sql_error(db, err);
	json_decref(codes);
	sqlite3_finalize(stmt);
	return NULL;
}

char *
sql_codes_json(const char *const *codes, size_t count)
{
	json_t *array = json_array();
	char *text = NULL;

	if (array == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (json_array_append_new(array, json_string(codes[i])) < 0)
			goto out;
	text = json_dumps(array, JSON_COMPACT);
out:
	json_decref(array);
	return text;
}

enum content_rc
sql_tags_replace(sqlite3 *db, enum tag_owner owner, int64_t id, const char *const *codes,
    size_t count, struct qf_error *err)
{
	static const char *const delete_sql[] = {
		[TAGS_OF_ITEM] = "DELETE FROM item_tags WHERE item_id = ?1",
		[TAGS_OF_QUESTION] = "DELETE FROM question_tags WHERE question_id = ?1",
	};
	static const char *const insert_sql[] = {
		[TAGS_OF_ITEM] = "INSERT INTO item_tags(item_id, tag_code) VALUES (?1, ?2)",
		[TAGS_OF_QUESTION] = "INSERT INTO question_tags(question_id, tag_code) VALUES (?1, ?2)",
	};
	sqlite3_stmt *stmt;

	if (sql_prepare(db, delete_sql[owner], &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return sql_error(db, err);
	}
	sqlite3_finalize(stmt);
	if (sql_prepare(db, insert_sql[owner], &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_text(stmt, 2, codes[i], -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			sqlite3_finalize(stmt);
			return sql_error(db, err);
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return CONTENT_OK;
}
