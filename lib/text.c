/* text.c — validation of untrusted text: UTF-8, dates, identifiers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

size_t
utf8_clean_prefix(const char *s, size_t len, int multiline)
{
	const unsigned char *start = (const unsigned char *)s, *p = start, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))))
				return (size_t)(p - start);
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return (size_t)(p - start);
		if ((size_t)(end - p) <= n)
			return (size_t)(p - start);
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (size_t)(p - start);
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and code points past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return (size_t)(p - start);
		/* C1 controls. */
		if (cp >= 0x80 && cp <= 0x9f)
			return (size_t)(p - start);
		p += n + 1;
	}
	return len;
}

int
utf8_is_clean(const char *s, size_t len, int multiline)
{
	return utf8_clean_prefix(s, len, multiline) == len;
}

int
date_is_valid(const char *s)
{
	static const int days_in_month[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, month, day, leap;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	year = atoi(s);
	month = atoi(s + 5);
	day = atoi(s + 8);
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1)
		return 0;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return day <= days_in_month[month - 1] + (month == 2 && leap);
}

int
login_is_valid(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}
