/*
 * campaigns.c — mandatory study campaigns (专题学习): who a campaign is for,
 * what each of them still has to do, and how far they got.
 *
 * A campaign's target is read at request time from campaign_targets
 * (migration 7), never copied into a list of people: a cadre who joins a
 * targeted unit, or becomes a new hire, after the campaign started gets it
 * too. Kinds of target combine with AND, values of one kind with OR, a unit
 * stands for its whole subtree, a kind with no rows does not restrict.
 *
 * Two formulations of that rule live here, each suited to its question:
 * CAMPAIGNS_OF_USER_CTE starts from one cadre (their unit's ancestors,
 * their category, industry and risks) and finds their campaigns — the
 * feed's one query per request; CAMPAIGN_CADRES_CTE starts from one
 * campaign and finds its cadres in a scope — coverage, export, warnings.
 * tests/integration/test-campaigns.sh checks both against an independent
 * count.
 *
 * A cadre has completed a campaign when they completed each of its items
 * (completions from before the campaign count); passed its quiz when the
 * latest answers to its questions are right for at least pass_mark of them
 * (unanswered ones count as wrong); is done when completed and, with a
 * quiz, passed; overdue when not done after the deadline day; due soon
 * when not done within CAMPAIGN_DUE_SOON_S of it; not started while they
 * neither opened an item nor answered a question of it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

/*
 * The campaigns that target cadre ?1 and have started by ?2, as
 * "my_campaigns(id, title, deadline_date, deadline_at, pass_mark)".
 */
#define CAMPAIGNS_OF_USER_CTE \
	"me(unit_id, category, industry) AS (SELECT unit_id, coalesce(category, ''), coalesce(industry, '')" \
	"   FROM users WHERE id = ?1 AND role = 'cadre' AND disabled = 0)," \
	" up(id) AS (SELECT unit_id FROM me UNION" \
	"   SELECT u.parent_id FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL)," \
	" mine(kind, value) AS (SELECT 'unit', CAST(id AS TEXT) FROM up" \
	"   UNION ALL SELECT 'category', category FROM me" \
	"   UNION ALL SELECT 'industry', industry FROM me" \
	"   UNION ALL SELECT 'risk', tag_code FROM user_risks WHERE user_id = ?1 AND EXISTS (SELECT 1 FROM me)" \
	"   UNION ALL SELECT 'user', CAST(?1 AS TEXT) FROM me)," \
	" my_campaigns(id, title, deadline_date, deadline_at, pass_mark) AS (" \
	"   SELECT c.id, c.title, c.deadline_date, c.deadline_at, c.pass_mark FROM campaigns c" \
	"   WHERE c.status = 'active' AND c.start_at <= ?2 AND EXISTS (SELECT 1 FROM me)" \
	"   AND NOT EXISTS (SELECT 1 FROM campaign_targets t WHERE t.campaign_id = c.id" \
	"     AND NOT EXISTS (SELECT 1 FROM mine m JOIN campaign_targets t2" \
	"       ON t2.campaign_id = c.id AND t2.kind = m.kind AND t2.value = m.value WHERE m.kind = t.kind)))"

/*
 * The active, undisabled cadres that campaign ?1 targets, within the unit
 * subtree of ?2 (0: everywhere), as "cadres(id, name, unit_id)".
 */
