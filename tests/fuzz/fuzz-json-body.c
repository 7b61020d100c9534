/*
 * fuzz-json-body.c — JSON request bodies (fcgi/request.c, fcgi/json-body.c):
 * request_json_body then body_check against the real field tables of
 * POST /api/events, /api/questions/{id}/answer and /api/login. A body that
 * passes must have only declared fields, every required one, each of its
 * kind and in range; one refused must have been answered 400 once.
 */
#include "config.h"

#include <string.h>

#include "fcgi/extern.h"
#include "tests/fuzz/fuzz.h"

/* A FastCGI output stream into memory; a reply larger than it is a failure. */
static unsigned char sink[16384];

static void
sink_full(FCGX_Stream *stream, int do_close)
{
	(void)do_close;
	FUZZ_ASSERT(stream->wrNext < stream->stop);
}

/* A refusal is an error object with a code and a message, as the API says. */
static void
check_refusal(const struct request *req, const FCGX_Stream *out)
{
	const unsigned char *body;
	json_t *reply;

	FUZZ_ASSERT(req->responded && req->status == 400);
	body = memmem(sink, (size_t)(out->wrNext - sink), "\r\n\r\n", 4);
	FUZZ_ASSERT(body != NULL);
	body += 4;
	reply = json_loadb((const char *)body, (size_t)(out->wrNext - body), 0, NULL);
	FUZZ_ASSERT(reply != NULL);
	FUZZ_ASSERT(json_is_string(json_object_get(json_object_get(reply, "error"), "code")));
	FUZZ_ASSERT(json_is_string(json_object_get(json_object_get(reply, "error"), "message")));
	json_decref(reply);
}

static const struct body_field *const tables[] = {
	events_body_fields, answer_body_fields, login_body_fields,
};

/* What body_check promises of a body it passed, checked field by field. */
static void
check_passed(json_t *root, const struct body_field *fields)
{
	const char *key;
	json_t *value;

	json_object_foreach(root, key, value) {
		const struct body_field *f = fields;

		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		FUZZ_ASSERT(f->name != NULL);
	}
	for (const struct body_field *f = fields; f->name != NULL; f++) {
		value = json_object_get(root, f->name);
		if (value == NULL || json_is_null(value)) {
			FUZZ_ASSERT(!f->required);
			continue;
		}
		switch (f->kind) {
		case BODY_STRING:
			FUZZ_ASSERT(json_is_string(value));
			FUZZ_ASSERT(strlen(json_string_value(value)) == json_string_length(value));
			FUZZ_ASSERT((int64_t)json_string_length(value) >= f->min &&
			    (int64_t)json_string_length(value) <= f->max);
			FUZZ_ASSERT(utf8_is_clean(json_string_value(value), json_string_length(value),
			    f->multiline));
			break;
		case BODY_INTEGER:
			FUZZ_ASSERT(json_is_integer(value));
			FUZZ_ASSERT(json_integer_value(value) >= f->min &&
			    json_integer_value(value) <= f->max);
			break;
		case BODY_NUMBER:
			FUZZ_ASSERT(json_is_number(value));
			FUZZ_ASSERT(json_number_value(value) >= (double)f->min &&
			    json_number_value(value) <= (double)f->max);
			break;
		case BODY_BOOLEAN:
			FUZZ_ASSERT(json_is_boolean(value));
			break;
		case BODY_ARRAY:
			FUZZ_ASSERT(json_is_array(value));
			FUZZ_ASSERT((int64_t)json_array_size(value) >= f->min &&
			    (int64_t)json_array_size(value) <= f->max);
			break;
		case BODY_OBJECT:
			FUZZ_ASSERT(json_is_object(value));
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		FCGX_Stream out = { .wrNext = sink, .stop = sink + sizeof(sink),
		    .emptyBuffProc = sink_full };
		FCGX_Request fcgx = { .out = &out };
		struct request req = { .fcgx = &fcgx, .content_type = "application/json" };
		json_t *root;

		/* As request_read_body leaves it: NUL-terminated, the length beside. */
		if ((req.body = malloc(size + 1)) == NULL)
			return 0;
		memcpy(req.body, data, size);
		req.body[size] = '\0';
		req.body_len = size;
		if ((root = request_json_body(&req)) == NULL)
			check_refusal(&req, &out);
		else if (body_check(&req, root, tables[t]) == 0) {
			FUZZ_ASSERT(!req.responded);
			check_passed(root, tables[t]);
		} else
			check_refusal(&req, &out);
		json_decref(root);
		request_free(&req);
	}
	return 0;
}
