/*
 * test-export.c — export round trip: the corpus plus a draft, a retired
 * question and a standalone question, exported, imported into an empty
 * library and exported again, gives the same bytes and the same counts.
 */
#include "config.h"

#include "tests/content/content-test.h"

/* Exports 'db' into a new string (caller frees); '*lines' gets the line count. */
static char *
export_all(sqlite3 *db, const struct content_export_filter *filter, size_t *lines)
{
	struct qf_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	qf_error_init(&err);
	if (content_export(db, filter, out, lines, &err) != CONTENT_OK)
		fprintf(stderr, "export: %s\n", err.text);
	fclose(out);
	return text;
}

int
main(void)
{
	struct test_db a, b;
	struct content_import_result r;
	struct qf_error err;
	size_t lines_a, lines_b, lines;
	char *first, *second, *filtered;
	json_t *value;
	int64_t id, question;

	test_db_open(&a);
	test_load_corpus(a.db, test_corpus_files, 3);

	/* What the corpus lacks: a draft, a retired item, a retired and a standalone question. */
	value = test_json("{\"kind\":\"lesson\",\"title\":\"草稿：新修订条例要点\",\"summary\":\"待审\","
	    "\"body_md\":\"- 第一条\\n- 第二条\",\"minutes\":8,\"difficulty\":1,"
	    "\"tags\":[\"discipline.political\",\"category.new_hire\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(a.db, value, 0, &id, &err), CONTENT_OK);
	json_decref(value);
	qf_error_init(&err);
	CHECK_INT(content_item_set_status(a.db, 3, "retired", NULL, &err), CONTENT_OK);
	qf_error_init(&err);
	CHECK_INT(content_question_retire(a.db, 1, &err), CONTENT_OK);
	value = test_json("{\"type\":\"single\",\"stem\":\"独立题：下列说法正确的是？\","
	    "\"choices\":[\"甲\",\"乙\",\"丙\"],\"answer\":[2],\"explanation\":\"丙对。\","
	    "\"tags\":[\"discipline.mass\"]}");
	qf_error_init(&err);
	CHECK_INT(content_question_create(a.db, value, &question, &err), CONTENT_OK);
	json_decref(value);

	first = export_all(a.db, NULL, &lines_a);
	CHECK_INT(lines_a, 152 + 1 + 1);

	/* Into an empty library, and out again: the same bytes. */
	test_db_open(&b);
	qf_error_init(&err);
	CHECK_INT(content_import(b.db, first, strlen(first), 0, 0, &r, &err), CONTENT_OK);
	CHECK_INT(json_array_size(r.errors), 0);
	CHECK_INT(r.items, 153);
	CHECK_INT(r.questions, 469 + 1);
	content_import_result_free(&r);
	second = export_all(b.db, NULL, &lines_b);
	CHECK_INT(lines_b, lines_a);
	CHECK(strcmp(first, second) == 0);
	if (strcmp(first, second) != 0) {
		size_t i = 0;

		while (first[i] == second[i])
			i++;
		fprintf(stderr, "  exports differ at byte %zu: ...%.80s\n  vs ...%.80s\n", i,
		    first + (i > 20 ? i - 20 : 0), second + (i > 20 ? i - 20 : 0));
	}

	/* The same content, counted in the database. */
	static const char *const counts[] = {
		"SELECT count(*) FROM items WHERE status = 'published'",
		"SELECT count(*) FROM items WHERE status = 'draft'",
		"SELECT count(*) FROM items WHERE status = 'retired'",
		"SELECT count(*) FROM questions WHERE status = 'retired'",
		"SELECT count(*) FROM questions WHERE item_id IS NULL",
		"SELECT count(*) FROM item_tags",
		"SELECT count(*) FROM question_tags",
		"SELECT sum(minutes) FROM items",
		"SELECT sum(length(body_md)) FROM items",
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		CHECK_INT(test_int(b.db, counts[i]), test_int(a.db, counts[i]));

	/* Filters: lessons only, no standalone questions; published only. */
	{
		struct content_export_filter lessons = { NULL, "lesson" }, published = { "published", NULL };

		filtered = export_all(a.db, &lessons, &lines);
		CHECK_INT(lines, test_int(a.db, "SELECT count(*) FROM items WHERE kind = 'lesson'"));
		CHECK(strstr(filtered, "\"kind\":\"case\"") == NULL);
		free(filtered);
		filtered = export_all(a.db, &published, &lines);
		/* Standalone questions follow, filtered by their own status. */
		CHECK_INT(lines, test_int(a.db, "SELECT count(*) FROM items WHERE status = 'published'") +
		    test_int(a.db, "SELECT count(*) FROM questions WHERE item_id IS NULL AND status = 'published'"));
		free(filtered);
	}

	free(first);
	free(second);
	test_db_close(&a);
	test_db_close(&b);
	return check_report("test-export");
}
