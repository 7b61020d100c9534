/*
 * validate.c — the checks every item and question passes before it is
 * stored, whichever way it comes (editor API, import, CLI). Each object is
 * checked against a table of its fields, kcgi style: unknown, missing and
 * mistyped fields are CONTENT_MALFORMED, refused values CONTENT_INVALID,
 * and the error text always starts with the field's name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content/extern.h"

enum field_type {
	FIELD_ENUM,        /* one string of 'choices' */
	FIELD_TEXT,        /* a string of 'min'..'max' characters and at most 'max_bytes' bytes */
	FIELD_INT,         /* an integer in 'min'..'max' */
	FIELD_TAGS,        /* an array of existing tag codes */
	FIELD_CHOICES,     /* an array of distinct non-empty strings */
	FIELD_ANSWER,      /* an array of distinct choice indices */
	FIELD_ITEM_ID,     /* an existing item's id, or null */
	FIELD_QUESTIONS,   /* an array of question objects (checked by question_check) */
};

struct field_spec {
	const char *name;
	enum field_type type;
	const char *what;              /* Chinese name, for messages */
	int required;
	unsigned only;                 /* check flags this field needs (0: always accepted) */
	unsigned never;                /* check flags that refuse this field */
	int64_t min, max;
	size_t max_bytes;
	int multiline;
	const char *const *choices;
	const char *choices_text;      /* "case 或 lesson" */
};

static const char *const item_kinds[] = { "case", "lesson", NULL };
static const char *const statuses[] = { "draft", "published", "retired", NULL };
static const char *const question_types[] = { "single", "multiple", "truefalse", NULL };

static const struct field_spec item_fields[] = {
	{ .name = "kind", .type = FIELD_ENUM, .what = "条目类型", .required = 1,
	  .choices = item_kinds, .choices_text = "case（案例）或 lesson（微课）" },
	{ .name = "title", .type = FIELD_TEXT, .what = "标题", .required = 1,
	  .min = 1, .max = CONTENT_TITLE_MAX_CHARS, .max_bytes = 4 * CONTENT_TITLE_MAX_CHARS },
	{ .name = "summary", .type = FIELD_TEXT, .what = "摘要",
	  .min = 0, .max = CONTENT_SUMMARY_MAX_CHARS, .max_bytes = 4 * CONTENT_SUMMARY_MAX_CHARS },
	{ .name = "body_md", .type = FIELD_TEXT, .what = "正文",
	  .min = 0, .max = CONTENT_BODY_MAX_BYTES, .max_bytes = CONTENT_BODY_MAX_BYTES, .multiline = 1 },
	{ .name = "minutes", .type = FIELD_INT, .what = "学时（分钟）", .required = 1,
	  .min = 1, .max = CONTENT_MINUTES_MAX },
	{ .name = "difficulty", .type = FIELD_INT, .what = "难度", .min = 1, .max = 5 },
	{ .name = "tags", .type = FIELD_TAGS, .what = "标签" },
	{ .name = "status", .type = FIELD_ENUM, .what = "状态", .only = CHECK_IMPORT,
	  .choices = statuses, .choices_text = "draft、published 或 retired" },
	{ .name = "questions", .type = FIELD_QUESTIONS, .what = "题目", .only = CHECK_IMPORT },
	{ .name = NULL },
};

static const struct field_spec question_fields[] = {
	{ .name = "item_id", .type = FIELD_ITEM_ID, .what = "所属条目", .never = CHECK_NESTED },
	{ .name = "type", .type = FIELD_ENUM, .what = "题型", .required = 1,
	  .choices = question_types,
	  .choices_text = "single（单选）、multiple（多选）或 truefalse（判断）" },
	{ .name = "stem", .type = FIELD_TEXT, .what = "题干", .required = 1,
	  .min = 1, .max = CONTENT_STEM_MAX_CHARS, .max_bytes = 4 * CONTENT_STEM_MAX_CHARS,
	  .multiline = 1 },
	{ .name = "choices", .type = FIELD_CHOICES, .what = "选项", .required = 1,
	  .min = 2, .max = CONTENT_MAX_CHOICES },
	{ .name = "answer", .type = FIELD_ANSWER, .what = "答案", .required = 1 },
	{ .name = "explanation", .type = FIELD_TEXT, .what = "解析",
	  .min = 0, .max = CONTENT_EXPLANATION_MAX_CHARS,
	  .max_bytes = 4 * CONTENT_EXPLANATION_MAX_CHARS, .multiline = 1 },
	{ .name = "tags", .type = FIELD_TAGS, .what = "标签" },
	{ .name = "status", .type = FIELD_ENUM, .what = "状态", .only = CHECK_IMPORT,
	  .choices = statuses, .choices_text = "draft、published 或 retired" },
	{ .name = NULL },
};

