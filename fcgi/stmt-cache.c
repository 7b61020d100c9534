/*
 * stmt-cache.c — prepared statements kept across requests, per connection.
 *
 * A hot path (the feed) asks for a statement by its SQL text, a string
 * literal whose address is the key: the first request compiles it
 * (SQLITE_PREPARE_PERSISTENT), later ones get it back ready to bind.
 * Every statement handed out must be given back with stmt_release(), which
 * resets it: a statement left mid-step would hold a read snapshot (in WAL,
 * stale reads and a checkpoint that cannot finish). SQLite recompiles a
 * cached statement by itself after a schema change. stmt_cache_close()
 * finalises a connection's statements before it is closed.
 *
 * Workers are single-threaded processes: the table is per process.
 */
#include "config.h"

#include "extern.h"

/*
 * Room for every statement the app asks for by stmt_get (about 70 places):
 * a full table would leave whichever came last to be compiled on each call.
 */
#define STMT_CACHE_SIZE 128

static struct {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *stmt;
} cache[STMT_CACHE_SIZE];

sqlite3_stmt *
stmt_get(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	size_t free_slot = STMT_CACHE_SIZE;

	for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
		if (cache[i].stmt != NULL && cache[i].db == db && cache[i].sql == sql)
			return cache[i].stmt;
		if (cache[i].stmt == NULL && free_slot == STMT_CACHE_SIZE)
			free_slot = i;
	}
	if (sqlite3_prepare_v3(db, sql, -1, free_slot < STMT_CACHE_SIZE ? SQLITE_PREPARE_PERSISTENT : 0,
	    &stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (free_slot < STMT_CACHE_SIZE) {
		cache[free_slot].db = db;
		cache[free_slot].sql = sql;
		cache[free_slot].stmt = stmt;
	}
	return stmt;
}

void
stmt_release(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
		if (cache[i].stmt == stmt) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return;
		}
	sqlite3_finalize(stmt);   /* the table was full: it was never cached */
}

void
stmt_cache_close(sqlite3 *db)
{
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
		if (cache[i].stmt != NULL && cache[i].db == db) {
			sqlite3_finalize(cache[i].stmt);
			cache[i].stmt = NULL;
			cache[i].db = NULL;
			cache[i].sql = NULL;
		}
}
