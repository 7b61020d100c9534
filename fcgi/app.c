/*
 * app.c — what a worker holds across requests (its own database connection),
 * and the life of one request: parse, dispatch, answer, log one line.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

int
app_open(struct app *app, const struct server_config *config, struct qf_error *err)
{
	memset(app, 0, sizeof(*app));
	app->config = config;
	app->db = db_open(config->db_path, DB_OPEN_EXISTING, err);
	if (app->db == NULL)
		return -1;
	app_model_refresh(app, 1);
	return 0;
}

void
app_close(struct app *app)
{
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
}
