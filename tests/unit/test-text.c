/* test-text.c — UTF-8, date and login validation refuse what they must. */
#include "config.h"

#include "lib/core.h"
#include "tests/unit/check.h"

static int
clean(const char *s)
{
	return utf8_is_clean(s, strlen(s), 0);
}

int
main(void)
{
	CHECK(clean("hello"));
	CHECK(clean("廉洁纪律"));
	CHECK(clean("emoji 😀"));
	CHECK(clean(""));
	CHECK(!clean("tab\there"));
	CHECK(utf8_is_clean("line\nbreak\ttab", 14, 1));
	CHECK(!clean("\x7f"));
	CHECK(!clean("\xc0\xaf"));              /* overlong '/' */
	CHECK(!clean("\xe0\x80\xaf"));          /* overlong, 3 bytes */
	CHECK(!clean("\xed\xa0\x80"));          /* UTF-16 surrogate */
	CHECK(!clean("\xf4\x90\x80\x80"));      /* past U+10FFFF */
	CHECK(!clean("\xe5\xbb"));              /* truncated sequence */
	CHECK(!clean("\xc2\x85"));              /* C1 control NEL */
	CHECK(!clean("\xff"));
	CHECK(!utf8_is_clean("a\0b", 3, 1));    /* embedded NUL */
	/* The clean prefix: whole characters up to the first fault. */
	CHECK_INT(utf8_clean_prefix("\xe7\xba\xaa\xe5\xbe", 5, 0), 3);   /* 纪 + a cut 律 */
	CHECK_INT(utf8_clean_prefix("ab\\\xe7", 4, 0), 3);
	CHECK_INT(utf8_clean_prefix("a\x01b", 3, 0), 1);
	CHECK_INT(utf8_clean_prefix("a\tb", 3, 1), 3);
	CHECK_INT(utf8_clean_prefix("\xff", 1, 1), 0);

	CHECK(date_is_valid("2026-11-23"));
	CHECK(date_is_valid("2024-02-29"));
	CHECK(!date_is_valid("2023-02-29"));
	CHECK(!date_is_valid("1900-02-29"));
	CHECK(date_is_valid("2000-02-29"));
	CHECK(!date_is_valid("2026-13-01"));
	CHECK(!date_is_valid("2026-04-31"));
	CHECK(!date_is_valid("2026-4-1"));
	CHECK(!date_is_valid("2026-04-01x"));
	CHECK(!date_is_valid("20260401"));
	CHECK(!date_is_valid("2026-00-10"));

	CHECK(login_is_valid("demo-cadre"));
	CHECK(login_is_valid("zhang.san_01"));
	CHECK(!login_is_valid(""));
	CHECK(!login_is_valid("张三"));
	CHECK(!login_is_valid("a b"));
	CHECK(!login_is_valid("a'--"));
	CHECK(!login_is_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	return check_report("test-text");
}
