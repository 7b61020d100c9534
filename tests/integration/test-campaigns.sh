#!/usr/bin/env bash
# test-campaigns.sh — mandatory study campaigns (专题学习) through real nginx:
# the editor's validation; a campaign for the new hires of one unit (and its
# sub-units) with a 7-day deadline first in the feed of every such cadre, a
# new hire created afterwards included, nobody else; completion taking an
# item away; the feed-slot setting; coverage figures against counts made
# here with the sqlite3 CLI from the raw tables; scope; CSV and XLSX
# exports; an overdue cadre in the warnings and on their own page; closing.
. "$top_srcdir/tests/lib.sh"

stack_start 2 600r/m
q() { sqlite3 "$DB" "$1"; }
day() { TZ=UTC-8 date -d "@$(( $(date +%s) + $1 * 86400 ))" +%F; }
holds() { jq -en "$1" >/dev/null; }

login demo-admin
send_json PUT /api/admin/settings '{"control_share":0}'
expect_eq "control share 0" "$STATUS" 200
new_unit() {  # new_unit NAME PARENT → id
    send_json POST /api/admin/units "$(jq -cn --arg n "$1" --argjson p "$2" '{name:$n,parent_id:$p}')"
    jq -r .id <<<"$BODY"
}
new_user() {  # new_user LOGIN ROLE UNIT CATEGORY → id
    send_json POST /api/admin/users "$(jq -cn --arg l "$1" --arg r "$2" --argjson u "$3" --arg c "$4" \
        '{login:$l,password:"qingfeng-demo",name:("测试"+$l),role:$r,unit_id:$u}
         + (if $c == "" then {} else {category:$c} end)')"
    [ "$STATUS" = 201 ] || fail "create user $1: $STATUS $BODY"
    jq -r .id <<<"$BODY"
}
unit_a=$(new_unit "新区分局" 2)
unit_a1=$(new_unit "新区分局第一科" "$unit_a")
unit_b=$(new_unit "老城分局" 2)
nh1=$(new_user nh1 cadre "$unit_a" new_hire)
nh2=$(new_user nh2 cadre "$unit_a1" new_hire)
mid1=$(new_user mid1 cadre "$unit_a" middle)
nhb=$(new_user nhb cadre "$unit_b" new_hire)
sup_b=$(new_user supb supervisor "$unit_b" "")

# Two published items, each with questions, for the campaign.
read -r item1 item2 <<<"$(q "SELECT group_concat(id, ' ') FROM (SELECT i.id FROM items i
    WHERE i.status = 'published' AND (SELECT count(*) FROM questions q WHERE q.item_id = i.id
    AND q.status = 'published') >= 2 ORDER BY i.id LIMIT 2)")"
check "two items with questions" test -n "$item2"
draft=$(q "INSERT INTO items(kind, status, title, minutes) VALUES ('case', 'draft', '草稿', 5); SELECT last_insert_rowid();")
start=$(day 0) deadline=$(day 7)
body() {  # body TARGET_JSON [EXTRA_JSON]
    jq -cn --argjson t "$1" --argjson i "[$item1,$item2]" --arg s "$start" --arg d "$deadline" \
        --argjson x "${2:-{\}}" '{title:"新入职干部纪律必修课",items:$i,target:$t,start:$s,deadline:$d,pass_mark:0.5} + $x'
}
target=$(jq -cn --argjson u "$unit_a" '{units:[$u],categories:["new_hire"]}')

