/*
 * table-export.c — any table a page shows, as a CSV or XLSX download.
 *
 * Generic on purpose: the caller passes headers and rows (JSON arrays of
 * strings, numbers or nulls) and a format; coverage boards, dashboards and
 * warning lists all export through here. CSV is RFC 4180 in UTF-8 with a
 * byte-order mark (Excel reads Chinese then); XLSX is written by
 * libxlsxwriter into a private temporary file, read back and unlinked.
 * A cell starting with = + - @ is prefixed with an apostrophe in CSV and
 * written as a string in XLSX, so a name cannot become a formula.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "extern.h"

/* A growable byte buffer. */
struct buffer {
	char *data;
	size_t len, cap;
	int failed;
};

static void
buffer_add(struct buffer *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t next = b->cap ? b->cap * 2 : 4096;
		char *grown;

		while (next < b->len + n + 1)
			next *= 2;
		if ((grown = realloc(b->data, next)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = grown;
		b->cap = next;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* The text of a cell: a string as is, a number printed, null empty. 'out' for numbers. */
static const char *
cell_text(json_t *cell, char *out, size_t size)
{
	if (json_is_string(cell))
		return json_string_value(cell);
	if (json_is_integer(cell)) {
		snprintf(out, size, "%lld", (long long)json_integer_value(cell));
		return out;
	}
	if (json_is_real(cell)) {
		snprintf(out, size, "%.4g", json_real_value(cell));
		return out;
	}
	if (json_is_true(cell))
		return "是";
	if (json_is_false(cell))
		return "否";
	return "";
}

static int
looks_like_formula(const char *s)
{
	return *s == '=' || *s == '+' || *s == '-' || *s == '@';
}

static void
csv_cell(struct buffer *b, json_t *cell)
{
	char number[64];
	const char *s = cell_text(cell, number, sizeof(number));

	if (json_is_string(cell) && looks_like_formula(s))
		buffer_add(b, "'", 1);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buffer_add(b, s, strlen(s));
		return;
	}
	buffer_add(b, "\"", 1);
	for (; *s; s++) {
		buffer_add(b, s, 1);
		if (*s == '"')
			buffer_add(b, "\"", 1);
	}
	buffer_add(b, "\"", 1);
}

static int
export_csv(struct buffer *b, const char *const *headers, size_t columns, json_t *rows)
{
	size_t i;
	json_t *row;

	buffer_add(b, "\xEF\xBB\xBF", 3);
	for (size_t c = 0; c < columns; c++) {
		json_t *h = json_string(headers[c]);

		if (c)
			buffer_add(b, ",", 1);
		csv_cell(b, h);
		json_decref(h);
	}
	buffer_add(b, "\r\n", 2);
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < columns; c++) {
			if (c)
				buffer_add(b, ",", 1);
			csv_cell(b, json_array_get(row, c));
		}
		buffer_add(b, "\r\n", 2);
	}
	return b->failed ? -1 : 0;
}

static int
export_xlsx(struct buffer *b, const char *sheet_name, const char *const *headers, size_t columns, json_t *rows)
{
	char path[] = "/tmp/qingfeng-export-XXXXXX";
	lxw_workbook_options options = { .constant_memory = LXW_FALSE, .tmpdir = NULL };
	lxw_workbook *book;
	lxw_worksheet *sheet;
	lxw_format *bold;
	json_t *row;
	size_t i;
	int fd, rc = -1;
	FILE *f;
	char chunk[8192], number[64];
	size_t n;

	if ((fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	if ((book = workbook_new_opt(path, &options)) == NULL)
		goto out;
	sheet = workbook_add_worksheet(book, sheet_name);
	bold = workbook_add_format(book);
	format_set_bold(bold);
	for (size_t c = 0; c < columns; c++) {
		worksheet_write_string(sheet, 0, (lxw_col_t)c, headers[c], bold);
		worksheet_set_column(sheet, (lxw_col_t)c, (lxw_col_t)c, 16, NULL);
	}
	json_array_foreach(rows, i, row) {
		if (i + 1 >= LXW_ROW_MAX)
			break;
		for (size_t c = 0; c < columns; c++) {
			json_t *cell = json_array_get(row, c);

			if (json_is_number(cell))
				worksheet_write_number(sheet, (lxw_row_t)(i + 1), (lxw_col_t)c, json_number_value(cell), NULL);
			else if (cell != NULL && !json_is_null(cell))
				worksheet_write_string(sheet, (lxw_row_t)(i + 1), (lxw_col_t)c,
				    cell_text(cell, number, sizeof(number)), NULL);
		}
	}
	if (workbook_close(book) != LXW_NO_ERROR)
		goto out;
	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buffer_add(b, chunk, n);
	rc = ferror(f) || b->failed ? -1 : 0;
	fclose(f);
out:
	unlink(path);
	return rc;
}

void
table_export(struct request *req, const char *format, const char *filename, const char *sheet,
    const char *const *headers, size_t columns, json_t *rows)
{
	struct buffer b = { 0 };
	char disposition[160];
	int xlsx = strcmp(format, "xlsx") == 0, rc;

	rc = xlsx ? export_xlsx(&b, sheet, headers, columns, rows) : export_csv(&b, headers, columns, rows);
	if (rc < 0) {
		free(b.data);
		log_error("export %s: failed", format);
		response_error(req, 503, "export_failed", "导出失败，请稍后重试");
		return;
	}
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s.%s\"", filename, xlsx ? "xlsx" : "csv");
	response_header(req, "Content-Disposition", disposition);
	response_text(req, 200, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" :
	    "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
	free(b.data);
}
