#!/usr/bin/env bash
# test-impression-log.sh — the feed's impressions, which each worker writes
# after its answers, in batches (fcgi/impression-log.c), through real nginx
# and the real app with a model in service:
#  1. feeds of several cadres, one after another: every entry shown (reviews
#     aside) is one row of events, with its position, the arm and model
#     version the reply named, and the time of the feed;
#  2. a burst of concurrent feeds (8 clients, four feeds at a time each):
#     as many rows as entries answered, each once;
#  3. a connection the web server keeps open: the worker waiting on it for
#     the next request still writes the rows it holds;
#  4. a graceful stop (SIGTERM to the app) in the middle of such a burst,
#     with the database locked by another process until the stop began:
#     every feed answered 200 has its rows once the app has exited;
#  5. the pushes rollup equals the same computed from the raw events, with
#     completions posted right behind feeds (under load, often before the
#     feed's impressions are written).
# The rows expected come from the feed replies themselves: what the cadre saw.
. "$top_srcdir/tests/lib.sh"

# A small model (as in test-model-reload.sh): rows carry its version.
awk 'BEGIN { for (u = 1; u <= 40; u++) for (i = 1; i <= 30; i++)
    if ((u % 2) == (i % 2) && (u * 7 + i * 3) % 5 != 0) print u, i, 1 + (u + i) % 3 }' >"$work/interactions"
"$top_builddir/qingfeng-train" fit --train "$work/interactions" --out "$work/model.qfm" --factors 8 \
    --iterations 5 --regularization 0.1 --seed 1 >/dev/null 2>"$work/fit.log" ||
    { cat "$work/fit.log" >&2; echo "FAIL: qingfeng-train fit" >&2; exit 1; }
STACK_MODEL=$work/model.qfm stack_start 2 100r/s
q() { sqlite3 "$DB" "$1"; }
version=$(version_now)
expect_match "a model in service" "$version" '^[0-9a-f]{16}$'

hash=$(q "SELECT password_hash FROM users WHERE login = 'demo-cadre'")
unit=$(q "SELECT unit_id FROM users WHERE login = 'demo-cadre'")

