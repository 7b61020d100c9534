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
	/* With a model key, only model files signed by the trainer's secret key are served. */
	int have_model_key;
	unsigned char model_key[MODEL_PUBLIC_KEY_LEN];
	const char *train_command;/* qingfeng-train, started by POST /api/admin/train */
	const char *train_signing_key; /* passed to it as --signing-key, or NULL */
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
/* The field tables of the busiest bodies (the fuzz harness checks against them too). */
extern const struct body_field events_body_fields[];
extern const struct body_field answer_body_fields[];
extern const struct body_field login_body_fields[];

/* --------------------------------------------------------------- response */

/* Adds a response header; 'name' and 'value' must not hold CR or LF. */
void response_header(struct request *req, const char *name, const char *value);
/* Sends 'body' with 'status'; takes ownership of 'body' (may be NULL for no content). */
void response_json(struct request *req, int status, json_t *body);
/* Sends 'len' bytes of 'body' (copied; not owned) as 'content_type', for replies that are not JSON. */
void response_text(struct request *req, int status, const char *content_type, const char *body,
    size_t len);
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
/* The session token's length in the cookie: base64url of 32 bytes without padding. */
#define SESSION_TOKEN_CHARS 43
/*
 * Finds the session cookie (qf_session or __Host-qf_session) with a
 * well-formed token in a Cookie header ('cookies' may be NULL) and copies
 * the token into 'out'; 0, or -1 when there is none.
 */
int session_cookie_parse(const char *cookies, char out[static SESSION_TOKEN_CHARS + 1]);

/* A session ends after this long without a request, and at the latest this long after login. */
#define SESSION_IDLE_S (2 * 3600)
#define SESSION_ABSOLUTE_S (12 * 3600)

/* ------------------------------------------------------------------ feed */

/*
 * Ranks up to 'limit' items for the signed-in cadre in 'arm' ("personalised"
 * or "control"), each with its reasons; *items is a new JSON array owned by
 * the caller. 0, or -1 on a database error.
 */
int feed_build(struct request *req, size_t limit, const char *arm, json_t **items);

/* -------------------------------------------------------- impression log */

/*
 * The feed's impressions, written behind the reply (impression-log.c): each
 * worker queues them and writes many feeds' in one transaction after its
 * answers — at once when no other request waits, under load when the batch
 * is big or old enough. Durable against a killed process once written; a
 * power loss may drop the last batches, a SIGKILLed worker its unwritten one.
 */
struct impression_log;
/*
 * Under load a batch is written at this many rows (about 10 feeds of 10), or
 * when its oldest is this old. Requests that arrive meanwhile wait for the
 * batch: 640 rows put the benchmark's p99 at 37 ms, 100 rows at 11 ms, for
 * the same throughput.
 */
#define IMPRESSION_LOG_BATCH_ROWS 100
#define IMPRESSION_LOG_MAX_AGE_US (100 * 1000)
/* The most rows a worker keeps unwritten: past that the oldest are dropped. */
#define IMPRESSION_LOG_MAX_ROWS 20000
struct impression_feed {
	int64_t user_id;
	int64_t created_at;          /* unix seconds, when the feed was built */
	const char *model_version;   /* NULL when no model served it */
	const char *arm;             /* "personalised" or "control" */
	json_t *items;               /* the feed's entries, borrowed; reviews are not impressions */
};
/* Queues the impressions of 'feed' on the worker's log; 0, or -1 when out of memory (none queued). */
int impression_log_add(struct app *app, const struct impression_feed *feed);
/* Writes the impressions of 'feed' now, in their own transaction: 0, or -1 answered 503. */
int impression_write_now(struct request *req, const struct impression_feed *feed);
/*
 * After a reply: writes a batch when one is due — at once when no request
 * waits on the connection 'conn_fd' or the listening socket 'listen_fd'
 * (negative: not looked at), else when the batch is big or old enough.
 */
