/*
 * item.c — case studies and micro-lessons: create, edit (each real edit a
 * new version), publish and retire, and read them back as editors and as
 * learners see them.
 *
 * Every version of an item, the first included, is kept whole in
 * item_versions (with its tags), so any version can be shown as it was;
 * 'items' holds the current one. Learners' events refer to the item, never
 * to a version.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content/extern.h"

/* The fields an editor may change with content_item_update. */
static const char *const editable_fields[] = {
	"kind", "title", "summary", "body_md", "minutes", "difficulty", "tags", NULL,
};

/* Stores the item's state as version 'version' in the history. */
static enum content_rc
version_insert(sqlite3 *db, int64_t id, int64_t version, const struct item_fields *item,
    int64_t actor_id, int64_t now, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	char *tags;
	int rc;

	if ((tags = sql_codes_json(item->tags, item->tag_count)) == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	if (sql_prepare(db, "INSERT INTO item_versions(item_id, version, title, summary, body_md,"
	    " minutes, difficulty, tags, edited_by, edited_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &stmt, err) != CONTENT_OK) {
		free(tags);
		return CONTENT_INTERNAL;
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, version);
	sqlite3_bind_text(stmt, 3, item->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, item->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, item->body_md, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, item->minutes);
	sqlite3_bind_int64(stmt, 7, item->difficulty);
	sqlite3_bind_text(stmt, 8, tags, -1, SQLITE_STATIC);
	if (actor_id > 0)
		sqlite3_bind_int64(stmt, 9, actor_id);
	sqlite3_bind_int64(stmt, 10, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	free(tags);
	return rc == SQLITE_DONE ? CONTENT_OK : sql_error(db, err);
}

enum content_rc
item_insert(sqlite3 *db, const struct item_fields *item, int64_t actor_id, int64_t *id,
    size_t *questions, struct qf_error *err)
{
	const char *status = item->status != NULL ? item->status : "draft";
	int64_t now = clock_unix_s();
	enum content_rc rc;
	sqlite3_stmt *stmt;

	if (questions != NULL)
		*questions = 0;
	if ((rc = sql_savepoint(db, err)) != CONTENT_OK)
		return rc;
	if ((rc = sql_prepare(db, "INSERT INTO items(kind, status, version, title, summary, body_md,"
	    " minutes, difficulty, published_at, created_at, updated_at, created_by)"
	    " VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)", &stmt, err)) != CONTENT_OK)
		goto fail;
	sqlite3_bind_text(stmt, 1, item->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, item->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, item->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, item->body_md, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, item->minutes);
	sqlite3_bind_int64(stmt, 7, item->difficulty);
	if (strcmp(status, "published") == 0)
		sqlite3_bind_int64(stmt, 8, now);
	sqlite3_bind_int64(stmt, 9, now);
	if (actor_id > 0)
		sqlite3_bind_int64(stmt, 10, actor_id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		rc = sql_error(db, err);
		goto fail;
	}
	sqlite3_finalize(stmt);
	*id = sqlite3_last_insert_rowid(db);
	if ((rc = sql_tags_replace(db, TAGS_OF_ITEM, *id, item->tags, item->tag_count,
	    err)) != CONTENT_OK ||
	    (rc = version_insert(db, *id, 1, item, actor_id, now, err)) != CONTENT_OK)
		goto fail;
	if (item->questions != NULL) {
		struct question_fields question;
		char prefix[48];
		json_t *q;
		size_t i;

		json_array_foreach(item->questions, i, q) {
			int64_t question_id;

			snprintf(prefix, sizeof(prefix), "questions[%zu].", i);
			if ((rc = question_check(db, q, CHECK_IMPORT | CHECK_NESTED, prefix, &question,
			    err)) != CONTENT_OK ||
			    (rc = question_insert(db, &question, *id, &question_id, err)) != CONTENT_OK)
				goto fail;
			if (questions != NULL)
				(*questions)++;
		}
	}
	sql_release(db);
	return CONTENT_OK;
fail:
	sql_rollback(db);
	return rc;
}

enum content_rc
content_item_create(sqlite3 *db, json_t *fields, int64_t actor_id, int64_t *id,
    struct qf_error *err)
{
	struct item_fields item;
	enum content_rc rc;

	if ((rc = item_check(db, fields, 0, &item, err)) != CONTENT_OK)
		return rc;
	return item_insert(db, &item, actor_id, id, NULL, err);
}

/*
 * The current state of item 'id': its editable fields as a JSON object in
 * the create shape (owned by the caller) and its status and version.
 */
static enum content_rc
item_current(sqlite3 *db, int64_t id, json_t **fields, char status[16], int64_t *version,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *tags;
	int rc;

	*fields = NULL;
	if (sql_prepare(db, "SELECT kind, title, summary, body_md, minutes, difficulty, status,"
	    " version FROM items WHERE id = ?1", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		if (rc != SQLITE_DONE)
			return sql_error(db, err);
		qf_error_set(err, "id: 条目 %lld 不存在", (long long)id);
		return CONTENT_NOT_FOUND;
	}
	*fields = json_pack("{s:o,s:o,s:o,s:o,s:I,s:I}",
	    "kind", sql_column_string(stmt, 0), "title", sql_column_string(stmt, 1),
	    "summary", sql_column_string(stmt, 2), "body_md", sql_column_string(stmt, 3),
	    "minutes", (json_int_t)sqlite3_column_int64(stmt, 4),
	    "difficulty", (json_int_t)sqlite3_column_int64(stmt, 5));
	snprintf(status, 16, "%s", (const char *)sqlite3_column_text(stmt, 6));
	*version = sqlite3_column_int64(stmt, 7);
	sqlite3_finalize(stmt);
	if (*fields == NULL || (tags = sql_tag_codes(db, TAGS_OF_ITEM, id, err)) == NULL ||
	    json_object_set_new(*fields, "tags", tags) < 0) {
		json_decref(*fields);
		*fields = NULL;
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	return CONTENT_OK;
}

/* 1 when the checked 'item' says the same as the stored 'current' fields. */
static int
item_same(const struct item_fields *item, json_t *current)
{
	json_t *tags = json_object_get(current, "tags");

	if (strcmp(item->title, json_string_value(json_object_get(current, "title"))) != 0 ||
	    strcmp(item->summary, json_string_value(json_object_get(current, "summary"))) != 0 ||
	    strcmp(item->body_md, json_string_value(json_object_get(current, "body_md"))) != 0 ||
	    item->minutes != json_integer_value(json_object_get(current, "minutes")) ||
	    item->difficulty != json_integer_value(json_object_get(current, "difficulty")) ||
	    item->tag_count != json_array_size(tags))
		return 0;
	for (size_t i = 0; i < item->tag_count; i++)      /* both sorted */
		if (strcmp(item->tags[i], json_string_value(json_array_get(tags, i))) != 0)
			return 0;
	return 1;
}

enum content_rc
content_item_update(sqlite3 *db, int64_t id, json_t *patch, int64_t actor_id, int64_t *version,
    int *changed, struct qf_error *err)
{
	json_t *current = NULL, *merged = NULL, *value;
	struct item_fields item;
	char status[16];
	const char *key;
	enum content_rc rc;
	sqlite3_stmt *stmt;
	int64_t now = clock_unix_s();

	*changed = 0;
	if (!json_is_object(patch)) {
		qf_error_set(err, "body: 须为 JSON 对象");
		return CONTENT_MALFORMED;
	}
	json_object_foreach(patch, key, value) {
		int known = strcmp(key, "version") == 0;

		for (const char *const *f = editable_fields; !known && *f != NULL; f++)
			known = strcmp(key, *f) == 0;
		if (!known) {
			char quoted[48];

			qf_error_set(err, "%s: 未知字段", text_excerpt(key, quoted));
			return CONTENT_UNKNOWN_FIELD;
		}
	}
	value = json_object_get(patch, "version");
	if (value != NULL && !json_is_integer(value)) {
		qf_error_set(err, "version: 版本号须为整数");
		return CONTENT_MALFORMED;
	}
	if ((rc = item_current(db, id, &current, status, version, err)) != CONTENT_OK)
		return rc;
	if (value != NULL && json_integer_value(value) != *version) {
		qf_error_set(err, "version: 条目已被修改（当前为第 %lld 版，您编辑的是第 %lld 版），"
		    "请刷新后再改", (long long)*version, (long long)json_integer_value(value));
		rc = CONTENT_STALE;
		goto out;
	}
	if ((merged = json_copy(current)) == NULL)
		goto oom;
	json_object_foreach(patch, key, value)
		if (strcmp(key, "version") != 0 && json_object_set(merged, key, value) < 0)
			goto oom;
	if ((rc = item_check(db, merged, 0, &item, err)) != CONTENT_OK)
		goto out;
	if (strcmp(item.kind, json_string_value(json_object_get(current, "kind"))) != 0) {
		qf_error_set(err, "kind: 条目类型创建后不能修改");
		rc = CONTENT_INVALID;
		goto out;
	}
	if (strcmp(status, "published") == 0 &&
	    (rc = item_check_publishable(item.body_md, item.tag_count, err)) != CONTENT_OK)
		goto out;
	if (item_same(&item, current))
		goto out;          /* nothing to do: no new version */
	if ((rc = sql_savepoint(db, err)) != CONTENT_OK)
		goto out;
	if ((rc = sql_prepare(db, "UPDATE items SET title = ?1, summary = ?2, body_md = ?3,"
	    " minutes = ?4, difficulty = ?5, version = version + 1, updated_at = ?6"
	    " WHERE id = ?7 AND version = ?8", &stmt, err)) != CONTENT_OK)
		goto rollback;
	sqlite3_bind_text(stmt, 1, item.title, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, item.summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, item.body_md, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, item.minutes);
	sqlite3_bind_int64(stmt, 5, item.difficulty);
	sqlite3_bind_int64(stmt, 6, now);
	sqlite3_bind_int64(stmt, 7, id);
	sqlite3_bind_int64(stmt, 8, *version);
	if (sqlite3_step(stmt) != SQLITE_DONE || sqlite3_changes(db) != 1) {
		sqlite3_finalize(stmt);
		rc = sql_error(db, err);
		goto rollback;
	}
	sqlite3_finalize(stmt);
	if ((rc = sql_tags_replace(db, TAGS_OF_ITEM, id, item.tags, item.tag_count,
	    err)) != CONTENT_OK ||
	    (rc = version_insert(db, id, *version + 1, &item, actor_id, now, err)) != CONTENT_OK)
		goto rollback;
	sql_release(db);
	(*version)++;
	*changed = 1;
	rc = CONTENT_OK;
	goto out;
rollback:
	sql_rollback(db);
	goto out;
oom:
	qf_error_set(err, "memory: 内存不足");
	rc = CONTENT_INTERNAL;
out:
	json_decref(merged);
	json_decref(current);
	return rc;
}

enum content_rc
content_item_set_status(sqlite3 *db, int64_t id, const char *status, int64_t *version,
    struct qf_error *err)
{
	static const struct {
		const char *status, *label;
	} labels[] = {
		{ "draft", "草稿" }, { "published", "已发布" }, { "retired", "已下线" },
	};
	const char *now_label = "";
	char current[16], *body = NULL;
	int64_t tag_count, current_version;
	sqlite3_stmt *stmt;
	enum content_rc rc;
	int step;

	if (strcmp(status, "published") != 0 && strcmp(status, "retired") != 0) {
		qf_error_set(err, "status: 只能发布（published）或下线（retired）");
		return CONTENT_INVALID;
	}
	if (sql_prepare(db, "SELECT status, version, body_md,"
	    " (SELECT count(*) FROM item_tags WHERE item_id = ?1) FROM items WHERE id = ?1",
	    &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, id);
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		if (step != SQLITE_DONE)
			return sql_error(db, err);
		qf_error_set(err, "id: 条目 %lld 不存在", (long long)id);
		return CONTENT_NOT_FOUND;
	}
	snprintf(current, sizeof(current), "%s", (const char *)sqlite3_column_text(stmt, 0));
	current_version = sqlite3_column_int64(stmt, 1);
	body = strdup((const char *)sqlite3_column_text(stmt, 2));
	tag_count = sqlite3_column_int64(stmt, 3);
	sqlite3_finalize(stmt);
	if (body == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	if (version != NULL)
		*version = current_version;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (strcmp(labels[i].status, current) == 0)
			now_label = labels[i].label;
	}
	if (strcmp(current, status) == 0) {
		qf_error_set(err, "status: 条目已是%s状态", now_label);
		rc = CONTENT_TRANSITION;
		goto out;
	}
	if (strcmp(status, "published") == 0 &&
	    (rc = item_check_publishable(body, (size_t)tag_count, err)) != CONTENT_OK)
		goto out;
	if ((rc = sql_prepare(db, "UPDATE items SET status = ?1, updated_at = ?2,"
	    " published_at = CASE WHEN ?1 = 'published' THEN ?2 ELSE published_at END"
	    " WHERE id = ?3", &stmt, err)) != CONTENT_OK)
		goto out;
	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, clock_unix_s());
	sqlite3_bind_int64(stmt, 3, id);
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	rc = step == SQLITE_DONE ? CONTENT_OK : sql_error(db, err);
out:
	free(body);
	return rc;
}

/* The tags of item 'id' as [{code,kind,label}], in taxonomy order. */
static json_t *
item_tag_objects(sqlite3 *db, int64_t id, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *tags = json_array();
	int rc;

	if (tags == NULL || sql_prepare(db, "SELECT t.code, t.kind, t.label FROM item_tags it"
	    " JOIN tags t ON t.code = it.tag_code WHERE it.item_id = ?1"
	    " ORDER BY " SQL_TAG_KIND_RANK("t.kind") ", t.code", &stmt, err) != CONTENT_OK) {
		json_decref(tags);
		return NULL;
	}
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(tags, json_pack("{s:o,s:o,s:o}", "code",
		    sql_column_string(stmt, 0), "kind", sql_column_string(stmt, 1),
		    "label", sql_column_string(stmt, 2)));
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		sql_error(db, err);
		json_decref(tags);
		return NULL;
	}
	return tags;
}

/* Adds "body_html" rendered from 'markdown' to 'obj'. */
static enum content_rc
add_html(json_t *obj, const char *markdown, struct qf_error *err)
{
	char *html = content_markdown_html(markdown, strlen(markdown));

	if (html == NULL || json_object_set_new(obj, "body_html", json_string(html)) < 0) {
		free(html);
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	free(html);
	return CONTENT_OK;
}

enum content_rc
content_item_get(sqlite3 *db, int64_t id, enum content_view view, json_t **out,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *item = NULL, *tags, *questions;
	enum content_rc rc;
	int step, learner = view != CONTENT_VIEW_EDITOR;

	*out = NULL;
	if (sql_prepare(db, "SELECT id, kind, status, version, title, summary, body_md, minutes,"
	    " difficulty, published_at, created_at, updated_at, created_by FROM items WHERE id = ?1",
	    &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, id);
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW ||
	    (view == CONTENT_VIEW_LEARNER &&
	    strcmp((const char *)sqlite3_column_text(stmt, 2), "published") != 0)) {
		sqlite3_finalize(stmt);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			return sql_error(db, err);
		qf_error_set(err, "id: 条目 %lld 不存在", (long long)id);
		return CONTENT_NOT_FOUND;
	}
	item = json_pack("{s:I,s:o,s:o,s:I,s:o,s:o,s:I,s:I,s:o,s:o}",
	    "id", (json_int_t)id, "kind", sql_column_string(stmt, 1),
	    "status", sql_column_string(stmt, 2), "version", (json_int_t)sqlite3_column_int64(stmt, 3),
	    "title", sql_column_string(stmt, 4), "summary", sql_column_string(stmt, 5),
	    "minutes", (json_int_t)sqlite3_column_int64(stmt, 7),
	    "difficulty", (json_int_t)sqlite3_column_int64(stmt, 8),
	    "published_at", sql_column_time(stmt, 9), "updated_at", sql_column_time(stmt, 11));
	if (item == NULL)
		goto oom;
	if (!learner) {
		json_object_set_new(item, "body_md", sql_column_string(stmt, 6));
		json_object_set_new(item, "created_at", sql_column_time(stmt, 10));
		json_object_set_new(item, "created_by", sqlite3_column_type(stmt, 12) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(stmt, 12)));
	}
	rc = add_html(item, (const char *)sqlite3_column_text(stmt, 6), err);
	sqlite3_finalize(stmt);
	if (rc != CONTENT_OK)
		goto fail;
	tags = learner ? item_tag_objects(db, id, err) : sql_tag_codes(db, TAGS_OF_ITEM, id, err);
	if (tags == NULL || json_object_set_new(item, "tags", tags) < 0)
		goto internal;
	if ((questions = json_array()) == NULL || json_object_set_new(item, "questions", questions) < 0)
		goto oom;
	rc = question_rows(db, id, learner ? "published" : NULL,
	    learner ? QUESTION_SHAPE_LEARNER : QUESTION_SHAPE_EDITOR, -1, 0, questions, err);
	if (rc != CONTENT_OK)
		goto fail;
	*out = item;
	return CONTENT_OK;
oom:
	qf_error_set(err, "memory: 内存不足");
internal:
	rc = CONTENT_INTERNAL;
fail:
	json_decref(item);
	return rc;
}

enum content_rc
content_item_versions(sqlite3 *db, int64_t id, json_t **out, struct qf_error *err)
{
	json_t *current = NULL, *versions = NULL;
	char status[16];
	int64_t version;
	sqlite3_stmt *stmt;
	enum content_rc rc;
	int step;

	*out = NULL;
	if ((rc = item_current(db, id, &current, status, &version, err)) != CONTENT_OK)
		return rc;
	json_decref(current);
	if (sql_prepare(db, "SELECT v.version, v.title, v.edited_by, u.name, v.edited_at"
	    " FROM item_versions v LEFT JOIN users u ON u.id = v.edited_by"
	    " WHERE v.item_id = ?1 ORDER BY v.version DESC", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	if ((versions = json_array()) == NULL)
		goto oom;
	sqlite3_bind_int64(stmt, 1, id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *row = json_pack("{s:I,s:o,s:o,s:o,s:o}",
		    "version", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "title", sql_column_string(stmt, 1),
		    "edited_by", sqlite3_column_type(stmt, 2) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(stmt, 2)),
		    "edited_by_name", sql_column_string(stmt, 3),
		    "edited_at", sql_column_time(stmt, 4));

		if (json_array_append_new(versions, row) < 0)
			goto oom;
	}
	if (step != SQLITE_DONE) {
		rc = sql_error(db, err);
		goto fail;
	}
	sqlite3_finalize(stmt);
	*out = json_pack("{s:I,s:I,s:s,s:o}", "item_id", (json_int_t)id, "current",
	    (json_int_t)version, "status", status, "versions", versions);
	if (*out == NULL) {
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	return CONTENT_OK;
oom:
	qf_error_set(err, "memory: 内存不足");
	rc = CONTENT_INTERNAL;
fail:
	sqlite3_finalize(stmt);
	json_decref(versions);
	return rc;
}

enum content_rc
content_item_version(sqlite3 *db, int64_t id, int64_t version, json_t **out,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *row, *tags;
	enum content_rc rc;
	int step;

	*out = NULL;
	if (sql_prepare(db, "SELECT v.title, v.summary, v.body_md, v.minutes, v.difficulty, v.tags,"
	    " v.edited_by, u.name, v.edited_at, i.kind, i.version"
	    " FROM item_versions v JOIN items i ON i.id = v.item_id"
	    " LEFT JOIN users u ON u.id = v.edited_by"
	    " WHERE v.item_id = ?1 AND v.version = ?2", &stmt, err) != CONTENT_OK)
		return CONTENT_INTERNAL;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, version);
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		if (step != SQLITE_DONE)
			return sql_error(db, err);
		qf_error_set(err, "version: 条目 %lld 没有第 %lld 版", (long long)id, (long long)version);
		return CONTENT_NOT_FOUND;
	}
	if ((tags = sql_column_json(stmt, 5)) == NULL)
		tags = json_array();
	row = json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o}",
	    "item_id", (json_int_t)id, "version", (json_int_t)version,
	    "current", (json_int_t)sqlite3_column_int64(stmt, 10),
	    "kind", sql_column_string(stmt, 9),
	    "title", sql_column_string(stmt, 0), "summary", sql_column_string(stmt, 1),
	    "body_md", sql_column_string(stmt, 2),
	    "minutes", (json_int_t)sqlite3_column_int64(stmt, 3),
	    "difficulty", (json_int_t)sqlite3_column_int64(stmt, 4),
	    "tags", tags,
	    "edited_by", sqlite3_column_type(stmt, 6) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(stmt, 6)),
	    "edited_by_name", sql_column_string(stmt, 7),
	    "edited_at", sql_column_time(stmt, 8));
	if (row == NULL) {
		sqlite3_finalize(stmt);
		qf_error_set(err, "memory: 内存不足");
		return CONTENT_INTERNAL;
	}
	rc = add_html(row, (const char *)sqlite3_column_text(stmt, 2), err);
	sqlite3_finalize(stmt);
	if (rc != CONTENT_OK) {
		json_decref(row);
		return rc;
	}
	*out = row;
	return CONTENT_OK;
}
