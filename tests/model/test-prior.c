/*
 * test-prior.c — the cold-start feature priors: the ridge fit recovers a
 * planted linear map from features to factors (and shrinks with the
 * ridge), a newcomer's vector is the bias plus their known features'
 * rows (unknown codes and repeats ignored), bad input is refused, and the
 * priors survive the model file round trip.
 */
#include "config.h"

#include <unistd.h>

#include "model/model.h"
#include "tests/model/check-model.h"

enum { K = 3, ROWS = 400, D = 4 };

static const char *const codes[D] = {
	"category:leading", "industry:industry.finance", "risk:risk.tendering",
	"weak:discipline.mass"
};
/* The planted map: bias, then one row per feature. */
static const float planted[1 + D][K] = {
	{ 0.5f, -0.2f, 0.1f },
	{ 1.0f, 0.0f, 0.0f },
	{ 0.0f, 2.0f, 0.0f },
	{ 0.0f, 0.0f, -1.5f },
	{ 0.3f, 0.3f, 0.3f },
};

int
main(void)
{
	static float factors[ROWS * K], item_factors[5 * K];
	static uint32_t rows[ROWS * D], cols[ROWS * D];
	static float ones[ROWS * D];
	static int64_t user_ids[ROWS], item_ids[5] = { 1, 2, 3, 4, 5 };
	const char *dir = check_scratch_dir("prior");
	struct model_prior p, strong;
	struct model_file_input in;
	struct model_csr f;
	struct qf_error err;
	struct model *m;
	uint64_t rng = 5;
	size_t n = 0;
	uint32_t r, j, c;
	float x[K], x2[K];
	const char *mine[6];
	char path[600];

	/* Each row has each feature with probability 1/2; x = b + f W + noise. */
	for (r = 0; r < ROWS; r++) {
		user_ids[r] = r + 1;
		for (c = 0; c < K; c++)
			factors[r * K + c] = planted[0][c] +
			    ((float)(check_random(&rng) % 1000) - 500.0f) * 1e-5f;
		for (j = 0; j < D; j++) {
			if (check_random(&rng) % 2 == 0)
				continue;
			rows[n] = r;
			cols[n] = j;
			ones[n] = 1.0f;
			n++;
			for (c = 0; c < K; c++)
				factors[r * K + c] += planted[1 + j][c];
		}
	}
	CHECK_OK(model_csr_build(ROWS, D, rows, cols, ones, n, &f, &err), err);
	CHECK_OK(model_prior_fit(factors, ROWS, K, &f, codes, 1e-3f, &p, &err),
	    err);
	for (j = 0; j <= D; j++)
		for (c = 0; c < K; c++)
			CHECK_NEAR(p.weights[j * K + c], planted[j][c], 0.01);
	/* A strong ridge shrinks the feature rows towards zero. */
	CHECK_OK(model_prior_fit(factors, ROWS, K, &f, codes, 1e4f, &strong,
	    &err), err);
	CHECK(fabsf(strong.weights[2 * K + 1]) < 0.5f * fabsf(p.weights[2 * K + 1]));
	model_prior_free(&strong);

	/* A newcomer: bias + the rows of their known features. */
	mine[0] = "risk:risk.tendering";
	mine[1] = "unknown:code";
	mine[2] = "industry:industry.finance";
	mine[3] = "risk:risk.tendering";
	mine[4] = NULL;
	CHECK_INT(model_prior_vector(p.weights, (const char *const *)p.codes,
	    p.n_features, K, mine, 5, x), 2);
	for (c = 0; c < K; c++)
		CHECK_NEAR(x[c], p.weights[c] + p.weights[3 * K + c] +
		    p.weights[2 * K + c], 1e-6);
	CHECK_INT(model_prior_vector(p.weights, (const char *const *)p.codes,
	    p.n_features, K, NULL, 0, x2), 0);
	CHECK_NEAR(x2[1], p.weights[1], 0);

	/* Refused: codes out of order or invalid, shapes, ridge. */
	mine[0] = "b:x";
	mine[1] = "a:x";
	mine[2] = "c:x";
	mine[3] = "d:x";
	CHECK_FAILS(model_prior_fit(factors, ROWS, K, &f, mine, 1.0f, &strong,
	    &err), err, "ascending");
	mine[0] = "a b";
	CHECK_FAILS(model_prior_fit(factors, ROWS, K, &f, mine, 1.0f, &strong,
	    &err), err, "not a valid code");
	CHECK_FAILS(model_prior_fit(factors, ROWS, K, &f, codes, 0.0f, &strong,
	    &err), err, "ridge");
	CHECK_FAILS(model_prior_fit(factors, ROWS - 1, K, &f, codes, 1.0f,
	    &strong, &err), err, "feature matrix");
	CHECK(!model_feature_code_is_valid(""));
	CHECK(!model_feature_code_is_valid("tab\there"));
	CHECK(model_feature_code_is_valid("risk:risk.tendering"));

	/* Through the model file. */
	for (j = 0; j < 5 * K; j++)
		item_factors[j] = (float)j * 0.1f;
	memset(&in, 0, sizeof(in));
	in.k = K;
	in.n_users = ROWS;
	in.n_items = 5;
	in.user_ids = user_ids;
	in.item_ids = item_ids;
	in.user_factors = factors;
	in.item_factors = item_factors;
	in.info.regularization = 1.0f;
	in.info.alpha = 2.0f;
	in.info.prior_ridge = 1e-3f;
	in.user_prior = &p;
	snprintf(path, sizeof(path), "%s/model.qfm", dir);
	CHECK_OK(model_file_write(path, &in, &err), err);
	qf_error_init(&err);
	m = model_load(path, &err);
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK_INT(m->n_user_features, D);
		CHECK_INT(m->n_item_features, 0);
		for (j = 0; j < D; j++)
			CHECK_STR(m->user_features[j], codes[j]);
		CHECK(memcmp(m->user_prior, p.weights, (1 + D) * K * sizeof(float))
		    == 0);
		CHECK_NEAR(m->info.prior_ridge, 1e-3, 1e-9);
		mine[0] = "weak:discipline.mass";
		CHECK_INT(model_user_prior(m, mine, 1, x), 1);
		CHECK_NEAR(x[2], p.weights[2] + p.weights[4 * K + 2], 1e-6);
		/* No item features: the item prior is the mean item row. */
		CHECK_INT(model_item_prior(m, mine, 1, x), 0);
		CHECK_NEAR(x[0], (0.0 + 0.3 + 0.6 + 0.9 + 1.2) / 5, 1e-6);
		CHECK_INT(strlen(m->version), 16);
		model_unload(m);
	}
	/* A prior of the wrong rank is refused by the writer. */
	p.k = K + 1;
	CHECK_FAILS(model_file_write(path, &in, &err), err, "does not fit");
	p.k = K;

	unlink(path);
	rmdir(dir);
	model_prior_free(&p);
	model_csr_free(&f);
	return check_report("test-prior");
}