void impression_log_write_due(struct app *app, int conn_fd, int listen_fd);
/* Writes a batch whatever the load (the worker is idle), unless a failed one is backing off. */
void impression_log_write(struct app *app);
/* Microseconds until the queued rows are due (the worker sleeps no longer), -1 when none are. */
int64_t impression_log_due_in_us(const struct app *app);
/* Writes everything queued, then frees the log (the worker exits); a loss is logged. */
void impression_log_close(struct app *app);

/* ------------------------------------------------------------------ arms */

/* "personalised" or "control": the caller's arm, assigned now if it has none. */
const char *arm_of(struct request *req);

/* ---------------------------------------------------------------- audit */

/*
 * Records an action of the caller in audit_log: 'action' like
 * "item.publish", the target it touched, and 'detail' (stolen, may be NULL).
 * Runs inside the caller's transaction when one is open. 0 or -1.
 */
int audit_record(struct request *req, const char *action, const char *target_kind,
    int64_t target_id, json_t *detail);

/* ------------------------------------------------------------ json text */

/*
 * 'v' as compact JSON text, byte for byte as json_dumps(v, JSON_COMPACT)
 * writes it; '*len' (may be NULL) its length. NULL when out of memory:
 * one failed write fails the whole text. Caller frees.
 */
char *json_text(const json_t *v, size_t *len);

/* ---------------------------------------------------------- transactions */

/*
 * Write transactions: BEGIN IMMEDIATE under the busy timeout, so writers
 * queue instead of failing. db_write_begin answers 503 itself on failure.
 * A reply is 2xx only after db_write_commit succeeded.
 */
int db_write_begin(struct request *req);
int db_write_commit(struct request *req);   /* answers 503 itself on failure */
void db_write_rollback(struct request *req);
/* A read transaction around many queries: 1 when begun (give it to db_read_end). */
int db_read_begin(sqlite3 *db);
void db_read_end(sqlite3 *db, int began);

/* ----------------------------------------------------------------- scope */

/*
 * A supervisor sees their unit and its sub-units; an admin every unit
 * (scope.c). Unit ids are positive: SCOPE_ALL_UNITS stands for the whole tree.
 */
#define SCOPE_ALL_UNITS 0
/*
 * The SQL of a common table "scope_units(id)": the unit bound to parameter
 * 'param' (e.g. "?1") and every unit below it, or every unit when it is 0.
 * Use as "WITH RECURSIVE " SCOPE_UNITS_CTE("?1") " SELECT ...".
 */
#define SCOPE_UNITS_CTE(param) \
	"scope_units(id) AS (SELECT id FROM units WHERE " param " = 0 OR id = " param \
	" UNION SELECT u.id FROM units u JOIN scope_units s ON u.parent_id = s.id)"
/*
 * The unit a supervisor's request is about: 'unit_id' as asked (0: not
 * asked, meaning the caller's own unit, or SCOPE_ALL_UNITS for an admin).
 * Answers 404 for an unknown unit, 403 out_of_scope (audited as
 * "scope.refused") for one outside the caller's subtree, 503 on a database
 * error, and returns -1 then; 0 with '*out' set otherwise.
 */
int scope_resolve_unit(struct request *req, int64_t unit_id, int64_t *out);
/* 0 when the caller may see person 'user_id'; else answers 403 (audited) or 503 and returns -1. */
int scope_check_user(struct request *req, int64_t user_id);
/* 1 when 'unit_id' is 'root' or below it (root SCOPE_ALL_UNITS: any unit), 0 when not, -1 on error. */
int scope_unit_within(sqlite3 *db, int64_t root, int64_t unit_id, struct qf_error *err);

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
void page_feed(struct request *req);
void page_events(struct request *req);
void page_admin_model_runs(struct request *req);

/* Content library pages (page-editor-*.c, page-search.c, page-items.c). */
/* (declared by the content work below this line) */
/*
 * Routes and parameters: GET /api/tags, /api/search, /api/items/{id} for
 * anyone signed in; /api/editor/... for editors and admins (content/EDITOR-API.md).
 */