size_t
utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

const char *
text_excerpt(const char *s, char out[static 48])
{
	size_t len = strlen(s), cut = len < 40 ? len : 40;

	/* Whole characters only: 's' may be cut mid-character, or not be UTF-8 at all. */
	cut = utf8_clean_prefix(s, cut, 1);
	if (cut == len) {
		memcpy(out, s, len + 1);
		return out;
	}
	memcpy(out, s, cut);
	memcpy(out + cut, "…", sizeof("…"));
	return out;
}

/* 1 when 's' holds nothing but ASCII white space and ideographic spaces (U+3000). */
static int
is_blank(const char *s)
{
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			return 0;
	}
	return 1;
}

const char *
content_error_split(const struct qf_error *err, char *field, size_t size)
{
	const char *colon = strstr(err->text, ": ");
	size_t len;

	if (size > 0)
		field[0] = '\0';
	if (colon == NULL)
		return err->text;
	len = (size_t)(colon - err->text);
	/* A field name is short and has no spaces: otherwise it is a sentence. */
	if (len == 0 || len >= size || memchr(err->text, ' ', len) != NULL)
		return err->text;
	memcpy(field, err->text, len);
	field[len] = '\0';
	return colon + 2;
}

/* 1 when tag 'code' exists, 0 when not, -1 on a database error. */
static int
tag_exists(sqlite3 *db, const char *code, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (sql_prepare(db, "SELECT 1 FROM tags WHERE code = ?1", &stmt, err) != CONTENT_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	sql_error(db, err);
	return -1;
}

/* 1 when item 'id' exists, 0 when not, -1 on a database error. */
static int
item_exists(sqlite3 *db, int64_t id, struct qf_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (sql_prepare(db, "SELECT 1 FROM items WHERE id = ?1", &stmt, err) != CONTENT_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	sql_error(db, err);
	return -1;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Checks a tag list into 'codes' (sorted); 'name' is the field's full name
 * with its prefix.
 */
static enum content_rc
check_tags(sqlite3 *db, json_t *value, const char *name, const char **codes, size_t *count,
    struct qf_error *err)
{
	char quoted[48];
	size_t i;
	json_t *tag;

	if (!json_is_array(value)) {
		qf_error_set(err, "%s: 标签须为标签代码（字符串）的数组", name);
		return CONTENT_MALFORMED;
	}
	if (json_array_size(value) > CONTENT_MAX_TAGS) {
		qf_error_set(err, "%s: 标签最多 %d 个", name, CONTENT_MAX_TAGS);
		return CONTENT_INVALID;
	}
	json_array_foreach(value, i, tag) {
		if (!json_is_string(tag)) {
			qf_error_set(err, "%s: 第 %zu 个标签须为标签代码（字符串）", name, i + 1);
			return CONTENT_MALFORMED;
		}
		codes[i] = json_string_value(tag);
	}
	*count = json_array_size(value);
	for (i = 0; i < *count; i++) {
		int found = tag_exists(db, codes[i], err);

		if (found < 0)
			return CONTENT_INTERNAL;
		if (found == 0) {
			qf_error_set(err, "%s: 标签 %s 不存在", name, text_excerpt(codes[i], quoted));
			return CONTENT_INVALID;
		}
	}
	qsort(codes, *count, sizeof(*codes), compare_strings);
	for (i = 1; i < *count; i++) {
		if (strcmp(codes[i - 1], codes[i]) == 0) {
			qf_error_set(err, "%s: 标签 %s 重复", name, text_excerpt(codes[i], quoted));
			return CONTENT_INVALID;
		}
	}
	return CONTENT_OK;
}

static enum content_rc
check_text(const struct field_spec *spec, const char *name, json_t *value, struct qf_error *err)
{
	const char *s;
	size_t bytes, chars;

	if (!json_is_string(value)) {
		qf_error_set(err, "%s: %s须为字符串", name, spec->what);
		return CONTENT_MALFORMED;
	}
	s = json_string_value(value);
	bytes = json_string_length(value);
	if (strlen(s) != bytes || !utf8_is_clean(s, bytes, spec->multiline)) {
		qf_error_set(err, "%s: %s含有不允许的控制字符%s", name, spec->what,
		    spec->multiline ? "" : "（不能换行）");
		return CONTENT_INVALID;
	}
	if (spec->min > 0 && is_blank(s)) {
		qf_error_set(err, "%s: %s不能为空", name, spec->what);
		return CONTENT_INVALID;
	}
	if (spec->max_bytes > 0 && bytes > spec->max_bytes) {
		if (spec->max == (int64_t)spec->max_bytes)
			qf_error_set(err, "%s: %s过长（%zu 字节，上限 %zu 字节）", name, spec->what,
			    bytes, spec->max_bytes);
		else
			qf_error_set(err, "%s: %s最多 %lld 个字符", name, spec->what,
			    (long long)spec->max);
		return CONTENT_INVALID;
	}
	chars = utf8_length(s);
	if (spec->max != (int64_t)spec->max_bytes && (int64_t)chars > spec->max) {
		qf_error_set(err, "%s: %s最多 %lld 个字符（现有 %zu 个）", name, spec->what,
		    (long long)spec->max, chars);
		return CONTENT_INVALID;
	}
	return CONTENT_OK;
}

static enum content_rc
check_choices(const struct field_spec *spec, const char *name, json_t *value,
    struct qf_error *err)
{
	struct field_spec text = { .what = "选项", .min = 1, .max = CONTENT_CHOICE_MAX_CHARS,
		.max_bytes = 4 * CONTENT_CHOICE_MAX_CHARS };
	char element[128];
	json_t *choice;
	size_t i;

	if (!json_is_array(value)) {
		qf_error_set(err, "%s: 选项须为字符串数组", name);
		return CONTENT_MALFORMED;
	}
	if ((int64_t)json_array_size(value) < spec->min || (int64_t)json_array_size(value) > spec->max) {
		qf_error_set(err, "%s: 选项须有 %lld 到 %lld 个（现有 %zu 个）", name,
		    (long long)spec->min, (long long)spec->max, json_array_size(value));
		return CONTENT_INVALID;
	}
	json_array_foreach(value, i, choice) {
		enum content_rc rc;

		snprintf(element, sizeof(element), "%s[%zu]", name, i);
		if ((rc = check_text(&text, element, choice, err)) != CONTENT_OK)
			return rc;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(json_string_value(json_array_get(value, j)),
			    json_string_value(choice)) == 0) {
				qf_error_set(err, "%s: 第 %zu 个选项与第 %zu 个相同", name, i + 1, j + 1);
				return CONTENT_INVALID;
			}
		}
	}
	return CONTENT_OK;
}

/* Checks 'answer' against the question's type and choice count; fills 'q'. */
static enum content_rc
check_answer(const char *name, json_t *value, struct question_fields *q, struct qf_error *err)
{
	json_t *index;
	size_t i;

	if (!json_is_array(value)) {
		qf_error_set(err, "%s: 答案须为选项序号（从 0 起）的数组", name);
		return CONTENT_MALFORMED;
	}
	if (json_array_size(value) > q->choice_count) {
		qf_error_set(err, "%s: 答案个数多于选项个数", name);
		return CONTENT_INVALID;
	}
	json_array_foreach(value, i, index) {
		json_int_t v;

		if (!json_is_integer(index)) {
			qf_error_set(err, "%s: 答案须为选项序号（从 0 起的整数）", name);
			return CONTENT_MALFORMED;
		}
		v = json_integer_value(index);
		if (v < 0 || (size_t)v >= q->choice_count) {
			qf_error_set(err, "%s: 序号 %lld 超出选项范围（0 到 %zu）", name, (long long)v,
			    q->choice_count - 1);
			return CONTENT_INVALID;
		}
		for (size_t j = 0; j < i; j++) {
			if (q->answer[j] == v) {
				qf_error_set(err, "%s: 序号 %lld 重复", name, (long long)v);
				return CONTENT_INVALID;
			}
		}
		q->answer[i] = v;
	}
	q->answer_count = json_array_size(value);
	/* Insertion sort: at most eight indices. */
	for (i = 1; i < q->answer_count; i++)
		for (size_t j = i; j > 0 && q->answer[j - 1] > q->answer[j]; j--) {
			int64_t t = q->answer[j];

			q->answer[j] = q->answer[j - 1];
			q->answer[j - 1] = t;
		}
	if (strcmp(q->type, "multiple") == 0) {
		if (q->answer_count < 2) {
			qf_error_set(err, "%s: 多选题至少须有两个正确选项", name);
			return CONTENT_INVALID;
		}
	} else if (q->answer_count != 1) {
		qf_error_set(err, "%s: %s须恰有一个正确选项", name,
		    strcmp(q->type, "single") == 0 ? "单选题" : "判断题");
		return CONTENT_INVALID;
	}
	return CONTENT_OK;
}

/*
 * The common part of every object check: 'obj' must be an object whose
 * keys are all in 'specs' (and allowed under 'flags'), with every required
 * one present, and enums, texts and integers in range. Arrays and ids are
 * left to the callers, which know the object. 'prefix' goes before names.
 */
static enum content_rc
check_fields(json_t *obj, const struct field_spec *specs, unsigned flags, const char *prefix,
    struct qf_error *err)
{
	const char *key;
	char name[96], quoted[48];
	json_t *value;

	if (prefix == NULL)
		prefix = "";
	if (!json_is_object(obj)) {
		qf_error_set(err, "%s: 须为 JSON 对象", *prefix ? prefix : "body");
		return CONTENT_MALFORMED;
	}
	json_object_foreach(obj, key, value) {
		const struct field_spec *spec;

		for (spec = specs; spec->name != NULL; spec++)
			if (strcmp(spec->name, key) == 0)
				break;
		if (spec->name == NULL || (spec->only & ~flags) != 0 || (spec->never & flags) != 0) {
			qf_error_set(err, "%s%s: 未知字段", prefix, text_excerpt(key, quoted));
			return CONTENT_UNKNOWN_FIELD;
		}
	}
	for (const struct field_spec *spec = specs; spec->name != NULL; spec++) {
		enum content_rc rc = CONTENT_OK;

		if ((spec->only & ~flags) != 0 || (spec->never & flags) != 0)
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, spec->name);
		value = json_object_get(obj, spec->name);
		if (value == NULL) {
			if (spec->required) {
				qf_error_set(err, "%s: 缺少必填字段（%s）", name, spec->what);
				return CONTENT_MISSING_FIELD;
			}
			continue;
		}
		switch (spec->type) {
		case FIELD_ENUM: {
			int known = 0;

			if (!json_is_string(value)) {
				qf_error_set(err, "%s: %s须为字符串", name, spec->what);
				return CONTENT_MALFORMED;
			}
			for (const char *const *c = spec->choices; *c != NULL; c++)
				known |= strcmp(*c, json_string_value(value)) == 0;
			if (!known) {
				qf_error_set(err, "%s: %s须为 %s", name, spec->what, spec->choices_text);
				return CONTENT_INVALID;
			}
			break;
		}
		case FIELD_TEXT:
			rc = check_text(spec, name, value, err);
			break;
		case FIELD_INT:
			if (!json_is_integer(value)) {
				qf_error_set(err, "%s: %s须为整数", name, spec->what);
				return CONTENT_MALFORMED;
			}
			if (json_integer_value(value) < spec->min || json_integer_value(value) > spec->max) {
				qf_error_set(err, "%s: %s须在 %lld 到 %lld 之间", name, spec->what,
				    (long long)spec->min, (long long)spec->max);
				return CONTENT_INVALID;
			}
			break;
		case FIELD_CHOICES:
			rc = check_choices(spec, name, value, err);
			break;
		case FIELD_QUESTIONS:
			if (!json_is_array(value)) {
				qf_error_set(err, "%s: 题目须为题目对象的数组", name);
				return CONTENT_MALFORMED;
			}
			break;
		case FIELD_ITEM_ID:
			if (!json_is_null(value) && (!json_is_integer(value) || json_integer_value(value) < 1)) {
				qf_error_set(err, "%s: 所属条目须为条目编号（正整数）或 null", name);
				return CONTENT_MALFORMED;
			}
			break;
		case FIELD_TAGS:
		case FIELD_ANSWER:
			break;  /* the callers check them */
		}
		if (rc != CONTENT_OK)
			return rc;
	}
	return CONTENT_OK;
}

