/*
 * model.h — the factorisation model as a library: the sparse interaction
 * matrix, implicit-feedback ALS, fold-in of one user, scoring and top-N,
 * the model file (write atomically, mmap, validate) and offline metrics.
 * Used by qingfeng-train (training, evaluation) and by the FastCGI app
 * (loading, scoring, fold-in at request time).
 *
 * Conventions of the whole library:
 *   - Factor matrices are row-major float32, one row of 'k' floats per user
 *     or item, allocated 64-byte aligned (model_floats_alloc).
 *   - Users and items have external int64 ids (database ids, MovieLens ids)
 *     and dense internal indices 0..n-1. The id maps are sorted ascending, so
 *     an internal index is the position of the id in its map.
 *   - A call that can fail returns a negative value (or NULL) and fills the
 *     optional 'struct qf_error'; nothing here exits or prints.
 *   - BLAS inside the library is called from the calling thread. A server
 *     that scores from many processes should call
 *     openblas_set_num_threads(1) once at start-up; model_als_fit sets the
 *     OpenBLAS thread count it needs and restores it before returning.
 */
#ifndef QF_MODEL_H
#define QF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core.h"

struct model_prior;

/* Upper limits the library accepts; anything larger is refused, not tried. */
#define MODEL_MAX_FACTORS 1024
#define MODEL_MAX_ROWS    ((uint32_t)INT32_MAX)   /* users or items */
#define MODEL_MAX_NNZ     ((uint64_t)1 << 40)

/* ------------------------------------------------------------ allocation */

/* 'n' floats, 64-byte aligned, zeroed; NULL when 'n' is 0 or out of memory. */
float *model_floats_alloc(size_t n);
void model_floats_free(float *p);

/* ----------------------------------------------------------- sparse data */

/*
 * Compressed sparse rows: row r holds columns col[row_ptr[r]..row_ptr[r+1])
 * in strictly ascending order, each with its value. Owned arrays, freed by
 * model_csr_free.
 */
struct model_csr {
	uint32_t n_rows;
	uint32_t n_cols;
	uint64_t nnz;
	uint64_t *row_ptr;   /* n_rows + 1 */
	uint32_t *col;       /* nnz */
	float *val;          /* nnz */
};

/*
 * Builds an 'n_rows' x 'n_cols' matrix from 'n' (rows[j], cols[j], vals[j])
 * entries in any order; repeated (row, col) pairs are summed (two "complete"
 * events count twice). Fills 'out' (caller frees with model_csr_free).
 * Returns 0, or -1 with 'err' filled (index out of range, out of memory).
 */
int model_csr_build(uint32_t n_rows, uint32_t n_cols, const uint32_t *rows,
    const uint32_t *cols, const float *vals, size_t n, struct model_csr *out,
    struct qf_error *err);
/* Fills 'out' with the transpose of 'a'; 0 or -1 with 'err' filled. */
int model_csr_transpose(const struct model_csr *a, struct model_csr *out,
    struct qf_error *err);
void model_csr_free(struct model_csr *m);

/* One interaction as read from a file or the events table. */
struct model_triple {
	int64_t user;
	int64_t item;
	float weight;   /* strength r; negative = negative evidence (see als) */
};

/*
 * The training matrix with its id maps: users x items and its transpose.
 * Everything owned; freed by model_interactions_free.
 */
struct model_interactions {
	uint32_t n_users;
	uint32_t n_items;
	int64_t *user_ids;            /* n_users, ascending */
	int64_t *item_ids;            /* n_items, ascending */
	struct model_csr by_user;     /* n_users x n_items */
	struct model_csr by_item;     /* n_items x n_users */
};

/*
 * Builds the matrix from 'n' triples: every distinct user and item gets an
 * index in ascending id order. 0, or -1 with 'err' filled (no triples, a
 * non-finite weight, too many users or items, out of memory).
 */
int model_interactions_build(const struct model_triple *triples, size_t n,
    struct model_interactions *out, struct qf_error *err);
void model_interactions_free(struct model_interactions *m);

/* Index of 'id' in the ascending map 'ids' of 'n' entries, or -1 when absent. */
int64_t model_id_find(const int64_t *ids, uint32_t n, int64_t id);

/* ------------------------------------------------------------------ ALS */

