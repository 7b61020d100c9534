/*
 * accounts.c — units and users: validation and creation, shared by the
 * admin CLI and the admin API so both refuse the same bad input.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"

static const char *const roles[] = { "cadre", "editor", "supervisor", "admin", NULL };
static const char *const categories[] = { "leading", "middle", "grassroots", "new_hire", NULL };

static int
in_list(const char *value, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(value, *list) == 0)
			return 1;
	return 0;
}

/*
 * Steps a prepared existence query ('stmt' may be NULL when preparing
 * failed) and finalizes it: 1 when it found a row, 0 when not, -1 on a
 * database error (with 'err').
 */
static int
exists_step(sqlite3 *db, sqlite3_stmt *stmt, struct qf_error *err)
{
	int rc = stmt != NULL ? sqlite3_step(stmt) : SQLITE_ERROR, found = -1;

	if (rc == SQLITE_ROW)
		found = 1;
	else if (rc == SQLITE_DONE)
		found = 0;
	else
		qf_error_set(err, "database error: %s", sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	return found;
}

/* 1 when 'code' is a tag of 'kind'; 0 when not; -1 on a database error. */
static int
tag_exists(sqlite3 *db, const char *code, const char *kind, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM tags WHERE code = ?1 AND kind = ?2",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	}
	return exists_step(db, stmt, err);
}

/* 1 when unit 'id' exists; 0 when not; -1 on a database error. */
static int
unit_exists(sqlite3 *db, int64_t id, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM units WHERE id = ?1", -1, &stmt, NULL) == SQLITE_OK)
		sqlite3_bind_int64(stmt, 1, id);
	return exists_step(db, stmt, err);
}

int64_t
accounts_create_unit(sqlite3 *db, const char *name, int64_t parent_id, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int64_t id = -1;

	if (name == NULL || *name == '\0' || strlen(name) > 200 ||
	    !utf8_is_clean(name, strlen(name), 0)) {
		qf_error_set(err, "name: 单位名称须为 1 到 200 字节的文本");
		return -1;
	}
	if (parent_id != 0) {
		int found = unit_exists(db, parent_id, err);

		if (found <= 0) {
			if (found == 0)
				qf_error_set(err, "parent_id: 上级单位 %lld 不存在", (long long)parent_id);
			return -1;
		}
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO units(name, parent_id) VALUES (?1, ?2)",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto db_error;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (parent_id != 0)
		sqlite3_bind_int64(stmt, 2, parent_id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto db_error;
	id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(stmt);
	return id;
db_error:
	qf_error_set(err, "database error: %s", sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	return -1;
}

/* Checks every field of 'user' that needs no database; 0 or -1 with 'err'. */
static int
accounts_check_user(const struct new_user *user, struct qf_error *err)
{
	size_t len;

	if (user->login == NULL || !login_is_valid(user->login)) {
		qf_error_set(err, "login: 登录名须为 1 到 64 个字母、数字或 . _ -");
		return -1;
	}
	len = user->password ? strlen(user->password) : 0;
	if (len < PASSWORD_MIN_LENGTH || len > PASSWORD_MAX_LENGTH) {
		qf_error_set(err, "password: 密码长度须在 %d 到 %d 个字符之间",
		    PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH);
		return -1;
	}
	if (user->name == NULL || *user->name == '\0' || strlen(user->name) > 100 ||
	    !utf8_is_clean(user->name, strlen(user->name), 0)) {
		qf_error_set(err, "name: 姓名须为 1 到 100 字节的文本");
		return -1;
	}
	if (user->role == NULL || !in_list(user->role, roles)) {
		qf_error_set(err, "role: 角色须为 cadre、editor、supervisor 或 admin");
		return -1;
	}
	if (user->category != NULL && !in_list(user->category, categories)) {
		qf_error_set(err, "category: 类别须为 leading、middle、grassroots 或 new_hire");
		return -1;
	}
	if (user->risk_count > ACCOUNTS_MAX_RISKS) {
		qf_error_set(err, "risks: 风险点最多 %d 个", ACCOUNTS_MAX_RISKS);
		return -1;
	}
	return 0;
}

int64_t
accounts_create_user(sqlite3 *db, const struct new_user *user, struct qf_error *err)
{
	char hash[PASSWORD_HASH_MAX];
	sqlite3_stmt *stmt = NULL;
	int64_t id;
	int found;

	if (accounts_check_user(user, err) < 0)
		return -1;
	if (password_hash(user->password, hash) < 0) {
		qf_error_set(err, "password: 无法计算密码散列（内存不足）");
		return -1;
	}
	if ((found = unit_exists(db, user->unit_id, err)) <= 0) {
		if (found == 0)
			qf_error_set(err, "unit_id: 单位 %lld 不存在", (long long)user->unit_id);
		return -1;
	}
	if (user->industry != NULL &&
	    (found = tag_exists(db, user->industry, "industry", err)) <= 0) {
		if (found == 0)
			qf_error_set(err, "industry: 行业标签 %s 不存在", user->industry);
		return -1;
	}
	for (size_t i = 0; i < user->risk_count; i++) {
		if ((found = tag_exists(db, user->risks[i], "risk", err)) <= 0) {
			if (found == 0)
				qf_error_set(err, "risks: 风险点标签 %s 不存在", user->risks[i]);
			return -1;
		}
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO users(login, password_hash, name, role, unit_id,"
	    " category, industry) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &stmt, NULL) != SQLITE_OK)
		goto db_error;
	sqlite3_bind_text(stmt, 1, user->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, user->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, user->role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, user->unit_id);
	if (user->category != NULL)
		sqlite3_bind_text(stmt, 6, user->category, -1, SQLITE_STATIC);
	if (user->industry != NULL)
		sqlite3_bind_text(stmt, 7, user->industry, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE) {
			qf_error_set(err, "login: 登录名 %s 已被使用", user->login);
			sqlite3_finalize(stmt);
			return -1;
		}
		goto db_error;
	}
	id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO user_risks(user_id, tag_code) VALUES (?1, ?2)",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto db_error;
	for (size_t i = 0; i < user->risk_count; i++) {
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_text(stmt, 2, user->risks[i], -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto db_error;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return id;
db_error:
	qf_error_set(err, "database error: %s", sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	return -1;
}