# --- access and validation
login demo-cadre
send_json POST /api/editor/campaigns "$(body "$target")"
expect_json_error "a cadre cannot create a campaign" 403 forbidden
login demo-editor
expect_field() {  # expect_field WHAT STATUS FIELD
    expect_eq "$1: status" "$STATUS" "$2"
    expect_eq "$1: field" "$(jq -r .error.field <<<"$BODY")" "$3"
    expect_eq "$1: Chinese message" "$(jq '.error.message | test("[一-龥]")' <<<"$BODY")" true
}
send_json POST /api/editor/campaigns "$(body "$target" '{"items":[]}')"
expect_json_error "empty item list" 400 bad_field
send_json POST /api/editor/campaigns "$(body "$target" '{"items":[99999]}')"
expect_field "unknown item" 422 items
send_json POST /api/editor/campaigns "$(body "$target" "{\"items\":[$draft]}")"
expect_field "an unpublished item" 422 items
send_json POST /api/editor/campaigns "$(body "$target" "{\"items\":[$item1,$item1]}")"
expect_field "a repeated item" 422 items
send_json POST /api/editor/campaigns "$(body '{"units":[99999]}')"
expect_field "unknown unit" 422 target.units
send_json POST /api/editor/campaigns "$(body '{"categories":["boss"]}')"
expect_field "unknown category" 422 target.categories
send_json POST /api/editor/campaigns "$(body '{"risks":["risk.nothing"]}')"
expect_field "unknown risk" 422 target.risks
send_json POST /api/editor/campaigns "$(body '{"industries":["risk.tendering"]}')"
expect_field "a risk is no industry" 422 target.industries
send_json POST /api/editor/campaigns "$(body "{\"users\":[$sup_b]}")"
expect_field "a supervisor is no target cadre" 422 target.users
send_json POST /api/editor/campaigns "$(body '{"teams":[1]}')"
expect_field "unknown target kind" 400 target.teams
send_json POST /api/editor/campaigns "$(body "$target" "{\"deadline\":\"$(day -1)\"}")"
expect_field "deadline before start" 422 deadline
send_json POST /api/editor/campaigns "$(body "$target" "{\"start\":\"$(day -9)\",\"deadline\":\"$(day -2)\"}")"
expect_field "deadline in the past" 422 deadline
send_json POST /api/editor/campaigns "$(body "$target" '{"deadline":"2026-02-30"}')"
expect_field "not a date" 400 deadline
send_json POST /api/editor/campaigns "$(body "$target" '{"pass_mark":1.5}')"
expect_json_error "pass mark above 1" 400 bad_field
send_json POST /api/editor/campaigns "$(body "$target" '{"colour":"red"}')"
expect_json_error "unknown field" 400 unknown_field
send_json POST /api/editor/campaigns "$(jq -cn '{title:"x",items:[1],start:"2026-01-01",deadline:"2026-01-02"}')"
expect_json_error "no target" 400 missing_field
expect_eq "nothing written by refused bodies" "$(q "SELECT count(*) FROM campaigns")" 0

# --- create
send_json POST /api/editor/campaigns "$(body "$target")"
expect_eq "created" "$STATUS" 201
campaign=$(jq -r .id <<<"$BODY")
expect_eq "audited" "$(q "SELECT count(*) FROM audit_log WHERE action = 'campaign.create' AND target_id = $campaign")" 1
expect_eq "quiz: the published questions of its items" "$(q "SELECT count(*) FROM campaign_questions WHERE campaign_id = $campaign")" \
    "$(q "SELECT count(*) FROM questions WHERE item_id IN ($item1, $item2) AND status = 'published'")"
request GET "/api/editor/campaigns/$campaign" "${AUTH[@]}"
expect_eq "read back" "$(jq -c '[.title, [.items[].id], .target, .deadline, .status]' <<<"$BODY")" \
    "$(jq -cn --argjson u "$unit_a" --arg d "$deadline" --argjson i "[$item1,$item2]" '["新入职干部纪律必修课",$i,{categories:["new_hire"],units:[$u]},$d,"active"]')"
request GET /api/editor/campaigns "${AUTH[@]}"
expect_eq "listed" "$(jq -r '.campaigns[0].id' <<<"$BODY")" "$campaign"

# --- the feed: first for every targeted cadre, nobody else
mandatory_ids() { jq -r '[.items[] | select(.reasons[0].code == "mandatory") | .id] | join(" ")' <<<"$BODY"; }
for who in nh1 nh2; do
    login "$who"
    request GET "/api/feed?limit=10" "${AUTH[@]}"
    expect_eq "$who: feed" "$STATUS" 200
    expect_eq "$who: the campaign's items come first" "$(jq -r '[.items[0:2][].id] | join(" ")' <<<"$BODY")" "$item1 $item2"
    expect_eq "$who: mandatory reason" "$(jq -r '.items[0].reasons[0].code' <<<"$BODY")" mandatory
    expect_match "$who: the deadline in the Chinese sentence" "$(jq -r '.items[0].reasons[0].text' <<<"$BODY")" "新入职干部纪律必修课.*$deadline"
    expect_eq "$who: still ten items" "$(jq '.items | length' <<<"$BODY")" 10
    expect_eq "$who: no item twice" "$(jq '[.items[] | select(.question_id == null) | .id] | (length == (unique | length))' <<<"$BODY")" true