void page_search(struct request *req);
void page_item(struct request *req);
void page_editor_items_list(struct request *req);
void page_editor_item_create(struct request *req);
void page_editor_item_get(struct request *req);
void page_editor_item_update(struct request *req);
void page_editor_item_publish(struct request *req);
void page_editor_item_retire(struct request *req);
void page_editor_item_versions(struct request *req);
void page_editor_item_version(struct request *req);
void page_editor_preview(struct request *req);
void page_editor_questions_list(struct request *req);
void page_editor_question_create(struct request *req);
void page_editor_question_get(struct request *req);
void page_editor_question_update(struct request *req);
void page_editor_question_retire(struct request *req);
void page_editor_tags_list(struct request *req);
void page_editor_tag_create(struct request *req);
void page_editor_tag_delete(struct request *req);
void page_editor_import(struct request *req);
void page_editor_export(struct request *req);
extern const struct param_spec search_params[];
/* The search a request asks for, read from the values of search_params. */
struct content_search search_from_params(const struct request *req);
extern const struct param_spec tags_params[];
extern const struct param_spec editor_questions_params[];
extern const struct param_spec editor_tag_delete_params[];
extern const struct param_spec editor_import_params[];
extern const struct param_spec editor_export_params[];
/* Largest bodies: an item or question edit, and a JSON Lines import. */
#define CONTENT_EDIT_MAX_BODY (512 * 1024)
#define CONTENT_IMPORT_MAX_BODY (8 * 1024 * 1024)
/*
 * Answers a content library failure ('rc', an enum content_rc, and 'err',
 * "field: reason") as {"error":{"code","message","field"}} with the status
 * the rc stands for; database failures are logged and answered 503.
 */
void content_respond_error(struct request *req, int rc, const struct qf_error *err);

/* ---------------------------------------------------------------- learner */

/*
 * The cadre as a learner (learner.c: answers, mastery per discipline, the
 * review schedule, study time; the maths in model/learner.h). Pages:
 * POST /api/questions/{id}/answer (page-answer.c), GET /api/me/progress
 * (page-progress.c). Days and years are China Standard Time.
 */
void page_answer(struct request *req);
void page_progress(struct request *req);

#define LEARNER_UTC_OFFSET_S (8 * 3600)
#define LEARNER_TARGET_HOURS 40
/* A discipline is weak under this mastery, once it has this many answers. */
#define LEARNER_WEAK_MASTERY 0.6
#define LEARNER_WEAK_MIN_ANSWERS 3
/* Most disciplines one answer updates (MASTERY_MAX_DISCIPLINES). */
#define LEARNER_MAX_DISCIPLINES 16

/* Mastery of one discipline. */
struct learner_discipline {
	char code[65];
	char label[256];
	int has_value;        /* 0: never answered: no value (not 0) */
	double value;         /* P(right) on an average question, 0..1 */
	int64_t answers;      /* answers on questions of this discipline */
	int64_t wrong;        /* distinct questions of it answered wrong at least once */
};

/* One question in the caller's review schedule. */
struct learner_review {
	int64_t question_id;
	int64_t item_id;      /* the item it belongs to; 0 for a standalone question */
	int64_t due_at;       /* unix seconds; "now" for a fading question */
	double recall;        /* predicted now, 0..1 */
	int last_correct;
	int due;              /* 1: due on or before today, or fading */
};

struct learner_answer_outcome {
	int64_t answer_id;
	int64_t question_id;
	int correct;
	int duplicate;        /* the client_id was seen: the first answer stands, nothing written */
	struct learner_discipline disciplines[LEARNER_MAX_DISCIPLINES];
	size_t discipline_count;
	int64_t next_review_at;   /* unix seconds; 0 when none */
};

struct learner_study {
	int64_t year_start, year_end;   /* this calendar year, unix seconds */
	int64_t minutes_year;           /* distinct items completed this year, their minutes */
	int64_t items_year;
	int64_t items_total;            /* distinct items ever completed */
};

enum learner_rc {
	LEARNER_OK = 0,
	LEARNER_DUPLICATE = 1,      /* 'out' describes the first answer with that client_id */
	LEARNER_DB_ERROR = -1,
	LEARNER_CONFLICT = -2,      /* the client_id was used for another question */
};

