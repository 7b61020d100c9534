/*
 * router.c — matching a path against the routing table: 404 for an unknown
 * path, 405 (with Allow) for a known path and the wrong method, 401/403 for
 * a caller without the route's role, all before any handler runs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/*
 * Matches 'path' against 'pattern' segment by segment; "{id}" matches a
 * positive decimal integer, stored in 'ids'. Returns 1 on a match.
 */
static int
route_match(const char *pattern, const char *path, int64_t ids[ROUTE_MAX_PATH_IDS], size_t *id_count)
{
	const char *p = pattern, *s = path;

	*id_count = 0;
	while (*p != '\0' && *s != '\0') {
		if (strncmp(p, "{id}", 4) == 0) {
			char *end;
			long long v;

			if (*s < '1' || *s > '9' || *id_count == ROUTE_MAX_PATH_IDS)
				return 0;
			errno = 0;
			v = strtoll(s, &end, 10);
			if (errno != 0 || (*end != '\0' && *end != '/'))
				return 0;
			ids[(*id_count)++] = v;
			p += 4;
			s = end;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

static unsigned
request_role(const struct request *req)
{
	return req->user != NULL ? req->user->role : ROLE_ANONYMOUS;
}

/* Records a refused authorisation: someone signed in tried what their role may not. */
static void
router_refuse(struct request *req, const char *code, const char *message)
{
	audit_record(req, "authz.refused", NULL, 0, json_pack("{s:s,s:s,s:s}", "method",
	    req->method_name, "path", req->path, "reason", code));
	response_error(req, 403, code, message);
}

void
router_dispatch(struct request *req)
{
	struct qf_error err;
	char allow[64] = "";
	int path_known = 0;

	for (size_t i = 0; i < route_count; i++) {
		const struct route *route = &routes[i];
		int64_t ids[ROUTE_MAX_PATH_IDS];
		size_t id_count;

		if (!route_match(route->pattern, req->path, ids, &id_count))
			continue;
		if (route->method != req->method) {
			if (path_known)
				strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
			strncat(allow, http_method_name(route->method), sizeof(allow) - strlen(allow) - 1);
			path_known = 1;
			continue;
		}
		req->route = route;
		memcpy(req->path_ids, ids, sizeof(ids));
		req->path_id_count = id_count;
		if (!(route->roles & request_role(req))) {
			if (request_role(req) == ROLE_ANONYMOUS)
				response_error(req, 401, "unauthenticated", "请先登录");
			else
				router_refuse(req, "forbidden", "您没有权限执行此操作");
			return;
		}
		/* Every state change carries the session's CSRF token. */
		if (route->method != METHOD_GET && !(route->flags & ROUTE_NO_CSRF) &&
		    req->user != NULL && !session_csrf_ok(req)) {
			router_refuse(req, "csrf_failed", "请求缺少有效的 CSRF 令牌，请刷新页面后重试");
			return;
		}
		qf_error_init(&err);
		if (query_bind(req, route->params, &err) < 0) {
			response_error(req, 400, "bad_query", err.text);
			return;
		}
		/* Bodies are read by the handlers that want them; others must not send one. */
		if (route->max_body == 0 && req->content_length > 0) {
			response_error(req, 413, "body_not_allowed", "此接口不接受请求体");
			return;
		}
		route->handler(req);
		if (!req->responded)
			response_error(req, 500, "no_response", "服务器未生成响应");
		return;
	}
	if (path_known) {
		response_header(req, "Allow", allow);
		response_errorf(req, 405, "method_not_allowed", "此接口不支持 %s 方法（可用：%s）",
		    req->method == METHOD_UNKNOWN ? "该" : http_method_name(req->method), allow);
	} else
		response_error(req, 404, "not_found", "接口不存在");
}
