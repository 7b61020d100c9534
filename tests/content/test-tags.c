/*
 * test-tags.c — the taxonomy: listed in kind order with usage counts, new
 * tags checked (code "kind.name", Chinese label), and a tag in use — by an
 * item, a question or a cadre's profile — never deleted.
 */
#include "config.h"

#include "tests/content/content-test.h"

static const struct {
	const char *json;
	enum content_rc rc;
	const char *field;
} bad_tags[] = {
	{ "{\"code\":\"risk.land\",\"kind\":\"risk\"}", CONTENT_MISSING_FIELD, "label" },
	{ "{\"kind\":\"risk\",\"label\":\"土地\"}", CONTENT_MISSING_FIELD, "code" },
	{ "{\"code\":\"risk.land\",\"label\":\"土地\"}", CONTENT_MISSING_FIELD, "kind" },
	{ "{\"code\":\"risk.land\",\"kind\":\"risk\",\"label\":\"土地\",\"colour\":\"red\"}", CONTENT_UNKNOWN_FIELD, "colour" },
	{ "{\"code\":\"risk.land\",\"kind\":\"danger\",\"label\":\"土地\"}", CONTENT_INVALID, "kind" },
	{ "{\"code\":\"industry.land\",\"kind\":\"risk\",\"label\":\"土地\"}", CONTENT_INVALID, "code" },
	{ "{\"code\":\"risk.Land\",\"kind\":\"risk\",\"label\":\"土地\"}", CONTENT_INVALID, "code" },
	{ "{\"code\":\"risk.\",\"kind\":\"risk\",\"label\":\"土地\"}", CONTENT_INVALID, "code" },
	{ "{\"code\":\"risk.土地\",\"kind\":\"risk\",\"label\":\"土地\"}", CONTENT_INVALID, "code" },
	{ "{\"code\":\"risk.land\",\"kind\":\"risk\",\"label\":\"\"}", CONTENT_INVALID, "label" },
	{ "{\"code\":\"risk.land\",\"kind\":\"risk\",\"label\":\"土地\\n出让\"}", CONTENT_INVALID, "label" },
	{ "{\"code\":\"risk.land\",\"kind\":\"risk\",\"label\":5}", CONTENT_MALFORMED, "label" },
	{ "{\"code\":\"risk.tendering\",\"kind\":\"risk\",\"label\":\"招投标\"}", CONTENT_EXISTS, "code" },
};

int
main(void)
{
	struct test_db t;
	struct qf_error err;
	char field[96];
	json_t *value, *list, *tag;
	int64_t id;
	size_t i;

	test_db_open(&t);

	/* Listed discipline first, then risk, ...; labels in Chinese. */
	qf_error_init(&err);
	CHECK_INT(content_tag_list(t.db, NULL, 0, &list, &err), CONTENT_OK);
	value = json_object_get(list, "tags");
	CHECK_INT(json_array_size(value), 47);
	CHECK_STR(json_string_value(json_object_get(json_array_get(value, 0), "kind")), "discipline");
	CHECK_STR(json_string_value(json_object_get(json_array_get(value, 46), "kind")), "form");
	CHECK(json_object_get(json_array_get(value, 0), "items") == NULL);
	json_decref(list);
	qf_error_init(&err);
	CHECK_INT(content_tag_list(t.db, "risk", 1, &list, &err), CONTENT_OK);
	CHECK_INT(json_array_size(json_object_get(list, "tags")), 14);
	json_decref(list);

	for (i = 0; i < sizeof(bad_tags) / sizeof(bad_tags[0]); i++) {
		value = test_json(bad_tags[i].json);
		qf_error_init(&err);
		CHECK_INT(content_tag_create(t.db, value, &err), bad_tags[i].rc);
		content_error_split(&err, field, sizeof(field));
		CHECK_STR(field, bad_tags[i].field);
		json_decref(value);
	}
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM tags"), 47);

	value = test_json("{\"code\":\"risk.land_transfer\",\"kind\":\"risk\",\"label\":\"土地出让\"}");
	qf_error_init(&err);
	CHECK_INT(content_tag_create(t.db, value, &err), CONTENT_OK);
	json_decref(value);

	/* Used by an item: refused with the count, and the tag stays. */
	value = test_json("{\"kind\":\"case\",\"title\":\"某区土地出让违纪案\",\"minutes\":10,"
	    "\"tags\":[\"risk.land_transfer\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, value, 0, &id, &err), CONTENT_OK);
	json_decref(value);
	qf_error_init(&err);
	CHECK_INT(content_tag_delete(t.db, "risk.land_transfer", &err), CONTENT_IN_USE);
	CHECK_CONTAINS(err.text, "code: ");
	CHECK_CONTAINS(err.text, "1 个条目");
	CHECK_CONTAINS(err.text, "不能删除");
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM tags WHERE code = 'risk.land_transfer'"), 1);

	/* Counted in the editor's list. */
	qf_error_init(&err);
	CHECK_INT(content_tag_list(t.db, "risk", 1, &list, &err), CONTENT_OK);
	json_array_foreach(json_object_get(list, "tags"), i, tag)
		if (strcmp(json_string_value(json_object_get(tag, "code")), "risk.land_transfer") == 0)
			CHECK_INT(json_integer_value(json_object_get(tag, "items")), 1);
	json_decref(list);

	/* Untag the item: now used by a question only, still refused. */
	value = test_json("{\"tags\":[]}");
	{
		int64_t version;
		int changed;

		qf_error_init(&err);
		CHECK_INT(content_item_update(t.db, id, value, 0, &version, &changed, &err), CONTENT_OK);
	}
	json_decref(value);
	value = test_json("{\"type\":\"truefalse\",\"stem\":\"土地出让可以“暗箱操作”。\","
	    "\"choices\":[\"正确\",\"错误\"],\"answer\":[1],\"tags\":[\"risk.land_transfer\"]}");
	qf_error_init(&err);
	CHECK_INT(content_question_create(t.db, value, &id, &err), CONTENT_OK);
	json_decref(value);
	qf_error_init(&err);
	CHECK_INT(content_tag_delete(t.db, "risk.land_transfer", &err), CONTENT_IN_USE);
	CHECK_CONTAINS(err.text, "1 道题目");

	/* A cadre's risk profile counts too. */
	CHECK_INT(db_exec(t.db, "INSERT INTO units(name) VALUES ('某市');"
	    "INSERT INTO users(login, password_hash, name, role, unit_id) VALUES ('c1', 'x', '干部', 'cadre', 1);"
	    "INSERT INTO user_risks(user_id, tag_code) VALUES (1, 'risk.procurement');", &err), 0);
	qf_error_init(&err);
	CHECK_INT(content_tag_delete(t.db, "risk.procurement", &err), CONTENT_IN_USE);
	CHECK_CONTAINS(err.text, "1 名干部");

	/* Unused: deleted. Unknown: not found. */
	qf_error_init(&err);
	CHECK_INT(content_tag_delete(t.db, "region.northeast", &err), CONTENT_OK);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM tags WHERE code = 'region.northeast'"), 0);
	qf_error_init(&err);
	CHECK_INT(content_tag_delete(t.db, "region.northeast", &err), CONTENT_NOT_FOUND);
	CHECK_CONTAINS(err.text, "code: ");

	test_db_close(&t);
	return check_report("test-tags");
}
