#!/usr/bin/env bash
# test-quiz.sh — quizzes, mastery, spaced review and study hours through
# real nginx: POST /api/questions/{id}/answer and GET /api/me/progress.
# Right and wrong answers, a retried client_id counted once, refused
# choices, unknown and unpublished questions, roles and CSRF; mastery
# moving the right way, null before any answer; a wrong answer due again
# after its day (time moved by updating rows); a fading right answer due;
# hours crediting an item once however often it was completed.
. "$top_srcdir/tests/lib.sh"

stack_start 2 600r/m
q() { sqlite3 "$DB" "$1"; }
# Dates as the app counts them: China Standard Time.
day() { TZ=UTC-8 date -d "@$(( $(date +%s) + $1 * 86400 ))" +%F; }
answer() {  # answer QUESTION CHOICE_JSON [CLIENT_ID]
    send_json POST "/api/questions/$1/answer" \
        "$(jq -cn --argjson c "$2" --arg id "${3:-}" '{choice:$c} + (if $id == "" then {} else {client_id:$id} end)')"
}
holds() { jq -en "$1" >/dev/null; }   # holds EXPRESSION: a jq comparison is true
mastery_of() { jq -r --arg c "$1" '.mastery[] | select(.code == $c) | .value' <<<"$BODY"; }

