#!/usr/bin/env bash
# test-login-rate-limit.sh — nginx's per-address limit on /api/login (the
# shipped 10 a minute, burst 5) answers 429 in the API's JSON shape.
. "$top_srcdir/tests/lib.sh"

stack_start
codes=$(for i in $(seq 1 15); do
    curl -s -o "$work/reply-$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
        --data-binary '{"login":"demo-cadre","password":"wrong"}' "$BASE_URL/api/login"
done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
echo "login attempts: $codes"
expect_match "some attempts reached the app" "$codes" '[0-9]+ 401'
expect_match "the rest were limited" "$codes" '[0-9]+ 429'
limited=$(grep -l 'too_many_requests' "$work"/reply-* | head -n 1)
check "the limit answers JSON" test -n "$limited"
[ -n "$limited" ] && expect_eq "429 body" "$(jq -r .error.code "$limited")" too_many_requests
request GET /api/health
expect_eq "other endpoints unaffected" "$STATUS" 200

test_done