/*
 * Records the caller's answer to 'question_id' ('choice_json' canonical,
 * 'correct' already judged) at 'now', inside the caller's write
 * transaction: the answer row, one Elo step of mastery in each discipline
 * of the question and of its difficulty, and the review schedule. With a
 * 'client_id' seen before nothing is written and LEARNER_DUPLICATE comes
 * back with the first answer. Fills 'out'; an enum learner_rc, 'err' on
 * LEARNER_DB_ERROR.
 */
int learner_answer_record(sqlite3 *db, int64_t user_id, int64_t question_id,
    const char *choice_json, int correct, const char *client_id, int64_t now,
    struct learner_answer_outcome *out, struct qf_error *err);
/* Every discipline tag with the user's mastery, in the regulations' order; '*out' caller-freed. */
int learner_mastery_list(sqlite3 *db, int64_t user_id, struct learner_discipline **out,
    size_t *count, struct qf_error *err);
/*
 * The weak disciplines: mastery under LEARNER_WEAK_MASTERY with at least
 * LEARNER_WEAK_MIN_ANSWERS answers, weakest first, each with its 'wrong'
 * count for the feed's reason. '*out' caller-freed (NULL when none). 0 or -1.
 */
int learner_weak_disciplines(sqlite3 *db, int64_t user_id, struct learner_discipline **out,
    size_t *count, struct qf_error *err);
/*
 * The user's reviews due before 'until' (unix seconds) or fading at 'now',
 * soonest first, at most 'limit', on questions still published; '*out'
 * caller-freed. learner_reviews_due: those due on or before today.
 */
int learner_reviews(sqlite3 *db, int64_t user_id, int64_t now, int64_t until, size_t limit,
    struct learner_review **out, size_t *count, struct qf_error *err);
int learner_reviews_due(sqlite3 *db, int64_t user_id, int64_t now, size_t limit,
    struct learner_review **out, size_t *count, struct qf_error *err);
/* This calendar year's study: each completed item's minutes credited once. 0 or -1. */
int learner_study_year(sqlite3 *db, int64_t user_id, int64_t now, struct learner_study *out,
    struct qf_error *err);
int learner_study_minutes_year(sqlite3 *db, int64_t user_id, int64_t now, int64_t *minutes,
    struct qf_error *err);
/* All the user's answers and the right ones. 0 or -1. */
int learner_answer_counts(sqlite3 *db, int64_t user_id, int64_t *answers, int64_t *correct,
    struct qf_error *err);
/* Local (UTC+8) midnight starting the day of 't'; the first second of its year and of the next. */
int64_t learner_day_start(int64_t t);
int64_t learner_year_start(int64_t t);
int64_t learner_year_end(int64_t t);
/* 't' as the local date "YYYY-MM-DD". */
void learner_format_date(int64_t t, char out[static 11]);

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
	int64_t busy_started_us;      /* when the current wait for a lock began */
	int64_t busy_timeout_us;      /* the longest wait for a lock; 0: the default (5 s) */
	int wal_pages;                /* the WAL's size after this worker's last commit */
	struct impression_log *impressions; /* the feed's impressions not yet written; owned */
};

/* Work left for after the answer has gone out: the WAL checkpoint, when due. */
void app_after_request(struct app *app);

/*
 * Loads or replaces app->model when a new file was renamed into place at
 * the configured path (looked at twice a second at most, or now if 'force').
 */
void app_model_refresh(struct app *app, int force);
/* The version string of the model in service (hex checksum), "0000000000000000" for none. */
void app_model_version(const struct app *app, char out[static 17]);

/*
 * Prepared statements cached per connection (stmt-cache.c), keyed by the
 * address of their SQL text (a string literal). stmt_get returns NULL when
 * the SQL does not compile; every statement it returns goes back through
 * stmt_release (reset, bindings cleared) before the request ends.
 */
sqlite3_stmt *stmt_get(sqlite3 *db, const char *sql);
void stmt_release(sqlite3_stmt *stmt);
void stmt_cache_close(sqlite3 *db);

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

/* ------------------------------------------------------------- supervisor */

