#!/usr/bin/env bash
# test-auth.sh — login, sessions, CSRF, roles, throttling, the admin
# endpoints and their audit trail, through real nginx.
. "$top_srcdir/tests/lib.sh"

# nginx's own login limit is lifted here so the app's throttle can be seen.
stack_start 2 600r/m
audit_count() { sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = '$1'"; }

# --- anonymous
request GET /api/me
expect_json_error "anonymous /api/me" 401 unauthenticated
request POST /api/admin/users -H 'Content-Type: application/json' --data-binary '{}'
expect_json_error "anonymous admin call" 401 unauthenticated

# --- bad login bodies
request POST /api/login -H 'Content-Type: application/json' --data-binary '{"login":"demo-cadre"}'
expect_json_error "login without password" 400 missing_field
request POST /api/login -H 'Content-Type: application/json' --data-binary '{"login":"a","password":"b","x":1}'
expect_json_error "login with unknown field" 400 unknown_field
request POST /api/login -H 'Content-Type: application/json' --data-binary '{"login":"a","password":'
expect_json_error "login with broken JSON" 400 bad_json
request POST /api/login --data-binary 'login=a&password=b'
expect_json_error "login as a form" 415 unsupported_media_type
request POST /api/login -H 'Content-Type: application/json' --data-binary '{"login":7,"password":"b"}'
expect_json_error "login name not a string" 400 bad_field

# --- wrong password, unknown login: the same answer
try_login demo-cadre wrong-password
expect_json_error "wrong password" 401 invalid_credentials
try_login nobody-at-all qingfeng-demo
expect_json_error "unknown login" 401 invalid_credentials

# --- a cadre signs in
check "cadre login" login demo-cadre
expect_match "csrf token" "$CSRF" '^[0-9a-f]{64}$'
expect_eq "login reply user" "$(jq -c '.user | {login,role}' <<<"$BODY")" '{"login":"demo-cadre","role":"cadre"}'
cookie_line=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    --data-binary '{"login":"demo-cadre","password":"qingfeng-demo"}' "$BASE_URL/api/login" | grep -i '^Set-Cookie:' | tail -n 1)
expect_match "cookie is HttpOnly" "$cookie_line" 'HttpOnly'
expect_match "cookie is SameSite=Strict" "$cookie_line" 'SameSite=Strict'
expect_match "cookie path" "$cookie_line" 'Path=/'
expect_match "token is 256 bits, base64url" "$cookie_line" 'qf_session=[A-Za-z0-9_-]{43};'
expect_eq "no token stored in clear" "$(sqlite3 "$DB" "SELECT count(*) FROM sessions WHERE length(token_hash) != 32")" 0

request GET /api/me "${AUTH[@]}"
expect_eq "/api/me as cadre" "$STATUS" 200
expect_eq "me: role, category, industry" "$(jq -c '[.role,.category,.industry]' <<<"$BODY")" '["cadre","middle","industry.construction"]'
expect_eq "me: risks" "$(jq -c .risks <<<"$BODY")" '["risk.procurement","risk.tendering"]'
expect_match "me: arm" "$(jq -r .arm <<<"$BODY")" '^(personalised|control)$'
arm=$(jq -r .arm <<<"$BODY")
request GET /api/me "${AUTH[@]}"
expect_eq "arm assigned once" "$(jq -r .arm <<<"$BODY")" "$arm"
expect_eq "arm stored once" "$(sqlite3 "$DB" "SELECT count(*) FROM arms")" 1

# --- CSRF and roles
request POST /api/logout -b "$COOKIES"
expect_json_error "logout without CSRF token" 403 csrf_failed
request POST /api/logout -b "$COOKIES" -H "X-CSRF-Token: $(printf '0%.0s' $(seq 64))"
expect_json_error "logout with a wrong CSRF token" 403 csrf_failed
send_json POST /api/admin/units '{"name":"越权单位"}'
expect_json_error "cadre creating a unit" 403 forbidden
check "refusals audited" test "$(audit_count authz.refused)" -ge 3

# --- logout ends the session
old_cookies=$(cat "$COOKIES")
request POST /api/logout "${AUTH[@]}"
expect_eq "logout" "$STATUS" 204
printf '%s\n' "$old_cookies" >"$work/old-jar"
request GET /api/me -b "$work/old-jar"
expect_json_error "session ended by logout" 401 unauthenticated

# --- a new token at every login; the browser's old session ends
login demo-editor
first=$(grep qf_session "$COOKIES" | awk '{print $7}')
cp "$COOKIES" "$work/first-jar"
login_again_jar=$COOKIES
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -b "$login_again_jar" -c "$login_again_jar" \
    -H 'Content-Type: application/json' --data-binary '{"login":"demo-editor","password":"qingfeng-demo"}' \
    "$BASE_URL/api/login")
second=$(grep qf_session "$login_again_jar" | awk '{print $7}')
check "token changes at login" test -n "$second" -a "$first" != "$second"
request GET /api/me -b "$work/first-jar"
expect_json_error "the earlier session ended at the new login" 401 unauthenticated

# --- idle timeout, disabled account
login demo-supervisor
sqlite3 "$DB" "UPDATE sessions SET last_seen_at = unixepoch() - 3*3600 WHERE user_id = (SELECT id FROM users WHERE login = 'demo-supervisor')"
request GET /api/me "${AUTH[@]}"
expect_json_error "idle session ended" 401 unauthenticated
login demo-supervisor
sqlite3 "$DB" "UPDATE sessions SET expires_at = unixepoch() - 1 WHERE user_id = (SELECT id FROM users WHERE login = 'demo-supervisor')"
request GET /api/me "${AUTH[@]}"
expect_json_error "session past its absolute limit" 401 unauthenticated

