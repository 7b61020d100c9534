/*
 * model-file.c — the model file: written atomically, mapped read-only,
 * validated completely before anyone reads a factor from it.
 *
 * Layout, format version 2 (host byte order, which must be little-endian in
 * practice; the byte-order mark makes any other host refuse the file).
 * Version 1 files (no priors, no version string) are refused: retrain.
 *
 *   offset  size  field
 *        0     8  magic "QFMODEL\0"
 *        8     4  format version (2)
 *       12     4  byte-order mark 0x01020304
 *       16     4  header size (512)
 *       20     4  k, factors per row
 *       24     8  n_users
 *       32     8  n_items
 *       40     8  file size in bytes
 *       48     8  checksum: FNV-1a 64 of the whole file, these 8 bytes,
 *                 the version string and the signature as 0
 *       56     8  created, unix seconds
 *       64     4  iterations           68   4  CG steps (0: Cholesky)
 *       72     8  seed
 *       80     4  regularization (f32) 84   4  alpha (f32)
 *       88     8  fit seconds (f64)    96   8  final loss (f64, NaN: none)
 *      104     8  metrics JSON length in bytes
 *      112     4  user features (d_u)  116  4  item features (d_i)
 *      120     8  user feature codes, bytes
 *      128     8  item feature codes, bytes
 *      136     4  prior ridge (f32)    140  4  zero
 *      144    16  version string: the checksum in 16 lowercase hex digits
 *      160   160  sections: 10 x {offset u64, size u64}, in this order:
 *                 user ids (int64 x n_users), item ids (int64 x n_items),
 *                 user factors (f32, n_users x k), item factors
 *                 (f32, n_items x k), item Gram Y^T Y (f32, k x k),
 *                 metrics (UTF-8 JSON text, no NUL), user feature codes
 *                 (d_u NUL-terminated codes, strictly ascending), user prior
 *                 (f32, (1 + d_u) x k: bias row, then one per feature),
 *                 item feature codes, item prior (f32, (1 + d_i) x k)
 *      320    64  signature: Ed25519ph (libsodium) of the whole file with
 *                 these 64 bytes as 0, by the trainer's signing key; all
 *                 zero in an unsigned file (model/model-sign.c)
 *      384   128  reserved, zero
 *      512        sections, each starting at a multiple of 64, zero padding
 *                 between them; the file ends right after the last one.
 *
 * The loader recomputes the layout from k and the counts (which it first
 * bounds, so no arithmetic can overflow) and requires the header's sizes,
 * offsets and the file's length to match it exactly.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "extern.h"

#define HEADER_SIZE 512
#define BYTE_ORDER_MARK 0x01020304u
#define ALIGNMENT 64
#define VERSION_LEN 16

enum section {
	SECTION_USER_IDS,
	SECTION_ITEM_IDS,
	SECTION_USER_FACTORS,
	SECTION_ITEM_FACTORS,
	SECTION_ITEM_GRAM,
	SECTION_METRICS,
	SECTION_USER_CODES,
	SECTION_USER_PRIOR,
	SECTION_ITEM_CODES,
	SECTION_ITEM_PRIOR,
	SECTION__MAX
};

/* Offsets of the header fields (see the table above). */
enum {
	H_MAGIC = 0, H_VERSION = 8, H_BYTE_ORDER = 12, H_HEADER_SIZE = 16,
	H_K = 20, H_N_USERS = 24, H_N_ITEMS = 32, H_FILE_SIZE = 40,
	H_CHECKSUM = 48, H_CREATED = 56, H_ITERATIONS = 64, H_CG_STEPS = 68,
	H_SEED = 72, H_REGULARIZATION = 80, H_ALPHA = 84, H_FIT_SECONDS = 88,
	H_FINAL_LOSS = 96, H_METRICS_LEN = 104, H_N_USER_FEATURES = 112,
	H_N_ITEM_FEATURES = 116, H_USER_CODES_LEN = 120,
	H_ITEM_CODES_LEN = 128, H_PRIOR_RIDGE = 136, H_ZERO = 140,
	H_VERSION_STRING = 144, H_SECTIONS = 160,
	H_SIGNATURE = H_SECTIONS + SECTION__MAX * 16,
	H_RESERVED = H_SIGNATURE + MODEL_SIGNATURE_LEN
};

struct layout {
	uint64_t offset[SECTION__MAX];
	uint64_t size[SECTION__MAX];
	uint64_t total;
};

