#!/usr/bin/env bash
# valgrind-worker.sh — the app (supervisor and one worker) under valgrind's
# memcheck through VALGRIND_SECONDS (default 60) of the mix (mix.lua) and a
# model swap, then a clean stop: no memory error in either process and no
# leak definitely or indirectly lost. Prints valgrind's summaries.
# `make valgrind-worker` runs it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/reliability/load-lib.sh"

require_program valgrind valgrind valgrind
seconds=${VALGRIND_SECONDS:-60}
export QF_APP_PREFIX="valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no --log-file=$work/valgrind.%p"
export QF_START_TENTHS=600
LOAD_THREADS=1 LOAD_CONNECTIONS=2
export LOAD_THREADS LOAD_CONNECTIONS

load_stack 1
load_targets 1
load_wrk "$seconds" "$work/wrk.out" &
load=$!
sleep $((seconds / 2))
before=$(version_now)
load_train >/dev/null
check "a model swap under valgrind" test "$(next_version "$before")" != "$before"
wait "$load"
cat "$work/wrk.out"
stack_stop

logs=("$work"/valgrind.*)
errors=0 summaries=0
for log in "${logs[@]}"; do
    echo "--- $(basename "$log")"
    # Findings (lines between the banner and the summaries) and the summaries.
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)|ERROR SUMMARY|definitely lost|indirectly lost|All heap blocks' "$log"
    summary=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d ,)
    [ -n "$summary" ] && summaries=$((summaries + 1))
    [ "${summary:-1}" = 0 ] || errors=$((errors + 1))
done
expect_eq "every process ran to valgrind's summary" "$summaries" "${#logs[@]}"
check "supervisor and worker both under valgrind (${#logs[@]} logs)" test "${#logs[@]}" -ge 2
requests=$(load_figure "$work/wrk.out" requests)
echo "valgrind-worker: ${#logs[@]} processes under memcheck, $requests requests in $seconds s, $errors with findings"
check "the load ran ($requests requests)" test "${requests:-0}" -gt 0
expect_eq "no memory error, no leak" "$errors" 0

test_done
