/*
 * test-versions.c — an edit makes a new version and keeps the old one
 * readable whole; an edit that changes nothing makes none; a stale edit is
 * refused; publish and retire move the status (publish sets published_at)
 * and learners see published items only.
 */
#include "config.h"

#include "tests/content/content-test.h"

static const char *
field_text(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int
main(void)
{
	struct test_db t;
	struct qf_error err;
	json_t *value, *out;
	int64_t id, version, editor;
	int changed;

	test_db_open(&t);
	/* An editor to credit the versions to. */
	CHECK_INT(db_exec(t.db, "INSERT INTO units(name) VALUES ('某省纪委监委');"
	    "INSERT INTO users(login, password_hash, name, role, unit_id)"
	    " VALUES ('editor.li', 'x', '李编辑', 'editor', 1)", &err), 0);
	editor = sqlite3_last_insert_rowid(t.db);

	value = test_json("{\"kind\":\"lesson\",\"title\":\"第一版标题\",\"summary\":\"摘要一\","
	    "\"body_md\":\"第一版正文\",\"minutes\":10,\"tags\":[\"discipline.work\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, value, editor, &id, &err), CONTENT_OK);
	json_decref(value);

	/* A real edit: version 2, the new title current, tags replaced. */
	value = test_json("{\"title\":\"第二版标题\",\"tags\":[\"discipline.work\",\"category.new_hire\"],"
	    "\"version\":1}");
	qf_error_init(&err);
	CHECK_INT(content_item_update(t.db, id, value, editor, &version, &changed, &err), CONTENT_OK);
	json_decref(value);
	CHECK_INT(version, 2);
	CHECK_INT(changed, 1);
	CHECK_INT(test_int(t.db, "SELECT version FROM items"), 2);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM item_tags"), 2);

	/* The same values again: no new version. Tags in another order are the same tags. */
	value = test_json("{\"title\":\"第二版标题\",\"tags\":[\"category.new_hire\",\"discipline.work\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_update(t.db, id, value, editor, &version, &changed, &err), CONTENT_OK);
	json_decref(value);
	CHECK_INT(version, 2);
	CHECK_INT(changed, 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM item_versions"), 2);

	/* Based on version 1 while the item is at 2: refused, nothing changes. */
	value = test_json("{\"body_md\":\"过时的修改\",\"version\":1}");
	qf_error_init(&err);
	CHECK_INT(content_item_update(t.db, id, value, editor, &version, &changed, &err), CONTENT_STALE);
	CHECK_CONTAINS(err.text, "version: ");
	json_decref(value);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE body_md = '第一版正文'"), 1);

	/* A third version changing the body and minutes. */
	value = test_json("{\"body_md\":\"第三版正文\",\"minutes\":12}");
	qf_error_init(&err);
	CHECK_INT(content_item_update(t.db, id, value, 0, &version, &changed, &err), CONTENT_OK);
	json_decref(value);
	CHECK_INT(version, 3);

	/* The history, newest first, with who edited. */
	qf_error_init(&err);
	CHECK_INT(content_item_versions(t.db, id, &out, &err), CONTENT_OK);
	CHECK_INT(json_integer_value(json_object_get(out, "current")), 3);
	value = json_object_get(out, "versions");
	CHECK_INT(json_array_size(value), 3);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(value, 0), "version")), 3);
	CHECK(json_is_null(json_object_get(json_array_get(value, 0), "edited_by")));
	CHECK_STR(field_text(json_array_get(value, 1), "title"), "第二版标题");
	CHECK_STR(field_text(json_array_get(value, 2), "edited_by_name"), "李编辑");
	json_decref(out);

	/* Version 1 reads as it was, with its own tags, and renders. */
	qf_error_init(&err);
	CHECK_INT(content_item_version(t.db, id, 1, &out, &err), CONTENT_OK);
	CHECK_STR(field_text(out, "title"), "第一版标题");
	CHECK_STR(field_text(out, "body_md"), "第一版正文");
	CHECK_STR(field_text(out, "body_html"), "<p>第一版正文</p>\n");
	CHECK_INT(json_integer_value(json_object_get(out, "minutes")), 10);
	CHECK_INT(json_array_size(json_object_get(out, "tags")), 1);
	CHECK_INT(json_integer_value(json_object_get(out, "current")), 3);
	json_decref(out);
	qf_error_init(&err);
	CHECK_INT(content_item_version(t.db, id, 2, &out, &err), CONTENT_OK);
	CHECK_INT(json_array_size(json_object_get(out, "tags")), 2);
	CHECK_STR(field_text(out, "body_md"), "第一版正文");
	json_decref(out);
	qf_error_init(&err);
	CHECK_INT(content_item_version(t.db, id, 4, &out, &err), CONTENT_NOT_FOUND);
	qf_error_init(&err);
	CHECK_INT(content_item_versions(t.db, 999, &out, &err), CONTENT_NOT_FOUND);
	qf_error_init(&err);
	value = test_json("{\"title\":\"x\"}");
	CHECK_INT(content_item_update(t.db, 999, value, 0, &version, &changed, &err), CONTENT_NOT_FOUND);
	json_decref(value);

	/* A draft is invisible to learners, visible as a preview. */
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, id, CONTENT_VIEW_LEARNER, &out, &err), CONTENT_NOT_FOUND);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, id, CONTENT_VIEW_PREVIEW, &out, &err), CONTENT_OK);
	CHECK(json_object_get(out, "body_md") == NULL);
	CHECK_STR(field_text(out, "body_html"), "<p>第三版正文</p>\n");
	json_decref(out);

	/* Publish: status, published_at; the version stays. Publishing twice is refused. */
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "published", &version, &err), CONTENT_OK);
	CHECK_INT(version, 3);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE status = 'published'"
	    " AND published_at IS NOT NULL AND version = 3"), 1);
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "published", &version, &err), CONTENT_TRANSITION);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, id, CONTENT_VIEW_LEARNER, &out, &err), CONTENT_OK);
	CHECK_STR(field_text(out, "status"), "published");
	CHECK(json_is_string(json_object_get(out, "published_at")));
	CHECK_STR(field_text(json_array_get(json_object_get(out, "tags"), 0), "label"), "工作纪律");
	json_decref(out);

	/* A published item edited to have no body is refused; other edits stay live. */
	value = test_json("{\"body_md\":\"  \"}");
	qf_error_init(&err);
	CHECK_INT(content_item_update(t.db, id, value, 0, &version, &changed, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "body_md: ");
	json_decref(value);

	/* Retire: learners lose it; editors still read it. */
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "retired", NULL, &err), CONTENT_OK);
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "retired", NULL, &err), CONTENT_TRANSITION);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, id, CONTENT_VIEW_LEARNER, &out, &err), CONTENT_NOT_FOUND);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, id, CONTENT_VIEW_EDITOR, &out, &err), CONTENT_OK);
	CHECK_STR(field_text(out, "status"), "retired");
	CHECK_STR(field_text(out, "body_md"), "第三版正文");
	CHECK_INT(json_integer_value(json_object_get(out, "created_by")), editor);
	json_decref(out);
	/* And it can come back. */
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "published", NULL, &err), CONTENT_OK);

	test_db_close(&t);
	return check_report("test-versions");
}