/* What the layout depends on, bounded by layout_compute. */
struct counts {
	uint64_t k, n_users, n_items, metrics_len;
	uint64_t n_user_features, n_item_features;
	uint64_t user_codes_len, item_codes_len;
};

/* FNV-1a 64 (Fowler, Noll, Vo): simple, and any flipped byte changes it. */
#define FNV1A64_INIT 0xcbf29ce484222325ULL

static uint64_t
fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t j;

	for (j = 0; j < len; j++) {
		h ^= p[j];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
align_up(uint64_t v)
{
	return (v + ALIGNMENT - 1) & ~(uint64_t)(ALIGNMENT - 1);
}

/*
 * The layout for the counts 'c', or -1 with 'err' filled when any of them
 * is outside the limits. Within the limits every product below stays
 * under 2^48, so none can overflow.
 */
static int
layout_compute(const struct counts *c, struct layout *l, struct qf_error *err)
{
	uint64_t at;
	int s;

	if (c->k < 1 || c->k > MODEL_MAX_FACTORS) {
		qf_error_set(err, "k is %llu, must be 1-%d",
		    (unsigned long long)c->k, MODEL_MAX_FACTORS);
		return -1;
	}
	if (c->n_users < 1 || c->n_users > MODEL_MAX_ROWS ||
	    c->n_items < 1 || c->n_items > MODEL_MAX_ROWS) {
		qf_error_set(err, "%llu users and %llu items: each must be 1-%u",
		    (unsigned long long)c->n_users,
		    (unsigned long long)c->n_items, MODEL_MAX_ROWS);
		return -1;
	}
	if (c->metrics_len > MODEL_FILE_MAX_METRICS) {
		qf_error_set(err, "metrics of %llu bytes, the limit is %u",
		    (unsigned long long)c->metrics_len, MODEL_FILE_MAX_METRICS);
		return -1;
	}
	if (c->n_user_features > MODEL_MAX_FEATURES ||
	    c->n_item_features > MODEL_MAX_FEATURES ||
	    c->user_codes_len > c->n_user_features * (MODEL_FEATURE_CODE_MAX + 1) ||
	    c->item_codes_len > c->n_item_features * (MODEL_FEATURE_CODE_MAX + 1)) {
		qf_error_set(err, "%llu user and %llu item features in %llu and "
		    "%llu bytes: at most %d features of %d bytes each",
		    (unsigned long long)c->n_user_features,
		    (unsigned long long)c->n_item_features,
		    (unsigned long long)c->user_codes_len,
		    (unsigned long long)c->item_codes_len, MODEL_MAX_FEATURES,
		    MODEL_FEATURE_CODE_MAX);
		return -1;
	}
	l->size[SECTION_USER_IDS] = c->n_users * sizeof(int64_t);
	l->size[SECTION_ITEM_IDS] = c->n_items * sizeof(int64_t);
	l->size[SECTION_USER_FACTORS] = c->n_users * c->k * sizeof(float);
	l->size[SECTION_ITEM_FACTORS] = c->n_items * c->k * sizeof(float);
	l->size[SECTION_ITEM_GRAM] = c->k * c->k * sizeof(float);
	l->size[SECTION_METRICS] = c->metrics_len;
	l->size[SECTION_USER_CODES] = c->user_codes_len;
	l->size[SECTION_USER_PRIOR] = (1 + c->n_user_features) * c->k *
	    sizeof(float);
	l->size[SECTION_ITEM_CODES] = c->item_codes_len;
	l->size[SECTION_ITEM_PRIOR] = (1 + c->n_item_features) * c->k *
	    sizeof(float);
	at = HEADER_SIZE;
	for (s = 0; s < SECTION__MAX; s++) {
		l->offset[s] = align_up(at);
		at = l->offset[s] + l->size[s];
	}
	l->total = at;
	if (l->total > SIZE_MAX) {
		qf_error_set(err, "a model of %llu bytes cannot be mapped here",
		    (unsigned long long)l->total);
		return -1;
	}
	return 0;
}

/* The checksum as the version string: 16 lowercase hex digits and a NUL. */
static void
version_of(uint64_t checksum, char out[MODEL_VERSION_SIZE])
{
	snprintf(out, MODEL_VERSION_SIZE, "%016llx",
	    (unsigned long long)checksum);
}

/* Header fields by offset; memcpy keeps every access aligned-safe. */
static void
put32(unsigned char *h, size_t at, uint32_t v)
{
	memcpy(h + at, &v, sizeof(v));
}

static void
put64(unsigned char *h, size_t at, uint64_t v)
{
	memcpy(h + at, &v, sizeof(v));
}

static void
put_float(unsigned char *h, size_t at, float v)
{
	memcpy(h + at, &v, sizeof(v));
}

static void
put_double(unsigned char *h, size_t at, double v)
{
	memcpy(h + at, &v, sizeof(v));
}

static uint32_t
get32(const unsigned char *h, size_t at)
{
	uint32_t v;

	memcpy(&v, h + at, sizeof(v));
	return v;
}

static uint64_t
get64(const unsigned char *h, size_t at)
{
	uint64_t v;

	memcpy(&v, h + at, sizeof(v));
	return v;
}

static float
get_float(const unsigned char *h, size_t at)
{
	float v;

	memcpy(&v, h + at, sizeof(v));
	return v;
}

static double
get_double(const unsigned char *h, size_t at)
{
	double v;

	memcpy(&v, h + at, sizeof(v));
	return v;
}

/* ---------------------------------------------------------------- write */

/* Where emitted bytes go: into the file, the signature, or else the checksum. */
struct emitter {
	FILE *fp;
	crypto_sign_state *sign;
	uint64_t hash;
	uint64_t at;
	int failed;
};

static void
emit(struct emitter *e, const void *data, size_t len)
{
	if (len == 0 || e->failed)
		return;
	if (e->fp != NULL) {
		if (fwrite(data, 1, len, e->fp) != len)
			e->failed = 1;
	} else if (e->sign != NULL)
		crypto_sign_update(e->sign, data, len);
	else
		e->hash = fnv1a64(e->hash, data, len);
	e->at += len;
}

static void
emit_padding(struct emitter *e, uint64_t to)
{
	static const unsigned char zeros[ALIGNMENT];

	while (e->at < to)
		emit(e, zeros, to - e->at < ALIGNMENT ? (size_t)(to - e->at) :
		    ALIGNMENT);
}

/* The whole file, header first, into 'e'. */
static void
emit_file(struct emitter *e, const unsigned char *header,
    const struct layout *l, const void *const data[SECTION__MAX])
{
	int s;

	emit(e, header, HEADER_SIZE);
	for (s = 0; s < SECTION__MAX; s++) {
		emit_padding(e, l->offset[s]);
		emit(e, data[s], (size_t)l->size[s]);
	}
}

/* 0 when 'p' (or NULL) is a usable prior of rank 'k', -1 with 'err' filled. */
static int
prior_check(const struct model_prior *p, uint32_t k, const char *side,
    struct qf_error *err)
{
	uint64_t j;

	if (p == NULL)
		return 0;
	if (p->k != k || p->n_features > MODEL_MAX_FEATURES ||
	    p->weights == NULL || (p->n_features > 0 && p->codes == NULL)) {
		qf_error_set(err, "%s prior of rank %u with %u features does not "
		    "fit a model of rank %u", side, p->k, p->n_features, k);
		return -1;
	}
	for (j = 0; j < p->n_features; j++)
		if (!model_feature_code_is_valid(p->codes[j]) ||
		    (j > 0 && strcmp(p->codes[j - 1], p->codes[j]) >= 0)) {
			qf_error_set(err, "%s feature %llu is invalid or out of "
			    "order", side, (unsigned long long)j);
			return -1;
		}
	for (j = 0; j < (uint64_t)(1 + p->n_features) * k; j++)
		if (!isfinite(p->weights[j])) {
			qf_error_set(err, "%s prior weight %llu is not finite", side,
			    (unsigned long long)j);
			return -1;
		}
	return 0;
}

/* 0 when 'in' can be written, -1 with 'err' naming what is wrong. */
static int
input_check(const struct model_file_input *in, struct qf_error *err)
{
	uint64_t j, n;

	for (j = 1; j < in->n_users; j++)
		if (in->user_ids[j - 1] >= in->user_ids[j]) {
			qf_error_set(err, "user ids not strictly ascending at %llu",
			    (unsigned long long)j);
			return -1;
		}
	for (j = 1; j < in->n_items; j++)
		if (in->item_ids[j - 1] >= in->item_ids[j]) {
			qf_error_set(err, "item ids not strictly ascending at %llu",
			    (unsigned long long)j);
			return -1;
		}
	n = (uint64_t)in->n_users * in->k;
	for (j = 0; j < n; j++)
		if (!isfinite(in->user_factors[j])) {
			qf_error_set(err, "user factor %llu is not finite",
			    (unsigned long long)j);
			return -1;
		}
	n = (uint64_t)in->n_items * in->k;
	for (j = 0; j < n; j++)
		if (!isfinite(in->item_factors[j])) {
			qf_error_set(err, "item factor %llu is not finite",
			    (unsigned long long)j);
			return -1;
		}
	if (in->metrics_json != NULL &&
	    !utf8_is_clean(in->metrics_json, strlen(in->metrics_json), 1)) {
		qf_error_set(err, "metrics are not clean UTF-8 text");
		return -1;
	}
	if (!(in->info.regularization > 0.0f) ||
	    !isfinite(in->info.regularization) || !(in->info.alpha >= 0.0f) ||
	    !isfinite(in->info.alpha) || !(in->info.prior_ridge >= 0.0f) ||
	    !isfinite(in->info.prior_ridge)) {
		qf_error_set(err, "training parameters out of range "
		    "(regularization > 0, alpha >= 0, prior ridge >= 0)");
		return -1;
	}
	return prior_check(in->user_prior, in->k, "user", err) < 0 ||
	    prior_check(in->item_prior, in->k, "item", err) < 0 ? -1 : 0;
}

/* Bytes of the codes of 'p' as stored: each with its NUL. */
static uint64_t
codes_len(const struct model_prior *p)
{
	uint64_t len = 0;
	uint32_t j;

	if (p != NULL)
		for (j = 0; j < p->n_features; j++)
			len += strlen(p->codes[j]) + 1;
	return len;
}

/*
 * One side's codes section (NUL-terminated codes, concatenated) and prior
 * weights: from 'p', or, when 'p' is NULL, no codes and the mean of the
 * 'n' x 'k' factors as the bias row. Allocates '*codes' (may stay NULL)
 * and '*weights'; 0 or -1 when out of memory.
 */
static int
side_sections(const struct model_prior *p, const float *factors, uint32_t n,
    uint32_t k, char **codes, float **weights)
{
	uint64_t len = codes_len(p), at = 0;
	double sum;
	uint32_t j, r;
	size_t l;

	*codes = NULL;
	if ((*weights = model_floats_alloc((size_t)(1 + (p ? p->n_features : 0)) *
	    k)) == NULL)
		return -1;
	if (p != NULL) {
		memcpy(*weights, p->weights,
		    (size_t)(1 + p->n_features) * k * sizeof(float));
		if (len > 0 && (*codes = malloc((size_t)len)) == NULL)
			return -1;
		for (j = 0; j < p->n_features; j++) {
			l = strlen(p->codes[j]) + 1;
			memcpy(*codes + at, p->codes[j], l);
			at += l;
		}
		return 0;
	}
	for (j = 0; j < k; j++) {
		sum = 0.0;
		for (r = 0; r < n; r++)
			sum += factors[(size_t)r * k + j];
		(*weights)[j] = (float)(sum / n);
	}
	return 0;
}

/* The directory of 'path' into 'out' ('size' bytes); -1 when too long. */
static int
directory_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL)
		return snprintf(out, size, ".") < (int)size ? 0 : -1;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= size)
		return -1;
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