#define CAMPAIGN_CADRES_CTE \
	SCOPE_UNITS_CTE("?2") "," \
	" target_units(id) AS (SELECT CAST(value AS INTEGER) FROM campaign_targets" \
	"   WHERE campaign_id = ?1 AND kind = 'unit'" \
	"   UNION SELECT u.id FROM units u JOIN target_units t ON u.parent_id = t.id)," \
	" kinds(kind) AS (SELECT DISTINCT kind FROM campaign_targets WHERE campaign_id = ?1)," \
	" cadres(id, name, unit_id) AS (SELECT u.id, u.name, u.unit_id FROM users u" \
	"   WHERE u.role = 'cadre' AND u.disabled = 0 AND u.unit_id IN (SELECT id FROM scope_units)" \
	"   AND ('unit' NOT IN kinds OR u.unit_id IN (SELECT id FROM target_units))" \
	"   AND ('category' NOT IN kinds OR EXISTS (SELECT 1 FROM campaign_targets t" \
	"     WHERE t.campaign_id = ?1 AND t.kind = 'category' AND t.value = u.category))" \
	"   AND ('industry' NOT IN kinds OR EXISTS (SELECT 1 FROM campaign_targets t" \
	"     WHERE t.campaign_id = ?1 AND t.kind = 'industry' AND t.value = u.industry))" \
	"   AND ('risk' NOT IN kinds OR EXISTS (SELECT 1 FROM campaign_targets t JOIN user_risks r" \
	"     ON r.tag_code = t.value AND r.user_id = u.id WHERE t.campaign_id = ?1 AND t.kind = 'risk'))" \
	"   AND ('user' NOT IN kinds OR EXISTS (SELECT 1 FROM campaign_targets t" \
	"     WHERE t.campaign_id = ?1 AND t.kind = 'user' AND t.value = CAST(u.id AS TEXT))))"

/* Per cadre: items completed, items begun, quiz questions answered and right (latest answer). */
#define CAMPAIGN_PROGRESS_COLUMNS(campaign, user) \
	" (SELECT count(*) FROM campaign_items ci WHERE ci.campaign_id = " campaign \
	"   AND EXISTS (SELECT 1 FROM events e WHERE e.user_id = " user " AND e.item_id = ci.item_id" \
	"   AND e.kind = 'complete'))," \
	" (SELECT count(*) FROM campaign_items ci WHERE ci.campaign_id = " campaign \
	"   AND EXISTS (SELECT 1 FROM events e WHERE e.user_id = " user " AND e.item_id = ci.item_id" \
	"   AND e.kind IN ('open','progress','complete')))," \
	" (SELECT count(*) FROM campaign_questions cq WHERE cq.campaign_id = " campaign \
	"   AND EXISTS (SELECT 1 FROM answers a WHERE a.user_id = " user " AND a.question_id = cq.question_id))," \
	" (SELECT count(*) FROM campaign_questions cq WHERE cq.campaign_id = " campaign \
	"   AND (SELECT a.correct FROM answers a WHERE a.user_id = " user " AND a.question_id = cq.question_id" \
	"   ORDER BY a.created_at DESC, a.id DESC LIMIT 1) = 1)"

static int
db_failed(sqlite3 *db, struct qf_error *err)
{
	qf_error_set(err, "campaigns: %s", sqlite3_errmsg(db));
	return -1;
}

/* ------------------------------------------------------------ the feed */

int
campaign_feed_slots(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int slots = CAMPAIGN_FEED_SLOTS_DEFAULT;

	if ((stmt = stmt_get(db, "SELECT value FROM settings WHERE key = 'campaign_feed_slots'")) == NULL)
		return slots;
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		slots = sqlite3_column_int(stmt, 0);
	stmt_release(stmt);
	return slots < 0 ? 0 : slots;
}

/* "请于2026-11-30前完成" or, past it, "已逾期，截止日期为2026-11-30". */
static void
deadline_sentence(const char *title, const char *deadline, int overdue, char *out, size_t size)
{
	if (overdue)
		snprintf(out, size, "专题学习「%s」的必学内容，已逾期（截止日期%s），请尽快完成", title, deadline);
	else
		snprintf(out, size, "专题学习「%s」的必学内容，请于%s前完成", title, deadline);
}

int
campaign_feed_entries(sqlite3 *db, int64_t user_id, int64_t now, size_t max, json_t **entries,
    struct qf_error *err)
{
	sqlite3_stmt *stmt;
	json_t *out = json_array();
	int rc;

