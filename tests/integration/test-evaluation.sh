#!/usr/bin/env bash
# test-evaluation.sh — the unit evaluation model (立体评估) through real
# nginx: three units with quiz answers, feed activity and supervisor-entered
# behaviour and feedback scores; each unit's composite checked against the
# weighted sum computed here from the raw tables (sqlite3 CLI, awk) by the
# overview's definitions (a quiz's first answers, a pair in the month of its
# first impression, any action or answer as participation), under
# the default weights and under weights an admin changed; a unit missing a
# component shown as missing with a null composite; the entry's validation,
# scope and audit; the per-cadre view and the trend.
. "$top_srcdir/tests/lib.sh"

stack_start 2 600r/m
q() { sqlite3 "$DB" "$1"; }
period=$(TZ=UTC-8 date +%Y-%m)
month_start=$(TZ=UTC-8 date -d "$period-01" +%s)
month_end=$(TZ=UTC-8 date -d "$period-01 +1 month" +%s)

login demo-admin
send_json PUT /api/admin/settings '{"control_share":0}'
new_unit() {
    send_json POST /api/admin/units "$(jq -cn --arg n "$1" --argjson p "$2" '{name:$n,parent_id:$p}')"
    jq -r .id <<<"$BODY"
}
new_user() {  # new_user LOGIN ROLE UNIT → id
    send_json POST /api/admin/users "$(jq -cn --arg l "$1" --arg r "$2" --argjson u "$3" \
        '{login:$l,password:"qingfeng-demo",name:("评估"+$l),role:$r,unit_id:$u,category:"grassroots"}
         | if $r == "cadre" then . else del(.category) end')"
    [ "$STATUS" = 201 ] || fail "create user $1: $STATUS $BODY"
    jq -r .id <<<"$BODY"
}
city=$(new_unit "评估市" 1)
e1=$(new_unit "甲局" "$city")
e2=$(new_unit "乙局" "$city")
e3=$(new_unit "丙局" "$city")
c11=$(new_user c11 cadre "$e1"); c12=$(new_user c12 cadre "$e1")
c21=$(new_user c21 cadre "$e2"); c22=$(new_user c22 cadre "$e2")
c31=$(new_user c31 cadre "$e3")
sup1=$(new_user sup1 supervisor "$e1")

# --- activity: feeds (impressions), opens, completions, quiz answers
read -r -a questions <<<"$(q "SELECT group_concat(id, ' ') FROM (SELECT q.id FROM questions q JOIN items i ON i.id = q.item_id
    WHERE q.status = 'published' AND i.status = 'published' AND q.type IN ('single','truefalse') ORDER BY q.id LIMIT 6)")"
answer() {  # answer QUESTION right|wrong
    local right choices choice
    right=$(q "SELECT json_extract(answer, '\$[0]') FROM questions WHERE id = $1")
    choices=$(q "SELECT json_array_length(choices) FROM questions WHERE id = $1")
    choice=$([ "$2" = right ] && echo "$right" || echo $(( (right + 1) % choices )))
    send_json POST "/api/questions/$1/answer" "{\"choice\":[$choice]}"
    [ "$STATUS" = 200 ] || fail "answer $1: $STATUS $BODY"
}
event() { send_json POST /api/events "$(jq -cn --arg c "$1" --argjson i "$2" --arg k "$3" '{client_id:$c,item_id:$i,kind:$k}')"; }
# feed_top N: the ids of a feed's entries (reviews aside), each an impression; runs in a
# subshell, so the count of impressions shown goes to a file.
feed_top() {
    request GET "/api/feed?limit=$1" "${AUTH[@]}"
    jq '[.items[] | select(.question_id == null)] | length' <<<"$BODY" >>"$work/shown"
    jq -r '[.items[] | select(.question_id == null) | .id] | join(" ")' <<<"$BODY"
}
login c11
read -r a b _ <<<"$(feed_top 5)"
event c11-1 "$a" complete
answer "${questions[0]}" right; answer "${questions[1]}" wrong
login c12
read -r a _ <<<"$(feed_top 4)"
event c12-1 "$a" dismiss    # a dismiss is an action: c12 takes part
login c21
read -r a _ <<<"$(feed_top 6)"
event c21-1 "$a" open
answer "${questions[2]}" right
login c22
read -r a b _ <<<"$(feed_top 3)"
event c22-1 "$a" complete; event c22-2 "$b" complete
answer "${questions[3]}" right; answer "${questions[4]}" right; answer "${questions[5]}" wrong
login c31
feed_top 5 >/dev/null
answer "${questions[0]}" wrong
answer "${questions[0]}" right    # answered again: the first answer is what counts

