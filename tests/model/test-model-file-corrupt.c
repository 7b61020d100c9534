/*
 * test-model-file-corrupt.c — the loader refuses every damaged model file
 * with a clear error and never crashes: truncations, trailing bytes, each
 * single flipped byte, wrong magic or version, absurd counts, and content
 * that is wrong even under a correct checksum.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"
#include "tests/model/check-model.h"

enum { K = 4, USERS = 3, ITEMS = 5 };

static char path[600];
static unsigned char *good;
static size_t good_len;

static int
put_file(const unsigned char *bytes, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		return -1;
	if (len > 0 && fwrite(bytes, 1, len, fp) != len) {
		fclose(fp);
		return -1;
	}
	return fclose(fp);
}

/* Loads 'bytes' as a file: 1 when refused with 'needle' in the message. */
static int
refused(const unsigned char *bytes, size_t len, const char *needle, int line)
{
	struct qf_error err;
	struct model *m;

	if (put_file(bytes, len) < 0) {
		perror(path);
		exit(99);
	}
	qf_error_init(&err);
	m = model_load(path, &err);
	if (m != NULL) {
		fprintf(stderr, "%s:%d: a damaged file loaded (wanted \"%s\")\n",
		    __FILE__, line, needle);
		model_unload(m);
		return 0;
	}
	if (!err.set || strstr(err.text, needle) == NULL ||
	    strstr(err.text, path) == NULL) {
		fprintf(stderr, "%s:%d: expected an error naming the file and "
		    "\"%s\", got \"%s\"\n", __FILE__, line, needle, err.text);
		return 0;
	}
	return 1;
}
#define CHECK_REFUSED(bytes, len, needle) \
	CHECK(refused(bytes, len, needle, __LINE__))

static uint64_t
get64(const unsigned char *b, size_t at)
{
	uint64_t v;

	memcpy(&v, b + at, 8);
	return v;
}

static void
put64(unsigned char *b, size_t at, uint64_t v)
{
	memcpy(b + at, &v, 8);
}

/*
 * Recomputes the FNV-1a 64 checksum at offset 48 and the version string
 * at 144 (the checksum in hex), as a careful forger would.
 */
static void
reseal(unsigned char *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char hex[17];
	size_t j;

	put64(b, 48, 0);
	memset(b + 144, 0, 16);
	for (j = 0; j < len; j++) {
		h ^= b[j];
		h *= 0x100000001b3ULL;
	}
	put64(b, 48, h);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	memcpy(b + 144, hex, 16);
}

/* A copy of the good file to damage. */
static unsigned char *
copy(void)
{
	unsigned char *b = malloc(good_len + 64);

	if (b == NULL)
		exit(99);
	memcpy(b, good, good_len);
	return b;
}

static void
make_good_file(void)
{
	static char code_a[] = "category:leading", code_b[] = "industry:x.y";
	static char *codes[2] = { code_a, code_b };
	static float weights[3 * K];
	struct model_prior prior = { K, 2, codes, weights, 1.0f };
	static const int64_t users[USERS] = { 1, 2, 3 };
	static const int64_t items[ITEMS] = { 10, 20, 30, 40, 50 };
	static float uf[USERS * K], itf[ITEMS * K];
	struct model_file_input in;
	struct qf_error err;
	struct stat st;
	FILE *fp;
	int j;

	for (j = 0; j < USERS * K; j++)
		uf[j] = (float)j / 7.0f;
	for (j = 0; j < ITEMS * K; j++)
		itf[j] = (float)(j % 5) - 2.0f;
	memset(&in, 0, sizeof(in));
	in.k = K;
	in.n_users = USERS;
	in.n_items = ITEMS;
	in.user_ids = users;
	in.item_ids = items;
	in.user_factors = uf;
	in.item_factors = itf;
	in.info.regularization = 1.0f;
	in.info.alpha = 1.0f;
	in.metrics_json = "{\"auc\":0.9}";
	in.user_prior = &prior;
	CHECK_OK(model_file_write(path, &in, &err), err);
	if (stat(path, &st) < 0 || (good = malloc((size_t)st.st_size)) == NULL ||
	    (fp = fopen(path, "rb")) == NULL)
		exit(99);
	good_len = fread(good, 1, (size_t)st.st_size, fp);
	fclose(fp);
	if (good_len != (size_t)st.st_size)
		exit(99);
}

