#!/usr/bin/env bash
# test-editor-access.sh — who may use the content API, through real nginx:
# anonymous callers get 401, cadres and supervisors 403 on every editor
# endpoint (and nothing changes), a change without the CSRF token 403;
# everyone signed in reads tags, searches published items and reads a
# published item without its answers.
. "$top_srcdir/tests/lib.sh"

stack_start 2 600r/m
count() { sqlite3 "$DB" "$1"; }
snapshot() {
    count "SELECT (SELECT count(*) FROM items) || '/' || (SELECT sum(version) FROM items) || '/' ||
        (SELECT count(*) FROM questions) || '/' || (SELECT count(*) FROM tags) || '/' ||
        (SELECT count(*) FROM items WHERE status = 'published')"
}

item_json='{"kind":"case","title":"越权测试","body_md":"正文","minutes":5,"tags":["discipline.work"]}'
question_json='{"type":"truefalse","stem":"越权？","choices":["正确","错误"],"answer":[1]}'
tag_json='{"code":"risk.forbidden","kind":"risk","label":"越权"}'
draft_id=$(count "INSERT INTO items(kind, title, minutes, body_md) VALUES ('lesson', '未发布的草稿', 5, '草稿正文') RETURNING id")
count "INSERT INTO item_tags(item_id, tag_code) VALUES ($draft_id, 'discipline.work')"
published_id=$(count "SELECT min(id) FROM items WHERE status = 'published'")
before=$(snapshot)

# Every editor endpoint: method, path, body (or empty).
editor_calls=(
    "GET /api/editor/items"
    "POST /api/editor/items $item_json"
    "GET /api/editor/items/$published_id"
    "PUT /api/editor/items/$published_id {\"title\":\"被篡改\"}"
    "POST /api/editor/items/$published_id/publish"
    "POST /api/editor/items/$published_id/retire"
    "GET /api/editor/items/$published_id/versions"
    "GET /api/editor/items/$published_id/versions/1"
    "POST /api/editor/preview {\"body_md\":\"x\"}"
    "GET /api/editor/questions?item_id=$published_id"
    "POST /api/editor/questions $question_json"
    "GET /api/editor/questions/1"
    "PUT /api/editor/questions/1 {\"stem\":\"被篡改\"}"
    "POST /api/editor/questions/1/retire"
    "GET /api/editor/tags"
    "POST /api/editor/tags $tag_json"
    "DELETE /api/editor/tags?code=region.east"
    "GET /api/editor/export"
)

