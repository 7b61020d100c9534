/*
 * import.c — bulk import of JSON Lines: check every line, report each bad
 * one with its number, field and reason, then write all good lines in one
 * savepoint (or none, unless the caller asked for a partial import). An item
 * and its questions are written together or not at all.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content/extern.h"

/* One checked line kept between the two passes. */
struct import_line {
	long number;
	json_t *value;        /* owned; NULL for a bad line */
	int is_question;      /* a standalone question rather than an item */
};

static int
report(struct content_import_result *result, long line, const char *field, const char *message)
{
	json_t *entry = json_pack("{s:i,s:s,s:s}", "line", (int)line, "field", field,
	    "message", message);

	return entry != NULL ? json_array_append_new(result->errors, entry) : -1;
}

/* Reports 'err' ("field: reason") for 'line'. */
static int
report_error(struct content_import_result *result, long line, const struct qf_error *err)
{
	char field[96];
	const char *message = content_error_split(err, field, sizeof(field));

	return report(result, line, field[0] != '\0' ? field : "line", message);
}

static int
is_blank_line(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

void
content_import_result_free(struct content_import_result *result)
{
	json_decref(result->errors);
	json_decref(result->ids);
	memset(result, 0, sizeof(*result));
}

/*
 * Checks one line of 'len' bytes; on success '*value' holds the parsed
 * object. CONTENT_INTERNAL only for a database failure; a bad line is
 * reported in 'result' and returns CONTENT_INVALID.
 */
static enum content_rc
import_check_line(sqlite3 *db, const char *text, size_t len, long number,
    struct content_import_result *result, struct import_line *line, struct qf_error *err)
{
	struct question_fields question;
	struct item_fields item;
	json_error_t jerr;
	struct qf_error line_err;
	enum content_rc rc;
	char message[256];
	json_t *value;

	line->number = number;
	value = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (value == NULL) {
		char excerpt[48];

		/* jerr.text may quote the bad input: keep it short and whole. */
		snprintf(message, sizeof(message), "JSON 格式错误（第 %d 列）：%s", jerr.column,
		    text_excerpt(jerr.text, excerpt));
		return report(result, number, "json", message) < 0 ? CONTENT_INTERNAL : CONTENT_INVALID;
	}
	if (!json_is_object(value)) {
		json_decref(value);
		return report(result, number, "json", "每行须为一个 JSON 对象") < 0 ? CONTENT_INTERNAL :
		    CONTENT_INVALID;
	}
	qf_error_init(&line_err);
	line->is_question = json_object_get(value, "kind") == NULL &&
	    json_object_get(value, "type") != NULL;
	if (line->is_question)
		rc = question_check(db, value, CHECK_IMPORT, NULL, &question, &line_err);
	else
		rc = item_check(db, value, CHECK_IMPORT, &item, &line_err);
	if (rc == CONTENT_INTERNAL) {
		json_decref(value);
		qf_error_set(err, "%s", line_err.text);
		return rc;
	}
	if (rc != CONTENT_OK) {
		json_decref(value);
		return report_error(result, number, &line_err) < 0 ? CONTENT_INTERNAL : CONTENT_INVALID;
	}
	line->value = value;
	return CONTENT_OK;
}

/* Writes the checked lines in order; any failure undoes them all. */
static enum content_rc
import_write(sqlite3 *db, struct import_line *lines, size_t count, int64_t actor_id,
    struct content_import_result *result, struct qf_error *err)
{
	enum content_rc rc;

	if ((rc = sql_savepoint(db, err)) != CONTENT_OK)
		return rc;
	for (size_t i = 0; i < count; i++) {
		int64_t id;

		if (lines[i].value == NULL)
			continue;
		if (lines[i].is_question) {
			struct question_fields question;

			rc = question_check(db, lines[i].value, CHECK_IMPORT, NULL, &question, err);
			if (rc == CONTENT_OK)
				rc = question_insert(db, &question, 0, &id, err);
			if (rc == CONTENT_OK)
				result->questions++;
		} else {
			struct item_fields item;
			size_t questions;

			rc = item_check(db, lines[i].value, CHECK_IMPORT, &item, err);
			if (rc == CONTENT_OK)
				rc = item_insert(db, &item, actor_id, &id, &questions, err);
			if (rc == CONTENT_OK) {
				result->items++;
				result->questions += questions;
				if (json_array_append_new(result->ids, json_integer(id)) < 0)
					rc = CONTENT_INTERNAL;
			}
		}
		if (rc != CONTENT_OK) {
			/* Checked a moment ago: a failure now is the database's. */
			qf_error_set(err, "line: 第 %ld 行写入失败", lines[i].number);
			sql_rollback(db);
			result->items = result->questions = 0;
			json_array_clear(result->ids);
			return CONTENT_INTERNAL;
		}
	}
	sql_release(db);
	return CONTENT_OK;
}

enum content_rc
content_import(sqlite3 *db, const char *text, size_t len, unsigned flags, int64_t actor_id,
    struct content_import_result *result, struct qf_error *err)
{
	struct import_line *lines = NULL;
	size_t count = 0, cap = 0, bad = 0;
	const char *p = text, *end = text + len;
	enum content_rc rc = CONTENT_OK;
	long number = 0;

	memset(result, 0, sizeof(*result));
	if ((result->errors = json_array()) == NULL || (result->ids = json_array()) == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl != NULL ? nl : end;
		size_t line_len = (size_t)(line_end - p);

		number++;
		if (line_len > 0 && p[line_len - 1] == '\r')
			line_len--;
		if (is_blank_line(p, line_len)) {
			p = nl != NULL ? nl + 1 : end;
			continue;            /* blank lines are allowed */
		}
		if (count == CONTENT_IMPORT_MAX_LINES) {
			qf_error_set(err, "file: 一次最多导入 %d 行", CONTENT_IMPORT_MAX_LINES);
			rc = CONTENT_INVALID;
			json_array_clear(result->errors);
			report_error(result, number, err);
			goto out;
		}
		if (count == cap) {
			size_t next = cap == 0 ? 64 : cap * 2;
			struct import_line *grown = realloc(lines, next * sizeof(*lines));

			if (grown == NULL) {
				qf_error_set(err, "memory: 内存不足");
				rc = CONTENT_INTERNAL;
				goto out;
			}
			lines = grown;
			cap = next;
		}
		memset(&lines[count], 0, sizeof(lines[count]));
		rc = import_check_line(db, p, line_len, number, result, &lines[count], err);
		count++;
		if (rc == CONTENT_INTERNAL)
			goto out;
		if (rc == CONTENT_INVALID)
			bad++;
		p = nl != NULL ? nl + 1 : end;
	}
	result->lines = count;
	if (bad > 0 && !(flags & CONTENT_IMPORT_PARTIAL)) {
		qf_error_set(err, "file: %zu 行有错误，未导入任何内容", bad);
		rc = CONTENT_INVALID;
		goto out;
	}
	rc = import_write(db, lines, count, actor_id, result, err);
out:
	for (size_t i = 0; i < count; i++)
		json_decref(lines[i].value);
	free(lines);
	return rc;
}
