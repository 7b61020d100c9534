/*
 * campaign-bench.c — what the campaigns add to a feed request: the time of
 * campaign_feed_entries() (the feed's one query for a cadre's outstanding
 * campaign items) over many cadres of a database, e.g. the feed benchmark's
 * 100,000 cadres with campaigns added. Not a test: prints figures.
 *
 *   tests/bench/campaign-bench DB [CADRES]      (make tests/bench/campaign-bench)
 *
 * Prints the active campaigns, how many cadres had campaign items, and
 * the mean, median and 99th percentile microseconds per call; then, for
 * each live campaign, the time campaign_people() takes over the whole tree
 * (what coverage, its export and the warnings cost).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fcgi/extern.h"

static int
by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct qf_error err;
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int64_t *users, *micros, total = 0, campaigns = 0;
	size_t want = argc > 2 ? (size_t)atol(argv[2]) : 2000, n = 0, with = 0, entries = 0;
	int64_t now = clock_unix_s();

	if (argc < 2) {
		fprintf(stderr, "usage: %s DB [CADRES]\n", argv[0]);
		return 2;
	}
	qf_error_init(&err);
	if ((db = db_open(argv[1], DB_OPEN_EXISTING, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	users = calloc(want, sizeof(*users));
	micros = calloc(want, sizeof(*micros));
	if (users == NULL || micros == NULL)
		return 1;
	/* Cadres spread over the table: every k-th one. */
	if (sqlite3_prepare_v2(db, "SELECT id FROM users WHERE role = 'cadre' AND id % max(1, (SELECT count(*)"
	    " FROM users) / ?1) = 0 LIMIT ?1", -1, &stmt, NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)want);
	while (sqlite3_step(stmt) == SQLITE_ROW && n < want)
		users[n++] = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM campaigns WHERE status = 'active' AND start_at <= ?1",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, now);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			campaigns = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *list = NULL;
		int64_t start = clock_monotonic_us();

		if (campaign_feed_entries(db, users[i], now, CAMPAIGN_FEED_SLOTS_MAX, &list, &err) < 0) {
			fprintf(stderr, "%s\n", err.text);
			return 1;
		}
		micros[i] = clock_monotonic_us() - start;
		total += micros[i];
		with += json_array_size(list) > 0;
		entries += json_array_size(list);
		json_decref(list);
	}
	qsort(micros, n, sizeof(*micros), by_value);
	/* Coverage and warnings: each live campaign's targeted cadres over the whole tree. */
	if (sqlite3_prepare_v2(db, "SELECT id FROM campaigns WHERE status = 'active' ORDER BY id", -1, &stmt,
	    NULL) == SQLITE_OK) {
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			struct campaign_info c;
			struct campaign_person *people = NULL;
			size_t count = 0, done = 0;
			int64_t start = clock_monotonic_us();

			if (campaign_info_load(db, sqlite3_column_int64(stmt, 0), &c, &err) <= 0 ||
			    campaign_people(db, &c, SCOPE_ALL_UNITS, now, &people, &count, &err) < 0) {
				fprintf(stderr, "%s\n", err.text);
				return 1;
			}
			for (size_t i = 0; i < count; i++)
				done += people[i].done;
			printf("campaign_people(%lld \"%s\"): %zu targeted, %zu done, %.1f ms\n", (long long)c.id, c.title,
			    count, done, (double)(clock_monotonic_us() - start) / 1000.0);
			free(people);
		}
		sqlite3_finalize(stmt);
	}
	printf("active campaigns: %lld; cadres: %zu, %zu with campaign items (%zu items in all)\n",
	    (long long)campaigns, n, with, entries);
	if (n > 0)
		printf("campaign_feed_entries: mean %.0f us, median %lld us, p99 %lld us\n",
		    (double)total / (double)n, (long long)micros[n / 2], (long long)micros[n * 99 / 100]);
	free(users);
	free(micros);
	stmt_cache_close(db);
	db_close(db);
	return 0;
}
