#!/usr/bin/env bash
# test-learn.sh — the cadre's pages (feed with reasons, dismiss, reader with
# open/progress/complete events, quiz, 我的学习, the front page's welcome) in
# headless Chromium through real nginx and the real app, on the demo
# database. The screenshots are kept in the build tree for a look.
. "$top_srcdir/tests/lib.sh"

require_program chromium "${CHROMIUM:-}" chromium
require_program node "${NODE:-}" nodejs
require_program sqlite3 sqlite3 sqlite3
if [ ! -d "$NODE_MODULES_DIR/playwright-core" ]; then
    echo "FAIL: playwright-core not installed in $NODE_MODULES_DIR: run ./bootstrap deps" >&2
    exit 1
fi

stack_start
# The walk-through is the personalised arm's: no control arm for this run
# (demo-cadre is assigned an arm at the first request, after this).
login demo-admin
send_json PUT /api/admin/settings '{"control_share":0}'
expect_eq "control share set to 0" "$STATUS" 200
mkdir -p "$top_builddir/tests/browser"
check "the cadre's pages in Chromium" \
    env CHROMIUM="$CHROMIUM" PLAYWRIGHT_CORE="$NODE_MODULES_DIR/playwright-core" \
    "$NODE" "$top_srcdir/tests/browser/learn.mjs" "$BASE_URL" "$top_builddir/tests/browser" "$DB"

test_done
