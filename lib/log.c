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
 * Formats the whole record into one buffer and writes it with one write(2),
 * so that lines from several worker processes never interleave.
 */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048], stamp[21];
	va_list ap;
	int n, m;

	if (level < log_threshold)
		return;
	clock_format_iso8601(clock_unix_s(), stamp);
	n = snprintf(line, sizeof(line), "%s %s[%ld] %s: ", stamp, log_program,
	    (long)getpid(), log_level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2; /* truncated: still end the line */
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
