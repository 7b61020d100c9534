#!/usr/bin/env bash
# test-fault-alloc.sh — SQLite's and Jansson's allocations failing, one
# after another, in the real app behind nginx (fcgi/fault-inject.c; only a
# --enable-fault-injection build has it, the sanitizer build: others skip).
#
# For each kind of request (an event, a quiz answer, the feed, a search,
# the progress page) the test first counts the allocations the request
# makes (C), then repeats it with allocation N failing once, for N = 1..C
# (every C/FAULT_STEPS-th N when C is larger), and with allocation N and all
# after it failing, for some N. Every reply must be a 2xx, a 4xx or a 503 —
# never a 500, a 502 (a worker that died) or no reply; a 2xx must carry its
# whole JSON body; no worker may die; a write answered 2xx must be stored. Then allocations succeed again: every
# request must succeed, and PRAGMA integrity_check must say ok. Prints, per
# request, its allocations, the faults injected and the replies by status.
. "$top_srcdir/tests/lib.sh"

if ! grep -q '^#define QF_FAULT_INJECTION 1' "$top_builddir/config.h"; then
    echo "skip: this build has no fault injection (configure --enable-fault-injection; ./bootstrap check-sanitizers does)"
    exit 77
fi
steps=${FAULT_STEPS:-300}
control="$work/fault-control"
echo off >"$control"
export QF_FAULT_CONTROL=$control
stack_start 1
unset QF_FAULT_CONTROL
login demo-cadre || test_done
item=$(sqlite3 "$DB" "SELECT id FROM items WHERE status = 'published' ORDER BY id LIMIT 1")
question=$(sqlite3 "$DB" "SELECT id FROM questions WHERE status = 'published' AND type = 'single' ORDER BY id LIMIT 1")
seq_no=0

# send KIND: one request of that kind; sets STATUS (and records acknowledged writes).
send() {
    seq_no=$((seq_no + 1))
    case $1 in
    event) send_json POST /api/events "{\"client_id\":\"fault-$seq_no\",\"item_id\":$item,\"kind\":\"progress\",\"value\":0.25}" ;;
    answer) send_json POST "/api/questions/$question/answer" "{\"client_id\":\"fault-$seq_no\",\"choice\":[0]}" ;;
    feed) request GET '/api/feed?limit=10' "${AUTH[@]}" ;;
    search) request GET '/api/search?q=%E7%BA%AA%E5%BE%8B&limit=5' "${AUTH[@]}" ;;
    progress) request GET /api/me/progress "${AUTH[@]}" ;;
    esac
    case $1:$STATUS in
    event:2*|answer:2*) echo "fault-$seq_no" >>"$work/acknowledged" ;;
    esac
    echo "$STATUS" >>"$work/status-$1"
    # A success must carry its whole reply, not what was left after a failure.
    case $STATUS in
    2??) jq -e 'type == "object" and length > 0' <<<"$BODY" >/dev/null 2>&1 ||
        echo "$1 $STATUS $(cat "$control"): $BODY" >>"$work/hollow" ;;
    esac
    case $STATUS in
    2??|4??|503) ;;
    *) fail "$1 with '$(cat "$control")': status $STATUS: $BODY" ;;
    esac
}

kinds=(event answer feed search progress)
: >"$work/acknowledged"
for kind in "${kinds[@]}"; do
    echo count >"$control"
    send "$kind"
    allocations=$(cat "$control.count" 2>/dev/null || echo 0)
    check "$kind: allocations counted ($allocations)" test "$allocations" -gt 0 || continue
    stride=$(( (allocations + steps - 1) / steps ))
    injected=0
    for n in $(seq 1 "$stride" "$allocations"); do
        echo "once $n" >"$control"
        send "$kind"
        injected=$((injected + 1))
    done
    for n in $(seq 1 $(( (allocations + 9) / 10 )) "$allocations"); do
        echo "persistent $n" >"$control"
        send "$kind"
        injected=$((injected + 1))
    done
    echo off >"$control"
    send "$kind"
    expect_match "$kind: served again once allocations succeed" "$STATUS" '^2'
    echo "$kind: $allocations allocations a request, $injected faults injected," \
        "replies: $(sort "$work/status-$kind" | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
done

hollow=$(cat "$work/hollow" 2>/dev/null | wc -l)
expect_eq "2xx replies without their whole JSON body" "$hollow" 0 ||
    head -c 2000 "$work/hollow" >&2
deaths=$(grep -cE 'worker [0-9]+ (killed by signal|exited with status)' "$work/run.log" || true)
stack_stop
expect_eq "workers that died" "$deaths" 0
stored=$(sqlite3 "$DB" "SELECT client_id FROM events WHERE client_id LIKE 'fault-%'
                        UNION ALL SELECT client_id FROM answers WHERE client_id LIKE 'fault-%'" | sort)
lost=$(comm -23 <(sort "$work/acknowledged") <(printf '%s\n' "$stored") | wc -l)
expect_eq "acknowledged writes lost" "$lost" 0
expect_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
echo "fault injection: $(cat "$work"/status-* | wc -l) requests, $(wc -l <"$work/acknowledged") writes acknowledged, $lost lost, $deaths workers died"
test_done
