/*
 * query.c — the query string: strict percent-decoding, UTF-8 checks, and
 * binding to a route's declared parameters. Nothing undeclared or malformed
 * reaches a handler.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes 'len' bytes of 'src' ('+' is a space, '%XX' a byte) into a new
 * NUL-terminated string owned by the caller; NULL when a '%' is not followed
 * by two hex digits, when the result holds a NUL, or is not clean UTF-8.
 */
static char *
percent_decode(const char *src, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '+')
			*o++ = ' ';
		else if (src[i] == '%') {
			int hi, lo;

			if (i + 2 >= len)       /* needs two more bytes */
				goto bad;
			hi = hex_value(src[i + 1]);
			lo = hex_value(src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = src[i];
	}
	*o = '\0';
	if (!utf8_is_clean(out, (size_t)(o - out), 0))
		goto bad;
	return out;
bad:
	free(out);
	return NULL;
}

int
query_parse(const char *raw, struct request *req, struct qf_error *err)
{
	size_t raw_len, count = 0;
	const char *p, *end;

	if (raw == NULL || *raw == '\0')
		return 0;
	raw_len = strlen(raw);
	if (raw_len > QUERY_MAX_BYTES) {
		qf_error_set(err, "查询字符串过长（超过 %d 字节）", QUERY_MAX_BYTES);
		return -1;
	}
	req->query = calloc(QUERY_MAX_PARAMS, sizeof(*req->query));
	if (req->query == NULL) {
		qf_error_set(err, "内存不足");
		return -1;
	}
	for (p = raw, end = raw + raw_len; p < end; ) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pair_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pair_end - p));
		const char *key_end = eq ? eq : pair_end;

		if (pair_end == p) {            /* "a=1&&b=2": tolerate empty pairs */
			p = pair_end + 1;
			continue;
		}
		if (count == QUERY_MAX_PARAMS) {
			qf_error_set(err, "查询参数过多（最多 %d 个）", QUERY_MAX_PARAMS);
			return -1;
		}
		if (key_end == p) {
			qf_error_set(err, "第 %zu 个查询参数缺少名称", count + 1);
			return -1;
		}
		req->query[count].key = percent_decode(p, (size_t)(key_end - p));
		req->query[count].value = eq ? percent_decode(eq + 1, (size_t)(pair_end - eq - 1))
		    : percent_decode("", 0);
		if (req->query[count].key == NULL || req->query[count].value == NULL) {
			req->query_count = count + 1;
			qf_error_set(err, "第 %zu 个查询参数的编码无效（百分号编码或 UTF-8 错误）",
			    count + 1);
			return -1;
		}
		count++;
		req->query_count = count;
		p = pair_end + 1;
	}
	return 0;
}

/* Parses a decimal integer that fills the whole string. */
static int
parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
query_bind(struct request *req, const struct param_spec *specs, struct qf_error *err)
{
	size_t n = 0;

	if (specs == NULL)
		return 0;
	for (; specs[n].name != NULL; n++) {
		const struct param_spec *spec = &specs[n];

		if (n == ROUTE_MAX_PARAMS) {     /* a bug in the route table */
			qf_error_set(err, "route declares too many parameters");
			return -1;
		}
		struct param_value *value = &req->params[n];
		const char *text = NULL;

		for (size_t i = 0; i < req->query_count; i++) {
			if (strcmp(req->query[i].key, spec->name) != 0)
				continue;
			if (text != NULL) {
				qf_error_set(err, "查询参数 %s 重复出现", spec->name);
				return -1;
			}
			text = req->query[i].value;
		}
		if (text == NULL) {
			if (spec->required) {
				qf_error_set(err, "缺少查询参数 %s", spec->name);
				return -1;
			}
			continue;
		}
		switch (spec->kind) {
		case PARAM_INT:
			if (parse_int64(text, &value->integer) < 0 ||
			    value->integer < spec->min || value->integer > spec->max) {
				qf_error_set(err, "查询参数 %s 须为 %lld 到 %lld 之间的整数",
				    spec->name, (long long)spec->min, (long long)spec->max);
				return -1;
			}
			break;
		case PARAM_STRING:
			if ((int64_t)strlen(text) < spec->min || (int64_t)strlen(text) > spec->max) {
				qf_error_set(err, "查询参数 %s 的长度须在 %lld 到 %lld 字节之间",
				    spec->name, (long long)spec->min, (long long)spec->max);
				return -1;
			}
			break;
		case PARAM_DATE:
			if (!date_is_valid(text)) {
				qf_error_set(err, "查询参数 %s 须为有效日期（YYYY-MM-DD）", spec->name);
				return -1;
			}
			break;
		}
		value->present = 1;
		value->text = text;
	}
	return 0;
}
