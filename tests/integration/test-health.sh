#!/usr/bin/env bash
# test-health.sh — through real nginx: /api/health answers the documented JSON,
# the front page is served in Chinese with the security headers.
. "$top_srcdir/tests/lib.sh"

stack_start

request GET /api/health
expect_eq "health status" "$STATUS" 200
expect_eq "health.status" "$(jq -r .status <<<"$BODY")" ok
expect_eq "health.db" "$(jq -r .db <<<"$BODY")" ok
expect_eq "health.schema" "$(jq -r .schema <<<"$BODY")" "$("$top_builddir/qingfeng-admin" --db "$DB" schema-version | cut -d' ' -f1)"
expect_eq "health.model (none trained yet)" "$(jq -c .model <<<"$BODY")" null
expect_eq "health keys" "$(jq -c 'keys' <<<"$BODY")" '["db","model","schema","status"]'

headers=$(curl -s -D - -o /dev/null "$BASE_URL/api/health")
expect_match "JSON content type" "$headers" 'Content-Type: application/json; charset=utf-8'
expect_match "no caching of API replies" "$headers" 'Cache-Control: no-store'

request GET /
expect_eq "front page status" "$STATUS" 200
expect_match "front page is Chinese" "$BODY" '<html lang="zh-CN">'
expect_match "front page title" "$BODY" '清风'
headers=$(curl -s -D - -o /dev/null "$BASE_URL/")
expect_match "CSP without inline script" "$headers" "Content-Security-Policy: default-src 'self'; script-src 'self';"
expect_match "nosniff" "$headers" 'X-Content-Type-Options: nosniff'
expect_match "frame-ancestors" "$headers" "frame-ancestors 'none'"

# One log line per request: method, path, status, microseconds.
expect_match "request log line" "$(cat "$work/run.log")" 'GET /api/health 200 [0-9]+us'

test_done