# Our own item and questions, so the test knows every answer and tag.
item=$(q "INSERT INTO items(kind, status, title, summary, body_md, minutes, difficulty, published_at)
    VALUES ('case', 'published', '测验测试案例', '摘要', '正文', 25, 3, unixepoch()); SELECT last_insert_rowid();")
retired_item=$(q "INSERT INTO items(kind, status, title, minutes) VALUES ('case', 'retired', '已下线案例', 10);
    SELECT last_insert_rowid();")
new_question() {  # new_question ITEM TYPE STATUS CHOICES ANSWER TAGS...
    local item=$1 type=$2 status=$3 choices=$4 ans=$5 id
    shift 5
    id=$(q "INSERT INTO questions(item_id, type, status, stem, choices, answer, explanation)
        VALUES ($item, '$type', '$status', '题干', '$choices', '$ans', '因为纪律处分条例如此规定');
        SELECT last_insert_rowid();")
    for tag in "$@"; do q "INSERT INTO question_tags(question_id, tag_code) VALUES ($id, '$tag')"; done
    echo "$id"
}
single=$(new_question "$item" single published '["甲","乙","丙","丁"]' '[1]' discipline.integrity)
multiple=$(new_question "$item" multiple published '["甲","乙","丙","丁"]' '[0,2]' discipline.integrity discipline.political)
truefalse=$(new_question NULL truefalse published '["正确","错误"]' '[0]' discipline.work)
draft=$(new_question "$item" single draft '["甲","乙"]' '[0]' discipline.integrity)
in_retired=$(new_question "$retired_item" single published '["甲","乙"]' '[0]' discipline.integrity)
cadre=$(q "SELECT id FROM users WHERE login = 'demo-cadre'")

# --- access
request POST "/api/questions/$single/answer" -H 'Content-Type: application/json' --data-binary '{"choice":[1]}'
expect_json_error "anonymous answer" 401 unauthenticated
request GET /api/me/progress
expect_json_error "anonymous progress" 401 unauthenticated
login demo-editor
answer "$single" '[1]'
expect_json_error "an editor does not take quizzes" 403 forbidden
request GET /api/me/progress "${AUTH[@]}"
expect_json_error "an editor has no progress" 403 forbidden

login demo-cadre
request POST "/api/questions/$single/answer" -b "$COOKIES" -H 'Content-Type: application/json' --data-binary '{"choice":[1]}'
expect_json_error "answer without CSRF token" 403 csrf_failed

# --- progress before any answer: no fake zeros
request GET /api/me/progress "${AUTH[@]}"
expect_eq "progress" "$STATUS" 200
expect_eq "seven disciplines" "$(jq '.mastery | length' <<<"$BODY")" 7
expect_eq "in the regulations' order, with labels" "$(jq -c '[.mastery[0].code, .mastery[2].label]' <<<"$BODY")" '["discipline.political","廉洁纪律"]'
expect_eq "no value before any answer" "$(jq '[.mastery[] | select(.value != null)] | length' <<<"$BODY")" 0
expect_eq "target" "$(jq .target_hours <<<"$BODY")" 40
expect_eq "no hours yet" "$(jq .hours_year <<<"$BODY")" 0
expect_eq "nothing due" "$(jq -c .reviews_due <<<"$BODY")" '[]'
expect_eq "nothing completed" "$(jq .completed <<<"$BODY")" 0
expect_match "pace" "$(jq -c .pace <<<"$BODY")" '"expected_hours":[0-9.]+,"status":"behind"'
expect_eq "today" "$(jq -r .today <<<"$BODY")" "$(day 0)"

# --- a right answer
answer "$single" '[1]' quiz-1
expect_eq "right answer" "$STATUS" 200
expect_eq "correct" "$(jq .correct <<<"$BODY")" true
expect_eq "the answer" "$(jq -c .answer <<<"$BODY")" '[1]'
expect_eq "the explanation" "$(jq -r .explanation <<<"$BODY")" '因为纪律处分条例如此规定'
expect_eq "mastery of its discipline" "$(jq -c '[.mastery[].code]' <<<"$BODY")" '["discipline.integrity"]'
after_right=$(mastery_of discipline.integrity)
check "mastery rose above 0.5 ($after_right)" holds "$after_right > 0.5"
expect_eq "back in two days" "$(jq -r .next_review <<<"$BODY")" "$(day 2)"
expect_eq "not a retry" "$(jq .duplicate <<<"$BODY")" false

# --- the same client_id again: the first result, counted once
answer "$single" '[0]' quiz-1
expect_eq "retry status" "$STATUS" 200
expect_eq "retry: the first result" "$(jq -c '[.correct, .duplicate]' <<<"$BODY")" '[true,true]'
expect_eq "retry: mastery unchanged" "$(mastery_of discipline.integrity)" "$after_right"
expect_eq "counted once" "$(q "SELECT count(*) FROM answers WHERE user_id = $cadre AND question_id = $single")" 1
expect_eq "mastery counted once" "$(q "SELECT answers FROM mastery WHERE user_id = $cadre AND tag_code = 'discipline.integrity'")" 1
answer "$multiple" '[0,2]' quiz-1
expect_json_error "a client_id reused for another question" 409 client_id_reused

# --- refused choices
answer "$single" '[]'
expect_json_error "no choice" 400 bad_choice
answer "$single" '[0,1]'
expect_json_error "two choices on a single question" 400 bad_choice
answer "$truefalse" '[0,1]'
expect_json_error "two choices on a true/false question" 400 bad_choice
answer "$multiple" '[0,0]'
expect_json_error "a repeated choice" 400 bad_choice
answer "$single" '[4]'
expect_json_error "a choice out of range" 400 bad_choice
answer "$single" '[-1]'
expect_json_error "a negative choice" 400 bad_choice
answer "$single" '["1"]'
expect_json_error "a choice that is no integer" 400 bad_choice
send_json POST "/api/questions/$single/answer" '{"choice":1}'
expect_json_error "choice not an array" 400 bad_field
send_json POST "/api/questions/$single/answer" '{}'
expect_json_error "no choice field" 400 missing_field
send_json POST "/api/questions/$single/answer" '{"choice":[1],"score":100}'
expect_json_error "an unknown field" 400 unknown_field
send_json POST "/api/questions/$single/answer" "{\"choice\":[1],\"client_id\":\"$(printf 'x%.0s' $(seq 65))\"}"
expect_json_error "client_id too long" 400 bad_field
expect_eq "nothing written by refusals" "$(q "SELECT count(*) FROM answers WHERE user_id = $cadre")" 1

# --- unknown and unpublished questions
answer 99999999 '[0]'
expect_json_error "unknown question" 404 not_found
answer "$draft" '[0]'
expect_json_error "draft question" 409 question_not_published
answer "$in_retired" '[0]'
expect_json_error "question of a retired item" 409 question_not_published

# --- a wrong answer: mastery falls, the question comes back tomorrow
answer "$multiple" '[0]' quiz-2
expect_eq "wrong answer" "$(jq -c '[.correct, .answer]' <<<"$BODY")" '[false,[0,2]]'
expect_eq "two disciplines" "$(jq -c '[.mastery[].code]' <<<"$BODY")" '["discipline.political","discipline.integrity"]'
check "integrity fell ($(mastery_of discipline.integrity) < $after_right)" holds "$(mastery_of discipline.integrity) < $after_right"
check "political under 0.5" holds "$(mastery_of discipline.political) < 0.5"
expect_eq "back tomorrow" "$(jq -r .next_review <<<"$BODY")" "$(day 1)"
answer "$truefalse" '[0]'
expect_eq "a standalone true/false question" "$(jq -c '[.correct, [.mastery[].code]]' <<<"$BODY")" '[true,["discipline.work"]]'

request GET /api/me/progress "${AUTH[@]}"
expect_eq "not due today" "$(jq "[.reviews_due[] | select(.question_id == $multiple)] | length" <<<"$BODY")" 0
expect_eq "upcoming tomorrow" "$(jq -r ".reviews_upcoming[] | select(.question_id == $multiple) | .due" <<<"$BODY")" "$(day 1)"
expect_eq "answered disciplines have values" \
    "$(jq -c '[.mastery[] | select(.value != null) | .code]' <<<"$BODY")" '["discipline.political","discipline.integrity","discipline.work"]'
expect_eq "the others stay null" "$(jq -r '.mastery[] | select(.code == "discipline.family") | .value' <<<"$BODY")" null
expect_eq "answer counts" "$(jq -c .answers <<<"$BODY")" '{"total":3,"correct":2}'

# --- two days later (rows moved back): the wrong answer is due, with its item
q "UPDATE reviews SET due_at = due_at - 2*86400, last_at = last_at - 2*86400 WHERE user_id = $cadre AND question_id = $multiple"
request GET /api/me/progress "${AUTH[@]}"
expect_eq "due now" "$(jq -c ".reviews_due[] | select(.question_id == $multiple) | [.item_id, (.due <= \"$(day 0)\")]" <<<"$BODY")" "[$item,true]"
expect_eq "only that one" "$(jq '.reviews_due | length' <<<"$BODY")" 1

# --- fading: right 30 days ago, recall now under 0.9: due
q "UPDATE reviews SET last_at = unixepoch() - 30*86400, due_at = unixepoch() + 300*86400 WHERE user_id = $cadre AND question_id = $single"
request GET /api/me/progress "${AUTH[@]}"
expect_eq "fading question due" "$(jq "[.reviews_due[] | select(.question_id == $single)] | length" <<<"$BODY")" 1
check "its predicted recall is under 0.9" holds "$(jq ".reviews_due[] | select(.question_id == $single) | .recall" <<<"$BODY") < 0.9"

# --- answering a due review: right now, it goes away for longer
answer "$multiple" '[0,2]'
expect_eq "review answered right" "$(jq .correct <<<"$BODY")" true
request GET /api/me/progress "${AUTH[@]}"
expect_eq "no longer due" "$(jq "[.reviews_due[] | select(.question_id == $multiple)] | length" <<<"$BODY")" 0

# --- study hours: an item credited once, last year's completions not at all
other=$(q "SELECT id FROM items WHERE status = 'published' AND id != $item ORDER BY id LIMIT 1")
other_minutes=$(q "SELECT minutes FROM items WHERE id = $other")
q "INSERT INTO events(user_id, item_id, kind, client_id, created_at) VALUES
    ($cadre, $item, 'complete', 'done-1', unixepoch()), ($cadre, $item, 'complete', 'done-2', unixepoch()),
    ($cadre, $other, 'complete', 'done-3', unixepoch()), ($cadre, $other, 'open', 'open-1', unixepoch()),
    ($cadre, $other, 'complete', 'old', unixepoch() - 400*86400)"
request GET /api/me/progress "${AUTH[@]}"
minutes=$((25 + other_minutes))
expect_eq "minutes this year, each item once" "$(jq .minutes_year <<<"$BODY")" "$minutes"
expect_eq "hours this year" "$(jq .hours_year <<<"$BODY")" "$(jq -n "($minutes / 60 * 100 | round) / 100")"
expect_eq "completed" "$(jq -c '[.completed, .completed_year]' <<<"$BODY")" '[2,2]'

# --- another cadre sees only their own
q "INSERT INTO users(login, password_hash, name, role, unit_id)
    SELECT 'quiz-other', password_hash, '另一位干部', 'cadre', unit_id FROM users WHERE login = 'demo-cadre'"
login quiz-other
request GET /api/me/progress "${AUTH[@]}"
expect_eq "another cadre: no hours" "$(jq -c '[.hours_year, .completed, (.reviews_due | length)]' <<<"$BODY")" '[0,0,0]'
expect_eq "another cadre: no mastery" "$(jq '[.mastery[] | select(.value != null)] | length' <<<"$BODY")" 0
answer "$single" '[1]' quiz-1
expect_eq "a client_id is per cadre" "$(jq -c '[.correct, .duplicate]' <<<"$BODY")" '[true,false]'

# --- the nightly refit runs beside the live app and keeps the direction
"$top_builddir/qingfeng-train" mastery --db "$DB" >"$work/mastery.json" 2>"$work/mastery.err"
expect_eq "qingfeng-train mastery" "$?" 0
expect_eq "it saw every answer" "$(jq .answers "$work/mastery.json")" "$(q "SELECT count(*) FROM answers")"
login demo-cadre
request GET /api/me/progress "${AUTH[@]}"
check "integrity still above political after the refit" \
    holds "$(jq '.mastery[] | select(.code == "discipline.integrity") | .value' <<<"$BODY") > $(jq '.mastery[] | select(.code == "discipline.political") | .value' <<<"$BODY")"

test_done
