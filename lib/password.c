/*
 * password.c — argon2id password hashes through libsodium's crypto_pwhash.
 * The string form carries the algorithm and its cost, so hashes made with
 * older parameters still verify and can be upgraded at the next login.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "core.h"

/*
 * OWASP's argon2id floor is 19 MiB and 2 passes; libsodium's INTERACTIVE
 * level (64 MiB, 2 passes) is above it and keeps a login near 100 ms here.
 */
#define PASSWORD_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PASSWORD_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

_Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX, "hash buffer too small");

int
password_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int
password_hash(const char *password, char out[static PASSWORD_HASH_MAX])
{
	if (crypto_pwhash_str_alg(out, password, strlen(password),
	    PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	return 0;
}

int
password_verify(const char *hash, const char *password)
{
	if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
	    strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return 0;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int
password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, PASSWORD_OPSLIMIT,
	    PASSWORD_MEMLIMIT) != 0;
}
