/*
 * tag.c — the taxonomy editors tag content with: list, add, and delete when
 * nothing uses the tag any more. Codes ("risk.tendering") are stable and
 * ASCII; labels are Chinese. A tag in use is never deleted: learners' risk
 * profiles, mastery and content all refer to codes.
 */
#include "config.h"

#include <string.h>

#include "content/extern.h"

static const char *const tag_kinds[] = {
	"discipline", "risk", "industry", "category", "region", "form", NULL,
};

enum content_rc
content_tag_list(sqlite3 *db, const char *kind, int with_usage, json_t **out,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *tags;
	int step;

	*out = NULL;
	if (sql_prepare(db, "SELECT t.code, t.kind, t.label,"
	    " (SELECT count(*) FROM item_tags it WHERE it.tag_code = t.code),"
	    " (SELECT count(*) FROM question_tags qt WHERE qt.tag_code = t.code)"
	    " FROM tags t WHERE ?1 IS NULL OR t.kind = ?1"
	    " ORDER BY " SQL_TAG_KIND_RANK("t.kind") ", t.code", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sql_bind_text_or_null(stmt, 1, kind);
	if ((tags = json_array()) == NULL)
		goto oom;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *tag = json_pack("{s:o,s:o,s:o}", "code", sql_column_string(stmt, 0),
		    "kind", sql_column_string(stmt, 1), "label", sql_column_string(stmt, 2));

		if (tag != NULL && with_usage) {
			json_object_set_new(tag, "items", json_integer(sqlite3_column_int64(stmt, 3)));
			json_object_set_new(tag, "questions", json_integer(sqlite3_column_int64(stmt, 4)));
		}
		if (json_array_append_new(tags, tag) < 0)
			goto oom;
	}
	if (step != SQLITE_DONE) {
		sql_error(db, err);
		sqlite3_finalize(stmt);
		json_decref(tags);
		return CONTENT_INTERNAL;
	}
	sqlite3_finalize(stmt);
	if ((*out = json_pack("{s:o}", "tags", tags)) == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	return CONTENT_OK;
oom:
	qf_error_set(err, "memory: 内存不足");
	sqlite3_finalize(stmt);
	json_decref(tags);
	return CONTENT_INTERNAL;
}

/* 1 when 'code' is "kind.name" with 'name' of a-z, 0-9 and _, 3 to 64 bytes in all. */
static int
tag_code_is_valid(const char *code, const char *kind)
{
	size_t kind_len = strlen(kind), len = strlen(code);

	if (len < 3 || len > 64 || strncmp(code, kind, kind_len) != 0 || code[kind_len] != '.' ||
	    code[kind_len + 1] == '\0')
		return 0;
	for (const char *p = code + kind_len + 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

enum content_rc
content_tag_create(sqlite3 *db, json_t *fields, struct qf_error *err)
{
	const char *code, *kind, *label, *key;
	json_t *value;
	sqlite3_stmt *stmt;
	size_t label_len;
	int known = 0, step;

	if (!json_is_object(fields)) {
		qf_error_set(err, "body: 须为 JSON 对象");
		return CONTENT_MALFORMED;
	}
	json_object_foreach(fields, key, value) {
		if (strcmp(key, "code") != 0 && strcmp(key, "kind") != 0 && strcmp(key, "label") != 0) {
			char quoted[48];

			qf_error_set(err, "%s: 未知字段", text_excerpt(key, quoted));
			return CONTENT_UNKNOWN_FIELD;
		}
		if (!json_is_string(value)) {
			qf_error_set(err, "%s: 须为字符串", key);
			return CONTENT_MALFORMED;
		}
	}
	code = json_string_value(json_object_get(fields, "code"));
	kind = json_string_value(json_object_get(fields, "kind"));
	label = json_string_value(json_object_get(fields, "label"));
	if (kind == NULL) {
		qf_error_set(err, "kind: 缺少必填字段（标签类别）");
		return CONTENT_MISSING_FIELD;
	}
	if (code == NULL) {
		qf_error_set(err, "code: 缺少必填字段（标签代码）");
		return CONTENT_MISSING_FIELD;
	}
	if (label == NULL) {
		qf_error_set(err, "label: 缺少必填字段（中文名称）");
		return CONTENT_MISSING_FIELD;
	}
	for (const char *const *k = tag_kinds; *k != NULL; k++)
		known |= strcmp(*k, kind) == 0;
	if (!known) {
		qf_error_set(err, "kind: 标签类别须为 discipline、risk、industry、category、region 或 form");
		return CONTENT_INVALID;
	}
	if (!tag_code_is_valid(code, kind)) {
		qf_error_set(err, "code: 标签代码须为「%s.名称」，名称由小写字母、数字和下划线组成，"
		    "总长 3 到 64 字节", kind);
		return CONTENT_INVALID;
	}
	label_len = strlen(label);
	if (label_len != json_string_length(json_object_get(fields, "label")) ||
	    !utf8_is_clean(label, label_len, 0) || label_len == 0 ||
	    utf8_length(label) > CONTENT_TAG_LABEL_MAX_CHARS || strspn(label, " ") == label_len) {
		qf_error_set(err, "label: 中文名称须为 1 到 %d 个字符，不能换行", CONTENT_TAG_LABEL_MAX_CHARS);
		return CONTENT_INVALID;
	}
	if (sql_prepare(db, "INSERT INTO tags(code, kind, label) VALUES (?1, ?2, ?3)", &stmt, err) !=
	    CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, label, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (step == SQLITE_DONE)
		return CONTENT_OK;
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
		qf_error_set(err, "code: 标签 %s 已存在", code);
		return CONTENT_EXISTS;
	}
	return sql_error(db, err);
}

enum content_rc
content_tag_delete(sqlite3 *db, const char *code, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int64_t items, questions, people, mastery;
	int step;

	if (sql_prepare(db, "SELECT"
	    " (SELECT count(*) FROM item_tags WHERE tag_code = ?1),"
	    " (SELECT count(*) FROM question_tags WHERE tag_code = ?1),"
	    " (SELECT count(*) FROM user_risks WHERE tag_code = ?1)"
	    "   + (SELECT count(*) FROM users WHERE industry = ?1),"
	    " (SELECT count(*) FROM mastery WHERE tag_code = ?1)"
	    " FROM tags WHERE code = ?1", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE) {
		char quoted[48];

		sqlite3_finalize(stmt);
		qf_error_set(err, "code: 标签 %s 不存在", text_excerpt(code, quoted));
		return CONTENT_NOT_FOUND;
	}
	if (step != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return sql_error(db, err);
	}
	items = sqlite3_column_int64(stmt, 0);
	questions = sqlite3_column_int64(stmt, 1);
	people = sqlite3_column_int64(stmt, 2);
	mastery = sqlite3_column_int64(stmt, 3);
	sqlite3_finalize(stmt);
	if (items + questions + people + mastery > 0) {
		qf_error_set(err, "code: 标签 %s 仍在使用中（%lld 个条目、%lld 道题目、%lld 名干部的画像、"
		    "%lld 条掌握度记录），不能删除；请先移除这些引用", code, (long long)items,
		    (long long)questions, (long long)people, (long long)mastery);
		return CONTENT_IN_USE;
	}
	if (sql_prepare(db, "DELETE FROM tags WHERE code = ?1", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (step == SQLITE_DONE)
		return CONTENT_OK;
	/* A table added later that refers to tags: the foreign key says it is in use. */
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
		qf_error_set(err, "code: 标签 %s 仍被其他记录引用，不能删除", code);
		return CONTENT_IN_USE;
	}
	return sql_error(db, err);
}
