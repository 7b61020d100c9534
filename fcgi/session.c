/*
 * session.c — sessions: a 256-bit random token in an HttpOnly, SameSite=Strict
 * cookie, stored server-side only as its BLAKE2b hash; a CSRF token per
 * session; idle and absolute timeouts; disabled accounts lose their sessions.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "extern.h"

#define SESSION_TOKEN_BYTES 32
#define SESSION_TOUCH_EVERY_S 60

static const char cookie_plain[] = "qf_session";
/* Behind TLS the __Host- prefix pins the cookie to this host, path / and Secure. */
static const char cookie_host[] = "__Host-qf_session";

static int
request_is_https(const struct request *req)
{
	const char *https = FCGX_GetParam("HTTPS", req->fcgx->envp);

	return https != NULL && strcmp(https, "on") == 0;
}

int
session_cookie_parse(const char *cookies, char out[static SESSION_TOKEN_CHARS + 1])
{
	const char *p = cookies;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ';'), *eq;
		size_t len;

		while (*p == ' ')
			p++;
		len = end ? (size_t)(end - p) : strlen(p);
		eq = memchr(p, '=', len);
		if (eq != NULL) {
			size_t name_len = (size_t)(eq - p), value_len = len - name_len - 1;

			if (((name_len == strlen(cookie_plain) && memcmp(p, cookie_plain, name_len) == 0) ||
			    (name_len == strlen(cookie_host) && memcmp(p, cookie_host, name_len) == 0)) &&
			    value_len == SESSION_TOKEN_CHARS) {
				memcpy(out, eq + 1, value_len);
				out[value_len] = '\0';
				if (strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789-_") == SESSION_TOKEN_CHARS)
					return 0;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}

/* Finds the session token among the request's cookies; copies it into 'out'. */
static int
session_cookie_token(const struct request *req, char out[static SESSION_TOKEN_CHARS + 1])
{
	return session_cookie_parse(FCGX_GetParam("HTTP_COOKIE", req->fcgx->envp), out);
}

static void
session_token_hash(const char *token, unsigned char hash[crypto_generichash_BYTES])
{
	crypto_generichash(hash, crypto_generichash_BYTES, (const unsigned char *)token,
	    strlen(token), NULL, 0);
}

/* Sets the cookie; 'token' NULL clears it. */
static void
session_set_cookie(struct request *req, const char *token)
{
	char value[256];
	int https = request_is_https(req);

	snprintf(value, sizeof(value), "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
	    https ? cookie_host : cookie_plain, token ? token : "",
	    token ? SESSION_ABSOLUTE_S : 0, https ? "; Secure" : "");
	response_header(req, "Set-Cookie", value);
}

static void
session_delete(sqlite3 *db, const unsigned char hash[crypto_generichash_BYTES])
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db, "DELETE FROM sessions WHERE token_hash = ?1", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(stmt, 1, hash, crypto_generichash_BYTES, SQLITE_STATIC);
		sqlite3_step(stmt);
	}
	sqlite3_finalize(stmt);
}

unsigned
role_bit(const char *name)
{
	if (strcmp(name, "cadre") == 0)
		return ROLE_CADRE;
	if (strcmp(name, "editor") == 0)
		return ROLE_EDITOR;
	if (strcmp(name, "supervisor") == 0)
		return ROLE_SUPERVISOR;
	if (strcmp(name, "admin") == 0)
		return ROLE_ADMIN;
	return 0;
}

