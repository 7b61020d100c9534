#!/usr/bin/env bash
# test-editor-items.sh — an editor's day through real nginx: create a case
# tagged 廉洁纪律 and 招投标, preview it, edit it (a new version, the old one
# readable), add two questions, publish it; it is then found by search and
# in the export; retire it. Bad input is refused naming the field, and every
# change leaves an audit row.
. "$top_srcdir/tests/lib.sh"

stack_start
count() { sqlite3 "$DB" "$1"; }
audit() { count "SELECT count(*) FROM audit_log WHERE action = '$1' AND actor_id = $editor_id $2"; }
editor_id=$(count "SELECT id FROM users WHERE login = 'demo-editor'")
login demo-editor

body='## 基本案情\n\n某市某局**招投标**负责人……\n\n<script>alert(1)</script>\n\n[详情](javascript:alert(1))'
# --- create
send_json POST /api/editor/items "{\"kind\":\"case\",\"title\":\"某市某局招投标领域受贿案\",\"summary\":\"利用评标之便收受好处\",\"body_md\":\"$body\",\"minutes\":20,\"difficulty\":3,\"tags\":[\"discipline.integrity\",\"risk.tendering\"]}"
expect_eq "create: 201" "$STATUS" 201
expect_eq "create: reply" "$(jq -c '{version,status}' <<<"$BODY")" '{"version":1,"status":"draft"}'
id=$(jq -r .id <<<"$BODY")
expect_eq "create: audited" "$(audit item.create "AND target_id = $id")" 1

request GET "/api/editor/items/$id" "${AUTH[@]}"
expect_eq "get: 200" "$STATUS" 200
expect_eq "get: tags" "$(jq -c .tags <<<"$BODY")" '["discipline.integrity","risk.tendering"]'
expect_eq "get: markdown kept" "$(jq -r .body_md <<<"$BODY" | head -n 1)" '## 基本案情'
html=$(jq -r .body_html <<<"$BODY")
expect_match "get: rendered" "$html" '<strong>招投标</strong>'
check "get: no script in the HTML" test -z "$(grep -i '<script' <<<"$html")"
check "get: no javascript: link" test -z "$(grep -i 'href="javascript' <<<"$html")"

# --- the Markdown preview renders the same way
send_json POST /api/editor/preview '{"body_md":"**粗体**<img src=x onerror=alert(1)>[x](JAVASCRIPT:alert(1))"}'
expect_eq "preview" "$(jq -r .body_html <<<"$BODY")" '<p><strong>粗体</strong><!-- raw HTML omitted --><a href="">x</a></p>'
send_json POST /api/editor/preview '{"markdown":"x"}'
expect_json_error "preview: unknown field" 400 unknown_field

# --- bad input names the field; nothing is written
items_before=$(count "SELECT count(*) FROM items")
send_json POST /api/editor/items '{"kind":"case","title":"x","minutes":-5}'
expect_json_error "negative minutes" 422 invalid_field
expect_eq "negative minutes: field" "$(jq -r .error.field <<<"$BODY")" minutes
send_json POST /api/editor/items '{"kind":"case","title":"x","minutes":5,"tags":["risk.nowhere"]}'
expect_json_error "unknown tag" 422 invalid_field
expect_eq "unknown tag: field" "$(jq -r .error.field <<<"$BODY")" tags
send_json POST /api/editor/items '{"kind":"case","minutes":5}'
expect_json_error "missing title" 400 missing_field
expect_eq "missing title: field" "$(jq -r .error.field <<<"$BODY")" title
send_json POST /api/editor/items '{"kind":"case","title":"x","minutes":5,"author":"me"}'
expect_json_error "unknown field" 400 unknown_field
expect_eq "unknown field: field" "$(jq -r .error.field <<<"$BODY")" author
send_json POST /api/editor/items '{"kind":"case","title":"x","minutes":"5"}'
expect_json_error "minutes as a string" 400 bad_field
send_json POST /api/editor/items '{"kind":"case",'
expect_json_error "broken JSON" 400 bad_json
request POST /api/editor/items "${AUTH[@]}" --data-binary 'kind=case'
expect_json_error "not JSON" 415 unsupported_media_type
expect_eq "nothing written by bad requests" "$(count "SELECT count(*) FROM items")" "$items_before"

