#!/usr/bin/env bash
# soak.sh — the app under a steady mix of feeds, item reads, learning events
# and quiz answers (mix.lua) for SOAK_SECONDS (default 600), after a warm-up
# that fills the workers' caches: no non-2xx reply, no socket error, no
# worker restarted, and each worker's resident memory bounded: its growth
# from the end of the warm-up to the end of the run within SOAK_RSS_BOUND_KB
# (default 18432: each worker's SQLite page cache may fill up to its 16 MiB
# cap as the database grows under the writes, plus 2 MiB; valgrind-worker.sh
# shows nothing is lost; "none" under AddressSanitizer, whose quarantine holds
# freed memory back on purpose). Prints the figures. Run it with `make soak` (the whole
# ten minutes) or with a short SOAK_SECONDS as part of `make check`.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/reliability/load-lib.sh"

seconds=${SOAK_SECONDS:-600}
warmup=${SOAK_WARMUP:-30}
bound_kb=${SOAK_RSS_BOUND_KB:-18432}

load_stack 2
load_targets 4
load_wrk "$warmup" "$work/warmup.out"

pids=$(worker_pids)
declare -A rss_start rss_max
for pid in $pids; do
    rss_start[$pid]=$(rss_kb "$pid")
    rss_max[$pid]=${rss_start[$pid]}
done

load_wrk "$seconds" "$work/soak.out" &
load=$!
# Memory every 10 seconds while the load runs.
while kill -0 "$load" 2>/dev/null; do
    for pid in $pids; do
        kb=$(rss_kb "$pid")
        [ -n "$kb" ] && [ "$kb" -gt "${rss_max[$pid]}" ] && rss_max[$pid]=$kb
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$load" 2>/dev/null && sleep 1; done
done
wait "$load"

load_tally "$work/soak.out"
echo "soak: ${seconds} s after a ${warmup} s warm-up: $requests requests, $non2xx non-2xx, $socket_errors socket errors"
load_expect_clean
expect_eq "no worker restarted" "$(worker_pids | tr '\n' ' ')" "$(echo $pids | tr ' ' '\n' | tr '\n' ' ')"
for pid in $pids; do
    end=$(rss_kb "$pid")
    [ "${end:-0}" -gt "${rss_max[$pid]}" ] && rss_max[$pid]=$end
    growth=$(( ${end:-0} - ${rss_start[$pid]} ))
    echo "soak: worker $pid resident memory: ${rss_start[$pid]} KiB after the warm-up, ${end:-?} KiB at the end (max ${rss_max[$pid]}), growth $growth KiB (bound $bound_kb)"
    [ "$bound_kb" = none ] ||
        check "worker $pid memory bounded (growth $growth KiB <= $bound_kb)" test "$growth" -le "$bound_kb"
done
check "the database is intact" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok

test_done