# The app writes impressions just after its answers: every one is there before any figure is read.
expect_eventually "the feeds' impressions written" "$(awk '{ n += $1 } END { print n }' "$work/shown")" \
    q "SELECT count(*) FROM events WHERE kind = 'impression' AND user_id IN ($c11, $c12, $c21, $c22, $c31)"
# c11 was first shown one of this month's items last month: that pair belongs to last month.
q "INSERT INTO events(user_id, item_id, kind, position, arm, created_at)
   VALUES ($c11, $b, 'impression', 2, 'personalised', $month_start - 86400)"

# --- behaviour and feedback: unit entries, cadre entries (E2 behaviour), E3 without feedback
login demo-supervisor
scores() {  # scores COMPONENT SOURCE ROWS_JSON
    send_json POST /api/supervisor/evaluation/scores "$(jq -cn --arg p "$period" --arg c "$1" --arg s "$2" --argjson r "$3" \
        '{period:$p,component:$c,source:$s,scores:$r}')"
}
scores behaviour "季度行为观察记录" "[{\"unit_id\":$e1,\"score\":80},{\"user_id\":$c21,\"score\":60},{\"user_id\":$c22,\"score\":90},{\"unit_id\":$e3,\"score\":50}]"
expect_eq "behaviour entered" "$(jq -c '[.saved]' <<<"$BODY")" "[4]"
scores feedback "群众满意度测评（导入）" "[{\"unit_id\":$e1,\"score\":85.5},{\"unit_id\":$e2,\"score\":77}]"
expect_eq "feedback imported" "$STATUS" 200
expect_eq "the source is recorded" "$(q "SELECT group_concat(DISTINCT source) FROM evaluation_scores WHERE component = 'feedback'")" "群众满意度测评（导入）"

# --- validation, scope, audit
before=$(q "SELECT count(*) FROM evaluation_scores")
scores behaviour "x" "[{\"unit_id\":$e1,\"score\":70},{\"unit_id\":$e2,\"score\":101}]"
expect_json_error "a score above 100" 422 invalid_field
expect_eq "the field named" "$(jq -r .error.field <<<"$BODY")" "scores[1].score"
expect_eq "all or nothing" "$(q "SELECT count(*) FROM evaluation_scores")" "$before"
expect_eq "the first row not half-written" "$(q "SELECT score FROM evaluation_scores WHERE unit_id = $e1 AND component = 'behaviour'")" 80.0
scores behaviour "x" "[{\"unit_id\":$e1,\"score\":-1}]"
expect_json_error "a negative score" 422 invalid_field
scores attitude "x" "[{\"unit_id\":$e1,\"score\":70}]"
expect_json_error "unknown component" 400 bad_field
scores behaviour "x" "[{\"unit_id\":$e1,\"user_id\":$c11,\"score\":70}]"
expect_json_error "both a unit and a person" 400 bad_field
scores behaviour "x" "[{\"unit_id\":99999,\"score\":70}]"
expect_json_error "unknown unit" 422 invalid_field
send_json POST /api/supervisor/evaluation/scores "$(jq -cn --arg p "$period" '{period:$p,component:"behaviour",scores:[{unit_id:1,score:1}]}')"
expect_json_error "no source" 400 missing_field
send_json POST /api/supervisor/evaluation/scores '{"period":"2026-13","component":"behaviour","source":"x","scores":[{"unit_id":1,"score":1}]}'
expect_json_error "bad period" 400 bad_field
login sup1
scores behaviour "x" "[{\"unit_id\":$e2,\"score\":70}]"
expect_json_error "another unit is out of scope" 403 out_of_scope
scores behaviour "x" "[{\"user_id\":$c21,\"score\":70}]"
expect_json_error "another unit's cadre is out of scope" 403 out_of_scope
request GET "/api/supervisor/evaluation?unit=$e2" "${AUTH[@]}"
expect_json_error "reading another unit" 403 out_of_scope
login c11
request GET "/api/supervisor/evaluation" "${AUTH[@]}"
expect_json_error "a cadre sees no evaluation" 403 forbidden
expect_eq "entries audited" "$(q "SELECT count(*) FROM audit_log WHERE action = 'evaluation.scores'")" 2
expect_eq "refusals audited" "$(q "SELECT count(*) FROM audit_log WHERE action = 'scope.refused'")" 3

