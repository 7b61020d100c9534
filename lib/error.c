/* error.c — first-error reporting shared by every library function. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core.h"

void
qf_error_init(struct qf_error *err)
{
	if (err == NULL)
		return;
	err->set = 0;
	err->text[0] = '\0';
}

/* Keeps the first error only: the innermost failure says the most. */
void
qf_error_set(struct qf_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->set)
		return;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	err->set = 1;
}
