/* test-query.c — query strings are decoded strictly and bound to declared parameters. */
#include "config.h"

#include <stdlib.h>

#include "fcgi/extern.h"
#include "tests/unit/check.h"

/* Parses 'raw' into a fresh request; returns 0 or -1 and leaves the error text in 'err'. */
static int
parse(struct request *req, const char *raw, struct qf_error *err)
{
	memset(req, 0, sizeof(*req));
	qf_error_init(err);
	return query_parse(raw, req, err);
}

static void
test_decoding(void)
{
	struct request req;
	struct qf_error err;

	CHECK_INT(parse(&req, "q=%E5%BB%89%E6%B4%81&tag=risk.tendering&x=a+b", &err), 0);
	CHECK_INT(req.query_count, 3);
	CHECK_STR(req.query[0].key, "q");
	CHECK_STR(req.query[0].value, "廉洁");
	CHECK_STR(req.query[1].value, "risk.tendering");
	CHECK_STR(req.query[2].value, "a b");
	request_free(&req);

	CHECK_INT(parse(&req, "flag&&empty=", &err), 0);
	CHECK_INT(req.query_count, 2);
	CHECK_STR(req.query[0].value, "");
	CHECK_STR(req.query[1].key, "empty");
	request_free(&req);

	CHECK_INT(parse(&req, "", &err), 0);
	CHECK_INT(req.query_count, 0);
	request_free(&req);
}

static void
test_garbage_refused(void)
{
	static const char *const bad[] = {
		"a=%", "a=%4", "a=%zz", "a=%00", "%=1", "=1", "a=%C0%AF", "a=%FF",
		"a=%0A", "a=%E5%BB", "a=%7F",
	};
	struct request req;
	struct qf_error err;
	char *huge;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&req, bad[i], &err);

		if (rc != -1)
			fprintf(stderr, "accepted garbage: %s\n", bad[i]);
		CHECK_INT(rc, -1);
		CHECK(err.set);
		request_free(&req);
	}
	huge = malloc(QUERY_MAX_BYTES + 2);
	memset(huge, 'a', QUERY_MAX_BYTES + 1);
	huge[QUERY_MAX_BYTES + 1] = '\0';
	CHECK_INT(parse(&req, huge, &err), -1);
	CHECK_CONTAINS(err.text, "过长");
	request_free(&req);

	/* Too many parameters. */
	huge[0] = '\0';
	for (int i = 0; i <= QUERY_MAX_PARAMS; i++)
		strcat(huge, "a=1&");
	CHECK_INT(parse(&req, huge, &err), -1);
	CHECK_CONTAINS(err.text, "过多");
	request_free(&req);
	free(huge);
}

static void
test_binding(void)
{
	static const struct param_spec specs[] = {
		{ "limit", PARAM_INT, 1, 50, 0 },
		{ "q", PARAM_STRING, 1, 12, 0 },
		{ "from", PARAM_DATE, 0, 0, 0 },
		{ "unit", PARAM_INT, 1, INT64_MAX, 1 },
		{ NULL, 0, 0, 0, 0 },
	};
	struct request req;
	struct qf_error err;

	CHECK_INT(parse(&req, "limit=20&q=%E5%BB%89&from=2026-01-31&unit=3&ignored=x", &err), 0);
	CHECK_INT(query_bind(&req, specs, &err), 0);
	CHECK(req.params[0].present);
	CHECK_INT(req.params[0].integer, 20);
	CHECK_STR(req.params[1].text, "廉");
	CHECK_STR(req.params[2].text, "2026-01-31");
	CHECK_INT(req.params[3].integer, 3);
	request_free(&req);

	static const char *const bad[] = {
		"unit=3&limit=0", "unit=3&limit=51", "unit=3&limit=1x", "unit=3&limit=",
		"unit=3&limit=99999999999999999999", "unit=3&q=", "unit=3&q=0123456789abc",
		"unit=3&from=2026-02-30", "limit=5", "unit=3&unit=4", "unit=-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		CHECK_INT(parse(&req, bad[i], &err), 0);
		rc = query_bind(&req, specs, &err);
		if (rc != -1)
			fprintf(stderr, "bound bad query: %s\n", bad[i]);
		CHECK_INT(rc, -1);
		CHECK(err.set);
		request_free(&req);
	}
}

int
main(void)
{
	test_decoding();
	test_garbage_refused();
	test_binding();
	return check_report("test-query");
}
