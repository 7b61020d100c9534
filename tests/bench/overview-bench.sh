#!/usr/bin/env bash
# overview-bench.sh — how fast GET /api/supervisor/overview, and the
# evaluation board built on the same figures, answer through nginx for the
# whole tree of 100,000 cadres and 5,000,000 events. Not a
# test (make check does not run it): run it by hand from a build directory,
# or give it one:
#
#   tests/bench/overview-bench.sh [BUILD_DIR]        (default: .)
#
# 1. Builds, once, in $BENCH_DIR (default /tmp/qf-overview-bench), the feed
#    benchmark's database (tests/bench/gen-cohort.c: 100 units, BENCH_USERS
#    cadres, BENCH_EVENTS events over a year; migration 6's triggers keep
#    the rollups as the events go in). With BENCH_FROM_DB set to an
#    existing database (e.g. /tmp/qf-feed-bench/feed-bench.db) it copies
#    that instead and lets `qingfeng-admin init` backfill the rollups (the
#    migration's cost on a large database is printed). BENCH_REBUILD=1
#    starts again. Adds an admin, bench-admin.
# 2. Starts the stack (nginx/run-dev.sh, BENCH_WORKERS, default 2), signs in
#    through nginx, warms up, then times BENCH_CALLS (20) calls of the
#    overview of the whole tree for this year to date, and the same with a
#    category and with a one-month period; the lift of the personalised
#    feed over the control arm for the whole tree; then the evaluation board of
#    every unit for last month, its six-month trend, and the per-cadre
#    evaluation of one unit of 1,000 cadres.
# 3. Prints the median and p99 (the slowest of 20) wall times, the CPU the
#    workers spent per call (what the timings are made of on a busy
#    machine), and the query plan of every statement behind the figures
#    (qingfeng-admin explain-figures: each a range search of a primary key
#    or an index).
#
# Needs nginx, curl and sqlite3.
set -euo pipefail

