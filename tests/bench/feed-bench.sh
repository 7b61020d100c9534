#!/usr/bin/env bash
# feed-bench.sh — how fast GET /api/feed answers through nginx, against a
# trivial FastCGI responder behind the same nginx configuration. Not a test
# (make check does not run it): run it by hand from a build directory, or
# give it one:
#
#   tests/bench/feed-bench.sh [BUILD_DIR]        (default: .)
#
# 1. Builds, once, in $BENCH_DIR (default /tmp/qf-feed-bench), a database of
#    100,000 cadres, 2,000 published items and 5,000,000 events over a year
#    with planted structure (tests/bench/gen-cohort.c), and trains a model
#    on it (qingfeng-train run). Later runs reuse both (BENCH_REBUILD=1
#    starts again) and only issue fresh sessions.
# 2. Starts the stack with nginx/run-dev.sh (BENCH_WORKERS, default 2) and
#    runs wrk against GET /api/feed?limit=10 for BENCH_SECONDS (30) with
#    BENCH_CONNECTIONS (4) connections, rotating the session cookies (and
#    CSRF tokens) of BENCH_SESSIONS (1000) cadres.
# 3. Does the same against tests/bench/trivial-fcgi.c (libfcgi, a fixed
#    small JSON, the same pre-fork count), started by the same run-dev.sh
#    in place of qingfeng-fcgi, so nginx and its configuration are the same.
# 4. Prints requests/s of both and their ratio, p50 / p99 latency, the
#    workers' CPU time per request (which a busy neighbour moves far less
#    than requests/s), and the resident memory of each worker (VmRSS now,
#    its own and its shared part, VmHWM peak).
#
# Needs nginx, wrk and curl.
set -euo pipefail

