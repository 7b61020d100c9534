/*
 * test-import.c — JSON Lines import: 50 lines with 5 bad ones (bad JSON,
 * missing title, unknown tag, negative minutes, oversize body) report
 * exactly those 5 with line, field and message and import nothing; with
 * the partial flag the 45 good ones go in. A bad question sinks its item
 * whole; blank lines and CRLF count as lines; standalone questions import.
 */
#include "config.h"

#include "tests/content/content-test.h"

/* Appends 'value' as one line to 'out' (steals 'value'). */
static void
append(FILE *out, json_t *value)
{
	json_dumpf(value, out, JSON_COMPACT);
	fputc('\n', out);
	json_decref(value);
}

static enum content_rc
run_import(sqlite3 *db, const char *text, size_t len, unsigned flags,
    struct content_import_result *result)
{
	struct qf_error err;
	enum content_rc rc;

	qf_error_init(&err);
	rc = content_import(db, text, len, flags, 0, result, &err);
	if (rc == CONTENT_INTERNAL)
		fprintf(stderr, "import: %s\n", err.text);
	return rc;
}

static const char *
error_field(const struct content_import_result *r, size_t i)
{
	return json_string_value(json_object_get(json_array_get(r->errors, i), "field"));
}

static long long
error_line(const struct content_import_result *r, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(r->errors, i), "line"));
}

