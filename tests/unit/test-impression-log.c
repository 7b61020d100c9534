/*
 * test-impression-log.c — the worker's impression log (fcgi/impression-log.c)
 * on a real database, without the web server: the rows a feed stands for
 * (reviews left out, positions in the feed as shown); written at once when no
 * request waits, held back while one does until the batch is big or old
 * enough; a batch refused by another writer's lock is rolled back and kept,
 * with no transaction left open and synchronous back to FULL; past
 * IMPRESSION_LOG_MAX_ROWS the oldest rows are dropped and counted in one
 * warning; what is left is written when the log closes. Without memory for
 * the log (malloc and calloc failing on purpose: the test links with
 * -Wl,--wrap) a feed is refused whole, rows already queued stay, and the
 * feed's own write (impression_write_now) stores it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fcgi/extern.h"
#include "tests/unit/check.h"

static sqlite3 *db_seen;   /* the app's connection, for the counts */

/* The app's own malloc and calloc (not SQLite's or Jansson's): the next ones fail while these are set. */
static int fail_next_malloc, fail_next_calloc;
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *
__wrap_malloc(size_t size)
{
	if (fail_next_malloc > 0) {
		fail_next_malloc--;
		return NULL;
	}
	return __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	if (fail_next_calloc > 0) {
		fail_next_calloc--;
		return NULL;
	}
	return __real_calloc(n, size);
}

