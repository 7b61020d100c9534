#!/usr/bin/env bash
# run-fuzz.sh SECONDS NAME... — fuzzes each harness tests/fuzz/fuzz-NAME (a
# --enable-fuzzing build, run from its build folder) for SECONDS with
# libFuzzer, starting from a copy of its seed corpus, and prints the
# executions and crashes of each. After a crash the harness starts again
# until its time is up, so one bug does not hide the next. New inputs and
# crashes stay in fuzz-out/NAME/ (corpus/ and crash-*); copy the ones worth
# keeping into tests/fuzz/corpus/NAME/.
set -uo pipefail
seconds=${1:?usage: run-fuzz.sh SECONDS NAME...}
shift
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir
# Leaks are reported by the replay under ASan; here they would end every run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
total_crashes=0

printf '%-12s %12s %8s %10s\n' harness executions crashes 'corpus'
for name in "$@"; do
    out=fuzz-out/$name
    mkdir -p "$out/corpus"
    cp -n "$top_srcdir/tests/fuzz/corpus/$name"/* "$out/corpus/" 2>/dev/null
    execs=0 crashes=0
    end=$(($(date +%s) + seconds))
    while left=$((end - $(date +%s))); [ "$left" -gt 0 ]; do
        log=$out/run-$(date +%s%N).log
        before=$(ls "$out" | grep -c '^crash-\|^leak-\|^timeout-\|^oom-')
        tests/fuzz/fuzz-"$name" -max_total_time="$left" -print_final_stats=1 -timeout=10 \
            -rss_limit_mb=2048 -artifact_prefix="$out/" "$out/corpus" >"$log" 2>&1
        rc=$?
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        execs=$((execs + ${n:-0}))
        after=$(ls "$out" | grep -c '^crash-\|^leak-\|^timeout-\|^oom-')
        if [ "$rc" -ne 0 ]; then
            crashes=$((crashes + 1))
            [ "$after" -gt "$before" ] || echo "$name: exit $rc without an artifact, see $log" >&2
            grep -m1 -A3 'ERROR: \|fuzz check failed' "$log" >&2
        fi
    done
    total_crashes=$((total_crashes + crashes))
    printf '%-12s %12d %8d %10d\n' "$name" "$execs" "$crashes" "$(ls "$out/corpus" | wc -l)"
done
[ "$total_crashes" -eq 0 ]
