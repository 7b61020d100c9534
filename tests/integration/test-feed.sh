#!/usr/bin/env bash
# test-feed.sh — the cadre's feed and events through real nginx: filtering
# (completed, dismissed, retired, out of scope), the rules and their reasons,
# impressions logged, idempotent events, the control arm, arm shares.
. "$top_srcdir/tests/lib.sh"

stack_start 2 600r/m
q() { sqlite3 "$DB" "$1"; }
feed_ids() { jq -r '.items[].id' <<<"$BODY" | sort -n | tr '\n' ' '; }
post_event() {  # post_event CLIENT_ID ITEM KIND [VALUE]
    send_json POST /api/events "$(jq -cn --arg c "$1" --argjson i "$2" --arg k "$3" --argjson v "${4:-null}" \
        '{client_id:$c,item_id:$i,kind:$k} + (if $v == null then {} else {value:$v} end)')"
}

# cadre_feed LIMIT: the signed-in cadre's feed; 'shown' adds up the impressions it
# logs (its entries, reviews aside), which the app writes just after its answer.
shown=0
cadre_feed() {
    request GET "/api/feed?limit=$1" "${AUTH[@]}"
    shown=$((shown + $(jq '[.items[]? | select(.question_id == null)] | length' <<<"$BODY")))
}
cadre_impressions() { q "SELECT count(*) FROM events WHERE user_id = $cadre AND kind = 'impression'"; }

check "library loaded" test "$(q "SELECT count(*) FROM items WHERE status = 'published'")" -ge 150
cadre=$(q "SELECT id FROM users WHERE login = 'demo-cadre'")
# demo-cadre must land in the personalised arm (it is drawn at the first
# request): no control share until the control arm's own checks below.
login demo-admin
send_json PUT /api/admin/settings '{"control_share":0}'
expect_eq "control share 0" "$STATUS" 200

# --- access
request GET /api/feed
expect_json_error "anonymous feed" 401 unauthenticated
login demo-editor
request GET /api/feed "${AUTH[@]}"
expect_json_error "an editor has no feed" 403 forbidden

login demo-cadre
for bad in 0 51 x -1 ''; do
    request GET "/api/feed?limit=$bad" "${AUTH[@]}"
    expect_json_error "limit '$bad'" 400 bad_query
done

# --- shape, reasons, impressions
cadre_feed 8
expect_eq "feed" "$STATUS" 200
expect_eq "arm" "$(jq -r .arm <<<"$BODY")" personalised
expect_eq "eight items" "$(jq '.items | length' <<<"$BODY")" 8
expect_eq "every item has a reason with code and Chinese text" \
    "$(jq '[.items[] | select((.reasons | length) > 0 and all(.reasons[]; (.code | test("^[a-z_]+$")) and (.text | test("[一-龥]"))))] | length' <<<"$BODY")" 8
expect_eq "tags carry labels" "$(jq '[.items[].tags[] | select(.label == null or .label == .code)] | length' <<<"$BODY")" 0
expect_eq "kinds" "$(jq -r '[.items[].kind] | unique | map(select(. != "case" and . != "lesson")) | length' <<<"$BODY")" 0
first_reason=$(jq -r '.items[0].reasons[0].code' <<<"$BODY")
expect_eq "the top item matches the cadre's risk exposure" "$first_reason" risk_match
expect_match "risk reason names the risk in Chinese" "$(jq -r '.items[0].reasons[0].text' <<<"$BODY")" '与您的岗位风险点「(招投标|政府采购)」相关'
expect_eq "risk-matched items lead" "$(jq '[.items[0:2][] | .tags | map(.code) | any(. == "risk.tendering" or . == "risk.procurement")] | all' <<<"$BODY")" true
expect_eq "variety: the top two are different risk areas or disciplines" \
    "$(jq '[.items[0:2][] | [.tags[].code | select(startswith("risk."))] | sort | join(",")] | unique | length' <<<"$BODY")" 2
expect_eventually "impressions logged" 8 cadre_impressions
expect_eq "with positions 1..8, the arm and model version" \
    "$(q "SELECT group_concat(position) FROM (SELECT position FROM events WHERE user_id = $cadre AND kind = 'impression' AND arm = 'personalised' ORDER BY position)")" "1,2,3,4,5,6,7,8"

