/*
 * extern.h — declarations shared by the files of the FastCGI app.
 *
 * A request flows: worker.c accepts a connection → request.c reads the
 * FastCGI parameters and validates the query against the route's parameter
 * table → router.c picks the handler from routes.c → a page-*.c handler
 * answers through response.c. Everything a request allocates hangs off
 * 'struct request' and is freed by request_free().
 */
#ifndef QF_FCGI_EXTERN_H
#define QF_FCGI_EXTERN_H

#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <sqlite3.h>

#include "lib/core.h"
#include "model/model.h"

/* ---------------------------------------------------------------- config */

struct server_config {
	const char *socket_path;
	const char *db_path;
	const char *model_path;   /* may be NULL: no model served yet */
	const char *train_command;/* qingfeng-train, started by POST /api/admin/train */
	int workers;
	unsigned socket_mode;     /* permissions of the socket file, e.g. 0660 */
	const char *socket_group; /* group of the socket file (the web server's), or NULL */
	int shutdown_grace_ms;    /* in-flight requests get this long on SIGTERM */
};

/* --------------------------------------------------------------- methods */

enum http_method {
	METHOD_GET,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD__MAX,
	METHOD_UNKNOWN = METHOD__MAX,
};

const char *http_method_name(enum http_method method);
enum http_method http_method_parse(const char *name);

/* ------------------------------------------------ declared query parameters */

enum param_kind {
	PARAM_INT,      /* decimal integer within [min, max] */
	PARAM_STRING,   /* UTF-8 text of at most 'max' bytes (at least 'min') */
	PARAM_DATE,     /* YYYY-MM-DD, a real calendar date */
};

/* One accepted query parameter of a route, kcgi's 'struct kvalid' in spirit. */
struct param_spec {
	const char *name;
	enum param_kind kind;
	int64_t min, max;
	int required;
};

/* The validated value of a declared parameter, read by handlers only. */
struct param_value {
	int present;
	int64_t integer;        /* PARAM_INT */
	const char *text;       /* PARAM_STRING and PARAM_DATE; owned by the request */
};

#define QUERY_MAX_BYTES 4096
#define QUERY_MAX_PARAMS 64
#define ROUTE_MAX_PARAMS 16
#define ROUTE_MAX_PATH_IDS 4

/* ---------------------------------------------------------------- request */

struct app;

struct query_pair {
	char *key;
	char *value;
};

/* The signed-in caller, loaded from the session cookie before routing. */
struct session_user {
	int64_t id;
	int64_t unit_id;
	unsigned role;               /* one ROLE_* bit */
	char role_name[16];          /* "cadre", "editor", "supervisor", "admin" */
	char login[65];
	char csrf_token[65];
	unsigned char token_hash[32];
};

struct request {
	FCGX_Request *fcgx;
	struct app *app;
	int64_t started_us;

	struct session_user *user;   /* NULL when anonymous; owned */

	enum http_method method;
	const char *method_name;     /* as sent, for the log; owned by fcgx */
	char *path;                  /* decoded path, owned */
	const char *remote_addr;     /* owned by fcgx */
	const char *content_type;    /* owned by fcgx, may be NULL */
	int64_t content_length;      /* -1 when absent */

	struct query_pair *query;    /* raw decoded pairs, owned */
	size_t query_count;

	const struct route *route;
	struct param_value params[ROUTE_MAX_PARAMS];
	int64_t path_ids[ROUTE_MAX_PATH_IDS];
	size_t path_id_count;

	char *body;                  /* NUL-terminated, owned; NULL until read */
	size_t body_len;

	/* The response, as written. */
	int status;
	char *extra_headers;         /* "Name: value\r\n..." owned */
	size_t extra_headers_len;
	int responded;
};

/* Validates and decodes the query string into req->query; 0 or -1 with 'err'. */
int query_parse(const char *raw, struct request *req, struct qf_error *err);
/* Checks req->query against 'specs' into req->params; 0 or -1 with 'err'. */
int query_bind(struct request *req, const struct param_spec *specs, struct qf_error *err);

