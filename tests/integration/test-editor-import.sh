#!/usr/bin/env bash
# test-editor-import.sh — bulk import through real nginx: 50 JSON Lines with
# 5 malformed ones (bad JSON, missing title, unknown tag, negative minutes,
# oversize body) answer 422 naming exactly those lines and leave the library
# unchanged; with ?partial=1 the 45 good ones go in. A 2.4 MB file passes
# nginx, a 9 MB one does not; the export imports back to the same content
# (qingfeng-admin load-content, then export-content: the same bytes).
. "$top_srcdir/tests/lib.sh"

stack_start
count() { sqlite3 "$DB" "$1"; }
library() { count "SELECT (SELECT count(*) FROM items) || '/' || (SELECT count(*) FROM questions) || '/' || (SELECT count(*) FROM item_versions)"; }
login demo-editor

# import FILE [QUERY]: posts FILE as JSON Lines; sets STATUS and BODY.
import() {
    request POST "/api/editor/import${2:-}" "${AUTH[@]}" -H 'Content-Type: application/x-ndjson' \
        --data-binary "@$1"
}

# --- 50 lines, 5 of them bad
file="$work/fifty.jsonl"
head -n 45 "$top_srcdir/content/corpus/lessons.jsonl" | jq -c '.title = "导入测试：" + .title' > "$work/good.jsonl"
line=0 good=0
while [ $line -lt 50 ]; do
    line=$((line + 1))
    case $line in
        7) echo '{"kind":"case","title":"坏的 JSON",' ;;
        13) sed -n "$((good + 1))p" "$work/good.jsonl" | jq -c 'del(.title)' ;;
        21) sed -n "$((good + 1))p" "$work/good.jsonl" | jq -c '.tags += ["risk.nonexistent"]' ;;
        30) sed -n "$((good + 1))p" "$work/good.jsonl" | jq -c '.minutes = -10' ;;
        44) sed -n "$((good + 1))p" "$work/good.jsonl" | jq -c '.body_md = ("正" * 25000)' ;;
        *) good=$((good + 1)); sed -n "${good}p" "$work/good.jsonl" ;;
    esac
done > "$file"
expect_eq "the file has 50 lines" "$(wc -l < "$file")" 50
expect_eq "45 of them good" "$good" 45

before=$(library)
imports_before=$(count "SELECT count(*) FROM audit_log WHERE action = 'content.import'")
import "$file"
expect_json_error "all or nothing" 422 invalid_lines
expect_eq "exactly the bad lines" "$(jq -c '[.errors[].line]' <<<"$BODY")" '[7,13,21,30,44]'
expect_eq "their fields" "$(jq -c '[.errors[].field]' <<<"$BODY")" '["json","title","tags","minutes","body_md"]'
expect_eq "each with a message" "$(jq '[.errors[].message | length > 0] | all' <<<"$BODY")" true
expect_match "unknown tag named" "$(jq -r '.errors[2].message' <<<"$BODY")" 'risk.nonexistent'
expect_eq "nothing imported" "$(jq .imported <<<"$BODY")" 0
expect_eq "library unchanged" "$(library)" "$before"
expect_eq "no import audited" "$(count "SELECT count(*) FROM audit_log WHERE action = 'content.import'")" "$imports_before"

# Validate only: a dry run reports what would go in, and keeps nothing.
import "$file" '?partial=1&dry_run=1'
expect_eq "dry run: 200" "$STATUS" 200
expect_eq "dry run: flagged" "$(jq .dry_run <<<"$BODY")" true
expect_eq "dry run: 45 would go in" "$(jq .imported <<<"$BODY")" 45
expect_eq "dry run: the same 5 reported" "$(jq -c '[.errors[].line]' <<<"$BODY")" '[7,13,21,30,44]'
expect_eq "dry run: library unchanged" "$(library)" "$before"
expect_eq "dry run: nothing audited" "$(count "SELECT count(*) FROM audit_log WHERE action = 'content.import'")" "$imports_before"
import "$file" '?dry_run=2'
expect_json_error "dry_run takes 0 or 1" 400 bad_query

