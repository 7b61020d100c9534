#!/usr/bin/env bash
# test-model-reload.sh — the running workers pick up a newly promoted model
# within seconds, between requests, with wrk's load on them and not one
# non-2xx reply; a corrupt file renamed into place (truncated, one byte
# flipped, wrong magic) is refused and the model in service stays.
. "$top_srcdir/tests/lib.sh"

train="$top_builddir/qingfeng-train"
# 40 users x 30 items in two taste groups: enough for a small model.
awk 'BEGIN { for (u = 1; u <= 40; u++) for (i = 1; i <= 30; i++)
    if ((u % 2) == (i % 2) && (u * 7 + i * 3) % 5 != 0) print u, i, 1 + (u + i) % 3 }' >"$work/interactions"
fit() {  # fit SEED OUT
    "$train" fit --train "$work/interactions" --out "$2" --factors 8 --iterations 5 \
        --regularization 0.1 --seed "$1" >/dev/null 2>"$work/fit.log" ||
        { cat "$work/fit.log" >&2; fail "qingfeng-train fit (seed $1)"; }
}

mkdir -p "$work/models"
model="$work/models/model.qfm"
fit 1 "$model"
STACK_MODEL=$model stack_start 2

# Until both workers have logged taking VERSION (a loaded machine may be slow
# to get there: the bound is generous, the log says when it happened).
await_workers() {
    local want=$1 t0=$SECONDS
    while [ $((SECONDS - t0)) -lt 30 ]; do
        [ "$(grep -cE "model $want (replaces|loaded)" "$work/run.log")" -ge 2 ] && return 0
        sleep 0.2
    done
    return 1
}
# Ten answers in a row all name VERSION.
all_answer() {
    for _ in $(seq 1 10); do
        [ "$(version_now)" = "$1" ] || return 1
    done
}

first=$(version_now)
expect_match "a model is served from the start" "$first" '^[0-9a-f]{16}$'
request GET /api/health
check "model age is reported" test "$(jq -r .model.age_s <<<"$BODY")" -ge 0

# wrk keeps the workers busy while models change under them.
require_program wrk wrk wrk
wrk -t2 -c4 -d20s --latency "$BASE_URL/api/health" >"$work/wrk.out" 2>&1 &
load=$!
sleep 1

# A new model renamed into place (as the trainer does) takes over.
fit 2 "$work/models/next.qfm"
mv "$work/models/next.qfm" "$model"
second=$(next_version "$first")
check "the version changed" test "$second" != "$first" -a "$second" != none
check "every worker switched to the new model" await_workers "$second"
check "every answer names it" all_answer "$second"

# Corrupt files renamed into place are refused; the model in service stays.
corrupt() {  # corrupt KIND SRC DST
    case $1 in
        truncated) head -c 1000 "$2" >"$3" ;;
        flipped) cp "$2" "$3"
            size=$(stat -c %s "$3")
            printf '\x5a' | dd of="$3" bs=1 seek=$((size / 2)) conv=notrunc status=none ;;
        magic) cp "$2" "$3"; printf 'X' | dd of="$3" bs=1 seek=0 conv=notrunc status=none ;;
    esac
}
refusals=0
seed=3
for kind in truncated flipped magic; do
    seed=$((seed + 1))
    fit "$seed" "$work/models/full.qfm"
    corrupt "$kind" "$work/models/full.qfm" "$work/models/broken.qfm"
    mv "$work/models/broken.qfm" "$model"
    refusals=$((refusals + 2))      # once per worker
    t0=$SECONDS
    until [ "$(grep -c 'refused, the model in service stays' "$work/run.log")" -ge "$refusals" ] ||
        [ $((SECONDS - t0)) -ge 30 ]; do
        sleep 0.2
    done
    expect_eq "a $kind model is refused by both workers" \
        "$(grep -c 'refused, the model in service stays' "$work/run.log")" "$refusals"
    check "after the $kind file, the model in service stays" all_answer "$second"
done
expect_match "the reasons are logged" "$(grep 'refused' "$work/run.log" | tr '\n' ' ')" 'truncated.*checksum.*(magic|not a qingfeng model)'
sleep 1.5
expect_eq "refused once per worker, not per request" "$(grep -c 'refused, the model in service stays' "$work/run.log")" "$refusals"

# The next good model is taken again.
mv "$work/models/full.qfm" "$model"
third=$(next_version "$second")
check "a good model after a bad one is taken" test "$third" != "$second" -a "$third" != none
check "all workers took it" await_workers "$third"
check "every answer names it" all_answer "$third"

# The file removed: what is in service stays.
rm -f "$model"
sleep 1
expect_eq "model kept when the file goes" "$(version_now)" "$third"

wait "$load"
cat "$work/wrk.out"
total=$(awk '/requests in/ {print $1}' "$work/wrk.out")
check "wrk made requests during the reloads ($total)" test "${total:-0}" -gt 100
expect_eq "no non-2xx reply during the reloads" "$(grep -c 'Non-2xx' "$work/wrk.out")" 0
expect_eq "no socket errors" "$(grep -c 'Socket errors' "$work/wrk.out")" 0
check "the load outlasted the reloads" test "$(grep -c 'replaces' "$work/run.log")" -ge 4

test_done
