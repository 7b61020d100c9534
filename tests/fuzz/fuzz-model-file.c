/*
 * fuzz-model-file.c — the model-file loader (model/model-file.c). The input
 * is a model file; the loader must refuse every malformed one with an
 * error and never read outside it. A checksum would stop almost every
 * mutation at the first check, so an input whose checksum field is zero is
 * sealed first: its checksum and version string are filled in as the
 * format (documented at the top of model-file.c) defines them. A loaded
 * model is then read through: every id looked up, every factor and prior
 * weight summed, every feature code measured; and its signature checked
 * against a key that never signed it, which must fail.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/model.h"
#include "tests/fuzz/fuzz.h"

#define HEADER_SIZE 512
#define H_CHECKSUM 48
#define H_VERSION_STRING 144
#define H_SIGNATURE 320
#define SIGNATURE_LEN 64

/* FNV-1a 64, written here from its definition. */
static uint64_t
fnv1a64(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
seal(uint8_t *file, size_t size)
{
	uint8_t zero = 0;
	uint64_t sum = 0xcbf29ce484222325ULL;
	char version[17];

	for (size_t i = 0; i < size; i++)
		sum = fnv1a64(sum, (i >= H_CHECKSUM && i < H_CHECKSUM + 8) ||
		    (i >= H_VERSION_STRING && i < H_VERSION_STRING + 16) ||
		    (i >= H_SIGNATURE && i < H_SIGNATURE + SIGNATURE_LEN) ? &zero : file + i, 1);
	memcpy(file + H_CHECKSUM, &sum, 8);
	snprintf(version, sizeof(version), "%016llx", (unsigned long long)sum);
	memcpy(file + H_VERSION_STRING, version, 16);
}

static void
read_through(const struct model *m)
{
	volatile float sum = 0;
	volatile size_t bytes = 0;
	size_t k = m->k;

	for (uint32_t u = 0; u < m->n_users; u++) {
		FUZZ_ASSERT(model_user_index(m, m->user_ids[u]) == (int64_t)u);
		for (size_t j = 0; j < k; j++)
			sum += m->user_factors[u * k + j];
	}
	for (uint32_t i = 0; i < m->n_items; i++) {
		FUZZ_ASSERT(model_item_index(m, m->item_ids[i]) == (int64_t)i);
		for (size_t j = 0; j < k; j++)
			sum += m->item_factors[i * k + j];
	}
	for (size_t j = 0; j < k * k; j++)
		sum += m->item_gram[j];
	for (size_t j = 0; j < m->metrics_json_len; j++)
		bytes += (unsigned char)m->metrics_json[j];
	for (uint32_t f = 0; f < m->n_user_features; f++)
		bytes += strlen(m->user_features[f]);
	for (uint32_t f = 0; f < m->n_item_features; f++)
		bytes += strlen(m->item_features[f]);
	for (size_t j = 0; j < (1 + (size_t)m->n_user_features) * k; j++)
		sum += m->user_prior[j];
	for (size_t j = 0; j < (1 + (size_t)m->n_item_features) * k; j++)
		sum += m->item_prior[j];
	if (k > 0 && k <= 1024) {
		float x[1024];

		model_user_prior(m, m->user_features, m->n_user_features, x);
		model_item_prior(m, m->item_features, m->n_item_features, x);
	}
	(void)sum;
	(void)bytes;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zeros[8];
	static int fd = -1;
	struct qf_error err;
	struct model *m;
	uint8_t *file;
	char path[64];

	if (size > (8u << 20))
		return 0;
	if (fd < 0)
		FUZZ_ASSERT((fd = memfd_create("qf-fuzz-model", MFD_CLOEXEC)) >= 0);
	if ((file = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(file, data, size);
	if (size >= HEADER_SIZE && memcmp(file + H_CHECKSUM, zeros, 8) == 0)
		seal(file, size);
	FUZZ_ASSERT(ftruncate(fd, 0) == 0 && pwrite(fd, file, size, 0) == (ssize_t)size);
	free(file);
	/* The loader takes a path: the memory file's own. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	qf_error_init(&err);
	if ((m = model_load(path, &err)) != NULL) {
		/* The public half of a key pair nobody signs with. */
		unsigned char stranger[MODEL_PUBLIC_KEY_LEN];

		memset(stranger, 0x5a, sizeof(stranger));
		FUZZ_ASSERT(m->map_size == size);
		read_through(m);
		qf_error_init(&err);
		FUZZ_ASSERT(model_signature_verify(m, stranger, &err) < 0 && err.set);
		model_unload(m);
	} else
		FUZZ_ASSERT(err.set && err.text[0] != '\0');
	return 0;
}