int
main(void)
{
	const char *dir = check_scratch_dir("model-corrupt");
	unsigned char *b;
	struct qf_error err;
	struct model *m;
	size_t j, section_at;

	snprintf(path, sizeof(path), "%s/model.qfm", dir);
	make_good_file();
	if (good == NULL)
		return check_report("test-model-file-corrupt");

	/* The good file loads (the baseline of every check below). */
	qf_error_init(&err);
	m = model_load(path, &err);
	CHECK(m != NULL);
	model_unload(m);

	/* Truncated anywhere, or with bytes after the end. */
	CHECK_REFUSED(good, 0, "truncated");
	CHECK_REFUSED(good, 100, "truncated");
	CHECK_REFUSED(good, 255, "truncated");
	CHECK_REFUSED(good, 511, "truncated");
	CHECK_REFUSED(good, 512, "truncated");
	CHECK_REFUSED(good, good_len / 2, "truncated");
	CHECK_REFUSED(good, good_len - 1, "truncated");
	b = copy();
	b[good_len] = 0;
	CHECK_REFUSED(b, good_len + 1, "after the end");
	free(b);

	/*
	 * Any single flipped byte, header or payload, is refused; but the
	 * signature's 64 bytes (320-383), which the loader leaves to
	 * model_signature_verify (tests/model/test-model-sign.c).
	 */
	b = copy();
	for (j = 0; j < good_len; j++) {
		if (j >= 320 && j < 384)
			continue;
		b[j] ^= 0x20;
		CHECK_REFUSED(b, good_len, "");
		b[j] ^= 0x20;
	}
	/* ... and in the payload it is the checksum that says so. */
	b[good_len - 3] ^= 1;
	CHECK_REFUSED(b, good_len, "checksum");
	b[good_len - 3] ^= 1;
	section_at = (size_t)get64(b, 160 + 16 * 3);   /* item factors */
	b[section_at + 1] ^= 0x80;
	CHECK_REFUSED(b, good_len, "checksum");
	b[section_at + 1] ^= 0x80;
	/* The version string is the checksum: a flipped digit is caught. */
	b[150] ^= 1;
	CHECK_REFUSED(b, good_len, "version string");
	free(b);

	/* Wrong magic or version, even resealed. */
	b = copy();
	memcpy(b, "QFMODEX", 8);
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "bad magic");
	memcpy(b, "PK\3\4\0\0\0\0", 8);
	CHECK_REFUSED(b, good_len, "bad magic");
	free(b);
	b = copy();
	b[8] = 3;
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "format version 3");
	b[8] = 1;   /* an older trainer's file: refused, saying what to do */
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "format version 1");
	CHECK_REFUSED(b, good_len, "run qingfeng-train again");
	free(b);

	/* Absurd counts are refused before any arithmetic with them. */
	b = copy();
	put64(b, 24, (uint64_t)1 << 40);
	CHECK_REFUSED(b, good_len, "users");
	put64(b, 24, UINT64_MAX);
	CHECK_REFUSED(b, good_len, "users");
	free(b);
	b = copy();
	put64(b, 32, UINT64_MAX / 4);
	CHECK_REFUSED(b, good_len, "items");
	free(b);
	b = copy();
	b[20] = 0; b[21] = 0; b[22] = 0; b[23] = 0x80;   /* k = 2^31 */
	CHECK_REFUSED(b, good_len, "k is");
	free(b);
	b = copy();
	put64(b, 104, UINT64_MAX);
	CHECK_REFUSED(b, good_len, "metrics");
	free(b);
	/* Plausible but inconsistent counts, resealed. */
	b = copy();
	put64(b, 24, USERS + 100);
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "header says");
	free(b);
	b = copy();
	put64(b, 160, get64(b, 160) + 64);   /* user ids section moved */
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "section 0");
	free(b);

	/* Content wrong under a correct checksum. */
	b = copy();
	section_at = (size_t)get64(b, 160 + 16 * 3);   /* item factors */
	memcpy(b + section_at + 4, &(float){ NAN }, 4);
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "non-finite");
	free(b);
	b = copy();
	section_at = (size_t)get64(b, 160 + 16 * 1);   /* item ids */
	put64(b, section_at + 8, 5);   /* 10, 5, 30, ... */
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "ascending");
	free(b);
	b = copy();
	section_at = (size_t)get64(b, 160 + 16 * 5);   /* metrics */
	b[section_at + 1] = 0;
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "UTF-8");
	free(b);
	b = copy();
	b[400] = 1;   /* reserved */
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "reserved");
	free(b);
	b = copy();
	b[141] = 1;   /* reserved, beside the prior ridge */
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "reserved");
	free(b);
	/* Feature counts beyond the limit, and codes out of order. */
	b = copy();
	put64(b, 112, 1u << 20);
	CHECK_REFUSED(b, good_len, "features");
	free(b);
	b = copy();
	section_at = (size_t)get64(b, 160 + 16 * 6);   /* user codes */
	b[section_at] = 'z';   /* "zategory:..." after "industry:..." */
	reseal(b, good_len);
	CHECK_REFUSED(b, good_len, "out of order");
	free(b);

	/* Not a file at all. */
	qf_error_init(&err);
	CHECK(model_load(dir, &err) == NULL);
	CHECK_CONTAINS(err.text, "not a regular file");
	unlink(path);
	qf_error_init(&err);
	CHECK(model_load(path, &err) == NULL);
	CHECK_CONTAINS(err.text, "No such file");

	free(good);
	rmdir(dir);
	return check_report("test-model-file-corrupt");
}