done
for who in mid1 nhb demo-cadre; do
    login "$who"
    request GET "/api/feed?limit=10" "${AUTH[@]}"
    expect_eq "$who: not targeted, no mandatory item" "$(mandatory_ids)" ""
done
# A new hire who joins the unit later gets the campaign too.
login demo-admin
nh3=$(new_user nh3 cadre "$unit_a" new_hire)
login nh3
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "a later new hire sees it first" "$(mandatory_ids)" "$item1 $item2"
# A cadre who becomes a new hire of the unit (a transfer) gets it at once.
q "UPDATE users SET category = 'new_hire' WHERE id = $mid1"
login mid1
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "a transfer sees it" "$(mandatory_ids)" "$item1 $item2"
q "UPDATE users SET category = 'middle' WHERE id = $mid1"

# --- the slot setting
login demo-admin
send_json PUT /api/admin/settings '{"campaign_feed_slots":1}'
expect_eq "slots set" "$STATUS" 200
send_json PUT /api/admin/settings '{"campaign_feed_slots":11}'
expect_json_error "at most ten slots" 400 bad_field
login nh2
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "one slot: one mandatory item" "$(mandatory_ids)" "$item1"
request GET "/api/feed?limit=2" "${AUTH[@]}"
expect_eq "a feed of two keeps a place for the rest" "$(jq '[.items[] | select(.reasons[0].code != "mandatory")] | length' <<<"$BODY")" 1
login demo-admin
send_json PUT /api/admin/settings '{"campaign_feed_slots":3}'

# --- completing removes it; nh1 completes both and passes the quiz, nh3 opens one
post_event() { send_json POST /api/events "$(jq -cn --arg c "$1" --argjson i "$2" --arg k "$3" '{client_id:$c,item_id:$i,kind:$k}')"; }
login nh1
post_event nh1-c1 "$item1" complete
expect_eq "completion posted" "$STATUS" 201
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "a completed item leaves" "$(mandatory_ids)" "$item2"
post_event nh1-c2 "$item2" complete
for question in $(q "SELECT question_id FROM campaign_questions WHERE campaign_id = $campaign"); do
    send_json POST "/api/questions/$question/answer" "$(jq -cn --argjson a "$(q "SELECT answer FROM questions WHERE id = $question")" '{choice:$a}')"
    expect_eq "answer $question" "$STATUS" 200
done
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "all done: nothing mandatory" "$(mandatory_ids)" ""
request GET /api/me/campaigns "${AUTH[@]}"
expect_eq "my campaigns: done" "$(jq -c '[.campaigns[0].id, .campaigns[0].state, .campaigns[0].items_completed]' <<<"$BODY")" "[$campaign,\"done\",2]"
login nh3
post_event nh3-o1 "$item1" open
# nh4 joins and does nothing yet.
login demo-admin
nh4=$(new_user nh4 cadre "$unit_a" new_hire)
# A completion from before a campaign counts: nh2 completed item 1 "last year".
q "INSERT INTO events(user_id, item_id, kind, created_at) VALUES ($nh2, $item1, 'complete', unixepoch() - 400 * 86400)"
login nh2
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "an earlier completion counts" "$(mandatory_ids)" "$item2"
request GET /api/me/progress "${AUTH[@]}"
expect_eq "progress carries the campaign with its deadline" "$(jq -c '[.campaigns[0].id, .campaigns[0].deadline, .campaigns[0].state]' <<<"$BODY")" "[$campaign,\"$deadline\",\"open\"]"

