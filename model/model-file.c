/*
 * model-file.c — the model file: written atomically, mapped read-only,
 * validated completely before anyone reads a factor from it.
 *
 * Layout, format version 1 (host byte order, which must be little-endian in
 * practice; the byte-order mark makes any other host refuse the file):
 *
 *   offset  size  field
 *        0     8  magic "QFMODEL\0"
 *        8     4  format version (1)
 *       12     4  byte-order mark 0x01020304
 *       16     4  header size (256)
 *       20     4  k, factors per row
 *       24     8  n_users
 *       32     8  n_items
 *       40     8  file size in bytes
 *       48     8  checksum: FNV-1a 64 of the whole file, these 8 bytes as 0
 *       56     8  created, unix seconds
 *       64     4  iterations           68   4  CG steps (0: Cholesky)
 *       72     8  seed
 *       80     4  regularization (f32) 84   4  alpha (f32)
 *       88     8  fit seconds (f64)    96   8  final loss (f64, NaN: none)
 *      104     8  metrics JSON length in bytes
 *      112    96  sections: 6 x {offset u64, size u64}, in this order:
 *                 user ids (int64 x n_users), item ids (int64 x n_items),
 *                 user factors (f32, n_users x k), item factors
 *                 (f32, n_items x k), item Gram Y^T Y (f32, k x k),
 *                 metrics (UTF-8 JSON text, no NUL)
 *      208    48  reserved, zero
 *      256        sections, each starting at a multiple of 64, zero padding
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

#include "extern.h"

#define HEADER_SIZE 256
#define BYTE_ORDER_MARK 0x01020304u
#define ALIGNMENT 64

enum section {
	SECTION_USER_IDS,
	SECTION_ITEM_IDS,
	SECTION_USER_FACTORS,
	SECTION_ITEM_FACTORS,
	SECTION_ITEM_GRAM,
	SECTION_METRICS,
	SECTION__MAX
};

/* Offsets of the header fields (see the table above). */
enum {
	H_MAGIC = 0, H_VERSION = 8, H_BYTE_ORDER = 12, H_HEADER_SIZE = 16,
	H_K = 20, H_N_USERS = 24, H_N_ITEMS = 32, H_FILE_SIZE = 40,
	H_CHECKSUM = 48, H_CREATED = 56, H_ITERATIONS = 64, H_CG_STEPS = 68,
	H_SEED = 72, H_REGULARIZATION = 80, H_ALPHA = 84, H_FIT_SECONDS = 88,
	H_FINAL_LOSS = 96, H_METRICS_LEN = 104, H_SECTIONS = 112,
	H_RESERVED = H_SECTIONS + SECTION__MAX * 16
};

struct layout {
	uint64_t offset[SECTION__MAX];
	uint64_t size[SECTION__MAX];
	uint64_t total;
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
 * The layout for 'k' and the counts, or -1 with 'err' filled when any of
 * them is outside the limits. Within the limits every product below stays
 * under 2^46, so none can overflow.
 */
static int
layout_compute(uint64_t k, uint64_t n_users, uint64_t n_items,
    uint64_t metrics_len, struct layout *l, struct qf_error *err)
{
	uint64_t at;
	int s;

	if (k < 1 || k > MODEL_MAX_FACTORS) {
		qf_error_set(err, "k is %llu, must be 1-%d",
		    (unsigned long long)k, MODEL_MAX_FACTORS);
		return -1;
	}
	if (n_users < 1 || n_users > MODEL_MAX_ROWS ||
	    n_items < 1 || n_items > MODEL_MAX_ROWS) {
		qf_error_set(err, "%llu users and %llu items: each must be 1-%u",
		    (unsigned long long)n_users, (unsigned long long)n_items,
		    MODEL_MAX_ROWS);
		return -1;
	}
	if (metrics_len > MODEL_FILE_MAX_METRICS) {
		qf_error_set(err, "metrics of %llu bytes, the limit is %u",
		    (unsigned long long)metrics_len, MODEL_FILE_MAX_METRICS);
		return -1;
	}
	l->size[SECTION_USER_IDS] = n_users * sizeof(int64_t);
	l->size[SECTION_ITEM_IDS] = n_items * sizeof(int64_t);
	l->size[SECTION_USER_FACTORS] = n_users * k * sizeof(float);
	l->size[SECTION_ITEM_FACTORS] = n_items * k * sizeof(float);
	l->size[SECTION_ITEM_GRAM] = k * k * sizeof(float);
	l->size[SECTION_METRICS] = metrics_len;
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

/* Where emitted bytes go: into the checksum (fp NULL) or into the file. */
struct emitter {
	FILE *fp;
	uint64_t hash;
	uint64_t at;
	int failed;
};

static void
emit(struct emitter *e, const void *data, size_t len)
{
	if (len == 0 || e->failed)
		return;
	if (e->fp == NULL)
		e->hash = fnv1a64(e->hash, data, len);
	else if (fwrite(data, 1, len, e->fp) != len)
		e->failed = 1;
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
	char tmp[4096], dir[4096];
	struct emitter e;
	struct layout l;
	float *gram = NULL;
	FILE *fp = NULL;
	size_t metrics_len;
	int fd = -1, dir_fd, s, rc = -1;

	tmp[0] = '\0';
	metrics_len = in->metrics_json != NULL ? strlen(in->metrics_json) : 0;
	if (layout_compute(in->k, in->n_users, in->n_items, metrics_len, &l,
	    err) < 0 || input_check(in, err) < 0)
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp) ||
	    directory_of(path, dir, sizeof(dir)) < 0) {
		qf_error_set(err, "%s: path too long", path);
		return -1;
	}
	if ((gram = model_floats_alloc((size_t)in->k * in->k)) == NULL) {
		qf_error_set(err, "out of memory");
		return -1;
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
	put64(header, H_METRICS_LEN, metrics_len);
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

	/* Pass 1: the checksum, with its own field still zero. */
	memset(&e, 0, sizeof(e));
	e.hash = FNV1A64_INIT;
	emit_file(&e, header, &l, data);
	put64(header, H_CHECKSUM, e.hash);

	/* Pass 2: the file, under a temporary name in the same directory. */
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
	return rc;
}

/* ----------------------------------------------------------------- load */

/* Every header field and the content; 0, or -1 with 'err' filled. */
static int
validate(struct model *m, const unsigned char *base, uint64_t file_size,
    struct qf_error *err)
{
	uint64_t k, n_users, n_items, metrics_len, sum, j, n;
	struct layout l;
	const float *f;
	int s;

