/*
 * test-model-sign.c — model signatures: a signed file verifies with its
 * key and no other; an unsigned file is refused; a file altered after
 * signing is refused even when the forger fixed up its checksum; signing
 * leaves the model's version (its content checksum) unchanged; key files
 * are never overwritten and malformed ones are refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "model/model.h"
#include "tests/model/check-model.h"

enum { K = 4, USERS = 2, ITEMS = 3 };
/* Where the model file keeps its checksum, version string and signature. */
enum { AT_CHECKSUM = 48, AT_VERSION = 144, AT_SIGNATURE = 320, SIGNATURE_LEN = 64 };

static const int64_t user_ids[USERS] = { 1, 2 };
static const int64_t item_ids[ITEMS] = { 10, 20, 30 };
static float user_factors[USERS * K], item_factors[ITEMS * K];

static void
fill_input(struct model_file_input *in)
{
	for (int j = 0; j < USERS * K; j++)
		user_factors[j] = 0.1f * (float)j;
	for (int j = 0; j < ITEMS * K; j++)
		item_factors[j] = 1.0f - 0.05f * (float)j;
	memset(in, 0, sizeof(*in));
	in->k = K;
	in->n_users = USERS;
	in->n_items = ITEMS;
	in->user_ids = user_ids;
	in->item_ids = item_ids;
	in->user_factors = user_factors;
	in->item_factors = item_factors;
	in->info.created = 1795000000;
	in->info.iterations = 5;
	in->info.regularization = 1.0f;
	in->info.alpha = 1.0f;
	in->metrics_json = "{}";
}

static unsigned char *
read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data;
	struct stat st;

	if (fp == NULL || fstat(fileno(fp), &st) < 0 || (data = malloc((size_t)st.st_size)) == NULL ||
	    fread(data, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(99);
	}
	fclose(fp);
	*len = (size_t)st.st_size;
	return data;
}

static void
write_all(const char *path, const unsigned char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(99);
	}
}

/*
 * The forger's fix-up: FNV-1a 64 over the file with the checksum, the
 * version string and the signature taken as zeros, written back with the
 * version string, as the file format describes them.
 */
static void
forge_checksum(unsigned char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char version[17];

	for (size_t j = 0; j < len; j++) {
		int zero = (j >= AT_CHECKSUM && j < AT_CHECKSUM + 8) ||
		    (j >= AT_VERSION && j < AT_VERSION + 16) ||
		    (j >= AT_SIGNATURE && j < AT_SIGNATURE + SIGNATURE_LEN);

		h ^= zero ? 0 : data[j];
		h *= 0x100000001b3ULL;
	}
	memcpy(data + AT_CHECKSUM, &h, 8);
	snprintf(version, sizeof(version), "%016llx", (unsigned long long)h);
	memcpy(data + AT_VERSION, version, 16);
}

static struct model *
load_or_die(const char *path)
{
	struct qf_error err;
	struct model *m;

	qf_error_init(&err);
	if ((m = model_load(path, &err)) == NULL) {
		fprintf(stderr, "model_load %s: %s\n", path, err.text);
		exit(1);
	}
	return m;
}

int
main(void)
{
	const char *dir = check_scratch_dir("model-sign");
	unsigned char secret_a[MODEL_SECRET_KEY_LEN], public_a[MODEL_PUBLIC_KEY_LEN];
	unsigned char public_b[MODEL_PUBLIC_KEY_LEN];
	char a_key[600], a_pub[600], b_key[600], b_pub[600], bad_key[600];
	char plain[600], signed_path[600], forged[600];
	struct model_file_input in;
	struct model *unsigned_model, *signed_model, *forged_model;
	struct qf_error err;
	unsigned char *data;
	size_t len, at;

	snprintf(a_key, sizeof(a_key), "%s/a.key", dir);
	snprintf(a_pub, sizeof(a_pub), "%s/a.pub", dir);
	snprintf(b_key, sizeof(b_key), "%s/b.key", dir);
	snprintf(b_pub, sizeof(b_pub), "%s/b.pub", dir);
	snprintf(bad_key, sizeof(bad_key), "%s/bad.pub", dir);
	snprintf(plain, sizeof(plain), "%s/plain.qfm", dir);
	snprintf(signed_path, sizeof(signed_path), "%s/signed.qfm", dir);
	snprintf(forged, sizeof(forged), "%s/forged.qfm", dir);

	/* Keys: two pairs; a second generation over the first is refused. */
	CHECK_OK(model_key_generate(a_key, a_pub, &err), err);
	CHECK_OK(model_key_generate(b_key, b_pub, &err), err);
	CHECK_FAILS(model_key_generate(a_key, a_pub, &err), err, "File exists");
	CHECK_OK(model_key_read_secret(a_key, secret_a, &err), err);
	CHECK_OK(model_key_read_public(a_pub, public_a, &err), err);
	CHECK_OK(model_key_read_public(b_pub, public_b, &err), err);
	CHECK_FAILS(model_key_read_public(a_key, public_b, &err), err, "not a key of 32 bytes");
	write_all(bad_key, (const unsigned char *)"zz\n", 3);
	CHECK_FAILS(model_key_read_public(bad_key, public_b, &err), err, "not a key");
	{
		struct stat st;

		CHECK(stat(a_key, &st) == 0 && (st.st_mode & 0777) == 0600);
	}

	/* The same model, unsigned and signed: same version, only one verifies. */
	fill_input(&in);
	CHECK_OK(model_file_write(plain, &in, &err), err);
	in.signing_key = secret_a;
	CHECK_OK(model_file_write(signed_path, &in, &err), err);
	unsigned_model = load_or_die(plain);
	signed_model = load_or_die(signed_path);
	CHECK_STR(signed_model->version, unsigned_model->version);
	CHECK_FAILS(model_signature_verify(unsigned_model, public_a, &err), err, "not signed");
	CHECK_OK(model_signature_verify(signed_model, public_a, &err), err);
	CHECK_FAILS(model_signature_verify(signed_model, public_b, &err), err, "bad signature");

	/* A flipped bit in the signature itself: the file loads, the signature fails. */
	data = read_all(signed_path, &len);
	data[AT_SIGNATURE + 17] ^= 0x01;
	write_all(forged, data, len);
	free(data);
	forged_model = load_or_die(forged);
	CHECK_FAILS(model_signature_verify(forged_model, public_a, &err), err, "bad signature");
	model_unload(forged_model);

	/* Altered after signing, checksum fixed up: it loads, but does not verify. */
	data = read_all(signed_path, &len);
	at = (size_t)((const unsigned char *)signed_model->item_factors -
	    (const unsigned char *)signed_model->map);
	{
		float boosted = 9.0f;

		memcpy(data + at, &boosted, sizeof(boosted));
	}
	forge_checksum(data, len);
	write_all(forged, data, len);
	free(data);
	forged_model = load_or_die(forged);
	CHECK(forged_model->item_factors[0] == 9.0f);
	CHECK_FAILS(model_signature_verify(forged_model, public_a, &err), err, "bad signature");

	model_unload(unsigned_model);
	model_unload(signed_model);
	model_unload(forged_model);
	return check_report("test-model-sign");
}
