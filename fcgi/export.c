/*
 * export.c — a table (Chinese column headers, rows of JSON scalars) sent as
 * CSV or XLSX, for the supervisor's exports (?format=csv|xlsx).
 *
 * CSV: UTF-8 with a byte-order mark (without it Excel reads Chinese as the
 * local code page), CRLF line ends, RFC 4180 quoting, numbers in the
 * shortest form that reads back to the same double, null as an empty field.
 * XLSX: libxlsxwriter 1.1.4 writes only to a named file (writing to memory
 * came with 1.1.5), so the workbook goes to a private temporary file
 * (mkstemp, mode 0600) that is read back and removed at once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "extern.h"

/* ----------------------------------------------------------------- format */

int
export_format_of(struct request *req, enum export_format *out)
{
	const struct param_spec *spec = req->route->params;

	*out = EXPORT_JSON;
	for (int i = 0; spec != NULL && spec[i].name != NULL; i++) {
		const char *v = req->params[i].text;

		if (strcmp(spec[i].name, "format") != 0 || !req->params[i].present)
			continue;
		if (strcmp(v, "json") == 0)
			*out = EXPORT_JSON;
		else if (strcmp(v, "csv") == 0)
			*out = EXPORT_CSV;
		else if (strcmp(v, "xlsx") == 0)
			*out = EXPORT_XLSX;
		else {
			response_error(req, 400, "bad_format", "format 只能是 json、csv 或 xlsx");
			return -1;
		}
	}
	return 0;
}

/* -------------------------------------------------------------------- CSV */

struct buf {
	char *data;
	size_t len, cap;
	int failed;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *grown;

		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((grown = realloc(b->data, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* The shortest decimal form of 'x' that reads back as 'x'. */
static void
format_double(double x, char out[static 32])
{
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(out, 32, "%.*g", precision, x);
		if (strtod(out, NULL) == x)
			return;
	}
}

static void
csv_field(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_add(b, s, strlen(s));
		return;
	}
	buf_add(b, "\"", 1);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_add(b, "\"", 1);    /* a quote doubles */
		buf_add(b, p, 1);
	}
	buf_add(b, "\"", 1);
}

static void
csv_value(struct buf *b, json_t *v)
{
	char number[32];

	if (json_is_string(v))
		csv_field(b, json_string_value(v));
	else if (json_is_integer(v)) {
		snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(v));
		buf_add(b, number, strlen(number));
	} else if (json_is_real(v)) {
		format_double(json_real_value(v), number);
		buf_add(b, number, strlen(number));
	} else if (json_is_boolean(v))
		buf_add(b, json_is_true(v) ? "1" : "0", 1);
}

char *
export_csv(const struct export_column *columns, json_t *rows, size_t *len)
{
	struct buf b = { 0 };
	size_t i;
	json_t *row;

	buf_add(&b, "\xEF\xBB\xBF", 3);
	for (int c = 0; columns[c].key != NULL; c++) {
		if (c > 0)
			buf_add(&b, ",", 1);
		csv_field(&b, columns[c].header);
	}
	buf_add(&b, "\r\n", 2);
	json_array_foreach(rows, i, row) {
		for (int c = 0; columns[c].key != NULL; c++) {
			if (c > 0)
				buf_add(&b, ",", 1);
			csv_value(&b, json_object_get(row, columns[c].key));
		}
		buf_add(&b, "\r\n", 2);
	}
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

/* ------------------------------------------------------------------- XLSX */

static char *
read_whole(int fd, size_t *len)
{
	struct stat st;
	char *data;
	size_t done = 0;

	if (fstat(fd, &st) < 0 || (data = malloc((size_t)st.st_size + 1)) == NULL)
		return NULL;
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, data + done, (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			return NULL;
		}
		done += (size_t)n;
	}
	*len = done;
	return data;
}

char *
export_xlsx(const struct export_column *columns, json_t *rows, const char *sheet, size_t *len)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	lxw_workbook *workbook;
	lxw_worksheet *worksheet;
	lxw_format *bold;
	char *data = NULL;
	size_t i;
	json_t *row;
	int fd;

	snprintf(path, sizeof(path), "%s/qingfeng-export-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		log_error("export: mkstemp %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((workbook = workbook_new(path)) == NULL)
		goto out;
	worksheet = workbook_add_worksheet(workbook, sheet);
	bold = workbook_add_format(workbook);
	format_set_bold(bold);
	for (int c = 0; columns[c].key != NULL; c++) {
		worksheet_write_string(worksheet, 0, (lxw_col_t)c, columns[c].header, bold);
		worksheet_set_column(worksheet, (lxw_col_t)c, (lxw_col_t)c, c == 0 ? 24 : 12, NULL);
	}
	json_array_foreach(rows, i, row) {
		lxw_row_t r = (lxw_row_t)(i + 1);

		for (int c = 0; columns[c].key != NULL; c++) {
			json_t *v = json_object_get(row, columns[c].key);

			if (json_is_string(v))
				worksheet_write_string(worksheet, r, (lxw_col_t)c, json_string_value(v), NULL);
			else if (json_is_number(v))
				worksheet_write_number(worksheet, r, (lxw_col_t)c, json_number_value(v), NULL);
			else if (json_is_boolean(v))
				worksheet_write_boolean(worksheet, r, (lxw_col_t)c, json_is_true(v), NULL);
		}
	}
	if (workbook_close(workbook) != LXW_NO_ERROR) {
		log_error("export: the workbook could not be written to %s", path);
		goto out;
	}
	/* libxlsxwriter wrote through its own handle; ours still names the same file. */
	data = read_whole(fd, len);
out:
	unlink(path);
	close(fd);
	return data;
}

/* ------------------------------------------------------------------- send */

/* filename*=UTF-8''… : every byte outside the unreserved set percent-encoded (RFC 5987). */
static void
disposition(struct request *req, const char *filename, const char *ext)
{
	static const char hex[] = "0123456789ABCDEF";
	char value[1024];
	size_t n;

	n = (size_t)snprintf(value, sizeof(value), "attachment; filename=\"export.%s\"; filename*=UTF-8''",
	    ext);
	for (const unsigned char *p = (const unsigned char *)filename; *p && n + 16 < sizeof(value); p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.')
			value[n++] = (char)*p;
		else {
			value[n++] = '%';
			value[n++] = hex[*p >> 4];
			value[n++] = hex[*p & 15];
		}
	}
	snprintf(value + n, sizeof(value) - n, ".%s", ext);
	response_header(req, "Content-Disposition", value);
}

void
export_send(struct request *req, enum export_format format, const char *filename,
    const struct export_column *columns, json_t *rows)
{
	size_t len = 0;
	char *data;

	if (format == EXPORT_CSV)
		data = export_csv(columns, rows, &len);
	else
		data = export_xlsx(columns, rows, "数据", &len);
	if (data == NULL) {
		response_error(req, 503, "export_failed", "导出失败，请稍后重试");
		return;
	}
	audit_record(req, "supervisor.export", NULL, 0, json_pack("{s:s,s:s,s:I}",
	    "path", req->path, "format", format == EXPORT_CSV ? "csv" : "xlsx",
	    "rows", (json_int_t)json_array_size(rows)));
	disposition(req, filename, format == EXPORT_CSV ? "csv" : "xlsx");
	response_text(req, 200, format == EXPORT_CSV ? "text/csv; charset=utf-8" :
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data, len);
	free(data);
}
