/*
 * json-text.c — a JSON value as compact text, as Jansson's
 * json_dumps(JSON_COMPACT) writes it, byte for byte, in about a tenth of
 * the time: every reply is written by it, and Jansson's writer, which
 * decodes each UTF-8 character of every string and hands the text out in
 * small pieces, cost a feed more than ranking it did.
 *
 * Strings in a json_t are valid UTF-8 already (Jansson checks them when
 * they are made), so they are copied as they are, with '"', '\\' and the
 * control characters escaped. Reals are written as Jansson writes them:
 * 17 significant digits, ".0" added to an integral value, no '+' and no
 * leading zeros in the exponent.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

struct text {
	char *s;
	size_t len, cap;
	int failed;
};

/* Room for 'more' bytes (and a NUL); 0 or -1, and then every later write fails. */
static int
reserve(struct text *t, size_t more)
{
	size_t cap;
	char *grown;

	if (t->failed)
		return -1;
	if (t->len + more + 1 <= t->cap)
		return 0;
	for (cap = t->cap ? t->cap : 4096; cap < t->len + more + 1; cap *= 2)
		;
	if ((grown = realloc(t->s, cap)) == NULL) {
		t->failed = 1;
		return -1;
	}
	t->s = grown;
	t->cap = cap;
	return 0;
}

static void
put(struct text *t, const char *bytes, size_t n)
{
	if (reserve(t, n) == 0) {
		memcpy(t->s + t->len, bytes, n);
		t->len += n;
	}
}

static void
put_string(struct text *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	/* At worst every byte becomes \u00XX. */
	if (reserve(t, n * 6 + 2) < 0)
		return;
	t->s[t->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char *o = t->s + t->len;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o = (char)c;
			t->len++;
			continue;
		}
		o[0] = '\\';
		switch (c) {
		case '"': o[1] = '"'; t->len += 2; break;
		case '\\': o[1] = '\\'; t->len += 2; break;
		case '\b': o[1] = 'b'; t->len += 2; break;
		case '\f': o[1] = 'f'; t->len += 2; break;
		case '\n': o[1] = 'n'; t->len += 2; break;
		case '\r': o[1] = 'r'; t->len += 2; break;
		case '\t': o[1] = 't'; t->len += 2; break;
		default:
			memcpy(o + 1, "u00", 3);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			t->len += 6;
		}
	}
	t->s[t->len++] = '"';
}

static void
put_integer(struct text *t, json_int_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT, v);

	put(t, digits, (size_t)n);
}

/* As Jansson's jsonp_dtostr with its default precision. */
static void
put_real(struct text *t, double v)
{
	char buf[64], *e;
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%.17g", v);

	if (strpbrk(buf, ".e") == NULL && n + 2 < sizeof(buf)) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(buf, 'e')) != NULL) {
		char *from = e + 1, *to = e + 1;

		if (*from == '-')
			from++, to++;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(to, from, strlen(from) + 1);
		n = strlen(buf);
	}
	put(t, buf, n);
}

static void
put_value(struct text *t, const json_t *v, int depth)
{
	/* Jansson refuses to write deeper than this too; a reply never nests so. */
	if (depth > 2048) {
		t->failed = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *member;
		int first = 1;

		put(t, "{", 1);
		json_object_foreach((json_t *)v, key, member) {
			if (!first)
				put(t, ",", 1);
			first = 0;
			put_string(t, key, strlen(key));
			put(t, ":", 1);
			put_value(t, member, depth + 1);
		}
		put(t, "}", 1);
		break;
	}
	case JSON_ARRAY:
		put(t, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				put(t, ",", 1);
			put_value(t, json_array_get(v, i), depth + 1);
		}
		put(t, "]", 1);
		break;
	case JSON_STRING:
		put_string(t, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_integer(t, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(t, json_real_value(v));
		break;
	case JSON_TRUE:
		put(t, "true", 4);
		break;
	case JSON_FALSE:
		put(t, "false", 5);
		break;
	case JSON_NULL:
		put(t, "null", 4);
		break;
	}
}

char *
json_text(const json_t *v, size_t *len)
{
	struct text t = { NULL, 0, 0, 0 };

	if (v == NULL)
		return NULL;
	put_value(&t, v, 0);
	if (reserve(&t, 0) < 0) {
		free(t.s);
		return NULL;
	}
	t.s[t.len] = '\0';
	if (len != NULL)
		*len = t.len;
	return t.s;
}