	if (memcmp(base + H_MAGIC, MODEL_FILE_MAGIC, 8) != 0) {
		qf_error_set(err, "not a qingfeng model file (bad magic)");
		return -1;
	}
	if (get32(base, H_VERSION) != MODEL_FILE_VERSION) {
		qf_error_set(err, "model file format version %u, this program "
		    "reads version %d", get32(base, H_VERSION), MODEL_FILE_VERSION);
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
	for (j = H_RESERVED; j < HEADER_SIZE; j++)
		if (base[j] != 0) {
			qf_error_set(err, "reserved header byte %llu is not zero",
			    (unsigned long long)j);
			return -1;
		}
	k = get32(base, H_K);
	n_users = get64(base, H_N_USERS);
	n_items = get64(base, H_N_ITEMS);
	metrics_len = get64(base, H_METRICS_LEN);
	if (layout_compute(k, n_users, n_items, metrics_len, &l, err) < 0)
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

	sum = fnv1a64(FNV1A64_INIT, base, H_CHECKSUM);
	sum = fnv1a64(sum, "\0\0\0\0\0\0\0\0", 8);
	sum = fnv1a64(sum, base + H_CHECKSUM + 8,
	    (size_t)(l.total - H_CHECKSUM - 8));
	if (sum != get64(base, H_CHECKSUM)) {
		qf_error_set(err, "checksum mismatch: the file is corrupt");
		return -1;
	}

	m->k = (uint32_t)k;
	m->n_users = (uint32_t)n_users;
	m->n_items = (uint32_t)n_items;
	m->user_ids = (const int64_t *)(base + l.offset[SECTION_USER_IDS]);
	m->item_ids = (const int64_t *)(base + l.offset[SECTION_ITEM_IDS]);
	m->user_factors = (const float *)(base + l.offset[SECTION_USER_FACTORS]);
	m->item_factors = (const float *)(base + l.offset[SECTION_ITEM_FACTORS]);
	m->item_gram = (const float *)(base + l.offset[SECTION_ITEM_GRAM]);
	m->metrics_json = (const char *)(base + l.offset[SECTION_METRICS]);
	m->metrics_json_len = (size_t)metrics_len;
	m->checksum = sum;
	m->info.created = (int64_t)get64(base, H_CREATED);
	m->info.iterations = get32(base, H_ITERATIONS);
	m->info.cg_steps = get32(base, H_CG_STEPS);
	m->info.seed = get64(base, H_SEED);
	m->info.regularization = get_float(base, H_REGULARIZATION);
	m->info.alpha = get_float(base, H_ALPHA);
	m->info.fit_seconds = get_double(base, H_FIT_SECONDS);
	m->info.final_loss = get_double(base, H_FINAL_LOSS);

	/* A checksum only proves the writer's intent: check the content too. */
	for (j = 1; j < n_users; j++)
		if (m->user_ids[j - 1] >= m->user_ids[j]) {
			qf_error_set(err, "user ids not ascending at %llu",
			    (unsigned long long)j);
			return -1;
		}
	for (j = 1; j < n_items; j++)
		if (m->item_ids[j - 1] >= m->item_ids[j]) {
			qf_error_set(err, "item ids not ascending at %llu",
			    (unsigned long long)j);
			return -1;
		}
	/* The three float sections are contiguous but for padding: check each. */
	for (s = SECTION_USER_FACTORS; s <= SECTION_ITEM_GRAM; s++) {
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
	    !(m->info.alpha >= 0.0f) || !isfinite(m->info.alpha)) {
		qf_error_set(err, "training parameters out of range");
		return -1;
	}
	if (!utf8_is_clean(m->metrics_json, m->metrics_json_len, 1)) {
		qf_error_set(err, "metrics are not clean UTF-8 text");
		return -1;
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
