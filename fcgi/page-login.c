/*
 * page-login.c — POST /api/login, POST /api/logout, GET /api/me.
 *
 * Failed logins are counted over a sliding window, and past a limit the
 * answer is 429 until old failures age out: per account and address (one
 * guesser slowed), per address (one guesser trying many accounts), and per
 * account from everywhere (guessers spread over many addresses). The last
 * one spares addresses the account has signed in from before, so failures
 * sent from elsewhere cannot keep the account's owner out indefinitely.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define LOGIN_WINDOW_S (15 * 60)
#define LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS 10
#define LOGIN_MAX_FAILURES_PER_ADDRESS 50
#define LOGIN_MAX_FAILURES_PER_ACCOUNT 30

/* The count 'sql' gives for ?1 = login, ?2 = address, ?3 = the window's start (each where used); -1 on error. */
static int
login_count(sqlite3 *db, const char *sql, const char *login, const char *address)
{
	sqlite3_stmt *stmt;
	int count = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, clock_unix_s() - LOGIN_WINDOW_S);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		count = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return count;
}

static int
login_throttled(struct request *req, const char *login)
{
	sqlite3 *db = req->app->db;
	const char *address = req->remote_addr ? req->remote_addr : "-";

	if (login_count(db, "SELECT count(*) FROM login_failures"
	    " WHERE login = ?1 AND address = ?2 AND at >= ?3", login, address) >=
	    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS)
		return 1;
	if (login_count(db, "SELECT count(*) FROM login_failures WHERE address = ?2 AND at >= ?3",
	    login, address) >= LOGIN_MAX_FAILURES_PER_ADDRESS)
		return 1;
	if (login_count(db, "SELECT count(*) FROM login_failures WHERE login = ?1 AND at >= ?3",
	    login, address) < LOGIN_MAX_FAILURES_PER_ACCOUNT)
		return 0;
	/* Under attack from many addresses: only where the owner has signed in before. */
	return login_count(db, "SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id"
	    " WHERE u.login = ?1 AND a.action = 'login.success' AND a.address = ?2",
	    login, address) <= 0;
}

static void
login_failed(struct request *req, const char *login)
{
	sqlite3_stmt *stmt;

	if (db_write_begin(req) < 0)
		return;
	if (sqlite3_prepare_v2(req->app->db, "INSERT INTO login_failures(login, address) VALUES (?1, ?2)",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, login, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, req->remote_addr ? req->remote_addr : "-", -1, SQLITE_STATIC);
		sqlite3_step(stmt);
	}
	sqlite3_finalize(stmt);
	audit_record(req, "login.failure", NULL, 0, json_pack("{s:s}", "login", login));
	if (db_write_commit(req) < 0)
		return;
	response_error(req, 401, "invalid_credentials", "登录名或密码错误");
}

