#!/usr/bin/env bash
# test-train-ml100k.sh — on MovieLens 100K (split u1), `qingfeng-train eval`
# with its defaults ranks clearly better than popularity. The data are not
# in the repository (GroupLens terms): skipped when the folder is absent.
. "$top_srcdir/tests/lib.sh"

data="$top_srcdir/../shared/data/ml-100k"
if [ ! -d "$data" ]; then
    echo "$test_name: $data absent: skipped"
    exit 77
fi

OUT=$("$top_builddir/qingfeng-train" eval --train "$data/u1.base" --test "$data/u1.test" \
    2>"$work/stderr")
expect_eq "eval exit status ($(cat "$work/stderr"))" "$?" 0
echo "$OUT"

num() { jq -r "$1" <<<"$OUT"; }
expect_eq "users in u1.base" "$(num .users)" 943
expect_eq "users evaluated in u1.test" "$(num .test_users)" 459
# A clear margin: at least 1.3 times popularity's precision@10 and nDCG@10
# (measured: 0.515 against 0.305, 0.564 against 0.325), and a better AUC.
check "precision@10 $(num .precision_at_10) >= 1.3 x popularity $(num .popularity.precision_at_10)" \
    jq -e '.precision_at_10 >= 1.3 * .popularity.precision_at_10' <<<"$OUT" >/dev/null
check "nDCG@10 $(num .ndcg_at_10) >= 1.3 x popularity $(num .popularity.ndcg_at_10)" \
    jq -e '.ndcg_at_10 >= 1.3 * .popularity.ndcg_at_10' <<<"$OUT" >/dev/null
check "AUC $(num .auc) > popularity $(num .popularity.auc)" \
    jq -e '.auc > .popularity.auc' <<<"$OUT" >/dev/null
check "precision@10 above 0.45" jq -e '.precision_at_10 > 0.45' <<<"$OUT" >/dev/null
check "coverage above popularity's" jq -e '.coverage > .popularity.coverage' <<<"$OUT" >/dev/null

test_done
