#!/usr/bin/env bash
# test-supervisor-rollups.sh — the rollups of migration 6 stay exact: after
# a simulated cohort, after events and answers written out of order, after
# users move unit or category or are disabled, after an item's minutes
# change, every table (pushes, cells, completion days, quizzes) equals the
# same recomputed from events, answers, users and items
# (supervisor-rollups.sql prints each table's differing rows: all 0). A
# database migrated from version 5 with rows in it is backfilled the same.
# No server needed.
. "$top_srcdir/tests/lib.sh"

require_program sqlite3 sqlite3 sqlite3
admin="$top_builddir/qingfeng-admin"
verify="$top_srcdir/tests/integration/supervisor-rollups.sql"
db="$work/q.db"

# expect_exact WHAT: every line of the verification ends in |0.
expect_exact() {
    local out
    out=$(sqlite3 "$db" <"$verify")
    checks=$((checks + 1))
    if [ -z "$out" ] || grep -qv '|0$' <<<"$out"; then
        fail "$1: rollups differ from the raw tables:
$out"
    fi
}

"$admin" --db "$db" demo --content "$top_srcdir/content/corpus" --simulate >"$work/demo.log" 2>&1 ||
    { cat "$work/demo.log" >&2; fail "demo database"; test_done; }
check "a cohort to check" test "$(sqlite3 "$db" "SELECT count(*) FROM pushes")" -gt 1000
expect_exact "after the simulation"

# Out of order: an impression before a pair's first, completions before and after, a second
# completion on the same day and an earlier day, answers older than the first ones.
sqlite3 "$db" "
    WITH p AS (SELECT user_id, item_id, shown_at, done_at FROM pushes WHERE done_at IS NOT NULL LIMIT 5)
    INSERT INTO events(user_id, item_id, kind, created_at)
      SELECT user_id, item_id, 'impression', shown_at - 5 * 86400 FROM p
      UNION ALL SELECT user_id, item_id, 'complete', shown_at - 2 * 86400 FROM p
      UNION ALL SELECT user_id, item_id, 'complete', done_at + 60 FROM p
      UNION ALL SELECT user_id, item_id, 'complete', done_at - 40 * 86400 FROM p;
    WITH p AS (SELECT user_id, item_id, shown_at FROM pushes WHERE done_at IS NULL LIMIT 5)
    INSERT INTO events(user_id, item_id, kind, created_at)
      SELECT user_id, item_id, 'complete', shown_at + 3600 FROM p
      UNION ALL SELECT user_id, item_id, 'open', shown_at - 90 * 86400 FROM p;
    INSERT INTO answers(user_id, question_id, choice, correct, created_at)
      SELECT user_id, question_id, '[0]', 1 - correct, created_at - 86400 FROM answers
      WHERE id IN (SELECT min(id) FROM answers GROUP BY user_id LIMIT 10);
    INSERT INTO answers(user_id, question_id, choice, correct, created_at)
      SELECT user_id, question_id, '[0]', 1, created_at FROM answers
      WHERE id IN (SELECT max(id) FROM answers GROUP BY user_id LIMIT 10);"
expect_exact "after rows out of order"

sqlite3 "$db" "
    UPDATE users SET unit_id = (SELECT min(id) FROM units) WHERE role = 'cadre' AND id % 7 = 0;
    UPDATE users SET category = 'grassroots' WHERE id % 5 = 0;
    UPDATE users SET category = NULL WHERE id % 13 = 0;
    UPDATE users SET disabled = 1 WHERE id % 11 = 0;
    UPDATE users SET role = 'editor' WHERE id % 17 = 0 AND role = 'cadre';
    UPDATE items SET minutes = minutes + 3 WHERE id % 4 = 0;"
expect_exact "after users moved and items changed length"
sqlite3 "$db" "UPDATE users SET disabled = 0 WHERE id % 11 = 0; UPDATE users SET role = 'cadre' WHERE id % 17 = 0 AND role = 'editor';"
expect_exact "after they came back"

# A database at version 5 with history in it (later migrations' tables dropped too):
# migration 6 backfills the same tables.
sqlite3 "$db" "
    DROP TABLE pushes; DROP TABLE activity_days; DROP TABLE completion_days; DROP TABLE quizzes;
    DROP TABLE mastery_history; DROP TABLE push_cells; DROP TABLE active_cells; DROP TABLE quiz_cells;
    DROP TABLE hour_cells; DROP INDEX users_by_role_unit; DROP INDEX answers_by_user_question;
    DROP TRIGGER pushes_impression; DROP TRIGGER pushes_complete; DROP TRIGGER activity_days_event;
    DROP TRIGGER activity_days_answer; DROP TRIGGER quizzes_answer; DROP TRIGGER quizzes_answer_earlier; DROP TRIGGER mastery_history_insert;
    DROP TRIGGER mastery_history_update; DROP TRIGGER hour_cells_minutes; DROP TRIGGER cells_user_moves;
    DROP TABLE campaign_items; DROP TABLE campaign_questions; DROP TABLE campaign_targets;
    DROP TABLE campaigns; DROP TABLE evaluation_scores;
    DELETE FROM settings WHERE key = 'campaign_feed_slots' OR key LIKE 'evaluation_weight_%';
    DROP INDEX events_engagement;
    DROP TRIGGER catalogue_labels_insert; DROP TRIGGER catalogue_labels_update;
    DROP TRIGGER catalogue_labels_delete; DROP INDEX item_popularity_ranked;
    PRAGMA user_version = 5;"
"$admin" --db "$db" init >/dev/null 2>&1 || fail "init migrates the old database"
"$admin" --db "$work/fresh.db" init >/dev/null 2>&1
expect_eq "migrated to the latest version" "$(sqlite3 "$db" "PRAGMA user_version")" \
    "$(sqlite3 "$work/fresh.db" "PRAGMA user_version")"
expect_exact "after the backfill"
expect_eq "mastery history backfilled" "$(sqlite3 "$db" "SELECT count(DISTINCT user_id || tag_code) FROM mastery_history")" \
    "$(sqlite3 "$db" "SELECT count(*) FROM mastery")"

test_done
