/*
 * test-validate.c — an item with a bad field is refused with an error that
 * names the field (and the right kind of error), and nothing is written.
 */
#include "config.h"

#include "tests/content/content-test.h"

#define GOOD_ITEM \
	"\"kind\":\"case\",\"title\":\"某市某局违规收受礼金案\",\"summary\":\"摘要\"," \
	"\"body_md\":\"## 基本案情\\n\\n某市某局干部……\",\"minutes\":20,\"difficulty\":2," \
	"\"tags\":[\"discipline.integrity\",\"risk.tendering\"]"

static const struct {
	const char *json;
	enum content_rc rc;
	const char *field;
} bad_items[] = {
	{ "{\"title\":\"x\",\"minutes\":5}", CONTENT_MISSING_FIELD, "kind" },
	{ "{\"kind\":\"case\",\"minutes\":5}", CONTENT_MISSING_FIELD, "title" },
	{ "{\"kind\":\"case\",\"title\":\"x\"}", CONTENT_MISSING_FIELD, "minutes" },
	{ "{" GOOD_ITEM ",\"author\":\"张三\"}", CONTENT_UNKNOWN_FIELD, "author" },
	{ "{" GOOD_ITEM ",\"status\":\"published\"}", CONTENT_UNKNOWN_FIELD, "status" },
	{ "{" GOOD_ITEM ",\"questions\":[]}", CONTENT_UNKNOWN_FIELD, "questions" },
	{ "{\"kind\":\"quiz\",\"title\":\"x\",\"minutes\":5}", CONTENT_INVALID, "kind" },
	{ "{\"kind\":3,\"title\":\"x\",\"minutes\":5}", CONTENT_MALFORMED, "kind" },
	{ "{\"kind\":\"case\",\"title\":\"\",\"minutes\":5}", CONTENT_INVALID, "title" },
	{ "{\"kind\":\"case\",\"title\":\"　 \",\"minutes\":5}", CONTENT_INVALID, "title" },
	{ "{\"kind\":\"case\",\"title\":\"第一行\\n第二行\",\"minutes\":5}", CONTENT_INVALID, "title" },
	{ "{\"kind\":\"case\",\"title\":[\"x\"],\"minutes\":5}", CONTENT_MALFORMED, "title" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":-5}", CONTENT_INVALID, "minutes" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":0}", CONTENT_INVALID, "minutes" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":601}", CONTENT_INVALID, "minutes" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":2.5}", CONTENT_MALFORMED, "minutes" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":\"20\"}", CONTENT_MALFORMED, "minutes" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"difficulty\":6}", CONTENT_INVALID, "difficulty" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"summary\":null}", CONTENT_MALFORMED, "summary" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"tags\":\"risk.tendering\"}", CONTENT_MALFORMED, "tags" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"tags\":[1]}", CONTENT_MALFORMED, "tags" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"tags\":[\"risk.nonexistent\"]}", CONTENT_INVALID, "tags" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"tags\":[\"risk.tendering\",\"risk.tendering\"]}",
	  CONTENT_INVALID, "tags" },
	{ "{\"kind\":\"case\",\"title\":\"x\",\"minutes\":5,\"body_md\":\"a\\u0001b\"}", CONTENT_INVALID, "body_md" },
	{ "[1,2]", CONTENT_MALFORMED, "body" },
};

