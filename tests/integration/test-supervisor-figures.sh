#!/usr/bin/env bash
# test-supervisor-figures.sh — every figure of GET /api/supervisor/overview
# (totals, by unit, by category, by month, key groups, pace), of the people
# list and of the warnings equals the same definition computed straight
# from users, events, answers and items with the sqlite3 CLI
# (supervisor-expected.py), for several units, periods, categories and
# thresholds; the checker catches a wrong figure; bad parameters are 400.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/supervisor-lib.sh"

sv_start
login demo-supervisor
province=$(unit_id 某省纪委监委)
city=$(unit_id 清河市)
county=$(unit_id 兰溪县)
leaf=$(unit_id 江北市财政局)

# Periods: the whole history, whole months, cut months on both ends, one day, one month's middle.
for spec in "$province 2026-05-01 2026-11-22 -" \
            "$province 2026-06-01 2026-10-31 -" \
            "$province 2026-07-15 2026-09-10 grassroots" \
            "$province 2026-08-20 2026-08-20 -" \
            "$city 2026-05-25 2026-11-22 new_hire" \
            "$county 2026-06-03 2026-10-17 -" \
            "$leaf 2026-01-01 2026-12-31 middle"; do
    set -- $spec
    query="unit=$1&from=$2&to=$3"
    [ "$4" != - ] && query="$query&category=$4"
    get "/api/supervisor/overview?$query"
    expect_eq "overview $query: status" "$STATUS" 200
    expect_figures overview "$1" "$2" "$3" "$4"
done

# Not every figure is zero: the comparison means something.
get "/api/supervisor/overview?unit=$province&from=2026-05-01&to=2026-11-22"
for field in cadres pushed completed quizzes; do
    check "overview: some $field" test "$(jq ".$field" <<<"$BODY")" -gt 0
done
expect_match "definitions in Chinese" "$(jq -r '.definitions.completion_rate' <<<"$BODY")" '完成率'
expect_eq "by_unit: the province's cities and its own row" "$(jq '.by_unit | length' <<<"$BODY")" \
    "$(q "SELECT 1 + count(*) FROM units WHERE parent_id = $province")"

# The checker catches a wrong figure.
jq '.completed += 1' "$work/reply.json" >"$work/wrong.json" && mv "$work/wrong.json" "$work/reply.json"
checks=$((checks + 1))
if "$PYTHON" "$expected" overview "$DB" "$province" 2026-05-01 2026-11-22 - "$work/reply.json" >/dev/null 2>&1; then
    fail "the checker missed a wrong completed count"
fi

# Another pass mark (admin setting) moves the pass rate, and the checker agrees.
login demo-admin
send_json PUT /api/admin/settings '{"quiz_pass_mark": 1, "warn_participation": 0.75, "warn_pass_rate": 0.9,
    "warn_inactive_days": 10, "warn_pace_share": 0.5}'
expect_eq "settings: new thresholds" "$STATUS" 200
send_json PUT /api/admin/settings '{"warn_pass_rate": 2}'
expect_eq "settings: out of range refused" "$STATUS" 400
login demo-supervisor
get "/api/supervisor/overview?unit=$city&from=2026-06-01&to=2026-11-22"
expect_figures overview "$city" 2026-06-01 2026-11-22 -

# People: every cadre's figures.
for spec in "$province 2026-05-01 2026-11-22" "$city 2026-07-01 2026-09-30"; do
    set -- $spec
    get "/api/supervisor/people?unit=$1&from=$2&to=$3&per_page=500"
    expect_eq "people $spec: status" "$STATUS" 200
    expect_figures people "$1" "$2" "$3"
done
get "/api/supervisor/people?unit=$province&from=2026-05-01&to=2026-11-22&sort=hours&order=desc&per_page=5&page=2"
expect_eq "people: a page" "$(jq '.people | length' <<<"$BODY")" 5
sorted=$(jq '[.people[].minutes] | . == (sort | reverse)' <<<"$BODY")
expect_eq "people: sorted by hours, descending" "$sorted" true

# Warnings under the changed thresholds, then the defaults.
for spec in "$province 2026-05-01 2026-11-22" "$county 2026-06-01 2026-10-15"; do
    set -- $spec
    get "/api/supervisor/warnings?unit=$1&from=$2&to=$3&limit=100000"
    expect_eq "warnings $spec: status" "$STATUS" 200
    expect_figures warnings "$1" "$2" "$3"
done
expect_eq "thresholds shown" "$(jq -c '.thresholds | [.warn_participation, .warn_inactive_days]' <<<"$BODY")" '[0.75,10]'
login demo-admin
send_json PUT /api/admin/settings '{"quiz_pass_mark": 0.6, "warn_participation": 0.6, "warn_pass_rate": 0.8,
    "warn_inactive_days": 30, "warn_pace_share": 0.8}'
login demo-supervisor
get "/api/supervisor/warnings?unit=$province&from=2026-01-01&to=2026-11-22&limit=100000"
expect_figures warnings "$province" 2026-01-01 2026-11-22
for kind in low_participation behind_pace inactive; do
    check "some $kind warning on the simulated cohort" \
        test "$(jq "[.warnings[] | select(.kind == \"$kind\")] | length" <<<"$BODY")" -gt 0
done
expect_eq "a warning's shape" "$(jq -c '[.warnings[0] | keys[]] | sort' <<<"$BODY")" \
    '["kind","kind_label","link","message","threshold","unit_id","unit_name","user_id","user_name","value"]'
get "/api/supervisor/warnings?unit=$province&from=2026-01-01&to=2026-11-22&limit=2"
expect_eq "limit: at most 2 of each kind" "$(jq '[.warnings | group_by(.kind)[] | length] | max' <<<"$BODY")" 2
check "limit: counts tell the whole" test "$(jq '.counts.inactive' <<<"$BODY")" -gt 2

# Defaults: this calendar year to today (China Standard Time).
get "/api/supervisor/overview"
expect_eq "default period: from" "$(jq -r .from <<<"$BODY")" "$(TZ=Asia/Shanghai date +%Y)-01-01"
expect_eq "default period: to" "$(jq -r .to <<<"$BODY")" "$(TZ=Asia/Shanghai date +%F)"

# Bad parameters.
get "/api/supervisor/overview?from=2026-09-01&to=2026-08-01"
expect_json_error "from after to" 400 bad_period
get "/api/supervisor/overview?category=boss"
expect_json_error "unknown category" 400 bad_category
get "/api/supervisor/overview?from=2026-02-30"
expect_eq "impossible date" "$STATUS" 400
get "/api/supervisor/overview?from=2010-01-01&to=2026-01-01"
expect_json_error "period too long" 400 bad_period
get "/api/supervisor/people?sort=password_hash"
expect_json_error "unknown sort" 400 bad_sort
get "/api/supervisor/overview?unit=999999"
expect_json_error "unknown unit" 404 unit_not_found
login demo-cadre
get "/api/supervisor/overview"
expect_eq "a cadre may not look" "$STATUS" 403

test_done
