/*
 * page-supervisor-evaluation.c — the evaluation board's API (evaluation.c
 * has the model), scoped to the caller's unit subtree:
 *   GET  /api/supervisor/evaluation?unit=ID&period=YYYY-MM
 *        the unit and its sub-units ranked by composite score
 *   GET  /api/supervisor/evaluation/people?unit=ID&period=YYYY-MM
 *        each cadre of the subtree (at most EVALUATION_MAX_PEOPLE)
 *   GET  /api/supervisor/evaluation/trend?unit=ID&from=YYYY-MM&to=YYYY-MM
 *        the unit's evaluation month by month (at most 24 months)
 *   GET  /api/supervisor/evaluation/scores?unit=ID&period=YYYY-MM
 *        the behaviour and feedback entries of the subtree, with sources
 *   POST /api/supervisor/evaluation/scores
 *        {"period","component":"behaviour|feedback","source","scores":
 *         [{"unit_id"|"user_id":N,"score":0-100}]} — entry or import, all
 *        or nothing; a later entry for the same subject replaces the
 *        earlier one (the audit log keeps both).
 * The period defaults to the current month.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define EVALUATION_MAX_PEOPLE 1000
#define EVALUATION_MAX_MONTHS 24
#define EVALUATION_MAX_SCORES 5000

const struct param_spec evaluation_params[] = {
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 },
	{ "period", PARAM_STRING, 7, 7, 0 },
	{ NULL, 0, 0, 0, 0 },
};

const struct param_spec evaluation_trend_params[] = {
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 },
	{ "from", PARAM_STRING, 7, 7, 0 },
	{ "to", PARAM_STRING, 7, 7, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct body_field scores_fields[] = {
	{ "period", BODY_STRING, 1, 7, 7, 0 },
	{ "component", BODY_STRING, 1, 1, 16, 0 },
	{ "source", BODY_STRING, 1, 1, 200, 0 },
	{ "scores", BODY_ARRAY, 1, 1, EVALUATION_MAX_SCORES, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static void
unavailable(struct request *req, const struct qf_error *err)
{
	log_error("%s", err != NULL && err->set ? err->text : sqlite3_errmsg(req->app->db));
	db_write_rollback(req);
	response_header(req, "Retry-After", "2");
	response_error(req, 503, "database_unavailable", "暂时无法读取数据，请稍后重试");
}

/* The period asked for (or this month) into 'out'; 0, or -1 answered 400. */
static int
period_param(struct request *req, const struct param_value *v, char out[static 8])
{
	int64_t a, b;

	if (!v->present) {
		evaluation_period_now(clock_unix_s(), out);
		return 0;
	}
	if (evaluation_period_bounds(v->text, &a, &b) < 0) {
		response_error(req, 400, "bad_query", "期间须为 YYYY-MM 格式的月份");
		return -1;
	}
	snprintf(out, 8, "%s", v->text);
	return 0;
}

/* The name of unit 'id' (0: the whole organisation). */
static void
unit_name(sqlite3 *db, int64_t id, char *out, size_t size)
{
	sqlite3_stmt *stmt;

	snprintf(out, size, "%s", id == 0 ? "全部单位" : "");
	if (id == 0 || (stmt = stmt_get(db, "SELECT name FROM units WHERE id = ?1")) == NULL)
		return;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(out, size, "%s", sqlite3_column_text(stmt, 0));
	stmt_release(stmt);
}

/* Ranking order: complete scores first, highest first; then partial ones; then none. */
static double
rank_key(json_t *o)
{
	json_t *score = json_object_get(o, "score"), *partial = json_object_get(o, "partial_score");

	if (json_is_number(score))
		return 2000.0 + json_number_value(score);
	if (json_is_number(partial))
		return 1000.0 + json_number_value(partial);
	return 0;
}