int
model_file_write(const char *path, const struct model_file_input *in,
    struct qf_error *err)
{
	unsigned char header[HEADER_SIZE];
	const void *data[SECTION__MAX];
	char tmp[4096], dir[4096], version[MODEL_VERSION_SIZE];
	char *user_codes = NULL, *item_codes = NULL;
	float *gram = NULL, *user_prior = NULL, *item_prior = NULL;
	struct counts c;
	struct emitter e;
	struct layout l;
	FILE *fp = NULL;
	int fd = -1, dir_fd, s, rc = -1;

	tmp[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.k = in->k;
	c.n_users = in->n_users;
	c.n_items = in->n_items;
	c.metrics_len = in->metrics_json != NULL ? strlen(in->metrics_json) : 0;
	c.n_user_features = in->user_prior ? in->user_prior->n_features : 0;
	c.n_item_features = in->item_prior ? in->item_prior->n_features : 0;
	if (input_check(in, err) < 0)
		return -1;
	c.user_codes_len = codes_len(in->user_prior);
	c.item_codes_len = codes_len(in->item_prior);
	if (layout_compute(&c, &l, err) < 0)
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp) ||
	    directory_of(path, dir, sizeof(dir)) < 0) {
		qf_error_set(err, "%s: path too long", path);
		return -1;
	}
	tmp[0] = '\0';
	if ((gram = model_floats_alloc((size_t)in->k * in->k)) == NULL ||
	    side_sections(in->user_prior, in->user_factors, in->n_users, in->k,
	    &user_codes, &user_prior) < 0 ||
	    side_sections(in->item_prior, in->item_factors, in->n_items, in->k,
	    &item_codes, &item_prior) < 0) {
		qf_error_set(err, "out of memory");
		goto out;
	}
	/* Y^T Y of the item factors: fold-in needs it, and it costs n k^2. */
	model_gram(in->item_factors, in->n_items, in->k, gram);

	memset(header, 0, sizeof(header));
	memcpy(header + H_MAGIC, MODEL_FILE_MAGIC, 8);
	put32(header, H_VERSION, MODEL_FILE_VERSION);
	put32(header, H_BYTE_ORDER, BYTE_ORDER_MARK);
	put32(header, H_HEADER_SIZE, HEADER_SIZE);
	put32(header, H_K, in->k);
	put64(header, H_N_USERS, in->n_users);
	put64(header, H_N_ITEMS, in->n_items);
	put64(header, H_FILE_SIZE, l.total);
	put64(header, H_CREATED, (uint64_t)in->info.created);
	put32(header, H_ITERATIONS, in->info.iterations);
	put32(header, H_CG_STEPS, in->info.cg_steps);
	put64(header, H_SEED, in->info.seed);
	put_float(header, H_REGULARIZATION, in->info.regularization);
	put_float(header, H_ALPHA, in->info.alpha);
	put_double(header, H_FIT_SECONDS, in->info.fit_seconds);
	put_double(header, H_FINAL_LOSS, in->info.final_loss);
	put64(header, H_METRICS_LEN, c.metrics_len);
	put32(header, H_N_USER_FEATURES, (uint32_t)c.n_user_features);
	put32(header, H_N_ITEM_FEATURES, (uint32_t)c.n_item_features);
	put64(header, H_USER_CODES_LEN, c.user_codes_len);
	put64(header, H_ITEM_CODES_LEN, c.item_codes_len);
	put_float(header, H_PRIOR_RIDGE, in->info.prior_ridge);
	for (s = 0; s < SECTION__MAX; s++) {
		put64(header, H_SECTIONS + 16 * s, l.offset[s]);
		put64(header, H_SECTIONS + 16 * s + 8, l.size[s]);
	}
	data[SECTION_USER_IDS] = in->user_ids;
	data[SECTION_ITEM_IDS] = in->item_ids;
	data[SECTION_USER_FACTORS] = in->user_factors;
	data[SECTION_ITEM_FACTORS] = in->item_factors;
	data[SECTION_ITEM_GRAM] = gram;
	data[SECTION_METRICS] = in->metrics_json;
	data[SECTION_USER_CODES] = user_codes;
	data[SECTION_USER_PRIOR] = user_prior;
	data[SECTION_ITEM_CODES] = item_codes;
	data[SECTION_ITEM_PRIOR] = item_prior;

	/* Pass 1: the checksum, with its own field and the version zero. */
	memset(&e, 0, sizeof(e));
	e.hash = FNV1A64_INIT;
	emit_file(&e, header, &l, data);
	put64(header, H_CHECKSUM, e.hash);
	version_of(e.hash, version);
	memcpy(header + H_VERSION_STRING, version, VERSION_LEN);

	/* Pass 1b: the signature, over everything but its own (still zero) field. */
	if (in->signing_key != NULL) {
		crypto_sign_state state;

		memset(&e, 0, sizeof(e));
		e.sign = &state;
		crypto_sign_init(&state);
		emit_file(&e, header, &l, data);
		crypto_sign_final_create(&state, header + H_SIGNATURE, NULL, in->signing_key);
	}

	/* Pass 2: the file, under a temporary name in the same directory. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		qf_error_set(err, "%s: cannot create: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	/* Readable by the FastCGI workers, whatever user they run as. */
	if (fchmod(fd, 0644) < 0 || (fp = fdopen(fd, "wb")) == NULL) {
		qf_error_set(err, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;   /* fp owns it now */
	memset(&e, 0, sizeof(e));
	e.fp = fp;
	emit_file(&e, header, &l, data);
	if (e.failed || fflush(fp) != 0 || fsync(fileno(fp)) < 0) {
		qf_error_set(err, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		qf_error_set(err, "%s: cannot close: %s", tmp, strerror(errno));
		goto out;
	}
	fp = NULL;
	if (rename(tmp, path) < 0) {
		qf_error_set(err, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* The rename itself survives a crash only once the directory is synced. */
	if ((dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dir_fd) < 0) {
		qf_error_set(err, "%s: cannot sync directory: %s", dir,
		    strerror(errno));
		if (dir_fd >= 0)
			close(dir_fd);
		goto out;
	}
	close(dir_fd);
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	model_floats_free(gram);
	model_floats_free(user_prior);
	model_floats_free(item_prior);
	free(user_codes);
	free(item_codes);
	return rc;
}

/* ----------------------------------------------------------------- load */

/*
 * Splits a codes section of 'len' bytes at 'at' into 'n' pointers in
 * 'out', checking each code and their order; 0, or -1 with 'err' filled.
 */
static int
split_codes(const char *at, uint64_t len, uint32_t n, const char **out,
    const char *side, struct qf_error *err)
{
	uint64_t pos = 0, l;
	uint32_t j;

	for (j = 0; j < n; j++) {
		l = 0;
		while (pos + l < len && at[pos + l] != '\0')
			l++;
		if (pos + l == len) {
			qf_error_set(err, "%s feature codes end before code %u", side,
			    j);
			return -1;
		}
		out[j] = at + pos;
		if (!model_feature_code_is_valid(out[j]) ||
		    (j > 0 && strcmp(out[j - 1], out[j]) >= 0)) {
			qf_error_set(err, "%s feature code %u is invalid or out of "
			    "order", side, j);
			return -1;
		}
		pos += l + 1;
	}
	if (pos != len) {
		qf_error_set(err, "%llu bytes after the %s feature codes",
		    (unsigned long long)(len - pos), side);
		return -1;
	}
	return 0;
}

/* Every header field and the content; 0, or -1 with 'err' filled. */
static int
validate(struct model *m, const unsigned char *base, uint64_t file_size,
    struct qf_error *err)
{
	static const unsigned char zeros[MODEL_SIGNATURE_LEN];
	char version[MODEL_VERSION_SIZE];
	uint64_t sum, j, n;
	struct counts c;
	struct layout l;
	const float *f;
	int s;

	if (memcmp(base + H_MAGIC, MODEL_FILE_MAGIC, 8) != 0) {
		qf_error_set(err, "not a qingfeng model file (bad magic)");
		return -1;
	}
	if (get32(base, H_VERSION) != MODEL_FILE_VERSION) {
		qf_error_set(err, "model file format version %u, this program "
		    "reads version %d%s", get32(base, H_VERSION),
		    MODEL_FILE_VERSION, get32(base, H_VERSION) < MODEL_FILE_VERSION ?
		    " (an older trainer wrote it: run qingfeng-train again)" : "");
		return -1;
	}
	if (get32(base, H_BYTE_ORDER) != BYTE_ORDER_MARK) {
		qf_error_set(err, "model file written with another byte order");
		return -1;
	}
	if (get32(base, H_HEADER_SIZE) != HEADER_SIZE) {
		qf_error_set(err, "header size %u, expected %d",
		    get32(base, H_HEADER_SIZE), HEADER_SIZE);
		return -1;
	}
	for (j = H_ZERO; j < HEADER_SIZE; j++)
		if (base[j] != 0 && (j < H_ZERO + 4 || j >= H_RESERVED)) {
			qf_error_set(err, "reserved header byte %llu is not zero",
			    (unsigned long long)j);
			return -1;
		}
	memset(&c, 0, sizeof(c));
	c.k = get32(base, H_K);
	c.n_users = get64(base, H_N_USERS);
	c.n_items = get64(base, H_N_ITEMS);
	c.metrics_len = get64(base, H_METRICS_LEN);
	c.n_user_features = get32(base, H_N_USER_FEATURES);
	c.n_item_features = get32(base, H_N_ITEM_FEATURES);
	c.user_codes_len = get64(base, H_USER_CODES_LEN);
	c.item_codes_len = get64(base, H_ITEM_CODES_LEN);
	if (layout_compute(&c, &l, err) < 0)
		return -1;
	if (get64(base, H_FILE_SIZE) != l.total) {
		qf_error_set(err, "header says %llu bytes, its counts need %llu",
		    (unsigned long long)get64(base, H_FILE_SIZE),
		    (unsigned long long)l.total);
		return -1;
	}
	if (file_size < l.total) {
		qf_error_set(err, "truncated: %llu bytes of %llu",
		    (unsigned long long)file_size, (unsigned long long)l.total);
		return -1;
	}
	if (file_size > l.total) {
		qf_error_set(err, "%llu bytes after the end of the model",
		    (unsigned long long)(file_size - l.total));
		return -1;
	}
	for (s = 0; s < SECTION__MAX; s++)
		if (get64(base, H_SECTIONS + 16 * s) != l.offset[s] ||
		    get64(base, H_SECTIONS + 16 * s + 8) != l.size[s] ||
		    l.offset[s] % ALIGNMENT != 0) {
			qf_error_set(err, "section %d is not where its counts "
			    "put it", s);
			return -1;
		}

	/* The checksum, with its field, the version string and the signature as zeros. */
	sum = fnv1a64(FNV1A64_INIT, base, H_CHECKSUM);
	sum = fnv1a64(sum, zeros, 8);
	sum = fnv1a64(sum, base + H_CHECKSUM + 8, H_VERSION_STRING - H_CHECKSUM - 8);
	sum = fnv1a64(sum, zeros, VERSION_LEN);
	sum = fnv1a64(sum, base + H_VERSION_STRING + VERSION_LEN,
	    H_SIGNATURE - H_VERSION_STRING - VERSION_LEN);
	sum = fnv1a64(sum, zeros, MODEL_SIGNATURE_LEN);
	sum = fnv1a64(sum, base + H_RESERVED, (size_t)(l.total - H_RESERVED));
	if (sum != get64(base, H_CHECKSUM)) {
		qf_error_set(err, "checksum mismatch: the file is corrupt");
		return -1;
	}
	version_of(sum, version);
	if (memcmp(base + H_VERSION_STRING, version, VERSION_LEN) != 0) {
		qf_error_set(err, "version string does not match the checksum: "
		    "the file is corrupt");
		return -1;
	}

	m->k = (uint32_t)c.k;
	m->n_users = (uint32_t)c.n_users;
	m->n_items = (uint32_t)c.n_items;
	m->user_ids = (const int64_t *)(base + l.offset[SECTION_USER_IDS]);
	m->item_ids = (const int64_t *)(base + l.offset[SECTION_ITEM_IDS]);
	m->user_factors = (const float *)(base + l.offset[SECTION_USER_FACTORS]);
	m->item_factors = (const float *)(base + l.offset[SECTION_ITEM_FACTORS]);
	m->item_gram = (const float *)(base + l.offset[SECTION_ITEM_GRAM]);
	m->metrics_json = (const char *)(base + l.offset[SECTION_METRICS]);
	m->metrics_json_len = (size_t)c.metrics_len;
	m->checksum = sum;
	memcpy(m->version, version, sizeof(version));
	m->n_user_features = (uint32_t)c.n_user_features;
	m->n_item_features = (uint32_t)c.n_item_features;
	m->user_prior = (const float *)(base + l.offset[SECTION_USER_PRIOR]);
	m->item_prior = (const float *)(base + l.offset[SECTION_ITEM_PRIOR]);
	m->info.created = (int64_t)get64(base, H_CREATED);
	m->info.iterations = get32(base, H_ITERATIONS);
	m->info.cg_steps = get32(base, H_CG_STEPS);
	m->info.seed = get64(base, H_SEED);
	m->info.regularization = get_float(base, H_REGULARIZATION);
	m->info.alpha = get_float(base, H_ALPHA);
	m->info.fit_seconds = get_double(base, H_FIT_SECONDS);
	m->info.final_loss = get_double(base, H_FINAL_LOSS);
	m->info.prior_ridge = get_float(base, H_PRIOR_RIDGE);

	/* A checksum only proves the writer's intent: check the content too. */
	for (j = 1; j < c.n_users; j++)
		if (m->user_ids[j - 1] >= m->user_ids[j]) {
			qf_error_set(err, "user ids not ascending at %llu",
			    (unsigned long long)j);
			return -1;
		}
	for (j = 1; j < c.n_items; j++)
		if (m->item_ids[j - 1] >= m->item_ids[j]) {
			qf_error_set(err, "item ids not ascending at %llu",
			    (unsigned long long)j);
			return -1;
		}
	/* Every float section, each on its own (padding between them). */
	for (s = 0; s < SECTION__MAX; s++) {
		if (s != SECTION_USER_FACTORS && s != SECTION_ITEM_FACTORS &&
		    s != SECTION_ITEM_GRAM && s != SECTION_USER_PRIOR &&
		    s != SECTION_ITEM_PRIOR)
			continue;
		f = (const float *)(base + l.offset[s]);
		n = l.size[s] / sizeof(float);
		for (j = 0; j < n; j++)
			if (!isfinite(f[j])) {
				qf_error_set(err, "section %d holds a non-finite "
				    "number at %llu", s, (unsigned long long)j);
				return -1;
			}
	}
	if (!(m->info.regularization > 0.0f) || !isfinite(m->info.regularization) ||
	    !(m->info.alpha >= 0.0f) || !isfinite(m->info.alpha) ||
	    !(m->info.prior_ridge >= 0.0f) || !isfinite(m->info.prior_ridge)) {
		qf_error_set(err, "training parameters out of range");
		return -1;
	}
	if (!utf8_is_clean(m->metrics_json, m->metrics_json_len, 1)) {
		qf_error_set(err, "metrics are not clean UTF-8 text");
		return -1;
	}
	if (c.n_user_features + c.n_item_features > 0) {
		m->feature_table = malloc((size_t)(c.n_user_features +
		    c.n_item_features) * sizeof(*m->feature_table));
		if (m->feature_table == NULL) {
			qf_error_set(err, "out of memory for the feature codes");
			return -1;
		}
		if (split_codes((const char *)base + l.offset[SECTION_USER_CODES],
		    c.user_codes_len, m->n_user_features, m->feature_table,
		    "user", err) < 0 ||
		    split_codes((const char *)base + l.offset[SECTION_ITEM_CODES],
		    c.item_codes_len, m->n_item_features,
		    m->feature_table + c.n_user_features, "item", err) < 0)
			return -1;
		m->user_features = m->feature_table;
		m->item_features = m->feature_table + c.n_user_features;
	}
	return 0;
}

struct model *
model_load(const char *path, struct qf_error *err)
{
	struct qf_error fault;
	struct model *m = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	int fd;

	/* O_NONBLOCK: a FIFO in the model's place must not hang the worker. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		qf_error_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		qf_error_set(err, "%s: %s", path, strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		qf_error_set(err, "%s: not a regular file", path);
		goto err;
	}
	if (st.st_size < HEADER_SIZE) {
		qf_error_set(err, "%s: truncated: %lld bytes, the header alone "
		    "is %d", path, (long long)st.st_size, HEADER_SIZE);
		goto err;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		qf_error_set(err, "%s: too large to map", path);
		goto err;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		qf_error_set(err, "out of memory");
		goto err;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		qf_error_set(err, "%s: cannot map: %s", path, strerror(errno));
		goto err;
	}
	qf_error_init(&fault);
	if (validate(m, map, (uint64_t)st.st_size, &fault) < 0) {
		qf_error_set(err, "%s: %s", path, fault.text);
		free(m->feature_table);
		goto err;
	}
	m->map = map;
	m->map_size = (size_t)st.st_size;
	m->file_dev = (uint64_t)st.st_dev;
	m->file_ino = (uint64_t)st.st_ino;
	close(fd);
	return m;
err:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	free(m);
	close(fd);
	return NULL;
}

void
model_unload(struct model *m)
{
	if (m == NULL)
		return;
	if (m->map != NULL)
		munmap(m->map, m->map_size);
	free(m->feature_table);
	free(m);
}

int
model_file_changed(const struct model *m, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return (uint64_t)st.st_dev != m->file_dev ||
	    (uint64_t)st.st_ino != m->file_ino;
}

int
model_signature_verify(const struct model *m, const unsigned char public_key[MODEL_PUBLIC_KEY_LEN],
    struct qf_error *err)
{
	static const unsigned char zeros[MODEL_SIGNATURE_LEN];
	const unsigned char *base = m->map;
	unsigned char signature[MODEL_SIGNATURE_LEN];
	crypto_sign_state state;

	memcpy(signature, base + H_SIGNATURE, MODEL_SIGNATURE_LEN);
	if (memcmp(signature, zeros, MODEL_SIGNATURE_LEN) == 0) {
		qf_error_set(err, "the file is not signed");
		return -1;
	}
	if (sodium_init() < 0) {
		qf_error_set(err, "libsodium cannot start");
		return -1;
	}
	crypto_sign_init(&state);
	crypto_sign_update(&state, base, H_SIGNATURE);
	crypto_sign_update(&state, zeros, MODEL_SIGNATURE_LEN);
	crypto_sign_update(&state, base + H_RESERVED, m->map_size - H_RESERVED);
	if (crypto_sign_final_verify(&state, signature, public_key) != 0) {
		qf_error_set(err, "bad signature: not signed by the trainer's key, or altered since");
		return -1;
	}
	return 0;
}

int64_t
model_user_index(const struct model *m, int64_t user_id)
{
	return model_id_find(m->user_ids, m->n_users, user_id);
}

int64_t
model_item_index(const struct model *m, int64_t item_id)
{
	return model_id_find(m->item_ids, m->n_items, item_id);
}