	*entries = NULL;
	if (out == NULL)
		return -1;
	if (max == 0) {
		*entries = out;
		return 0;
	}
	/* The one query a feed makes for campaigns: the completions come from events_completions. */
	if ((stmt = stmt_get(db, "WITH RECURSIVE " CAMPAIGNS_OF_USER_CTE
	    " SELECT ci.item_id, mc.id, mc.title, mc.deadline_date, mc.deadline_at,"
	    "   i.kind, i.title, i.summary, i.minutes,"
	    "   (SELECT json_group_array(json_object('code', code, 'label', label)) FROM"
	    "     (SELECT g.code, g.label FROM item_tags it JOIN tags g ON g.code = it.tag_code"
	    "      WHERE it.item_id = ci.item_id ORDER BY g.code))"
	    " FROM my_campaigns mc JOIN campaign_items ci ON ci.campaign_id = mc.id"
	    " JOIN items i ON i.id = ci.item_id"
	    " WHERE i.status = 'published' AND NOT EXISTS (SELECT 1 FROM events e"
	    "   WHERE e.user_id = ?1 AND e.item_id = ci.item_id AND e.kind = 'complete')"
	    " ORDER BY mc.deadline_at, mc.id, ci.position")) == NULL) {
		json_decref(out);
		return db_failed(db, err);
	}
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, now);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && json_array_size(out) < max) {
		int64_t item_id = sqlite3_column_int64(stmt, 0);
		const char *title = (const char *)sqlite3_column_text(stmt, 2);
		const char *deadline = (const char *)sqlite3_column_text(stmt, 3);
		int overdue = now >= sqlite3_column_int64(stmt, 4);
		char text[768];
		size_t i;
		json_t *e, *tags;

		/* An item of two campaigns shows once, under the earlier deadline. */
		json_array_foreach(out, i, e)
			if (json_integer_value(json_object_get(e, "id")) == item_id)
				break;
		if (i < json_array_size(out))
			continue;
		deadline_sentence(title, deadline, overdue, text, sizeof(text));
		tags = json_loads((const char *)sqlite3_column_text(stmt, 9), 0, NULL);
		e = json_pack("{s:I,s:s,s:s,s:s,s:i,s:o,s:f,s:b,s:[{s:s,s:s}],s:{s:I,s:s,s:s,s:b}}",
		    "id", (json_int_t)item_id, "kind", sqlite3_column_text(stmt, 5),
		    "title", sqlite3_column_text(stmt, 6), "summary", sqlite3_column_text(stmt, 7),
		    "minutes", sqlite3_column_int(stmt, 8), "tags", tags ? tags : json_array(),
		    "score", 0.0, "mandatory", 1,
		    "reasons", "code", "mandatory", "text", text,
		    "campaign", "id", (json_int_t)sqlite3_column_int64(stmt, 1), "title", title,
		    "deadline", deadline, "overdue", overdue);
		if (e == NULL || json_array_append_new(out, e) < 0) {
			stmt_release(stmt);
			json_decref(out);
			qf_error_set(err, "campaigns: out of memory");
			return -1;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_failed(db, err);
		stmt_release(stmt);
		json_decref(out);
		return -1;
	}
	stmt_release(stmt);
	*entries = out;
	return 0;
}

/* ------------------------------------------------------- one cadre's view */

/* The state of one cadre in one campaign from their counts. */
static void
person_judge(struct campaign_person *p, const struct campaign_info *c, int64_t now)
{
	p->completed = p->items_done >= c->item_count;
	p->has_quiz = c->has_quiz;
	p->quiz_score = c->question_count > 0 ? (double)p->questions_right / (double)c->question_count : 0;
	p->passed = c->has_quiz && c->question_count > 0 && p->quiz_score + 1e-9 >= c->pass_mark;
	p->done = p->completed && (!c->has_quiz || p->passed);
	p->not_started = p->items_begun == 0 && p->questions_answered == 0;
	p->overdue = !p->done && now >= c->deadline_at;
	p->due_soon = !p->done && !p->overdue && c->deadline_at - now <= CAMPAIGN_DUE_SOON_S;
}

