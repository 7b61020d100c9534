#!/usr/bin/env bash
# test-admin-train.sh — an admin starts a training run over HTTP: the run is
# recorded, qingfeng-train trains from the database's events, promotes the
# model, and the running workers serve it without a restart. A run while
# one holds the lock is refused; only admins may train or list runs. The
# app serves only signed models: the training it starts signs with its key.
. "$top_srcdir/tests/lib.sh"

mkdir -p "$work/models"
model="$work/models/model.qfm"
"$top_builddir/qingfeng-train" keygen --out "$work/signing" >/dev/null || fail "keygen"
STACK_MODEL=$model STACK_MODEL_KEY="$work/signing.pub" STACK_TRAIN_SIGNING_KEY="$work/signing.key" \
    stack_start 2 600r/m
q() { sqlite3 "$DB" "$1"; }

# A cohort with structure: 120 cadres in three groups, each completing items
# of its own third of the library over the last 60 days.
unit=$(q "SELECT unit_id FROM users WHERE login = 'demo-cadre'")
awk -v unit="$unit" 'BEGIN {
    srand(7); now = systime();
    print "BEGIN;";
    for (u = 1; u <= 120; u++)
        printf "INSERT INTO users(login, password_hash, name, role, unit_id, category) VALUES (%s, %s, %s, %s, %d, %s);\n",
            "'\''cohort-" u "'\''", "'\''x'\''", "'\''学员'\''", "'\''cadre'\''", unit, "'\''grassroots'\''";
    print "COMMIT;";
}' | sqlite3 "$DB"
awk -v first="$(q "SELECT min(id) FROM users WHERE login LIKE 'cohort-%'")" 'BEGIN {
    srand(11); now = systime();
    print "BEGIN;";
    for (u = 0; u < 120; u++) {
        g = u % 3;
        for (j = 0; j < 12; j++) {
            item = 3 * int(rand() * 50) + g + 1;
            t = now - int(rand() * 60 * 86400);
            printf "INSERT INTO events(user_id, item_id, kind, created_at) VALUES (%d, %d, %s, %d);\n",
                first + u, item, "'\''complete'\''", t;
        }
    }
    print "COMMIT;";
}' | sqlite3 "$DB"
check "cohort events stored" test "$(q "SELECT count(*) FROM events WHERE kind = 'complete'")" -ge 1400

request GET /api/health
expect_eq "no model before training" "$(jq -c .model <<<"$BODY")" null

login demo-cadre
request POST /api/admin/train "${AUTH[@]}"
expect_json_error "a cadre cannot train" 403 forbidden
request GET /api/admin/model-runs "${AUTH[@]}"
expect_json_error "nor list runs" 403 forbidden

login demo-admin
request POST /api/admin/train "${AUTH[@]}"
expect_eq "training accepted" "$STATUS" 202
run=$(jq -r .run_id <<<"$BODY")
check "a run id" test "$run" -ge 1

# The run ends promoted; wait for it (a loaded machine may be slow).
status=running
for _ in $(seq 1 240); do
    request GET /api/admin/model-runs "${AUTH[@]}"
    status=$(jq -r --argjson r "$run" '.runs[] | select(.id == $r) | .status' <<<"$BODY")
    [ "$status" != running ] && break
    sleep 0.25
done
expect_eq "run promoted" "$status" promoted
runs=$BODY
version=$(jq -r --argjson r "$run" '.runs[] | select(.id == $r) | .model_version' <<<"$runs")
expect_match "the run names the model version" "$version" '^[0-9a-f]{16}$'
expect_eq "the run was manual" "$(jq -r --argjson r "$run" '.runs[] | select(.id == $r) | .trigger' <<<"$runs")" manual
check "the run records metrics beating popularity" test "$(jq --argjson r "$run" \
    '.runs[] | select(.id == $r) | .metrics.model.ndcg_at_10 > .metrics.popularity.ndcg_at_10' <<<"$runs")" = true
expect_match "times are ISO 8601" "$(jq -r --argjson r "$run" '.runs[] | select(.id == $r) | .finished' <<<"$runs")" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
expect_eq "the run is audited" "$(q "SELECT count(*) FROM audit_log WHERE action = 'model.train' AND target_id = $run")" 1

# The workers take the promoted model without a restart.
served=none
for _ in $(seq 1 100); do
    served=$(curl -s "$BASE_URL/api/health" | jq -r '.model.version // "none"')
    [ "$served" = "$version" ] && break
    sleep 0.1
done
expect_eq "health serves the promoted model" "$served" "$version"
# Health proves one worker has it; each worker looks again within 500 ms of its last look.
login demo-cadre
feed_model() { request GET /api/feed "${AUTH[@]}"; jq -r .model_version <<<"$BODY"; }
expect_eventually "the feed names the model" "$version" feed_model
sleep 0.6
expect_eq "every worker's feed names it" "$(for _ in 1 2 3 4 5 6; do feed_model; done | sort -u)" "$version"

# While a trainer holds the lock, another run is refused.
login demo-admin
exec 9>"$model.lock"
flock 9
request POST /api/admin/train "${AUTH[@]}"
expect_json_error "a second run while one is going" 409 training_in_progress
exec 9>&-

request GET '/api/admin/model-runs?limit=0' "${AUTH[@]}"
expect_json_error "limit 0" 400 bad_query

test_done
