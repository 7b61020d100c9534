/*
 * page-answer.c — POST /api/questions/{id}/answer: a cadre answers a quiz
 * question and learns at once whether it was right, why, how their mastery
 * of the question's disciplines moved and when the question comes back.
 *
 * Checked before anything is written: the question exists (404) and is
 * published in a published item, or stands alone (409); the choices are
 * distinct indices into its choices, exactly one for single and true/false
 * questions (400). Then one write transaction records the answer, the
 * mastery step and the review schedule (learner.c). A repeated client_id
 * answers with the first result and counts nothing twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* Most choices a question may have, hence the largest 'choice' array accepted. */
#define ANSWER_MAX_CHOICES 32

/* What the handler needs of a question. */
struct answer_question {
	char type[16];
	int published;
	size_t choice_count;
	json_t *answer;          /* sorted array of indices, owned */
	char *explanation;       /* owned */
};

static void
answer_question_free(struct answer_question *q)
{
	json_decref(q->answer);
	free(q->explanation);
}

static int
index_compare(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/* A new JSON array of 'n' sorted indices. */
static json_t *
indices_json(const json_int_t *v, size_t n)
{
	json_t *array = json_array();

	for (size_t i = 0; array != NULL && i < n; i++)
		json_array_append_new(array, json_integer(v[i]));
	return array;
}

/*
 * Loads question 'id': 1 found, 0 not, -1 on a database error or a stored
 * question that does not parse (logged).
 */
static int
answer_question_load(sqlite3 *db, int64_t id, struct answer_question *q)
{
	json_int_t answer[ANSWER_MAX_CHOICES];
	sqlite3_stmt *stmt;
	json_t *choices = NULL, *stored = NULL, *value;
	size_t i, n = 0;
	int rc, found = -1;

	memset(q, 0, sizeof(*q));
	if (sqlite3_prepare_v2(db, "SELECT q.type, q.status = 'published'"
	    "   AND (q.item_id IS NULL OR i.status = 'published'), q.choices, q.answer, q.explanation"
	    "  FROM questions q LEFT JOIN items i ON i.id = q.item_id WHERE q.id = ?1",
	    -1, &stmt, NULL) != SQLITE_OK) {
		log_error("answer: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		found = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		log_error("answer: %s", sqlite3_errmsg(db));
		goto out;
	}
	snprintf(q->type, sizeof(q->type), "%s", (const char *)sqlite3_column_text(stmt, 0));
	q->published = sqlite3_column_int(stmt, 1);
	choices = json_loads((const char *)sqlite3_column_text(stmt, 2), 0, NULL);
	stored = json_loads((const char *)sqlite3_column_text(stmt, 3), 0, NULL);
	q->explanation = strdup(sqlite3_column_text(stmt, 4) != NULL ?
	    (const char *)sqlite3_column_text(stmt, 4) : "");
	if (!json_is_array(choices) || !json_is_array(stored) || q->explanation == NULL ||
	    json_array_size(choices) == 0 || json_array_size(stored) > ANSWER_MAX_CHOICES) {
		log_error("answer: question %lld is stored malformed", (long long)id);
		goto out;
	}
	q->choice_count = json_array_size(choices);
	json_array_foreach(stored, i, value) {
		if (!json_is_integer(value)) {
			log_error("answer: question %lld has a malformed answer", (long long)id);
			goto out;
		}
		answer[n++] = json_integer_value(value);
	}
	qsort(answer, n, sizeof(answer[0]), index_compare);
	if ((q->answer = indices_json(answer, n)) == NULL)
		goto out;
	found = 1;
out:
	sqlite3_finalize(stmt);
	json_decref(choices);
	json_decref(stored);
	if (found != 1)
		answer_question_free(q), memset(q, 0, sizeof(*q));
	return found;
}

/*
 * Checks the sent 'choice' against 'q' and fills 'sorted' ('*n' indices).
 * Answers 400 itself and returns -1 when the choice is not a valid one.
 */
static int
answer_choice_check(struct request *req, const struct answer_question *q, json_t *choice,
    json_int_t sorted[static ANSWER_MAX_CHOICES], size_t *n)
{
	json_t *value;
	size_t i;

	*n = 0;
	json_array_foreach(choice, i, value) {
		json_int_t v;

		if (!json_is_integer(value)) {
			response_error(req, 400, "bad_choice", "choice 须为选项序号（整数）的数组");
			return -1;
		}
		v = json_integer_value(value);
		if (v < 0 || (size_t)v >= q->choice_count) {
			response_errorf(req, 400, "bad_choice", "选项序号须在 0 到 %zu 之间", q->choice_count - 1);
			return -1;
		}
		sorted[(*n)++] = v;
	}
	qsort(sorted, *n, sizeof(sorted[0]), index_compare);
	for (i = 1; i < *n; i++)
		if (sorted[i] == sorted[i - 1]) {
			response_error(req, 400, "bad_choice", "同一选项不能重复选择");
			return -1;
		}
	if ((strcmp(q->type, "single") == 0 || strcmp(q->type, "truefalse") == 0) && *n != 1) {
		response_error(req, 400, "bad_choice", "单选题和判断题须恰好选择一项");
		return -1;
	}
	if (*n == 0) {
		response_error(req, 400, "bad_choice", "请至少选择一项");
		return -1;
	}
	return 0;
}

/* 1 when the sorted 'choice' is exactly the sorted answer. */
static int
answer_is_correct(const struct answer_question *q, const json_int_t *choice, size_t n)
{
	if (json_array_size(q->answer) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (json_integer_value(json_array_get(q->answer, i)) != choice[i])
			return 0;
	return 1;
}

/* The reply: the API.md shape, plus the question id, labels and whether it was a retry. */
static json_t *
answer_reply(const struct answer_question *q, const struct learner_answer_outcome *o)
{
	json_t *mastery = json_array();
	char date[11];

	for (size_t i = 0; i < o->discipline_count; i++) {
		const struct learner_discipline *d = &o->disciplines[i];

		json_array_append_new(mastery, json_pack("{s:s,s:s,s:o}", "code", d->code,
		    "label", d->label, "value", d->has_value ? json_real(d->value) : json_null()));
	}
	if (o->next_review_at > 0)
		learner_format_date(o->next_review_at, date);
	return json_pack("{s:I,s:b,s:O,s:s,s:o,s:o,s:b}", "question_id", (json_int_t)o->question_id,
	    "correct", o->correct, "answer", q->answer, "explanation", q->explanation,
	    "mastery", mastery, "next_review", o->next_review_at > 0 ? json_string(date) : json_null(),
	    "duplicate", o->duplicate);
}

/* The body of POST /api/questions/{id}/answer. */
const struct body_field answer_body_fields[] = {
	{ "choice", BODY_ARRAY, 1, 0, ANSWER_MAX_CHOICES, 0 },
	{ "client_id", BODY_STRING, 0, 1, 64, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

void
page_answer(struct request *req)
{
	json_int_t choice[ANSWER_MAX_CHOICES];
	struct learner_answer_outcome outcome;
	struct answer_question q;
	struct qf_error err;
	const char *client_id;
	char *choice_text = NULL;
	json_t *body, *reply, *chosen;
	size_t n;
	int found, rc;

	memset(&q, 0, sizeof(q));
	if ((body = request_json_body(req)) == NULL)
		return;
	if (body_check(req, body, answer_body_fields) < 0)
		goto out;
	client_id = json_string_value(json_object_get(body, "client_id"));
	if ((found = answer_question_load(req->app->db, req->path_ids[0], &q)) < 0) {
		response_error(req, 503, "database_unavailable", "暂时无法读取题目，请稍后重试");
		goto out;
	}
	if (found == 0) {
		response_error(req, 404, "not_found", "题目不存在");
		goto out;
	}
	if (!q.published) {
		response_error(req, 409, "question_not_published", "题目未发布或已下线");
		goto out;
	}
	if (answer_choice_check(req, &q, json_object_get(body, "choice"), choice, &n) < 0)
		goto out;
	chosen = indices_json(choice, n);
	choice_text = chosen != NULL ? json_dumps(chosen, JSON_COMPACT) : NULL;
	json_decref(chosen);
	if (choice_text == NULL) {
		response_error(req, 503, "out_of_memory", "服务器繁忙，请稍后重试");
		goto out;
	}

	if (db_write_begin(req) < 0)
		goto out;
	qf_error_init(&err);
	rc = learner_answer_record(req->app->db, req->user->id, req->path_ids[0], choice_text,
	    answer_is_correct(&q, choice, n), client_id, clock_unix_s(), &outcome, &err);
	if (rc == LEARNER_CONFLICT) {
		db_write_rollback(req);
		response_error(req, 409, "client_id_reused", "该 client_id 已用于另一道题的作答");
		goto out;
	}
	if (rc == LEARNER_DB_ERROR) {
		db_write_rollback(req);
		log_error("answer: %s", err.text);
		response_error(req, 503, "database_unavailable", "作答未能保存，请稍后重试");
		goto out;
	}
	if (rc == LEARNER_DUPLICATE)
		db_write_rollback(req);
	else if (db_write_commit(req) < 0)
		goto out;
	if ((reply = answer_reply(&q, &outcome)) == NULL) {
		response_error(req, 503, "out_of_memory", "服务器繁忙，请稍后重试");
		goto out;
	}
	response_json(req, 200, reply);
out:
	free(choice_text);
	answer_question_free(&q);
	json_decref(body);
}