/* Fills 'req' from the accepted FastCGI request; answers 4xx itself and returns -1 on bad input. */
int request_init(struct request *req, FCGX_Request *fcgx, struct app *app);
/* Reads the body, at most 'max' bytes; answers 413/400 itself and returns -1 when it can't. */
int request_read_body(struct request *req, size_t max);
/* Parses the body as a JSON object; answers 4xx itself and returns NULL on failure. Caller owns the result. */
json_t *request_json_body(struct request *req);
void request_free(struct request *req);

/* ------------------------------------------------------------ JSON bodies */

enum body_kind { BODY_STRING, BODY_INTEGER, BODY_NUMBER, BODY_BOOLEAN, BODY_ARRAY, BODY_OBJECT };

/*
 * One accepted field of a JSON body. 'min' and 'max' bound a string's bytes,
 * a number's value or an array's length; 'multiline' lets a string hold
 * newlines and tabs.
 */
struct body_field {
	const char *name;
	enum body_kind kind;
	int required;
	int64_t min, max;
	int multiline;
};

/* Refuses unknown, missing, mistyped or out-of-range fields with a 400 naming the field; 0 or -1. */
int body_check(struct request *req, json_t *root, const struct body_field *fields);

/* --------------------------------------------------------------- response */

/* Adds a response header; 'name' and 'value' must not hold CR or LF. */
void response_header(struct request *req, const char *name, const char *value);
/* Sends 'body' with 'status'; takes ownership of 'body' (may be NULL for no content). */
void response_json(struct request *req, int status, json_t *body);
/* Sends {"error":{"code":code,"message":message}} with 'status'. */
void response_error(struct request *req, int status, const char *code, const char *message);
void response_errorf(struct request *req, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ----------------------------------------------------------------- routes */

enum role_bit {
	ROLE_ANONYMOUS = 1u << 0,
	ROLE_CADRE = 1u << 1,
	ROLE_EDITOR = 1u << 2,
	ROLE_SUPERVISOR = 1u << 3,
	ROLE_ADMIN = 1u << 4,
};
#define ROLE_SIGNED_IN (ROLE_CADRE | ROLE_EDITOR | ROLE_SUPERVISOR | ROLE_ADMIN)
#define ROLE_ANYONE (ROLE_ANONYMOUS | ROLE_SIGNED_IN)

typedef void (*page_handler)(struct request *);

/*
 * One row of the routing table: method and path pattern ("{id}" matches a
 * positive integer segment), the roles allowed, the largest body accepted,
 * and the query parameters the handler reads.
 */
struct route {
	enum http_method method;
	const char *pattern;
	page_handler handler;
	unsigned roles;
	size_t max_body;
	const struct param_spec *params;   /* NULL-name terminated, or NULL */
	unsigned flags;                    /* ROUTE_* */
};

/* The one state-changing call made before a session (and its CSRF token) exists. */
#define ROUTE_NO_CSRF 1u

extern const struct route routes[];
extern const size_t route_count;

/* Finds req->path in the table and runs its handler, or answers 404/405. */
void router_dispatch(struct request *req);

/* ------------------------------------------------------------- sessions */

/*
 * Loads req->user from the session cookie, if any, and ends idle or expired
 * sessions. Returns 0 (anonymous or signed in) or -1 on a database error.
 */
int session_load(struct request *req);
/* 1 when the request carries the session's CSRF token in X-CSRF-Token. */
int session_csrf_ok(const struct request *req);
/* Starts a session for 'user_id': stores it, sets the cookie, fills 'csrf_out' (hex). 0 or -1. */
int session_create(struct request *req, int64_t user_id, char csrf_out[static 65]);
/* Ends the caller's session (if any) and clears the cookie. */
void session_end(struct request *req);
/* The ROLE_* bit of a role name, or 0. */
unsigned role_bit(const char *name);

/* A session ends after this long without a request, and at the latest this long after login. */
#define SESSION_IDLE_S (2 * 3600)
#define SESSION_ABSOLUTE_S (12 * 3600)

/* ---------------------------------------------------------------- audit */

/*
 * Records an action of the caller in audit_log: 'action' like
 * "item.publish", the target it touched, and 'detail' (stolen, may be NULL).
 * Runs inside the caller's transaction when one is open. 0 or -1.
 */
int audit_record(struct request *req, const char *action, const char *target_kind,
    int64_t target_id, json_t *detail);

/* ---------------------------------------------------------- transactions */

/*
 * Write transactions: BEGIN IMMEDIATE under the busy timeout, so writers
 * queue instead of failing. db_write_begin answers 503 itself on failure.
 * A reply is 2xx only after db_write_commit succeeded.
 */
int db_write_begin(struct request *req);
int db_write_commit(struct request *req);   /* answers 503 itself on failure */
void db_write_rollback(struct request *req);

/* ------------------------------------------------------------------ pages */

void page_health(struct request *req);
void page_login(struct request *req);
void page_logout(struct request *req);
void page_me(struct request *req);
void page_tags(struct request *req);
void page_admin_create_user(struct request *req);
void page_admin_create_unit(struct request *req);
void page_admin_settings_get(struct request *req);
void page_admin_settings_put(struct request *req);
void page_admin_train(struct request *req);
void page_admin_model_runs(struct request *req);

/* Content library pages (page-editor-*.c, page-search.c, page-items.c). */
/* (declared by the content work below this line) */

/* --------------------------------------------------------------- accounts */

#define ACCOUNTS_MAX_RISKS 32

struct new_user {
	const char *login;
	const char *password;
	const char *name;
	const char *role;          /* cadre, editor, supervisor or admin */
	int64_t unit_id;
	const char *category;      /* leading, middle, grassroots, new_hire or NULL */
	const char *industry;      /* an industry.* tag code or NULL */
	const char *const *risks;  /* risk.* tag codes */
	size_t risk_count;
};

/*
 * Both run inside the caller's write transaction (BEGIN IMMEDIATE), so that
 * what goes with the change (the audit row) commits or rolls back with it.
 */
/* Creates a unit under 'parent_id' (0: a root); returns its id, or -1 with 'err' ("field: reason"). */
int64_t accounts_create_unit(sqlite3 *db, const char *name, int64_t parent_id, struct qf_error *err);
/* Creates a user with an argon2id password hash; returns its id, or -1 with 'err' ("field: reason"). */
int64_t accounts_create_user(sqlite3 *db, const struct new_user *user, struct qf_error *err);

/* -------------------------------------------------------------------- app */

/* What one worker process holds open across requests. */
struct app {
	const struct server_config *config;
	sqlite3 *db;
	struct model *model;          /* NULL until a valid model file exists */
	int64_t model_checked_us;
	/* The last file that failed validation, so it is refused once, not per request. */
	uint64_t model_bad_dev, model_bad_ino;
	int64_t model_bad_mtime, model_bad_size;
};

/*
 * Loads or replaces app->model when a new file was renamed into place at
 * the configured path (looked at twice a second at most, or now if 'force').
 */
void app_model_refresh(struct app *app, int force);
/* The version string of the model in service (hex checksum), "0000000000000000" for none. */
void app_model_version(const struct app *app, char out[static 17]);

/* Opens the worker's own database connection; 0 or -1 with 'err'. */
int app_open(struct app *app, const struct server_config *config, struct qf_error *err);
void app_close(struct app *app);
/* Answers one accepted FastCGI request and logs it. */
void app_handle(struct app *app, FCGX_Request *fcgx);

/* --------------------------------------------------------------- processes */

/* Prepares the database and the socket, forks the workers, supervises them; returns the exit status. */
int server_run(const struct server_config *config);
/* The loop of one worker process; never returns. */
void worker_main(const struct server_config *config, int listen_fd) __attribute__((noreturn));

#endif /* QF_FCGI_EXTERN_H */
