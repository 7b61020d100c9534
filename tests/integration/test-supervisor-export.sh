#!/usr/bin/env bash
# test-supervisor-export.sh — ?format=csv|xlsx on the overview, warnings and
# people: a CSV in UTF-8 with a byte-order mark and a valid XLSX workbook
# (read back by python3-openpyxl), Chinese headers, as attachments with a
# UTF-8 file name; read back, each equals the JSON of the same request;
# every export is audited; an unknown format is refused.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/supervisor-lib.sh"

"$PYTHON" -c 'import openpyxl' 2>/dev/null ||
    { echo "FAIL: python3-openpyxl not found: run ./bootstrap deps" >&2; exit 1; }
sv_start
login demo-supervisor
province=$(unit_id 某省纪委监委)
checker="$top_srcdir/tests/integration/supervisor-export-check.py"
sup_id=$(q "SELECT id FROM users WHERE login = 'demo-supervisor'")

overview_cols=(名称=name 干部数=cadres 推送数=pushed 完成数=completed 完成率=completion_rate
    参学率=participation_rate 测验数=quizzes 通过数=passed 测验通过率=pass_rate 学时=hours 人均学时=hours_per_cadre)
warning_cols=(预警类型=kind_label 单位=unit_name 姓名=user_name 数值=value 阈值=threshold 说明=message 链接=link)
people_cols=(姓名=name 账号=login 单位=unit_name 类别=category_label 推送数=pushed 完成数=completed
    完成率=completion_rate 测验数=quizzes 通过数=passed 测验通过率=pass_rate 学时=hours
    学习天数=active_days 最近学习日期=last_active)

# export PATH ROWS EXT COLUMNS...: the JSON of PATH, then its export as EXT, compared.
export_check() {
    local path=$1 rows=$2 ext=$3 sep='?'
    shift 3
    [[ $path == *\?* ]] && sep='&'
    request GET "$path" "${AUTH[@]}"
    printf '%s' "$BODY" >"$work/reply.json"
    local audits
    audits=$(q "SELECT count(*) FROM audit_log WHERE action = 'supervisor.export' AND actor_id = $sup_id")
    STATUS=$(curl -s -D "$work/headers" -o "$work/export.$ext" -w '%{http_code}' "${AUTH[@]}" \
        "$BASE_URL$path${sep}format=$ext")
    expect_eq "$path as $ext: status" "$STATUS" 200
    expect_match "$path as $ext: an attachment with a UTF-8 name" \
        "$(grep -i '^content-disposition' "$work/headers")" "attachment; .*filename\\*=UTF-8''%[0-9A-F]{2}.*\\.$ext"
    if [ "$ext" = csv ]; then
        expect_match "$path: CSV type" "$(grep -i '^content-type' "$work/headers")" 'text/csv; charset=utf-8'
    else
        expect_match "$path: XLSX type" "$(grep -i '^content-type' "$work/headers")" 'spreadsheetml'
        expect_eq "$path: a zip container" "$(head -c 2 "$work/export.$ext")" PK
    fi
    checks=$((checks + 1))
    if ! out=$("$PYTHON" "$checker" "$work/reply.json" "$rows" "$work/export.$ext" "$@" 2>&1); then
        fail "$path as $ext differs from its JSON:
$out"
    fi
    expect_eq "$path as $ext: audited" \
        "$(q "SELECT count(*) FROM audit_log WHERE action = 'supervisor.export' AND actor_id = $sup_id")" \
        $((audits + 1))
}

for ext in csv xlsx; do
    export_check "/api/supervisor/overview?unit=$province&from=2026-05-01&to=2026-11-22" total+by_unit "$ext" \
        "${overview_cols[@]}"
    export_check "/api/supervisor/overview?unit=$province&from=2026-05-01&to=2026-11-22&table=months" \
        total+by_month "$ext" "${overview_cols[@]}"
    export_check "/api/supervisor/warnings?unit=$province&from=2026-05-01&to=2026-11-22&limit=100000" \
        warnings "$ext" "${warning_cols[@]}"
    export_check "/api/supervisor/people?unit=$province&from=2026-05-01&to=2026-11-22&per_page=500" \
        people "$ext" "${people_cols[@]}"
done
expect_eq "the CSV starts with a byte-order mark" "$(head -c 3 "$work/export.csv" | od -An -tx1 | tr -d ' ')" efbbbf
expect_match "Chinese survives in the CSV" "$(cat "$work/export.csv")" '基层干部|领导干部'
check "the people export holds everyone" test "$(wc -l <"$work/export.csv")" -gt 300

request GET "/api/supervisor/overview?format=pdf" "${AUTH[@]}"
expect_json_error "unknown format" 400 bad_format
request GET "/api/supervisor/overview?table=secrets&format=csv" "${AUTH[@]}"
expect_json_error "unknown table" 400 bad_table

test_done