static long long
value(const char *sql)
{
	sqlite3_stmt *stmt;
	long long v = -1;

	if (sqlite3_prepare_v2(db_seen, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static const char *
text(const char *sql)
{
	static char out[4096];
	sqlite3_stmt *stmt;

	snprintf(out, sizeof(out), "(none)");
	if (sqlite3_prepare_v2(db_seen, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
		snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return out;
}

/* A feed of 'n' entries, items first_item.. in order; entry i is a review when bit i of 'reviews' is set. */
static json_t *
feed_entries(size_t n, int64_t first_item, unsigned reviews)
{
	json_t *items = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *entry = json_pack("{s:I}", "id", (json_int_t)(first_item + (int64_t)i));

		if (reviews & (1u << i))
			json_object_set_new(entry, "question_id", json_integer(7));
		json_array_append_new(items, entry);
	}
	return items;
}

/* Queues a feed of 'n' entries of cadre 1 shown at 'created_at'; 0 or -1. */
static int
add_feed(struct app *app, size_t n, unsigned reviews, int64_t created_at, const char *version,
    const char *arm)
{
	struct impression_feed shown = { 1, created_at, version, arm, feed_entries(n, 1, reviews) };
	int rc = impression_log_add(app, &shown);

	json_decref(shown.items);
	return rc;
}

static long long
impressions(void)
{
	return value("SELECT count(*) FROM events WHERE kind = 'impression'");
}

/* Runs impression_log_close with stderr sent to a file; returns what was logged. */
static const char *
close_logged(struct app *app)
{
	static char out[8192];
	FILE *capture = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	if (capture == NULL || saved < 0)
		exit(99);
	fflush(stderr);
	dup2(fileno(capture), STDERR_FILENO);
	impression_log_close(app);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(capture);
	n = fread(out, 1, sizeof(out) - 1, capture);
	out[n] = '\0';
	fclose(capture);
	return out;
}

int
main(void)
{
	char dir[] = "/tmp/qf-test-impression-log-XXXXXX", path[256];
	struct server_config config = { .workers = 1 };
	struct qf_error err;
	struct app app;
	sqlite3 *setup, *other;
	int waiting[2];
	long long before;
	const char *logged;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	qf_error_init(&err);
	setup = db_open(path, DB_OPEN_CREATE, &err);
	if (setup == NULL || db_migrate(setup, &err) < 0 ||
	    db_exec(setup, "INSERT INTO units(id, name) VALUES (1, '某省纪委监委');"
	    "INSERT INTO users(id, login, password_hash, name, role, unit_id) VALUES (1, 'c', 'x', '甲', 'cadre', 1);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)"
	    " INSERT INTO items(id, kind, status, title, minutes) SELECT i, 'lesson', 'published', '课' || i, 5 FROM n;",
	    &err) < 0) {
		fprintf(stderr, "%s\n", err.text);
		return 99;
	}
	db_close(setup);
	config.db_path = path;
	if (app_open(&app, &config, &err) < 0) {
		fprintf(stderr, "%s\n", err.text);
		return 99;
	}
	db_seen = app.db;

	/* A feed of ten with reviews at the second and fifth places: eight rows, written at once. */
	CHECK_INT(impression_log_due_in_us(&app), -1);
	CHECK_INT(add_feed(&app, 10, 1u << 1 | 1u << 4, 1000, "0123456789abcdef", "control"), 0);
	CHECK(impression_log_due_in_us(&app) >= 0);
	CHECK(impression_log_due_in_us(&app) <= IMPRESSION_LOG_MAX_AGE_US);
	impression_log_write_due(&app, -1, -1);
	CHECK_INT(impressions(), 8);
	CHECK_STR(text("SELECT group_concat(item_id || ':' || position, ' ') FROM (SELECT item_id, position"
	    " FROM events WHERE kind = 'impression' ORDER BY position)"), "1:1 3:3 4:4 6:6 7:7 8:8 9:9 10:10");
	CHECK_STR(text("SELECT group_concat(DISTINCT arm || ' ' || model_version || ' ' || created_at || ' ' || user_id)"
	    " FROM events WHERE kind = 'impression'"), "control 0123456789abcdef 1000 1");
	CHECK_INT(value("SELECT count(*) FROM pushes WHERE shown_at = 1000"), 8);
	CHECK_INT(impression_log_due_in_us(&app), -1);
	CHECK_INT(value("PRAGMA synchronous"), 2);
	CHECK_INT(sqlite3_get_autocommit(app.db), 1);

	/* No model: model_version NULL. */
	CHECK_INT(add_feed(&app, 3, 0, 1001, NULL, "personalised"), 0);
	impression_log_write(&app);
	CHECK_INT(value("SELECT count(*) FROM events WHERE created_at = 1001 AND model_version IS NULL"
	    " AND arm = 'personalised'"), 3);

	/* A request waiting on the connection: held back until the batch is big enough... */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, waiting) < 0 || write(waiting[1], "x", 1) != 1)
		return 99;
	before = impressions();
	CHECK_INT(add_feed(&app, 10, 0, 1002, NULL, "control"), 0);
	impression_log_write_due(&app, waiting[0], -1);
	CHECK_INT(impressions(), before);
	for (int i = 1; i < IMPRESSION_LOG_BATCH_ROWS / 10 - 1; i++)
		CHECK_INT(add_feed(&app, 10, 0, 1002, NULL, "control"), 0);
	impression_log_write_due(&app, waiting[0], -1);
	CHECK_INT(impressions(), before);
	CHECK_INT(add_feed(&app, 10, 0, 1002, NULL, "control"), 0);
	impression_log_write_due(&app, waiting[0], -1);
	CHECK_INT(impressions(), before + IMPRESSION_LOG_BATCH_ROWS);
	/* ... or old enough (the clock only has to have moved past the age) ... */
	before = impressions();
	CHECK_INT(add_feed(&app, 5, 0, 1003, NULL, "control"), 0);
	impression_log_write_due(&app, waiting[0], -1);
	CHECK_INT(impressions(), before);
	nanosleep(&(struct timespec){ 0, (IMPRESSION_LOG_MAX_AGE_US + 20000) * 1000L }, NULL);
	impression_log_write_due(&app, waiting[0], -1);
	CHECK_INT(impressions(), before + 5);
	/* ... and written whatever the load when the worker is idle. */
	CHECK_INT(add_feed(&app, 5, 0, 1004, NULL, "control"), 0);
	impression_log_write(&app);
	CHECK_INT(impressions(), before + 10);

	/* Another writer holds the lock: the batch is rolled back and kept. */
	if (sqlite3_open(path, &other) != SQLITE_OK ||
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return 99;
	before = impressions();
	CHECK_INT(add_feed(&app, 10, 0, 1500, NULL, "control"), 0);
	impression_log_write(&app);
	CHECK_INT(impressions(), before);
	CHECK_INT(sqlite3_get_autocommit(app.db), 1);
	CHECK_INT(value("PRAGMA synchronous"), 2);
	CHECK(impression_log_due_in_us(&app) >= 0);

	/* Past the bound the oldest go: 10 + 2,100 × 10 rows queued, 20,000 kept. */
	for (int i = 0; i < 2100; i++)
		CHECK_INT(add_feed(&app, 10, 0, 2000 + i, NULL, "control"), 0);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	logged = close_logged(&app);
	CHECK_CONTAINS(logged, "dropped the 1010 oldest");
	CHECK_CONTAINS(logged, "20000 queued rows written before exit");
	CHECK_INT(value("SELECT count(*) FROM events WHERE created_at >= 1500"), IMPRESSION_LOG_MAX_ROWS);
	CHECK_INT(value("SELECT min(created_at) FROM events WHERE created_at >= 1500"), 2100);
	CHECK_INT(value("SELECT max(created_at) FROM events"), 2000 + 2099);
	CHECK_INT(value("SELECT count(*) FROM (SELECT created_at FROM (SELECT created_at, position FROM events"
	    " WHERE created_at >= 1500 ORDER BY created_at, position) GROUP BY created_at"
	    " HAVING group_concat(position) = '1,2,3,4,5,6,7,8,9,10')"), 2000);
	CHECK_INT(value("PRAGMA synchronous"), 2);

	/* No memory for the log: the feed is refused whole, and written by the page itself. */
	before = impressions();
	fail_next_calloc = 1;
	CHECK_INT(add_feed(&app, 10, 0, 5000, NULL, "personalised"), -1);
	CHECK(app.impressions == NULL);
	fail_next_malloc = 1;
	CHECK_INT(add_feed(&app, 10, 0, 5000, NULL, "personalised"), -1);
	CHECK_INT(impression_log_due_in_us(&app), -1);
	{
		/* Twelve entries, a review second: eleven rows, in two statements (ten, then one). */
		struct request req = { .app = &app };
		struct impression_feed shown = { 1, 5000, "0123456789abcdef", "personalised",
		    feed_entries(12, 1, 1u << 1) };

		CHECK_INT(impression_write_now(&req, &shown), 0);
		json_decref(shown.items);
	}
	CHECK_INT(impressions(), before + 11);
	CHECK_STR(text("SELECT group_concat(position || ':' || item_id) FROM (SELECT position, item_id FROM events"
	    " WHERE created_at = 5000 ORDER BY id)"), "1:1,3:3,4:4,5:5,6:6,7:7,8:8,9:9,10:10,11:11,12:12");
	CHECK_INT(sqlite3_get_autocommit(app.db), 1);

	/* The ring cannot grow: the new feed is refused, the 250 rows queued before it are kept. */
	before = impressions();
	for (int i = 0; i < 25; i++)
		CHECK_INT(add_feed(&app, 10, 0, 6000 + i, NULL, "control"), 0);
	fail_next_malloc = 1;
	CHECK_INT(add_feed(&app, 10, 0, 6100, NULL, "control"), -1);
	impression_log_write(&app);
	CHECK_INT(impressions(), before + 250);
	CHECK_INT(value("SELECT count(*) FROM events WHERE created_at = 6100"), 0);
	CHECK_INT(add_feed(&app, 10, 0, 6200, NULL, "control"), 0);
	impression_log_write(&app);
	CHECK_INT(impressions(), before + 260);
	impression_log_close(&app);

	app_close(&app);
	close(waiting[0]);
	close(waiting[1]);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return check_report("test-impression-log");
}
