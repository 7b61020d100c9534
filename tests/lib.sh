# lib.sh — shared by the integration and browser tests (sourced, bash).
#
# stack_start runs the real qingfeng-fcgi and a private nginx through
# nginx/run-dev.sh on a free loopback port, with a fresh demo database;
# stack_stop (also run at exit) stops them. Checks count failures; test_done
# prints the tally and exits with the automake verdict (0 pass, 1 fail).

set -u

: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"

test_name=$(basename "$0" .sh)
failures=0
checks=0
work=$(mktemp -d "/tmp/qf-$test_name-XXXXXX")
stack_pid=
BASE_URL=

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
}

pass() {
    checks=$((checks + 1))
}

# check DESCRIPTION COMMAND...: runs the command, counts a failure if it fails.
check() {
    local what=$1
    shift
    checks=$((checks + 1))
    if ! "$@"; then
        fail "$what"
        return 1
    fi
}

# expect_eq WHAT GOT EXPECTED
expect_eq() {
    checks=$((checks + 1))
    if [ "$2" != "$3" ]; then
        fail "$1: expected '$3', got '$2'"
        return 1
    fi
}

# expect_match WHAT TEXT REGEX
expect_match() {
    checks=$((checks + 1))
    if ! printf '%s' "$2" | grep -Eq -- "$3"; then
        fail "$1: expected to match /$3/, got '$2'"
        return 1
    fi
}

# expect_eventually WHAT EXPECTED COMMAND...: runs COMMAND (a query, say) until it
# prints EXPECTED, or until QF_WAIT_SECONDS (default 10) have passed: then the
# check fails with both values. For what the app writes after its reply (the
# feed's impressions): a bounded wait for a value, not a timing assertion.
expect_eventually() {
    local what=$1 expected=$2 got limit=${QF_WAIT_SECONDS:-10} t0=$SECONDS
    shift 2
    checks=$((checks + 1))
    while :; do
        got=$("$@")
        [ "$got" = "$expected" ] && return 0
        [ $((SECONDS - t0)) -ge "$limit" ] && break
        sleep 0.05
    done
    fail "$what: expected '$expected', got '$got' (after waiting ${limit} s)"
    return 1
}

require_program() {
    if [ -z "$2" ] || ! command -v "$2" >/dev/null 2>&1; then
        echo "FAIL: $1 not found: run ./bootstrap deps (or apt-get install $3)" >&2
        exit 1
    fi
}

# A port nobody listens on, from a range away from the usual services.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# stack_start [WORKERS [LOGIN_RATE]]: demo database + app + nginx; sets BASE_URL, STATE, DB.
# LOGIN_RATE is nginx's per-address limit on /api/login (default 10r/m); with
# STACK_MODEL set, the app serves the model file at that path (and with
# STACK_MODEL_KEY, only if signed with the secret of that public key;
# STACK_TRAIN_SIGNING_KEY is the secret key trainings started over HTTP sign with;
# STACK_SIMULATE=1 adds the demo's simulated cohort to the database).
stack_start() {
    local workers=${1:-2} rate=${2:-10r/m} port attempt
    require_program nginx "${QF_NGINX:-}" nginx-light
    require_program curl "${CURL:-curl}" curl
    require_program jq jq jq
    STATE="$work/state"
    DB="$work/qingfeng.db"
    "$top_builddir/qingfeng-admin" --db "$DB" demo --content "$top_srcdir/content/corpus" \
        ${STACK_SIMULATE:+--simulate} >"$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; echo "FAIL: demo database" >&2; exit 1; }
    # Another test may take the port between the look and nginx's bind: retry.
    for attempt in 1 2 3 4 5; do
        port=$(free_port) || { echo "FAIL: no free port" >&2; exit 1; }
        "$top_srcdir/nginx/run-dev.sh" --bindir "$top_builddir" --state "$STATE" \
            --db "$DB" --port "$port" --workers "$workers" --login-rate "$rate" \
            ${STACK_MODEL:+--model "$STACK_MODEL"} ${STACK_MODEL_KEY:+--model-key "$STACK_MODEL_KEY"} \
            ${STACK_TRAIN_SIGNING_KEY:+--train-signing-key "$STACK_TRAIN_SIGNING_KEY"} \
            >"$work/run.log" 2>&1 &
        stack_pid=$!
        BASE_URL="http://127.0.0.1:$port"
        for _ in $(seq 1 "${QF_START_TENTHS:-100}"); do
            # nginx writes its pid file only once it holds the port: until then a
            # reply on that port could come from somebody else's server.
            if [ -s "$STATE/nginx.pid" ] &&
                [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/api/health")" = 200 ]; then
                return 0
            fi
            kill -0 "$stack_pid" 2>/dev/null || break
            sleep 0.1
        done
        stack_stop
        grep -q 'Address already in use' "$STATE/nginx-error.log" "$work/run.log" 2>/dev/null || break
        echo "port $port was taken; trying another (attempt $attempt)" >&2
        rm -f "$STATE/nginx-error.log" "$STATE/nginx.pid"
    done
    echo "FAIL: the stack did not come up; its log:" >&2
    cat "$work/run.log" "$STATE/nginx-error.log" >&2 2>/dev/null
    exit 1
}

