#!/usr/bin/env bash
# test-supervisor-lift.sh — GET /api/supervisor/lift: both arms' rates, the
# difference and ratio and their cluster-robust 95% intervals, by month,
# by unit and the trend, equal the same computed from the raw events and
# arms (supervisor-expected.py, python3 for the intervals); on the
# simulated cohort the personalised arm completes more than the control
# arm with an interval that excludes zero; the feed's start is the first
# promoted model run.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/supervisor-lib.sh"

sv_start
login demo-supervisor
province=$(unit_id 某省纪委监委)
city=$(unit_id 江北市)

for spec in "$province 2026-05-01 2026-11-22" "$province 2026-07-10 2026-09-20" "$city 2026-05-01 2026-11-22"; do
    set -- $spec
    get "/api/supervisor/lift?unit=$1&from=$2&to=$3"
    expect_eq "lift $spec: status" "$STATUS" 200
    expect_figures lift "$1" "$2" "$3"
done

get "/api/supervisor/lift?unit=$province&from=2026-05-01&to=2026-11-22"
p=$(jq .arms.personalised.rate <<<"$BODY")
c=$(jq .arms.control.rate <<<"$BODY")
lo=$(jq '.difference.ci95[0]' <<<"$BODY")
check "personalised ($p) above control ($c)" awk -v p="$p" -v c="$c" 'BEGIN { exit !(p > c) }'
check "the difference's interval excludes zero (low end $lo)" awk -v l="$lo" 'BEGIN { exit !(l > 0) }'
check "the ratio's interval excludes one" awk -v l="$(jq '.ratio.ci95[0]' <<<"$BODY")" 'BEGIN { exit !(l > 1) }'
expect_eq "no model yet: no start date" "$(jq .trend.feed_started <<<"$BODY")" null
few=$(jq '[.by_unit[] | select(.difference.ci95 == null)] | map(.reason != null) | all' <<<"$BODY")
expect_eq "a unit without an interval says why" "$few" true

# A promoted model run marks the start of the personalised feed.
q "INSERT INTO model_runs(started_at, finished_at, status, trigger, model_version)
   VALUES ($sim_now - 60 * 86400, $sim_now - 60 * 86400 + 100, 'promoted', 'cli', 'abc')"
get "/api/supervisor/lift?unit=$province&from=2026-05-01&to=2026-11-22"
start=$(TZ=Asia/Shanghai date -d "@$((sim_now - 60 * 86400 + 100))" +%F)
expect_eq "the feed's start: the first promoted run" "$(jq -r .trend.feed_started <<<"$BODY")" "$start"
before=$(q "WITH first AS (SELECT user_id, item_id, min(created_at) AS at FROM events WHERE kind = 'impression'
    GROUP BY 1, 2) SELECT count(*) FROM first JOIN users u ON u.id = user_id
    WHERE u.role = 'cadre' AND u.disabled = 0 AND (at + 28800) / 86400 < ($sim_now - 60 * 86400 + 100 + 28800) / 86400
      AND at >= unixepoch('2026-05-01') - 28800 AND at < unixepoch('2026-11-23') - 28800")
expect_eq "pairs pushed before the start" "$(jq .trend.before.pushed <<<"$BODY")" "$before"

test_done
