/*
 * page-editor-campaigns.c — the editor's campaigns (专题学习):
 *   GET  /api/editor/campaigns              the list, newest first
 *   POST /api/editor/campaigns              create → 201 {"id"}
 *   GET  /api/editor/campaigns/{id}         one, with items, quiz and target
 *   PUT  /api/editor/campaigns/{id}         replace (same body as create)
 *   POST /api/editor/campaigns/{id}/close   end it: it leaves every feed
 * Every write is audited with the body it applied. A body names published
 * items, optionally the quiz questions (else, with a pass mark, the
 * published questions of those items), a target and two dates; anything
 * unknown is refused with the field named.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define CAMPAIGN_MAX_ITEMS 200
#define CAMPAIGN_MAX_QUESTIONS 500
#define CAMPAIGN_MAX_TARGETS 1000

static const struct body_field campaign_fields[] = {
	{ "title", BODY_STRING, 1, 1, 200, 0 },
	{ "description", BODY_STRING, 0, 0, 4000, 1 },
	{ "items", BODY_ARRAY, 1, 1, CAMPAIGN_MAX_ITEMS, 0 },
	{ "questions", BODY_ARRAY, 0, 0, CAMPAIGN_MAX_QUESTIONS, 0 },
	{ "target", BODY_OBJECT, 1, 0, 0, 0 },
	{ "start", BODY_STRING, 1, 10, 10, 0 },
	{ "deadline", BODY_STRING, 1, 10, 10, 0 },
	{ "pass_mark", BODY_NUMBER, 0, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* The kinds of target, as the body names them and as campaign_targets stores them. */
static const struct {
	const char *field, *kind;
	int integer;
} target_kinds[] = {
	{ "units", "unit", 1 },
	{ "categories", "category", 0 },
	{ "industries", "industry", 0 },
	{ "risks", "risk", 0 },
	{ "users", "user", 1 },
};
#define TARGET_KINDS (sizeof(target_kinds) / sizeof(target_kinds[0]))

static void
field_error(struct request *req, int status, const char *code, const char *field, const char *message)
{
	response_json(req, status, json_pack("{s:{s:s,s:s,s:s}}", "error", "code", code,
	    "message", message, "field", field));
}

static void
db_error(struct request *req)
{
	log_error("campaigns %s %s: %s", req->method_name, req->path, sqlite3_errmsg(req->app->db));
	db_write_rollback(req);
	response_header(req, "Retry-After", "2");
	response_error(req, 503, "database_unavailable", "服务暂时不可用，请稍后重试");
}