# call AUTH-ARGS... -- "METHOD PATH [BODY]"
call() {
    local spec=${*: -1} method path body
    method=${spec%% *}
    spec=${spec#* }
    path=${spec%% *}
    body=
    [ "$path" != "$spec" ] && body=${spec#* }
    local args=("${@:1:$#-1}")
    if [ -n "$body" ]; then
        request "$method" "$path" "${args[@]}" -H 'Content-Type: application/json' --data-binary "$body"
    else
        request "$method" "$path" "${args[@]}"
    fi
}

# --- anonymous: 401 everywhere, the readers' endpoints too
for spec in "${editor_calls[@]}" "GET /api/tags" "GET /api/search?q=%E5%8F%97%E8%B4%BF" "GET /api/items/$published_id"; do
    call "$spec"
    expect_json_error "anonymous ${spec%% \{*}" 401 unauthenticated
done
request POST /api/editor/import -H 'Content-Type: application/x-ndjson' --data-binary "$item_json"
expect_json_error "anonymous import" 401 unauthenticated

# --- a cadre and a supervisor: 403 on every editor endpoint, audited
for who in demo-cadre demo-supervisor; do
    login "$who" || continue
    refused_before=$(count "SELECT count(*) FROM audit_log WHERE action = 'authz.refused'")
    for spec in "${editor_calls[@]}"; do
        call "${AUTH[@]}" "$spec"
        expect_json_error "$who: ${spec%% \{*}" 403 forbidden
    done
    request POST /api/editor/import "${AUTH[@]}" -H 'Content-Type: application/x-ndjson' --data-binary "$item_json"
    expect_json_error "$who: import" 403 forbidden
    expect_eq "$who: every refusal audited" \
        "$(count "SELECT count(*) FROM audit_log WHERE action = 'authz.refused'")" \
        "$((refused_before + ${#editor_calls[@]} + 1))"
done
expect_eq "nothing changed after the refusals" "$(snapshot)" "$before"

# --- a cadre reads: tags, search (published only), a published item without answers
login demo-cadre
request GET /api/tags "${AUTH[@]}"
expect_eq "cadre: tags" "$STATUS" 200
expect_eq "cadre: 47 tags" "$(jq '.tags | length' <<<"$BODY")" 47
expect_eq "cadre: a tag" "$(jq -c '.tags[] | select(.code == "risk.tendering")' <<<"$BODY")" \
    '{"code":"risk.tendering","kind":"risk","label":"招投标"}'
request GET '/api/tags?kind=discipline' "${AUTH[@]}"
expect_eq "cadre: disciplines" "$(jq '.tags | length' <<<"$BODY")" 7

request GET '/api/search?q=%E8%8D%89%E7%A8%BF' "${AUTH[@]}"       # 草稿
expect_eq "cadre: search" "$STATUS" 200
expect_eq "cadre: the draft is not found" "$(jq '[.items[] | select(.id == '"$draft_id"')] | length' <<<"$BODY")" 0
request GET '/api/search?q=%E5%8F%97%E8%B4%BF&limit=100' "${AUTH[@]}"   # 受贿
expect_eq "cadre: 2-character search" "$STATUS" 200
expect_eq "cadre: total as in the database" "$(jq .total <<<"$BODY")" \
    "$(count "SELECT count(*) FROM items WHERE status = 'published' AND instr(title || summary || body_md, '受贿') > 0")"
expect_eq "cadre: only published" "$(jq '[.items[].status] | unique' -c <<<"$BODY")" '["published"]'
request GET '/api/search?status=draft' "${AUTH[@]}"
expect_json_error "cadre: search drafts" 403 forbidden
request GET '/api/search?tag=risk.nonexistent' "${AUTH[@]}"
expect_json_error "cadre: unknown tag" 422 invalid_field
request GET '/api/search?limit=1000' "${AUTH[@]}"
expect_json_error "cadre: limit too large" 400 bad_query

request GET "/api/items/$published_id" "${AUTH[@]}"
expect_eq "cadre: published item" "$STATUS" 200
expect_match "cadre: body rendered" "$(jq -r .body_html <<<"$BODY")" '<h2>'
expect_eq "cadre: no markdown source" "$(jq 'has("body_md")' <<<"$BODY")" false
expect_eq "cadre: questions" "$(jq '.questions | length > 0' <<<"$BODY")" true
expect_eq "cadre: no answers" "$(jq '[.questions[] | has("answer") or has("explanation")] | any' <<<"$BODY")" false
expect_eq "cadre: labelled tags" "$(jq '[.tags[] | has("label")] | all' <<<"$BODY")" true
request GET "/api/items/$draft_id" "${AUTH[@]}"
expect_json_error "cadre: a draft is not found" 404 not_found
request GET /api/items/999999 "${AUTH[@]}"
expect_json_error "cadre: no such item" 404 not_found

# --- an editor without the CSRF token: 403, nothing changes
login demo-editor
request POST /api/editor/items -b "$COOKIES" -H 'Content-Type: application/json' --data-binary "$item_json"
expect_json_error "editor without CSRF token" 403 csrf_failed
request POST "/api/editor/items/$draft_id/publish" -b "$COOKIES" -H 'X-CSRF-Token: 0000'
expect_json_error "editor with a wrong CSRF token" 403 csrf_failed
request POST /api/editor/import -b "$COOKIES" -H 'Content-Type: application/x-ndjson' --data-binary "$item_json"
expect_json_error "import without CSRF token" 403 csrf_failed
request DELETE '/api/editor/tags?code=region.east' -b "$COOKIES"
expect_json_error "tag delete without CSRF token" 403 csrf_failed
expect_eq "nothing changed without the token" "$(snapshot)" "$before"

# --- the editor (and an admin) with the token may
request POST "/api/editor/items/$draft_id/publish" "${AUTH[@]}"
expect_eq "editor publishes" "$STATUS" 200
request GET "/api/items/$draft_id" "${AUTH[@]}"
expect_eq "editor previews any item" "$STATUS" 200
login demo-admin
request GET /api/editor/tags "${AUTH[@]}"
expect_eq "admin lists tags with usage" "$(jq '.tags[0] | has("items")' <<<"$BODY")" true

test_done
