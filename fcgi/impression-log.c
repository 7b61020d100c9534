/*
 * impression-log.c — the feed's impressions, written behind the reply.
 *
 * Each worker keeps the impressions of the feeds it answered in a ring
 * (oldest first) and writes them to 'events' after the reply has gone out,
 * many feeds to one transaction: at once when no other request is waiting,
 * so a quiet server writes each feed's impressions within a millisecond of
 * its answer; under load (requests waiting) once the batch holds
 * IMPRESSION_LOG_BATCH_ROWS rows or its oldest row is IMPRESSION_LOG_MAX_AGE_US
 * old; on the worker's idle wake-up; and before the worker exits (the SIGTERM
 * drain), so that a graceful stop or restart loses nothing. The rollup
 * triggers on 'events' (pushes) see the same rows as when each feed wrote its
 * own, only later and in bigger transactions.
 *
 * Durability. A batch commits with PRAGMA synchronous=NORMAL (FULL again right
 * after): in WAL mode a committed batch survives a killed process, and only a
 * power loss (or an operating system crash) can drop the last batches before
 * the next full sync. A SIGKILLed worker loses the rows it had not written:
 * at most its one unwritten batch (under IMPRESSION_LOG_BATCH_ROWS rows, not
 * older than IMPRESSION_LOG_MAX_AGE_US), unless a failing database had left
 * more queued. Impressions are a record of what was shown, not a write the
 * cadre was told is saved: that trade is the right one for them, and every
 * acknowledged write (events posted, answers) stays synchronous=FULL.
 *
 * Failures. A batch waits IMPRESSION_LOG_LOCK_WAIT_US for another writer's
 * lock (through the app's busy handler), not the 5 s a request waits: the
 * rows can wait, the worker's next request should not. A batch that cannot
 * be written (SQLITE_BUSY, a full disk, no memory) is rolled back and kept;
 * the next attempt comes IMPRESSION_LOG_RETRY_MIN_US later, doubling up to
 * IMPRESSION_LOG_RETRY_MAX_US, so that a sick database does not stall the
 * worker on every request. The ring holds at most IMPRESSION_LOG_MAX_ROWS
 * rows: past that the oldest are dropped, and the next attempt says how many
 * in one log_warn line. When the log cannot take a feed at all (no memory
 * for the ring), the feed writes its impressions itself before answering, as
 * it always did (impression_write_now). No transaction outlives a batch: one
 * that fails is rolled back before the worker goes on.
 *
 * Single-threaded, like the worker: the log hangs off its struct app.
 */
#include "config.h"

#include <assert.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* Most rows in one transaction: a backlog goes out in pieces between requests. */
#define IMPRESSION_LOG_CHUNK_ROWS 2048
#define IMPRESSION_LOG_MIN_CAPACITY 256
/* How long a batch waits for another writer's lock before it tries later (at exit: the usual 5 s). */
#define IMPRESSION_LOG_LOCK_WAIT_US (250 * 1000)
#define IMPRESSION_LOG_RETRY_MIN_US (250 * 1000)
#define IMPRESSION_LOG_RETRY_MAX_US (4000 * 1000)

/* One impression: the row of 'events' it becomes. */
struct impression {
	int64_t user_id, item_id, created_at;
	int64_t queued_us;              /* monotonic, when the feed was queued */
	int32_t position;               /* 1-based, in the feed as answered */
	char arm[13];                   /* "personalised" or "control" */
	char model_version[17];         /* "" when no model served the feed */
};

struct impression_log {
	struct impression *rows;        /* a ring of 'capacity', 'count' from 'head' */
	size_t capacity, head, count;
	int64_t dropped;                /* rows dropped since the last report */
	int64_t retry_after_us;         /* after a failed batch: not before then */
	int64_t retry_delay_us;         /* the current back-off, 0 after a success */
	int synchronous_lowered;        /* PRAGMA synchronous is NORMAL and must go back */
};

/*
 * Rows per INSERT statement. Each AFTER INSERT trigger on 'events' runs as a
 * sub-program whose frame SQLite sets up once per statement, not per row:
 * ten rows to a statement (a feed's worth) halve what a row costs.
 */