/* What the login reply and /api/me share. */
static json_t *
user_json(sqlite3 *db, int64_t user_id)
{
	sqlite3_stmt *stmt;
	json_t *user = NULL;

	if (sqlite3_prepare_v2(db, "SELECT id, login, name, role, unit_id FROM users WHERE id = ?1",
	    -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(stmt, 1, user_id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		user = json_pack("{s:I,s:s,s:s,s:s,s:I}", "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "login", sqlite3_column_text(stmt, 1), "name", sqlite3_column_text(stmt, 2),
		    "role", sqlite3_column_text(stmt, 3), "unit_id", (json_int_t)sqlite3_column_int64(stmt, 4));
	sqlite3_finalize(stmt);
	return user;
}

/* The body of POST /api/login. */
const struct body_field login_body_fields[] = {
	{ "login", BODY_STRING, 1, 1, 64, 0 },
	{ "password", BODY_STRING, 1, 1, PASSWORD_MAX_LENGTH, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

void
page_login(struct request *req)
{
	/* Verified against when the login is unknown, so both cases cost the same. */
	static char decoy_hash[PASSWORD_HASH_MAX];
	char csrf[65], stored_hash[PASSWORD_HASH_MAX] = "", role[16] = "";
	const char *login, *password;
	sqlite3_stmt *stmt = NULL;
	int64_t user_id = 0;
	int disabled = 0, ok;
	json_t *body, *user;

	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, login_body_fields) < 0)
		goto out;
	login = json_string_value(json_object_get(body, "login"));
	password = json_string_value(json_object_get(body, "password"));
	if (login_throttled(req, login)) {
		response_header(req, "Retry-After", "900");
		response_error(req, 429, "too_many_attempts", "登录失败次数过多，请 15 分钟后再试");
		goto out;
	}
	if (sqlite3_prepare_v2(req->app->db, "SELECT id, password_hash, disabled, role FROM users WHERE login = ?1",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, login, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			user_id = sqlite3_column_int64(stmt, 0);
			snprintf(stored_hash, sizeof(stored_hash), "%s", sqlite3_column_text(stmt, 1));
			disabled = sqlite3_column_int(stmt, 2);
			snprintf(role, sizeof(role), "%s", sqlite3_column_text(stmt, 3));
		}
	}
	sqlite3_finalize(stmt);
	if (user_id == 0) {
		if (decoy_hash[0] == '\0')
			password_hash("qingfeng decoy password", decoy_hash);
		password_verify(decoy_hash, password);
		ok = 0;
	} else
		ok = password_verify(stored_hash, password) && !disabled;
	if (!ok) {
		login_failed(req, login);
		goto out;
	}

	if (db_write_begin(req) < 0)
		goto out;
	/* Hashes made with weaker parameters are redone while the password is at hand. */
	if (password_needs_rehash(stored_hash) && password_hash(password, stored_hash) == 0 &&
	    sqlite3_prepare_v2(req->app->db, "UPDATE users SET password_hash = ?2 WHERE id = ?1",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_text(stmt, 2, stored_hash, -1, SQLITE_STATIC);
		sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
	if (sqlite3_prepare_v2(req->app->db, "DELETE FROM login_failures WHERE login = ?1",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, login, -1, SQLITE_STATIC);
		sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
	/*
	 * A new token at every login, and this browser's earlier session ends:
	 * a planted or stolen cookie never outlives a fresh sign-in.
	 */
	if (req->user != NULL) {
		session_end(req);
		free(req->user);
		req->user = NULL;
	}
	if (session_create(req, user_id, csrf) < 0 ||
	    (req->user = calloc(1, sizeof(*req->user))) == NULL) {
		db_write_rollback(req);
		response_error(req, 503, "database_unavailable", "暂时无法登录，请稍后重试");
		goto out;
	}
	/* From here the request is the signed-in user's, for the audit log too. */
	req->user->id = user_id;
	snprintf(req->user->role_name, sizeof(req->user->role_name), "%s", role);
	req->user->role = role_bit(role);
	audit_record(req, "login.success", "user", user_id, NULL);
	if (db_write_commit(req) < 0)
		goto out;
	if ((user = user_json(req->app->db, user_id)) == NULL) {
		response_error(req, 503, "database_unavailable", "暂时无法读取用户信息");
		goto out;
	}
	response_json(req, 200, json_pack("{s:o,s:s}", "user", user, "csrf_token", csrf));
out:
	json_decref(body);
}

void
page_logout(struct request *req)
{
	if (db_write_begin(req) < 0)
		return;
	audit_record(req, "logout", "user", req->user->id, NULL);
	session_end(req);
	if (db_write_commit(req) < 0)
		return;
	response_json(req, 204, NULL);
}

void
page_me(struct request *req)
{
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt;
	json_t *user = user_json(db, req->user->id), *risks = json_array();

	if (user == NULL) {
		json_decref(risks);
		response_error(req, 503, "database_unavailable", "暂时无法读取用户信息");
		return;
	}
	if (sqlite3_prepare_v2(db, "SELECT category, industry FROM users WHERE id = ?1",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, req->user->id);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			json_object_set_new(user, "category", sqlite3_column_type(stmt, 0) == SQLITE_NULL ?
			    json_null() : json_string((const char *)sqlite3_column_text(stmt, 0)));
			json_object_set_new(user, "industry", sqlite3_column_type(stmt, 1) == SQLITE_NULL ?
			    json_null() : json_string((const char *)sqlite3_column_text(stmt, 1)));
		}
		sqlite3_finalize(stmt);
	}
	if (sqlite3_prepare_v2(db, "SELECT tag_code FROM user_risks WHERE user_id = ?1 ORDER BY tag_code",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, req->user->id);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			json_array_append_new(risks, json_string((const char *)sqlite3_column_text(stmt, 0)));
		sqlite3_finalize(stmt);
	}
	json_object_set_new(user, "risks", risks);
	if (req->user->role == ROLE_CADRE)
		json_object_set_new(user, "arm", json_string(arm_of(req)));
	/* A page opened in a new tab learns the token here; other origins cannot read it. */
	json_object_set_new(user, "csrf_token", json_string(req->user->csrf_token));
	response_json(req, 200, user);
}
