#!/usr/bin/env bash
# test-model-reload.sh — the running workers pick up a newly promoted model
# within seconds, between requests and without a failed request; a corrupt
# file renamed into place is refused and the model in service stays.
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

version_now() { curl -s "$BASE_URL/api/health" | jq -r '.model.version // "none"'; }
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
# The first version answered that is not OLD (30 s at most).
next_version() {
    local v t0=$SECONDS
    while [ $((SECONDS - t0)) -lt 30 ]; do
        v=$(version_now)
        [ "$v" != "$1" ] && { echo "$v"; return 0; }
        sleep 0.1
    done
    echo "$1"
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

# Clients keep asking while models change under them.
burst() {
    local end=$((SECONDS + 8))
    while [ $SECONDS -lt $end ]; do
        curl -s -o /dev/null -w '%{http_code}\n' "$BASE_URL/api/health"
    done >"$work/burst-$1"
}
clients=()
for c in 1 2 3; do burst "$c" & clients+=($!); done

# A new model renamed into place (as the trainer does) takes over.
fit 2 "$work/models/next.qfm"
mv "$work/models/next.qfm" "$model"
second=$(next_version "$first")
check "the version changed" test "$second" != "$first" -a "$second" != none
check "every worker switched to the new model" await_workers "$second"
check "every answer names it" all_answer "$second"

# A truncated file renamed into place is refused; the model in service stays.
fit 3 "$work/models/full.qfm"
head -c 1000 "$work/models/full.qfm" >"$work/models/broken.qfm"
mv "$work/models/broken.qfm" "$model"
t0=$SECONDS
until [ "$(grep -c 'refused, the model in service stays' "$work/run.log")" -ge 2 ] || [ $((SECONDS - t0)) -ge 30 ]; do
    sleep 0.2
done
check "a corrupt model is refused and the one in service stays" all_answer "$second"
expect_match "the refusal is logged" "$(cat "$work/run.log")" 'model .* refused, the model in service stays'
refusals=$(grep -c 'refused, the model in service stays' "$work/run.log")
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

wait "${clients[@]}"
total=$(cat "$work"/burst-* | wc -l)
bad=$(cat "$work"/burst-* | grep -vc '^200$' || true)
echo "requests during the reloads: $total, not 200: $bad"
check "requests were made during the reloads" test "$total" -gt 50
expect_eq "no failed request during the reloads" "$bad" 0

test_done
