#!/usr/bin/env bash
# test-simulate.sh — qingfeng-admin simulate: a simulated cohort that is the
# same for the same seed and differs for another; the counts it promises;
# the personalised arm completing more of what it is pushed than the
# control arm; a unit under 60% participation two months running and
# cadres inactive for 30 days (the supervisor's warnings); bad arguments;
# a model trained on it that beats popularity. No server needed.
. "$top_srcdir/tests/lib.sh"

admin="$top_builddir/qingfeng-admin"
train="$top_builddir/qingfeng-train"
corpus="$top_srcdir/content/corpus"
require_program sqlite3 sqlite3 sqlite3
# A fixed end of history, so that two runs on different days agree.
now=1795363200
month=$((30 * 86400))

# run_admin EXPECTED_STATUS ARGS...: runs it, keeps stdout in OUT and stderr in ERR.
run_admin() {
    local expected=$1
    shift
    OUT=$("$admin" "$@" 2>"$work/stderr" </dev/null)
    local status=$?
    ERR=$(cat "$work/stderr")
    expect_eq "qingfeng-admin $* → exit status" "$status" "$expected"
}

q() { sqlite3 "$1" "$2"; }

# digest DB: what the simulation wrote, in a form two databases can compare.
digest() {
    sqlite3 "$1" "SELECT user_id, item_id, kind, value, position, model_version, arm, created_at
                    FROM events ORDER BY id;
                  SELECT user_id, question_id, choice, correct, created_at FROM answers ORDER BY id;
                  SELECT user_id, tag_code, round(value, 9), answers FROM mastery ORDER BY 1, 2;
                  SELECT login, name, unit_id, category, industry FROM users ORDER BY id;
                  SELECT user_id, arm FROM arms ORDER BY 1;" | sha256sum | cut -d' ' -f1
}

fresh_db() {
    "$admin" --db "$1" demo --content "$corpus" >/dev/null 2>&1 || fail "demo database $1"
}

# ----------------------------------------------------------- bad arguments
fresh_db "$work/bad.db"
run_admin 2 --db "$work/bad.db" simulate --cadres 0
expect_match "--cadres 0 refused" "$ERR" 'cadres'
run_admin 2 --db "$work/bad.db" simulate --months abc
run_admin 2 --db "$work/bad.db" simulate --months 0
run_admin 2 --db "$work/bad.db" simulate --seed -1
run_admin 2 --db "$work/bad.db" simulate --units 0
run_admin 2 --db "$work/bad.db" simulate --now yesterday
run_admin 2 --db "$work/bad.db" simulate --bogus
run_admin 2 --db "$work/bad.db" simulate extra
expect_match "usage of simulate" "$ERR" 'usage: qingfeng-admin --db PATH simulate'
expect_eq "bad arguments write nothing" "$(q "$work/bad.db" "SELECT count(*) FROM users WHERE login LIKE 'sim-%'")" 0
run_admin 1 --db "$work/empty.db" simulate --now "$now"
expect_match "no library: said so" "$ERR" 'no published items'
expect_eq "no library: no cadres" "$(q "$work/empty.db" "SELECT count(*) FROM users")" 0

# ----------------------------------------------------------- determinism
for name in a b c; do fresh_db "$work/$name.db"; done
run_admin 0 --db "$work/a.db" simulate --seed 7 --cadres 120 --months 4 --units 12 --now "$now"
expect_match "summary printed" "$OUT" '^simulated 120 cadres in 12 units over 4 months \(seed 7\)'
run_admin 0 --db "$work/b.db" simulate --seed 7 --cadres 120 --months 4 --units 12 --now "$now"
run_admin 0 --db "$work/c.db" simulate --seed 8 --cadres 120 --months 4 --units 12 --now "$now"
expect_eq "same seed, same history" "$(digest "$work/b.db")" "$(digest "$work/a.db")"
check "another seed, another history" test "$(digest "$work/c.db")" != "$(digest "$work/a.db")"
run_admin 1 --db "$work/a.db" simulate --seed 7 --now "$now"
expect_match "a second simulation is refused" "$ERR" 'already holds a simulated cohort'
expect_eq "refused run adds nobody" "$(q "$work/a.db" "SELECT count(*) FROM users WHERE login LIKE 'sim-%'")" 120

# ----------------------------------------------------------- the default cohort
db="$work/cohort.db"
fresh_db "$db"
start=$(date +%s)
run_admin 0 --db "$db" simulate --seed 1 --now "$now"
# A figure, not a check: a loaded or instrumented machine may take longer.
echo "300 cadres x 6 months simulated in $(($(date +%s) - start))s"