static const char *
string_or(json_t *obj, const char *key, const char *fallback)
{
	json_t *value = json_object_get(obj, key);

	return value != NULL ? json_string_value(value) : fallback;
}

enum content_rc
item_check_publishable(const char *body_md, size_t tag_count, struct qf_error *err)
{
	if (body_md == NULL || is_blank(body_md)) {
		qf_error_set(err, "body_md: 正文为空的条目不能发布");
		return CONTENT_INVALID;
	}
	if (tag_count == 0) {
		qf_error_set(err, "tags: 没有标签的条目不能发布（至少须有一个标签）");
		return CONTENT_INVALID;
	}
	return CONTENT_OK;
}

enum content_rc
item_check(sqlite3 *db, json_t *obj, unsigned flags, struct item_fields *out,
    struct qf_error *err)
{
	enum content_rc rc;
	json_t *value;

	memset(out, 0, sizeof(*out));
	if ((rc = check_fields(obj, item_fields, flags, NULL, err)) != CONTENT_OK)
		return rc;
	out->kind = string_or(obj, "kind", NULL);
	out->title = string_or(obj, "title", NULL);
	out->summary = string_or(obj, "summary", "");
	out->body_md = string_or(obj, "body_md", "");
	out->status = string_or(obj, "status", NULL);
	out->minutes = json_integer_value(json_object_get(obj, "minutes"));
	value = json_object_get(obj, "difficulty");
	out->difficulty = value != NULL ? json_integer_value(value) : 3;
	if ((value = json_object_get(obj, "tags")) != NULL &&
	    (rc = check_tags(db, value, "tags", out->tags, &out->tag_count, err)) != CONTENT_OK)
		return rc;
	if (out->status != NULL && strcmp(out->status, "published") == 0 &&
	    (rc = item_check_publishable(out->body_md, out->tag_count, err)) != CONTENT_OK)
		return rc;
	if ((out->questions = json_object_get(obj, "questions")) != NULL) {
		struct question_fields question;
		char prefix[48];
		json_t *q;
		size_t i;

		json_array_foreach(out->questions, i, q) {
			snprintf(prefix, sizeof(prefix), "questions[%zu].", i);
			rc = question_check(db, q, flags | CHECK_NESTED, prefix, &question, err);
			if (rc != CONTENT_OK)
				return rc;
		}
	}
	return CONTENT_OK;
}