# new_cadres PREFIX N: N new cadres PREFIX-1..N, signed in, in the control arm when
# odd, else the personalised (so that both are checked); for each, the line
# "ID COOKIE_JAR CSRF" in $work/PREFIX.cadres.
new_cadres() {
    local i id
    : >"$work/$1.cadres"
    for i in $(seq 1 "$2"); do
        id=$(q "INSERT INTO users(login, password_hash, name, role, unit_id, category)
                VALUES ('$1-$i', '$hash', '印象', 'cadre', $unit, 'grassroots') RETURNING id")
        q "INSERT INTO arms(user_id, arm) VALUES ($id, '$( [ $((i % 2)) = 1 ] && echo control || echo personalised)')"
        login "$1-$i" || return 1
        echo "$id $COOKIES $CSRF" >>"$work/$1.cadres"
    done
}

# Each feed reply answered 200 is kept as DIR/ID-*.json, ID the cadre's user id.
# feed JAR LIMIT FILE: one feed as the cadre of that cookie jar, kept in FILE; prints the status.
feed() {
    local status
    status=$(curl -s --max-time 20 -o "$3" -w '%{http_code}' -b "$1" "$BASE_URL/api/feed?limit=$2")
    [ "$status" = 200 ] || rm -f "$3"
    echo "$status"
}

# complete JAR CSRF ITEM CLIENT_ID: the cadre completes ITEM; prints the status.
complete() {
    curl -s --max-time 20 -o /dev/null -w '%{http_code}' -b "$1" -H "X-CSRF-Token: $2" \
        -H 'Content-Type: application/json' \
        --data-binary "{\"client_id\":\"$4\",\"item_id\":$3,\"kind\":\"complete\"}" "$BASE_URL/api/events"
}

# shown DIR: the impressions the replies kept in DIR stand for, one line each:
# user, item, position (1-based), arm, model version — reviews are not impressions.
shown() {
    find "$1" -name '*.json' -print0 | xargs -0 -r jq -r '(input_filename | sub(".*/"; "") | sub("-.*"; "")) as $u
        | . as $r | .items | to_entries[] | select(.value.question_id == null)
        | [$u, .value.id, .key + 1, $r.arm, $r.model_version] | @tsv' | sort
}

# stored PREFIX: the impression rows of the cadres PREFIX-*, as shown() prints them.
stored() {
    sqlite3 -separator $'\t' "$DB" "SELECT e.user_id, e.item_id, e.position, e.arm,
        coalesce(e.model_version, 'none') FROM events e JOIN users u ON u.id = e.user_id
        WHERE e.kind = 'impression' AND u.login LIKE '$1-%'" | sort
}
stored_count() {
    q "SELECT count(*) FROM events e JOIN users u ON u.id = e.user_id
       WHERE e.kind = 'impression' AND u.login LIKE '$1-%'"
}

# expect_shown_stored WHAT PREFIX DIR: once the rows are all there, they are exactly the shown ones.
expect_shown_stored() {
    shown "$3" >"$work/$2.shown"
    check "$1: feeds were answered" test -s "$work/$2.shown"
    expect_eventually "$1: impression rows" "$(wc -l <"$work/$2.shown")" stored_count "$2"
    stored "$2" >"$work/$2.stored"
    check "$1: each entry shown is one row with its position, arm and model version" \
        diff "$work/$2.shown" "$work/$2.stored"
}

# hold_write_lock / release_write_lock: another process (the sqlite3 CLI, inside
# BEGIN IMMEDIATE) holds the database's write lock in between, so that no batch
# can be written: the workers keep what they queued and try again later.
hold_write_lock() {
    rm -f "$work/locked" "$work/unlock"
    sqlite3 "$DB" >"$work/lock.out" 2>&1 <<EOF &
.timeout 5000
BEGIN IMMEDIATE;
.shell touch '$work/locked'; while [ ! -e '$work/unlock' ]; do sleep 0.05; done
COMMIT;
EOF
    lock_pid=$!
    expect_eventually "another process holds the write lock" yes \
        sh -c "test -e '$work/locked' && echo yes || cat '$work/lock.out'"
}
release_write_lock() {
    touch "$work/unlock"
    wait "$lock_pid"
}

# --- 1. feeds one after another
new_cadres one 4 || test_done
mkdir -p "$work/one"
t_first=$(date +%s)
n=0
while read -r id jar csrf; do
    for limit in 5 10 20; do
        n=$((n + 1))
        expect_eq "feed $n" "$(feed "$jar" "$limit" "$work/one/$id-$limit.json")" 200
        # Completed at once: its completion may land before the feed's impressions.
        [ "$limit" = 5 ] && expect_eq "complete after feed $n" \
            "$(complete "$jar" "$csrf" "$(jq '.items[0].id' "$work/one/$id-$limit.json")" "one-$n")" 201
    done
done <"$work/one.cadres"
t_last=$(date +%s)
expect_shown_stored "one at a time" one "$work/one"
expect_eq "both arms shown" "$(cut -f4 "$work/one.shown" | sort -u | tr '\n' ' ')" "control personalised "
expect_eq "the model's version on every row" "$(cut -f5 "$work/one.stored" | sort -u)" "$version"
expect_eq "each row's time is the feed's" "$(q "SELECT count(*) FROM events e JOIN users u ON u.id = e.user_id
    WHERE e.kind = 'impression' AND u.login LIKE 'one-%' AND e.created_at NOT BETWEEN $t_first AND $t_last")" 0

# --- 2. a burst of concurrent feeds, completions among them
new_cadres two 8 || test_done
# burst PREFIX DIR ROUNDS [COMPLETE]: the cadres PREFIX-* all at once, each ROUNDS times
# asking for four feeds in parallel (curl -Z), then (unless COMPLETE is "no")
# completing the first item of the first; each reply's status in DIR/statuses-ID
# ("feed 200", "complete 201", ...).
burst() {
    local pids=() id jar csrf
    mkdir -p "$2"
    while read -r id jar csrf; do
        (
            for i in $(seq 1 "$3"); do
                args=()
                for j in 1 2 3 4; do
                    args+=(-o "$2/$id-$i-$j.json" "$BASE_URL/api/feed?limit=$((5 * j))")
                done
                curl -s -Z --no-progress-meter --max-time 20 -b "$jar" \
                    -w '%{http_code} %{filename_effective}\n' "${args[@]}" 2>/dev/null |
                    while read -r status file; do
                        [ "$status" = 200 ] || rm -f "$file"
                        echo "feed $status"
                    done
                file="$2/$id-$i-1.json"
                [ "${4:-yes}" != no ] && [ -e "$file" ] &&
                    echo "complete $(complete "$jar" "$csrf" "$(jq '.items[0].id' "$file")" "$1-$id-$i")"
            done >"$2/statuses-$id"
        ) &
        pids+=($!)
    done <"$work/$1.cadres"
    BURST_PIDS=("${pids[@]}")
}
burst two "$work/two" 10
wait "${BURST_PIDS[@]}"
expect_eq "burst: 320 feeds answered" "$(cat "$work"/two/statuses-* | grep -c '^feed 200$')" 320
expect_eq "burst: replies other than 200 (feeds) and 201 (completions)" \
    "$(cat "$work"/two/statuses-* | grep -vE '^(feed 200|complete 201)$' | sort | uniq -c | tr -s ' ')" ""
expect_shown_stored "burst" two "$work/two"

# --- 3. a connection the web server keeps open (FastCGI keep-conn), idle after a feed
# The feed's batch fails while the lock is held; the worker, waiting on that
# connection for its next request, must still write it once it can.
require_program python3 "${PYTHON:=/usr/bin/python3}" python3
new_cadres kept 1 || test_done
read -r id jar csrf <"$work/kept.cadres"
token=$(awk '$6 == "qf_session" { print $7 }' "$jar")
{
    fcgi_header 01 00 08; printf '\x00\x01\x01\x00\x00\x00\x00\x00'   # responder, FCGI_KEEP_CONN
    fcgi_param REQUEST_METHOD GET
    fcgi_param DOCUMENT_URI /api/feed
    fcgi_param QUERY_STRING limit=10
    fcgi_param REMOTE_ADDR 127.0.0.1
    fcgi_param HTTP_COOKIE "qf_session=$token"
    fcgi_header 04 00 00
    fcgi_header 05 00 00
} >"$work/kept.request"
mkdir -p "$work/kept"
hold_write_lock
# Sends the request, writes the reply's body to argv[3] and "status N" to stdout,
# then holds the connection open, idle, until killed.
"$PYTHON" - "$STATE/qingfeng.sock" "$work/kept.request" "$work/kept/$id-1.json" >"$work/kept.out" 2>&1 <<'PY' &
import socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
sock.sendall(open(sys.argv[2], "rb").read())
buf, out = b"", b""
def need(n):
    global buf
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("the app closed the connection")
        buf += chunk
while True:
    need(8)
    _, kind, _, length, padding, _ = struct.unpack(">BBHHBB", buf[:8])
    need(8 + length + padding)
    if kind == 6:
        out += buf[8:8 + length]
    buf = buf[8 + length + padding:]
    if kind == 3:
        break
head, _, body = out.partition(b"\r\n\r\n")
status = [l for l in head.split(b"\r\n") if l.startswith(b"Status: ")]
open(sys.argv[3], "wb").write(body)
print("status", status[0][8:11].decode() if status else "200", flush=True)
sock.recv(1)
PY
kept_pid=$!
expect_eventually "the feed on a kept connection" "status 200" cat "$work/kept.out"
# The lock goes once the worker has failed to write the feed's batch.
expect_eventually "the batch refused while locked" 1 grep -c 'impressions: 10 rows not written' "$work/run.log"
release_write_lock
expect_shown_stored "kept connection" kept "$work/kept"
running=no
kill -0 "$kept_pid" 2>/dev/null && running=yes
expect_eq "written while the connection stayed open" "$running" yes
kill "$kept_pid" 2>/dev/null
wait "$kept_pid" 2>/dev/null

# --- 4. a graceful stop in the middle of a burst, the database locked
# Another process holds the write lock meanwhile, so that the workers cannot
# write and must keep what they queued: it lets go only once the app has been
# told to stop, and the workers write it all on their way out.
new_cadres three 8 || test_done
mkdir -p "$work/three"
while read -r id jar csrf; do
    expect_eq "first feed of cadre $id" "$(feed "$jar" 5 "$work/three/$id-0.json")" 200
done <"$work/three.cadres"
hold_write_lock
app=$(app_pid)
burst three "$work/three" 50 no
# Once the burst is well under way (100 answers), the app is told to stop.
for _ in $(seq 1 600); do
    [ "$(cat "$work"/three/statuses-* 2>/dev/null | grep -c '^feed 200$')" -ge 100 ] && break
    sleep 0.05
done
kill -TERM "$app"
expect_eventually "the app is stopping" 1 grep -c 'signal 15: stopping' "$work/run.log"
release_write_lock
for _ in $(seq 1 200); do
    kill -0 "$app" 2>/dev/null || break
    sleep 0.05
done
running=no
kill -0 "$app" 2>/dev/null && running=yes
expect_eq "the app has exited" "$running" no
wait "${BURST_PIDS[@]}"
stack_stop
expect_match "the app's exit status" "$(cat "$work/run.log")" 'qingfeng-fcgi exited with status 0;'
answered=$(cat "$work"/three/statuses-* | grep -c '^feed 200$')
check "the stop came mid-burst: $answered of 1600 feeds answered" test "$answered" -lt 1600
expect_match "batches were refused while the lock was held" "$(cat "$work/run.log")" 'impressions: [0-9]+ rows not written \(kept'
expect_shown_stored "stopped mid-burst" three "$work/three"
expect_eq "no impressions lost, says the log" "$(grep -c 'impressions: .* lost' "$work/run.log")" 0
echo "stop: $answered feeds answered in the burst; $(grep -o 'impressions: [0-9]* queued rows written before exit' "$work/run.log" |
    awk '{ n += $2 } END { print n + 0 }') rows written by the workers as they exited"