#define IMPRESSION_INSERT_ROWS 10
#define IMPRESSION_INSERT_COLUMNS 6

/* The INSERT of 'n' rows (1 to IMPRESSION_INSERT_ROWS), bound by impression_insert. */
static const char *
impression_insert_sql(size_t n)
{
	static char sql[IMPRESSION_INSERT_ROWS][512];
	char *text = sql[n - 1];

	assert(n >= 1 && n <= IMPRESSION_INSERT_ROWS);
	if (*text == '\0') {
		size_t len = (size_t)snprintf(text, sizeof(sql[0]), "%s",
		    "INSERT INTO events(user_id, item_id, kind, position, model_version, arm, created_at) VALUES ");

		for (size_t r = 0; r < n; r++)
			len += (size_t)snprintf(text + len, sizeof(sql[0]) - len, "%s(?, ?, 'impression', ?, ?, ?, ?)",
			    r ? ", " : "");
		assert(len < sizeof(sql[0]));
	}
	return text;
}

/* The impressions of a feed: its entries, reviews left out (a question coming back is not a push). */
static int
impression_counts(json_t *entry)
{
	return json_object_get(entry, "question_id") == NULL;
}

/* Fills 'row' from the feed entry at index 'position' (0-based) of 'feed'. */
static void
impression_from_entry(struct impression *row, const struct impression_feed *feed, json_t *entry,
    size_t position, int64_t queued_us)
{
	size_t arm_len = strlen(feed->arm);

	assert(arm_len < sizeof(row->arm));
	row->user_id = feed->user_id;
	row->item_id = json_integer_value(json_object_get(entry, "id"));
	row->created_at = feed->created_at;
	row->queued_us = queued_us;
	row->position = (int32_t)position + 1;
	memcpy(row->arm, feed->arm, arm_len + 1);
	row->model_version[0] = '\0';
	if (feed->model_version != NULL)
		snprintf(row->model_version, sizeof(row->model_version), "%s", feed->model_version);
}

/*
 * Inserts 'rows' (1 to IMPRESSION_INSERT_ROWS) in one statement of
 * impression_insert_sql(n); 0 or -1.
 */
