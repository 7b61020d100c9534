/*
 * test-model-file.c — a model written and loaded back is the same model:
 * counts, ids, factors, training fields, metrics, the stored Gram matrix,
 * aligned arrays; the write is atomic (no temporary left, old readers keep
 * their mapping, model_file_changed notices the new file).
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <unistd.h>

#include "model/model.h"
#include "tests/model/check-model.h"

enum { K = 5, USERS = 3, ITEMS = 4 };

static const int64_t user_ids[USERS] = { -7, 10, 1000000000000LL };
static const int64_t item_ids[ITEMS] = { 1, 2, 3, 99 };
static float user_factors[USERS * K], item_factors[ITEMS * K];

static void
fill_input(struct model_file_input *in, const char *metrics)
{
	int j;

	for (j = 0; j < USERS * K; j++)
		user_factors[j] = (float)j * 0.25f - 1.0f;
	for (j = 0; j < ITEMS * K; j++)
		item_factors[j] = 1.0f / (float)(j + 1);
	memset(in, 0, sizeof(*in));
	in->k = K;
	in->n_users = USERS;
	in->n_items = ITEMS;
	in->user_ids = user_ids;
	in->item_ids = item_ids;
	in->user_factors = user_factors;
	in->item_factors = item_factors;
	in->info.created = 1795000000;
	in->info.iterations = 15;
	in->info.cg_steps = 3;
	in->info.seed = 42;
	in->info.regularization = 50.0f;
	in->info.alpha = 2.0f;
	in->info.fit_seconds = 1.5;
	in->info.final_loss = 0.125;
	in->metrics_json = metrics;
}

static int
entries_in(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

#define ALIGNED(p) (((uintptr_t)(const void *)(p)) % 64 == 0)

int
main(void)
{
	const char *dir = check_scratch_dir("model-file");
	const char *metrics = "{\"precision_at_10\":0.5,\"note\":\"清风\"}";
	struct model_file_input in;
	struct model *m, *m2;
	struct qf_error err;
	char path[600], other[600];
	float gram[K * K];

	snprintf(path, sizeof(path), "%s/model.qfm", dir);
	fill_input(&in, metrics);
	CHECK_OK(model_file_write(path, &in, &err), err);
	CHECK_INT(entries_in(dir), 1);

	qf_error_init(&err);
	m = model_load(path, &err);
	if (m == NULL) {
		fprintf(stderr, "model_load: %s\n", err.text);
		CHECK(m != NULL);
		return check_report("test-model-file");
	}
	CHECK_INT(m->k, K);
	CHECK_INT(m->n_users, USERS);
	CHECK_INT(m->n_items, ITEMS);
	CHECK(memcmp(m->user_ids, user_ids, sizeof(user_ids)) == 0);
	CHECK(memcmp(m->item_ids, item_ids, sizeof(item_ids)) == 0);
	CHECK(memcmp(m->user_factors, user_factors, sizeof(user_factors)) == 0);
	CHECK(memcmp(m->item_factors, item_factors, sizeof(item_factors)) == 0);
	model_gram(item_factors, ITEMS, K, gram);
	CHECK(memcmp(m->item_gram, gram, sizeof(gram)) == 0);
	CHECK_INT(m->metrics_json_len, strlen(metrics));
	CHECK(memcmp(m->metrics_json, metrics, strlen(metrics)) == 0);
	CHECK_INT(m->info.created, 1795000000);
	CHECK_INT(m->info.iterations, 15);
	CHECK_INT(m->info.cg_steps, 3);
	CHECK_INT(m->info.seed, 42);
	CHECK_NEAR(m->info.regularization, 50, 0);
	CHECK_NEAR(m->info.alpha, 2, 0);
	CHECK_NEAR(m->info.fit_seconds, 1.5, 0);
	CHECK_NEAR(m->info.final_loss, 0.125, 0);
	CHECK(ALIGNED(m->user_ids) && ALIGNED(m->item_ids));
	CHECK(ALIGNED(m->user_factors) && ALIGNED(m->item_factors));
	CHECK(ALIGNED(m->item_gram));
	CHECK_INT(model_user_index(m, 1000000000000LL), 2);
	CHECK_INT(model_user_index(m, 11), -1);
	CHECK_INT(model_item_index(m, 99), 3);
	CHECK_INT(model_file_changed(m, path), 0);

	/* A new model renamed into place: the old mapping stays readable and
	 * model_file_changed says so; the new one loads with its own checksum. */
	in.metrics_json = NULL;
	in.info.iterations = 16;
	CHECK_OK(model_file_write(path, &in, &err), err);
	CHECK_INT(entries_in(dir), 1);
	CHECK_INT(model_file_changed(m, path), 1);
	CHECK_NEAR(m->user_factors[USERS * K - 1], user_factors[USERS * K - 1], 0);
	qf_error_init(&err);
	m2 = model_load(path, &err);
	CHECK(m2 != NULL);
	if (m2 != NULL) {
		CHECK_INT(m2->info.iterations, 16);
		CHECK_INT(m2->metrics_json_len, 0);
		CHECK(m2->checksum != m->checksum);
		model_unload(m2);
	}
	model_unload(m);

	/* The writer refuses what the loader would, and leaves nothing behind. */
	snprintf(other, sizeof(other), "%s/other.qfm", dir);
	fill_input(&in, NULL);
	in.k = 0;
	CHECK_FAILS(model_file_write(other, &in, &err), err, "k is 0");
	fill_input(&in, NULL);
	in.item_ids = (const int64_t[]){ 1, 3, 2, 4 };
	CHECK_FAILS(model_file_write(other, &in, &err), err, "ascending");
	fill_input(&in, NULL);
	user_factors[4] = NAN;
	CHECK_FAILS(model_file_write(other, &in, &err), err, "not finite");
	fill_input(&in, "bad \x01 control");
	CHECK_FAILS(model_file_write(other, &in, &err), err, "UTF-8");
	fill_input(&in, NULL);
	snprintf(other, sizeof(other), "%s/no-such-dir/model.qfm", dir);
	CHECK_FAILS(model_file_write(other, &in, &err), err, "cannot create");
	CHECK_INT(entries_in(dir), 1);

	unlink(path);
	rmdir(dir);
	return check_report("test-model-file");
}
