#!/usr/bin/env bash
# test-bad-requests.sh — unknown paths, wrong methods, oversized bodies and
# garbled queries each get a JSON 4xx, and the next request is still served.
. "$top_srcdir/tests/lib.sh"

stack_start

still_serving() {
    request GET /api/health
    expect_eq "still serving after $1" "$STATUS" 200
}

request GET /api/no-such-thing
expect_json_error "unknown path" 404 not_found
still_serving "unknown path"

request GET /api/health/extra
expect_json_error "path below a known one" 404 not_found

request POST /api/health
expect_json_error "wrong method" 405 method_not_allowed
expect_eq "Allow header" "$(curl -s -D - -o /dev/null -X POST "$BASE_URL/api/health" | tr -d '\r' | grep -i '^Allow:')" "Allow: GET"
still_serving "wrong method"

request DELETE /api/health
expect_json_error "DELETE" 405 method_not_allowed
request BREW /api/health
expect_json_error "unknown method" 405 method_not_allowed

head -c 2000000 /dev/zero | tr '\0' 'x' > "$work/big"
request POST /api/health -H 'Content-Type: application/json' --data-binary "@$work/big"
expect_json_error "2 MB body" 413 body_too_large
still_serving "2 MB body"

request POST /api/health -H 'Content-Type: application/json' --data-binary '{"a":1}'
expect_json_error "small body, wrong method" 405 method_not_allowed

for query in 'a=%zz' 'a=%' 'a=%E5%BB' 'a=%00' '=x' 'a=%C0%AF' "$(printf 'a=%%%02X' 10)"; do
    request GET "/api/health?$query"
    expect_json_error "garbled query '$query'" 400 bad_query
done
request GET "/api/health?$(head -c 5000 /dev/zero | tr '\0' 'a')=1"
expect_json_error "query too long" 400 bad_query
still_serving "garbled queries"

# A well-formed query on a route that declares no parameters is fine.
request GET '/api/health?cache=%E5%BB%89%E6%B4%81'
expect_eq "clean query" "$STATUS" 200

# Bytes that are not UTF-8 in the path.
request GET '/api/%ff%fe'
expect_json_error "path not UTF-8" 400 bad_path

# Many bad requests in a row never take a worker down.
before=$(pgrep -f "qingfeng-fcgi --socket $STATE/qingfeng.sock" | sort | tr '\n' ' ')
clients=()
for i in $(seq 1 50); do
    curl -s -o /dev/null "$BASE_URL/api/health?x=%zz$i" &
    clients+=($!)
    curl -s -o /dev/null -X PUT "$BASE_URL/api/health" &
    clients+=($!)
done
wait "${clients[@]}"
after=$(pgrep -f "qingfeng-fcgi --socket $STATE/qingfeng.sock" | sort | tr '\n' ' ')
expect_eq "same worker processes after 100 bad requests" "$after" "$before"
expect_eq "no worker died" "$(grep -c 'killed by signal\|exited with status' "$work/run.log")" 0
still_serving "a burst of bad requests"

test_done