int
session_load(struct request *req)
{
	unsigned char hash[crypto_generichash_BYTES];
	char token[SESSION_TOKEN_CHARS + 1];
	sqlite3 *db = req->app->db;
	sqlite3_stmt *stmt = NULL;
	int64_t now = clock_unix_s(), last_seen, expires;
	struct session_user *user;
	int rc;

	if (session_cookie_token(req, token) < 0)
		return 0;
	session_token_hash(token, hash);
	/* Every request asks: the statement is kept prepared. */
	if ((stmt = stmt_get(db, "SELECT s.user_id, s.csrf_token, s.last_seen_at, s.expires_at,"
	    " u.role, u.unit_id, u.login, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = ?1")) == NULL)
		goto db_error;
	sqlite3_bind_blob(stmt, 1, hash, sizeof(hash), SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		/* An unknown or ended session: tell the browser to forget it. */
		stmt_release(stmt);
		session_set_cookie(req, NULL);
		return 0;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	last_seen = sqlite3_column_int64(stmt, 2);
	expires = sqlite3_column_int64(stmt, 3);
	if (sqlite3_column_int(stmt, 7) != 0 || now - last_seen > SESSION_IDLE_S || now >= expires) {
		stmt_release(stmt);
		session_delete(db, hash);
		session_set_cookie(req, NULL);
		return 0;
	}
	if ((user = calloc(1, sizeof(*user))) == NULL)
		goto db_error;
	user->id = sqlite3_column_int64(stmt, 0);
	snprintf(user->csrf_token, sizeof(user->csrf_token), "%s", sqlite3_column_text(stmt, 1));
	snprintf(user->role_name, sizeof(user->role_name), "%s", sqlite3_column_text(stmt, 4));
	user->role = role_bit(user->role_name);
	user->unit_id = sqlite3_column_int64(stmt, 5);
	snprintf(user->login, sizeof(user->login), "%s", sqlite3_column_text(stmt, 6));
	memcpy(user->token_hash, hash, sizeof(hash));
	stmt_release(stmt);
	req->user = user;

	/* Idle time is measured to the minute: no write on every request. */
	if (now - last_seen >= SESSION_TOUCH_EVERY_S &&
	    sqlite3_prepare_v2(db, "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(stmt, 1, hash, sizeof(hash), SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, now);
		sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
	return 0;
db_error:
	log_error("session: %s", sqlite3_errmsg(db));
	stmt_release(stmt);
	return -1;
}

int
session_create(struct request *req, int64_t user_id, char csrf_out[static 65])
{
	unsigned char raw[SESSION_TOKEN_BYTES], csrf_raw[32], hash[crypto_generichash_BYTES];
	char token[SESSION_TOKEN_CHARS + 1];
	sqlite3_stmt *stmt = NULL;
	int64_t now = clock_unix_s();
	int rc = -1;

	randombytes_buf(raw, sizeof(raw));
	randombytes_buf(csrf_raw, sizeof(csrf_raw));
	sodium_bin2base64(token, sizeof(token), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2hex(csrf_out, 65, csrf_raw, sizeof(csrf_raw));
	session_token_hash(token, hash);
	if (sqlite3_prepare_v2(req->app->db, "INSERT INTO sessions(token_hash, user_id, csrf_token,"
	    " created_at, last_seen_at, expires_at, address) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_blob(stmt, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, user_id);
	sqlite3_bind_text(stmt, 3, csrf_out, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int64(stmt, 5, now + SESSION_ABSOLUTE_S);
	if (req->remote_addr != NULL)
		sqlite3_bind_text(stmt, 6, req->remote_addr, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto out;
	session_set_cookie(req, token);
	rc = 0;
out:
	if (rc < 0)
		log_error("session create: %s", sqlite3_errmsg(req->app->db));
	sqlite3_finalize(stmt);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(token, sizeof(token));
	return rc;
}

void
session_end(struct request *req)
{
	if (req->user != NULL)
		session_delete(req->app->db, req->user->token_hash);
	session_set_cookie(req, NULL);
}

int
session_csrf_ok(const struct request *req)
{
	const char *sent = FCGX_GetParam("HTTP_X_CSRF_TOKEN", req->fcgx->envp);
	size_t len;

	if (req->user == NULL || sent == NULL)
		return 0;
	len = strlen(req->user->csrf_token);
	return len == 64 && strlen(sent) == len && sodium_memcmp(sent, req->user->csrf_token, len) == 0;
}