/*
 * The supervisor's dashboard (fcgi/SUPERVISOR-API.md). Periods are China
 * Standard Time days numbered like the rollups of migration 6: the day of
 * unix time t is (t + 8 h) / 86400; 'from_day' and 'to_day' inclusive.
 */
void page_supervisor_overview(struct request *req);
void page_supervisor_lift(struct request *req);
void page_supervisor_warnings(struct request *req);
void page_supervisor_people(struct request *req);
void page_supervisor_person(struct request *req);
extern const struct param_spec supervisor_overview_params[];
extern const struct param_spec supervisor_lift_params[];
extern const struct param_spec supervisor_warnings_params[];
extern const struct param_spec supervisor_people_params[];
extern const struct param_spec supervisor_person_params[];

/* The query parameters every supervisor page reads (sv_query_from_request). */
#define SV_DATE_PARAMS \
	{ "from", PARAM_DATE, 0, 0, 0 }, \
	{ "to", PARAM_DATE, 0, 0, 0 }
#define SV_PERIOD_PARAMS \
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 }, \
	{ "category", PARAM_STRING, 1, 16, 0 }, \
	SV_DATE_PARAMS
/* The value of the route's declared parameter 'name' when the request gave it, else NULL. */
const struct param_value *sv_param(const struct request *req, const char *name);

/* The most months a period may span. */
#define SV_MAX_MONTHS 120
/* Categories of cadres, in the order the dashboard lists them ("" last: none). */
#define SV_CATEGORIES 5
extern const char *const sv_category_codes[SV_CATEGORIES];
extern const char *const sv_category_labels[SV_CATEGORIES];

struct sv_query {
	int64_t unit;              /* the tree's root; SCOPE_ALL_UNITS for every unit */
	const char *category;      /* a category code, or NULL for all */
	int64_t from_day, to_day;
	double pass_mark;          /* setting quiz_pass_mark */
	int own_units;             /* 1: group by each unit alone, not by the root's children */
};

/* Sums over a set of cadres; active[i]: those active in the period's month i. */
struct sv_sums {
	int64_t cadres, pushed, completed, quizzes, passed, minutes, items;
	int64_t answers, correct;  /* the first answers to the quizzes' questions, and the right ones */
	int64_t active[SV_MAX_MONTHS];
};

struct sv_group {
	int64_t id;                /* the unit's id (by unit), or the category's index */
	char name[256];
	struct sv_sums sums;
};

struct sv_figures {
	int months;
	int month_key[SV_MAX_MONTHS];            /* yyyymm */
	int64_t month_first[SV_MAX_MONTHS], month_last[SV_MAX_MONTHS];  /* days within the period */
	struct sv_sums total;
	struct sv_sums month[SV_MAX_MONTHS];     /* figures of the pairs, quizzes, credits of month i */
	struct sv_group *units;                  /* the root's children (or each unit), by name */
	size_t unit_count;
	struct sv_group categories[SV_CATEGORIES];
	/* Internal: each unit of the tree (by id) and its group; each day's month. */
	struct sv_unit_map { int64_t unit; size_t group; } *map;
	size_t map_count;
	int *month_of_day;
};

/* The figures' SQL statements by name (NULL-terminated), for their query plans. */
struct sv_statement {
	const char *name, *sql;
};
extern const struct sv_statement sv_figures_statements[];
/* Fills 'out' (zeroed here; free with sv_figures_free) for 'q'. 0, or -1 with 'err'. */
int sv_figures_compute(sqlite3 *db, const struct sv_query *q, struct sv_figures *out,
    struct qf_error *err);
void sv_figures_free(struct sv_figures *f);
/* Participation of 's' over the period: the mean over its months of active ÷ cadres (-1: no cadres). */
double sv_participation(const struct sv_figures *f, const struct sv_sums *s);
/* 'a' ÷ 'b', or JSON null when b is 0. */
json_t *sv_rate(int64_t a, int64_t b);