build=$(cd "${1:-.}" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/bench/workers.sh"
dir=${BENCH_DIR:-/tmp/qf-feed-bench}
workers=${BENCH_WORKERS:-2}
seconds=${BENCH_SECONDS:-30}
connections=${BENCH_CONNECTIONS:-4}
threads=${BENCH_THREADS:-2}
n_sessions=${BENCH_SESSIONS:-1000}
users=${BENCH_USERS:-100000}
items=${BENCH_ITEMS:-2000}
events=${BENCH_EVENTS:-5000000}
port_app=${BENCH_PORT:-18480}
port_trivial=$((port_app + 1))

for p in wrk curl; do
    command -v "$p" >/dev/null || { echo "$p is needed (apt-get install $p)" >&2; exit 1; }
done
[ -x "$build/qingfeng-fcgi" ] || { echo "no $build/qingfeng-fcgi: build first (make)" >&2; exit 1; }
make -s -C "$build" tests/bench/gen-cohort tests/bench/trivial-fcgi >/dev/null

mkdir -p "$dir"
db="$dir/feed-bench.db" model="$dir/feed-bench.qfm" sessions="$dir/sessions.txt"
if [ -n "${BENCH_REBUILD:-}" ] || [ ! -s "$db" ] || [ ! -s "$model" ]; then
    rm -f "$db" "$db-wal" "$db-shm" "$model"
    echo "building $db: $users cadres, $items items, $events events ..."
    start=$(date +%s.%N)
    "$build/qingfeng-admin" --db "$db" init >/dev/null
    "$build/tests/bench/gen-cohort" "$db" "$sessions" "$n_sessions" "$users" "$items" "$events"
    echo "generated in $(echo "$(date +%s.%N) - $start" | bc) s ($(du -m "$db" | cut -f1) MB)"
    start=$(date +%s.%N)
    "$build/qingfeng-train" run --db "$db" --model "$model" --threads "$(nproc)" >"$dir/train.json"
    echo "trained in $(echo "$(date +%s.%N) - $start" | bc) s (model $(du -k "$model" | cut -f1) KB)"
else
    "$build/tests/bench/gen-cohort" --sessions "$db" "$sessions" "$n_sessions"
fi

cat >"$dir/feed.lua" <<'EOF'
-- Each request goes out as the next cadre's session, cookie and CSRF token.
local sessions, idx = {}, 0
local counter = 0
function setup(thread)
    thread:set("offset", counter * 7919)
    counter = counter + 1
end
function init(args)
    for line in io.lines(args[1]) do
        local token, csrf = line:match("(%S+) (%S+)")
        sessions[#sessions + 1] = { token, csrf }
    end
    idx = (offset or 0) % #sessions
end
function request()
    idx = idx % #sessions + 1
    local s = sessions[idx]
    return wrk.format("GET", nil, { ["Cookie"] = "qf_session=" .. s[1], ["X-CSRF-Token"] = s[2] })
end
EOF

stack_pid=
stop_stack() {
    if [ -n "$stack_pid" ]; then
        kill -TERM "$stack_pid" 2>/dev/null || true
        wait "$stack_pid" 2>/dev/null || true
        stack_pid=
    fi
}
trap stop_stack EXIT

# start_stack BINDIR STATE PORT: run-dev.sh in the background until the port answers.
start_stack() {
    rm -rf "$2"
    "$here/nginx/run-dev.sh" --bindir "$1" --state "$2" --db "$db" --model "$model" \
        --port "$3" --workers "$workers" >"$2.log" 2>&1 &
    stack_pid=$!
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "http://127.0.0.1:$3/" && return 0
        kill -0 "$stack_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "the stack did not start: see $2.log" >&2
    cat "$2.log" >&2
    exit 1
}

# worker_memory: each worker's resident memory under run-dev.sh: VmRSS (now) and VmHWM
# (peak), and VmRSS split into RssAnon (the worker's own) and RssFile (pages of files it
# maps - the model, libraries - shared with every other worker and the page cache).
worker_memory() {
    local pid
    for pid in $(stack_workers "$stack_pid"); do
        awk -v pid="$pid" '/^(VmRSS|VmHWM|RssAnon|RssFile):/ {v[$1] = $2}
            END {printf "  worker %s: VmRSS %s kB (RssAnon %s kB, RssFile %s kB), VmHWM %s kB\n",
                pid, v["VmRSS:"], v["RssAnon:"], v["RssFile:"], v["VmHWM:"]}' "/proc/$pid/status"
    done
}

# cpu_per_request TICKS REPORT: microseconds of worker CPU per request answered.
cpu_per_request() {
    local requests
    requests=$(awk '/requests in/ {print $1}' "$2")
    echo "scale=0; $1 * 1000000 / $(getconf CLK_TCK) / $requests" | bc
}

# run_wrk NAME PORT: wrk's report in $dir/NAME.wrk
run_wrk() {
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency --timeout "${BENCH_TIMEOUT:-10s}" -s "$dir/feed.lua" \
        "http://127.0.0.1:$2/api/feed?limit=10" -- "$sessions" >"$dir/$1.wrk"
}

rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $NF}' "$1"; }

# ---- qingfeng
start_stack "$build" "$dir/state-app" "$port_app"
token=$(head -1 "$sessions" | cut -d' ' -f1)
status=$(curl -s -o "$dir/feed-sample.json" -w '%{http_code}' -b "qf_session=$token" \
    "http://127.0.0.1:$port_app/api/feed?limit=10")
[ "$status" = 200 ] || { echo "GET /api/feed answered $status: $(cat "$dir/feed-sample.json")" >&2; exit 1; }
echo "qingfeng: warm-up feed OK ($(grep -o '"id"' "$dir/feed-sample.json" | wc -l) entries)"
ticks=$(workers_cpu_ticks "$stack_pid")
run_wrk app "$port_app"
app_cpu=$(cpu_per_request $(($(workers_cpu_ticks "$stack_pid") - ticks)) "$dir/app.wrk")
app_memory=$(worker_memory)
stop_stack

# ---- the trivial responder, started by run-dev.sh in qingfeng-fcgi's place
mkdir -p "$dir/trivial-bin"
ln -sf "$build/tests/bench/trivial-fcgi" "$dir/trivial-bin/qingfeng-fcgi"
start_stack "$dir/trivial-bin" "$dir/state-trivial" "$port_trivial"
ticks=$(workers_cpu_ticks "$stack_pid")
run_wrk trivial "$port_trivial"
trivial_cpu=$(cpu_per_request $(($(workers_cpu_ticks "$stack_pid") - ticks)) "$dir/trivial.wrk")
trivial_memory=$(worker_memory)
stop_stack

app_rps=$(rps "$dir/app.wrk") trivial_rps=$(rps "$dir/trivial.wrk")
echo
echo "GET /api/feed?limit=10, $workers workers, wrk $threads threads x $connections connections, ${seconds}s"
echo "database: $(du -m "$db" | cut -f1) MB; model: $(du -k "$model" | cut -f1) KB"
printf '%-10s %12s %10s %10s %8s\n' "" "requests/s" "p50" "p99" "non-2xx"
printf '%-10s %12s %10s %10s %8s\n' qingfeng "$app_rps" "$(pct "$dir/app.wrk" 50%)" \
    "$(pct "$dir/app.wrk" 99%)" "$(non2xx "$dir/app.wrk")"
printf '%-10s %12s %10s %10s %8s\n' trivial "$trivial_rps" "$(pct "$dir/trivial.wrk" 50%)" \
    "$(pct "$dir/trivial.wrk" 99%)" "$(non2xx "$dir/trivial.wrk")"
echo "ratio qingfeng / trivial: $(echo "scale=3; $app_rps / $trivial_rps" | bc)"
echo "worker CPU per request (user + system): qingfeng $app_cpu us, trivial $trivial_cpu us"
echo "qingfeng workers (database of $users cadres):"
echo "$app_memory"
echo "trivial workers:"
echo "$trivial_memory"
