#!/usr/bin/env bash
# test-supervisor-scope.sh — a supervisor sees exactly their unit's tree:
# a supervisor at a county (qingfeng-admin add-user) gets their county by
# default, with the raw tables' figures; every endpoint refuses a unit or
# a person outside it with 403, and the attempt is in the audit log; every
# read of a person's record is audited; an admin sees everything.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/supervisor-lib.sh"

sv_start
county=$(unit_id 兰溪县)
other=$(unit_id 青石县)
province=$(unit_id 某省纪委监委)
printf 'county-pass-1\n' | "$admin" --db "$DB" add-user --login county-sup --name 县监督员 \
    --role supervisor --unit "$county" >"$work/add.out" 2>&1
check "add-user: a supervisor at the county" test -s "$work/add.out"
sup_id=$(q "SELECT id FROM users WHERE login = 'county-sup'")
inside=$(q "WITH RECURSIVE s(id) AS (SELECT $county UNION SELECT u.id FROM units u JOIN s ON u.parent_id = s.id)
    SELECT min(id) FROM users WHERE role = 'cadre' AND unit_id IN (SELECT id FROM s)")
outside=$(q "WITH RECURSIVE s(id) AS (SELECT $other UNION SELECT u.id FROM units u JOIN s ON u.parent_id = s.id)
    SELECT min(id) FROM users WHERE role = 'cadre' AND unit_id IN (SELECT id FROM s)")
check "cadres on both sides ($inside, $outside)" test -n "$inside" -a -n "$outside"

login county-sup county-pass-1
get "/api/supervisor/overview?from=2026-05-01&to=2026-11-22"
expect_eq "default unit: their county" "$(jq .unit.id <<<"$BODY")" "$county"
expect_figures overview "$county" 2026-05-01 2026-11-22 -
get "/api/supervisor/people?per_page=500&from=2026-05-01&to=2026-11-22"
expect_figures people "$county" 2026-05-01 2026-11-22
get "/api/supervisor/warnings?from=2026-05-01&to=2026-11-22&limit=100000"
expect_figures warnings "$county" 2026-05-01 2026-11-22
get "/api/supervisor/lift?from=2026-05-01&to=2026-11-22"
expect_eq "lift within the county" "$STATUS" 200
expect_figures lift "$county" 2026-05-01 2026-11-22

refusals() {
    q "SELECT count(*) FROM audit_log WHERE action = 'scope.refused' AND actor_id = $sup_id
        AND target_kind = '$1' AND target_id = $2"
}
for path in overview lift warnings people; do
    for unit in "$other" "$province"; do
        before=$(refusals unit "$unit")
        get "/api/supervisor/$path?unit=$unit"
        expect_json_error "$path?unit=$unit outside the county" 403 out_of_scope
        expect_eq "$path?unit=$unit: the attempt audited" "$(refusals unit "$unit")" $((before + 1))
    done
done
get "/api/supervisor/overview?unit=$other&format=csv"
expect_eq "an export outside refused too" "$STATUS" 403

get "/api/supervisor/people/$outside"
expect_json_error "a person outside the county" 403 out_of_scope
expect_eq "the person refused is audited" "$(refusals user "$outside")" 1
get "/api/supervisor/people/99999999"
expect_json_error "an unknown person looks the same" 403 out_of_scope

reads() { q "SELECT count(*) FROM audit_log WHERE action = 'supervisor.person.read' AND actor_id = $1 AND target_id = $2"; }
get "/api/supervisor/people/$inside"
expect_eq "a person inside" "$STATUS" 200
expect_eq "the record is theirs" "$(jq .person.id <<<"$BODY")" "$inside"
expect_eq "the read is audited" "$(reads "$sup_id" "$inside")" 1
get "/api/supervisor/people/$inside"
expect_eq "every read is audited" "$(reads "$sup_id" "$inside")" 2

# Nothing of the other county in what the county supervisor is given.
get "/api/supervisor/people?per_page=500"
expect_eq "no one from outside in the list" "$(jq "[.people[] | select(.id == $outside)] | length" <<<"$BODY")" 0
get "/api/supervisor/warnings?limit=100000"
leak=$(jq -r '.warnings[].unit_id' <<<"$BODY" | sort -u | while read -r u; do
    q "WITH RECURSIVE up(id) AS (SELECT $u UNION SELECT parent_id FROM units JOIN up ON units.id = up.id
        WHERE parent_id IS NOT NULL) SELECT count(*) FROM up WHERE id = $county" | grep -qx 0 && echo "$u"
done)
expect_eq "warnings only about the county's units" "$leak" ""

# The admin sees every unit, and both people.
login demo-admin
get "/api/supervisor/overview?from=2026-05-01&to=2026-11-22"
expect_eq "admin: the whole tree" "$(jq .unit.id <<<"$BODY")" "$province"
expect_figures overview "$province" 2026-05-01 2026-11-22 -
get "/api/supervisor/people/$outside"
expect_eq "admin: any person" "$STATUS" 200
get "/api/supervisor/overview?unit=$other"
expect_eq "admin: any unit" "$STATUS" 200

test_done
