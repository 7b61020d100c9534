# supervisor-lib.sh — shared by the test-supervisor-*.sh tests (sourced after
# tests/lib.sh): the stack with a simulated cohort at a fixed "now", the
# independent checker (supervisor-expected.py, straight from the raw
# tables with the sqlite3 CLI) and a few look-ups.

require_program sqlite3 sqlite3 sqlite3
# Debian's python3 (python3-openpyxl lives there), whatever python3 comes first in PATH.
PYTHON=${PYTHON:-/usr/bin/python3}
require_program python3 "$PYTHON" python3
expected="$top_srcdir/tests/integration/supervisor-expected.py"
admin="$top_builddir/qingfeng-admin"

# A fixed end of history (2026-11-23 00:00 CST): the cohort's six months end here.
sim_now=1795363200

# sv_start: the stack, with a simulated cohort of 300 cadres in its database.
sv_start() {
    stack_start
    "$admin" --db "$DB" simulate --seed 3 --now "$sim_now" >"$work/simulate.log" 2>&1 ||
        { cat "$work/simulate.log" >&2; echo "FAIL: simulate" >&2; exit 1; }
}

q() { sqlite3 "$DB" "$1"; }

unit_id() { q "SELECT id FROM units WHERE name = '$1'"; }

# get PATH: a GET as the signed-in user; STATUS and BODY, and the body in $work/reply.json.
get() {
    request GET "$1" "${AUTH[@]}"
    printf '%s' "$BODY" >"$work/reply.json"
}

# expect_figures KIND ARGS...: the last reply against supervisor-expected.py KIND DB ARGS... reply.
expect_figures() {
    local kind=$1 out
    shift
    checks=$((checks + 1))
    if ! out=$("$PYTHON" "$expected" "$kind" "$DB" "$@" "$work/reply.json" 2>&1); then
        fail "$kind $*: the API disagrees with the raw tables:
$out"
        return 1
    fi
}
