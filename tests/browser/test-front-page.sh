#!/usr/bin/env bash
# test-front-page.sh — the front page in headless Chromium through real nginx
# and the real app. The screenshot is kept in the build tree for a look.
. "$top_srcdir/tests/lib.sh"

require_program chromium "${CHROMIUM:-}" chromium
require_program node "${NODE:-}" nodejs
if [ ! -d "$NODE_MODULES_DIR/playwright-core" ]; then
    echo "FAIL: playwright-core not installed in $NODE_MODULES_DIR: run ./bootstrap deps" >&2
    exit 1
fi

stack_start
mkdir -p "$top_builddir/tests/browser"
check "front page in Chromium" \
    env CHROMIUM="$CHROMIUM" PLAYWRIGHT_CORE="$NODE_MODULES_DIR/playwright-core" \
    "$NODE" "$top_srcdir/tests/browser/front-page.mjs" "$BASE_URL" \
    "$top_builddir/tests/browser/front-page.png"

test_done
