/*
 * page-supervisor-people.c — GET /api/supervisor/people: the cadres of a
 * unit's tree with their figures over the period (the dashboard's
 * drill-down), paged and sorted; ?format=csv|xlsx exports them all. The
 * figures are those of the overview for one cadre: pushed and completed
 * pairs, quizzes and passes, hours (each item completed in the period
 * credited once), days active in the period and the last active day.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define PEOPLE_DEFAULT_PER_PAGE 50

const struct param_spec supervisor_people_params[] = {
	{ "unit", PARAM_INT, 1, INT64_MAX, 0 },
	{ "category", PARAM_STRING, 1, 16, 0 },
	{ "from", PARAM_DATE, 0, 0, 0 },
	{ "to", PARAM_DATE, 0, 0, 0 },
	{ "format", PARAM_STRING, 1, 8, 0 },
	{ "page", PARAM_INT, 1, 1000000, 0 },
	{ "per_page", PARAM_INT, 1, 500, 0 },
	{ "sort", PARAM_STRING, 1, 32, 0 },
	{ "order", PARAM_STRING, 3, 4, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct export_column people_columns[] = {
	{ "name", "姓名" },
	{ "login", "账号" },
	{ "unit_name", "单位" },
	{ "category_label", "类别" },
	{ "pushed", "推送数" },
	{ "completed", "完成数" },
	{ "completion_rate", "完成率" },
	{ "quizzes", "测验数" },
	{ "passed", "通过数" },
	{ "pass_rate", "测验通过率" },
	{ "hours", "学时" },
	{ "active_days", "学习天数" },
	{ "last_active", "最近学习日期" },
	{ NULL, NULL },
};

/* The sort keys a client may ask for and the SQL they stand for (never the client's text). */
static const struct {
	const char *key, *sql;
} people_sorts[] = {
	{ "name", "name" },
	{ "unit", "unit_name" },
	{ "pushed", "pushed" },
	{ "completion_rate", "CASE WHEN pushed > 0 THEN 1.0 * completed / pushed END" },
	{ "pass_rate", "CASE WHEN quizzes > 0 THEN 1.0 * passed / quizzes END" },
	{ "hours", "minutes" },
	{ "active_days", "active_days" },
	{ "last_active", "last_day" },
};

/*
 * ?1 root, ?2 category, ?3 first second of 'from', ?4 first second after
 * 'to', ?5 'from' day, ?6 'to' day, ?7 pass mark, ?8 limit, ?9 offset.
 */
static const char sql_people[] =
	"WITH RECURSIVE " SCOPE_UNITS_CTE("?1") ","
	" c AS (SELECT u.id, u.name, u.login, coalesce(u.category, '') AS category, u.unit_id,"
	"   n.name AS unit_name,"
	"   (SELECT count(*) FROM pushes p WHERE p.user_id = u.id AND p.shown_at >= ?3 AND p.shown_at < ?4)"
	"     AS pushed,"
	"   (SELECT count(*) FROM pushes p WHERE p.user_id = u.id AND p.shown_at >= ?3 AND p.shown_at < ?4"
	"     AND p.done_at < ?4) AS completed,"
	"   (SELECT count(*) FROM quizzes z WHERE z.user_id = u.id AND z.first_day BETWEEN ?5 AND ?6)"
	"     AS quizzes,"
	"   (SELECT count(*) FROM quizzes z WHERE z.user_id = u.id AND z.first_day BETWEEN ?5 AND ?6"
	"     AND 1.0 * z.correct / z.questions >= ?7) AS passed,"
	"   (SELECT coalesce(sum(i.minutes), 0) FROM completion_days d JOIN items i ON i.id = d.item_id"
	"     WHERE d.user_id = u.id AND d.day BETWEEN ?5 AND ?6 AND coalesce(d.prev_day, -1) < ?5)"
	"     AS minutes,"
	"   (SELECT count(*) FROM activity_days a WHERE a.user_id = u.id AND a.day BETWEEN ?5 AND ?6)"
	"     AS active_days,"
	"   (SELECT max(day) FROM activity_days a WHERE a.user_id = u.id AND a.day <= ?6) AS last_day"
	"   FROM scope_units s JOIN users u ON u.role = 'cadre' AND u.unit_id = s.id"
	"   JOIN units n ON n.id = u.unit_id"
	"   WHERE u.disabled = 0 AND (?2 IS NULL OR u.category = ?2))"
	" SELECT id, name, login, category, unit_id, unit_name, pushed, completed, quizzes, passed,"
	"   minutes, active_days, last_day, count(*) OVER () FROM c"
	" ORDER BY %s %s NULLS LAST, name, id LIMIT ?8 OFFSET ?9";

static const char *
category_label(const char *code)
{
	for (int i = 0; i < SV_CATEGORIES; i++)
		if (strcmp(code, sv_category_codes[i]) == 0)
			return sv_category_labels[i];
	return code;
}

