/*
 * test-json-text.c — json_text writes what json_dumps(JSON_COMPACT) writes,
 * byte for byte: on chosen values (every escape, UTF-8 of every length,
 * embedded NULs, reals at the edges of the format) and on thousands of
 * random trees of random values.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/extern.h"
#include "check.h"

static int mismatches_shown;

/* json_text(v) against Jansson's own compact text of v. */
static void
check_same(json_t *v)
{
	char *expected = json_dumps(v, JSON_COMPACT);
	size_t len = 0;
	char *got = json_text(v, &len);

	check_count++;
	if (expected == NULL || got == NULL || strcmp(got, expected) != 0 || len != strlen(expected)) {
		check_failures++;
		if (mismatches_shown++ < 5)
			fprintf(stderr, "json_text differs:\n  expected %s\n  got      %s\n",
			    expected ? expected : "(null)", got ? got : "(null)");
	}
	free(expected);
	free(got);
}

static void
chosen_values(void)
{
	static const double reals[] = {
		0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1.0 / 3, 3.141592653589793, 100.0, 1e15, 1e16, 1e17,
		1e20, 1e21, 1e22, 1e100, 1e300, 1e-5, 1e-7, 1.5e-300, 5e-324, DBL_MAX, -DBL_MAX, DBL_MIN,
		123456789.125, 0.30000000000000004, 2.5e-10, 9007199254740993.0,
	};
	static const json_int_t integers[] = { 0, 1, -1, 42, 1000000, INT64_MAX, INT64_MIN, -9999999999LL };
	json_t *o = json_object(), *a = json_array();
	char all_bytes[128];

	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		json_array_append_new(a, json_real(reals[i]));
	for (size_t i = 0; i < sizeof(integers) / sizeof(integers[0]); i++)
		json_array_append_new(a, json_integer(integers[i]));
	/* Every ASCII byte but NUL, and NUL itself inside a string of known length. */
	for (int c = 1; c < 128; c++)
		all_bytes[c - 1] = (char)c;
	all_bytes[127] = '\0';
	json_array_append_new(a, json_string(all_bytes));
	json_array_append_new(a, json_stringn("a\0b\0", 4));
	json_array_append_new(a, json_string("与您的岗位风险点「招投标」相关"));
	json_array_append_new(a, json_string("é ü ñ € 𝄞 😀 \xe2\x80\xa8 \xe2\x80\xa9 \x7f"));
	json_array_append_new(a, json_string(""));
	json_array_append_new(a, json_true());
	json_array_append_new(a, json_false());
	json_array_append_new(a, json_null());
	json_array_append_new(a, json_object());
	json_array_append_new(a, json_array());
	json_object_set_new(o, "values", a);
	json_object_set_new(o, "键\"\\\n\t/", json_string("/slash/ and \"quotes\""));
	json_object_set_new(o, "", json_integer(7));
	json_object_set_new(o, "z-last", json_pack("{s:[{s:i}],s:f}", "nested", "x", 1, "score", 0.25));
	check_same(o);
	json_decref(o);
}

/* A random string: ASCII, controls, and 2-, 3- and 4-byte UTF-8 characters. */
static json_t *
random_string(void)
{
	static const char *const pieces[] = {
		"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x01", "\x1f",
		"\x7f", "é", "中", "「", "」", "😀", "𝄞", "\xe2\x80\xa8",
	};
	char buf[256];
	size_t len = 0, n = (size_t)(rand() % 24);

	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[rand() % (int)(sizeof(pieces) / sizeof(pieces[0]))];
		size_t l = strlen(p);

		if (len + l >= sizeof(buf))
			break;
		memcpy(buf + len, p, l);
		len += l;
	}
	/* Sometimes a NUL inside. */
	if (len > 0 && rand() % 10 == 0)
		buf[rand() % (int)len] = '\0';
	return json_stringn(buf, len);
}

/* A random finite double: any bit pattern that is not NaN or infinite. */
static double
random_real(void)
{
	uint64_t bits;
	double d;

	do {
		bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		memcpy(&d, &bits, sizeof(d));
	} while (!isfinite(d));
	switch (rand() % 4) {
	case 0: return d;
	case 1: return (double)(rand() % 2000 - 1000) / 8;
	case 2: return (double)rand() / RAND_MAX;
	default: return (double)(rand() % 100000) * pow(10, rand() % 40 - 20);
	}
}

static json_t *
random_value(int depth)
{
	switch (rand() % (depth < 4 ? 8 : 6)) {
	case 0: return random_string();
	case 1: return json_integer(((json_int_t)rand() << 32 | rand()) * (rand() % 2 ? 1 : -1));
	case 2: return json_real(random_real());
	case 3: return rand() % 2 ? json_true() : json_false();
	case 4: return json_null();
	case 5: return json_integer(rand() % 100);
	case 6: {
		json_t *a = json_array();
		int n = rand() % 6;

		for (int i = 0; i < n; i++)
			json_array_append_new(a, random_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		int n = rand() % 6;

		for (int i = 0; i < n; i++) {
			json_t *key = random_string();
			const char *k = json_string_value(key);

			/* Object keys are C strings: the part before any NUL. */
			json_object_set_new(o, k, random_value(depth + 1));
			json_decref(key);
		}
		return o;
	}
	}
}

int
main(void)
{
	chosen_values();
	srand(20261123);
	for (int i = 0; i < 5000; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "v", random_value(0));
		check_same(o);
		json_decref(o);
	}
	return check_report("test-json-text");
}
