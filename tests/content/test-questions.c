/*
 * test-questions.c — quiz questions: choices and answers checked against the
 * type (errors name the field), stored with sorted answers, edited by patch,
 * retired; learners never see answers or retired questions.
 */
#include "config.h"

#include "tests/content/content-test.h"

static const struct {
	const char *json;
	enum content_rc rc;
	const char *field;
} bad_questions[] = {
	{ "{\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0]}", CONTENT_MISSING_FIELD, "type" },
	{ "{\"type\":\"essay\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0]}", CONTENT_INVALID, "type" },
	{ "{\"type\":\"single\",\"choices\":[\"a\",\"b\"],\"answer\":[0]}", CONTENT_MISSING_FIELD, "stem" },
	{ "{\"type\":\"single\",\"stem\":\"\",\"choices\":[\"a\",\"b\"],\"answer\":[0]}", CONTENT_INVALID, "stem" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"answer\":[0]}", CONTENT_MISSING_FIELD, "choices" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\"],\"answer\":[0]}", CONTENT_INVALID, "choices" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"],"
	  "\"answer\":[0]}", CONTENT_INVALID, "choices" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"a\"],\"answer\":[0]}", CONTENT_INVALID, "choices" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"\"],\"answer\":[0]}", CONTENT_INVALID, "choices[1]" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",2],\"answer\":[0]}", CONTENT_MALFORMED, "choices[1]" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":\"a,b\",\"answer\":[0]}", CONTENT_MALFORMED, "choices" },
	{ "{\"type\":\"truefalse\",\"stem\":\"s\",\"choices\":[\"对\",\"错\",\"不知道\"],\"answer\":[0]}",
	  CONTENT_INVALID, "choices" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"]}", CONTENT_MISSING_FIELD, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0,1]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"truefalse\",\"stem\":\"s\",\"choices\":[\"对\",\"错\"],\"answer\":[0,1]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"multiple\",\"stem\":\"s\",\"choices\":[\"a\",\"b\",\"c\"],\"answer\":[1]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"multiple\",\"stem\":\"s\",\"choices\":[\"a\",\"b\",\"c\"],\"answer\":[1,1]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[2]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[-1]}", CONTENT_INVALID, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[\"0\"]}", CONTENT_MALFORMED, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":0}", CONTENT_MALFORMED, "answer" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0],\"tags\":[\"x.y\"]}",
	  CONTENT_INVALID, "tags" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0],\"item_id\":999}",
	  CONTENT_INVALID, "item_id" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0],\"item_id\":\"1\"}",
	  CONTENT_MALFORMED, "item_id" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0],\"status\":\"retired\"}",
	  CONTENT_UNKNOWN_FIELD, "status" },
	{ "{\"type\":\"single\",\"stem\":\"s\",\"choices\":[\"a\",\"b\"],\"answer\":[0],\"hint\":\"h\"}",
	  CONTENT_UNKNOWN_FIELD, "hint" },
};