static int
impression_insert(sqlite3 *db, const struct impression *const *rows, size_t n)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = stmt_get(db, impression_insert_sql(n))) == NULL)
		return -1;
	for (size_t r = 0; r < n; r++) {
		const struct impression *row = rows[r];
		int at = (int)r * IMPRESSION_INSERT_COLUMNS;

		sqlite3_bind_int64(stmt, at + 1, row->user_id);
		sqlite3_bind_int64(stmt, at + 2, row->item_id);
		sqlite3_bind_int64(stmt, at + 3, row->position);
		if (row->model_version[0] != '\0')
			sqlite3_bind_text(stmt, at + 4, row->model_version, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(stmt, at + 4);
		sqlite3_bind_text(stmt, at + 5, row->arm, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, at + 6, row->created_at);
	}
	rc = sqlite3_step(stmt);
	stmt_release(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
impression_write_now(struct request *req, const struct impression_feed *feed)
{
	sqlite3 *db = req->app->db;
	struct impression rows[IMPRESSION_INSERT_ROWS];
	const struct impression *pending[IMPRESSION_INSERT_ROWS];
	json_t *entry;
	size_t position, n = 0;

	if (db_write_begin(req) < 0)
		return -1;
	json_array_foreach(feed->items, position, entry) {
		if (!impression_counts(entry))
			continue;
		impression_from_entry(&rows[n], feed, entry, position, 0);
		pending[n] = &rows[n];
		if (++n == IMPRESSION_INSERT_ROWS) {
			if (impression_insert(db, pending, n) < 0)
				goto fail;
			n = 0;
		}
	}
	if (n > 0 && impression_insert(db, pending, n) < 0)
		goto fail;
	return db_write_commit(req);
fail:
	log_error("impressions: %s", sqlite3_errmsg(db));
	db_write_rollback(req);
	response_error(req, 503, "database_unavailable", "暂时无法生成推荐，请稍后重试");
	return -1;
}

/*
 * Makes room in 'log' for 'more' rows: grows the ring up to
 * IMPRESSION_LOG_MAX_ROWS, then drops the oldest. 0, or -1 when the ring
 * cannot grow for want of memory (the log is unchanged).
 */
static int
impression_log_reserve(struct impression_log *log, size_t more)
{
	struct impression *rows;
	size_t capacity, drop;

	assert(more <= IMPRESSION_LOG_MAX_ROWS);
	if (log->count + more > log->capacity && log->capacity < IMPRESSION_LOG_MAX_ROWS) {
		capacity = log->capacity * 2;
		if (capacity < log->count + more)
			capacity = log->count + more;
		if (capacity < IMPRESSION_LOG_MIN_CAPACITY)
			capacity = IMPRESSION_LOG_MIN_CAPACITY;
		if (capacity > IMPRESSION_LOG_MAX_ROWS)
			capacity = IMPRESSION_LOG_MAX_ROWS;
		if ((rows = malloc(capacity * sizeof(*rows))) == NULL)
			return -1;
		/* Unwrapped into the new ring, oldest first. */
		for (size_t i = 0; i < log->count; i++)
			rows[i] = log->rows[(log->head + i) % log->capacity];
		free(log->rows);
		log->rows = rows;
		log->capacity = capacity;
		log->head = 0;
	}
	if (log->count + more > log->capacity) {
		drop = log->count + more - log->capacity;
		log->head = (log->head + drop) % log->capacity;
		log->count -= drop;
		log->dropped += (int64_t)drop;
	}
	return 0;
}

int
impression_log_add(struct app *app, const struct impression_feed *feed)
{
	struct impression_log *log = app->impressions;
	int64_t now_us = clock_monotonic_us();
	json_t *entry;
	size_t position, more = 0;

	json_array_foreach(feed->items, position, entry)
		more += (size_t)impression_counts(entry);
	if (more == 0)
		return 0;
	if (log == NULL) {
		if ((log = calloc(1, sizeof(*log))) == NULL)
			return -1;
		app->impressions = log;
	}
	if (impression_log_reserve(log, more) < 0)
		return -1;
	json_array_foreach(feed->items, position, entry) {
		if (!impression_counts(entry))
			continue;
		impression_from_entry(&log->rows[(log->head + log->count) % log->capacity], feed, entry,
		    position, now_us);
		log->count++;
	}
	return 0;
}

/* Puts PRAGMA synchronous back to FULL after a batch; retried on the next call if it failed. */
static void
impression_log_restore_synchronous(struct app *app)
{
	struct impression_log *log = app->impressions;

	if (!log->synchronous_lowered)
		return;
	if (sqlite3_exec(app->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("impressions: cannot set synchronous=FULL again: %s", sqlite3_errmsg(app->db));
		return;
	}
	log->synchronous_lowered = 0;
}

static void
impression_log_report_dropped(struct impression_log *log)
{
	if (log->dropped == 0)
		return;
	log_warn("impressions: the log was full (%d rows): dropped the %lld oldest",
	    IMPRESSION_LOG_MAX_ROWS, (long long)log->dropped);
	log->dropped = 0;
}

/*
 * Writes the oldest 'max_rows' queued rows (or fewer) in one transaction,
 * waiting at most 'lock_wait_us' for the write lock (0: the app's usual
 * wait), and takes them off the log; 0, or -1 when the batch failed: rolled
 * back, kept, and the next attempt put off.
 */
static int
impression_log_write_batch(struct app *app, size_t max_rows, int64_t lock_wait_us)
{
	struct impression_log *log = app->impressions;
	sqlite3 *db = app->db;
	const struct impression *pending[IMPRESSION_INSERT_ROWS];
	size_t n = log->count < max_rows ? log->count : max_rows, chunk;
	char why[256];
	int rc;

	impression_log_report_dropped(log);
	if (n == 0)
		return 0;
	/* Lowered for this commit only (the file's comment says why); FULL if it cannot be. */
	if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK)
		log->synchronous_lowered = 1;
	app->busy_timeout_us = lock_wait_us;
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	app->busy_timeout_us = 0;
	if (rc != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < n; i += chunk) {
		chunk = n - i < IMPRESSION_INSERT_ROWS ? n - i : IMPRESSION_INSERT_ROWS;
		for (size_t r = 0; r < chunk; r++)
			pending[r] = &log->rows[(log->head + i + r) % log->capacity];
		if (impression_insert(db, pending, chunk) < 0)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	impression_log_restore_synchronous(app);
	log_debug("impressions: %zu rows written in one transaction, %zu left", n, log->count - n);
	log->head = (log->head + n) % log->capacity;
	log->count -= n;
	log->retry_delay_us = 0;
	log->retry_after_us = 0;
	return 0;
fail:
	snprintf(why, sizeof(why), "%s", sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (!sqlite3_get_autocommit(db))
		log_error("impressions: ROLLBACK failed: %s", sqlite3_errmsg(db));
	impression_log_restore_synchronous(app);
	log->retry_delay_us = log->retry_delay_us == 0 ? IMPRESSION_LOG_RETRY_MIN_US :
	    log->retry_delay_us * 2 > IMPRESSION_LOG_RETRY_MAX_US ? IMPRESSION_LOG_RETRY_MAX_US :
	    log->retry_delay_us * 2;
	log->retry_after_us = clock_monotonic_us() + log->retry_delay_us;
	log_error("impressions: %zu rows not written (kept, %zu queued; next try in %lld ms): %s",
	    n, log->count, (long long)(log->retry_delay_us / 1000), why);
	return -1;
}

/* 1 when a request waits on 'conn_fd' or 'listen_fd' (negative: not looked at). */
static int
impression_requests_waiting(int conn_fd, int listen_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = conn_fd, .events = POLLIN },
		{ .fd = listen_fd, .events = POLLIN },
	};

	return poll(pfd, 2, 0) > 0 && ((pfd[0].revents | pfd[1].revents) & POLLIN) != 0;
}

void
impression_log_write_due(struct app *app, int conn_fd, int listen_fd)
{
	struct impression_log *log = app->impressions;
	int64_t now_us;

	if (log == NULL)
		return;
	impression_log_restore_synchronous(app);
	if (log->count == 0) {
		impression_log_report_dropped(log);
		return;
	}
	now_us = clock_monotonic_us();
	if (now_us < log->retry_after_us)
		return;
	if (log->count < IMPRESSION_LOG_BATCH_ROWS &&
	    now_us - log->rows[log->head].queued_us < IMPRESSION_LOG_MAX_AGE_US &&
	    impression_requests_waiting(conn_fd, listen_fd))
		return;
	impression_log_write_batch(app, IMPRESSION_LOG_CHUNK_ROWS, IMPRESSION_LOG_LOCK_WAIT_US);
}

void
impression_log_write(struct app *app)
{
	struct impression_log *log = app->impressions;

	if (log == NULL)
		return;
	impression_log_restore_synchronous(app);
	if (log->count > 0 && clock_monotonic_us() < log->retry_after_us)
		return;
	impression_log_write_batch(app, IMPRESSION_LOG_CHUNK_ROWS, IMPRESSION_LOG_LOCK_WAIT_US);
}

int64_t
impression_log_due_in_us(const struct app *app)
{
	const struct impression_log *log = app->impressions;
	int64_t due_us, now_us;

	if (log == NULL || log->count == 0)
		return -1;
	due_us = log->rows[log->head].queued_us + IMPRESSION_LOG_MAX_AGE_US;
	if (due_us < log->retry_after_us)
		due_us = log->retry_after_us;
	now_us = clock_monotonic_us();
	return due_us > now_us ? due_us - now_us : 0;
}

void
impression_log_close(struct app *app)
{
	struct impression_log *log = app->impressions;
	size_t queued;

	if (log == NULL)
		return;
	/* The worker is leaving: no back-off, but one failure ends it (the grace period is short). */
	queued = log->count;
	if (app->db != NULL)
		while (log->count > 0 && impression_log_write_batch(app, IMPRESSION_LOG_CHUNK_ROWS, 0) == 0)
			;
	if (queued > log->count)
		log_info("impressions: %zu queued rows written before exit", queued - log->count);
	impression_log_report_dropped(log);
	if (log->count > 0)
		log_warn("impressions: %zu rows lost: the worker exits and cannot write them", log->count);
	if (app->db != NULL)
		impression_log_restore_synchronous(app);
	free(log->rows);
	free(log);
	app->impressions = NULL;
}