int
campaign_info_load(sqlite3 *db, int64_t campaign_id, struct campaign_info *out, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((stmt = stmt_get(db, "SELECT id, title, status, start_date, deadline_date, start_at, deadline_at,"
	    "   pass_mark, (SELECT count(*) FROM campaign_items WHERE campaign_id = c.id),"
	    "   (SELECT count(*) FROM campaign_questions WHERE campaign_id = c.id)"
	    " FROM campaigns c WHERE id = ?1")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, campaign_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(stmt, 0);
		snprintf(out->title, sizeof(out->title), "%s", sqlite3_column_text(stmt, 1));
		snprintf(out->status, sizeof(out->status), "%s", sqlite3_column_text(stmt, 2));
		snprintf(out->start, sizeof(out->start), "%s", sqlite3_column_text(stmt, 3));
		snprintf(out->deadline, sizeof(out->deadline), "%s", sqlite3_column_text(stmt, 4));
		out->start_at = sqlite3_column_int64(stmt, 5);
		out->deadline_at = sqlite3_column_int64(stmt, 6);
		out->has_quiz = sqlite3_column_type(stmt, 7) != SQLITE_NULL;
		out->pass_mark = sqlite3_column_double(stmt, 7);
		out->item_count = sqlite3_column_int64(stmt, 8);
		out->question_count = sqlite3_column_int64(stmt, 9);
	}
	stmt_release(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_failed(db, err);
	return rc == SQLITE_ROW ? 1 : 0;
}

int
campaign_people(sqlite3 *db, const struct campaign_info *c, int64_t scope_unit, int64_t now,
    struct campaign_person **out, size_t *count, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	struct campaign_person *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*count = 0;
	/*
	 * Progress aggregated once per campaign from the events of its items
	 * and the answers to its questions (by item and by question: a few
	 * thousand rows), then joined to the cadres; per-cadre subqueries cost
	 * seconds over a hundred thousand cadres.
	 */
	if ((stmt = stmt_get(db, "WITH RECURSIVE " CAMPAIGN_CADRES_CTE ","
	    " progress(user_id, done, begun) AS (SELECT user_id,"
	    "   count(DISTINCT CASE WHEN kind = 'complete' THEN item_id END), count(DISTINCT item_id)"
	    "   FROM events WHERE item_id IN (SELECT item_id FROM campaign_items WHERE campaign_id = ?1)"
	    "   AND kind IN ('open','progress','complete')"
	    "   AND kind != 'impression'"   /* spelled out: events_by_item leaves impressions out */
	    "   GROUP BY user_id),"
	    " latest(user_id, correct, nth) AS (SELECT user_id, correct, row_number() OVER"
	    "   (PARTITION BY user_id, question_id ORDER BY created_at DESC, id DESC) FROM answers"
	    "   WHERE question_id IN (SELECT question_id FROM campaign_questions WHERE campaign_id = ?1)),"
	    " quiz(user_id, answered, rights) AS (SELECT user_id, count(*), sum(correct) FROM latest"
	    "   WHERE nth = 1 GROUP BY user_id)"
	    " SELECT c.id, c.name, c.unit_id, un.name, coalesce(p.done, 0), coalesce(p.begun, 0),"
	    "   coalesce(q.answered, 0), coalesce(q.rights, 0)"
	    " FROM cadres c JOIN units un ON un.id = c.unit_id"
	    " LEFT JOIN progress p ON p.user_id = c.id LEFT JOIN quiz q ON q.user_id = c.id"
	    " ORDER BY c.unit_id, c.id")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, c->id);
	sqlite3_bind_int64(stmt, 2, scope_unit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct campaign_person *p;

		if (n == cap) {
			size_t next = cap ? cap * 2 : 64;
			struct campaign_person *grown = realloc(v, next * sizeof(*grown));

			if (grown == NULL) {
				qf_error_set(err, "campaigns: out of memory");
				goto fail;
			}
			v = grown;
			cap = next;
		}
		p = &v[n++];
		memset(p, 0, sizeof(*p));
		p->user_id = sqlite3_column_int64(stmt, 0);
		snprintf(p->name, sizeof(p->name), "%s", sqlite3_column_text(stmt, 1));
		p->unit_id = sqlite3_column_int64(stmt, 2);
		snprintf(p->unit_name, sizeof(p->unit_name), "%s", sqlite3_column_text(stmt, 3));
		p->items_done = sqlite3_column_int64(stmt, 4);
		p->items_begun = sqlite3_column_int64(stmt, 5);
		p->questions_answered = sqlite3_column_int64(stmt, 6);
		p->questions_right = sqlite3_column_int64(stmt, 7);
		person_judge(p, c, now);
	}
	if (rc != SQLITE_DONE) {
		db_failed(db, err);
		goto fail;
	}
	stmt_release(stmt);
	*out = v;
	*count = n;
	return 0;
fail:
	stmt_release(stmt);
	free(v);
	return -1;
}

json_t *
campaign_person_json(const struct campaign_person *p, const struct campaign_info *c)
{
	const char *state = p->done ? "done" : p->overdue ? "overdue" : p->not_started ? "not_started" :
	    "in_progress";

	return json_pack("{s:I,s:s,s:I,s:s,s:I,s:I,s:o,s:b,s:o,s:b,s:b,s:s}",
	    "user_id", (json_int_t)p->user_id, "name", p->name,
	    "unit_id", (json_int_t)p->unit_id, "unit_name", p->unit_name,
	    "items_completed", (json_int_t)p->items_done, "items_total", (json_int_t)c->item_count,
	    "quiz_score", c->has_quiz ? json_real(p->quiz_score) : json_null(),
	    "completed", p->completed,
	    "passed", c->has_quiz ? json_boolean(p->passed) : json_null(),
	    "overdue", p->overdue, "due_soon", p->due_soon, "state", state);
}

json_t *
campaign_user_list(sqlite3 *db, int64_t user_id, int64_t now, struct qf_error *err)
{
	sqlite3_stmt *stmt, *items = NULL;
	json_t *list = json_array();
	int rc;

	if ((stmt = stmt_get(db, "WITH RECURSIVE " CAMPAIGNS_OF_USER_CTE
	    " SELECT mc.id FROM my_campaigns mc ORDER BY mc.deadline_at, mc.id")) == NULL) {
		json_decref(list);
		db_failed(db, err);
		return NULL;
	}
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, now);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct campaign_info c;
		struct campaign_person p;
		json_t *entry, *item_list;

		if (campaign_info_load(db, sqlite3_column_int64(stmt, 0), &c, err) <= 0)
			goto fail;
		memset(&p, 0, sizeof(p));
		p.user_id = user_id;
		if ((items = stmt_get(db, "SELECT" CAMPAIGN_PROGRESS_COLUMNS("?1", "?2"))) == NULL) {
			db_failed(db, err);
			goto fail;
		}
		sqlite3_bind_int64(items, 1, c.id);
		sqlite3_bind_int64(items, 2, user_id);
		if (sqlite3_step(items) != SQLITE_ROW) {
			db_failed(db, err);
			goto fail;
		}
		p.items_done = sqlite3_column_int64(items, 0);
		p.items_begun = sqlite3_column_int64(items, 1);
		p.questions_answered = sqlite3_column_int64(items, 2);
		p.questions_right = sqlite3_column_int64(items, 3);
		stmt_release(items);
		items = NULL;
		person_judge(&p, &c, now);
		/* The items themselves, done or not, for the cadre's checklist. */
		item_list = json_array();
		if ((items = stmt_get(db, "SELECT ci.item_id, i.title, i.status, EXISTS (SELECT 1 FROM events e"
		    "   WHERE e.user_id = ?2 AND e.item_id = ci.item_id AND e.kind = 'complete')"
		    " FROM campaign_items ci JOIN items i ON i.id = ci.item_id"
		    " WHERE ci.campaign_id = ?1 ORDER BY ci.position")) == NULL) {
			json_decref(item_list);
			db_failed(db, err);
			goto fail;
		}
		sqlite3_bind_int64(items, 1, c.id);
		sqlite3_bind_int64(items, 2, user_id);
		while (sqlite3_step(items) == SQLITE_ROW)
			json_array_append_new(item_list, json_pack("{s:I,s:s,s:s,s:b}",
			    "id", (json_int_t)sqlite3_column_int64(items, 0), "title", sqlite3_column_text(items, 1),
			    "status", sqlite3_column_text(items, 2), "completed", sqlite3_column_int(items, 3)));
		stmt_release(items);
		items = NULL;
		entry = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:b,s:b,s:b,s:s,s:I,s:o}",
		    "id", (json_int_t)c.id, "title", c.title, "start", c.start, "deadline", c.deadline,
		    "items_completed", (json_int_t)p.items_done, "items_total", (json_int_t)c.item_count,
		    "pass_mark", c.has_quiz ? json_real(c.pass_mark) : json_null(),
		    "quiz_score", c.has_quiz ? json_real(p.quiz_score) : json_null(),
		    "done", p.done, "overdue", p.overdue, "due_soon", p.due_soon,
		    "state", p.done ? "done" : p.overdue ? "overdue" : p.due_soon ? "due_soon" : "open",
		    "days_left", (json_int_t)((c.deadline_at - now) / 86400), "items", item_list);
		json_array_append_new(list, entry);
	}
	if (rc != SQLITE_DONE) {
		db_failed(db, err);
		goto fail;
	}
	stmt_release(stmt);
	return list;
