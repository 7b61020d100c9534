#!/usr/bin/env bash
# crash-test.sh — writes survive workers killed mid-request.
#
# Four clients post bursts of learning events and quiz answers through nginx
# to the real app (tests/lib.sh's stack, 4 workers) while a random worker is
# killed with SIGKILL, CRASH_KILLS times (default 1000); the supervisor
# (fcgi/server.c) starts a new one each time. Every write the app
# acknowledged (2xx) is recorded with its client_id. Afterwards every
# acknowledged write must be in the database, PRAGMA integrity_check must
# say ok, and the app must still serve. Prints the kills, acknowledged
# writes, lost writes and the non-2xx replies by status.
#
# Only workers alive for more than a second are killed: the supervisor
# delays the restart of a worker that dies within a second of starting
# (its guard against a crash loop), and this test is about requests in
# flight, not about that back-off.
#
#   tests/reliability/crash-test.sh            (from the source tree, after ./bootstrap check)
#   CRASH_KILLS=100 tests/reliability/crash-test.sh
#   make -C build crash-test [CRASH_KILLS=N]
# make check runs the short variant (tests/reliability/test-crash-short.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
: "${QF_NGINX:=$(command -v nginx || echo /usr/sbin/nginx)}"
export top_srcdir top_builddir QF_NGINX
. "$top_srcdir/tests/lib.sh"

kills_wanted=${CRASH_KILLS:-1000}
clients=4
workers=4
require_program sqlite3 sqlite3 sqlite3

stack_start "$workers" 600r/m
app=$(app_pid)
check "found the app's supervisor" test -n "$app" || test_done
login demo-cadre || test_done

# Published items for events, published single-choice questions for answers.
items=($(sqlite3 "$DB" "SELECT id FROM items WHERE status = 'published' ORDER BY id LIMIT 40"))
questions=($(sqlite3 "$DB" "SELECT id FROM questions WHERE status = 'published' AND type = 'single' ORDER BY id LIMIT 40"))
check "published items and questions to write against" test "${#items[@]}" -gt 0 -a "${#questions[@]}" -gt 0 ||
    test_done

# client N: posts until told to stop; one line per request: "STATUS KIND CLIENT_ID".
client() {
    local n=$1 i=0 id kind status
    while [ ! -e "$work/stop" ]; do
        i=$((i + 1))
        id="crash-$n-$i"
        if [ $((i % 2)) = 0 ]; then
            kind=event
            status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST \
                -b "$COOKIES" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
                --data-binary "{\"client_id\":\"$id\",\"item_id\":${items[$((RANDOM % ${#items[@]}))]},\"kind\":\"progress\",\"value\":0.5}" \
                "$BASE_URL/api/events")
        else
            kind=answer
            status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST \
                -b "$COOKIES" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
                --data-binary "{\"client_id\":\"$id\",\"choice\":[$((RANDOM % 2))]}" \
                "$BASE_URL/api/questions/${questions[$((RANDOM % ${#questions[@]}))]}/answer")
        fi
        echo "$status $kind $id"
    done >"$work/client-$n"
}

# The age of process PID in clock ticks (CLK_TCK a second), or nothing.
hz=$(getconf CLK_TCK)
age_ticks() {
    local stat start uptime
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }                       # past "pid (comm) "
    start=$(awk '{ print $20 }' <<<"$stat") # field 22 of the whole line
    read -r uptime _ </proc/uptime          # seconds, two decimals
    echo $(( ${uptime/./} * hz / 100 - start ))
}

client_pids=()
for n in $(seq 1 "$clients"); do
    client "$n" &
    client_pids+=($!)
done
sleep 1

kills=0
t0=$(date +%s)
deadline=$((t0 + 60 + kills_wanted))     # a generous bound: ~0.3 s a kill is normal
while [ "$kills" -lt "$kills_wanted" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$app" 2>/dev/null || { fail "the supervisor died"; break; }
    old=()
    for pid in $(pgrep -P "$app"); do
        age=$(age_ticks "$pid") && [ "$age" -gt $((hz * 11 / 10)) ] && old+=("$pid")
    done
    if [ ${#old[@]} -eq 0 ]; then
        sleep 0.05
        continue
    fi
    victim=${old[$((RANDOM % ${#old[@]}))]}
    kill -KILL "$victim" 2>/dev/null && kills=$((kills + 1))
    sleep 0.0$((RANDOM % 10))
done
elapsed=$(($(date +%s) - t0))
touch "$work/stop"
wait "${client_pids[@]}"

# The service is back: a write and a read after the last kill.
sleep 1.5
send_json POST /api/events "{\"client_id\":\"after-kills\",\"item_id\":${items[0]},\"kind\":\"open\"}"
expect_eq "a write after the kills" "$STATUS" 201
request GET /api/health
expect_eq "health after the kills" "$STATUS" 200
workers_now=$(pgrep -P "$app" | wc -l)
expect_eq "workers running after the kills" "$workers_now" "$workers"
stack_stop

cat "$work"/client-* >"$work/all"
grep -E '^2[0-9][0-9] ' "$work/all" | awk '{ print $3 }' | sort >"$work/acknowledged"
sqlite3 "$DB" "SELECT client_id FROM events WHERE client_id LIKE 'crash-%'
               UNION ALL SELECT client_id FROM answers WHERE client_id LIKE 'crash-%'" | sort >"$work/stored"
acknowledged=$(wc -l <"$work/acknowledged")
lost=$(comm -23 "$work/acknowledged" "$work/stored" | wc -l)
duplicated=$(uniq -d "$work/stored" | wc -l)
integrity=$(sqlite3 "$DB" 'PRAGMA integrity_check')
requests=$(wc -l <"$work/all")

echo "crash test: $kills kills in ${elapsed} s, $requests requests, $acknowledged acknowledged writes," \
    "$lost lost, $(wc -l <"$work/stored") stored (unacknowledged but committed: $(( $(wc -l <"$work/stored") - acknowledged + lost )))"
echo "non-2xx by status: $(grep -vE '^2[0-9][0-9] ' "$work/all" | awk '{ print $1 }' | sort | uniq -c |
    awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
echo "integrity_check: $integrity"

expect_eq "kills done" "$kills" "$kills_wanted"
check "writes were acknowledged ($acknowledged)" test "$acknowledged" -gt 0
expect_eq "acknowledged writes lost" "$lost" 0
expect_eq "client_ids stored twice" "$duplicated" 0
expect_eq "integrity_check" "$integrity" ok
# Every request was answered: a kill may cut one (502), nothing may hang.
expect_eq "requests without a reply (curl 000)" "$(grep -c '^000 ' "$work/all")" 0
test_done
