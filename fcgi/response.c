/* response.c — status line, headers and JSON bodies written to the FastCGI stream. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
response_header(struct request *req, const char *name, const char *value)
{
	size_t add = strlen(name) + strlen(value) + 4;
	char *grown;

	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return;     /* never let a value split the header block */
	grown = realloc(req->extra_headers, req->extra_headers_len + add + 1);
	if (grown == NULL)
		return;
	req->extra_headers = grown;
	snprintf(req->extra_headers + req->extra_headers_len, add + 1, "%s: %s\r\n", name, value);
	req->extra_headers_len += add;
}

void
response_json(struct request *req, int status, json_t *body)
{
	FCGX_Stream *out = req->fcgx->out;
	char *text = NULL, head[256];
	int head_len;

	if (req->responded) {       /* a handler bug: answer once only */
		json_decref(body);
		return;
	}
	req->responded = 1;
	if (body != NULL) {
		text = json_text(body, NULL);
		json_decref(body);
		if (text == NULL) {
			status = 503;
			text = strdup("{\"error\":{\"code\":\"out_of_memory\",\"message\":\"服务器内存不足\"}}");
		}
	}
	req->status = status;
	/* libfcgi's own printf lacks %zu and friends: format with the C library. */
	head_len = snprintf(head, sizeof(head), "Status: %d %s\r\nCache-Control: no-store\r\n",
	    status, status_text(status));
	FCGX_PutStr(head, head_len, out);
	if (req->extra_headers != NULL)
		FCGX_PutStr(req->extra_headers, (int)req->extra_headers_len, out);
	if (text != NULL) {
		size_t text_len = strlen(text);

		head_len = snprintf(head, sizeof(head), "Content-Type: application/json; charset=utf-8\r\n"
		    "Content-Length: %zu\r\n\r\n", text_len);
		FCGX_PutStr(head, head_len, out);
		FCGX_PutStr(text, (int)text_len, out);
	} else
		FCGX_PutStr("\r\n", 2, out);
	free(text);
}

/*
 * Sends 'len' bytes of 'body' (not owned, copied out) as 'content_type':
 * for the few replies that are not JSON, such as a JSON Lines export.
 */
void
response_text(struct request *req, int status, const char *content_type, const char *body,
    size_t len)
{
	FCGX_Stream *out = req->fcgx->out;
	char head[256];
	int head_len;

	if (req->responded || strpbrk(content_type, "\r\n") != NULL)
		return;
	req->responded = 1;
	req->status = status;
	head_len = snprintf(head, sizeof(head), "Status: %d %s\r\nCache-Control: no-store\r\n",
	    status, status_text(status));
	FCGX_PutStr(head, head_len, out);
	if (req->extra_headers != NULL)
		FCGX_PutStr(req->extra_headers, (int)req->extra_headers_len, out);
	head_len = snprintf(head, sizeof(head), "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
	    content_type, len);
	FCGX_PutStr(head, head_len, out);
	/* FCGX_PutStr takes an int: hand a large body over in slices. */
	for (size_t done = 0; done < len; ) {
		size_t slice = len - done > (1u << 20) ? (1u << 20) : len - done;

		FCGX_PutStr(body + done, (int)slice, out);
		done += slice;
	}
}

void
response_error(struct request *req, int status, const char *code, const char *message)
{
	json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);

	response_json(req, status, body);
}

void
response_errorf(struct request *req, int status, const char *code, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/*
	 * A quoted argument (a parser's error text, a field name cut by %.64s)
	 * may end mid-character or not be UTF-8: Jansson would refuse the whole
	 * message and the reply would go out without its JSON body.
	 */
	message[utf8_clean_prefix(message, strlen(message), 1)] = '\0';
	response_error(req, status, code, message);
}