# --- 5. the pushes rollup against the raw events (the app has stopped: nothing moves)
rollup=$(q "SELECT user_id, item_id, shown_at, coalesce(done_at, '-') FROM pushes ORDER BY 1, 2")
raw=$(q "WITH first AS (SELECT user_id, item_id, min(created_at) AS shown_at FROM events
        WHERE kind = 'impression' GROUP BY 1, 2)
    SELECT f.user_id, f.item_id, f.shown_at, coalesce((SELECT min(c.created_at) FROM events c
        WHERE c.user_id = f.user_id AND c.item_id = f.item_id AND c.kind = 'complete'
          AND c.created_at >= f.shown_at), '-') FROM first f ORDER BY 1, 2")
check "pushes: one row per cadre and item shown" test "$(wc -l <<<"$rollup")" -gt 0
expect_eq "pushes: as many as the distinct pairs shown" "$(wc -l <<<"$rollup")" "$(wc -l <<<"$raw")"
check "pushes: first shown and first completed after, as the raw events say" \
    diff <(echo "$rollup") <(echo "$raw")
expect_eq "pushes: some completed" "$(q "SELECT count(*) > 0 FROM pushes WHERE done_at IS NOT NULL")" 1
expect_eq "integrity_check" "$(q 'PRAGMA integrity_check')" ok

test_done
