# load-lib.sh — shared by the load scripts of tests/reliability (sourced after
# tests/lib.sh): a stack serving a simulated cohort with a signed model, the
# cadres signed in for wrk, and the workers' memory.

# load_stack [WORKERS]: the stack over a simulated cohort (300 cadres, six
# months), serving a model trained on it and signed; sets MODEL, SIGNING_KEY.
load_stack() {
    require_program wrk wrk wrk
    mkdir -p "$work/models"
    MODEL="$work/models/model.qfm"
    SIGNING_KEY="$work/signing.key"
    "$top_builddir/qingfeng-train" keygen --out "$work/signing" >/dev/null || { fail "keygen"; exit 1; }
    STACK_SIMULATE=1 STACK_MODEL=$MODEL STACK_MODEL_KEY="$work/signing.pub" stack_start "${1:-2}" 6000r/m
    load_train >/dev/null || { fail "the first training"; exit 1; }
    local t0=$SECONDS
    until [ "$(version_now)" != none ] || [ $((SECONDS - t0)) -ge 30 ]; do sleep 0.2; done
    [ "$(version_now)" != none ] || { fail "no model served"; exit 1; }
}

# load_train: one signed training run on the live database; prints its status.
load_train() {
    "$top_builddir/qingfeng-train" run --db "$DB" --model "$MODEL" --signing-key "$SIGNING_KEY" \
        2>>"$work/train.log" | jq -r .status
}

# load_targets N: signs in N simulated cadres (one wrk thread each) and lists
# published items and questions: $work/sessions, $work/items, $work/questions.
load_targets() {
    local n=$1 i login cookie
    : >"$work/sessions"
    for i in $(seq 1 "$n"); do
        login=$(printf 'sim-%04d' "$i")
        login "$login" || exit 1
        cookie=$(awk '$6 ~ /qf_session$/ { print $6 "=" $7 }' "$COOKIES")
        printf '%s\t%s\n' "$cookie" "$CSRF" >>"$work/sessions"
    done
    sqlite3 "$DB" "SELECT id FROM items WHERE status = 'published'" >"$work/items"
    sqlite3 "$DB" "SELECT id FROM questions WHERE status = 'published'" >"$work/questions"
}

# load_wrk SECONDS OUT: the mix for SECONDS with 2 threads x 4 connections.
load_wrk() {
    wrk -t"${LOAD_THREADS:-2}" -c"${LOAD_CONNECTIONS:-8}" -d"$1"s --timeout 10s \
        -s "$top_srcdir/tests/reliability/mix.lua" "$BASE_URL" -- \
        "$work/sessions" "$work/items" "$work/questions" "run$RANDOM$$" >"$2" 2>&1
}

# load_figure OUT NAME: a number of mix.lua's tally ("non-2xx", "socket errors", "requests").
load_figure() {
    sed -n "s/^mix: .*$2 \([0-9]*\).*/\1/p" "$1" | head -n 1
}

# load_tally OUT: prints wrk's report and sets requests, non2xx and socket_errors from it.
load_tally() {
    cat "$1"
    requests=$(load_figure "$1" requests)
    non2xx=$(load_figure "$1" non-2xx)
    socket_errors=$(load_figure "$1" "socket errors")
}

# load_expect_clean: the tallied load ran, with no non-2xx reply and no socket error.
load_expect_clean() {
    check "the load ran ($requests requests)" test "${requests:-0}" -gt 0
    expect_eq "no non-2xx reply" "$non2xx" 0
    expect_eq "no socket error" "$socket_errors" 0
}

# worker_pids: the app's worker processes, one a line.
worker_pids() {
    pgrep -P "$(app_pid)" | sort -n
}

# rss_kb PID: resident memory of a process in KiB.
rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
