#!/usr/bin/env bash
# model-swaps.sh — SWAPS (default 100) model promotions while wrk runs the
# mix (mix.lua): each a real signed training run on the live database,
# renamed into place, taken by every worker between requests; after every
# tenth, an unsigned and a corrupt file are renamed into place and must be
# refused (logged) with the model in service kept. Not one non-2xx reply
# nor socket error. Prints the figures. `make model-swaps` runs it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/reliability/load-lib.sh"

swaps=${SWAPS:-100}

load_stack 2
load_targets 4
# wrk runs until the swaps are done (stopped then): a generous upper bound.
load_wrk $((swaps * 10 + 60)) "$work/wrk.out" &
load=$!
sleep 2

# taken_by_all VERSION: both workers logged taking it (30 s at most).
taken_by_all() {
    local t0=$SECONDS
    while [ $((SECONDS - t0)) -lt 30 ]; do
        [ "$(grep -cE "model $1 (replaces|loaded)" "$work/run.log")" -ge 2 ] && return 0
        sleep 0.1
    done
    return 1
}
# refused FILE: renamed into place, refused by both workers, the model kept.
refusals=0
refused() {
    local before t0=$SECONDS
    before=$(version_now)
    mv "$1" "$MODEL"
    refusals=$((refusals + 2))
    until [ "$(grep -c 'refused, the model in service stays' "$work/run.log")" -ge "$refusals" ] ||
        [ $((SECONDS - t0)) -ge 30 ]; do
        sleep 0.1
    done
    [ "$(grep -c 'refused, the model in service stays' "$work/run.log")" -ge "$refusals" ] &&
        [ "$(version_now)" = "$before" ]
}

promoted=0 taken=0 refused_ok=0 t_start=$SECONDS
for i in $(seq 1 "$swaps"); do
    before=$(version_now)
    status=$(load_train)
    [ "$status" = promoted ] || { fail "swap $i: the run was $status"; continue; }
    promoted=$((promoted + 1))
    now=$(next_version "$before")
    taken_by_all "$now" && taken=$((taken + 1)) || fail "swap $i: $now not taken by both workers"
    if [ $((i % 10)) = 0 ]; then
        # An unsigned copy, and a signed one with a byte flipped in the middle.
        "$top_builddir/qingfeng-train" run --db "$DB" --model "$work/models/unsigned.qfm" \
            >/dev/null 2>>"$work/train.log"
        refused "$work/models/unsigned.qfm" && refused_ok=$((refused_ok + 1)) ||
            fail "swap $i: an unsigned model was not refused"
        cp "$MODEL" "$work/models/flipped.qfm"
        size=$(stat -c %s "$work/models/flipped.qfm")
        printf '\x5a' | dd of="$work/models/flipped.qfm" bs=1 seek=$((size / 2)) conv=notrunc status=none
        refused "$work/models/flipped.qfm" && refused_ok=$((refused_ok + 1)) ||
            fail "swap $i: a corrupt model was not refused"
        # The refused file now sits at the model's path: put a good one back.
        status=$(load_train)
        now=$(next_version "$(version_now)")
    fi
done
seconds=$((SECONDS - t_start))
# (SIGINT to wrk itself: it prints its tally then. The background shell ignores it.)
pkill -INT -P "$load" -x wrk
wait "$load"

load_tally "$work/wrk.out"
echo "model-swaps: $promoted promotions in $seconds s, $taken taken by every worker, $refused_ok bad files refused; under load: $requests requests, $non2xx non-2xx, $socket_errors socket errors"
expect_eq "every run promoted" "$promoted" "$swaps"
expect_eq "every promotion taken by both workers" "$taken" "$swaps"
expect_eq "every bad file refused" "$refused_ok" $((swaps / 10 * 2))
load_expect_clean

test_done
