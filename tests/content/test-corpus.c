/*
 * test-corpus.c — the starter corpus imports with no error and is what the
 * issue asks for: at least 150 items (60 cases, 60 lessons) and 400
 * questions, every item tagged, every discipline, risk area, category and
 * novel form used, several industries and regions.
 */
#include "config.h"

#include "tests/content/content-test.h"

int
main(void)
{
	struct content_import_result r;
	struct test_db t;
	struct qf_error err;
	size_t items = 0, questions = 0, len;
	json_t *stats, *tag;
	size_t i;

	test_db_open(&t);
	for (i = 0; i < 3; i++) {
		char *text = test_read_file(test_corpus_files[i], &len);

		qf_error_init(&err);
		CHECK_INT(content_import(t.db, text, len, 0, 0, &r, &err), CONTENT_OK);
		CHECK_INT(json_array_size(r.errors), 0);
		if (json_array_size(r.errors) > 0) {
			char *dump = json_dumps(r.errors, JSON_INDENT(1));

			fprintf(stderr, "%s: %s\n", test_corpus_files[i], dump);
			free(dump);
		}
		items += r.items;
		questions += r.questions;
		content_import_result_free(&r);
		free(text);
	}
	CHECK(items >= 150);
	CHECK(questions >= 400);
	CHECK(test_int(t.db, "SELECT count(*) FROM items WHERE kind = 'case'") >= 60);
	CHECK(test_int(t.db, "SELECT count(*) FROM items WHERE kind = 'lesson'") >= 60);
	CHECK(test_int(t.db, "SELECT count(*) FROM questions") >= 400);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items WHERE status != 'published'"), 0);

	/* Every item tagged: with a discipline and a target category, and has questions. */
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_tags"
	    " t WHERE t.item_id = i.id AND t.tag_code LIKE 'discipline.%')"), 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_tags"
	    " t WHERE t.item_id = i.id AND t.tag_code LIKE 'category.%')"), 0);
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM questions"
	    " q WHERE q.item_id = i.id)"), 0);

	/* Every code of these kinds is used; the counts come from content_stats. */
	qf_error_init(&err);
	CHECK_INT(content_stats(t.db, &stats, &err), CONTENT_OK);
	CHECK_INT(json_integer_value(json_object_get(stats, "untagged_items")), 0);
	{
		size_t used[6] = { 0 }, total[6] = { 0 };
		static const char *const kinds[] = { "discipline", "risk", "category", "form", "industry", "region" };

		json_array_foreach(json_object_get(stats, "tags"), i, tag) {
			const char *kind = json_string_value(json_object_get(tag, "kind"));

			for (size_t k = 0; k < 6; k++) {
				if (strcmp(kind, kinds[k]) != 0)
					continue;
				total[k]++;
				if (json_integer_value(json_object_get(tag, "items")) > 0)
					used[k]++;
				else
					fprintf(stderr, "unused tag: %s\n",
					    json_string_value(json_object_get(tag, "code")));
			}
		}
		CHECK_INT(total[0], 7);
		CHECK_INT(used[0], 7);      /* six disciplines and family conduct */
		CHECK_INT(total[1], 14);
		CHECK_INT(used[1], 14);     /* the twelve risk areas of DOMAIN.md and two more */
		CHECK_INT(used[2], 4);      /* leading, middle, grassroots, new hire */
		CHECK_INT(used[3], 6);      /* crypto bribes, option corruption, shadow companies, ... */
		CHECK(used[4] >= 5);        /* several industries */
		CHECK(used[5] >= 5);        /* several regions */
	}
	json_decref(stats);
	printf("corpus: %zu items, %zu questions\n", items, questions);

	test_db_close(&t);
	return check_report("test-corpus");
}