expect_eq "300 cadres" "$(q "$db" "SELECT count(*) FROM users WHERE role = 'cadre' AND login LIKE 'sim-%'")" 300
expect_eq "every category present" \
    "$(q "$db" "SELECT count(DISTINCT category) FROM users WHERE login LIKE 'sim-%'")" 4
expect_eq "every cadre has 1 to 3 risks" "$(q "$db" "SELECT count(*) FROM users u WHERE login LIKE 'sim-%'
    AND (SELECT count(*) FROM user_risks r WHERE r.user_id = u.id) NOT BETWEEN 1 AND 3")" 0
expect_eq "every cadre has an industry and an arm" "$(q "$db" "SELECT count(*) FROM users u
    WHERE login LIKE 'sim-%' AND (industry IS NULL OR NOT EXISTS (SELECT 1 FROM arms a WHERE a.user_id = u.id))")" 0
expect_eq "risks fit the unit's business" "$(q "$db" "SELECT count(*) FROM user_risks r JOIN users u ON u.id = r.user_id
    JOIN units n ON n.id = u.unit_id WHERE u.login LIKE 'sim-%' AND n.name LIKE '%农商银行%'
    AND r.tag_code NOT IN ('risk.credit_approval', 'risk.data_security', 'risk.procurement')")" 0
control=$(q "$db" "SELECT count(*) FROM arms a JOIN users u ON u.id = a.user_id WHERE u.login LIKE 'sim-%' AND arm = 'control'")
check "control arm near the 10% share ($control of 300)" test "$control" -ge 12 -a "$control" -le 50
expect_eq "province > city > county > unit" "$(q "$db" "WITH RECURSIVE d(id, depth) AS
    (SELECT id, 1 FROM units WHERE parent_id IS NULL UNION ALL
     SELECT u.id, d.depth + 1 FROM units u JOIN d ON u.parent_id = d.id) SELECT max(depth) FROM d")" 4
expect_match "Chinese unit names" "$(q "$db" "SELECT group_concat(name) FROM units")" '市财政局|县财政局'
expect_eq "cadres sit in leaf units" "$(q "$db" "SELECT count(*) FROM users u WHERE login LIKE 'sim-%'
    AND EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.unit_id)")" 0

events=$(q "$db" "SELECT count(*) FROM events")
answers=$(q "$db" "SELECT count(*) FROM answers")
check "events in range ($events)" test "$events" -ge 15000 -a "$events" -le 200000
check "answers in range ($answers)" test "$answers" -ge 2000 -a "$answers" -le 100000
for kind in impression open progress complete dismiss; do
    n=$(q "$db" "SELECT count(*) FROM events WHERE kind = '$kind'")
    check "some $kind events ($n)" test "$n" -gt 0
done
expect_eq "history within the months before now" \
    "$(q "$db" "SELECT count(*) FROM events WHERE created_at < $now - 6 * $month OR created_at >= $now")" 0
expect_eq "impressions carry position and arm" \
    "$(q "$db" "SELECT count(*) FROM events WHERE kind = 'impression' AND (position IS NULL OR arm IS NULL)")" 0
expect_eq "an impression's arm is the cadre's" "$(q "$db" "SELECT count(*) FROM events e JOIN arms a
    ON a.user_id = e.user_id WHERE e.arm != a.arm")" 0
expect_eq "answers kept mastery consistent" "$(q "$db" "SELECT count(*) FROM (SELECT user_id FROM answers
    GROUP BY user_id) x WHERE NOT EXISTS (SELECT 1 FROM learner_ability l WHERE l.user_id = x.user_id
    AND l.answers = (SELECT count(*) FROM answers a WHERE a.user_id = x.user_id))")" 0
check "reviews scheduled" test "$(q "$db" "SELECT count(*) FROM reviews")" -gt 100
spread=$(q "$db" "SELECT round(max(value) - min(value), 2) FROM mastery WHERE answers >= 5")
check "mastery varies across cadres (spread $spread)" awk -v s="$spread" 'BEGIN { exit !(s >= 0.3) }'
pass_rate=$(q "$db" "SELECT round(avg(correct), 3) FROM answers")
check "quiz pass rate plausible ($pass_rate)" awk -v s="$pass_rate" 'BEGIN { exit !(s >= 0.7 && s <= 0.97) }'