# --- the admin creates units and users
check "admin login" login demo-admin
send_json POST /api/admin/units '{"name":"某县纪委监委","parent_id":1}'
expect_eq "create unit" "$STATUS" 201
unit=$(jq -r .id <<<"$BODY")
send_json POST /api/admin/units '{"name":"孤儿","parent_id":9999}'
expect_json_error "unit under a missing parent" 422 invalid_field
expect_match "names the field" "$(jq -r .error.message <<<"$BODY")" '^parent_id'
send_json POST /api/admin/users "$(jq -cn --argjson u "$unit" '{login:"wang.wu",password:"a long password",name:"王五",role:"cadre",unit_id:$u,category:"grassroots",industry:"finance",risks:["risk.credit_approval"]}')"
expect_eq "create user" "$STATUS" 201
send_json POST /api/admin/users "$(jq -cn --argjson u "$unit" '{login:"wang.wu",password:"a long password",name:"王五",role:"cadre",unit_id:$u}')"
expect_json_error "duplicate login" 422 invalid_field
send_json POST /api/admin/users "$(jq -cn --argjson u "$unit" '{login:"zhao.liu",password:"a long password",name:"赵六",role:"king",unit_id:$u}')"
expect_json_error "bad role" 422 invalid_field
expect_match "names role" "$(jq -r .error.message <<<"$BODY")" '^role'
send_json POST /api/admin/users '{"login":"x","password":"short","name":"x","role":"cadre","unit_id":1}'
expect_json_error "short password" 400 bad_field
send_json POST /api/admin/users '{"login":"x","password":"long enough","name":"x","role":"cadre","unit_id":1,"admin":true}'
expect_json_error "unknown field" 400 unknown_field
request GET /api/admin/settings "${AUTH[@]}"
expect_eq "settings" "$(jq -c "{control_share}" <<<"$BODY")" '{"control_share":0.1}'
send_json PUT /api/admin/settings '{"control_share":0.25}'
expect_eq "settings updated" "$(jq -c "{control_share}" <<<"$BODY")" '{"control_share":0.25}'
send_json PUT /api/admin/settings '{"control_share":2}'
expect_json_error "control share out of range" 400 bad_field
send_json PUT /api/admin/settings '{"colour":"red"}'
expect_json_error "unknown setting" 400 unknown_field

# The new cadre signs in and sees the profile the admin set.
check "new user signs in" login wang.wu 'a long password'
request GET /api/me "${AUTH[@]}"
expect_eq "new user's profile" "$(jq -c '[.unit_id,.category,.industry,.risks]' <<<"$BODY")" "[$unit,\"grassroots\",\"industry.finance\",[\"risk.credit_approval\"]]"

# --- disabled accounts lose their sessions and cannot sign in
sqlite3 "$DB" "UPDATE users SET disabled = 1 WHERE login = 'wang.wu'"
request GET /api/me "${AUTH[@]}"
expect_json_error "disabled account's session" 401 unauthenticated
try_login wang.wu 'a long password'
expect_json_error "disabled account cannot sign in" 401 invalid_credentials

# --- throttling per account: past 10 failures even the right password waits
for i in $(seq 1 10); do
    curl -s -o /dev/null -H 'Content-Type: application/json' \
        --data-binary '{"login":"demo-editor","password":"guess"}' "$BASE_URL/api/login"
done
try_login demo-editor
expect_json_error "account throttled" 429 too_many_attempts
expect_match "Retry-After" "$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    --data-binary '{"login":"demo-editor","password":"qingfeng-demo"}' "$BASE_URL/api/login" | tr -d '\r')" 'Retry-After: 900'
check "another account is unaffected" login demo-admin
# The window slides: once the failures age out, the account signs in again.
sqlite3 "$DB" "UPDATE login_failures SET at = at - 16*60"
check "throttle lifts after the window" login demo-editor

# --- failures sent from elsewhere cannot keep the owner out (straight to the
# app socket, as from other addresses): ten from one address throttle that
# address; thirty spread over three addresses throttle the account on new
# addresses, but not on the one the owner signed in from before (127.0.0.1).
guess='{"login":"demo-editor","password":"guess"}'
for i in $(seq 1 10); do fcgi_status POST /api/login 10.9.0.1 "$guess" >/dev/null; done
expect_eq "ten failures throttle their address" "$(fcgi_status POST /api/login 10.9.0.1 "$guess")" 429
for a in 2 3; do
    for i in $(seq 1 10); do fcgi_status POST /api/login "10.9.0.$a" "$guess" >/dev/null; done
done
expect_eq "thirty failures recorded" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM login_failures WHERE login = 'demo-editor' AND address LIKE '10.9.0.%'")" 30
expect_eq "a new address is throttled for the account" \
    "$(fcgi_status POST /api/login 10.9.1.1 '{"login":"demo-editor","password":"qingfeng-demo"}')" 429
expect_eq "another account from it is not" \
    "$(fcgi_status POST /api/login 10.9.1.1 '{"login":"demo-admin","password":"qingfeng-demo"}')" 200
check "the owner still signs in from where they did before" login demo-editor
expect_eq "and their success clears the account's failures" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM login_failures WHERE login = 'demo-editor'")" 0

# --- the audit trail
for action in login.success login.failure logout user.create unit.create settings.update authz.refused; do
    check "audit has $action" test "$(audit_count "$action")" -ge 1
done
expect_eq "audit rows name the actor" \
    "$(sqlite3 "$DB" "SELECT u.login FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.action = 'user.create'")" demo-admin

test_done