int
main(void)
{
	static const int bad_lines[] = { 7, 13, 21, 30, 44 };
	static const char *const bad_fields[] = { "json", "title", "tags", "minutes", "body_md" };
	struct content_import_result r;
	struct test_db t;
	char *corpus, *line, *save = NULL, *text = NULL, *big;
	size_t len = 0, good = 0, bad = 0, expected_questions = 0;
	json_t *sources[45];
	FILE *out;

	test_db_open(&t);

	/* 45 good lines from the corpus, 5 bad ones among them. */
	corpus = test_read_file("content/corpus/lessons.jsonl", NULL);
	for (line = strtok_r(corpus, "\n", &save); line != NULL && good < 45;
	    line = strtok_r(NULL, "\n", &save))
		sources[good++] = test_json(line);
	free(corpus);
	CHECK_INT(good, 45);
	big = malloc(70001);
	memset(big, 'x', 70000);
	big[70000] = '\0';
	out = open_memstream(&text, &len);
	good = 0;
	for (int n = 1; n <= 50; n++) {
		json_t *value;

		if (bad < 5 && n == bad_lines[bad]) {
			value = json_deep_copy(sources[bad]);
			switch (bad) {
			case 0:
				json_decref(value);
				fputs("{\"kind\":\"case\",\"title\":\"坏的 JSON\",\n", out);
				bad++;
				continue;
			case 1: json_object_del(value, "title"); break;
			case 2: json_array_append_new(json_object_get(value, "tags"), json_string("risk.nonexistent")); break;
			case 3: json_object_set_new(value, "minutes", json_integer(-10)); break;
			case 4: json_object_set_new(value, "body_md", json_string(big)); break;
			}
			append(out, value);
			bad++;
			continue;
		}
		expected_questions += json_array_size(json_object_get(sources[good], "questions"));
		append(out, json_incref(sources[good++]));
	}
	fclose(out);
	free(big);

	/* All or nothing: exactly the 5 bad lines, and the library is unchanged. */
	CHECK_INT(run_import(t.db, text, len, 0, &r), CONTENT_INVALID);
	CHECK_INT(r.lines, 50);
	CHECK_INT(json_array_size(r.errors), 5);
	for (size_t i = 0; i < 5; i++) {
		CHECK_INT(error_line(&r, i), bad_lines[i]);
		CHECK_STR(error_field(&r, i), bad_fields[i]);
		CHECK(json_string_length(json_object_get(json_array_get(r.errors, i), "message")) > 0);
	}
	CHECK_INT(r.items, 0);
	content_import_result_free(&r);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items"), 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions"), 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM item_versions"), 0);

	/* Partial: the 45 good ones with their questions, the same 5 reported. */
	CHECK_INT(run_import(t.db, text, len, CONTENT_IMPORT_PARTIAL, &r), CONTENT_OK);
	CHECK_INT(r.items, 45);
	CHECK_INT(r.questions, expected_questions);
	CHECK_INT(json_array_size(r.ids), 45);
	CHECK_INT(json_array_size(r.errors), 5);
	CHECK_INT(error_line(&r, 4), 44);
	content_import_result_free(&r);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items"), 45);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE status = 'published'"), 45);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions"), (long long)expected_questions);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM item_versions"), 45);
	free(text);
	for (size_t i = 0; i < 45; i++)
		json_decref(sources[i]);

	/* A bad question sinks its whole item, even in a partial import. */
	static const char nested[] =
	    "{\"kind\":\"case\",\"title\":\"题目有误的案例\",\"minutes\":5,\"body_md\":\"正文\","
	    "\"tags\":[\"discipline.work\"],\"questions\":["
	    "{\"type\":\"single\",\"stem\":\"好题\",\"choices\":[\"甲\",\"乙\"],\"answer\":[0]},"
	    "{\"type\":\"multiple\",\"stem\":\"坏题\",\"choices\":[\"甲\",\"乙\",\"丙\"],\"answer\":[0]}]}\n";
	CHECK_INT(run_import(t.db, nested, strlen(nested), CONTENT_IMPORT_PARTIAL, &r), CONTENT_OK);
	CHECK_INT(r.items, 0);
	CHECK_STR(error_field(&r, 0), "questions[1].answer");
	content_import_result_free(&r);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE title = '题目有误的案例'"), 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions WHERE stem = '好题'"), 0);

	/* Line numbers count blank lines and CRLF endings; odd lines are named. */
	static const char mixed[] =
	    "\r\n"
	    "{\"type\":\"truefalse\",\"stem\":\"独立判断题\",\"choices\":[\"正确\",\"错误\"],\"answer\":[0]}\r\n"
	    "\n"
	    "[1,2,3]\n"
	    "{\"kind\":\"case\",\"kind\":\"lesson\",\"title\":\"重复键\",\"minutes\":5}\n"
	    "{\"kind\":\"lesson\",\"title\":\"空正文却要发布\",\"minutes\":5,\"status\":\"published\","
	    "\"tags\":[\"discipline.work\"]}\n"
	    "{\"kind\":\"lesson\",\"title\":\"草稿微课\",\"minutes\":5,\"status\":\"draft\"}\n"
	    "{\"stem\":\"没有 kind 也没有 type\"}";
	CHECK_INT(run_import(t.db, mixed, strlen(mixed), 0, &r), CONTENT_INVALID);
	CHECK_INT(r.lines, 6);
	CHECK_INT(json_array_size(r.errors), 4);
	CHECK_INT(error_line(&r, 0), 4);
	CHECK_STR(error_field(&r, 0), "json");
	CHECK_INT(error_line(&r, 1), 5);
	CHECK_STR(error_field(&r, 1), "json");
	CHECK_INT(error_line(&r, 2), 6);
	CHECK_STR(error_field(&r, 2), "body_md");
	CHECK_INT(error_line(&r, 3), 8);
	CHECK_STR(error_field(&r, 3), "stem");
	content_import_result_free(&r);
	CHECK_INT(run_import(t.db, mixed, strlen(mixed), CONTENT_IMPORT_PARTIAL, &r), CONTENT_OK);
	CHECK_INT(r.items, 1);
	CHECK_INT(r.questions, 1);
	content_import_result_free(&r);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM questions WHERE item_id IS NULL AND stem = '独立判断题'"), 1);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE title = '草稿微课' AND status = 'draft'"), 1);

	/* An empty file imports nothing, without error. */
	CHECK_INT(run_import(t.db, "\n\n", 2, 0, &r), CONTENT_OK);
	CHECK_INT(r.items + r.questions + json_array_size(r.errors), 0);
	content_import_result_free(&r);

	/* Too many lines: one error for the file, nothing written. */
	{
		size_t n = CONTENT_IMPORT_MAX_LINES + 1, each = strlen("{}\n");
		char *many = malloc(n * each + 1);

		for (size_t i = 0; i < n; i++)
			memcpy(many + i * each, "{}\n", each);
		many[n * each] = '\0';
		CHECK_INT(run_import(t.db, many, n * each, CONTENT_IMPORT_PARTIAL, &r), CONTENT_INVALID);
		CHECK_INT(json_array_size(r.errors), 1);
		CHECK_STR(error_field(&r, 0), "file");
		content_import_result_free(&r);
		free(many);
	}
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items"), 46);

	test_db_close(&t);
	return check_report("test-import");
}