enum content_rc
question_check(sqlite3 *db, json_t *obj, unsigned flags, const char *prefix,
    struct question_fields *out, struct qf_error *err)
{
	char name[96];
	enum content_rc rc;
	json_t *value;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (prefix == NULL)
		prefix = "";
	if ((rc = check_fields(obj, question_fields, flags, prefix, err)) != CONTENT_OK)
		return rc;
	out->type = string_or(obj, "type", NULL);
	out->stem = string_or(obj, "stem", NULL);
	out->explanation = string_or(obj, "explanation", "");
	out->status = string_or(obj, "status", NULL);
	value = json_object_get(obj, "choices");
	out->choice_count = json_array_size(value);
	for (i = 0; i < out->choice_count; i++)
		out->choices[i] = json_string_value(json_array_get(value, i));
	if (strcmp(out->type, "truefalse") == 0 && out->choice_count != 2) {
		qf_error_set(err, "%schoices: 判断题须恰有两个选项（如「正确」「错误」）", prefix);
		return CONTENT_INVALID;
	}
	snprintf(name, sizeof(name), "%sanswer", prefix);
	if ((rc = check_answer(name, json_object_get(obj, "answer"), out, err)) != CONTENT_OK)
		return rc;
	snprintf(name, sizeof(name), "%stags", prefix);
	if ((value = json_object_get(obj, "tags")) != NULL &&
	    (rc = check_tags(db, value, name, out->tags, &out->tag_count, err)) != CONTENT_OK)
		return rc;
	value = json_object_get(obj, "item_id");
	if (json_is_integer(value)) {
		int found = item_exists(db, json_integer_value(value), err);

		if (found < 0)
			return CONTENT_INTERNAL;
		if (found == 0) {
			qf_error_set(err, "%sitem_id: 条目 %lld 不存在", prefix,
			    (long long)json_integer_value(value));
			return CONTENT_INVALID;
		}
		out->item_id = json_integer_value(value);
	}
	return CONTENT_OK;
}