/* CST day number of unix time 't', its first second, and of a "YYYY-MM-DD" (-1 when invalid). */
int64_t sv_day_of(int64_t t);
int64_t sv_day_start(int64_t day);
int64_t sv_day_parse(const char *date);
/* The date of a day number, "YYYY-MM-DD". */
void sv_day_format(int64_t day, char out[static 11]);
/* The months of [from, to], each cut to it: yyyymm, first and last day; their count, or -1 when too many. */
int sv_period_months(int64_t from, int64_t to, int key[SV_MAX_MONTHS], int64_t first[SV_MAX_MONTHS],
    int64_t last[SV_MAX_MONTHS]);
/* The pro-rata share of the year of 'day' elapsed at its end, 0..1. */
double sv_year_share(int64_t day);
/* A numeric setting, or 'fallback' when unset or not a number. */
double sv_setting(sqlite3 *db, const char *key, double fallback);

/*
 * Reads unit, category, from and to of the request (the params of
 * supervisor_overview_params), resolves the unit in the caller's scope
 * (scope_resolve_unit) and fills 'q'. Answers 4xx itself and returns -1.
 */
int sv_query_from_request(struct request *req, struct sv_query *q);
/* Answers a database failure of a supervisor page: logged, 503. */
void sv_respond_db_error(struct request *req, const char *what, const struct qf_error *err);

/*
 * Warnings (page-supervisor-warnings.c). Each source appends warning
 * objects (SHARED-CONTRACT.md) to 'warnings' for the cadres and units in
 * the tree of 'scope_unit' (SCOPE_ALL_UNITS: all) as of 'now'; 0 or -1
 * with 'err'. Another module adds its own with one line in
 * warning_sources[] of page-supervisor-warnings.c.
 */
struct sv_warning_context {
	const struct sv_query *query;   /* the period asked for; to_day is "as of" */
	double participation, pass_rate, pace_share;
	int64_t inactive_days;
	size_t limit;                   /* most warnings of each kind listed */
	json_t *counts;                 /* kind → how many there are, listed or not */
};
typedef int (*sv_warning_source)(sqlite3 *db, int64_t scope_unit, int64_t now,
    json_t *warnings, struct qf_error *err);
/* The context of the running warnings request, for the built-in sources. */
const struct sv_warning_context *sv_warning_context(void);
/*
 * Appends one warning object (unless 'limit' of its kind are listed; it is
 * counted either way): 'user_id' 0 for a unit's warning, 'value' and
 * 'threshold' NAN for null; the link goes to the person or the unit.
 */
void sv_warning_add(json_t *warnings, const char *kind, int64_t unit_id, const char *unit_name,
    int64_t user_id, const char *user_name, double value, double threshold, const char *message);

/*
 * Exports (export.c): a table of Chinese column headers and rows of JSON
 * scalars, sent as CSV (UTF-8 with a BOM) or XLSX, as an attachment named
 * 'filename' (UTF-8, without extension). Audited as "supervisor.export".
 */
enum export_format { EXPORT_JSON, EXPORT_CSV, EXPORT_XLSX };
struct export_column {
	const char *key;           /* the field of each row object */
	const char *header;        /* the column's Chinese header */
};
/* The ?format= of the request: EXPORT_JSON when absent; answers 400 and returns -1 when unknown. */
int export_format_of(struct request *req, enum export_format *out);
/* Sends 'rows' (a JSON array of objects) in 'format'; does not take 'rows'. */
void export_send(struct request *req, enum export_format format, const char *filename,
    const struct export_column *columns, json_t *rows);
/* The CSV text of 'rows' (BOM, CRLF lines, RFC 4180 quoting); caller frees. NULL when out of memory. */
char *export_csv(const struct export_column *columns, json_t *rows, size_t *len);
/* The XLSX bytes of 'rows' in a private temporary file read back; caller frees. NULL on failure. */
char *export_xlsx(const struct export_column *columns, json_t *rows, const char *sheet, size_t *len);

/*
 * Lift statistics (supervisor-stats.c): one arm's clusters (cadres) with
 * pushes p_u and completions c_u, as sums. Rate R = Σc/Σp; its variance by
 * the delta method for a ratio estimator with cadres as clusters:
 * n/(n−1) · Σ(c_u − R p_u)² / (Σp)².
 */