# --- scope: an item for other categories never shows
cadre_feed 50
expect_eq "no item for other categories only" \
    "$(jq '[.items[] | [.tags[].code | select(startswith("category."))] | select(length > 0 and (index("category.middle") == null))] | length' <<<"$BODY")" 0

# --- events
top=$(jq -r '.items[0].id' <<<"$BODY")
post_event c-open-1 "$top" open
expect_eq "open event" "$STATUS" 201
expect_eq "not a duplicate" "$(jq -r .duplicate <<<"$BODY")" false
first_event=$(jq -r .event_id <<<"$BODY")
post_event c-open-1 "$top" open
expect_eq "retried post" "$STATUS" 200
expect_eq "flagged duplicate" "$(jq -c '[.duplicate, .event_id]' <<<"$BODY")" "[true,$first_event]"
expect_eq "stored once" "$(q "SELECT count(*) FROM events WHERE client_id = 'c-open-1'")" 1
post_event c-prog-1 "$top" progress 0.5
expect_eq "progress event" "$STATUS" 201
post_event c-bad-1 "$top" progress 1.5
expect_json_error "progress above 1" 400 bad_field
post_event c-bad-2 "$top" like
expect_json_error "unknown kind" 400 bad_field
post_event c-bad-3 999999 open
expect_json_error "unknown item" 404 item_not_found
send_json POST /api/events '{"item_id":1,"kind":"open"}'
expect_json_error "no client id" 400 missing_field
send_json POST /api/events "{\"client_id\":\"$(head -c 65 /dev/zero | tr '\0' a)\",\"item_id\":1,\"kind\":\"open\"}"
expect_json_error "client id too long" 400 bad_field
request POST /api/events -b "$COOKIES" -H 'Content-Type: application/json' --data-binary '{"client_id":"x","item_id":1,"kind":"open"}'
expect_json_error "no CSRF token" 403 csrf_failed

# Completed: never again; the study minutes are credited once even if completed twice.
post_event c-done-1 "$top" complete
post_event c-done-2 "$top" complete
cadre_feed 50
check "a completed item leaves the feed" test -z "$(jq -r --argjson t "$top" '.items[] | select(.id == $t) | .id' <<<"$BODY")"

# Dismissed: gone, until the cadre opens it again.
second=$(jq -r '.items[0].id' <<<"$BODY")
post_event c-dismiss-1 "$second" dismiss
cadre_feed 50
check "a dismissed item leaves the feed" test -z "$(jq -r --argjson t "$second" '.items[] | select(.id == $t) | .id' <<<"$BODY")"
sleep 1.1
post_event c-reopen-1 "$second" open
cadre_feed 50
check "opened again after a dismiss, it may come back" test -n "$(jq -r --argjson t "$second" '.items[] | select(.id == $t) | .id' <<<"$BODY")"

# Retired: never shown.
retired=$(jq -r '.items[1].id' <<<"$BODY")
q "UPDATE items SET status = 'retired' WHERE id = $retired"
cadre_feed 50
check "a retired item never shows" test -z "$(jq -r --argjson t "$retired" '.items[] | select(.id == $t) | .id' <<<"$BODY")"
post_event c-draft-1 "$(q "SELECT id FROM items WHERE id NOT IN (SELECT id FROM items WHERE status != 'draft') LIMIT 1" || echo 0)" open >/dev/null 2>&1 || true