static int
by_rank(const void *a, const void *b)
{
	double x = rank_key(*(json_t *const *)a), y = rank_key(*(json_t *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts 'list' by rank and numbers each entry's "rank" (1-based; null when it has no composite). */
static void
rank_list(json_t *list)
{
	size_t n = json_array_size(list), i;
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	int64_t rank = 0;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof(*v), by_rank);
	json_array_clear(list);
	for (i = 0; i < n; i++) {
		json_object_set_new(v[i], "rank", json_is_number(json_object_get(v[i], "score")) ?
		    json_integer(++rank) : json_null());
		json_array_append_new(list, v[i]);
	}
	free(v);
}

void
page_supervisor_evaluation(struct request *req)
{
	sqlite3 *db = req->app->db;
	struct evaluation_weights w;
	struct evaluation_unit_row *rows = NULL;
	struct evaluation e;
	struct qf_error err;
	char period[8], name[256];
	int64_t scope;
	size_t n = 0;
	json_t *units, *self, *reply;

	qf_error_init(&err);
	if (period_param(req, &req->params[1], period) < 0 ||
	    scope_resolve_unit(req, req->params[0].present ? req->params[0].integer : 0, &scope) < 0)
		return;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	/* The units to rank: the sub-units of the one asked for (the roots for everything), or itself. */
	if (evaluation_weights_load(db, &w, &err) < 0 ||
	    evaluation_units(db, scope, period, &w, &e, &rows, &n, &err) < 0)
		goto fail;
	unit_name(db, scope, name, sizeof(name));
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	units = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = evaluation_json(&rows[i].e);

		json_object_set_new(o, "unit_id", json_integer(rows[i].unit_id));
		json_object_set_new(o, "name", json_string(rows[i].name));
		json_array_append_new(units, o);
	}
	free(rows);
	rank_list(units);
	self = evaluation_json(&e);
	json_object_set_new(self, "unit_id", json_integer(scope));
	json_object_set_new(self, "name", json_string(name));
	reply = json_pack("{s:s,s:o,s:o,s:o,s:s}", "period", period, "weights", evaluation_weights_json(&w),
	    "unit", self, "units", units,
	    "rule", "综合得分为四项得分按权重加权；任一项缺失时综合得分为空，另给出按现有各项重新归一的参考分");
	response_json(req, 200, reply);
	return;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	unavailable(req, &err);
}

void
page_supervisor_evaluation_people(struct request *req)
{
	sqlite3 *db = req->app->db;
	struct evaluation_weights w;
	struct evaluation e;
	struct qf_error err;
	sqlite3_stmt *stmt;
	char period[8];
	int64_t scope;
	json_t *people = json_array();
	struct {
		int64_t id, unit_id;
		char name[128], unit_name[256];
	} *v = NULL;
	size_t n = 0;
	int rc;

	qf_error_init(&err);
	if (period_param(req, &req->params[1], period) < 0 ||
	    scope_resolve_unit(req, req->params[0].present ? req->params[0].integer : 0, &scope) < 0) {
		json_decref(people);
		return;
	}
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (evaluation_weights_load(db, &w, &err) < 0)
		goto fail;
	if ((stmt = stmt_get(db, "WITH RECURSIVE " SCOPE_UNITS_CTE("?1")
	    " SELECT u.id, u.name, u.unit_id, un.name FROM users u JOIN units un ON un.id = u.unit_id"
	    " WHERE u.role = 'cadre' AND u.disabled = 0 AND u.unit_id IN (SELECT id FROM scope_units)"
	    " ORDER BY u.id LIMIT ?2")) == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, scope);
	sqlite3_bind_int(stmt, 2, EVALUATION_MAX_PEOPLE);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		void *grown = realloc(v, (n + 1) * sizeof(*v));

		if (grown == NULL)
			break;
		v = grown;
		v[n].id = sqlite3_column_int64(stmt, 0);
		snprintf(v[n].name, sizeof(v[n].name), "%s", sqlite3_column_text(stmt, 1));
		v[n].unit_id = sqlite3_column_int64(stmt, 2);
		snprintf(v[n].unit_name, sizeof(v[n].unit_name), "%s", sqlite3_column_text(stmt, 3));
		n++;
	}
	stmt_release(stmt);
	for (size_t i = 0; i < n; i++) {
		json_t *o;

		if (evaluation_person(db, v[i].id, period, &w, &e, &err) < 0)
			goto fail;
		o = evaluation_json(&e);
		json_object_set_new(o, "user_id", json_integer(v[i].id));
		json_object_set_new(o, "name", json_string(v[i].name));
		json_object_set_new(o, "unit_id", json_integer(v[i].unit_id));
		json_object_set_new(o, "unit_name", json_string(v[i].unit_name));
		json_array_append_new(people, o);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	rank_list(people);
	free(v);
	/* Personal records of several people: the read is logged. */
	audit_record(req, "evaluation.people", "unit", scope, json_pack("{s:s}", "period", period));
	response_json(req, 200, json_pack("{s:s,s:o,s:I,s:o,s:b}", "period", period,
	    "weights", evaluation_weights_json(&w), "unit_id", (json_int_t)scope, "people", people,
	    "truncated", n >= EVALUATION_MAX_PEOPLE));
	return;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(v);
	json_decref(people);
	unavailable(req, &err);
}

void
page_supervisor_evaluation_trend(struct request *req)
{
	sqlite3 *db = req->app->db;
	const struct param_value *from = &req->params[1], *to = &req->params[2];
	struct evaluation_weights w;
	struct evaluation e;
	struct qf_error err;
	char first[8], last[8], period[8];
	int64_t scope, a, b;
	json_t *periods = json_array();
	int months;

	qf_error_init(&err);
	if ((from->present && evaluation_period_bounds(from->text, &a, &b) < 0) ||
	    (to->present && evaluation_period_bounds(to->text, &a, &b) < 0)) {
		json_decref(periods);
		response_error(req, 400, "bad_query", "期间须为 YYYY-MM 格式的月份");
		return;
	}
	if (to->present)
		snprintf(last, sizeof(last), "%s", to->text);
	else
		evaluation_period_now(clock_unix_s(), last);
	if (from->present)
		snprintf(first, sizeof(first), "%s", from->text);
	else
		evaluation_period_shift(last, -5, first);
	months = (atoi(last) - atoi(first)) * 12 + atoi(last + 5) - atoi(first + 5) + 1;
	if (months < 1 || months > EVALUATION_MAX_MONTHS) {
		json_decref(periods);
		response_error(req, 400, "bad_query", "起止月份须先后有序，且不超过 24 个月");
		return;
	}
	if (scope_resolve_unit(req, req->params[0].present ? req->params[0].integer : 0, &scope) < 0) {
		json_decref(periods);
		return;
	}
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (evaluation_weights_load(db, &w, &err) < 0)
		goto fail;
	for (int i = 0; i < months; i++) {
		json_t *o;

		evaluation_period_shift(first, i, period);
		if (evaluation_unit(db, scope, period, &w, &e, &err) < 0)
			goto fail;
		o = evaluation_json(&e);
		json_object_set_new(o, "period", json_string(period));
		json_array_append_new(periods, o);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	response_json(req, 200, json_pack("{s:I,s:o,s:o}", "unit_id", (json_int_t)scope,
	    "weights", evaluation_weights_json(&w), "periods", periods));
	return;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	json_decref(periods);
	unavailable(req, &err);
}

void
page_supervisor_evaluation_scores_list(struct request *req)
{
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt;
	char period[8];
	int64_t scope;
	json_t *list;
	int rc;

	if (period_param(req, &req->params[1], period) < 0 ||
	    scope_resolve_unit(req, req->params[0].present ? req->params[0].integer : 0, &scope) < 0)
		return;
	if ((stmt = stmt_get(db, "WITH RECURSIVE " SCOPE_UNITS_CTE("?1")
	    " SELECT s.id, s.component, s.unit_id, un.name, s.user_id, u.name, s.score, s.source, s.entered_at,"
	    "   e.name"
	    " FROM evaluation_scores s LEFT JOIN units un ON un.id = s.unit_id"
	    " LEFT JOIN users u ON u.id = s.user_id LEFT JOIN users e ON e.id = s.entered_by"
	    " WHERE s.period = ?2 AND (s.unit_id IN (SELECT id FROM scope_units)"
	    "   OR u.unit_id IN (SELECT id FROM scope_units))"
	    " ORDER BY s.component, s.unit_id IS NULL, s.unit_id, s.user_id")) == NULL) {
		unavailable(req, NULL);
		return;
	}
	sqlite3_bind_int64(stmt, 1, scope);
	sqlite3_bind_text(stmt, 2, period, -1, SQLITE_STATIC);
	list = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		char at[21];

		clock_format_iso8601(sqlite3_column_int64(stmt, 8), at);
		json_array_append_new(list, json_pack("{s:I,s:s,s:o,s:o,s:o,s:o,s:f,s:s,s:s,s:o}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0), "component", sqlite3_column_text(stmt, 1),
		    "unit_id", sqlite3_column_type(stmt, 2) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(stmt, 2)),
		    "unit_name", sqlite3_column_type(stmt, 3) == SQLITE_NULL ? json_null() :
		    json_string((const char *)sqlite3_column_text(stmt, 3)),
		    "user_id", sqlite3_column_type(stmt, 4) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(stmt, 4)),
		    "user_name", sqlite3_column_type(stmt, 5) == SQLITE_NULL ? json_null() :
		    json_string((const char *)sqlite3_column_text(stmt, 5)),
		    "score", sqlite3_column_double(stmt, 6), "source", sqlite3_column_text(stmt, 7),
		    "entered", at, "entered_by", sqlite3_column_type(stmt, 9) == SQLITE_NULL ? json_null() :
		    json_string((const char *)sqlite3_column_text(stmt, 9))));
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		unavailable(req, NULL);
		return;
	}
	response_json(req, 200, json_pack("{s:s,s:I,s:o}", "period", period, "unit_id", (json_int_t)scope,
	    "scores", list));
}