struct lift_arm {
	int64_t n;                 /* cadres with at least one push */
	double sp, sc, spp, scc, scp;
};
struct lift_result {
	double rate_a, rate_b, var_a, var_b;
	double diff, diff_lo, diff_hi;
	double ratio, ratio_lo, ratio_hi;
	int has_diff_ci, has_ratio_ci;
	const char *reason;        /* why a CI is missing, or NULL */
};
void lift_arm_add(struct lift_arm *arm, double pushed, double completed);
/* The arm's rate and variance; -1 when it has no pushes or fewer than two cadres. */
int lift_arm_rate(const struct lift_arm *arm, double *rate, double *var);
/* Personalised 'a' against control 'b'; CIs only with at least 'min_clusters' cadres in each arm. */
void lift_compare(const struct lift_arm *a, const struct lift_arm *b, int64_t min_clusters,
    struct lift_result *out);
/* ------------------------------------------------------------- campaigns */

/*
 * Mandatory study campaigns (campaigns.c; pages page-editor-campaigns.c,
 * page-supervisor-campaigns.c, page-my-campaigns.c) and the unit
 * evaluation model (evaluation.c, page-supervisor-evaluation.c).
 */
#define CAMPAIGN_FEED_SLOTS_DEFAULT 3
#define CAMPAIGN_FEED_SLOTS_MAX 10
/* A campaign not done this close to its deadline is flagged "due soon". */
#define CAMPAIGN_DUE_SOON_S (3 * 86400)

struct campaign_info {
	int64_t id;
	char title[256];
	char status[16];
	char start[11], deadline[11];     /* YYYY-MM-DD, China Standard Time */
	int64_t start_at, deadline_at;    /* unix seconds; deadline_at ends the deadline day */
	int has_quiz;
	double pass_mark;
	int64_t item_count, question_count;
};

/* One targeted cadre's progress in one campaign. */
struct campaign_person {
	int64_t user_id, unit_id;
	char name[128], unit_name[256];
	int64_t items_done, items_begun, questions_answered, questions_right;
	double quiz_score;                /* right / questions, 0..1 */
	int has_quiz, completed, passed, done, not_started, overdue, due_soon;
};

/* The admin setting campaign_feed_slots: most campaign items a feed shows first. */
int campaign_feed_slots(sqlite3 *db);
/*
 * The cadre's outstanding campaign items, as feed entries with reason
 * "mandatory" (deadline in the sentence), earliest deadline first, at most
 * 'max'; '*entries' is a new array owned by the caller. One query. 0 or -1.
 */
int campaign_feed_entries(sqlite3 *db, int64_t user_id, int64_t now, size_t max, json_t **entries,
    struct qf_error *err);
/* Loads campaign 'campaign_id': 1 found, 0 not, -1 on error. */
int campaign_info_load(sqlite3 *db, int64_t campaign_id, struct campaign_info *out, struct qf_error *err);
/*
 * The cadres campaign 'c' targets today within the subtree of 'scope_unit'
 * (SCOPE_ALL_UNITS: everywhere), each judged at 'now', by unit then id;
 * '*out' caller-freed. 0 or -1.
 */
int campaign_people(sqlite3 *db, const struct campaign_info *c, int64_t scope_unit, int64_t now,
    struct campaign_person **out, size_t *count, struct qf_error *err);
json_t *campaign_person_json(const struct campaign_person *p, const struct campaign_info *c);
/* The campaigns targeting cadre 'user_id' with their progress and items; NULL on error. */
json_t *campaign_user_list(sqlite3 *db, int64_t user_id, int64_t now, struct qf_error *err);
/*
 * Appends to 'warnings' one object (SHARED-CONTRACT.md) per targeted cadre
 * of the subtree of 'scope_unit' who is overdue (campaign_overdue) or due
 * within CAMPAIGN_DUE_SOON_S (campaign_due_soon) in a live campaign. 0 or -1.
 */
int campaign_warnings(sqlite3 *db, int64_t scope_unit, int64_t now, json_t *warnings,
    struct qf_error *err);