# --- weak discipline: three wrong answers in 政治纪律 (through the quiz) bring a reason naming them
wrong_choice() {  # a choice that is not the answer of question $1
    q "SELECT CASE WHEN json_extract(answer, '\$[0]') = 0 THEN '[1]' ELSE '[0]' END FROM questions WHERE id = $1"
}
political=$(q "SELECT q.id FROM questions q JOIN question_tags qt ON qt.question_id = q.id
    WHERE qt.tag_code = 'discipline.political' AND q.type != 'multiple' AND q.status = 'published'
    AND q.item_id IN (SELECT id FROM items WHERE status = 'published') ORDER BY q.id LIMIT 3")
for qid in $political; do
    send_json POST "/api/questions/$qid/answer" "{\"choice\":$(wrong_choice "$qid")}"
    expect_eq "wrong answer to question $qid" "$(jq -r .correct <<<"$BODY")" false
done
cadre_feed 10
expect_match "weak discipline reason" "$(jq -r '[.items[].reasons[] | select(.code == "weak_discipline") | .text] | first // ""' <<<"$BODY")" '您在「政治纪律」测验中答错3题，建议复习'

# --- due reviews take the second and fifth places, as kind "review"
q "UPDATE reviews SET due_at = unixepoch() - 3600 WHERE user_id = $cadre"
expect_eventually "every impression so far logged, once" "$shown" cadre_impressions
impressions_before=$shown
cadre_feed 10
expect_eq "ten entries" "$(jq '.items | length' <<<"$BODY")" 10
expect_eq "reviews at the second and fifth places" "$(jq -c '[.items | to_entries[] | select(.value.kind == "review") | .key]' <<<"$BODY")" '[1,4]'
expect_eq "a review names its question and item" \
    "$(jq '[.items[] | select(.kind == "review") | select((.question_id | type) == "number" and (.id | type) == "number")] | length' <<<"$BODY")" 2
expect_eq "review reason" "$(jq -r '[.items[] | select(.kind == "review") | .reasons[0].code] | unique | join(",")' <<<"$BODY")" review_due
check "the reviewed questions are ones answered wrong" test -n "$(comm -12 \
    <(jq -r '.items[] | select(.kind == "review") | .question_id' <<<"$BODY" | sort) <(tr ' ' '\n' <<<"$political" | sort))"
expect_eq "eight entries besides the reviews" "$((shown - impressions_before))" 8
expect_eventually "reviews are not logged as item impressions" "$shown" cadre_impressions
cadre_feed 2
expect_eq "no reviews in a feed of two" "$(jq '[.items[] | select(.kind == "review")] | length' <<<"$BODY")" 0

# --- the control arm: same filtering, ranked by completions in the category
login demo-admin
send_json PUT /api/admin/settings '{"control_share":1}'
hash=$(q "SELECT password_hash FROM users WHERE login = 'demo-cadre'")
unit=$(q "SELECT unit_id FROM users WHERE login = 'demo-cadre'")
q "INSERT INTO users(login, password_hash, name, role, unit_id, category) VALUES ('ctl-1', '$hash', '对照', 'cadre', $unit, 'middle')"
login ctl-1 qingfeng-demo
request GET "/api/feed?limit=5" "${AUTH[@]}"
expect_eq "control arm" "$(jq -r .arm <<<"$BODY")" control
expect_eq "control reasons only say popularity" "$(jq -r '[.items[].reasons[].code] | unique | join(",")' <<<"$BODY")" popular_in_category
expect_eq "the item middle cadres completed leads the control feed" "$(jq -r '.items[0].id' <<<"$BODY")" "$top"

# --- arm shares: with a share of 0.5, about half of 60 new cadres are controls
login demo-admin
send_json PUT /api/admin/settings '{"control_share":0.5}'
for i in $(seq 1 60); do
    q "INSERT INTO users(login, password_hash, name, role, unit_id, category) VALUES ('arm-$i', '$hash', '甲', 'cadre', $unit, 'grassroots')"
done
for i in $(seq 1 60); do
    try_login "arm-$i" qingfeng-demo >/dev/null
    request GET /api/me "${AUTH[@]}"
done
controls=$(q "SELECT count(*) FROM arms a JOIN users u ON u.id = a.user_id WHERE u.login LIKE 'arm-%' AND a.arm = 'control'")
echo "control arm: $controls of 60 at share 0.5"
check "arm share near 0.5 (10..50 of 60: over 5 standard deviations)" test "$controls" -ge 10 -a "$controls" -le 50
expect_eq "every cadre assigned once" "$(q "SELECT count(*) FROM arms a JOIN users u ON u.id = a.user_id WHERE u.login LIKE 'arm-%'")" 60

test_done
