#!/usr/bin/env bash
# test-graceful-stop.sh — SIGTERM to the app during a burst of requests: it
# exits 0 within 5 s, and every request nginx had forwarded was answered
# (the only upstream errors are connections refused after the socket went).
. "$top_srcdir/tests/lib.sh"

stack_start 2
app=$(app_pid)
check "found the app's supervisor" test -n "$app"

# Four clients hammer the API; each records the status of every request.
burst() {
    local i
    for i in $(seq 1 400); do
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "$BASE_URL/api/health?n=$1-$i"
    done >"$work/burst-$1"
}
clients=()
for c in 1 2 3 4; do
    burst "$c" &
    clients+=($!)
done

# Let the burst get going, then stop the app and time its exit.
sleep 1
served_before=$(cat "$work"/burst-* | grep -c '^200$')
kill -TERM "$app"
t0=$(date +%s%N)
while kill -0 "$app" 2>/dev/null; do
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 6000 ] && break
    sleep 0.02
done
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "${clients[@]}"
stack_stop

check "app exited within 5 s (took ${elapsed_ms} ms)" test "$elapsed_ms" -le 5000
expect_match "app's exit status" "$(cat "$work/run.log")" 'qingfeng-fcgi exited with status 0;'
check "requests were served before the stop ($served_before)" test "$served_before" -gt 0
expect_match "app logged the stop" "$(cat "$work/run.log")" 'signal 15: stopping'

# nginx's view: a 502 may only come from connect() failing once the socket
# had been removed; anything else means a forwarded request was dropped.
errors="$STATE/nginx-error.log"
dropped=$(grep -E 'upstream' "$errors" | grep -vE 'connect\(\) to unix:.* failed \((2|111): ' || true)
expect_eq "forwarded requests dropped" "$dropped" ""
bad_gateways=$(grep -c ' 502 ' "$STATE/nginx-access.log" || true)
refused=$(grep -cE 'connect\(\) to unix:.* failed \((2|111): ' "$errors" || true)
expect_eq "every 502 is a refused connection" "$bad_gateways" "$refused"
echo "burst: $(cat "$work"/burst-* | sort | uniq -c | tr '\n' ' '); stop took ${elapsed_ms} ms"

test_done
