/*
 * test-search.c — search over the starter corpus: Chinese words of two
 * characters (below the trigram index) and of three or more, mixed; tag
 * filters (one and several), kind and status; paging with a total; the FTS
 * index follows edits; FTS syntax in a query is just text.
 */
#include "config.h"

#include "tests/content/content-test.h"

static json_t *
search(sqlite3 *db, const char *text, const char *tags, const char *status, const char *kind,
    int64_t limit, int64_t offset)
{
	struct content_search s = { text, tags, status, kind, limit, offset };
	struct qf_error err;
	json_t *out = NULL;

	qf_error_init(&err);
	if (content_search_run(db, &s, &out, &err) != CONTENT_OK)
		fprintf(stderr, "search '%s': %s\n", text ? text : "", err.text);
	return out;
}

static long long
total(json_t *result)
{
	return result != NULL ? json_integer_value(json_object_get(result, "total")) : -1;
}

/* The number of items whose title, summary or body holds every word given. */
static long long
scan_count(sqlite3 *db, const char *a, const char *b)
{
	sqlite3_stmt *stmt;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM items WHERE"
	    " instr(title || summary || body_md, ?1) > 0 AND (?2 IS NULL OR"
	    " instr(title || char(10) || summary || char(10) || body_md, ?2) > 0)", -1, &stmt, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, a, -1, SQLITE_STATIC);
		if (b != NULL)
			sqlite3_bind_text(stmt, 2, b, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			n = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return n;
}