int
main(void)
{
	struct test_db t;
	struct qf_error err;
	char field[96];
	json_t *value, *item;
	int64_t item_id, id, standalone;

	test_db_open(&t);
	for (size_t i = 0; i < sizeof(bad_questions) / sizeof(bad_questions[0]); i++) {
		value = test_json(bad_questions[i].json);
		qf_error_init(&err);
		CHECK_INT(content_question_create(t.db, value, &id, &err), bad_questions[i].rc);
		content_error_split(&err, field, sizeof(field));
		CHECK_STR(field, bad_questions[i].field);
		json_decref(value);
	}
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions"), 0);

	value = test_json("{\"kind\":\"case\",\"title\":\"某县某局招投标违纪案\",\"minutes\":15,"
	    "\"body_md\":\"正文\",\"tags\":[\"discipline.integrity\",\"risk.tendering\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, value, 0, &item_id, &err), CONTENT_OK);
	json_decref(value);

	/* A multiple-choice question attached to the item: its answer is stored sorted. */
	value = json_pack("{s:I,s:s,s:s,s:[s,s,s,s],s:[i,i,i],s:s,s:[s]}", "item_id",
	    (json_int_t)item_id, "type", "multiple", "stem", "下列属于违反廉洁纪律的有？",
	    "choices", "收受礼金", "违规宴请", "按时上班", "借用管理服务对象车辆",
	    "answer", 3, 0, 1, "explanation", "按时上班是本分。", "tags", "discipline.integrity");
	qf_error_init(&err);
	CHECK_INT(content_question_create(t.db, value, &id, &err), CONTENT_OK);
	json_decref(value);
	qf_error_init(&err);
	CHECK_INT(content_question_get(t.db, id, &value, &err), CONTENT_OK);
	CHECK_STR(json_string_value(json_object_get(value, "type")), "multiple");
	CHECK_INT(json_integer_value(json_object_get(value, "item_id")), item_id);
	CHECK_INT(json_array_size(json_object_get(value, "answer")), 3);
	CHECK_INT(json_integer_value(json_array_get(json_object_get(value, "answer"), 0)), 0);
	CHECK_INT(json_integer_value(json_array_get(json_object_get(value, "answer"), 2)), 3);
	CHECK_STR(json_string_value(json_array_get(json_object_get(value, "tags"), 0)), "discipline.integrity");
	json_decref(value);

	/* A standalone true/false question. */
	value = test_json("{\"type\":\"truefalse\",\"stem\":\"党员可以收受可能影响公正执行公务的礼品。\","
	    "\"choices\":[\"正确\",\"错误\"],\"answer\":[1]}");
	qf_error_init(&err);
	CHECK_INT(content_question_create(t.db, value, &standalone, &err), CONTENT_OK);
	json_decref(value);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions WHERE item_id IS NULL"), 1);

	/* An edit is a patch: the stem changes, the rest stays; a bad patch names its field. */
	value = test_json("{\"stem\":\"下列哪些行为违反廉洁纪律？\"}");
	qf_error_init(&err);
	CHECK_INT(content_question_update(t.db, id, value, &err), CONTENT_OK);
	json_decref(value);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions WHERE stem = '下列哪些行为违反廉洁纪律？'"
	    " AND answer = '[0,1,3]' AND type = 'multiple'"), 1);
	value = test_json("{\"type\":\"single\"}");
	qf_error_init(&err);
	CHECK_INT(content_question_update(t.db, id, value, &err), CONTENT_INVALID);
	content_error_split(&err, field, sizeof(field));
	CHECK_STR(field, "answer");
	json_decref(value);
	value = test_json("{\"item_id\":null,\"oops\":1}");
	qf_error_init(&err);
	CHECK_INT(content_question_update(t.db, id, value, &err), CONTENT_UNKNOWN_FIELD);
	json_decref(value);
	value = test_json("{\"item_id\":null}");
	qf_error_init(&err);
	CHECK_INT(content_question_update(t.db, standalone, value, &err), CONTENT_OK);
	json_decref(value);
	qf_error_init(&err);
	CHECK_INT(content_question_update(t.db, 9999, value = test_json("{}"), &err), CONTENT_NOT_FOUND);
	json_decref(value);

	/* Learners see the question without its answer; editors with it. */
	CHECK_INT(content_item_set_status(t.db, item_id, "published", NULL, &err), CONTENT_OK);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, item_id, CONTENT_VIEW_LEARNER, &item, &err), CONTENT_OK);
	value = json_array_get(json_object_get(item, "questions"), 0);
	CHECK_INT(json_array_size(json_object_get(item, "questions")), 1);
	CHECK(json_object_get(value, "answer") == NULL);
	CHECK(json_object_get(value, "explanation") == NULL);
	CHECK_INT(json_array_size(json_object_get(value, "choices")), 4);
	json_decref(item);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, item_id, CONTENT_VIEW_EDITOR, &item, &err), CONTENT_OK);
	CHECK(json_object_get(json_array_get(json_object_get(item, "questions"), 0), "answer") != NULL);
	json_decref(item);

	/* Retired: gone for learners, still there for editors; retiring twice is refused. */
	qf_error_init(&err);
	CHECK_INT(content_question_retire(t.db, id, &err), CONTENT_OK);
	qf_error_init(&err);
	CHECK_INT(content_question_retire(t.db, id, &err), CONTENT_TRANSITION);
	qf_error_init(&err);
	CHECK_INT(content_question_retire(t.db, 4242, &err), CONTENT_NOT_FOUND);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, item_id, CONTENT_VIEW_LEARNER, &item, &err), CONTENT_OK);
	CHECK_INT(json_array_size(json_object_get(item, "questions")), 0);
	json_decref(item);
	qf_error_init(&err);
	CHECK_INT(content_question_list(t.db, item_id, 10, 0, &value, &err), CONTENT_OK);
	CHECK_INT(json_integer_value(json_object_get(value, "total")), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(value, "questions"), 0),
	    "status")), "retired");
	json_decref(value);
	qf_error_init(&err);
	CHECK_INT(content_question_list(t.db, 0, 10, 0, &value, &err), CONTENT_OK);
	CHECK_INT(json_integer_value(json_object_get(value, "total")), 1);
	json_decref(value);

	test_db_close(&t);
	return check_report("test-questions");
}
