/*
 * fuzz-query.c — the query string (fcgi/query.c): query_parse on any bytes,
 * then query_bind against the search page's declared parameters and a table
 * with each kind of parameter. What passes must be what the parser promises:
 * at most QUERY_MAX_PARAMS pairs of clean UTF-8 without NUL, and bound
 * values within their declared range.
 */
#include "config.h"

#include <string.h>

#include "fcgi/extern.h"
#include "tests/fuzz/fuzz.h"

static const struct param_spec every_kind[] = {
	{ "n", PARAM_INT, -5, 1000, 0 },
	{ "s", PARAM_STRING, 1, 8, 0 },
	{ "from", PARAM_DATE, 0, 0, 0 },
	{ "must", PARAM_INT, 0, 1, 1 },
	{ NULL, 0, 0, 0, 0 },
};

static void
check_bound(struct request *req, const struct param_spec *specs)
{
	for (size_t i = 0; specs[i].name != NULL; i++) {
		const struct param_value *v = &req->params[i];

		if (!v->present) {
			FUZZ_ASSERT(!specs[i].required);
			continue;
		}
		switch (specs[i].kind) {
		case PARAM_INT:
			FUZZ_ASSERT(v->integer >= specs[i].min && v->integer <= specs[i].max);
			break;
		case PARAM_STRING:
			FUZZ_ASSERT((int64_t)strlen(v->text) >= specs[i].min &&
			    (int64_t)strlen(v->text) <= specs[i].max);
			break;
		case PARAM_DATE:
			FUZZ_ASSERT(strlen(v->text) == 10 && date_is_valid(v->text));
			break;
		}
	}
}

static void
bind_against(struct request *req, const struct param_spec *specs)
{
	struct qf_error err;

	memset(req->params, 0, sizeof(req->params));
	qf_error_init(&err);
	if (query_bind(req, specs, &err) == 0)
		check_bound(req, specs);
	else
		FUZZ_ASSERT(err.set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The FastCGI parameter is a C string: it ends at the first NUL. */
	char *raw = malloc(size + 1);
	struct request req;
	struct qf_error err;

	if (raw == NULL)
		return 0;
	memcpy(raw, data, size);
	raw[size] = '\0';
	memset(&req, 0, sizeof(req));
	qf_error_init(&err);
	if (query_parse(raw, &req, &err) == 0) {
		FUZZ_ASSERT(req.query_count <= QUERY_MAX_PARAMS);
		for (size_t i = 0; i < req.query_count; i++) {
			FUZZ_ASSERT(req.query[i].key[0] != '\0');
			FUZZ_ASSERT(utf8_is_clean(req.query[i].key, strlen(req.query[i].key), 0));
			FUZZ_ASSERT(utf8_is_clean(req.query[i].value, strlen(req.query[i].value), 0));
		}
		bind_against(&req, search_params);
		bind_against(&req, every_kind);
	} else
		FUZZ_ASSERT(err.set);
	request_free(&req);
	free(raw);
	return 0;
}
