#!/usr/bin/env bash
# test-mastery-oulad.sh — knowledge tracing evaluated on real answers
# (tests/bench/oulad-mastery.sh: OULAD's assessment results, each student's
# latest fifth held out): the online Elo updates and the nightly fit both
# predict held-out answers better than a baseline that knows only each
# question's pass rate. The data are not in the repository: skipped when
# the folder is absent.
. "$top_srcdir/tests/lib.sh"

data="$top_srcdir/../shared/data/oulad"
if [ ! -f "$data/studentAssessment.csv" ]; then
    echo "$test_name: $data absent: skipped"
    exit 77
fi
OUT=$("$top_srcdir/tests/bench/oulad-mastery.sh" "$top_builddir" "$data" 2>"$work/stderr")
expect_eq "the evaluation ran ($(cat "$work/stderr"))" "$?" 0
echo "$OUT"
num() { jq -r "$1" <<<"$OUT"; }
check "most of OULAD's answers loaded" test "$(num .answers)" -gt 170000
check "a fifth held out" test "$(num .evaluation.heldout)" -gt 30000
baseline=$(num .evaluation.auc.question_baseline)
check "online Elo beats the question baseline by 0.05 AUC" \
    awk -v m="$(num .evaluation.auc.online_elo)" -v b="$baseline" 'BEGIN { exit !(m > b + 0.05) }'
check "the nightly fit beats it too" \
    awk -v m="$(num .evaluation.auc.nightly_fit)" -v b="$baseline" 'BEGIN { exit !(m > b) }'
check "online Elo's log loss is the lowest" \
    awk -v m="$(num .evaluation.log_loss.online_elo)" -v b="$(num .evaluation.log_loss.question_baseline)" \
    'BEGIN { exit !(m < b) }'
test_done
