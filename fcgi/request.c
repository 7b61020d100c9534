/*
 * request.c — one FastCGI request turned into a validated 'struct request':
 * method, decoded path, query pairs, and (on demand) the body.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define PATH_MAX_BYTES 1024

static const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_POST] = "POST",
	[METHOD_PUT] = "PUT",
	[METHOD_PATCH] = "PATCH",
	[METHOD_DELETE] = "DELETE",
};

const char *
http_method_name(enum http_method method)
{
	return method < METHOD__MAX ? method_names[method] : "?";
}

enum http_method
http_method_parse(const char *name)
{
	for (int m = 0; m < METHOD__MAX; m++)
		if (name != NULL && strcmp(name, method_names[m]) == 0)
			return (enum http_method)m;
	return METHOD_UNKNOWN;
}

/*
 * nginx passes the normalised, decoded path as DOCUMENT_URI; without it
 * (another front end) fall back to the path part of REQUEST_URI.
 */
static char *
request_path(FCGX_Request *fcgx)
{
	const char *uri = FCGX_GetParam("DOCUMENT_URI", fcgx->envp);
	size_t len;

	if (uri == NULL) {
		uri = FCGX_GetParam("REQUEST_URI", fcgx->envp);
		if (uri == NULL)
			return NULL;
		len = strcspn(uri, "?");
	} else
		len = strlen(uri);
	if (len == 0 || len > PATH_MAX_BYTES || uri[0] != '/' || !utf8_is_clean(uri, len, 0))
		return NULL;
	return strndup(uri, len);
}

int
request_init(struct request *req, FCGX_Request *fcgx, struct app *app)
{
	struct qf_error err;
	const char *length;

	memset(req, 0, sizeof(*req));
	req->fcgx = fcgx;
	req->app = app;
	req->started_us = clock_monotonic_us();
	req->content_length = -1;
	req->method_name = FCGX_GetParam("REQUEST_METHOD", fcgx->envp);
	if (req->method_name == NULL)
		req->method_name = "-";
	req->method = http_method_parse(req->method_name);
	req->remote_addr = FCGX_GetParam("REMOTE_ADDR", fcgx->envp);
	req->content_type = FCGX_GetParam("CONTENT_TYPE", fcgx->envp);

	if ((req->path = request_path(fcgx)) == NULL) {
		response_error(req, 400, "bad_path", "请求路径无效");
		return -1;
	}
	length = FCGX_GetParam("CONTENT_LENGTH", fcgx->envp);
	if (length != NULL && *length != '\0') {
		char *end;

		errno = 0;
		req->content_length = strtoll(length, &end, 10);
		if (errno != 0 || *end != '\0' || req->content_length < 0) {
			response_error(req, 400, "bad_content_length", "Content-Length 无效");
			return -1;
		}
	}
	qf_error_init(&err);
	if (query_parse(FCGX_GetParam("QUERY_STRING", fcgx->envp), req, &err) < 0) {
		response_error(req, 400, "bad_query", err.text);
		return -1;
	}
	return 0;
}

int
request_read_body(struct request *req, size_t max)
{
	size_t cap, len = 0;
	char *buf;

	if (req->body != NULL)
		return 0;
	if (req->content_length > (int64_t)max) {
		response_errorf(req, 413, "body_too_large", "请求体过大（上限 %zu 字节）", max);
		return -1;
	}
	/*
	 * Room for one byte past the announced length (or past 'max'), so that
	 * a body longer than its Content-Length is caught, not cut short.
	 */
	cap = req->content_length >= 0 ? (size_t)req->content_length + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	if ((buf = malloc(cap + 1)) == NULL)
		goto oom;
	for (;;) {
		int n;

		if (len == cap) {
			size_t next = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *grown;

			if (cap > max)
				break;                  /* read max + 1 bytes: too large */
			if ((grown = realloc(buf, next + 1)) == NULL)
				goto oom;
			buf = grown;
			cap = next;
		}
		n = FCGX_GetStr(buf + len, (int)(cap - len), req->fcgx->in);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		response_errorf(req, 413, "body_too_large", "请求体过大（上限 %zu 字节）", max);
		return -1;
	}
	if (req->content_length >= 0 && len != (size_t)req->content_length) {
		free(buf);
		response_error(req, 400, "body_incomplete", "请求体长度与 Content-Length 不符");
		return -1;
	}
	buf[len] = '\0';
	req->body = buf;
	req->body_len = len;
	return 0;
oom:
	free(buf);
	response_error(req, 503, "out_of_memory", "服务器内存不足，请稍后重试");
	return -1;
}

json_t *
request_json_body(struct request *req)
{
	json_error_t error;
	json_t *root;

	if (req->route != NULL && request_read_body(req, req->route->max_body) < 0)
		return NULL;
	if (req->content_type == NULL ||
	    strncmp(req->content_type, "application/json", strlen("application/json")) != 0) {
		response_error(req, 415, "unsupported_media_type",
		    "请求体须为 JSON（Content-Type: application/json）");
		return NULL;
	}
	if (req->body_len == 0) {
		response_error(req, 400, "empty_body", "缺少 JSON 请求体");
		return NULL;
	}
	root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &error);
	/*
	 * Out of memory is the server's fault, not the body's: Jansson says so,
	 * or fails without a position (its lexer reports some allocation
	 * failures as a syntax error, which stays a 400).
	 */
	if (root == NULL && (json_error_code(&error) == json_error_out_of_memory || error.line < 0)) {
		response_error(req, 503, "out_of_memory", "服务器内存不足，请稍后重试");
		return NULL;
	}
	if (root == NULL) {
		response_errorf(req, 400, "bad_json", "JSON 格式错误（第 %d 行第 %d 列）：%s",
		    error.line, error.column, error.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		response_error(req, 400, "bad_json", "JSON 请求体须为对象");
		return NULL;
	}
	return root;
}

void
request_free(struct request *req)
{
	for (size_t i = 0; i < req->query_count; i++) {
		free(req->query[i].key);
		free(req->query[i].value);
	}
	free(req->query);
	free(req->path);
	free(req->body);
	free(req->extra_headers);
	free(req->user);
	memset(req, 0, sizeof(*req));
}
