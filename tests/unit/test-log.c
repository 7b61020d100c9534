/*
 * test-log.c — a log record is one line whatever its message quotes:
 * newlines, carriage returns, escape sequences and DEL come out as \xHH;
 * UTF-8 text stays as it is; a message too long for a record is cut but
 * still ends the line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core.h"
#include "tests/unit/check.h"

/* Runs one log call with stderr sent to a file and returns what it wrote. */
static char *
logged(const char *message)
{
	static char text[8192];
	FILE *capture = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	if (capture == NULL || saved < 0)
		exit(99);
	dup2(fileno(capture), STDERR_FILENO);
	log_info("path %s", message);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(capture);
	n = fread(text, 1, sizeof(text) - 1, capture);
	text[n] = '\0';
	fclose(capture);
	return text;
}

static int
lines_in(const char *text)
{
	int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

int
main(void)
{
	char *out, long_message[5000];

	log_set_name("test-log");
	out = logged("/api/feed\n2026-01-01T00:00:00Z qingfeng-fcgi[1] info: forged");
	CHECK_INT(lines_in(out), 1);
	CHECK_CONTAINS(out, "path /api/feed\\x0a2026-01-01T00:00:00Z qingfeng-fcgi[1] info: forged\n");

	out = logged("a\rb\x1b[31mc\x7f\td");
	CHECK_CONTAINS(out, "a\\x0db\\x1b[31mc\\x7f\\x09d\n");

	out = logged("招投标 清风");
	CHECK_CONTAINS(out, "path 招投标 清风\n");

	memset(long_message, '\n', sizeof(long_message) - 1);
	long_message[sizeof(long_message) - 1] = '\0';
	out = logged(long_message);
	CHECK_INT(lines_in(out), 1);
	CHECK(out[strlen(out) - 1] == '\n');
	CHECK(strlen(out) <= 2048);
	return check_report("test-log");
}