# --- coverage against independent counts from the raw tables
independent() {  # independent SCOPE_UNIT NOW → "target completed passed not_started overdue"
    sqlite3 "$DB" "
    WITH RECURSIVE sub(id) AS (SELECT $unit_a UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id),
    scope(id) AS (SELECT $1 UNION SELECT u.id FROM units u JOIN scope ON u.parent_id = scope.id),
    who AS (SELECT id FROM users WHERE role = 'cadre' AND disabled = 0 AND category = 'new_hire'
        AND unit_id IN (SELECT id FROM sub) AND unit_id IN (SELECT id FROM scope)),
    items(id) AS (VALUES ($item1), ($item2)),
    quiz AS (SELECT id FROM questions WHERE item_id IN ($item1, $item2) AND status = 'published'),
    latest AS (SELECT a.user_id, a.question_id, a.correct FROM answers a
        WHERE a.id = (SELECT b.id FROM answers b WHERE b.user_id = a.user_id AND b.question_id = a.question_id
        ORDER BY b.created_at DESC, b.id DESC LIMIT 1)),
    per AS (SELECT w.id,
        (SELECT count(DISTINCT e.item_id) FROM events e WHERE e.user_id = w.id AND e.kind = 'complete'
            AND e.item_id IN (SELECT id FROM items)) AS done,
        (SELECT count(*) FROM events e WHERE e.user_id = w.id AND e.kind IN ('open','progress','complete')
            AND e.item_id IN (SELECT id FROM items))
        + (SELECT count(*) FROM answers a WHERE a.user_id = w.id AND a.question_id IN (SELECT id FROM quiz)) AS touched,
        (SELECT count(*) FROM latest l WHERE l.user_id = w.id AND l.correct = 1
            AND l.question_id IN (SELECT id FROM quiz)) AS rights
        FROM who w),
    judged AS (SELECT id, done = 2 AS completed, rights * 2 >= (SELECT count(*) FROM quiz) AS passed,
        touched = 0 AS not_started FROM per)
    SELECT count(*), sum(completed), sum(passed), sum(not_started),
        sum(NOT (completed AND passed) AND $2 >= (SELECT deadline_at FROM campaigns WHERE id = $campaign))
    FROM judged" | tr '|' ' '
}
coverage_figures() { jq -r '"\(.target) \(.completed) \(.passed) \(.not_started) \(.overdue)"' <<<"$BODY"; }
login demo-supervisor
request GET "/api/supervisor/campaigns/$campaign/coverage" "${AUTH[@]}"
expect_eq "coverage" "$STATUS" 200
expect_eq "coverage equals the independent count" "$(coverage_figures)" "$(independent 1 "$(date +%s)")"
expect_eq "the figures themselves: 4 new hires, 1 done and passed, 1 not started" "$(coverage_figures)" "4 1 1 1 0"
expect_eq "per unit: the cadres' own units" "$(jq -c '[.units[] | [.unit_id, .target]]' <<<"$BODY")" "[[$unit_a,3],[$unit_a1,1]]"
request GET "/api/supervisor/campaigns/$campaign/coverage?unit=$unit_a1" "${AUTH[@]}"
expect_eq "coverage of the sub-unit" "$(coverage_figures)" "$(independent "$unit_a1" "$(date +%s)")"
# Scope: the supervisor of another unit sees none of these cadres, and cannot ask for them.
login supb
request GET "/api/supervisor/campaigns/$campaign/coverage" "${AUTH[@]}"
expect_eq "another unit's supervisor: nobody in scope" "$(jq .target <<<"$BODY")" 0
request GET "/api/supervisor/campaigns/$campaign/coverage?unit=$unit_a" "${AUTH[@]}"
expect_json_error "out of scope" 403 out_of_scope
request GET "/api/supervisor/campaigns/$campaign/coverage" "${AUTH[@]}" # (read)
login demo-cadre
request GET "/api/supervisor/campaigns/$campaign/coverage" "${AUTH[@]}"
expect_json_error "a cadre sees no coverage" 403 forbidden
login demo-supervisor
request GET "/api/supervisor/campaigns/99999/coverage" "${AUTH[@]}"
expect_json_error "unknown campaign" 404 not_found

# --- exports
request GET "/api/supervisor/campaigns/$campaign/coverage?format=csv" "${AUTH[@]}"
expect_eq "csv" "$STATUS" 200
expect_eq "csv: a header and one row per targeted cadre" "$(printf '%s' "$BODY" | grep -c .)" 5
expect_match "csv: Chinese header" "$(printf '%s' "$BODY" | head -n 1)" '姓名,单位'
expect_match "csv: nh1 done" "$(printf '%s' "$BODY" | grep 测试nh1)" '已完成'
curl -s "${AUTH[@]}" -o "$work/coverage.xlsx" "$BASE_URL/api/supervisor/campaigns/$campaign/coverage?format=xlsx"
expect_eq "xlsx: a zip file" "$(head -c 2 "$work/coverage.xlsx")" PK
request GET "/api/supervisor/campaigns/$campaign/coverage?format=pdf" "${AUTH[@]}"
expect_json_error "unknown format" 400 bad_format

