/*
 * model-sign.c — the trainer's signing keys. A key file holds the key in
 * lowercase hex and a newline; the secret one is created mode 0600 and
 * never overwritten, so a second key generation cannot orphan the models
 * already signed. Signing and verification themselves are in model-file.c,
 * which knows where the signature lives.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "extern.h"

/* Writes 'len' bytes of 'key' as hex to a new file 'path' with 'mode'. 0 or -1. */
static int
key_write(const char *path, const unsigned char *key, size_t len, mode_t mode, struct qf_error *err)
{
	char hex[2 * MODEL_SECRET_KEY_LEN + 2];
	size_t n;
	int fd;

	sodium_bin2hex(hex, sizeof(hex) - 1, key, len);
	n = strlen(hex);
	hex[n++] = '\n';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		qf_error_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (write(fd, hex, n) != (ssize_t)n || fsync(fd) < 0) {
		qf_error_set(err, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	sodium_memzero(hex, sizeof(hex));
	close(fd);
	return 0;
}

int
model_key_generate(const char *secret_path, const char *public_path, struct qf_error *err)
{
	unsigned char public_key[MODEL_PUBLIC_KEY_LEN], secret_key[MODEL_SECRET_KEY_LEN];
	int rc = -1;

	if (sodium_init() < 0) {
		qf_error_set(err, "libsodium cannot start");
		return -1;
	}
	crypto_sign_keypair(public_key, secret_key);
	if (key_write(secret_path, secret_key, sizeof(secret_key), 0600, err) == 0) {
		if (key_write(public_path, public_key, sizeof(public_key), 0644, err) == 0)
			rc = 0;
		else
			unlink(secret_path);
	}
	sodium_memzero(secret_key, sizeof(secret_key));
	return rc;
}

/* Reads exactly 'len' bytes of hex key from 'path'. 0 or -1. */
static int
key_read(const char *path, unsigned char *key, size_t len, struct qf_error *err)
{
	char text[2 * MODEL_SECRET_KEY_LEN + 8];
	size_t bin_len = 0, n;
	const char *end;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL) {
		qf_error_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n != 2 * len || sodium_hex2bin(key, len, text, n, NULL, &bin_len, &end) != 0 ||
	    bin_len != len || *end != '\0') {
		qf_error_set(err, "%s: not a key of %zu bytes in hex", path, len);
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	sodium_memzero(text, sizeof(text));
	return 0;
}

int
model_key_read_secret(const char *path, unsigned char key[MODEL_SECRET_KEY_LEN], struct qf_error *err)
{
	return key_read(path, key, MODEL_SECRET_KEY_LEN, err);
}

int
model_key_read_public(const char *path, unsigned char key[MODEL_PUBLIC_KEY_LEN], struct qf_error *err)
{
	return key_read(path, key, MODEL_PUBLIC_KEY_LEN, err);
}
