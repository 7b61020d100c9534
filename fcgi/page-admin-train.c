/*
 * page-admin-train.c — POST /api/admin/train starts a training run now;
 * GET /api/admin/model-runs lists the runs, newest first.
 *
 * The run is recorded first (status 'running'), then qingfeng-train is
 * started detached with --run-id, so the reply can name the run at once and
 * the trainer fills in the outcome. The trainer holds a lock on
 * "<model>.lock" while it runs: that keeps two runs from overlapping, and
 * tells a live run from a row left 'running' by a trainer that died.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extern.h"

/*
 * Starts the trainer for run 'run_id' detached from the worker: a child
 * forks the trainer in a session of its own and exits at once, so the
 * worker never waits for training and nothing becomes its zombie. Output
 * goes to "<model>.train.log". 0 or -1.
 */
static int
train_spawn(const struct server_config *config, int64_t run_id)
{
	char run[32], log_path[4096];
	pid_t child;
	int status;

	snprintf(run, sizeof(run), "%lld", (long long)run_id);
	snprintf(log_path, sizeof(log_path), "%s.train.log", config->model_path);
	if ((child = fork()) < 0)
		return -1;
	if (child == 0) {
		sigset_t none;
		int fd;

		setsid();
		if (fork() != 0)
			_exit(0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		/* Nothing of the worker's (socket, database) may leak into the trainer. */
		if ((fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, STDIN_FILENO);
		if ((fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0640)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		for (int i = 3; i < 1024; i++)
			close(i);
		{
			const char *argv[] = { config->train_command, "run", "--db", config->db_path,
			    "--model", config->model_path, "--run-id", run, "--trigger", "manual",
			    config->train_signing_key ? "--signing-key" : NULL, config->train_signing_key,
			    NULL };

			execv(config->train_command, (char *const *)argv);
		}
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/*
 * 1 when a trainer is running: it holds an exclusive flock on
 * "<model>.lock" for the whole run. 0 when none is, -1 when unknown.
 */
static int
train_lock_held(const char *model_path)
{
	char path[4096];
	int fd, held;

	snprintf(path, sizeof(path), "%s.lock", model_path);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		held = 0;
	else
		held = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);                      /* releases the probe's own lock */
	return held;
}

/* The id of the newest run marked 'running', or 0. */
static int64_t
train_running(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM model_runs WHERE status = 'running'"
	    " ORDER BY id DESC LIMIT 1", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		id = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return id;
}

/* Runs left 'running' by a trainer that is gone (no lock held) are closed as failed. */
static int
train_close_abandoned(sqlite3 *db)
{
	return db_exec(db, "UPDATE model_runs SET status = 'failed', finished_at = unixepoch(),"
	    " message = 'the trainer ended without recording a result' WHERE status = 'running'", NULL);
}

void
page_admin_train(struct request *req)
{
	const struct server_config *config = req->app->config;
	sqlite3_stmt *stmt;
	int64_t run_id;

	if (config->model_path == NULL || config->train_command == NULL) {
		response_error(req, 409, "training_not_configured",
		    "服务未配置模型文件路径（--model）或训练程序，无法启动训练");
		return;
	}
	if (db_write_begin(req) < 0)
		return;
	switch (train_lock_held(config->model_path)) {
	case 1:
		run_id = train_running(req->app->db);
		db_write_rollback(req);
		response_errorf(req, 409, "training_in_progress", "训练任务 %lld 正在进行，请等待其完成",
		    (long long)run_id);
		return;
	case 0:
		if (train_close_abandoned(req->app->db) == 0)
			break;
		/* FALLTHROUGH */
	default:
		db_write_rollback(req);
		response_error(req, 503, "training_unavailable", "无法检查训练任务状态，请稍后重试");
		return;
	}
	if (sqlite3_prepare_v2(req->app->db, "INSERT INTO model_runs(status, trigger) VALUES"
	    " ('running', 'manual')", -1, &stmt, NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "暂时无法记录训练任务，请稍后重试");
		return;
	}
	sqlite3_finalize(stmt);
	run_id = sqlite3_last_insert_rowid(req->app->db);
	audit_record(req, "model.train", "model_run", run_id, NULL);
	if (db_write_commit(req) < 0)
		return;
	if (train_spawn(config, run_id) < 0) {
		log_error("cannot start %s: %s", config->train_command, strerror(errno));
		if (sqlite3_prepare_v2(req->app->db, "UPDATE model_runs SET status = 'failed',"
		    " finished_at = unixepoch(), message = ?2 WHERE id = ?1", -1, &stmt, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(stmt, 1, run_id);
			sqlite3_bind_text(stmt, 2, "the trainer could not be started", -1, SQLITE_STATIC);
			sqlite3_step(stmt);
		}
		sqlite3_finalize(stmt);
		response_error(req, 503, "training_unavailable", "无法启动训练程序");
		return;
	}
	response_json(req, 202, json_pack("{s:I}", "run_id", (json_int_t)run_id));
}

/* An ISO 8601 string for a unix time column, or null. */
static json_t *
iso_time_or_null(sqlite3_stmt *stmt, int column)
{
	char text[21];

	if (sqlite3_column_type(stmt, column) == SQLITE_NULL)
		return json_null();
	clock_format_iso8601(sqlite3_column_int64(stmt, column), text);
	return json_string(text);
}

/* Column 'column' as JSON of its type (integer, real or text), or null. */
static json_t *
column_or_null(sqlite3_stmt *stmt, int column)
{
	switch (sqlite3_column_type(stmt, column)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(stmt, column));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(stmt, column));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(stmt, column));
	default:
		return json_null();
	}
}

void
page_admin_model_runs(struct request *req)
{
	const struct param_value *limit = &req->params[0];
	sqlite3_stmt *stmt;
	json_t *runs = json_array();

	if (sqlite3_prepare_v2(req->app->db, "SELECT id, started_at, finished_at, status, trigger,"
	    " model_version, metrics, users, items, interactions, seconds, message"
	    " FROM model_runs ORDER BY id DESC LIMIT ?1", -1, &stmt, NULL) != SQLITE_OK) {
		json_decref(runs);
		response_error(req, 503, "database_unavailable", "暂时无法读取训练记录");
		return;
	}
	sqlite3_bind_int64(stmt, 1, limit->present ? limit->integer : 50);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		json_t *metrics = NULL;

		if (sqlite3_column_type(stmt, 6) != SQLITE_NULL)
			metrics = json_loads((const char *)sqlite3_column_text(stmt, 6), 0, NULL);
		json_array_append_new(runs, json_pack("{s:I,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "started", iso_time_or_null(stmt, 1),
		    "finished", iso_time_or_null(stmt, 2),
		    "status", sqlite3_column_text(stmt, 3),
		    "trigger", sqlite3_column_text(stmt, 4),
		    "model_version", column_or_null(stmt, 5),
		    "metrics", metrics ? metrics : json_object(),
		    "users", column_or_null(stmt, 7),
		    "items", column_or_null(stmt, 8),
		    "interactions", column_or_null(stmt, 9),
		    "seconds", column_or_null(stmt, 10),
		    "message", column_or_null(stmt, 11)));
	}
	sqlite3_finalize(stmt);
	response_json(req, 200, json_pack("{s:o}", "runs", runs));
}
