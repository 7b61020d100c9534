/* log.c — one-line log records on stderr, with time, program and pid. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

static const char *log_program = "qingfeng";
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_ERROR] = "error",
};

/* 'program_name' must outlive every later log call (a string literal or argv[0]). */
void
log_set_name(const char *program_name)
{
	log_program = program_name;
}

void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

/*
 * Copies 'text' into 'out' (room for 'size' bytes, no NUL added) with every
 * control character as \xHH: whatever a message quotes (a path, a login),
 * a record stays one line that cannot forge another. Returns the length.
 */
static size_t
log_escape(const char *text, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			if (n + 1 > size)
				break;
			out[n++] = (char)*p;
		} else {
			if (n + 4 > size)
				break;
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	return n;
}

/*
 * Formats the whole record into one buffer and writes it with one write(2),
 * so that lines from several worker processes never interleave.
 */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048], message[1536], stamp[21];
	va_list ap;
	int n;

	if (level < log_threshold)
		return;
	clock_format_iso8601(clock_unix_s(), stamp);
	n = snprintf(line, sizeof(line), "%s %s[%ld] %s: ", stamp, log_program,
	    (long)getpid(), log_level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	if (vsnprintf(message, sizeof(message), fmt, ap) < 0)
		message[0] = '\0';
	va_end(ap);
	n += (int)log_escape(message, line + n, sizeof(line) - (size_t)n - 1);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
