/*
 * app.c — what a worker holds across requests (its own database connection),
 * and the life of one request: parse, dispatch, answer, log one line.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "extern.h"
#include "fault-inject.h"

/*
 * How long a worker waits for another's write lock: as long as db_open's
 * busy timeout (5 s), unless app->busy_timeout_us asks for less (a write
 * that can wait for a later try), but polling every 50 to 500
 * microseconds. SQLite's own handler sleeps 1, 2, 5, 10 ... 100 ms between
 * tries, so two workers that each write short transactions would wait
 * milliseconds for a lock held for a fraction of one.
 */
#define APP_BUSY_TIMEOUT_US (5000 * 1000)

static int
app_busy_handler(void *arg, int count)
{
	struct app *app = arg;
	int64_t now = clock_monotonic_us();
	int64_t timeout = app->busy_timeout_us > 0 ? app->busy_timeout_us : APP_BUSY_TIMEOUT_US;
	struct timespec pause = { 0, 0 };

	if (count == 0)
		app->busy_started_us = now;
	else if (now - app->busy_started_us > timeout)
		return 0;
	pause.tv_nsec = (count < 4 ? 50L << count : 500L) * 1000;
	nanosleep(&pause, NULL);
	return 1;
}

/*
 * Checkpoints, after the answer. SQLite's default copies the WAL back into
 * the database (and syncs it) inside the COMMIT that takes the WAL past
 * 1000 pages, so one request in a few hundred pays for it. The worker's
 * hook only notes the size; app_after_request() runs the same passive
 * checkpoint at the same threshold once the answer has gone out.
 */
#define APP_CHECKPOINT_PAGES 1000

static int
app_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct app *app = arg;

	(void)db;
	(void)name;
	app->wal_pages = pages;
	return SQLITE_OK;
}

void
app_after_request(struct app *app)
{
	if (app->db == NULL || app->wal_pages < APP_CHECKPOINT_PAGES)
		return;
	app->wal_pages = 0;
	sqlite3_wal_checkpoint_v2(app->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int
app_open(struct app *app, const struct server_config *config, struct qf_error *err)
{
	memset(app, 0, sizeof(*app));
	app->config = config;
	app->db = db_open(config->db_path, DB_OPEN_EXISTING, err);
	if (app->db == NULL)
		return -1;
	sqlite3_busy_handler(app->db, app_busy_handler, app);
	sqlite3_wal_hook(app->db, app_wal_hook, app);
	/*
	 * A page cache of up to 16 MiB per worker (SQLite's default is 2 MiB):
	 * the pages every feed reads (items, tags, popularity, the indexes of
	 * events) stay in the process instead of being read again each time.
	 */
	if (db_exec(app->db, "PRAGMA cache_size = -16384", err) < 0) {
		db_close(app->db);
		app->db = NULL;
		return -1;
	}
	app_model_refresh(app, 1);
	return 0;
}

void
app_close(struct app *app)
{
	/* Before the connection goes: a stopping worker writes what it queued. */
	impression_log_close(app);
	stmt_cache_close(app->db);
	db_close(app->db);
	app->db = NULL;
	model_unload(app->model);
	app->model = NULL;
}

/*
 * Copies 's' into 'out' with bytes outside printable ASCII escaped as \xNN,
 * so that a hostile path can neither forge a log line nor break a terminal.
 */
static const char *
log_escape(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; s != NULL && *s != '\0' && o + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x21 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

void
app_handle(struct app *app, FCGX_Request *fcgx)
{
	struct request req;
	char method[32], path[512];
	int64_t elapsed_us;

	/* Between requests: a newly promoted model takes over here. */
	app_model_refresh(app, 0);
	fault_request_begin();
	if (request_init(&req, fcgx, app) == 0) {
		if (session_load(&req) < 0)
			response_error(&req, 503, "database_unavailable", "暂时无法读取会话，请稍后重试");
		else
			router_dispatch(&req);
	}
	elapsed_us = clock_monotonic_us() - req.started_us;
	log_info("%s %s %d %lldus", log_escape(req.method_name, method, sizeof(method)),
	    log_escape(req.path ? req.path : FCGX_GetParam("DOCUMENT_URI", fcgx->envp),
	    path, sizeof(path)), req.status, (long long)elapsed_us);
	request_free(&req);
	fault_request_end();
	/*
	 * A ROLLBACK that failed (out of memory) leaves its transaction open,
	 * and every later BEGIN of this worker would fail: nothing outlives
	 * the request.
	 */
	if (!sqlite3_get_autocommit(app->db)) {
		log_warn("a transaction outlived its request: rolling it back");
		sqlite3_exec(app->db, "ROLLBACK", NULL, NULL, NULL);
	}
}