int
main(void)
{
	struct test_db t;
	struct qf_error err;
	char field[96], *big;
	json_t *item;
	int64_t id = 0;

	test_db_open(&t);

	for (size_t i = 0; i < sizeof(bad_items) / sizeof(bad_items[0]); i++) {
		item = test_json(bad_items[i].json);
		qf_error_init(&err);
		CHECK_INT(content_item_create(t.db, item, 0, &id, &err), bad_items[i].rc);
		content_error_split(&err, field, sizeof(field));
		CHECK_STR(field, bad_items[i].field);
		if (strcmp(field, bad_items[i].field) != 0)
			fprintf(stderr, "  case %zu: %s → %s\n", i, bad_items[i].json, err.text);
		json_decref(item);
	}

	/* Too long: a title of 101 characters, a summary of 501, a body of 64 KiB + 1 byte. */
	item = test_json("{\"kind\":\"lesson\",\"title\":\"x\",\"minutes\":5}");
	big = malloc(CONTENT_BODY_MAX_BYTES + 2);
	memset(big, 'a', CONTENT_BODY_MAX_BYTES + 1);
	big[CONTENT_BODY_MAX_BYTES + 1] = '\0';
	json_object_set_new(item, "body_md", json_string(big));
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "body_md: ");
	CHECK_CONTAINS(err.text, "65536");
	big[CONTENT_BODY_MAX_BYTES] = '\0';              /* exactly the limit: fine */
	json_object_set_new(item, "body_md", json_string(big));
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_OK);
	big[0] = '\0';
	for (int i = 0; i < 101; i++)
		strcat(big, "廉");
	json_object_set_new(item, "title", json_string(big));
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "title: ");
	big[strlen(big) - 3] = '\0';                     /* 100 characters (300 bytes): fine */
	json_object_set_new(item, "title", json_string(big));
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_OK);
	json_object_set_new(item, "title", json_string("短标题"));
	big[0] = '\0';
	for (int i = 0; i < 501; i++)
		strcat(big, "纪");
	json_object_set_new(item, "summary", json_string(big));
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "summary: ");
	json_decref(item);
	free(big);

	/* The refusals wrote nothing; the two good ones are drafts at version 1. */
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items"), 2);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM item_versions"), 2);

	/* A good item: a draft, its tags, version 1 in the history. */
	item = test_json("{" GOOD_ITEM "}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_OK);
	json_decref(item);
	CHECK(id > 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE status = 'draft' AND version = 1"
	    " AND published_at IS NULL"), 3);
	CHECK_INT(test_int(t.db, "SELECT difficulty FROM items ORDER BY id DESC LIMIT 1"), 2);
	CHECK_INT(test_int(t.db, "SELECT difficulty FROM items ORDER BY id LIMIT 1"), 3);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM item_tags"), 2);

	/* Edits are checked the same way, and name their field. */
	static const struct {
		const char *json;
		enum content_rc rc;
		const char *field;
	} bad_edits[] = {
		{ "{\"kind\":\"lesson\"}", CONTENT_INVALID, "kind" },
		{ "{\"id\":3}", CONTENT_UNKNOWN_FIELD, "id" },
		{ "{\"status\":\"published\"}", CONTENT_UNKNOWN_FIELD, "status" },
		{ "{\"minutes\":0}", CONTENT_INVALID, "minutes" },
		{ "{\"tags\":[\"form.nonexistent\"]}", CONTENT_INVALID, "tags" },
		{ "{\"version\":\"1\"}", CONTENT_MALFORMED, "version" },
		{ "{\"version\":7,\"title\":\"新\"}", CONTENT_STALE, "version" },
	};
	for (size_t i = 0; i < sizeof(bad_edits) / sizeof(bad_edits[0]); i++) {
		int64_t version;
		int changed;

		item = test_json(bad_edits[i].json);
		qf_error_init(&err);
		CHECK_INT(content_item_update(t.db, id, item, 0, &version, &changed, &err), bad_edits[i].rc);
		content_error_split(&err, field, sizeof(field));
		CHECK_STR(field, bad_edits[i].field);
		json_decref(item);
	}
	CHECK_INT(test_int(t.db, "SELECT max(version) FROM items"), 1);

	/* Publishing needs a body and a tag, and says which is missing. */
	item = test_json("{\"kind\":\"case\",\"title\":\"空白草稿\",\"minutes\":5,\"tags\":[\"risk.tendering\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_OK);
	json_decref(item);
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "published", NULL, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "body_md: ");
	item = test_json("{\"kind\":\"case\",\"title\":\"无标签\",\"minutes\":5,\"body_md\":\"正文\"}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_OK);
	json_decref(item);
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "published", NULL, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "tags: ");
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, id, "draft", NULL, &err), CONTENT_INVALID);
	CHECK_CONTAINS(err.text, "status: ");
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(t.db, 9999, "published", NULL, &err), CONTENT_NOT_FOUND);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE status != 'draft'"), 0);

	/* The "field: reason" split. */
	qf_error_init(&err);
	qf_error_set(&err, "questions[2].answer: 多选题至少须有两个正确选项");
	CHECK_STR(content_error_split(&err, field, sizeof(field)), "多选题至少须有两个正确选项");
	CHECK_STR(field, "questions[2].answer");
	qf_error_init(&err);
	qf_error_set(&err, "a sentence: with a colon");
	content_error_split(&err, field, sizeof(field));
	CHECK_STR(field, "");

	test_db_close(&t);
	return check_report("test-validate");
}