# --- edit: a new version; the old one stays readable; stale edits refused
send_json PUT "/api/editor/items/$id" '{"title":"某市某局招投标领域受贿案（修订）","version":1}'
expect_eq "update: 200" "$STATUS" 200
expect_eq "update: version 2" "$(jq -c '{version,changed}' <<<"$BODY")" '{"version":2,"changed":true}'
expect_eq "update: audited" "$(audit item.update "AND target_id = $id")" 1
send_json PUT "/api/editor/items/$id" '{"title":"某市某局招投标领域受贿案（修订）"}'
expect_eq "update without change" "$(jq -c '{version,changed}' <<<"$BODY")" '{"version":2,"changed":false}'
expect_eq "update without change: not audited" "$(audit item.update "AND target_id = $id")" 1
send_json PUT "/api/editor/items/$id" '{"summary":"过时的修改","version":1}'
expect_json_error "stale edit" 409 version_conflict
send_json PUT "/api/editor/items/$id" '{"kind":"lesson"}'
expect_json_error "kind change" 422 invalid_field
send_json PUT /api/editor/items/999999 '{"title":"x"}'
expect_json_error "update of no item" 404 not_found
request GET "/api/editor/items/$id/versions" "${AUTH[@]}"
expect_eq "versions" "$(jq -c '[.versions[] | .version]' <<<"$BODY")" '[2,1]'
expect_eq "versions: who" "$(jq -r '.versions[0].edited_by_name' <<<"$BODY")" '演示编辑'
request GET "/api/editor/items/$id/versions/1" "${AUTH[@]}"
expect_eq "version 1: old title" "$(jq -r .title <<<"$BODY")" '某市某局招投标领域受贿案'
request GET "/api/editor/items/$id/versions/3" "${AUTH[@]}"
expect_json_error "version 3" 404 not_found

# --- two questions
send_json POST /api/editor/questions "{\"item_id\":$id,\"type\":\"single\",\"stem\":\"评标专家收受投标人财物，违反了哪项纪律？\",\"choices\":[\"廉洁纪律\",\"生活纪律\",\"群众纪律\"],\"answer\":[0],\"explanation\":\"收受财物违反廉洁纪律。\",\"tags\":[\"discipline.integrity\"]}"
expect_eq "question 1: 201" "$STATUS" 201
q1=$(jq -r .id <<<"$BODY")
send_json POST /api/editor/questions "{\"item_id\":$id,\"type\":\"multiple\",\"stem\":\"招投标中的违纪行为有？\",\"choices\":[\"串通投标\",\"泄露标底\",\"依法评标\"],\"answer\":[1,0],\"tags\":[\"risk.tendering\"]}"
expect_eq "question 2: 201" "$STATUS" 201
q2=$(jq -r .id <<<"$BODY")
send_json POST /api/editor/questions "{\"item_id\":$id,\"type\":\"multiple\",\"stem\":\"坏题\",\"choices\":[\"甲\",\"乙\"],\"answer\":[0]}"
expect_json_error "multiple with one answer" 422 invalid_field
expect_eq "multiple with one answer: field" "$(jq -r .error.field <<<"$BODY")" answer
request GET "/api/editor/questions/$q2" "${AUTH[@]}"
expect_eq "question 2: answer sorted" "$(jq -c .answer <<<"$BODY")" '[0,1]'
send_json PUT "/api/editor/questions/$q2" '{"explanation":"串通投标、泄露标底均违纪。"}'
expect_eq "question 2: edited" "$(jq -r .explanation <<<"$BODY")" '串通投标、泄露标底均违纪。'
request GET "/api/editor/questions?item_id=$id" "${AUTH[@]}"
expect_eq "questions of the item" "$(jq .total <<<"$BODY")" 2
expect_eq "questions: audited" "$(count "SELECT count(*) FROM audit_log WHERE action LIKE 'question.%' AND target_id IN ($q1, $q2)")" 3

# --- publish: found by search and in the export
request POST "/api/editor/items/$id/publish" "${AUTH[@]}"
expect_eq "publish: 200" "$(jq -c '{status,version}' <<<"$BODY")" '{"status":"published","version":2}'
expect_eq "publish: audited" "$(audit item.publish "AND target_id = $id")" 1
expect_eq "publish: published_at" "$(count "SELECT published_at IS NOT NULL FROM items WHERE id = $id")" 1
request POST "/api/editor/items/$id/publish" "${AUTH[@]}"
expect_json_error "publish twice" 409 invalid_transition
request GET "/api/search?q=%E6%8B%9B%E6%8A%95%E6%A0%87%E9%A2%86%E5%9F%9F&kind=case" "${AUTH[@]}"   # 招投标领域
expect_eq "search finds it" "$(jq "[.items[] | select(.id == $id)] | length" <<<"$BODY")" 1
request GET "/api/editor/items?tag=discipline.integrity,risk.tendering&status=published&limit=100" "${AUTH[@]}"
expect_eq "list by two tags finds it" "$(jq "[.items[] | select(.id == $id)] | length" <<<"$BODY")" 1
expect_eq "list: total" "$(jq .total <<<"$BODY")" \
    "$(count "SELECT count(*) FROM items i WHERE status = 'published' AND (SELECT count(*) FROM item_tags t WHERE t.item_id = i.id AND t.tag_code IN ('discipline.integrity','risk.tendering')) = 2")"