build=$(cd "${1:-.}" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/bench/workers.sh"
dir=${BENCH_DIR:-/tmp/qf-overview-bench}
workers=${BENCH_WORKERS:-2}
calls=${BENCH_CALLS:-20}
users=${BENCH_USERS:-100000}
items=${BENCH_ITEMS:-2000}
events=${BENCH_EVENTS:-5000000}
port=${BENCH_PORT:-18490}
password=bench-admin-password

for p in curl sqlite3; do
    command -v "$p" >/dev/null || { echo "$p is needed (apt-get install $p)" >&2; exit 1; }
done
[ -x "$build/qingfeng-fcgi" ] || { echo "no $build/qingfeng-fcgi: build first (make)" >&2; exit 1; }

mkdir -p "$dir"
db="$dir/overview-bench.db"
if [ -n "${BENCH_REBUILD:-}" ] || [ ! -s "$db" ]; then
    rm -f "$db" "$db-wal" "$db-shm"
    start=$(date +%s.%N)
    if [ -n "${BENCH_FROM_DB:-}" ]; then
        echo "copying $BENCH_FROM_DB and migrating it (the rollups are backfilled) ..."
        sqlite3 "$BENCH_FROM_DB" ".backup '$db'"
        "$build/qingfeng-admin" --db "$db" init >/dev/null
        echo "migrated in $(echo "$(date +%s.%N) - $start" | bc) s"
    else
        make -s -C "$build" tests/bench/gen-cohort >/dev/null
        echo "building $db: $users cadres, $items items, $events events ..."
        "$build/qingfeng-admin" --db "$db" init >/dev/null
        "$build/tests/bench/gen-cohort" "$db" "$dir/sessions.txt" 1 "$users" "$items" "$events"
        echo "generated in $(echo "$(date +%s.%N) - $start" | bc) s ($(du -m "$db" | cut -f1) MB)"
    fi
    printf '%s\n' "$password" | "$build/qingfeng-admin" --db "$db" add-user --login bench-admin \
        --name 基准管理员 --role admin --unit "$(sqlite3 "$db" "SELECT min(id) FROM units")" >/dev/null
fi
echo "database: $(sqlite3 "$db" "SELECT count(*) FROM users WHERE role = 'cadre'") cadres," \
    "$(sqlite3 "$db" "SELECT max(id) FROM events") events," \
    "$(sqlite3 "$db" "SELECT count(*) FROM push_cells") push cells," \
    "$(sqlite3 "$db" "SELECT count(*) FROM active_cells") activity cells"

stack_pid=
stop_stack() {
    if [ -n "$stack_pid" ]; then
        kill -TERM "$stack_pid" 2>/dev/null || true
        wait "$stack_pid" 2>/dev/null || true
        stack_pid=
    fi
}
trap stop_stack EXIT
rm -rf "$dir/state"
"$here/nginx/run-dev.sh" --bindir "$build" --state "$dir/state" --db "$db" --port "$port" \
    --workers "$workers" >"$dir/state.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/api/health" && break
    kill -0 "$stack_pid" 2>/dev/null || { cat "$dir/state.log" >&2; exit 1; }
    sleep 0.1
done
base="http://127.0.0.1:$port"
cookies="$dir/cookies"
curl -s -c "$cookies" -H 'Content-Type: application/json' \
    --data "{\"login\":\"bench-admin\",\"password\":\"$password\"}" "$base/api/login" >/dev/null

# The CPU time (ms) the app's workers have used so far.
workers_cpu() {
    echo $(($(workers_cpu_ticks "$stack_pid") * 1000 / $(getconf CLK_TCK)))
}

# bench NAME PATH: warm up, then $calls timed calls; prints median, p99 and CPU per call.
bench() {
    local name=$1 url="$base$2" status cpu0 cpu1
    status=$(curl -s -b "$cookies" -o "$dir/overview.json" -w '%{http_code}' "$url")
    [ "$status" = 200 ] || { echo "$url answered $status: $(head -c 300 "$dir/overview.json")" >&2; exit 1; }
    curl -s -b "$cookies" -o /dev/null "$url"
    cpu0=$(workers_cpu)
    for _ in $(seq 1 "$calls"); do
        curl -s -b "$cookies" -o /dev/null -w '%{time_total}\n' "$url"
    done | sort -n >"$dir/times.txt"
    cpu1=$(workers_cpu)
    awk -v name="$name" -v calls="$calls" -v cpu="$(( (cpu1 - cpu0) / calls ))" '
        { t[NR] = $1 }
        END {
            median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
            p99 = t[int(0.99 * NR + 0.999)]
            printf "%-34s %d calls: median %.3f s, p99 %.3f s, max %.3f s; worker CPU %d ms per call\n",
                name, calls, median, p99, t[NR], cpu
        }' "$dir/times.txt"
}

bench "whole tree, this year to date" /api/supervisor/overview
bench "whole tree, grassroots cadres" "/api/supervisor/overview?category=grassroots"
bench "whole tree, one month's middle" "/api/supervisor/overview?from=$(date +%Y-%m)-03&to=$(date +%Y-%m)-17"
last_month=$(TZ=UTC-8 date -d "$(TZ=UTC-8 date +%Y-%m)-01 -1 month" +%Y-%m)
unit=$(sqlite3 "$db" "SELECT min(id) FROM units WHERE parent_id IS NULL")
bench "lift, whole tree, year to date" /api/supervisor/lift
bench "evaluation board, every unit" "/api/supervisor/evaluation?period=$last_month"
bench "evaluation trend, six months" "/api/supervisor/evaluation/trend?to=$last_month"
bench "evaluation of one unit's cadres" "/api/supervisor/evaluation/people?unit=$unit&period=$last_month"
echo "figures: $(curl -s -b "$cookies" "$base/api/supervisor/overview" | head -c 240) ..."
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo
echo "query plans (qingfeng-admin explain-figures):"
"$build/qingfeng-admin" --db "$db" explain-figures
