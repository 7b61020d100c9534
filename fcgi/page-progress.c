/*
 * page-progress.c — GET /api/me/progress: "我的学习". This year's study
 * hours against the 40-hour target (each completed item credited once) and
 * the pace that target asks for by today, mastery in each of the seven
 * disciplines (null until the cadre has answered a question of it), the
 * reviews due today and those coming in the next week.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "extern.h"

/* At most this many reviews are listed, due or upcoming. */
#define PROGRESS_MAX_REVIEWS 100
/* Upcoming reviews: those due within this many days after today. */
#define PROGRESS_UPCOMING_DAYS 7

static double
round2(double x)
{
	return round(x * 100.0) / 100.0;
}

/* The pace the 40-hour target asks for by 'now', and how far the cadre is from it. */
static json_t *
progress_pace(const struct learner_study *s, int64_t now)
{
	double year = (double)(s->year_end - s->year_start), elapsed = (double)(now - s->year_start);
	double expected = LEARNER_TARGET_HOURS * elapsed / year, hours = s->minutes_year / 60.0;
	double weeks_left = (double)(s->year_end - now) / (7.0 * 86400.0), per_week = 0;

	if (hours < LEARNER_TARGET_HOURS && weeks_left > 0)
		per_week = (LEARNER_TARGET_HOURS - hours) / (weeks_left < 1 ? 1 : weeks_left);
	return json_pack("{s:f,s:s,s:f}", "expected_hours", round2(expected),
	    "status", hours >= LEARNER_TARGET_HOURS ? "done" : hours >= expected ? "on_track" : "behind",
	    "hours_per_week_needed", round2(per_week));
}

static json_t *
progress_mastery(const struct learner_discipline *list, size_t n)
{
	json_t *array = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(array, json_pack("{s:s,s:s,s:o,s:I,s:I,s:b}",
		    "code", list[i].code, "label", list[i].label,
		    "value", list[i].has_value ? json_real(round(list[i].value * 1000) / 1000) : json_null(),
		    "answers", (json_int_t)list[i].answers, "wrong", (json_int_t)list[i].wrong,
		    "weak", list[i].has_value && list[i].value < LEARNER_WEAK_MASTERY &&
		    list[i].answers >= LEARNER_WEAK_MIN_ANSWERS));
	return array;
}

/* The reviews of 'list' that are due (want_due 1) or upcoming (0). */
static json_t *
progress_reviews(const struct learner_review *list, size_t n, int want_due)
{
	json_t *array = json_array();
	char date[11];

	for (size_t i = 0; i < n; i++) {
		if (list[i].due != want_due)
			continue;
		learner_format_date(list[i].due_at, date);
		json_array_append_new(array, json_pack("{s:I,s:s,s:o,s:f}",
		    "question_id", (json_int_t)list[i].question_id, "due", date,
		    "item_id", list[i].item_id > 0 ? json_integer(list[i].item_id) : json_null(),
		    "recall", round(list[i].recall * 1000) / 1000));
	}
	return array;
}

void
page_progress(struct request *req)
{
	sqlite3 *db = req->app->db;
	struct learner_discipline *mastery = NULL;
	struct learner_review *reviews = NULL;
	struct learner_study study;
	struct qf_error err;
	size_t mastery_count = 0, review_count = 0;
	int64_t now = clock_unix_s(), until, answers, correct;
	char today[11];
	json_t *reply;

	qf_error_init(&err);
	until = learner_day_start(now) + (1 + PROGRESS_UPCOMING_DAYS) * 86400;
	/* One read transaction: the figures agree with each other. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    learner_study_year(db, req->user->id, now, &study, &err) < 0 ||
	    learner_mastery_list(db, req->user->id, &mastery, &mastery_count, &err) < 0 ||
	    learner_reviews(db, req->user->id, now, until, PROGRESS_MAX_REVIEWS, &reviews,
	    &review_count, &err) < 0 ||
	    learner_answer_counts(db, req->user->id, &answers, &correct, &err) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		log_error("progress: %s", err.set ? err.text : sqlite3_errmsg(db));
		response_error(req, 503, "database_unavailable", "暂时无法读取学习记录，请稍后重试");
		goto out;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	learner_format_date(now, today);
	reply = json_pack("{s:f,s:I,s:I,s:o,s:o,s:o,s:I,s:I,s:o,s:{s:I,s:I},s:s,s:i}",
	    "hours_year", round2(study.minutes_year / 60.0),
	    "target_hours", (json_int_t)LEARNER_TARGET_HOURS,
	    "minutes_year", (json_int_t)study.minutes_year,
	    "mastery", progress_mastery(mastery, mastery_count),
	    "reviews_due", progress_reviews(reviews, review_count, 1),
	    "reviews_upcoming", progress_reviews(reviews, review_count, 0),
	    "completed", (json_int_t)study.items_total,
	    "completed_year", (json_int_t)study.items_year,
	    "pace", progress_pace(&study, now),
	    "answers", "total", (json_int_t)answers, "correct", (json_int_t)correct,
	    "today", today, "year", atoi(today));
	if (reply == NULL) {
		response_error(req, 503, "out_of_memory", "服务器繁忙，请稍后重试");
		goto out;
	}
	/* The campaigns that target the cadre, with their deadlines (campaigns.c). */
	json_object_set_new(reply, "campaigns", campaign_user_list(db, req->user->id, now, &err));
	response_json(req, 200, reply);
out:
	free(mastery);
	free(reviews);
}
