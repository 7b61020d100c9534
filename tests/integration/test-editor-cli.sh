#!/usr/bin/env bash
# test-editor-cli.sh — the content commands of qingfeng-admin: demo loads the
# starter corpus once (running it again adds nothing), content-stats counts
# every discipline, risk area and category, load-content is all or nothing
# and names each bad line as FILE:LINE: field: reason, export-content writes
# what load-content reads.
. "$top_srcdir/tests/lib.sh"

admin="$top_builddir/qingfeng-admin"
db="$work/cli.db"
corpus="$top_srcdir/content/corpus"

# run_admin EXPECTED_STATUS ARGS...: keeps stdout in OUT and stderr in ERR.
run_admin() {
    local expected=$1
    shift
    OUT=$("$admin" "$@" 2>"$work/stderr")
    local status=$?
    ERR=$(cat "$work/stderr")
    expect_eq "qingfeng-admin $* → exit status" "$status" "$expected"
}

# --- the demo loads the corpus, once
run_admin 0 --db "$db" demo --content "$corpus"
expect_match "demo: corpus loaded" "$OUT" '152 items and 469 questions loaded'
run_admin 0 --db "$db" demo --content "$corpus"
expect_eq "demo again: nothing added" "$(sqlite3 "$db" 'SELECT count(*) FROM items')" 152
expect_eq "demo: audited as the command line" \
    "$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action = 'content.import' AND actor_role = 'cli'")" 1

# --- counts by discipline, risk area and category, all non-zero
run_admin 0 --db "$db" content-stats
expect_match "stats: totals" "$OUT" '^items 152 \(cases 70, lessons 82, published 152, untagged 0\), questions 469'
for kind in discipline risk category; do
    lines=$(sed -n "/^$kind:/,/^[a-z]*:$/p" <<<"$OUT" | grep '^  ')
    expect_eq "stats: $kind listed" "$(grep -c . <<<"$lines")" \
        "$(sqlite3 "$db" "SELECT count(*) FROM tags WHERE kind = '$kind'")"
    expect_eq "stats: every $kind used" "$(grep -c 'items    0' <<<"$lines")" 0
done
expect_match "stats: a line" "$OUT" 'risk.tendering +items +[1-9][0-9]* +questions +[1-9][0-9]* +招投标'

# --- load-content: a bad line anywhere and nothing goes in
good="$work/good.jsonl"
bad="$work/bad.jsonl"
head -n 3 "$corpus/lessons.jsonl" | jq -c '.title = "CLI：" + .title' > "$good"
{ head -n 2 "$good"; echo '{"kind":"lesson","title":"负学时","minutes":-1}'; echo; echo '{oops'; } > "$bad"
run_admin 1 --db "$db" load-content "$good" "$bad"
expect_match "bad line 3 named" "$ERR" "$bad:3: minutes: "
expect_match "bad line 5 named" "$ERR" "$bad:5: json: "
expect_match "nothing loaded" "$ERR" '2 bad lines: nothing loaded'
expect_eq "library unchanged" "$(sqlite3 "$db" 'SELECT count(*) FROM items')" 152
run_admin 1 --db "$db" load-content "$work/absent.jsonl"
expect_match "absent file" "$ERR" 'cannot open'
run_admin 2 --db "$db" load-content
expect_match "no file" "$ERR" 'load-content takes one or more FILEs'
run_admin 0 --db "$db" load-content "$good"
expect_eq "good file loaded" "$OUT" '3 items and 9 questions loaded'
expect_eq "good file: in the library" "$(sqlite3 "$db" "SELECT count(*) FROM items WHERE title LIKE 'CLI：%'")" 3

# --- export-content writes what load-content reads
run_admin 0 --db "$db" export-content --kind lesson
expect_eq "export: lessons only" "$(jq -r .kind <<<"$OUT" | sort -u)" lesson
expect_eq "export: every lesson" "$(grep -c . <<<"$OUT")" "$(sqlite3 "$db" "SELECT count(*) FROM items WHERE kind = 'lesson'")"
run_admin 2 --db "$db" export-content extra-argument

test_done
