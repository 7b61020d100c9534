#!/usr/bin/env bash
# feed-instructions.sh — what one GET /api/feed costs the worker, counted in
# instructions (valgrind's callgrind), a figure that does not move with the
# load of a shared machine as requests per second do. Not a test: run it by
# hand after tests/bench/feed-bench.sh has built its database:
#
#   tests/bench/feed-instructions.sh [BUILD_DIR]        (default: .)
#
# One worker runs under callgrind behind nginx (nginx/run-dev.sh), twice:
# once for BENCH_WARMUP feeds (its start, the first reads of the library and
# the model), once for BENCH_WARMUP + BENCH_FEEDS, one feed after another,
# each as the next of the benchmark's cadres. The difference over
# BENCH_FEEDS is what a feed costs: everything the worker did, the
# impressions it wrote after each answer included. Prints that, and the part
# of the main functions.
#
# Needs valgrind, nginx and curl.
set -euo pipefail

build=$(cd "${1:-.}" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=${BENCH_DIR:-/tmp/qf-feed-bench}
warmup=${BENCH_WARMUP:-20}
feeds=${BENCH_FEEDS:-200}
port=${BENCH_PORT:-18482}
db="$dir/feed-bench.db" model="$dir/feed-bench.qfm" sessions="$dir/sessions.txt"
out="$dir/callgrind"

for p in valgrind callgrind_annotate curl; do
    command -v "$p" >/dev/null || { echo "$p is needed (apt-get install valgrind curl)" >&2; exit 1; }
done
[ -s "$db" ] && [ -s "$model" ] && [ -s "$sessions" ] ||
    { echo "no benchmark database in $dir: run tests/bench/feed-bench.sh first" >&2; exit 1; }
"$build/qingfeng-admin" --db "$db" init >/dev/null
rm -rf "$out"
mkdir -p "$out"

# run NAME N: a stack with one worker under callgrind, N feeds, a graceful stop;
# prints the worker's profile (the larger of the server's two).
run() {
    local stack status token
    QF_START_TENTHS=900 QF_APP_PREFIX="valgrind --tool=callgrind --callgrind-out-file=$out/$1.%p" \
        "$here/nginx/run-dev.sh" --bindir "$build" --state "$dir/state-instructions" --db "$db" \
        --model "$model" --port "$port" --workers 1 >"$dir/state-instructions.log" 2>&1 &
    stack=$!
    for _ in $(seq 1 900); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        kill -0 "$stack" 2>/dev/null || { cat "$dir/state-instructions.log" >&2; exit 1; }
        sleep 0.1
    done
    for i in $(seq 1 "$2"); do
        token=$(sed -n "${i}p" "$sessions" | cut -d' ' -f1)
        status=$(curl -s -o /dev/null -w '%{http_code}' -b "qf_session=$token" \
            "http://127.0.0.1:$port/api/feed?limit=10")
        [ "$status" = 200 ] || { echo "GET /api/feed answered $status" >&2; kill -TERM "$stack"; exit 1; }
    done
    kill -TERM "$stack"
    wait "$stack" || true
    ls -S "$out/$1".* | head -1
}

[ "$(wc -l <"$sessions")" -ge $((warmup + feeds)) ] ||
    { echo "sessions.txt has fewer than $((warmup + feeds)) cadres" >&2; exit 1; }
base=$(run base "$warmup")
full=$(run full $((warmup + feeds)))

# ir FILE: the total; part FILE FUNCTION: a function's inclusive count.
ir() { awk '/^summary:/ {print $2}' "$1"; }
part() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
        awk -v f="$2" '!done { for (i = 2; i <= NF; i++) if ($i ~ ":" f "$") {
            gsub(",", "", $1); print $1; done = 1; break } }'
}

echo "GET /api/feed?limit=10, one worker under callgrind, $feeds feeds one after another"
echo "database: $(du -m "$db" | cut -f1) MB"
printf 'instructions per feed, all of the worker: %d\n' $((($(ir "$full") - $(ir "$base")) / feeds))
for f in session_load feed_build response_json impression_log_write_due; do
    a=$(part "$base" "$f") b=$(part "$full" "$f")
    printf '  %-26s %10d\n' "$f" $(((${b:-0} - ${a:-0}) / feeds))
done
