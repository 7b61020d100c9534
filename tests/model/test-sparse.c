/* test-sparse.c — the CSR matrix: sorted rows, summed repeats, transpose, id maps. */
#include "config.h"

#include "model/model.h"
#include "tests/model/check-model.h"

static void
test_build_and_transpose(void)
{
	/* 3 x 4, given out of order, (0,1) twice: 1.5 + 2 */
	const uint32_t rows[] = { 2, 0, 0, 1, 0, 2 };
	const uint32_t cols[] = { 3, 1, 0, 2, 1, 0 };
	const float vals[] = { 4.0f, 1.5f, 1.0f, 3.0f, 2.0f, 5.0f };
	struct model_csr m, t;
	struct qf_error err;

	CHECK_OK(model_csr_build(3, 4, rows, cols, vals, 6, &m, &err), err);
	CHECK_INT(m.nnz, 5);
	CHECK_INT(m.row_ptr[0], 0);
	CHECK_INT(m.row_ptr[1], 2);
	CHECK_INT(m.row_ptr[2], 3);
	CHECK_INT(m.row_ptr[3], 5);
	CHECK_INT(m.col[0], 0);
	CHECK_NEAR(m.val[0], 1.0, 0);
	CHECK_INT(m.col[1], 1);
	CHECK_NEAR(m.val[1], 3.5, 0);
	CHECK_INT(m.col[2], 2);
	CHECK_INT(m.col[3], 0);
	CHECK_NEAR(m.val[3], 5.0, 0);
	CHECK_INT(m.col[4], 3);

	CHECK_OK(model_csr_transpose(&m, &t, &err), err);
	CHECK_INT(t.n_rows, 4);
	CHECK_INT(t.n_cols, 3);
	CHECK_INT(t.nnz, 5);
	/* column 0 of m: rows 0 and 2 */
	CHECK_INT(t.row_ptr[1] - t.row_ptr[0], 2);
	CHECK_INT(t.col[t.row_ptr[0]], 0);
	CHECK_INT(t.col[t.row_ptr[0] + 1], 2);
	CHECK_NEAR(t.val[t.row_ptr[0] + 1], 5.0, 0);
	CHECK_INT(t.col[t.row_ptr[1]], 0);
	CHECK_NEAR(t.val[t.row_ptr[1]], 3.5, 0);
	CHECK_INT(t.col[t.row_ptr[3]], 2);
	model_csr_free(&t);
	model_csr_free(&m);
}

static void
test_refusals(void)
{
	const uint32_t rows[] = { 0, 1 }, cols[] = { 0, 7 };
	const float vals[] = { 1.0f, 1.0f }, bad[] = { 1.0f, NAN };
	struct model_csr m;
	struct qf_error err;

	CHECK_FAILS(model_csr_build(2, 3, rows, cols, vals, 2, &m, &err), err,
	    "outside");
	CHECK_FAILS(model_csr_build(2, 8, rows, cols, bad, 2, &m, &err), err,
	    "non-finite");
	CHECK_OK(model_csr_build(5, 5, NULL, NULL, NULL, 0, &m, &err), err);
	CHECK_INT(m.nnz, 0);
	CHECK_INT(m.row_ptr[5], 0);
	model_csr_free(&m);
}

static void
test_interactions(void)
{
	const struct model_triple t[] = {
		{ 1000, 7, 1.0f }, { -5, 7, 2.0f }, { 1000, 3, 1.0f },
		{ 42, 99, 1.0f }, { 1000, 7, 0.5f },
	};
	struct model_interactions m;
	struct qf_error err;

	CHECK_OK(model_interactions_build(t, 5, &m, &err), err);
	CHECK_INT(m.n_users, 3);
	CHECK_INT(m.n_items, 3);
	CHECK_INT(m.user_ids[0], -5);
	CHECK_INT(m.user_ids[1], 42);
	CHECK_INT(m.user_ids[2], 1000);
	CHECK_INT(m.item_ids[0], 3);
	CHECK_INT(m.item_ids[2], 99);
	CHECK_INT(model_id_find(m.user_ids, m.n_users, 42), 1);
	CHECK_INT(model_id_find(m.user_ids, m.n_users, 43), -1);
	CHECK_INT(model_id_find(m.item_ids, m.n_items, 100), -1);
	CHECK_INT(m.by_user.nnz, 4);
	/* user 1000 (row 2): items 3 and 7, the latter 1 + 0.5 */
	CHECK_INT(m.by_user.row_ptr[3] - m.by_user.row_ptr[2], 2);
	CHECK_NEAR(m.by_user.val[m.by_user.row_ptr[2] + 1], 1.5, 0);
	CHECK_INT(m.by_item.n_rows, 3);
	CHECK_INT(m.by_item.nnz, 4);
	model_interactions_free(&m);

	CHECK_FAILS(model_interactions_build(t, 0, &m, &err), err,
	    "no interactions");
}

int
main(void)
{
	test_build_and_transpose();
	test_refusals();
	test_interactions();
	return check_report("test-sparse");
}
