/* test-accounts.c — units and users are validated field by field before anything is written. */
#include "config.h"

#include <stdlib.h>

#include "fcgi/extern.h"
#include "tests/unit/check.h"

static int
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

int
main(void)
{
	char dir[] = "/tmp/qf-test-accounts-XXXXXX", path[256];
	static const char *const risks[] = { "risk.tendering" };
	static const char *const bad_risks[] = { "risk.nonexistent" };
	struct qf_error err;
	int64_t root, child, id;
	sqlite3 *db;

	if (mkdtemp(dir) == NULL || password_init() < 0)
		return 99;
	snprintf(path, sizeof(path), "%s/a.db", dir);
	qf_error_init(&err);
	db = db_open(path, DB_OPEN_CREATE, &err);
	if (db == NULL || db_migrate(db, &err) < 0) {
		fprintf(stderr, "%s\n", err.text);
		return 99;
	}
	CHECK_INT(db_exec(db, "INSERT INTO tags(code, kind, label) VALUES"
	    " ('risk.tendering','risk','招投标'), ('industry.finance','industry','金融')", &err), 0);

	root = accounts_create_unit(db, "某省纪委监委", 0, &err);
	CHECK(root > 0);
	child = accounts_create_unit(db, "某市", root, &err);
	CHECK(child > root);
	qf_error_init(&err);
	CHECK_INT(accounts_create_unit(db, "孤儿单位", 4242, &err), -1);
	CHECK_CONTAINS(err.text, "parent_id");
	qf_error_init(&err);
	CHECK_INT(accounts_create_unit(db, "", 0, &err), -1);
	CHECK_CONTAINS(err.text, "name");

	struct new_user good = { "zhang.san", "correct horse", "张三", "cadre", child,
		"grassroots", "industry.finance", risks, 1 };
	qf_error_init(&err);
	id = accounts_create_user(db, &good, &err);
	CHECK(id > 0);
	CHECK_INT(count(db, "SELECT count(*) FROM user_risks WHERE tag_code = 'risk.tendering'"), 1);
	CHECK_INT(count(db, "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"), 1);

	/* Each bad field is named, and nothing is written. */
	struct {
		struct new_user user;
		const char *field;
	} bad[] = {
		{ { "zhang.san", "correct horse", "张三", "cadre", child, NULL, NULL, NULL, 0 }, "login" },
		{ { "bad login", "correct horse", "x", "cadre", child, NULL, NULL, NULL, 0 }, "login" },
		{ { "li.si", "short", "李四", "cadre", child, NULL, NULL, NULL, 0 }, "password" },
		{ { "li.si", "correct horse", "", "cadre", child, NULL, NULL, NULL, 0 }, "name" },
		{ { "li.si", "correct horse", "李四", "boss", child, NULL, NULL, NULL, 0 }, "role" },
		{ { "li.si", "correct horse", "李四", "cadre", 999, NULL, NULL, NULL, 0 }, "unit_id" },
		{ { "li.si", "correct horse", "李四", "cadre", child, "intern", NULL, NULL, 0 }, "category" },
		{ { "li.si", "correct horse", "李四", "cadre", child, NULL, "industry.space", NULL, 0 }, "industry" },
		{ { "li.si", "correct horse", "李四", "cadre", child, NULL, "risk.tendering", NULL, 0 }, "industry" },
		{ { "li.si", "correct horse", "李四", "cadre", child, NULL, NULL, bad_risks, 1 }, "risks" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		qf_error_init(&err);
		CHECK_INT(accounts_create_user(db, &bad[i].user, &err), -1);
		CHECK_CONTAINS(err.text, bad[i].field);
	}
	CHECK_INT(count(db, "SELECT count(*) FROM users"), 1);
	db_close(db);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "cleanup failed\n");
	return check_report("test-accounts");
}