# --- the composite against an independent computation
# components UNIT → "knowledge data behaviour feedback" (NULL when missing), from the raw tables.
components() {
    sqlite3 -separator ' ' -nullvalue NULL "$DB" "
    WITH cad AS (SELECT id FROM users WHERE role = 'cadre' AND disabled = 0 AND unit_id = $1),
    firsts AS (SELECT a.user_id, coalesce(qq.item_id, -qq.id) AS quiz, a.created_at, a.correct
        FROM answers a JOIN questions qq ON qq.id = a.question_id
        WHERE a.user_id IN (SELECT id FROM cad) AND NOT EXISTS (SELECT 1 FROM answers b
            WHERE b.user_id = a.user_id AND b.question_id = a.question_id
            AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id)))),
    quiz AS (SELECT user_id, quiz, min(created_at) AS at FROM firsts GROUP BY user_id, quiz),
    ans AS (SELECT f.correct FROM firsts f JOIN quiz z ON z.user_id = f.user_id AND z.quiz = f.quiz
        WHERE z.at >= $month_start AND z.at < $month_end),
    act AS (SELECT DISTINCT user_id FROM (SELECT user_id, created_at FROM events WHERE kind != 'impression'
            UNION ALL SELECT user_id, created_at FROM answers)
        WHERE user_id IN (SELECT id FROM cad) AND created_at >= $month_start AND created_at < $month_end),
    shown AS (SELECT user_id, item_id, min(created_at) AS at FROM events
        WHERE kind = 'impression' AND user_id IN (SELECT id FROM cad) GROUP BY user_id, item_id),
    pushed AS (SELECT * FROM shown WHERE at >= $month_start AND at < $month_end),
    done AS (SELECT * FROM pushed p WHERE EXISTS (SELECT 1 FROM events e WHERE e.user_id = p.user_id
        AND e.item_id = p.item_id AND e.kind = 'complete' AND e.created_at >= p.at AND e.created_at < $month_end))
    SELECT (SELECT 100.0 * sum(correct) / count(*) FROM ans),
        100.0 * ((SELECT count(*) FROM act) * 1.0 / (SELECT count(*) FROM cad) + (SELECT count(*) FROM done) * 1.0 / (SELECT count(*) FROM pushed)) / 2,
        coalesce((SELECT score FROM evaluation_scores WHERE unit_id = $1 AND component = 'behaviour' AND period = '$period'),
            (SELECT avg(score) FROM evaluation_scores WHERE user_id IN (SELECT id FROM cad) AND component = 'behaviour' AND period = '$period')),
        coalesce((SELECT score FROM evaluation_scores WHERE unit_id = $1 AND component = 'feedback' AND period = '$period'),
            (SELECT avg(score) FROM evaluation_scores WHERE user_id IN (SELECT id FROM cad) AND component = 'feedback' AND period = '$period'))"
}
# composite WEIGHTS(k b f d) COMPONENTS(k d b f) → the weighted sum, or null when one is missing.
composite() {
    awk -v w="$1" -v c="$2" 'BEGIN { split(w, W, " "); split(c, C, " ");
        if (C[1] == "NULL" || C[2] == "NULL" || C[3] == "NULL" || C[4] == "NULL") { print "null"; exit }
        s = (W[1] * C[1] + W[2] * C[3] + W[3] * C[4] + W[4] * C[2]) / (W[1] + W[2] + W[3] + W[4]);
        printf "%.2f\n", s }'
}
api_score() { jq -r --argjson u "$1" '.units[] | select(.unit_id == $u) | if .score == null then "null" else (.score * 100 | round / 100 | tostring) end' <<<"$BODY"; }
close_to() { awk -v a="$1" -v b="$2" 'BEGIN { exit !((a == "null" && b == "null") || (a != "null" && b != "null" && (a - b) < 0.011 && (b - a) < 0.011)) }'; }

check_scores() {  # check_scores "k b f d" LABEL
    login demo-supervisor
    request GET "/api/supervisor/evaluation?unit=$city&period=$period" "${AUTH[@]}"
    expect_eq "$2: evaluation" "$STATUS" 200
    expect_eq "$2: weights" "$(jq -c '[.weights.knowledge, .weights.behaviour, .weights.feedback, .weights.data]' <<<"$BODY")" \
        "[$(tr ' ' ',' <<<"$1")]"
    expect_eq "$2: the three units ranked" "$(jq -c '[.units[].unit_id] | sort' <<<"$BODY")" "$(jq -cn "[$e1,$e2,$e3] | sort")"
    for u in "$e1" "$e2" "$e3"; do
        local mine
        mine=$(composite "$1" "$(components "$u")")
        check "$2: unit $u composite $(api_score "$u") = independent $mine" close_to "$(api_score "$u")" "$mine"
    done
}
check "components computed independently for E1" test "$(components "$e1" | grep -c NULL)" = 0
check "E3 has no feedback" test "$(components "$e3" | cut -d' ' -f4)" = NULL
check_scores "30 40 20 10" "default weights"
expect_eq "E3: feedback shown as missing" "$(jq -c --argjson u "$e3" '.units[] | select(.unit_id == $u) | [.components.feedback, .missing, .score, .rank]' <<<"$BODY")" '[null,["feedback"],null,null]'
expect_eq "E3: its other components shown" "$(jq -c --argjson u "$e3" '.units[] | select(.unit_id == $u) | [.components.behaviour, (.components.knowledge | type), (.partial_score | type)]' <<<"$BODY")" '[50,"number","number"]'
expect_eq "E3 ranked last, E1 and E2 ranked 1 and 2" "$(jq -c '[.units[].rank]' <<<"$BODY")" '[1,2,null]'
expect_eq "E2 behaviour: the mean of its cadres' entries" "$(jq --argjson u "$e2" '.units[] | select(.unit_id == $u) | .components.behaviour' <<<"$BODY")" 75
expect_eq "descending order" "$(jq '[.units[0:2][].score] | .[0] >= .[1]' <<<"$BODY")" true
login demo-admin
send_json PUT /api/admin/settings '{"evaluation_weight_knowledge":50,"evaluation_weight_behaviour":20,"evaluation_weight_feedback":20,"evaluation_weight_data":10}'
expect_eq "weights changed" "$STATUS" 200
send_json PUT /api/admin/settings '{"evaluation_weight_data":101}'
expect_json_error "a weight above 100" 400 bad_field
check_scores "50 20 20 10" "admin's weights"