import "$file" '?partial=1'
expect_eq "partial: 200" "$STATUS" 200
expect_eq "partial: 45 imported" "$(jq .imported <<<"$BODY")" 45
expect_eq "partial: the same 5 reported" "$(jq -c '[.errors[].line]' <<<"$BODY")" '[7,13,21,30,44]'
expect_eq "partial: ids" "$(jq '.ids | length' <<<"$BODY")" 45
expect_eq "partial: in the library" "$(count "SELECT count(*) FROM items WHERE title LIKE '导入测试：%'")" 45
expect_eq "partial: questions too" "$(jq .questions <<<"$BODY")" \
    "$(count "SELECT count(*) FROM questions q JOIN items i ON i.id = q.item_id WHERE i.title LIKE '导入测试：%'")"
expect_eq "partial: audited once" \
    "$(count "SELECT json_extract(detail, '$.imported') || '/' || json_extract(detail, '$.bad_lines') FROM audit_log WHERE action = 'content.import' AND actor_role = 'editor'")" '45/5'
import "$file" '?partial=2'
expect_json_error "partial takes 0 or 1" 400 bad_query

# --- the wrong media type, and a body that is not JSON Lines at all
request POST /api/editor/import "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary '{"kind":"case"}'
expect_json_error "JSON instead of JSON Lines" 415 unsupported_media_type
printf 'not json\n\x01\x02\n' > "$work/garbage"
import "$work/garbage"
expect_json_error "garbage" 422 invalid_lines
expect_eq "garbage: both lines" "$(jq -c '[.errors[] | [.line, .field]]' <<<"$BODY")" '[[1,"json"],[2,"json"]]'

# --- size: 2.4 MB passes nginx (8 MiB allowed here), 9 MB is refused before the app
for _ in 1 2 3 4; do
    cat "$top_srcdir"/content/corpus/{cases-a,cases-b,lessons}.jsonl
done > "$work/big.jsonl"
before_items=$(count "SELECT count(*) FROM items")
import "$work/big.jsonl"
expect_eq "2.4 MB import" "$STATUS" 200
expect_eq "2.4 MB import: items" "$(jq .imported <<<"$BODY")" 608
expect_eq "2.4 MB import: in the library" "$(count "SELECT count(*) FROM items")" "$((before_items + 608))"
head -c 9000000 /dev/zero | tr '\0' ' ' > "$work/huge.jsonl"
import "$work/huge.jsonl"
expect_json_error "9 MB import" 413 body_too_large
request POST /api/editor/items "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$work/big.jsonl"
expect_json_error "2.4 MB on another endpoint" 413 body_too_large

# --- export, import into a fresh library, export again: the same lines
request GET /api/editor/export "${AUTH[@]}"
expect_eq "export" "$STATUS" 200
printf '%s\n' "$BODY" > "$work/export-1.jsonl"
expect_eq "export: a line per item" "$(wc -l < "$work/export-1.jsonl")" "$(count "SELECT count(*) FROM items")"
fresh="$work/fresh.db"
"$top_builddir/qingfeng-admin" --db "$fresh" load-tags "$top_srcdir/content/corpus/tags.jsonl" >/dev/null
check "the export loads into an empty library" \
    "$top_builddir/qingfeng-admin" --db "$fresh" load-content "$work/export-1.jsonl"
"$top_builddir/qingfeng-admin" --db "$fresh" export-content > "$work/export-2.jsonl"
check "exported again, the same bytes" cmp "$work/export-1.jsonl" "$work/export-2.jsonl"
expect_eq "the same counts" "$(sqlite3 "$fresh" "SELECT count(*) || '/' || sum(version = 1) FROM items")" \
    "$(count "SELECT count(*) FROM items")/$(count "SELECT count(*) FROM items")"

test_done
