/*
 * input-text.c — interactions from a text file, one "user item [weight
 * [timestamp]]" line each (MovieLens u.data, u1.base, u1.test). Every line
 * is checked; the first bad one stops the read with "file:line: what".
 * Hostile input (binary, huge lines, absurd numbers) is refused, not
 * trusted.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define LINE_MAX_BYTES 4096
#define FIELDS_MAX 4
/* |weight| above this would make c = 1 + alpha |r| meaningless in float. */
#define WEIGHT_MAX 1e6

void
train_triples_free(struct train_triples *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int
triples_push(struct train_triples *t, const struct model_triple *x)
{
	struct model_triple *v;
	size_t cap;

	if (t->n == t->cap) {
		if (t->n >= MODEL_MAX_NNZ)
			return -1;
		cap = t->cap == 0 ? 4096 : t->cap * 2;
		if (cap > SIZE_MAX / sizeof(*v))
			return -1;
		if ((v = realloc(t->v, cap * sizeof(*v))) == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *x;
	return 0;
}

/* A printable excerpt of 'token' for a message: at most 24 bytes, escaped. */
static void
excerpt(const char *token, char out[static 100])
{
	size_t j, w = 0;

	for (j = 0; token[j] != '\0' && j < 24; j++) {
		unsigned char c = (unsigned char)token[j];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[w++] = (char)c;
		else
			w += (size_t)snprintf(out + w, 5, "\\x%02x", c);
	}
	if (token[j] != '\0') {
		memcpy(out + w, "...", 3);
		w += 3;
	}
	out[w] = '\0';
}

/* A whole decimal integer in 'token', or -1. */
static int
parse_int64(const char *token, int64_t *out)
{
	long long v;
	char *end;

	if (!isdigit((unsigned char)token[0]) &&
	    !(token[0] == '-' && isdigit((unsigned char)token[1])))
		return -1;
	errno = 0;
	v = strtoll(token, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* A finite decimal number of magnitude <= WEIGHT_MAX in 'token', or -1. */
static int
parse_weight(const char *token, float *out)
{
	const char *p = token[0] == '-' || token[0] == '+' ? token + 1 : token;
	double v;
	char *end;

	/* Digits or a point first: no "nan", "inf" or hexadecimal floats. */
	if (!isdigit((unsigned char)p[0]) && p[0] != '.')
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return -1;
	errno = 0;
	v = strtod(token, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || fabs(v) > WEIGHT_MAX)
		return -1;
	*out = (float)v;
	return 0;
}

/* One line without its end; 0, or -1 with 'err' filled. */
static int
parse_line(const char *path, unsigned long line_no, char *line,
    struct train_triples *out, struct qf_error *err)
{
	char *field[FIELDS_MAX + 1], *save = NULL, *tok, shown[100];
	struct model_triple t;
	int n = 0;
	int64_t ts;

	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (n == FIELDS_MAX) {
			qf_error_set(err, "%s:%lu: more than %d fields (expected "
			    "user item [weight [timestamp]])", path, line_no,
			    FIELDS_MAX);
			return -1;
		}
		field[n++] = tok;
	}
	if (n == 0 || field[0][0] == '#')
		return 0;   /* blank or comment */
	if (n < 2) {
		qf_error_set(err, "%s:%lu: one field; expected user item "
		    "[weight [timestamp]]", path, line_no);
		return -1;
	}
	if (parse_int64(field[0], &t.user) < 0) {
		excerpt(field[0], shown);
		qf_error_set(err, "%s:%lu: user id \"%s\" is not a 64-bit "
		    "integer", path, line_no, shown);
		return -1;
	}
	if (parse_int64(field[1], &t.item) < 0) {
		excerpt(field[1], shown);
		qf_error_set(err, "%s:%lu: item id \"%s\" is not a 64-bit "
		    "integer", path, line_no, shown);
		return -1;
	}
	t.weight = 1.0f;
	if (n >= 3 && parse_weight(field[2], &t.weight) < 0) {
		excerpt(field[2], shown);
		qf_error_set(err, "%s:%lu: weight \"%s\" is not a finite number "
		    "of at most %g", path, line_no, shown, WEIGHT_MAX);
		return -1;
	}
	if (n == 4 && parse_int64(field[3], &ts) < 0) {
		excerpt(field[3], shown);
		qf_error_set(err, "%s:%lu: timestamp \"%s\" is not an integer",
		    path, line_no, shown);
		return -1;
	}
	if (triples_push(out, &t) < 0) {
		qf_error_set(err, "%s:%lu: out of memory after %zu lines", path,
		    line_no, out->n);
		return -1;
	}
	return 0;
}

/*
 * Reads one line of at most LINE_MAX_BYTES into 'buf' (without its end).
 * Returns 1 for a line, 0 at the end of the file, -1 for a line too long,
 * -2 for a NUL byte, -3 for a read error. Never holds more than one line,
 * whatever the file.
 */
static int
read_line(FILE *fp, char buf[static LINE_MAX_BYTES + 1])
{
	size_t len = 0;
	int c;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (c == '\0')
			return -2;
		if (len == LINE_MAX_BYTES)
			return -1;
		buf[len++] = (char)c;
	}
	if (c == EOF && ferror(fp))
		return -3;
	if (c == EOF && len == 0)
		return 0;
	while (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 1;
}

int
train_read_text(const char *path, struct train_triples *out,
    struct qf_error *err)
{
	char line[LINE_MAX_BYTES + 1];
	unsigned long line_no = 0;
	FILE *fp;
	int rc = -1, got;

	if ((fp = fopen(path, "r")) == NULL) {
		qf_error_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		line_no++;
		errno = 0;
		got = read_line(fp, line);
		if (got == 0)
			break;
		if (got == -1) {
			qf_error_set(err, "%s:%lu: line longer than %d bytes", path,
			    line_no, LINE_MAX_BYTES);
			goto out;
		}
		if (got == -2) {
			qf_error_set(err, "%s:%lu: NUL byte in the line (a binary "
			    "file?)", path, line_no);
			goto out;
		}
		if (got == -3) {
			qf_error_set(err, "%s:%lu: read error: %s", path, line_no,
			    strerror(errno));
			goto out;
		}
		if (parse_line(path, line_no, line, out, err) < 0)
			goto out;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}
