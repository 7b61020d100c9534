/*
 * page-admin-accounts.c — POST /api/admin/users and POST /api/admin/units:
 * an admin creates accounts and units; both go to the audit log.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

/* Answers the validation error of accounts_* ("field: reason") as a 422 naming the field. */
static void
accounts_refused(struct request *req, const struct qf_error *err)
{
	response_error(req, strncmp(err->text, "database error", 14) == 0 ? 503 : 422,
	    strncmp(err->text, "database error", 14) == 0 ? "database_unavailable" : "invalid_field",
	    err->text);
}

void
page_admin_create_user(struct request *req)
{
	static const struct body_field fields[] = {
		{ "login", BODY_STRING, 1, 1, 64, 0 },
		{ "password", BODY_STRING, 1, PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, 0 },
		{ "name", BODY_STRING, 1, 1, 100, 0 },
		{ "role", BODY_STRING, 1, 1, 16, 0 },
		{ "unit_id", BODY_INTEGER, 1, 1, INT64_MAX, 0 },
		{ "category", BODY_STRING, 0, 1, 16, 0 },
		{ "industry", BODY_STRING, 0, 1, 64, 0 },
		{ "risks", BODY_ARRAY, 0, 0, ACCOUNTS_MAX_RISKS, 0 },
		{ NULL, 0, 0, 0, 0, 0 },
	};
	const char *risks[ACCOUNTS_MAX_RISKS];
	char industry[80];
	struct new_user user = { .risks = risks };
	struct qf_error err;
	json_t *body, *value;
	size_t i;
	int64_t id;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, fields) < 0)
		goto out;
	user.login = json_string_value(json_object_get(body, "login"));
	user.password = json_string_value(json_object_get(body, "password"));
	user.name = json_string_value(json_object_get(body, "name"));
	user.role = json_string_value(json_object_get(body, "role"));
	user.unit_id = json_integer_value(json_object_get(body, "unit_id"));
	user.category = json_string_value(json_object_get(body, "category"));
	/* "finance" and "industry.finance" both name the finance tag. */
	if ((user.industry = json_string_value(json_object_get(body, "industry"))) != NULL &&
	    strchr(user.industry, '.') == NULL) {
		snprintf(industry, sizeof(industry), "industry.%s", user.industry);
		user.industry = industry;
	}
	json_array_foreach(json_object_get(body, "risks"), i, value) {
		if (!json_is_string(value)) {
			response_error(req, 400, "bad_field", "字段 risks 须为风险点标签代码的数组");
			goto out;
		}
		risks[user.risk_count++] = json_string_value(value);
	}

	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	if ((id = accounts_create_user(req->app->db, &user, &err)) < 0) {
		db_write_rollback(req);
		accounts_refused(req, &err);
		goto out;
	}
	audit_record(req, "user.create", "user", id, json_pack("{s:s,s:s,s:I}", "login", user.login,
	    "role", user.role, "unit_id", (json_int_t)user.unit_id));
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
out:
	json_decref(body);
}

void
page_admin_create_unit(struct request *req)
{
	static const struct body_field fields[] = {
		{ "name", BODY_STRING, 1, 1, 200, 0 },
		{ "parent_id", BODY_INTEGER, 0, 1, INT64_MAX, 0 },
		{ NULL, 0, 0, 0, 0, 0 },
	};
	struct qf_error err;
	json_t *body, *parent;
	const char *name;
	int64_t id;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, fields) < 0)
		goto out;
	name = json_string_value(json_object_get(body, "name"));
	parent = json_object_get(body, "parent_id");
	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	id = accounts_create_unit(req->app->db, name,
	    json_is_integer(parent) ? json_integer_value(parent) : 0, &err);
	if (id < 0) {
		db_write_rollback(req);
		accounts_refused(req, &err);
		goto out;
	}
	audit_record(req, "unit.create", "unit", id, json_pack("{s:s}", "name", name));
	if (db_write_commit(req) < 0)
		goto out;
	response_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
out:
	json_decref(body);
}
