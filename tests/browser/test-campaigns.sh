#!/usr/bin/env bash
# test-campaigns.sh (browser) — campaigns end to end in headless Chromium
# through real nginx and the real app: an editor creates a campaign on its
# page, a targeted cadre sees it first in the feed with its deadline and
# completes it, the supervisor's coverage board shows the completion, the
# evaluation board draws (campaigns.mjs has the steps).
. "$top_srcdir/tests/lib.sh"

require_program chromium "${CHROMIUM:-}" chromium
require_program node "${NODE:-}" nodejs
require_program sqlite3 sqlite3 sqlite3
if [ ! -d "$NODE_MODULES_DIR/playwright-core" ]; then
    echo "FAIL: playwright-core not installed in $NODE_MODULES_DIR: run ./bootstrap deps" >&2
    exit 1
fi

stack_start 2 600r/m
q() { sqlite3 "$DB" "$1"; }
login demo-admin
send_json PUT /api/admin/settings '{"control_share":0}'
send_json POST /api/admin/units '{"name":"新区分局","parent_id":2}'
unit=$(jq -r .id <<<"$BODY")
send_json POST /api/admin/users "$(jq -cn --argjson u "$unit" '{login:"xin.ganbu",password:"qingfeng-demo",name:"新干部",role:"cadre",unit_id:$u,category:"new_hire"}')"
expect_eq "a new hire in the unit" "$STATUS" 201
# An item with a title the search finds whole.
item=$(q "SELECT id FROM items WHERE status = 'published' AND kind = 'case' ORDER BY id LIMIT 1")
title=$(q "SELECT title FROM items WHERE id = $item")

mkdir -p "$top_builddir/tests/browser"
check "campaigns in Chromium" \
    env CHROMIUM="$CHROMIUM" PLAYWRIGHT_CORE="$NODE_MODULES_DIR/playwright-core" \
    "$NODE" "$top_srcdir/tests/browser/campaigns.mjs" "$BASE_URL" "$top_builddir/tests/browser" \
    "$unit" "$item" "$title" xin.ganbu
expect_eq "the completion the board showed is in the events" \
    "$(q "SELECT count(*) FROM events e JOIN users u ON u.id = e.user_id WHERE u.login = 'xin.ganbu' AND e.item_id = $item AND e.kind = 'complete'")" 1

test_done
