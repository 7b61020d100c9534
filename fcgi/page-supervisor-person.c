/*
 * page-supervisor-person.c — GET /api/supervisor/people/{id}: one person's
 * record (一人一档) for a supervisor whose tree holds them: the items
 * completed in the period with their dates and minutes (credited: the
 * first completion of the item in the period, the one that counts for
 * hours), the quizzes (first answers, as the overview counts them), the
 * mastery of each discipline now and month by month (mastery_history), and
 * the reviews due. Every read is audited ("supervisor.person.read"); one
 * outside the caller's tree is refused 403 and audited by scope.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define PERSON_MAX_REVIEWS 100

const struct param_spec supervisor_person_params[] = {
	{ "from", PARAM_DATE, 0, 0, 0 },
	{ "to", PARAM_DATE, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static const char sql_person[] =
	"SELECT u.id, u.login, u.name, u.role, coalesce(u.category, ''), u.unit_id, n.name, u.disabled,"
	"  (SELECT arm FROM arms WHERE user_id = u.id)"
	" FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = ?1";
static const char sql_completions[] =
	"SELECT d.item_id, i.title, d.day, d.completions, i.minutes, coalesce(d.prev_day, -1) < ?2"
	" FROM completion_days d JOIN items i ON i.id = d.item_id"
	" WHERE d.user_id = ?1 AND d.day BETWEEN ?2 AND ?3 ORDER BY d.day, d.item_id";
static const char sql_quizzes[] =
	"SELECT z.quiz_key, z.first_day, z.questions, z.correct,"
	"  CASE WHEN z.quiz_key > 0 THEN (SELECT title FROM items WHERE id = z.quiz_key)"
	"  ELSE (SELECT stem FROM questions WHERE id = -z.quiz_key) END"
	" FROM quizzes z WHERE z.user_id = ?1 AND z.first_day BETWEEN ?2 AND ?3"
	" ORDER BY z.first_at, z.quiz_key";
static const char sql_mastery[] =
	"SELECT t.code, t.label, m.value, m.answers FROM tags t"
	" LEFT JOIN mastery m ON m.tag_code = t.code AND m.user_id = ?1"
	" WHERE t.kind = 'discipline' ORDER BY t.code";
static const char sql_mastery_history[] =
	"SELECT month, value FROM mastery_history WHERE user_id = ?1 AND tag_code = ?2 ORDER BY month";
static const char sql_review_stem[] =
	"SELECT stem FROM questions WHERE id = ?1";

struct person_ctx {
	sqlite3 *db;
	int64_t id;
	struct sv_query q;
};

static sqlite3_stmt *
person_prepare(struct person_ctx *c, const char *sql)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(stmt, 1, c->id);
	if (sqlite3_bind_parameter_count(stmt) >= 3) {
		sqlite3_bind_int64(stmt, 2, c->q.from_day);
		sqlite3_bind_int64(stmt, 3, c->q.to_day);
	}
	return stmt;
}

static json_t *
person_completions(struct person_ctx *c, int64_t *minutes, int *failed)
{
	sqlite3_stmt *stmt = person_prepare(c, sql_completions);
	int rc = SQLITE_ERROR;
	json_t *list = json_array();
	char date[11];

	*minutes = 0;
	while (stmt != NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int credited = sqlite3_column_int(stmt, 5);

		sv_day_format(sqlite3_column_int64(stmt, 2), date);
		if (credited)
			*minutes += sqlite3_column_int64(stmt, 4);
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:I,s:I,s:f,s:b}",
		    "item_id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "title", (const char *)sqlite3_column_text(stmt, 1), "date", date,
		    "times", (json_int_t)sqlite3_column_int64(stmt, 3),
		    "minutes", (json_int_t)sqlite3_column_int64(stmt, 4),
		    "hours", sqlite3_column_int64(stmt, 4) / 60.0, "credited", credited));
	}
	*failed |= rc != SQLITE_DONE;
	sqlite3_finalize(stmt);
	return list;
}

static json_t *
person_quizzes(struct person_ctx *c, int64_t *count, int64_t *passed, int *failed)
{
	sqlite3_stmt *stmt = person_prepare(c, sql_quizzes);
	int rc = SQLITE_ERROR;
	json_t *list = json_array();
	char date[11];

	*count = *passed = 0;
	while (stmt != NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t key = sqlite3_column_int64(stmt, 0);
		int64_t questions = sqlite3_column_int64(stmt, 2), right = sqlite3_column_int64(stmt, 3);
		int pass = 1.0 * (double)right / (double)questions >= c->q.pass_mark;
		const unsigned char *title = sqlite3_column_text(stmt, 4);

		sv_day_format(sqlite3_column_int64(stmt, 1), date);
		(*count)++;
		*passed += pass;
		json_array_append_new(list, json_pack("{s:o,s:o,s:s,s:s,s:I,s:I,s:f,s:b}",
		    "item_id", key > 0 ? json_integer(key) : json_null(),
		    "question_id", key < 0 ? json_integer(-key) : json_null(),
		    "title", title ? (const char *)title : "", "date", date,
		    "questions", (json_int_t)questions, "correct", (json_int_t)right,
		    "share", (double)right / (double)questions, "passed", pass));
	}
	*failed |= rc != SQLITE_DONE;
	sqlite3_finalize(stmt);
	return list;
}

static json_t *
person_mastery(struct person_ctx *c, int *failed)
{
	sqlite3_stmt *stmt = person_prepare(c, sql_mastery), *history;
	int rc = SQLITE_ERROR;
	json_t *list = json_array();

	if ((history = person_prepare(c, sql_mastery_history)) == NULL)
		*failed = 1;
	while (stmt != NULL && history != NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *months = json_array();
		char month[24];

		sqlite3_bind_text(history, 2, (const char *)sqlite3_column_text(stmt, 0), -1,
		    SQLITE_TRANSIENT);
		while (sqlite3_step(history) == SQLITE_ROW) {
			int m = sqlite3_column_int(history, 0);

			snprintf(month, sizeof(month), "%04d-%02d", m / 100, m % 100);
			json_array_append_new(months, json_pack("{s:s,s:f}", "month", month,
			    "value", sqlite3_column_double(history, 1)));
		}
		sqlite3_reset(history);
		json_array_append_new(list, json_pack("{s:s,s:s,s:o,s:I,s:o}",
		    "code", (const char *)sqlite3_column_text(stmt, 0),
		    "label", (const char *)sqlite3_column_text(stmt, 1),
		    "value", sqlite3_column_type(stmt, 2) == SQLITE_NULL ? json_null() :
		    json_real(sqlite3_column_double(stmt, 2)),
		    "answers", (json_int_t)sqlite3_column_int64(stmt, 3), "history", months));
	}
	*failed |= rc != SQLITE_DONE;
	sqlite3_finalize(stmt);
	sqlite3_finalize(history);
	return list;
}

static json_t *
person_reviews(struct person_ctx *c, int *failed)
{
	struct learner_review *reviews = NULL;
	struct qf_error err;
	size_t n = 0;
	sqlite3_stmt *stem;
	json_t *list = json_array();
	char date[11];

	qf_error_init(&err);
	if (learner_reviews_due(c->db, c->id, clock_unix_s(), PERSON_MAX_REVIEWS, &reviews, &n, &err) < 0 ||
	    sqlite3_prepare_v2(c->db, sql_review_stem, -1, &stem, NULL) != SQLITE_OK) {
		free(reviews);
		*failed = 1;
		return list;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(stem, 1, reviews[i].question_id);
		learner_format_date(reviews[i].due_at, date);
		json_array_append_new(list, json_pack("{s:I,s:s,s:o,s:s,s:f}",
		    "question_id", (json_int_t)reviews[i].question_id,
		    "stem", sqlite3_step(stem) == SQLITE_ROW ? (const char *)sqlite3_column_text(stem, 0) : "",
		    "item_id", reviews[i].item_id > 0 ? json_integer(reviews[i].item_id) : json_null(),
		    "due", date, "recall", reviews[i].recall));
		sqlite3_reset(stem);
	}
	sqlite3_finalize(stem);
	free(reviews);
	return list;
}

static json_t *
person_header(struct person_ctx *c, int *found)
{
	sqlite3_stmt *stmt = person_prepare(c, sql_person);
	json_t *o = NULL;

	*found = 0;
	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		const char *category = (const char *)sqlite3_column_text(stmt, 4);
		const char *label = "未分类";

		for (int i = 0; i < SV_CATEGORIES; i++)
			if (strcmp(category, sv_category_codes[i]) == 0)
				label = sv_category_labels[i];
		*found = 1;
		o = json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:I,s:s,s:b,s:o}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "login", (const char *)sqlite3_column_text(stmt, 1),
		    "name", (const char *)sqlite3_column_text(stmt, 2),
		    "role", (const char *)sqlite3_column_text(stmt, 3),
		    "category", *category ? json_string(category) : json_null(), "category_label", label,
		    "unit_id", (json_int_t)sqlite3_column_int64(stmt, 5),
		    "unit_name", (const char *)sqlite3_column_text(stmt, 6),
		    "disabled", sqlite3_column_int(stmt, 7),
		    "arm", sqlite3_column_type(stmt, 8) == SQLITE_NULL ? json_null() :
		    json_string((const char *)sqlite3_column_text(stmt, 8)));
	}
	sqlite3_finalize(stmt);
	return o;
}

void
page_supervisor_person(struct request *req)
{
	struct person_ctx c = { .db = req->app->db, .id = req->path_ids[0] };
	int64_t minutes, quizzes, passed;
	int failed = 0, found;
	json_t *person, *reply;
	char from[11], to[11];

	if (scope_check_user(req, c.id) < 0 || sv_query_from_request(req, &c.q) < 0)
		return;
	if (sqlite3_exec(c.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sv_respond_db_error(req, "person", NULL);
		return;
	}
	if ((person = person_header(&c, &found)) == NULL) {
		sqlite3_exec(c.db, "ROLLBACK", NULL, NULL, NULL);
		sv_respond_db_error(req, "person", NULL);
		return;
	}
	sv_day_format(c.q.from_day, from);
	sv_day_format(c.q.to_day, to);
	reply = json_pack("{s:o,s:s,s:s}", "person", person, "from", from, "to", to);
	json_object_set_new(reply, "completions", person_completions(&c, &minutes, &failed));
	json_object_set_new(reply, "quizzes", person_quizzes(&c, &quizzes, &passed, &failed));
	json_object_set_new(reply, "mastery", person_mastery(&c, &failed));
	json_object_set_new(reply, "reviews_due", person_reviews(&c, &failed));
	json_object_set_new(reply, "summary", json_pack("{s:I,s:f,s:I,s:I,s:o,s:i,s:f}",
	    "minutes", (json_int_t)minutes, "hours", minutes / 60.0,
	    "quizzes", (json_int_t)quizzes, "passed", (json_int_t)passed,
	    "pass_rate", sv_rate(passed, quizzes), "target_hours", LEARNER_TARGET_HOURS,
	    "pace_hours", LEARNER_TARGET_HOURS * sv_year_share(c.q.to_day)));
	sqlite3_exec(c.db, "COMMIT", NULL, NULL, NULL);
	if (failed) {
		json_decref(reply);
		sv_respond_db_error(req, "person", NULL);
		return;
	}
	audit_record(req, "supervisor.person.read", "user", c.id,
	    json_pack("{s:s,s:s}", "from", from, "to", to));
	response_json(req, 200, reply);
}