# Completion rate: distinct (cadre, item) pairs pushed, and of them those completed later.
rates=$(q "$db" "WITH pushed AS (SELECT user_id, item_id, arm, min(created_at) AS first FROM events
      WHERE kind = 'impression' GROUP BY user_id, item_id)
    SELECT arm, round(1.0 * sum(EXISTS (SELECT 1 FROM events c WHERE c.user_id = p.user_id
      AND c.item_id = p.item_id AND c.kind = 'complete' AND c.created_at >= p.first)) / count(*), 4)
    FROM pushed p GROUP BY arm ORDER BY arm")
echo "completion rates: $(echo $rates)"
personalised=$(sed -n 's/^personalised|//p' <<<"$rates")
control_rate=$(sed -n 's/^control|//p' <<<"$rates")
check "personalised completes more of what it is pushed ($personalised) than control ($control_rate)" \
    awk -v p="$personalised" -v c="$control_rate" 'BEGIN { exit !(p > c && c > 0) }'

# Participation by 30-day month: cadres with an event other than an impression ÷ the unit's cadres.
low=$(q "$db" "WITH months(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM months WHERE m < 5),
    sizes AS (SELECT unit_id, count(*) AS n FROM users WHERE login LIKE 'sim-%' GROUP BY unit_id),
    active AS (SELECT u.unit_id, (e.created_at - ($now - 6 * $month)) / $month AS m,
      count(DISTINCT e.user_id) AS a FROM events e JOIN users u ON u.id = e.user_id
      WHERE e.kind != 'impression' GROUP BY 1, 2),
    rate AS (SELECT s.unit_id, months.m, 1.0 * coalesce(a.a, 0) / s.n AS r FROM sizes s CROSS JOIN months
      LEFT JOIN active a ON a.unit_id = s.unit_id AND a.m = months.m)
    SELECT count(DISTINCT x.unit_id) FROM rate x JOIN rate y ON y.unit_id = x.unit_id AND y.m = x.m + 1
    WHERE x.r < 0.6 AND y.r < 0.6")
check "some unit under 60% participation two months running ($low units)" test "$low" -ge 1
inactive=$(q "$db" "SELECT count(*) FROM users u WHERE login LIKE 'sim-%'
    AND EXISTS (SELECT 1 FROM events e WHERE e.user_id = u.id)
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.user_id = u.id AND e.created_at >= $now - $month)")
check "some cadres active once, then not for 30 days ($inactive)" test "$inactive" -ge 1
lagging_pass=$(q "$db" "SELECT round(min(r), 3) FROM (SELECT avg(a.correct) AS r FROM answers a
    JOIN users u ON u.id = a.user_id GROUP BY u.unit_id HAVING count(*) >= 50)")
check "some unit's pass rate under 80% ($lagging_pass)" awk -v s="$lagging_pass" 'BEGIN { exit !(s < 0.8) }'

# ----------------------------------------------------------- a model on it
if "$train" run --db "$db" --model "$work/model.qfm" >"$work/train.out" 2>"$work/train.err"; then
    pass
else
    fail "qingfeng-train run: $(tail -n 3 "$work/train.err")"
fi
expect_eq "the trained model is promoted" "$(q "$db" "SELECT status FROM model_runs ORDER BY id DESC LIMIT 1")" promoted
beats=$(q "$db" "SELECT json_extract(metrics, '$.decision.candidate') > json_extract(metrics, '$.decision.popularity')
    FROM model_runs ORDER BY id DESC LIMIT 1")
expect_eq "the model's nDCG@10 beats popularity's" "$beats" 1
check "model file written" test -s "$work/model.qfm"

# ----------------------------------------------------------- the demo simulates once
run_admin 0 --db "$work/demo.db" demo --content "$corpus" --simulate
expect_match "demo with a simulated cohort" "$OUT" 'simulated 300 cadres'
run_admin 0 --db "$work/demo.db" demo --content "$corpus" --simulate
expect_eq "the demo simulates once" "$(q "$work/demo.db" "SELECT count(*) FROM users WHERE login LIKE 'sim-%'")" 300
expect_eq "demo accounts untouched" "$(q "$work/demo.db" "SELECT count(*) FROM users WHERE login LIKE 'demo-%'")" 4
expect_eq "the supervisor's unit holds the cohort" "$(q "$work/demo.db" "WITH RECURSIVE sub(id) AS
    (SELECT unit_id FROM users WHERE login = 'demo-supervisor' UNION ALL
     SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
    SELECT count(*) FROM users WHERE login LIKE 'sim-%' AND unit_id IN (SELECT id FROM sub)")" 300

test_done