/*
 * Implicit-feedback ALS (Hu, Koren & Volinsky, "Collaborative Filtering for
 * Implicit Feedback Datasets", ICDM 2008). Each observed strength r gives a
 * preference p = 1 (p = 0 when r < 0: explicit negative evidence, as the
 * `implicit` library treats negative values) and a confidence
 * c = 1 + alpha * |r|; unobserved pairs have p = 0, c = 1 (so an observed
 * r = 0 is a positive with no more confidence than an unobserved pair). ALS minimises
 *   sum_{u,i} c_ui (p_ui - x_u . y_i)^2 + lambda (sum |x_u|^2 + sum |y_i|^2)
 * by solving, for each user in turn (then each item, symmetrically),
 *   (Y^T Y + Y^T (C_u - I) Y + lambda I) x_u = Y^T C_u p(u),
 * either exactly (Cholesky, LAPACK sposv) or with 'cg_steps' conjugate-
 * gradient steps warm-started from the previous x_u (Takács, Pilászy &
 * Tikk, "Applications of the conjugate gradient method for implicit
 * feedback collaborative filtering", RecSys 2011), as `implicit` does.
 */
struct model_als_options {
	uint32_t factors;        /* k, 1..MODEL_MAX_FACTORS */
	float regularization;    /* lambda >= 0 (> 0 for the Cholesky solver) */
	float alpha;             /* confidence slope, >= 0 */
	uint32_t iterations;     /* full user+item sweeps, 1..1000 */
	uint32_t cg_steps;       /* 0: exact Cholesky; otherwise CG steps, <= 64 */
	uint32_t threads;        /* 1..256: worker threads and OpenBLAS threads */
	uint64_t seed;           /* initial factors, uniform in [0, 0.01) */
	int compute_loss;        /* evaluate the loss after each iteration */
	/* Optional: called after each iteration (loss is NAN when not computed). */
	void (*progress)(void *ctx, uint32_t iteration, double loss, double seconds);
	void *progress_ctx;
};

/*
 * Fills 'o' with the defaults: k 64, lambda 50, alpha 2, 15 iterations,
 * 3 CG steps, 1 thread, seed 42 (tuned on ml-100k: see als.c).
 */
void model_als_options_default(struct model_als_options *o);
/* 0 when 'o' is usable, -1 with 'err' naming the bad field. */
int model_als_options_check(const struct model_als_options *o, struct qf_error *err);

/* Trained factors, owned: free with model_factors_free. */
struct model_factors {
	uint32_t k;
	uint32_t n_users;
	uint32_t n_items;
	float *user;        /* n_users x k */
	float *item;        /* n_items x k */
};

struct model_als_report {
	uint32_t iterations;
	double fit_seconds;             /* wall clock, whole fit */
	double seconds_per_iteration;   /* mean over iterations, loss excluded */
	double final_loss;              /* NAN unless compute_loss */
};

/*
 * Trains on 'train' (its by_user and by_item). Fills 'out' (caller frees)
 * and, when non-NULL, 'report'. For a given seed and thread count the
 * factors are bit-identical from run to run. Returns 0, or -1 with 'err'
 * filled (bad options, out of memory, a singular system).
 */
int model_als_fit(const struct model_interactions *train,
    const struct model_als_options *options, struct model_factors *out,
    struct model_als_report *report, struct qf_error *err);
void model_factors_free(struct model_factors *f);

/*
 * The Gram matrix Y^T Y of 'n' rows of 'k' factors into 'gram' (k x k, both
 * triangles filled). Uses the calling thread's OpenBLAS setting.
 */
void model_gram(const float *factors, uint32_t n, uint32_t k, float *gram);

/* --------------------------------------------------------------- fold-in */

/*
 * One user's factor vector from their interactions against fixed item
 * factors: the exact ALS user step
 *   (Y^T Y + Y^T (C_u - I) Y + lambda I) x = Y^T C_u p(u),
 * one k x k Cholesky solve. 'item_factors' is n_items x k, 'gram' its
 * Y^T Y (k x k, as stored in the model file). 'items' (indices < n_items,
 * need not be sorted or unique) and 'weights' have 'n' entries; 'n' may be
 * 0 (the result is then the zero vector). Writes k floats to 'x'.
 * Returns 0, or -1 with 'err' filled.
 */
