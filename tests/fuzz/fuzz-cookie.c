/*
 * fuzz-cookie.c — the Cookie header (fcgi/session.c): session_cookie_parse
 * on any bytes. A token it returns must be 43 base64url characters that
 * appear in the header right after "qf_session=" or "__Host-qf_session=".
 */
#include "config.h"

#include <string.h>

#include "fcgi/extern.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "qf_session=";
	char *header = malloc(size + 1), token[SESSION_TOKEN_CHARS + 1], *at;
	int found;

	if (header == NULL)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	if (session_cookie_parse(header, token) == 0) {
		FUZZ_ASSERT(strlen(token) == SESSION_TOKEN_CHARS);
		FUZZ_ASSERT(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_") == SESSION_TOKEN_CHARS);
		found = 0;
		for (at = strstr(header, token); at != NULL && !found; at = strstr(at + 1, token))
			found = at - header >= (ptrdiff_t)strlen(name) &&
			    memcmp(at - strlen(name), name, strlen(name)) == 0;
		FUZZ_ASSERT(found);
	}
	session_cookie_parse(NULL, token);
	free(header);
	return 0;
}