static json_t *
person_row(sqlite3_stmt *stmt)
{
	int64_t id = sqlite3_column_int64(stmt, 0);
	int64_t pushed = sqlite3_column_int64(stmt, 6), completed = sqlite3_column_int64(stmt, 7);
	int64_t quizzes = sqlite3_column_int64(stmt, 8), passed = sqlite3_column_int64(stmt, 9);
	const char *category = (const char *)sqlite3_column_text(stmt, 3);
	char link[64], last[11];

	snprintf(link, sizeof(link), "/supervisor/person.html?id=%lld", (long long)id);
	if (sqlite3_column_type(stmt, 12) != SQLITE_NULL)
		sv_day_format(sqlite3_column_int64(stmt, 12), last);
	return json_pack("{s:I,s:s,s:s,s:o,s:s,s:I,s:s,s:I,s:I,s:o,s:I,s:I,s:o,s:I,s:f,s:I,s:o,s:s}",
	    "id", (json_int_t)id, "name", (const char *)sqlite3_column_text(stmt, 1),
	    "login", (const char *)sqlite3_column_text(stmt, 2),
	    "category", *category ? json_string(category) : json_null(),
	    "category_label", category_label(category),
	    "unit_id", (json_int_t)sqlite3_column_int64(stmt, 4),
	    "unit_name", (const char *)sqlite3_column_text(stmt, 5),
	    "pushed", (json_int_t)pushed, "completed", (json_int_t)completed,
	    "completion_rate", sv_rate(completed, pushed),
	    "quizzes", (json_int_t)quizzes, "passed", (json_int_t)passed,
	    "pass_rate", sv_rate(passed, quizzes),
	    "minutes", (json_int_t)sqlite3_column_int64(stmt, 10),
	    "hours", sqlite3_column_int64(stmt, 10) / 60.0,
	    "active_days", (json_int_t)sqlite3_column_int64(stmt, 11),
	    "last_active", sqlite3_column_type(stmt, 12) != SQLITE_NULL ? json_string(last) : json_null(),
	    "link", link);
}

/* The value of declared parameter 'name', or NULL. */
static const struct param_value *
param(const struct request *req, const char *name)
{
	for (int i = 0; req->route->params[i].name != NULL; i++)
		if (strcmp(req->route->params[i].name, name) == 0 && req->params[i].present)
			return &req->params[i];
	return NULL;
}

void
page_supervisor_people(struct request *req)
{
	sqlite3 *db = req->app->db;
	const struct param_value *sort = param(req, "sort"), *order = param(req, "order");
	const struct param_value *page = param(req, "page"), *per_page = param(req, "per_page");
	const char *sort_sql = "name", *order_sql = "ASC";
	struct sv_query q;
	enum export_format format;
	sqlite3_stmt *stmt;
	int64_t limit, offset, total = 0;
	json_t *people;
	char sql[sizeof(sql_people) + 128], from[11], to[11];
	int rc;

	if (export_format_of(req, &format) < 0 || sv_query_from_request(req, &q) < 0)
		return;
	if (sort != NULL) {
		sort_sql = NULL;
		for (size_t i = 0; i < sizeof(people_sorts) / sizeof(people_sorts[0]); i++)
			if (strcmp(sort->text, people_sorts[i].key) == 0)
				sort_sql = people_sorts[i].sql;
		if (sort_sql == NULL) {
			response_error(req, 400, "bad_sort", "sort 只能是 name、unit、pushed、completion_rate、"
			    "pass_rate、hours、active_days 或 last_active");
			return;
		}
	}
	if (order != NULL) {
		if (strcmp(order->text, "asc") != 0 && strcmp(order->text, "desc") != 0) {
			response_error(req, 400, "bad_order", "order 只能是 asc 或 desc");
			return;
		}
		order_sql = strcmp(order->text, "asc") == 0 ? "ASC" : "DESC";
	}
	limit = per_page != NULL ? per_page->integer : PEOPLE_DEFAULT_PER_PAGE;
	offset = page != NULL ? (page->integer - 1) * limit : 0;
	if (format != EXPORT_JSON) {
		limit = -1;     /* the export holds everyone */
		offset = 0;
	}
	snprintf(sql, sizeof(sql), sql_people, sort_sql, order_sql);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sv_respond_db_error(req, "people", NULL);
		return;
	}
	sqlite3_bind_int64(stmt, 1, q.unit);
	if (q.category != NULL)
		sqlite3_bind_text(stmt, 2, q.category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, sv_day_start(q.from_day));
	sqlite3_bind_int64(stmt, 4, sv_day_start(q.to_day + 1));
	sqlite3_bind_int64(stmt, 5, q.from_day);
	sqlite3_bind_int64(stmt, 6, q.to_day);
	sqlite3_bind_double(stmt, 7, q.pass_mark);
	sqlite3_bind_int64(stmt, 8, limit);
	sqlite3_bind_int64(stmt, 9, offset);
	people = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		total = sqlite3_column_int64(stmt, 13);
		json_array_append_new(people, person_row(stmt));
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(people);
		sv_respond_db_error(req, "people", NULL);
		return;
	}
	sv_day_format(q.from_day, from);
	sv_day_format(q.to_day, to);
	if (format != EXPORT_JSON) {
		char filename[128];

		snprintf(filename, sizeof(filename), "干部学习情况-%s至%s", from, to);
		export_send(req, format, filename, people_columns, people);
		json_decref(people);
		return;
	}
	response_json(req, 200, json_pack("{s:o,s:I,s:I,s:I,s:s,s:s,s:o,s:o}",
	    "people", people, "total", (json_int_t)total,
	    "page", (json_int_t)(page != NULL ? page->integer : 1), "per_page", (json_int_t)limit,
	    "from", from, "to", to, "unit_id", q.unit ? json_integer(q.unit) : json_null(),
	    "category", q.category ? json_string(q.category) : json_null()));
}