int model_fold_in(const float *item_factors, uint32_t n_items, uint32_t k,
    const float *gram, float alpha, float regularization,
    const uint32_t *items, const float *weights, size_t n, float *x,
    struct qf_error *err);

/* --------------------------------------------------------------- scoring */

/* scores[i] = y_i . x for all 'n_items' items: one sgemv, (n x k)(k) -> n. */
void model_score_all(const float *item_factors, uint32_t n_items, uint32_t k,
    const float *x, float *scores);

/*
 * The 'n' best of 'n_scores' scores, best first (ties: lower index first),
 * skipping NaN scores and the indices in 'exclude' ('n_exclude' entries,
 * ascending; NULL when none). Writes indices to 'out_index' and, when
 * non-NULL, scores to 'out_score'. Returns how many were written (fewer
 * than 'n' when the catalogue runs out).
 */
size_t model_top_n(const float *scores, uint32_t n_scores,
    const uint32_t *exclude, size_t n_exclude, size_t n,
    uint32_t *out_index, float *out_score);

/* ------------------------------------------------------------ model file */

#define MODEL_FILE_MAGIC "QFMODEL"   /* 8 bytes with its NUL */
#define MODEL_FILE_VERSION 2          /* 2: feature priors, version string */
#define MODEL_FILE_MAX_METRICS (1u << 20)

/* How the factors were trained: fixed fields of the file header. */
struct model_train_info {
	int64_t created;            /* unix seconds */
	uint32_t iterations;
	uint32_t cg_steps;
	uint64_t seed;
	float regularization;
	float alpha;
	double fit_seconds;
	double final_loss;          /* NAN when not computed */
	float prior_ridge;          /* ridge of the feature priors (0: none fitted) */
};

/* What model_file_write needs; nothing is taken over. */
struct model_file_input {
	uint32_t k;
	uint32_t n_users;
	uint32_t n_items;
	const int64_t *user_ids;        /* n_users, strictly ascending */
	const int64_t *item_ids;        /* n_items, strictly ascending */
	const float *user_factors;      /* n_users x k, finite */
	const float *item_factors;      /* n_items x k, finite */
	struct model_train_info info;
	const char *metrics_json;       /* NUL-terminated text, may be NULL */
	/*
	 * Cold-start priors (see "cold start" below), each with k == 'k';
	 * NULL: no features, the bias row is then the mean factor row, so a
	 * newcomer starts at the average user or item.
	 */
	const struct model_prior *user_prior;
	const struct model_prior *item_prior;
	/* The trainer's Ed25519 secret key: the file is signed; NULL: unsigned. */
	const unsigned char *signing_key;
};

/*
 * Writes the model to 'path' atomically: a temporary file in the same
 * directory, fwrite, fflush, fsync, rename over 'path', fsync of the
 * directory. Readers see the old file or the new one, never half of one.
 * The item Gram matrix Y^T Y is computed and stored for fold-in. The
 * header carries the model's version string: the 16 lowercase hex digits
 * of the file's checksum (what the app reports as the model version and
 * qingfeng-train records in model_runs.model_version).
 * Returns 0, or -1 with 'err' filled (and no temporary file left behind).
 * Load the file back (model_load) to read its version.
 */
int model_file_write(const char *path, const struct model_file_input *in,
    struct qf_error *err);

/* The version string with its NUL: 16 hex digits. */
#define MODEL_VERSION_SIZE 17

/* A loaded model: read-only views into one private mapping of the file. */
struct model {
	uint32_t k;
	uint32_t n_users;
	uint32_t n_items;
	const int64_t *user_ids;
	const int64_t *item_ids;
	const float *user_factors;   /* n_users x k */
	const float *item_factors;   /* n_items x k */
	const float *item_gram;      /* k x k, Y^T Y */
	const char *metrics_json;    /* NOT NUL-terminated: use metrics_json_len */
	size_t metrics_json_len;
	struct model_train_info info;
	uint64_t checksum;           /* FNV-1a 64 of the file; a version tag */
	char version[MODEL_VERSION_SIZE];   /* from the header: checksum in hex */
	uint64_t file_dev;           /* st_dev and st_ino when loaded: */
	uint64_t file_ino;           /* see model_file_changed */
	/* Cold-start priors: feature codes ascending, (1 + n) x k weights. */
	uint32_t n_user_features;
	uint32_t n_item_features;
	const char *const *user_features;
	const char *const *item_features;
	const float *user_prior;     /* row 0 bias, row 1 + j feature j */
	const float *item_prior;
	/* private */
	void *map;
	size_t map_size;
	const char **feature_table;  /* owned: both code tables */
};

