/* test-password.c — argon2id hashes verify, refuse wrong passwords and foreign formats. */
#include "config.h"

#include "lib/core.h"
#include "tests/unit/check.h"

int
main(void)
{
	char hash[PASSWORD_HASH_MAX], other[PASSWORD_HASH_MAX];

	CHECK_INT(password_init(), 0);
	CHECK_INT(password_hash("qingfeng-demo", hash), 0);
	CHECK(strncmp(hash, "$argon2id$", 10) == 0);
	CHECK(password_verify(hash, "qingfeng-demo"));
	CHECK(!password_verify(hash, "qingfeng-demO"));
	CHECK(!password_verify(hash, ""));
	CHECK(!password_needs_rehash(hash));
	/* Salted: the same password hashes differently. */
	CHECK_INT(password_hash("qingfeng-demo", other), 0);
	CHECK(strcmp(hash, other) != 0);
	/* Weaker parameters are flagged for upgrade. */
	CHECK(password_needs_rehash("$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$aGFzaA"));
	/* Not argon2id at all. */
	CHECK(!password_verify("$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA", "x"));
	CHECK(!password_verify("plain-text", "plain-text"));
	CHECK(!password_verify("", ""));
	return check_report("test-password");
}
