#!/usr/bin/env bash
# test-editor.sh — the editor's pages (login, library, edit form, questions,
# import and export) in headless Chromium through real nginx and the real
# app. The screenshots are kept in the build tree for a look.
. "$top_srcdir/tests/lib.sh"

require_program chromium "${CHROMIUM:-}" chromium
require_program node "${NODE:-}" nodejs
if [ ! -d "$NODE_MODULES_DIR/playwright-core" ]; then
    echo "FAIL: playwright-core not installed in $NODE_MODULES_DIR: run ./bootstrap deps" >&2
    exit 1
fi

stack_start
mkdir -p "$top_builddir/tests/browser"
check "editor pages in Chromium" \
    env CHROMIUM="$CHROMIUM" PLAYWRIGHT_CORE="$NODE_MODULES_DIR/playwright-core" \
    "$NODE" "$top_srcdir/tests/browser/editor.mjs" "$BASE_URL" "$top_builddir/tests/browser"

test_done
