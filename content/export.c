/*
 * export.c — the library as JSON Lines in the import shape, so that an
 * export imported into an empty library and exported again gives the same
 * bytes. Ids, dates and the version history stay behind: they belong to the
 * database the content lives in, not to the content.
 */
#include "config.h"

#include <string.h>

#include "content/extern.h"

/* Writes 'line' and a newline; steals 'line'. */
static enum content_rc
write_line(FILE *out, json_t *line, size_t *lines, struct qf_error *err)
{
	int rc;

	if (line == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	rc = json_dumpf(line, out, JSON_COMPACT);
	json_decref(line);
	if (rc < 0 || fputc('\n', out) == EOF) {
		qf_error_set(err, "output: 写出失败");
		return CONTENT_INTERNAL;
	}
	(*lines)++;
	return CONTENT_OK;
}

enum content_rc
content_export(sqlite3 *db, const struct content_export_filter *filter, FILE *out,
    size_t *lines_out, struct qf_error *err)
{
	static const struct content_export_filter everything = { NULL, NULL };
	sqlite3_stmt *stmt;
	enum content_rc rc = CONTENT_OK;
	size_t lines = 0;
	json_t *standalone;
	int step = SQLITE_DONE;

	if (filter == NULL)
		filter = &everything;
	if (sql_prepare(db, "SELECT id, kind, title, summary, body_md, minutes, difficulty, status"
	    " FROM items WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2)"
	    " ORDER BY id", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sql_bind_text_or_null(stmt, 1, filter->status);
	sql_bind_text_or_null(stmt, 2, filter->kind);
	while (rc == CONTENT_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);
		json_t *tags = sql_tag_codes(db, TAGS_OF_ITEM, id, err), *questions = json_array(), *line;

		if (tags == NULL || questions == NULL) {
			json_decref(tags);
			json_decref(questions);
			rc = CONTENT_INTERNAL;
			break;
		}
		rc = question_rows(db, id, NULL, QUESTION_SHAPE_EXPORT, -1, 0, questions, err);
		if (rc != CONTENT_OK) {
			json_decref(tags);
			json_decref(questions);
			break;
		}
		line = json_pack("{s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o}",
		    "kind", sql_column_string(stmt, 1), "title", sql_column_string(stmt, 2),
		    "summary", sql_column_string(stmt, 3), "body_md", sql_column_string(stmt, 4),
		    "minutes", (json_int_t)sqlite3_column_int64(stmt, 5),
		    "difficulty", (json_int_t)sqlite3_column_int64(stmt, 6),
		    "status", sql_column_string(stmt, 7), "tags", tags, "questions", questions);
		rc = write_line(out, line, &lines, err);
	}
	if (rc == CONTENT_OK && step != SQLITE_DONE)
		rc = sql_error(db, err);
	sqlite3_finalize(stmt);
	if (rc != CONTENT_OK)
		return rc;

	/* Questions that stand alone follow the items, one per line. */
	if (filter->kind == NULL) {
		size_t i;
		json_t *question;

		if ((standalone = json_array()) == NULL) {
			qf_error_set(err, "memory: 内存不足");
			return CONTENT_INTERNAL;
		}
		rc = question_rows(db, 0, filter->status, QUESTION_SHAPE_EXPORT, -1, 0, standalone, err);
		json_array_foreach(standalone, i, question) {
			if (rc != CONTENT_OK)
				break;
			rc = write_line(out, json_incref(question), &lines, err);
		}
		json_decref(standalone);
	}
	if (rc == CONTENT_OK && fflush(out) != 0) {
		qf_error_set(err, "output: 写出失败");
		rc = CONTENT_INTERNAL;
	}
	if (lines_out != NULL)
		*lines_out = lines;
	return rc;
}
