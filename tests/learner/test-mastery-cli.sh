#!/usr/bin/env bash
# test-mastery-cli.sh — `qingfeng-train mastery` on a demo database with a
# simulated quiz history: it fits every answer, orders cadres by their
# planted skill, schedules reviews for answers that came without one,
# writes the same numbers twice (idempotent), leaves rows the app updated
# meanwhile alone, evaluates on held-out answers, and refuses bad usage.
. "$top_srcdir/tests/lib.sh"

train="$top_builddir/qingfeng-train"
DB="$work/qingfeng.db"
q() { sqlite3 "$DB" "$1"; }
holds() { jq -en "$1" >/dev/null; }
"$top_builddir/qingfeng-admin" --db "$DB" demo --content "$top_srcdir/content/corpus" >"$work/demo.log" 2>&1 ||
    { cat "$work/demo.log" >&2; echo "FAIL: demo database" >&2; exit 1; }

# --- usage
"$train" mastery >/dev/null 2>&1
expect_eq "no --db" "$?" 2
"$train" mastery --db "$DB" --holdout 2 >/dev/null 2>&1
expect_eq "a bad hold-out share" "$?" 2
"$train" mastery --db "$DB" --frobnicate >/dev/null 2>&1
expect_eq "an unknown option" "$?" 2
"$train" mastery --db "$work/absent.db" >/dev/null 2>"$work/err"
expect_eq "a missing database" "$?" 1
expect_match "says why" "$(cat "$work/err")" 'absent.db'

# --- no answers yet: nothing to do, done
out=$("$train" mastery --db "$DB")
expect_eq "empty: exit status" "$?" 0
expect_eq "empty: nothing fitted" "$(jq -c '[.answers, .written.mastery]' <<<"$out")" '[0,0]'
out=$("$train" mastery --db "$DB" --evaluate)
expect_eq "empty: evaluate" "$?" 0
expect_eq "empty: nothing held out" "$(jq -c '[.evaluation.heldout, .evaluation.auc.nightly_fit]' <<<"$out")" '[0,-1]'

# --- a simulated history: 60 cadres of five skill levels (20% to 80% right on an average
# question), questions of five difficulties (+-16 points), about 30 answers each over 50 days
q "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
   INSERT INTO users(login, password_hash, name, role, unit_id)
   SELECT 'sim-' || i, 'x', '模拟干部' || i, 'cadre', (SELECT min(id) FROM units) FROM n"
q "INSERT INTO answers(user_id, question_id, choice, correct, created_at)
   SELECT u.id, qn.id, '[0]',
          ((u.id * 2654435761 + qn.id * 97) % 100) < 20 + 15 * (u.id % 5) + ((qn.id * 31) % 5 - 2) * 8,
          unixepoch() - 60 * 86400 + ((u.id * 37 + qn.id * 11) % 1200) * 3600
     FROM users u JOIN questions qn ON (qn.id * 7 + u.id * 13) % 16 = 0
    WHERE u.login LIKE 'sim-%'"
answers=$(q "SELECT count(*) FROM answers")
check "a history of answers ($answers)" test "$answers" -ge 1000

out=$("$train" mastery --db "$DB")
expect_eq "fit: exit status" "$?" 0
echo "first run: $out"
expect_eq "every answer read" "$(jq .answers <<<"$out")" "$answers"
expect_eq "converged" "$(jq .fit.converged <<<"$out")" true
expect_eq "a mastery row per cadre and discipline answered" "$(jq .written.mastery <<<"$out")" \
    "$(q "SELECT count(*) FROM (SELECT DISTINCT a.user_id, qt.tag_code FROM answers a
          JOIN question_tags qt ON qt.question_id = a.question_id WHERE qt.tag_code LIKE 'discipline.%')")"
expect_eq "answers counted per discipline" \
    "$(q "SELECT count(*) FROM mastery m WHERE answers != (SELECT count(*) FROM answers a
          JOIN question_tags qt ON qt.question_id = a.question_id AND qt.tag_code = m.tag_code
          WHERE a.user_id = m.user_id)")" 0
expect_eq "values in (0, 1), deviations in bounds" \
    "$(q "SELECT count(*) FROM mastery WHERE value <= 0 OR value >= 1 OR abs(deviation) > 6")" 0
