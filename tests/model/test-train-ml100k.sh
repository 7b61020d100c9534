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

# Split ua, every rating a positive of weight 1, at the settings chosen on a
# validation split of ua.base (tests/bench/ua-tune.sh; README "Training"):
# at least the best peer's precision@10 (LibMF 0.263) and `implicit`'s
# nDCG@10 (0.300). Measured: 0.272 and 0.319.
awk '{ print $1, $2 }' "$data/ua.base" > "$work/ua.base"
awk '{ print $1, $2 }' "$data/ua.test" > "$work/ua.test"
OUT=$("$top_builddir/qingfeng-train" eval --train "$work/ua.base" --test "$work/ua.test" \
    --factors 128 --regularization 25 --alpha 1.5 --iterations 15 2>"$work/stderr")
expect_eq "ua eval exit status ($(cat "$work/stderr"))" "$?" 0
echo "$OUT" | jq -c '{precision_at_10, ndcg_at_10, auc, fit_seconds}'
check "ua precision@10 $(num .precision_at_10) >= 0.263" \
    jq -e '.precision_at_10 >= 0.263' <<<"$OUT" >/dev/null
check "ua nDCG@10 $(num .ndcg_at_10) >= 0.300" \
    jq -e '.ndcg_at_10 >= 0.300' <<<"$OUT" >/dev/null

test_done
