#!/usr/bin/env bash
# test-admin-cli.sh — qingfeng-admin initialises and migrates, creates units
# and users, and answers bad arguments with the usage and exit status 2.
. "$top_srcdir/tests/lib.sh"

admin="$top_builddir/qingfeng-admin"
db="$work/admin.db"

# run_admin EXPECTED_STATUS ARGS...: runs it, keeps stdout in OUT and stderr in ERR.
run_admin() {
    local expected=$1
    shift
    OUT=$("$admin" "$@" 2>"$work/stderr" <"${ADMIN_STDIN:-/dev/null}")
    local status=$?
    ERR=$(cat "$work/stderr")
    expect_eq "qingfeng-admin $* → exit status" "$status" "$expected"
}

run_admin 2
expect_match "no arguments: usage" "$ERR" '^qingfeng-admin: no command given'
run_admin 2 --db "$db"
run_admin 2 init
expect_match "missing --db" "$ERR" 'db PATH is required'
run_admin 2 --db "$db" frobnicate
expect_match "unknown command" "$ERR" "unknown command 'frobnicate'"
expect_match "usage printed" "$ERR" 'usage: qingfeng-admin'
run_admin 2 --bogus
run_admin 0 --help
expect_match "help on stdout" "$OUT" 'usage: qingfeng-admin'

run_admin 0 --db "$db" init
latest=$OUT
check "init prints the schema version" test "$latest" -ge 1
run_admin 0 --db "$db" init
expect_eq "init again is a no-op" "$OUT" "$latest"
run_admin 0 --db "$db" schema-version
expect_eq "schema-version" "$OUT" "$latest (this program: $latest)"
expect_eq "WAL mode" "$(sqlite3 "$db" 'PRAGMA journal_mode')" wal
run_admin 1 --db "$work/absent.db" schema-version
expect_match "absent database" "$ERR" 'cannot open'
echo "just text, not a database at all, long enough to be read as a header ......................" >"$work/notes.db"
run_admin 1 --db "$work/notes.db" init
expect_match "foreign file refused" "$ERR" 'not a database'

run_admin 0 --db "$db" load-tags "$top_srcdir/content/corpus/tags.jsonl"
expect_match "tags loaded" "$OUT" '^[0-9]+ tags loaded$'
printf '{"code":"risk.x","kind":"risk","label":"甲"}\n{"code":"bad","kind":"risk","label":"乙"}\n' >"$work/bad-tags.jsonl"
run_admin 1 --db "$db" load-tags "$work/bad-tags.jsonl"
expect_match "bad tag line reported with its number" "$ERR" 'bad-tags.jsonl:2:'
expect_eq "bad tag file loads nothing" "$(sqlite3 "$db" "SELECT count(*) FROM tags WHERE code = 'risk.x'")" 0
run_admin 2 --db "$db" load-tags

run_admin 0 --db "$db" add-unit --name 某省纪委监委
root=$OUT
run_admin 0 --db "$db" add-unit --name 某市 --parent "$root"
city=$OUT
run_admin 1 --db "$db" add-unit --name 某县 --parent 9999
expect_match "missing parent" "$ERR" 'parent_id'
run_admin 2 --db "$db" add-unit --name 某县 --parent abc
run_admin 2 --db "$db" add-unit

echo 'a long enough password' >"$work/pw"
run_admin 0 --db "$db" add-user --login zhang.san --name 张三 --role cadre --unit "$city" \
    --category grassroots --industry industry.finance --risk risk.credit_approval --password-file "$work/pw"
user=$OUT
expect_eq "risk stored" "$(sqlite3 "$db" "SELECT tag_code FROM user_risks WHERE user_id = $user")" risk.credit_approval
expect_match "argon2id hash stored" "$(sqlite3 "$db" "SELECT password_hash FROM users WHERE id = $user")" '^\$argon2id\$'
ADMIN_STDIN="$work/pw" run_admin 1 --db "$db" add-user --login zhang.san --name 张三 --role cadre --unit "$city"
expect_match "duplicate login" "$ERR" '已被使用'
ADMIN_STDIN="$work/pw" run_admin 1 --db "$db" add-user --login li.si --name 李四 --role boss --unit "$city"
expect_match "bad role" "$ERR" 'role'
run_admin 2 --db "$db" add-user --login li.si --name 李四 --role cadre
expect_match "missing --unit" "$ERR" 'needs --login, --name, --role and --unit'
run_admin 1 --db "$db" add-user --login li.si --name 李四 --role cadre --unit "$city"
expect_match "no password" "$ERR" 'no password'

run_admin 0 --db "$db" demo --content "$top_srcdir/content/corpus"
run_admin 0 --db "$db" demo --content "$top_srcdir/content/corpus"
expect_eq "demo accounts, once each" "$(sqlite3 "$db" "SELECT count(*) FROM users WHERE login LIKE 'demo-%'")" 4
run_admin 2 --db "$db" demo

test_done