static void
row_error(struct request *req, int status, const char *code, size_t row, const char *field, const char *message)
{
	char name[64];

	snprintf(name, sizeof(name), "scores[%zu].%s", row, field);
	response_json(req, status, json_pack("{s:{s:s,s:s,s:s,s:I}}", "error", "code", code, "message", message,
	    "field", name, "row", (json_int_t)row));
}

void
page_supervisor_evaluation_scores_post(struct request *req)
{
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt = NULL;
	json_t *body, *scores, *row;
	const char *period, *component, *source;
	int64_t a, b, reach = req->user->role == ROLE_ADMIN ? SCOPE_ALL_UNITS : req->user->unit_id;
	struct qf_error err;
	size_t i;

	qf_error_init(&err);
	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, scores_fields) < 0)
		goto out;
	period = json_string_value(json_object_get(body, "period"));
	component = json_string_value(json_object_get(body, "component"));
	source = json_string_value(json_object_get(body, "source"));
	scores = json_object_get(body, "scores");
	if (evaluation_period_bounds(period, &a, &b) < 0) {
		response_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "bad_field",
		    "message", "期间须为 YYYY-MM 格式的月份", "field", "period"));
		goto out;
	}
	if (strcmp(component, "behaviour") != 0 && strcmp(component, "feedback") != 0) {
		response_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "bad_field",
		    "message", "评估项须为 behaviour（行为观察）或 feedback（群众/同事评议）", "field", "component"));
		goto out;
	}
	if (db_write_begin(req) < 0)
		goto out;
	json_array_foreach(scores, i, row) {
		json_t *unit = json_object_get(row, "unit_id"), *user = json_object_get(row, "user_id");
		json_t *score = json_object_get(row, "score");
		const char *key;
		json_t *value;
		int64_t subject_unit;
		int within;

		if (!json_is_object(row)) {
			db_write_rollback(req);
			row_error(req, 400, "bad_field", i, "score", "每一行须为对象");
			goto out;
		}
		json_object_foreach(row, key, value)
			if (strcmp(key, "unit_id") != 0 && strcmp(key, "user_id") != 0 && strcmp(key, "score") != 0) {
				db_write_rollback(req);
				row_error(req, 400, "unknown_field", i, key, "不认识的字段");
				goto out;
			}
		if ((unit != NULL) == (user != NULL) || (unit && (!json_is_integer(unit) || json_integer_value(unit) <= 0)) ||
		    (user && (!json_is_integer(user) || json_integer_value(user) <= 0))) {
			db_write_rollback(req);
			row_error(req, 400, "bad_field", i, unit ? "unit_id" : "user_id",
			    "每一行须且只须给出 unit_id 或 user_id 之一（正整数）");
			goto out;
		}
		if (!json_is_number(score) || json_number_value(score) < 0 || json_number_value(score) > 100) {
			db_write_rollback(req);
			row_error(req, 422, "invalid_field", i, "score", "得分须为 0 到 100 之间的数字");
			goto out;
		}
		/* The subject's unit: it must exist (a cadre) and lie in the caller's subtree. */
		if (unit)
			stmt = stmt_get(db, "SELECT id FROM units WHERE id = ?1");
		else
			stmt = stmt_get(db, "SELECT unit_id FROM users WHERE id = ?1 AND role = 'cadre'");
		if (stmt == NULL)
			goto db_fail;
		sqlite3_bind_int64(stmt, 1, json_integer_value(unit ? unit : user));
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			stmt_release(stmt);
			stmt = NULL;
			db_write_rollback(req);
			row_error(req, 422, "invalid_field", i, unit ? "unit_id" : "user_id",
			    unit ? "没有这个单位" : "没有这名干部");
			goto out;
		}
		subject_unit = sqlite3_column_int64(stmt, 0);
		stmt_release(stmt);
		stmt = NULL;
		if ((within = scope_unit_within(db, reach, subject_unit, &err)) < 0)
			goto db_fail;
		if (!within) {
			db_write_rollback(req);
			audit_record(req, "scope.refused", unit ? "unit" : "user", json_integer_value(unit ? unit : user),
			    json_pack("{s:s,s:s}", "method", req->method_name, "path", req->path));
			response_error(req, 403, "out_of_scope", "无权为本单位及下级单位以外的单位或人员录入评估");
			goto out;
		}
		if (unit)
			stmt = stmt_get(db, "INSERT INTO evaluation_scores(period, component, unit_id, score, source,"
			    " entered_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
			    " ON CONFLICT(period, component, unit_id) WHERE unit_id IS NOT NULL DO UPDATE SET"
			    " score = excluded.score, source = excluded.source, entered_by = excluded.entered_by,"
			    " entered_at = unixepoch()");
		else
			stmt = stmt_get(db, "INSERT INTO evaluation_scores(period, component, user_id, score, source,"
			    " entered_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
			    " ON CONFLICT(period, component, user_id) WHERE user_id IS NOT NULL DO UPDATE SET"
			    " score = excluded.score, source = excluded.source, entered_by = excluded.entered_by,"
			    " entered_at = unixepoch()");
		if (stmt == NULL)
			goto db_fail;
		sqlite3_bind_text(stmt, 1, period, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, component, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, json_integer_value(unit ? unit : user));
		sqlite3_bind_double(stmt, 4, json_number_value(score));
		sqlite3_bind_text(stmt, 5, source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 6, req->user->id);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto db_fail;
		stmt_release(stmt);
		stmt = NULL;
	}
	if (audit_record(req, "evaluation.scores", NULL, 0, json_incref(body)) < 0)
		goto db_fail;
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 200, json_pack("{s:I,s:s,s:s}", "saved", (json_int_t)json_array_size(scores),
	    "period", period, "component", component));
	goto out;
db_fail:
	stmt_release(stmt);
	unavailable(req, &err);
out:
	json_decref(body);
}