# --- per cadre, trend
request GET "/api/supervisor/evaluation/people?unit=$city&period=$period" "${AUTH[@]}"
person() { jq -c --argjson u "$1" ".people[] | select(.user_id == \$u) | $2" <<<"$BODY"; }
expect_eq "c31: the first answer counts, not the second" "$(person "$c31" '[.details.answers, .details.correct, .components.knowledge]')" '[1,0,0]'
expect_eq "c12: a dismiss is taking part" "$(person "$c12" '.details.active')" 1
expect_eq "c11: the pair first shown last month is not this month's" "$(person "$c11" '.details.pushed')" \
    "$(q "SELECT count(DISTINCT item_id) - 1 FROM events WHERE user_id = $c11 AND kind = 'impression'")"
expect_eq "c11: completed what was pushed" "$(person "$c11" '.details.completed')" 1
request GET "/api/supervisor/evaluation?unit=$city&period=$period" "${AUTH[@]}"
expect_eq "the city's figures are the sums of its cadres'" \
    "$(jq -c '.unit.details | [.cadres, .active, .pushed, .completed, .answers, .correct]' <<<"$BODY")" \
    "$(request GET "/api/supervisor/evaluation/people?unit=$city&period=$period" "${AUTH[@]}";
       jq -c '[.people | length, (map(.details.active) | add), (map(.details.pushed) | add),
               (map(.details.completed) | add), (map(.details.answers) | add), (map(.details.correct) | add)]' <<<"$BODY")"
request GET "/api/supervisor/evaluation/people?unit=$e2&period=$period" "${AUTH[@]}"
expect_eq "people of E2" "$(jq -c '[.people[].user_id] | sort' <<<"$BODY")" "$(jq -cn "[$c21,$c22] | sort")"
expect_eq "c21: own behaviour entry, no feedback of their own" \
    "$(jq -c --argjson u "$c21" '.people[] | select(.user_id == $u) | [.components.behaviour, .components.feedback, .components.knowledge, .score]' <<<"$BODY")" '[60,null,100,null]'
expect_eq "people views audited" "$(q "SELECT count(*) FROM audit_log WHERE action = 'evaluation.people'")" 3
request GET "/api/supervisor/evaluation/trend?unit=$e1&to=$period" "${AUTH[@]}"
expect_eq "trend: six months" "$(jq '.periods | length' <<<"$BODY")" 6
expect_eq "trend: ends with this month" "$(jq -r '.periods[-1].period' <<<"$BODY")" "$period"
trend_now=$(jq -c '.periods[-1] | [.score, .components]' <<<"$BODY")
expect_eq "trend: earlier months have no data, shown missing" "$(jq -c '.periods[0] | [.score, .components.knowledge]' <<<"$BODY")" '[null,null]'
request GET "/api/supervisor/evaluation?unit=$city&period=$period" "${AUTH[@]}"
expect_eq "trend's month equals the board" "$trend_now" "$(jq -c --argjson u "$e1" '.units[] | select(.unit_id == $u) | [.score, .components]' <<<"$BODY")"
request GET "/api/supervisor/evaluation/trend?from=2020-01&to=2026-01" "${AUTH[@]}"
expect_json_error "at most 24 months" 400 bad_query
request GET "/api/supervisor/evaluation?period=26-11" "${AUTH[@]}"
expect_json_error "bad period" 400 bad_query
request GET "/api/supervisor/evaluation/scores?unit=$e2&period=$period" "${AUTH[@]}"
expect_eq "entries listed with sources" "$(jq -c '[.scores[] | [.component, .score, .source]] | sort' <<<"$BODY")" \
    '[["behaviour",60,"季度行为观察记录"],["behaviour",90,"季度行为观察记录"],["feedback",77,"群众满意度测评（导入）"]]'

test_done