request GET "/api/editor/items?limit=5&offset=5" "${AUTH[@]}"
expect_eq "list: paging" "$(jq -c '[(.items | length), .limit, .offset]' <<<"$BODY")" '[5,5,5]'
request GET /api/editor/export "${AUTH[@]}" -D "$work/headers"
expect_eq "export: 200" "$STATUS" 200
expect_match "export: JSON Lines" "$(grep -i '^content-type' "$work/headers")" 'application/x-ndjson'
expect_eq "export: one line per item" "$(wc -l <<<"$BODY")" "$(count "SELECT count(*) FROM items")"
expect_eq "export: holds the new case" \
    "$(jq -c 'select(.title == "某市某局招投标领域受贿案（修订）") | [.status, (.questions | length), .tags]' <<<"$BODY")" \
    '["published",2,["discipline.integrity","risk.tendering"]]'

# --- a cadre sees it, without answers
login demo-cadre
request GET "/api/items/$id" "${AUTH[@]}"
expect_eq "cadre reads it" "$STATUS" 200
expect_eq "cadre: two questions, no answers" "$(jq -c '[.questions[] | has("answer")]' <<<"$BODY")" '[false,false]'
login demo-editor

# --- tags: create, refuse deleting one in use, delete an unused one
send_json POST /api/editor/tags '{"code":"risk.land_transfer","kind":"risk","label":"土地出让"}'
expect_eq "tag create" "$STATUS" 201
send_json POST /api/editor/tags '{"code":"risk.land_transfer","kind":"risk","label":"土地出让"}'
expect_json_error "tag exists" 409 already_exists
send_json POST /api/editor/tags '{"code":"Risk Land","kind":"risk","label":"x"}'
expect_json_error "bad tag code" 422 invalid_field
request DELETE '/api/editor/tags?code=risk.tendering' "${AUTH[@]}"
expect_json_error "delete a tag in use" 409 tag_in_use
expect_match "in use: says why" "$(jq -r .error.message <<<"$BODY")" '条目.*不能删除'
request DELETE '/api/editor/tags?code=risk.land_transfer' "${AUTH[@]}"
expect_eq "delete an unused tag" "$STATUS" 204
request DELETE '/api/editor/tags?code=risk.land_transfer' "${AUTH[@]}"
expect_json_error "delete it again" 404 not_found
request DELETE '/api/editor/tags' "${AUTH[@]}"
expect_json_error "delete without a code" 400 bad_query
expect_eq "tags: audited" "$(count "SELECT count(*) FROM audit_log WHERE action IN ('tag.create','tag.delete')")" 2

# --- retire: gone for cadres, kept for editors
request POST "/api/editor/items/$id/retire" "${AUTH[@]}"
expect_eq "retire" "$(jq -r .status <<<"$BODY")" retired
expect_eq "retire: audited" "$(audit item.retire "AND target_id = $id")" 1
request POST "/api/editor/questions/$q1/retire" "${AUTH[@]}"
expect_eq "retire a question" "$(jq -r .status <<<"$BODY")" retired
login demo-cadre
request GET "/api/items/$id" "${AUTH[@]}"
expect_json_error "cadre: retired item" 404 not_found
request GET "/api/search?q=%E6%8B%9B%E6%8A%95%E6%A0%87%E9%A2%86%E5%9F%9F" "${AUTH[@]}"
expect_eq "cadre: search no longer finds it" "$(jq "[.items[] | select(.id == $id)] | length" <<<"$BODY")" 0

# --- the audit rows say who, when, what
expect_eq "audit rows carry the editor's role and address" \
    "$(count "SELECT count(*) FROM audit_log WHERE actor_id = $editor_id AND actor_role = 'editor' AND address = '127.0.0.1' AND at > 0 AND action LIKE 'item.%'")" 4

test_done
