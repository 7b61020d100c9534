#!/usr/bin/env bash
# test-access-matrix.sh — every endpoint called as anonymous, cadre, editor,
# supervisor in and out of scope, and admin, each answer checked against
# tests/integration/access-matrix.tsv; the table must cover every route of
# fcgi/routes.c, and every refusal of a signed-in caller is in the audit log.
. "$top_srcdir/tests/lib.sh"

table="$top_srcdir/tests/integration/access-matrix.tsv"
stack_start 2 6000r/m
q() { sqlite3 "$DB" "$1"; }

# The table and the routing table name the same routes.
grep -oE '\{ METHOD_[A-Z]+, "[^"]+"' "$top_srcdir/fcgi/routes.c" |
    sed -E 's/\{ METHOD_([A-Z]+), "([^"]+)"/\1\t\2/' | sort >"$work/routes"
grep -v '^#' "$table" | awk -F'\t' 'NF { print $1 "\t" $2 }' | sort >"$work/rows"
expect_eq "every route has a row" "$(comm -23 "$work/routes" "$work/rows" | tr '\t\n' ' ;')" ""
expect_eq "every row is a route" "$(comm -13 "$work/routes" "$work/rows" | tr '\t\n' ' ;')" ""

# A supervisor of a county unit that holds none of the targets below.
root=$(q "SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1")
county=$("$top_builddir/qingfeng-admin" --db "$DB" add-unit --name 某县纪委 --parent "$root")
printf 'qingfeng-demo' | "$top_builddir/qingfeng-admin" --db "$DB" add-user --login sup-county \
    --name 县纪委监督员 --role supervisor --unit "$county" >/dev/null || fail "add sup-county"

# The targets: a published item and question, a cadre and their unit, a
# scratch item and question for publish and retire, and a campaign.
declare -A value
value[item]=$(q "SELECT id FROM items WHERE status = 'published' ORDER BY id LIMIT 1")
value[question]=$(q "SELECT q.id FROM questions q JOIN items i ON i.id = q.item_id
    WHERE q.status = 'published' AND i.status = 'published' ORDER BY q.id LIMIT 1")
value[cadre]=$(q "SELECT id FROM users WHERE login = 'demo-cadre'")
value[unit]=$(q "SELECT unit_id FROM users WHERE login = 'demo-cadre'")
value[scratch]=$(q "SELECT id FROM items WHERE status = 'published' ORDER BY id DESC LIMIT 1")
value[scratch_question]=$(q "SELECT id FROM questions WHERE status = 'published' ORDER BY id DESC LIMIT 1")
# A campaign for the cadre's unit, made by the editor.
login demo-editor
send_json POST /api/editor/campaigns "$(jq -cn --argjson item "${value[item]}" --argjson unit "${value[unit]}" \
    --arg start "$(date +%F)" --arg deadline "$(date -d '+7 days' +%F)" \
    '{title:"新规学习",items:[$item],target:{units:[$unit]},start:$start,deadline:$deadline}')"
expect_eq "a campaign to call on" "$STATUS" 201
value[campaign]=$(jq -r .id <<<"$BODY")
check "demo-cadre is outside the county" test "$(q "SELECT count(*) FROM units WHERE id = ${value[unit]} AND parent_id = $county")" = 0

callers=(anon cadre editor sup_in sup_out admin)
declare -A login_of=([cadre]=demo-cadre [editor]=demo-editor [sup_in]=demo-supervisor
    [sup_out]=sup-county [admin]=demo-admin)
declare -A jar csrf
# session CALLER [TAG]: signs CALLER in (a separate session per TAG).
session() {
    login "${login_of[$1]}" || return 1
    mv "$COOKIES" "$work/jar-$1${2:-}"
    jar[$1${2:-}]="$work/jar-$1${2:-}"
    csrf[$1${2:-}]=$CSRF
}
for caller in "${callers[@]}"; do
    [ "$caller" = anon ] || session "$caller"
done

# call CALLER METHOD PATH BODY [TAG]: sets STATUS (BODY "-": none).
call() {
    local args=(-s -o "$work/body" -w '%{http_code}' -X "$2")
    if [ "$1" != anon ]; then
        args+=(-b "${jar[$1${5:-}]}" -H "X-CSRF-Token: ${csrf[$1${5:-}]}")
    fi
    [ "$2" = GET ] || [ "$4" = - ] || args+=(-H 'Content-Type: application/json' --data-binary "$4")
    STATUS=$(curl "${args[@]}" "$BASE_URL$3")
}

cells=0 refusals=0
printf '%-7s %-44s' method path >"$work/matrix"
printf ' %8s' "${callers[@]}" >>"$work/matrix"
echo >>"$work/matrix"
while IFS=$'\t' read -r method pattern path expected_line; do
    case $method in ''|'#'*) continue ;; esac
    read -ra expected <<<"$expected_line"
    body=${expected[6]:-'{}'}
    for name in "${!value[@]}"; do path=${path//\{$name\}/${value[$name]}}; done
    printf '%-7s %-44s' "$method" "$path" >>"$work/matrix"
    for j in "${!callers[@]}"; do
        caller=${callers[$j]} want=${expected[$j]}
        # Logging out ends the session: that row gets sessions of its own.
        tag=
        if [ "$pattern" = /api/logout ] && [ "$caller" != anon ]; then
            tag=-logout
            session "$caller" "$tag"
        fi
        call "$caller" "$method" "$path" "$body" "$tag"
        cells=$((cells + 1))
        printf ' %8s' "$STATUS" >>"$work/matrix"
        case $want in
            ok) checks=$((checks + 1))
                if [ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || [ "$STATUS" -ge 500 ]; then
                    fail "$caller $method $path: expected to be allowed, got $STATUS: $(head -c 200 "$work/body")"
                fi ;;
            *) expect_eq "$caller $method $path" "$STATUS" "$want" ;;
        esac
        [ "$want" = 403 ] && [ "$caller" != anon ] && refusals=$((refusals + 1))
    done
    echo >>"$work/matrix"
done <"$table"
cat "$work/matrix"
rows=$(grep -vc '^#' "$table")
echo "access matrix: $rows routes x ${#callers[@]} callers = $cells cells"
expect_eq "every cell called" "$cells" $((rows * ${#callers[@]}))

# Each refusal of a signed-in caller was audited (by the router or the scope check).
audited=$(q "SELECT count(*) FROM audit_log WHERE action IN ('authz.refused', 'scope.refused')")
expect_eq "every refusal is in the audit log" "$audited" "$refusals"

test_done
