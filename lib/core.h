/*
 * core.h — the small shared core of qingfeng: first-error reporting, logging,
 * clocks, the SQLite handle with its migrations, and password hashing.
 * Used by the FastCGI app, the admin CLI and the trainer alike.
 */
#ifndef QF_CORE_H
#define QF_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* ---------------------------------------------------------------- errors */

/*
 * A library call that can fail returns a negative value (or NULL) and, when
 * given a non-NULL 'err', fills it with the first error's text: later errors
 * never overwrite an earlier, more specific one (the Jansson json_error_t way).
 */
struct qf_error {
	int set;
	char text[512];
};

void qf_error_init(struct qf_error *err);
void qf_error_set(struct qf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- logging */

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Lines go to stderr as "2026-11-23T10:00:00Z qingfeng-fcgi[123] warn: text". */
void log_set_name(const char *program_name);
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* ---------------------------------------------------------------- clocks */

/* Microseconds on the monotonic clock: for durations only. */
int64_t clock_monotonic_us(void);
/* Seconds since the epoch on the wall clock: what the database stores. */
int64_t clock_unix_s(void);
/* Writes 't' as "YYYY-MM-DDTHH:MM:SSZ" into 'out' (at least 21 bytes). */
void clock_format_iso8601(int64_t t, char out[static 21]);

/* -------------------------------------------------------------- database */

enum db_open_mode { DB_OPEN_EXISTING, DB_OPEN_CREATE };

/*
 * Opens the database at 'path' in WAL mode with foreign keys on, synchronous
 * FULL (an acknowledged commit survives power loss) and a busy timeout, so
 * that writers queue instead of failing. Returns the handle, owned by the
 * caller (close with db_close), or NULL with 'err' filled.
 */
sqlite3 *db_open(const char *path, enum db_open_mode mode, struct qf_error *err);
void db_close(sqlite3 *db);

/* The schema version this program writes and understands. */
int db_schema_latest(void);
/* The schema version stored in the database, or -1 with 'err' filled. */
int db_schema_version(sqlite3 *db, struct qf_error *err);
/*
 * Applies every pending numbered migration in one IMMEDIATE transaction, so
 * that a fresh file and an old one both end at db_schema_latest() or stay as
 * they were. Refuses a database newer than this program. Returns the schema
 * version reached, or -1 with 'err' filled.
 */
int db_migrate(sqlite3 *db, struct qf_error *err);

/* Runs 'sql' (no parameters, no rows wanted); 0 or -1 with 'err' filled. */
int db_exec(sqlite3 *db, const char *sql, struct qf_error *err);

/* ------------------------------------------------------------------ text */

/* 1 when 's' is valid UTF-8 without control characters (tab, CR and LF allowed if 'multiline'). */
int utf8_is_clean(const char *s, size_t len, int multiline);
/* The length of the longest prefix of 's' made of whole characters that utf8_is_clean accepts. */
size_t utf8_clean_prefix(const char *s, size_t len, int multiline);
/* 1 when 's' is a real calendar date written YYYY-MM-DD. */
int date_is_valid(const char *s);
/* 1 when 's' is a login name: 1-64 of [A-Za-z0-9._-]. */
int login_is_valid(const char *s);

/* ------------------------------------------------------------- passwords */

/* argon2id hashes in the libsodium string form: algorithm and cost travel with the hash. */
#define PASSWORD_HASH_MAX 128
#define PASSWORD_MIN_LENGTH 8
#define PASSWORD_MAX_LENGTH 256

/* Call once before any other password_ function; 0 on success. */
int password_init(void);
/* Hashes 'password' into 'out'; 0 on success, -1 when out of memory. */
int password_hash(const char *password, char out[static PASSWORD_HASH_MAX]);
/* 1 when 'password' matches 'hash', 0 when not (or 'hash' is malformed). */
int password_verify(const char *hash, const char *password);
/* 1 when 'hash' was made with weaker parameters than today's and should be redone. */
int password_needs_rehash(const char *hash);

#endif /* QF_CORE_H */