int
main(void)
{
	struct test_db t;
	struct qf_error err;
	json_t *r, *page, *row, *value;
	long long n, expected;
	int64_t id, version;
	int changed;
	size_t i;

	test_db_open(&t);
	test_load_corpus(t.db, test_corpus_files, 3);

	/* Two characters: below the trigram index, found by the scan; counts match SQL's. */
	r = search(t.db, "受贿", NULL, NULL, NULL, 100, 0);
	expected = scan_count(t.db, "受贿", NULL);
	CHECK(expected > 10);
	CHECK_INT(total(r), expected);
	json_decref(r);
	r = search(t.db, "廉", NULL, NULL, NULL, 5, 0);
	CHECK_INT(total(r), scan_count(t.db, "廉", NULL));
	CHECK_INT(json_array_size(json_object_get(r, "items")), 5);
	json_decref(r);

	/* Three and more: the trigram index; the same answer a scan gives. */
	r = search(t.db, "虚拟货币", NULL, NULL, NULL, 0, 0);
	CHECK(total(r) > 0);
	CHECK_INT(total(r), scan_count(t.db, "虚拟货币", NULL));
	json_decref(r);
	r = search(t.db, "招投标", NULL, NULL, NULL, 0, 0);
	CHECK_INT(total(r), scan_count(t.db, "招投标", NULL));
	json_decref(r);

	/* Mixed: every word must occur. */
	r = search(t.db, "虚拟货币　受贿", NULL, NULL, NULL, 0, 0);
	n = total(r);
	CHECK(n > 0);
	CHECK_INT(n, scan_count(t.db, "虚拟货币", "受贿"));
	json_decref(r);
	r = search(t.db, "  受贿   礼金 ", NULL, NULL, NULL, 0, 0);
	CHECK_INT(total(r), scan_count(t.db, "受贿", "礼金"));
	json_decref(r);
	r = search(t.db, "受贿 没有这种说法的词语", NULL, NULL, NULL, 0, 0);
	CHECK_INT(total(r), 0);
	json_decref(r);

	/* A whole title finds its item first (title hits weigh most). */
	r = search(t.db, "住建局原局长串供转移财物对抗组织审查案", NULL, NULL, NULL, 0, 0);
	CHECK(total(r) >= 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	    "title")), "住建局原局长串供转移财物对抗组织审查案");
	json_decref(r);

	/* FTS syntax is just text: no error, no match. */
	static const char *const odd[] = { "\"", "\"受贿", "NEAR(a b)", "a OR b", "廉* -x", "'; DROP TABLE items; --" };
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		r = search(t.db, odd[i], NULL, NULL, NULL, 0, 0);
		CHECK(r != NULL);
		json_decref(r);
	}
	CHECK_INT(test_int(t.db, "SELECT count(*) FROM items"), 152);

	/* Tag filters: one tag, two tags (both required), with words and kind. */
	r = search(t.db, NULL, "risk.tendering", NULL, NULL, 100, 0);
	CHECK_INT(total(r), test_int(t.db, "SELECT count(*) FROM item_tags WHERE tag_code = 'risk.tendering'"));
	json_array_foreach(json_object_get(r, "items"), i, row) {
		int tagged = 0;
		size_t j;

		json_array_foreach(json_object_get(row, "tags"), j, value)
			tagged |= strcmp(json_string_value(value), "risk.tendering") == 0;
		CHECK(tagged);
	}
	json_decref(r);
	r = search(t.db, NULL, "discipline.integrity,category.leading", NULL, NULL, 100, 0);
	CHECK_INT(total(r), test_int(t.db, "SELECT count(*) FROM item_tags a JOIN item_tags b"
	    " ON a.item_id = b.item_id WHERE a.tag_code = 'discipline.integrity'"
	    " AND b.tag_code = 'category.leading'"));
	CHECK(total(r) > 0);
	json_decref(r);
	r = search(t.db, NULL, "discipline.integrity,discipline.integrity", NULL, NULL, 100, 0);
	CHECK_INT(total(r), test_int(t.db, "SELECT count(*) FROM item_tags WHERE tag_code = 'discipline.integrity'"));
	json_decref(r);
	r = search(t.db, "受贿", "discipline.integrity", NULL, "case", 100, 0);
	n = total(r);
	CHECK(n > 0);
	json_array_foreach(json_object_get(r, "items"), i, row)
		CHECK_STR(json_string_value(json_object_get(row, "kind")), "case");
	json_decref(r);
	r = search(t.db, NULL, NULL, NULL, "lesson", 1, 0);
	CHECK_INT(total(r), test_int(t.db, "SELECT count(*) FROM items WHERE kind = 'lesson'"));
	json_decref(r);

	/* An unknown tag or status is an error naming the parameter. */
	{
		struct content_search s = { NULL, "risk.nonexistent", NULL, NULL, 0, 0 };

		qf_error_init(&err);
		CHECK_INT(content_search_run(t.db, &s, &r, &err), CONTENT_INVALID);
		CHECK_CONTAINS(err.text, "tag: ");
		s.tags = NULL;
		s.status = "deleted";
		qf_error_init(&err);
		CHECK_INT(content_search_run(t.db, &s, &r, &err), CONTENT_INVALID);
		CHECK_CONTAINS(err.text, "status: ");
		s.status = NULL;
		s.limit = 101;
		qf_error_init(&err);
		CHECK_INT(content_search_run(t.db, &s, &r, &err), CONTENT_INVALID);
	}

	/* Paging: the total stays, pages do not overlap, together they cover it. */
	r = search(t.db, "纪律", NULL, NULL, NULL, 100, 0);
	n = total(r);
	CHECK(n > 20);
	json_decref(r);
	{
		long long seen = 0, last_id = -1;
		int overlap = 0;
		json_t *ids = json_object();

		for (int64_t offset = 0; offset < n; offset += 7) {
			page = search(t.db, "纪律", NULL, NULL, NULL, 7, offset);
			CHECK_INT(total(page), n);
			json_array_foreach(json_object_get(page, "items"), i, row) {
				char key[32];

				snprintf(key, sizeof(key), "%lld",
				    (long long)json_integer_value(json_object_get(row, "id")));
				overlap |= json_object_get(ids, key) != NULL;
				json_object_set_new(ids, key, json_true());
				seen++;
				last_id = json_integer_value(json_object_get(row, "id"));
			}
			json_decref(page);
		}
		CHECK_INT(seen, n);
		CHECK(!overlap);
		CHECK(last_id > 0);
		json_decref(ids);
		page = search(t.db, "纪律", NULL, NULL, NULL, 7, n);
		CHECK_INT(json_array_size(json_object_get(page, "items")), 0);
		CHECK_INT(total(page), n);
		json_decref(page);
	}

	/* Status: a new draft is found with status=draft, not with status=published. */
	value = test_json("{\"kind\":\"case\",\"title\":\"某镇财政所挪用惠民资金案\",\"minutes\":15,"
	    "\"body_md\":\"某镇财政所会计挪用惠民补贴资金用于网络赌博。\",\"tags\":[\"risk.subsidies\"]}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, value, 0, &id, &err), CONTENT_OK);
	json_decref(value);
	r = search(t.db, "财政所", NULL, "draft", NULL, 0, 0);
	CHECK_INT(total(r), 1);
	json_decref(r);
	r = search(t.db, "财政所", NULL, "published", NULL, 0, 0);
	CHECK_INT(total(r), 0);
	json_decref(r);

	/* The index follows an edit: the new title is found, the old one is gone. */
	value = test_json("{\"title\":\"某乡民政办截留低保金案\",\"body_md\":\"某乡民政办主任截留低保金。\"}");
	qf_error_init(&err);
	CHECK_INT(content_item_update(t.db, id, value, 0, &version, &changed, &err), CONTENT_OK);
	json_decref(value);
	r = search(t.db, "财政所", NULL, NULL, NULL, 0, 0);
	CHECK_INT(total(r), 0);
	json_decref(r);
	r = search(t.db, "某乡民政办截留", NULL, NULL, NULL, 0, 0);
	CHECK_INT(total(r), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "id")), id);
	json_decref(r);
	r = search(t.db, "低保", NULL, NULL, NULL, 0, 0);
	CHECK_INT(total(r), scan_count(t.db, "低保", NULL));
	json_decref(r);
	/* The external-content index agrees with the items table (rank 1: check the content too). */
	qf_error_init(&err);
	CHECK_INT(db_exec(t.db, "INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)",
	    &err), 0);

	test_db_close(&t);
	return check_report("test-search");
}
