/*
 * json-body.c — checking a JSON request body against a declared field
 * table, the way query parameters are checked: unknown fields, missing
 * fields, wrong types and out-of-range values are refused with a 400 that
 * names the field. Handlers then read the fields knowing their shape.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

static const char *const kind_names[] = {
	[BODY_STRING] = "文本",
	[BODY_INTEGER] = "整数",
	[BODY_NUMBER] = "数字",
	[BODY_BOOLEAN] = "布尔值",
	[BODY_ARRAY] = "数组",
	[BODY_OBJECT] = "对象",
};

static int
body_type_ok(const json_t *value, enum body_kind kind)
{
	switch (kind) {
	case BODY_STRING: return json_is_string(value);
	case BODY_INTEGER: return json_is_integer(value);
	case BODY_NUMBER: return json_is_number(value);
	case BODY_BOOLEAN: return json_is_boolean(value);
	case BODY_ARRAY: return json_is_array(value);
	case BODY_OBJECT: return json_is_object(value);
	}
	return 0;
}

int
body_check(struct request *req, json_t *root, const struct body_field *fields)
{
	const char *key;
	json_t *value;

	json_object_foreach(root, key, value) {
		const struct body_field *f = fields;

		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		if (f->name == NULL) {
			response_errorf(req, 400, "unknown_field", "不认识的字段：%.64s", key);
			return -1;
		}
	}
	for (const struct body_field *f = fields; f->name != NULL; f++) {
		value = json_object_get(root, f->name);
		if (value == NULL || json_is_null(value)) {
			if (f->required) {
				response_errorf(req, 400, "missing_field", "缺少字段：%s", f->name);
				return -1;
			}
			continue;
		}
		if (!body_type_ok(value, f->kind)) {
			response_errorf(req, 400, "bad_field", "字段 %s 须为%s", f->name, kind_names[f->kind]);
			return -1;
		}
		switch (f->kind) {
		case BODY_STRING: {
			const char *s = json_string_value(value);
			size_t len = json_string_length(value);

			if (len < (size_t)f->min || len > (size_t)f->max || strlen(s) != len ||
			    !utf8_is_clean(s, len, f->multiline)) {
				response_errorf(req, 400, "bad_field", "字段 %s 须为 %lld 到 %lld 字节的有效文本",
				    f->name, (long long)f->min, (long long)f->max);
				return -1;
			}
			break;
		}
		case BODY_INTEGER:
			if (json_integer_value(value) < f->min || json_integer_value(value) > f->max) {
				response_errorf(req, 400, "bad_field", "字段 %s 须在 %lld 到 %lld 之间",
				    f->name, (long long)f->min, (long long)f->max);
				return -1;
			}
			break;
		case BODY_NUMBER:
			if (json_number_value(value) < (double)f->min || json_number_value(value) > (double)f->max) {
				response_errorf(req, 400, "bad_field", "字段 %s 须在 %lld 到 %lld 之间",
				    f->name, (long long)f->min, (long long)f->max);
				return -1;
			}
			break;
		case BODY_ARRAY:
			if (json_array_size(value) < (size_t)f->min || json_array_size(value) > (size_t)f->max) {
				response_errorf(req, 400, "bad_field", "字段 %s 须有 %lld 到 %lld 项",
				    f->name, (long long)f->min, (long long)f->max);
				return -1;
			}
			break;
		case BODY_BOOLEAN:
		case BODY_OBJECT:
			break;
		}
	}
	return 0;
}