stack_stop() {
    if [ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null; then
        kill -TERM "$stack_pid"
        wait "$stack_pid" 2>/dev/null || true
    fi
    stack_pid=
}

# app_pid: the supervisor process of the running stack.
app_pid() {
    pgrep -f -- "qingfeng-fcgi --socket $STATE/qingfeng.sock" | head -n 1
}

# request METHOD PATH [curl args...]: one request; sets STATUS and BODY.
request() {
    local method=$1 path=$2
    shift 2
    STATUS=$(curl -s -o "$work/body" -w '%{http_code}' -X "$method" "$@" "$BASE_URL$path")
    BODY=$(cat "$work/body")
}

# try_login LOGIN [PASSWORD]: attempts a sign-in; sets STATUS and BODY, and on
# success COOKIES (a curl cookie jar) and CSRF. Later requests pass them with:
# request METHOD PATH "${AUTH[@]}" ...
try_login() {
    COOKIES="$work/cookies-$1"
    rm -f "$COOKIES"
    STATUS=$(curl -s -o "$work/body" -w '%{http_code}' -c "$COOKIES" -b "$COOKIES" \
        -H 'Content-Type: application/json' \
        --data-binary "$(jq -cn --arg l "$1" --arg p "${2:-qingfeng-demo}" '{login:$l,password:$p}')" \
        "$BASE_URL/api/login")
    BODY=$(cat "$work/body")
    CSRF=$(jq -r '.csrf_token // empty' <<<"$BODY")
    AUTH=(-b "$COOKIES" -c "$COOKIES" -H "X-CSRF-Token: $CSRF")
}

# login LOGIN [PASSWORD]: a sign-in that must succeed.
login() {
    try_login "$@"
    [ "$STATUS" = 200 ] || { fail "login as $1: status $STATUS: $BODY"; return 1; }
}

# send_json METHOD PATH JSON: a JSON request as the signed-in user; sets STATUS and BODY.
send_json() {
    request "$1" "$2" "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "$3"
}

# expect_json_error WHAT STATUS CODE: the last reply was that status with {"error":{"code":CODE,...}}.
expect_json_error() {
    expect_eq "$1: status" "$STATUS" "$2"
    expect_eq "$1: error code" "$(jq -r '.error.code' <<<"$BODY" 2>/dev/null)" "$3"
    expect_match "$1: error message" "$(jq -r '.error.message' <<<"$BODY" 2>/dev/null)" '.'
}

cleanup() {
    stack_stop
    if [ "$failures" -gt 0 ]; then
        echo "--- logs kept in $work" >&2
        tail -n 20 "$work/run.log" >&2 2>/dev/null || true
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# version_now: the model version /api/health names ("none" without a model).
version_now() { curl -s "$BASE_URL/api/health" | jq -r '.model.version // "none"'; }
# next_version OLD: the first version answered that is not OLD (30 s at most).
next_version() {
    local v t0=$SECONDS
    while [ $((SECONDS - t0)) -lt 30 ]; do
        v=$(version_now)
        [ "$v" != "$1" ] && { echo "$v"; return 0; }
        sleep 0.1
    done
    echo "$1"
}

# FastCGI records for speaking to the app socket directly (tests/tools/fcgi-send),
# as a web server would: fcgi_request METHOD PATH REMOTE_ADDR [JSON] writes one
# responder request (short name/value lengths: each under 128 bytes).
fcgi_header() { printf "\\x01\\x$1\\x00\\x01\\x$2\\x$3\\x00\\x00"; }
fcgi_param() {
    fcgi_header 04 00 "$(printf %02x $(( 2 + ${#1} + ${#2} )))"
    printf "\\x$(printf %02x "${#1}")\\x$(printf %02x "${#2}")%s%s" "$1" "$2"
}
# fcgi_begin: BEGIN_REQUEST, responder role, no keep-alive.
fcgi_begin() { fcgi_header 01 00 08; printf '\x00\x01\x00\x00\x00\x00\x00\x00'; }
fcgi_request() {
    local body=${4:-}
    fcgi_begin
    fcgi_param REQUEST_METHOD "$1"
    fcgi_param DOCUMENT_URI "$2"
    fcgi_param REMOTE_ADDR "$3"
    if [ -n "$body" ]; then
        fcgi_param CONTENT_TYPE application/json
        fcgi_param CONTENT_LENGTH "$(printf %s "$body" | wc -c)"
    fi
    fcgi_header 04 00 00
    [ -n "$body" ] && { fcgi_header 05 00 "$(printf %02x "$(printf %s "$body" | wc -c)")"; printf %s "$body"; }
    fcgi_header 05 00 00
}
# fcgi_status METHOD PATH REMOTE_ADDR [JSON]: the HTTP status the app answers.
fcgi_status() {
    fcgi_request "$@" | "$top_builddir/tests/tools/fcgi-send" "$STATE/qingfeng.sock" |
        sed -n 's/^status \([0-9]*\).*/\1/p'
}

test_done() {
    echo "$test_name: $checks checks, $failures failed"
    [ "$failures" -eq 0 ] && exit 0 || exit 1
}