/* Local (UTC+8) midnight starting date "YYYY-MM-DD" (valid), as unix seconds. */
int64_t campaign_date_start(const char *date);

void page_editor_campaigns_list(struct request *req);
void page_editor_campaign_create(struct request *req);
void page_editor_campaign_get(struct request *req);
void page_editor_campaign_update(struct request *req);
void page_editor_campaign_close(struct request *req);
void page_editor_campaign_options(struct request *req);
void page_supervisor_campaigns_list(struct request *req);
void page_supervisor_campaign_coverage(struct request *req);
void page_supervisor_campaign_warnings(struct request *req);
extern const struct param_spec campaign_warnings_params[];
void page_my_campaigns(struct request *req);
extern const struct param_spec campaign_coverage_params[];
#define CAMPAIGN_MAX_BODY (64 * 1024)

/* ----------------------------------------------------------- evaluation */

enum evaluation_component {
	EVALUATION_KNOWLEDGE,
	EVALUATION_BEHAVIOUR,
	EVALUATION_FEEDBACK,
	EVALUATION_DATA,
	EVALUATION_COMPONENTS,
};
/* "knowledge", "behaviour", "feedback", "data". */
extern const char *const evaluation_component_names[EVALUATION_COMPONENTS];

/* The admin's weights, in percent (any scale: the composite divides by their sum). */
struct evaluation_weights {
	double value[EVALUATION_COMPONENTS];
};

/* One unit's or cadre's evaluation for one month (evaluation.c explains each figure). */
struct evaluation {
	int has[EVALUATION_COMPONENTS];       /* 0: missing, never zero */
	double value[EVALUATION_COMPONENTS];  /* 0..100 */
	int complete, has_score, has_partial;
	double score;                         /* all four components, weighted; only when complete */
	double partial;                       /* the present ones, weights rescaled */
	int64_t cadres, active, pushed, completed, answers, correct;
	double participation, completion;     /* 0..1 */
};

/* "YYYY-MM" → its first second and the next month's, UTC+8; 0, or -1 when malformed. */
int evaluation_period_bounds(const char *period, int64_t *start, int64_t *end);
/* 'period' moved by 'months' (negative: back). */
void evaluation_period_shift(const char *period, int months, char out[static 8]);
/* The month of 'now', UTC+8. */
void evaluation_period_now(int64_t now, char out[static 8]);
int evaluation_weights_load(sqlite3 *db, struct evaluation_weights *w, struct qf_error *err);
/* The unit's subtree (0: every unit), or one cadre, in 'period'; 0 or -1. */
int evaluation_unit(sqlite3 *db, int64_t unit_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *e, struct qf_error *err);
/* One sub-unit's evaluation (its subtree), as evaluation_units lists them. */
struct evaluation_unit_row {
	int64_t unit_id;
	char name[256];
	struct evaluation e;
};
/*
 * The unit (0: every unit) into 'self', and each of its sub-units (the
 * roots for 0; the unit itself when it has none) into '*rows' (malloc'd,
 * '*n' of them, by name), from one pass over the month's figures; 0 or -1.
 */
int evaluation_units(sqlite3 *db, int64_t unit_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *self, struct evaluation_unit_row **rows, size_t *n, struct qf_error *err);
int evaluation_person(sqlite3 *db, int64_t user_id, const char *period, const struct evaluation_weights *w,
    struct evaluation *e, struct qf_error *err);
/* {"score","partial_score","components":{...},"missing":[...],"details":{...}}. */
json_t *evaluation_json(const struct evaluation *e);
json_t *evaluation_weights_json(const struct evaluation_weights *w);

void page_supervisor_evaluation(struct request *req);
void page_supervisor_evaluation_people(struct request *req);
void page_supervisor_evaluation_trend(struct request *req);
void page_supervisor_evaluation_scores_list(struct request *req);
void page_supervisor_evaluation_scores_post(struct request *req);
extern const struct param_spec evaluation_params[];
extern const struct param_spec evaluation_trend_params[];
#define EVALUATION_MAX_BODY (1024 * 1024)

#endif /* QF_FCGI_EXTERN_H */