expect_eq "a general ability per cadre" "$(jq .written.cadres <<<"$out")" "$(q "SELECT count(DISTINCT user_id) FROM answers")"
expect_eq "abilities in bounds, answers counted" \
    "$(q "SELECT count(*) FROM learner_ability l WHERE abs(ability) > 6
          OR answers != (SELECT count(*) FROM answers a WHERE a.user_id = l.user_id)")" 0
expect_eq "a review per cadre and question answered" "$(jq .written.reviews <<<"$out")" \
    "$(q "SELECT count(*) FROM (SELECT DISTINCT user_id, question_id FROM answers)")"
expect_eq "question difficulties" "$(jq .written.question_stats <<<"$out")" \
    "$(q "SELECT count(DISTINCT question_id) FROM answers")"
# Right two months ago, wrong two months ago: everything is due by now.
expect_eq "history due for review" "$(q "SELECT count(*) FROM reviews WHERE due_at > unixepoch()")" 0
expect_eq "first-answer schedule" "$(q "SELECT count(*) FROM reviews WHERE reps = 1 AND
    ((last_correct = 1 AND abs(stability - 2.4) > 1e-9) OR (last_correct = 0 AND abs(stability - 0.4) > 1e-9))")" 0

# The planted skill comes out: the best level above the worst, in order.
levels=$(q "SELECT group_concat(v, ' ') FROM (SELECT round(avg(m.value), 3) AS v FROM mastery m
    JOIN users u ON u.id = m.user_id WHERE u.login LIKE 'sim-%' GROUP BY u.id % 5 ORDER BY u.id % 5)")
echo "mean mastery by planted skill level (20% .. 80% right): $levels"
read -r l0 l1 l2 l3 l4 <<<"$levels"
check "skill order ($levels)" holds "$l0 < $l1 and $l1 < $l2 and $l2 < $l3 and $l3 < $l4"
check "best level well above worst" holds "$l4 - $l0 > 0.3"

# --- idempotent: a second run writes the same numbers, and so writes nothing
dump() {
    q "SELECT user_id, tag_code, value, deviation, answers FROM mastery ORDER BY 1, 2;
       SELECT user_id, ability, answers FROM learner_ability ORDER BY 1;
       SELECT question_id, difficulty, answers, correct FROM question_stats ORDER BY 1;
       SELECT user_id, question_id, stability, difficulty, reps, lapses, last_correct, last_at, due_at
         FROM reviews ORDER BY 1, 2" | md5sum
}
before=$(dump)
out=$("$train" mastery --db "$DB")
expect_eq "second run: exit status" "$?" 0
expect_eq "second run: the same numbers" "$(dump)" "$before"
expect_eq "second run: nothing rewritten" \
    "$(jq -c '[.written.cadres, .written.mastery, .written.question_stats, .written.reviews]' <<<"$out")" '[0,0,0,0]'

# --- a cadre the app updated after the snapshot (more answers than the fit saw) stands
sim=$(q "SELECT id FROM users WHERE login = 'sim-1'")
code=$(q "SELECT tag_code FROM mastery WHERE user_id = $sim ORDER BY tag_code LIMIT 1")
q "UPDATE learner_ability SET answers = answers + 1 WHERE user_id = $sim;
   UPDATE mastery SET value = 0.123 WHERE user_id = $sim AND tag_code = '$code'"
out=$("$train" mastery --db "$DB")
expect_eq "newer cadre kept" "$(q "SELECT value FROM mastery WHERE user_id = $sim AND tag_code = '$code'")" 0.123
expect_eq "reported" "$(jq .cadres_answered_since <<<"$out")" 1
expect_eq "the other cadres written as before" "$(jq .written.mastery <<<"$out")" 0

# --- held-out evaluation writes nothing and beats the question-only baseline
before=$(dump)
out=$("$train" mastery --db "$DB" --evaluate)
expect_eq "evaluate: exit status" "$?" 0
echo "evaluation: $(jq -c .evaluation <<<"$out")"
expect_eq "evaluate writes nothing" "$(dump)" "$before"
check "answers held out" holds "$(jq .evaluation.heldout <<<"$out") > 100"
check "the nightly fit predicts held-out answers (AUC > 0.62)" holds "$(jq .evaluation.auc.nightly_fit <<<"$out") > 0.62"
check "so does the online Elo (AUC > 0.6)" holds "$(jq .evaluation.auc.online_elo <<<"$out") > 0.6"
check "both beat knowing the question alone" \
    holds "$(jq '.evaluation.auc | .nightly_fit > .question_baseline and .online_elo > .question_baseline' <<<"$out")"

test_done