/*
 * Maps 'path' read-only and validates all of it: magic, format version,
 * byte order, counts against the limits, every offset and size against the
 * file length (overflow-safe), 64-byte alignment, the checksum, ascending
 * id maps and finite factors. Returns the model (free with model_unload),
 * or NULL with 'err' saying what is wrong. Never crashes on a bad file.
 * The mapping stays valid while the file is replaced by rename (as
 * model_file_write does); truncating the file in place under a loaded
 * model would fault its readers, so nothing may write model files in place.
 */
struct model *model_load(const char *path, struct qf_error *err);
void model_unload(struct model *m);

/*
 * 1 when the file now at 'path' is not the one 'm' was loaded from (a new
 * model was renamed into place), 0 when it is the same, -1 when 'path'
 * cannot be examined. Hot reload: a worker checks this between requests.
 */
int model_file_changed(const struct model *m, const char *path);

/* ------------------------------------------------------------ signatures */

/*
 * A model file may carry an Ed25519 signature by the trainer's key
 * (model_file_input.signing_key); a server given the public key serves
 * only files that verify, so a file altered or written by anyone else is
 * refused. Keys are files of hex text (model-sign.c).
 */
#define MODEL_SIGNATURE_LEN 64
#define MODEL_SECRET_KEY_LEN 64
#define MODEL_PUBLIC_KEY_LEN 32

/* 0 when 'm' is signed by the holder of 'public_key'; -1 with 'err' (unsigned, bad signature). */
int model_signature_verify(const struct model *m, const unsigned char public_key[MODEL_PUBLIC_KEY_LEN],
    struct qf_error *err);
/* Creates a new key pair: 'secret_path' (mode 0600, must not exist) and 'public_path'. 0 or -1. */
int model_key_generate(const char *secret_path, const char *public_path, struct qf_error *err);
/* Reads a key file written by model_key_generate. 0 or -1 with 'err'. */
int model_key_read_secret(const char *path, unsigned char key[MODEL_SECRET_KEY_LEN], struct qf_error *err);
int model_key_read_public(const char *path, unsigned char key[MODEL_PUBLIC_KEY_LEN], struct qf_error *err);

/* Internal index of a user or item id in a loaded model, or -1. */
int64_t model_user_index(const struct model *m, int64_t user_id);
int64_t model_item_index(const struct model *m, int64_t item_id);

/* ------------------------------------------------------------ cold start */

/*
 * Feature priors for cadres and items without interactions (cold start):
 * one ridge regression per side from binary features to the trained
 * factor rows,
 *   x  ~  b + sum over the row's features j of W_j,
 *   (W, b) = argmin sum_u |x_u - b - f_u W|^2 + ridge |W|^2   (b free),
 * solved as (F_c^T F_c + ridge I) W = F_c^T X_c with F_c, X_c the centred
 * feature and factor matrices, b = mean(x) - mean(f) W. A new cadre's
 * vector is then b plus the rows of their features: items liked by the
 * trained cadres who share a risk exposure score higher for them.
 *
 * Feature codes are 1..MODEL_FEATURE_CODE_MAX printable ASCII bytes
 * without spaces. qingfeng uses, for users, "category:<category>",
 * "industry:<tag>", "risk:<tag>" (risk exposure) and "weak:<tag>"
 * (a discipline the cadre's quiz mastery is below 0.6 in); for items, the
 * item's tag codes as they are ("risk.tendering").
 */
#define MODEL_MAX_FEATURES 65536
#define MODEL_FEATURE_CODE_MAX 128
#define MODEL_FEATURE_CATEGORY "category:"
#define MODEL_FEATURE_INDUSTRY "industry:"
#define MODEL_FEATURE_RISK "risk:"
#define MODEL_FEATURE_WEAK "weak:"

/* A fitted prior, owned: free with model_prior_free. */
struct model_prior {
	uint32_t k;
	uint32_t n_features;
	char **codes;        /* n_features, strictly ascending (strcmp) */
	float *weights;      /* (1 + n_features) x k: bias row, then W */
	float ridge;
};