fail:
	stmt_release(items);
	stmt_release(stmt);
	json_decref(list);
	return NULL;
}

/* ------------------------------------------------------------- warnings */

int
campaign_warnings(sqlite3 *db, int64_t scope_unit, int64_t now, json_t *warnings, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc, result = -1;

	/* The live campaigns first, so no statement stays open while people are read. */
	if ((stmt = stmt_get(db, "SELECT id FROM campaigns WHERE status = 'active' AND start_at <= ?1"
	    " ORDER BY deadline_at, id")) == NULL)
		return db_failed(db, err);
	sqlite3_bind_int64(stmt, 1, now);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t *grown = realloc(ids, (n + 1) * sizeof(*ids));

		if (grown == NULL) {
			stmt_release(stmt);
			free(ids);
			qf_error_set(err, "campaigns: out of memory");
			return -1;
		}
		ids = grown;
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	stmt_release(stmt);
	if (rc != SQLITE_DONE) {
		free(ids);
		return db_failed(db, err);
	}
	for (size_t k = 0; k < n; k++) {
		struct campaign_info c;
		struct campaign_person *people = NULL;
		size_t count = 0;

		if (campaign_info_load(db, ids[k], &c, err) <= 0 ||
		    campaign_people(db, &c, scope_unit, now, &people, &count, err) < 0)
			goto out;
		for (size_t i = 0; i < count; i++) {
			const struct campaign_person *p = &people[i];
			char message[768], link[64];
			int64_t days;

			if (!p->overdue && !p->due_soon)
				continue;
			if (p->overdue) {
				days = (now - c.deadline_at) / 86400 + 1;
				snprintf(message, sizeof(message), "%s未按期完成专题学习「%s」（截止%s，已逾期%lld天，"
				    "完成%lld/%lld项）", p->name, c.title, c.deadline, (long long)days,
				    (long long)p->items_done, (long long)c.item_count);
			} else {
				days = (c.deadline_at - now + 86399) / 86400;
				snprintf(message, sizeof(message), "%s的专题学习「%s」将于%s截止（剩%lld天），"
				    "尚未完成（完成%lld/%lld项）", p->name, c.title, c.deadline, (long long)days,
				    (long long)p->items_done, (long long)c.item_count);
			}
			snprintf(link, sizeof(link), "/supervisor/person.html?id=%lld", (long long)p->user_id);
			json_array_append_new(warnings, json_pack("{s:s,s:s,s:I,s:s,s:I,s:s,s:I,s:i,s:s,s:s,s:I,s:s}",
			    "kind", p->overdue ? "campaign_overdue" : "campaign_due_soon",
			    "kind_label", p->overdue ? "专题学习逾期" : "专题学习即将到期",
			    "unit_id", (json_int_t)p->unit_id, "unit_name", p->unit_name,
			    "user_id", (json_int_t)p->user_id, "user_name", p->name,
			    "value", (json_int_t)days, "threshold", p->overdue ? 0 : CAMPAIGN_DUE_SOON_S / 86400,
			    "message", message, "link", link,
			    "campaign_id", (json_int_t)c.id, "campaign_title", c.title));
		}
		free(people);
	}
	result = 0;
out:
	free(ids);
	return result;
}

/* ---------------------------------------------------------------- dates */

int64_t
campaign_date_start(const char *date)
{
	struct tm tm;
	int y = 0, m = 0, d = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm) - LEARNER_UTC_OFFSET_S;
}
