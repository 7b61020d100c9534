#!/usr/bin/env bash
# test-supervisor.sh — the supervisor's pages (学习概况 and 一人一档) in
# headless Chromium through real nginx and the real app, on the demo
# database with a simulated cohort (qingfeng-admin simulate, as
# test-simulate.sh makes it): charts drawn by Apache ECharts, the figures the
# API gives, drill-down to a unit and a person, CSV and XLSX exports, a phone
# and a desktop screen, and a cadre refused. Screenshots stay in the build
# tree for a look.
. "$top_srcdir/tests/lib.sh"

require_program chromium "${CHROMIUM:-}" chromium
require_program node "${NODE:-}" nodejs
require_program sqlite3 sqlite3 sqlite3
if [ ! -d "$NODE_MODULES_DIR/playwright-core" ]; then
    echo "FAIL: playwright-core not installed in $NODE_MODULES_DIR: run ./bootstrap deps" >&2
    exit 1
fi
echarts_dir=${QF_ECHARTS_DIR:-$top_srcdir/nginx/node_modules/echarts/dist}
if [ ! -f "$echarts_dir/echarts.min.js" ]; then
    echo "FAIL: Apache ECharts not installed in $echarts_dir: run ./bootstrap deps" >&2
    exit 1
fi

stack_start
# The cohort the demo shows: 300 cadres, six months of history ending today.
"$top_builddir/qingfeng-admin" --db "$DB" simulate --seed 1 >"$work/simulate.log" 2>&1 ||
    { cat "$work/simulate.log" >&2; fail "qingfeng-admin simulate"; test_done; }
pass

# nginx serves ECharts as the file npm installed.
request GET /vendor/echarts/echarts.min.js
expect_eq "ECharts served" "$STATUS" 200
expect_eq "ECharts is the installed file" "$(sha256sum <"$work/body" | cut -d' ' -f1)" \
    "$(sha256sum <"$echarts_dir/echarts.min.js" | cut -d' ' -f1)"

# A cadre is refused by the API (the browser part checks the page says so).
login demo-cadre
request GET /api/supervisor/overview "${AUTH[@]}"
expect_eq "a cadre asking for the overview is refused" "$STATUS" 403

mkdir -p "$top_builddir/tests/browser"
check "the supervisor's pages in Chromium" \
    env CHROMIUM="$CHROMIUM" PLAYWRIGHT_CORE="$NODE_MODULES_DIR/playwright-core" \
    "$NODE" "$top_srcdir/tests/browser/supervisor.mjs" "$BASE_URL" "$top_builddir/tests/browser" "$work"

test_done