/* 1 when 'code' (NUL-terminated) is a valid feature code. */
int model_feature_code_is_valid(const char *code);

/*
 * Fits the prior of one side. 'factors' is n_rows x k; 'features' is an
 * n_rows x n_features matrix whose entries mark a row's features (their
 * values are ignored); 'codes' names its columns, strictly ascending and
 * valid (copied). 'ridge' > 0. The n_features x n_features system is
 * solved with LAPACK sposv for all k right-hand sides at once. n_features may be 0: the prior is
 * then the mean row. Fills 'out'; 0, or -1 with 'err' filled.
 */
int model_prior_fit(const float *factors, uint32_t n_rows, uint32_t k,
    const struct model_csr *features, const char *const *codes, float ridge,
    struct model_prior *out, struct qf_error *err);
void model_prior_free(struct model_prior *p);

/* Index of 'code' in the ascending table 'codes' of 'n', or -1. */
int64_t model_feature_find(const char *const *codes, uint32_t n,
    const char *code);

/*
 * The prior vector of a newcomer with the 'n' feature codes 'codes' (any
 * order; unknown codes and repeats are ignored) into 'out' (k floats):
 * b + sum of W_j, one sgemv-free pass of saxpy. Returns how many distinct
 * known features were used (0: 'out' is the bias alone).
 */
int model_prior_vector(const float *weights, const char *const *table,
    uint32_t n_table, uint32_t k, const char *const *codes, size_t n,
    float *out);
/* The same against a loaded model's user or item prior. */
int model_user_prior(const struct model *m, const char *const *features,
    size_t n, float *x);
int model_item_prior(const struct model *m, const char *const *tags,
    size_t n, float *y);

/* --------------------------------------------------------------- metrics */

#define MODEL_EVAL_CUTOFF 10

/*
 * Offline ranking quality at a cut-off of MODEL_EVAL_CUTOFF, averaged over
 * the users with at least one rankable test item. For each such user the
 * candidates are all items not in their training row; relevant = their
 * test items among the candidates.
 *   precision = hits / 10;  recall = hits / |relevant|;
 *   ndcg = DCG / ideal DCG with gains 1/log2(rank + 1);
 *   map = (1 / min(10, |relevant|)) * sum over hits of precision at that rank;
 *   auc = share of (relevant, other candidate) pairs ordered correctly,
 *         ties counting one half, over all candidates (users with no other
 *         candidate are left out of the AUC mean);
 *   coverage = distinct items in any top-10 / n_items.
 * Top-10 ties are broken by the lower item index, as model_top_n does.
 */
struct model_metrics {
	double precision;
	double recall;
	double ndcg;
	double map;
	double auc;
	double coverage;
	uint32_t users_evaluated;
	uint64_t relevant_pairs;     /* rankable test pairs */
	uint64_t skipped_pairs;      /* test pairs already in the training row */
};

/*
 * Fills 'scores' (n_items floats) for internal user 'user'; returns 0 or -1
 * with 'err' filled, which stops the evaluation.
 */
typedef int (*model_scorer)(void *ctx, uint32_t user, float *scores,
    struct qf_error *err);

/*
 * Ranks for every user of 'test' (same shape and indices as 'train',
 * users x items) with 'scorer' and fills 'out'. 0, or -1 with 'err' filled.
 */
int model_evaluate(const struct model_csr *train, const struct model_csr *test,
    model_scorer scorer, void *ctx, struct model_metrics *out,
    struct qf_error *err);

/* A scorer for model_evaluate from trained factors: ctx is a struct model_factors. */
int model_scorer_factors(void *ctx, uint32_t user, float *scores,
    struct qf_error *err);

/*
 * The popularity baseline: each item scored by the number of training users
 * with a positive interaction with it, counted from 'train' (users x items).
 * ctx for model_scorer_popularity is a struct model_popularity.
 */
struct model_popularity {
	uint32_t n_items;
	float *count;   /* owned; free with model_popularity_free */
};
int model_popularity_build(const struct model_csr *train,
    struct model_popularity *out, struct qf_error *err);
void model_popularity_free(struct model_popularity *p);
int model_scorer_popularity(void *ctx, uint32_t user, float *scores,
    struct qf_error *err);

#endif /* QF_MODEL_H */