# --- due soon, then overdue: warnings and the cadre's own page
request GET /api/supervisor/campaigns/warnings "${AUTH[@]}"
expect_eq "no warnings a week ahead" "$(jq '.warnings | length' <<<"$BODY")" 0
q "UPDATE campaigns SET deadline_date = '$(day 2)', deadline_at = unixepoch() + 86400 WHERE id = $campaign"
request GET /api/supervisor/campaigns/warnings "${AUTH[@]}"
expect_eq "due soon: the two not done" "$(jq -c '[.warnings[] | select(.kind == "campaign_due_soon") | .user_id] | sort' <<<"$BODY")" "$(jq -cn "[$nh2,$nh3,$nh4] | sort")"
q "UPDATE campaigns SET deadline_date = '$(day -1)', deadline_at = unixepoch() - 3600 WHERE id = $campaign"
request GET "/api/supervisor/campaigns/$campaign/coverage" "${AUTH[@]}"
expect_eq "overdue: coverage equals the independent count" "$(coverage_figures)" "$(independent 1 "$(date +%s)")"
expect_eq "the overdue list" "$(jq -c '[.overdue_people[].user_id] | sort' <<<"$BODY")" "$(jq -cn "[$nh2,$nh3,$nh4] | sort")"
request GET /api/supervisor/campaigns/warnings "${AUTH[@]}"
warning=$(jq -c --argjson u "$nh2" '.warnings[] | select(.user_id == $u)' <<<"$BODY")
expect_eq "an overdue cadre in the warnings" "$(jq -r .kind <<<"$warning")" campaign_overdue
expect_eq "warning shape" "$(jq -c '[.unit_id, .unit_name, .user_name, .link, (.message | test("[一-龥]")), (.value | type), (.threshold | type)]' <<<"$warning")" \
    "$(jq -cn --argjson u "$unit_a1" --argjson p "$nh2" '[$u, "新区分局第一科", "测试nh2", "/supervisor/person.html?id=\($p)", true, "number", "number"]')"
request GET /api/supervisor/warnings "${AUTH[@]}"
if [ "$STATUS" = 200 ]; then
    expect_eq "and in the supervisor's warnings" "$(jq --argjson u "$nh2" '[.warnings[] | select(.kind == "campaign_overdue" and .user_id == $u)] | length' <<<"$BODY")" 1
fi
login supb
request GET /api/supervisor/campaigns/warnings "${AUTH[@]}"
expect_eq "not in another unit's warnings" "$(jq '.warnings | length' <<<"$BODY")" 0
login nh2
request GET /api/me/campaigns "${AUTH[@]}"
expect_eq "flagged on the cadre's own page" "$(jq -r '.campaigns[0].state' <<<"$BODY")" overdue
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_match "overdue said in the feed" "$(jq -r '.items[0].reasons[0].text' <<<"$BODY")" '已逾期'

# --- update and close
login demo-editor
send_json PUT "/api/editor/campaigns/$campaign" "$(body "$target" "{\"items\":[$item2],\"deadline\":\"$(day -1)\",\"start\":\"$(day -1)\"}")"
expect_eq "update keeping a past deadline" "$STATUS" 200
expect_eq "updated items" "$(jq -c '[.items[].id]' <<<"$BODY")" "[$item2]"
request POST "/api/editor/campaigns/$campaign/close" "${AUTH[@]}"
expect_eq "closed" "$(jq -r .status <<<"$BODY")" closed
request POST "/api/editor/campaigns/$campaign/close" "${AUTH[@]}"
expect_json_error "closing twice" 409 invalid_transition
send_json PUT "/api/editor/campaigns/$campaign" "$(body "$target")"
expect_json_error "a closed campaign stays as it was" 409 invalid_transition
expect_eq "every change audited" "$(q "SELECT group_concat(action) FROM (SELECT action FROM audit_log WHERE target_kind = 'campaign' AND action != 'campaign.coverage' ORDER BY id)")" \
    "campaign.create,campaign.update,campaign.close"
login nh2
request GET "/api/feed?limit=10" "${AUTH[@]}"
expect_eq "a closed campaign leaves the feed" "$(mandatory_ids)" ""

test_done