/* 1 when the query with one bound value finds a row, 0 when not, -1 on error. */
static int
exists_text(sqlite3 *db, const char *sql, const char *value)
{
	sqlite3_stmt *stmt = stmt_get(db, sql);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	stmt_release(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int
exists_id(sqlite3 *db, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt = stmt_get(db, sql);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	stmt_release(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Checks an array of distinct positive ids: 400 (answered) when malformed,
 * else each must make 'sql' find a row: 422 naming the id when not. 0, or
 * -1 answered.
 */
static int
check_ids(struct request *req, json_t *array, const char *field, const char *sql, const char *what)
{
	size_t i, j;
	json_t *v;
	char message[256];
	int found;

	json_array_foreach(array, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			snprintf(message, sizeof(message), "字段 %s 须为正整数编号的数组", field);
			field_error(req, 400, "bad_field", field, message);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (json_integer_value(json_array_get(array, j)) == json_integer_value(v)) {
				snprintf(message, sizeof(message), "%s中编号 %lld 重复", what, (long long)json_integer_value(v));
				field_error(req, 422, "invalid_field", field, message);
				return -1;
			}
		if ((found = exists_id(req->app->db, sql, json_integer_value(v))) < 0) {
			db_error(req);
			return -1;
		}
		if (!found) {
			snprintf(message, sizeof(message), "%s中编号 %lld 不存在或不可用", what, (long long)json_integer_value(v));
			field_error(req, 422, "invalid_field", field, message);
			return -1;
		}
	}
	return 0;
}

/* Checks body.target; 0, or -1 answered. */
static int
check_target(struct request *req, json_t *target)
{
	const char *key;
	json_t *value, *v;
	char field[64], message[256];
	size_t i;
	int found;

	json_object_foreach(target, key, value) {
		size_t k;

		for (k = 0; k < TARGET_KINDS && strcmp(target_kinds[k].field, key) != 0; k++)
			;
		snprintf(field, sizeof(field), "target.%.40s", key);
		if (k == TARGET_KINDS) {
			field_error(req, 400, "unknown_field", field, "不认识的目标范围类型");
			return -1;
		}
		if (!json_is_array(value) || json_array_size(value) > CAMPAIGN_MAX_TARGETS) {
			field_error(req, 400, "bad_field", field, "目标范围须为数组，至多 1000 项");
			return -1;
		}
		if (target_kinds[k].integer) {
			if (check_ids(req, value, field, strcmp(key, "units") == 0 ?
			    "SELECT 1 FROM units WHERE id = ?1" :
			    "SELECT 1 FROM users WHERE id = ?1 AND role = 'cadre'",
			    strcmp(key, "units") == 0 ? "单位" : "干部") < 0)
				return -1;
			continue;
		}
		json_array_foreach(value, i, v) {
			const char *s = json_string_value(v);

			if (s == NULL || json_string_length(v) > 64) {
				field_error(req, 400, "bad_field", field, "目标范围须为文本代码的数组");
				return -1;
			}
			if (strcmp(key, "categories") == 0)
				found = strcmp(s, "leading") == 0 || strcmp(s, "middle") == 0 ||
				    strcmp(s, "grassroots") == 0 || strcmp(s, "new_hire") == 0;
			else if ((found = exists_text(req->app->db, strcmp(key, "industries") == 0 ?
			    "SELECT 1 FROM tags WHERE code = ?1 AND kind = 'industry'" :
			    "SELECT 1 FROM tags WHERE code = ?1 AND kind = 'risk'", s)) < 0) {
				db_error(req);
				return -1;
			}
			if (!found) {
				snprintf(message, sizeof(message), "不认识的代码：%.64s", s);
				field_error(req, 422, "invalid_field", field, message);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * Checks a create or update body (and, for an update, leaves the deadline
 * alone if unchanged: 'old_deadline', else NULL). 0, or -1 answered.
 */
static int
check_body(struct request *req, json_t *body, const char *old_deadline)
{
	const char *start = json_string_value(json_object_get(body, "start"));
	const char *deadline = json_string_value(json_object_get(body, "deadline"));
	json_t *questions = json_object_get(body, "questions");
	char today[11];

	if (body_check(req, body, campaign_fields) < 0)
		return -1;
	if (!date_is_valid(start)) {
		field_error(req, 400, "bad_field", "start", "开始日期须为 YYYY-MM-DD 格式的有效日期");
		return -1;
	}
	if (!date_is_valid(deadline)) {
		field_error(req, 400, "bad_field", "deadline", "截止日期须为 YYYY-MM-DD 格式的有效日期");
		return -1;
	}
	if (strcmp(deadline, start) < 0) {
		field_error(req, 422, "invalid_field", "deadline", "截止日期不能早于开始日期");
		return -1;
	}
	learner_format_date(clock_unix_s(), today);
	if (strcmp(deadline, today) < 0 && (old_deadline == NULL || strcmp(deadline, old_deadline) != 0)) {
		field_error(req, 422, "invalid_field", "deadline", "截止日期不能早于今天");
		return -1;
	}
	if (check_ids(req, json_object_get(body, "items"), "items",
	    "SELECT 1 FROM items WHERE id = ?1 AND status = 'published'", "学习内容") < 0)
		return -1;
	if (questions != NULL && !json_is_null(questions)) {
		if (json_object_get(body, "pass_mark") == NULL || json_is_null(json_object_get(body, "pass_mark"))) {
			field_error(req, 422, "invalid_field", "pass_mark", "指定了测验题，须同时给出及格线");
			return -1;
		}
		if (check_ids(req, questions, "questions",
		    "SELECT 1 FROM questions WHERE id = ?1 AND status = 'published'", "测验题") < 0)
			return -1;
	}
	if (json_is_number(json_object_get(body, "pass_mark")) &&
	    json_number_value(json_object_get(body, "pass_mark")) <= 0) {
		field_error(req, 422, "invalid_field", "pass_mark", "及格线须大于 0、不超过 1");
		return -1;
	}
	return check_target(req, json_object_get(body, "target"));
}

/* Writes the items, quiz and target of campaign 'id' from a checked body; 0, or -1 (database). */
static int
write_parts(sqlite3 *db, int64_t id, json_t *body)
{
	sqlite3_stmt *stmt;
	json_t *items = json_object_get(body, "items"), *questions = json_object_get(body, "questions");
	json_t *target = json_object_get(body, "target"), *v;
	size_t i;
	int has_quiz = json_is_number(json_object_get(body, "pass_mark"));

	if ((stmt = stmt_get(db, "DELETE FROM campaign_items WHERE campaign_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto fail;
	stmt_release(stmt);
	if ((stmt = stmt_get(db, "DELETE FROM campaign_questions WHERE campaign_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto fail;
	stmt_release(stmt);
	if ((stmt = stmt_get(db, "DELETE FROM campaign_targets WHERE campaign_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto fail;
	stmt_release(stmt);

	if ((stmt = stmt_get(db, "INSERT INTO campaign_items(campaign_id, item_id, position) VALUES (?1, ?2, ?3)"))
	    == NULL)
		return -1;
	json_array_foreach(items, i, v) {
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, json_integer_value(v));
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)i + 1);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(stmt);
	}
	stmt_release(stmt);

	if (has_quiz && (questions == NULL || json_is_null(questions))) {
		/* No questions named: the published questions of the campaign's items. */
		if ((stmt = stmt_get(db, "INSERT INTO campaign_questions(campaign_id, question_id)"
		    " SELECT ?1, q.id FROM questions q JOIN campaign_items ci ON ci.item_id = q.item_id"
		    " WHERE ci.campaign_id = ?1 AND q.status = 'published'")) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto fail;
		stmt_release(stmt);
	} else if (has_quiz) {
		if ((stmt = stmt_get(db, "INSERT OR IGNORE INTO campaign_questions(campaign_id, question_id)"
		    " VALUES (?1, ?2)")) == NULL)
			return -1;
		json_array_foreach(questions, i, v) {
			sqlite3_bind_int64(stmt, 1, id);
			sqlite3_bind_int64(stmt, 2, json_integer_value(v));
			if (sqlite3_step(stmt) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(stmt);
		}
		stmt_release(stmt);
	}

	if ((stmt = stmt_get(db, "INSERT OR IGNORE INTO campaign_targets(campaign_id, kind, value)"
	    " VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	for (size_t k = 0; k < TARGET_KINDS; k++) {
		json_t *list = json_object_get(target, target_kinds[k].field);

		json_array_foreach(list, i, v) {
			char number[24];

			sqlite3_bind_int64(stmt, 1, id);
			sqlite3_bind_text(stmt, 2, target_kinds[k].kind, -1, SQLITE_STATIC);
			if (json_is_integer(v)) {
				snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(v));
				sqlite3_bind_text(stmt, 3, number, -1, SQLITE_TRANSIENT);
			} else
				sqlite3_bind_text(stmt, 3, json_string_value(v), -1, SQLITE_STATIC);
			if (sqlite3_step(stmt) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(stmt);
		}
	}
	stmt_release(stmt);
	return 0;
fail:
	stmt_release(stmt);
	return -1;
}

/* The campaign as the editor reads it, or NULL when it does not exist (or on error: '*failed'). */
static json_t *
campaign_json(sqlite3 *db, int64_t id, int *failed)
{
	struct campaign_info c;
	struct qf_error err;
	sqlite3_stmt *stmt;
	json_t *out, *items = json_array(), *questions = json_array(), *target = json_object();
	int found;

	qf_error_init(&err);
	*failed = 0;
	if ((found = campaign_info_load(db, id, &c, &err)) <= 0) {
		*failed = found < 0;
		json_decref(items);
		json_decref(questions);
		json_decref(target);
		return NULL;
	}
	if ((stmt = stmt_get(db, "SELECT ci.item_id, i.title, i.status, i.kind, i.minutes"
	    " FROM campaign_items ci JOIN items i ON i.id = ci.item_id"
	    " WHERE ci.campaign_id = ?1 ORDER BY ci.position")) != NULL) {
		sqlite3_bind_int64(stmt, 1, id);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:s,s:i}",
			    "id", (json_int_t)sqlite3_column_int64(stmt, 0), "title", sqlite3_column_text(stmt, 1),
			    "status", sqlite3_column_text(stmt, 2), "kind", sqlite3_column_text(stmt, 3),
			    "minutes", sqlite3_column_int(stmt, 4)));
		stmt_release(stmt);
	}
	if ((stmt = stmt_get(db, "SELECT question_id FROM campaign_questions WHERE campaign_id = ?1"
	    " ORDER BY question_id")) != NULL) {
		sqlite3_bind_int64(stmt, 1, id);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			json_array_append_new(questions, json_integer(sqlite3_column_int64(stmt, 0)));
		stmt_release(stmt);
	}
	if ((stmt = stmt_get(db, "SELECT kind, value FROM campaign_targets WHERE campaign_id = ?1"
	    " ORDER BY kind, value")) != NULL) {
		sqlite3_bind_int64(stmt, 1, id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(stmt, 0);

			for (size_t k = 0; k < TARGET_KINDS; k++) {
				json_t *list;

				if (strcmp(kind, target_kinds[k].kind) != 0)
					continue;
				if ((list = json_object_get(target, target_kinds[k].field)) == NULL) {
					list = json_array();
					json_object_set_new(target, target_kinds[k].field, list);
				}
				json_array_append_new(list, target_kinds[k].integer ?
				    json_integer(sqlite3_column_int64(stmt, 1)) :
				    json_string((const char *)sqlite3_column_text(stmt, 1)));
			}
		}
		stmt_release(stmt);
	}
	out = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I}",
	    "id", (json_int_t)c.id, "title", c.title, "status", c.status, "start", c.start,
	    "deadline", c.deadline, "pass_mark", c.has_quiz ? json_real(c.pass_mark) : json_null(),
	    "items", items, "questions", questions, "target", target,
	    "item_count", (json_int_t)c.item_count);
	if ((stmt = stmt_get(db, "SELECT description, created_at, updated_at, closed_at FROM campaigns WHERE id = ?1"))
	    != NULL) {
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			char at[21];

			json_object_set_new(out, "description", json_string((const char *)sqlite3_column_text(stmt, 0)));
			clock_format_iso8601(sqlite3_column_int64(stmt, 1), at);
			json_object_set_new(out, "created", json_string(at));
			clock_format_iso8601(sqlite3_column_int64(stmt, 2), at);
			json_object_set_new(out, "updated", json_string(at));
		}
		stmt_release(stmt);
	}
	return out;
}

void
page_editor_campaigns_list(struct request *req)
{
	sqlite3_stmt *stmt;
	json_t *list = json_array();
	int rc;

	if ((stmt = stmt_get(req->app->db, "SELECT c.id, c.title, c.status, c.start_date, c.deadline_date,"
	    "   c.pass_mark, (SELECT count(*) FROM campaign_items WHERE campaign_id = c.id)"
	    " FROM campaigns c ORDER BY c.id DESC LIMIT 500")) == NULL) {
		json_decref(list);
		db_error(req);
		return;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:I}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0), "title", sqlite3_column_text(stmt, 1),
		    "status", sqlite3_column_text(stmt, 2), "start", sqlite3_column_text(stmt, 3),
		    "deadline", sqlite3_column_text(stmt, 4),
		    "pass_mark", sqlite3_column_type(stmt, 5) == SQLITE_NULL ? json_null() :
		    json_real(sqlite3_column_double(stmt, 5)),
		    "item_count", (json_int_t)sqlite3_column_int64(stmt, 6)));
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		db_error(req);
		return;
	}
	response_json(req, 200, json_pack("{s:o}", "campaigns", list));
}

/* Binds the columns of campaigns a body sets: ?1 title … ?7 pass_mark. */
static void
bind_columns(sqlite3_stmt *stmt, json_t *body)
{
	const char *start = json_string_value(json_object_get(body, "start"));
	const char *deadline = json_string_value(json_object_get(body, "deadline"));
	json_t *description = json_object_get(body, "description"), *pass = json_object_get(body, "pass_mark");

	sqlite3_bind_text(stmt, 1, json_string_value(json_object_get(body, "title")), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, json_is_string(description) ? json_string_value(description) : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, deadline, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, campaign_date_start(start));
	sqlite3_bind_int64(stmt, 6, campaign_date_start(deadline) + 86400);
	if (json_is_number(pass))
		sqlite3_bind_double(stmt, 7, json_number_value(pass));
	else
		sqlite3_bind_null(stmt, 7);
}

/* With a pass mark, the quiz must have questions: 0, or -1 answered (and rolled back). */
static int
check_quiz(struct request *req, int64_t id, json_t *body)
{
	if (json_is_number(json_object_get(body, "pass_mark"))) {
		int found = exists_id(req->app->db, "SELECT 1 FROM campaign_questions WHERE campaign_id = ?1", id);

		if (found < 0) {
			db_error(req);
			return -1;
		}
		if (!found) {
			db_write_rollback(req);
			field_error(req, 422, "invalid_field", "pass_mark", "所选内容没有可用的测验题，无法设置及格线");
			return -1;
		}
	}
	return 0;
}

void
page_editor_campaign_create(struct request *req)
{
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt;
	json_t *body;
	int64_t id;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (check_body(req, body, NULL) < 0 || db_write_begin(req) < 0)
		goto out;
	if ((stmt = stmt_get(db, "INSERT INTO campaigns(title, description, start_date, deadline_date,"
	    " start_at, deadline_at, pass_mark, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")) == NULL) {
		db_error(req);
		goto out;
	}
	bind_columns(stmt, body);
	sqlite3_bind_int64(stmt, 8, req->user->id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		stmt_release(stmt);
		db_error(req);
		goto out;
	}
	stmt_release(stmt);
	id = sqlite3_last_insert_rowid(db);
	if (write_parts(db, id, body) < 0) {
		db_error(req);
		goto out;
	}
	if (check_quiz(req, id, body) < 0)
		goto out;
	if (audit_record(req, "campaign.create", "campaign", id, json_incref(body)) < 0) {
		db_error(req);
		goto out;
	}
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
out:
	json_decref(body);
}

void
page_editor_campaign_get(struct request *req)
{
	int failed;
	json_t *c = campaign_json(req->app->db, req->path_ids[0], &failed);

	if (c == NULL && failed)
		db_error(req);
	else if (c == NULL)
		response_error(req, 404, "not_found", "没有这个专题学习");
	else
		response_json(req, 200, c);
}

void
page_editor_campaign_update(struct request *req)
{
	sqlite3 *db = req->app->db;
	int64_t id = req->path_ids[0];
	struct campaign_info c;
	struct qf_error err;
	sqlite3_stmt *stmt;
	json_t *body;
	int found, failed;

	qf_error_init(&err);
	if ((body = request_json_body(req)) == NULL)
		return;
	if (db_write_begin(req) < 0)
		goto out;
	if ((found = campaign_info_load(db, id, &c, &err)) < 0) {
		db_error(req);
		goto out;
	}
	if (found == 0) {
		db_write_rollback(req);
		response_error(req, 404, "not_found", "没有这个专题学习");
		goto out;
	}
	if (strcmp(c.status, "closed") == 0) {
		db_write_rollback(req);
		response_error(req, 409, "invalid_transition", "已结束的专题学习不能修改");
		goto out;
	}
	if (check_body(req, body, c.deadline) < 0) {
		db_write_rollback(req);
		goto out;
	}
	if ((stmt = stmt_get(db, "UPDATE campaigns SET title = ?1, description = ?2, start_date = ?3,"
	    " deadline_date = ?4, start_at = ?5, deadline_at = ?6, pass_mark = ?7, updated_at = unixepoch()"
	    " WHERE id = ?8")) == NULL) {
		db_error(req);
		goto out;
	}
	bind_columns(stmt, body);
	sqlite3_bind_int64(stmt, 8, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		stmt_release(stmt);
		db_error(req);
		goto out;
	}
	stmt_release(stmt);
	if (write_parts(db, id, body) < 0) {
		db_error(req);
		goto out;
	}
	if (check_quiz(req, id, body) < 0)
		goto out;
	if (audit_record(req, "campaign.update", "campaign", id, json_incref(body)) < 0) {
		db_error(req);
		goto out;
	}
	if (db_write_commit(req) < 0)
		goto out;
	json_decref(body);
	if ((body = campaign_json(db, id, &failed)) == NULL) {
		db_error(req);
		return;
	}
	response_json(req, 200, body);
	return;
out:
	json_decref(body);
}

void
page_editor_campaign_close(struct request *req)
{
	sqlite3 *db = req->app->db;
	int64_t id = req->path_ids[0];
	sqlite3_stmt *stmt;
	int changed, failed;
	json_t *c;

	if (db_write_begin(req) < 0)
		return;
	if ((stmt = stmt_get(db, "UPDATE campaigns SET status = 'closed', closed_at = unixepoch(),"
	    " updated_at = unixepoch() WHERE id = ?1 AND status = 'active'")) == NULL) {
		db_error(req);
		return;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		stmt_release(stmt);
		db_error(req);
		return;
	}
	stmt_release(stmt);
	changed = sqlite3_changes(db);
	if (!changed) {
		int found = exists_id(db, "SELECT 1 FROM campaigns WHERE id = ?1", id);

		db_write_rollback(req);
		if (found < 0)
			db_error(req);
		else if (found)
			response_error(req, 409, "invalid_transition", "这个专题学习已经结束");
		else
			response_error(req, 404, "not_found", "没有这个专题学习");
		return;
	}
	if (audit_record(req, "campaign.close", "campaign", id, NULL) < 0) {
		db_error(req);
		return;
	}
	if (db_write_commit(req) < 0)
		return;
	if ((c = campaign_json(db, id, &failed)) == NULL) {
		db_error(req);
		return;
	}
	response_json(req, 200, c);
}

/*
 * GET /api/editor/campaigns/options: what a target may name besides tags —
 * the unit tree (campaigns are set organisation-wide) and the categories.
 */
void
page_editor_campaign_options(struct request *req)
{
	sqlite3_stmt *stmt;
	json_t *units = json_array();
	int rc;

	if ((stmt = stmt_get(req->app->db, "SELECT id, name, parent_id FROM units ORDER BY id LIMIT 5000")) == NULL) {
		json_decref(units);
		db_error(req);
		return;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(units, json_pack("{s:I,s:s,s:o}", "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "name", sqlite3_column_text(stmt, 1), "parent_id", sqlite3_column_type(stmt, 2) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(stmt, 2))));
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(units);
		db_error(req);
		return;
	}
	response_json(req, 200, json_pack("{s:o,s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "units", units,
	    "categories", "code", "leading", "label", "领导干部", "code", "middle", "label", "中层干部",
	    "code", "grassroots", "label", "基层干部", "code", "new_hire", "label", "新入职干部"));
}
