#!/usr/bin/python3
"""supervisor-expected.py — the supervisor dashboard's figures recomputed
straight from users, units, events, answers, items and arms with the
sqlite3 CLI (never from the rollups of migration 6), compared with what
the API answered. Used by tests/integration/test-supervisor-*.sh.

  supervisor-expected.py overview DB ROOT FROM TO CATEGORY|- REPLY.json
  supervisor-expected.py lift DB ROOT FROM TO REPLY.json
  supervisor-expected.py warnings DB ROOT FROM TO REPLY.json
  supervisor-expected.py people DB ROOT FROM TO REPLY.json

Prints every mismatch and exits 1 when there is one. Definitions are
those of fcgi/supervisor-figures.c, written here again from the raw rows.
"""
import datetime
import json
import math
import subprocess
import sys

TZ = 8 * 3600
failures = []


def q(db, sql):
    out = subprocess.run(["sqlite3", "-json", db, sql], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out) if out.strip() else []


def day_of(date):
    return (datetime.date.fromisoformat(date) - datetime.date(1970, 1, 1)).days


def start_of(day):
    return day * 86400 - TZ


def months_of(f, t):
    """[(yyyy-mm, first day, last day)] of the period, cut to it."""
    out, d = [], f
    while d <= t:
        date = datetime.date(1970, 1, 1) + datetime.timedelta(days=d)
        nxt = (date.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        last = min(t, (nxt - datetime.date(1970, 1, 1)).days - 1)
        out.append((date.strftime("%Y-%m"), d, last))
        d = last + 1
    return out


def close(what, got, want, tol=1e-9):
    if want is None or got is None:
        ok = want is None and got is None
    elif isinstance(want, float) or isinstance(got, float):
        ok = math.isclose(float(got), float(want), rel_tol=tol, abs_tol=tol)
    else:
        ok = got == want
    if not ok:
        failures.append(f"{what}: API {got!r}, expected {want!r}")


def setting(db, key, default):
    rows = q(db, f"SELECT value FROM settings WHERE key = '{key}'")
    return float(rows[0]["value"]) if rows else default


def subtree(root):
    if root == 0:
        return "SELECT id FROM units"
    return (f"WITH RECURSIVE sub(id) AS (SELECT {root} UNION SELECT u.id FROM units u"
            f" JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub")


def cadres_sql(root, category):
    cat = f" AND category = '{category}'" if category else ""
    return (f"SELECT id FROM users WHERE role = 'cadre' AND disabled = 0"
            f" AND unit_id IN ({subtree(root)}){cat}")


def figures(db, root, f, t, category, mark, own_unit=False):
    """Every overview figure for the cadres of 'root' (its tree, or only its own cadres)."""
    lo, hi = start_of(f), start_of(t + 1)
    cad = cadres_sql(root, category)
    if own_unit:
        cad = (f"SELECT id FROM users WHERE role = 'cadre' AND disabled = 0 AND unit_id = {root}"
               + (f" AND category = '{category}'" if category else ""))
    month = "strftime('%Y-%m', {} + 28800, 'unixepoch')"
    r = {}
    r["cadres"] = q(db, f"SELECT count(*) AS n FROM ({cad})")[0]["n"]
    pairs = q(db, f"""
        WITH first AS (SELECT user_id, item_id, min(created_at) AS at FROM events
            WHERE kind = 'impression' AND user_id IN ({cad}) GROUP BY user_id, item_id)
        SELECT {month.format('at')} AS m, count(*) AS pushed,
            sum(EXISTS (SELECT 1 FROM events c WHERE c.kind = 'complete' AND c.user_id = first.user_id
                AND c.item_id = first.item_id AND c.created_at >= first.at AND c.created_at < {hi}))
              AS completed
        FROM first WHERE at >= {lo} AND at < {hi} GROUP BY m""")
    active = q(db, f"""
        SELECT {month.format('created_at')} AS m, count(DISTINCT user_id) AS n FROM (
            SELECT user_id, created_at FROM events WHERE kind != 'impression'
            UNION ALL SELECT user_id, created_at FROM answers)
        WHERE created_at >= {lo} AND created_at < {hi} AND user_id IN ({cad}) GROUP BY m""")
    quizzes = q(db, f"""
        WITH firsts AS (SELECT a.user_id, coalesce(qq.item_id, -qq.id) AS quiz, a.created_at, a.correct
            FROM answers a JOIN questions qq ON qq.id = a.question_id
            WHERE a.user_id IN ({cad}) AND NOT EXISTS (SELECT 1 FROM answers b
              WHERE b.user_id = a.user_id AND b.question_id = a.question_id
                AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id)))),
        quiz AS (SELECT user_id, quiz, min(created_at) AS at, 1.0 * sum(correct) / count(*) AS share
            FROM firsts GROUP BY user_id, quiz)
        SELECT {month.format('at')} AS m, count(*) AS n, sum(share >= {mark!r}) AS passed
        FROM quiz WHERE at >= {lo} AND at < {hi} GROUP BY m""")
    hours = q(db, f"""
        WITH done AS (SELECT user_id, item_id, min(created_at) AS at FROM events
            WHERE kind = 'complete' AND created_at >= {lo} AND created_at < {hi}
              AND user_id IN ({cad}) GROUP BY user_id, item_id)
        SELECT {month.format('at')} AS m, sum(i.minutes) AS minutes, count(*) AS items
        FROM done JOIN items i ON i.id = done.item_id GROUP BY m""")
    months = months_of(f, t)
    by = {m: {"pushed": 0, "completed": 0, "active": 0, "quizzes": 0, "passed": 0, "minutes": 0}
          for m, _, _ in months}
    for row in pairs:
        by[row["m"]]["pushed"] = row["pushed"]
        by[row["m"]]["completed"] = row["completed"]
    for row in active:
        by[row["m"]]["active"] = row["n"]
    for row in quizzes:
        by[row["m"]]["quizzes"] = row["n"]
        by[row["m"]]["passed"] = row["passed"]
    for row in hours:
        by[row["m"]]["minutes"] = row["minutes"]
    for k in ("pushed", "completed", "quizzes", "passed", "minutes"):
        r[k] = sum(v[k] for v in by.values())
    n = r["cadres"]
    r["completion_rate"] = r["completed"] / r["pushed"] if r["pushed"] else None
    r["pass_rate"] = r["passed"] / r["quizzes"] if r["quizzes"] else None
    r["participation_rate"] = (sum(v["active"] / n for v in by.values()) / len(by)) if n else None
    r["hours"] = r["minutes"] / 60.0
    r["hours_per_cadre"] = r["minutes"] / 60.0 / n if n else None
    r["months"] = by
    return r


FIELDS = ("cadres", "pushed", "completed", "completion_rate", "participation_rate", "quizzes",
          "passed", "pass_rate", "hours", "hours_per_cadre")


def compare(what, got, want, fields=FIELDS):
    for k in fields:
        close(f"{what}.{k}", got.get(k), want[k])


def children(db, root):
    if root == 0:
        return [r["id"] for r in q(db, "SELECT id FROM units WHERE parent_id IS NULL")]
    return [root] + [r["id"] for r in q(db, f"SELECT id FROM units WHERE parent_id = {root}")]


def cmd_overview(db, root, f, t, category, path):
    reply = json.load(open(path))
    mark = setting(db, "quiz_pass_mark", 0.6)
    f, t = day_of(f), day_of(t)
    category = None if category == "-" else category
    want = figures(db, root, f, t, category, mark)
    compare("overview", reply, want)
    close("overview.pace_hours", reply["pace_hours"],
          40 * (t + 1 - day_of(f"{(datetime.date(1970, 1, 1) + datetime.timedelta(days=t)).year}-01-01"))
          / (366 if (datetime.date(1970, 1, 1) + datetime.timedelta(days=t)).year % 4 == 0 else 365))
    months = reply["by_month"]
    close("overview.by_month count", len(months), len(want["months"]))
    for m in months:
        w = want["months"][m["month"]]
        for k in ("pushed", "completed", "active", "quizzes", "passed"):
            close(f"by_month[{m['month']}].{k}", m[k], w[k])
        close(f"by_month[{m['month']}].hours", m["hours"], w["minutes"] / 60.0)
        close(f"by_month[{m['month']}].participation_rate", m["participation_rate"],
              w["active"] / want["cadres"] if want["cadres"] else None)
    units = {u["unit_id"]: u for u in reply["by_unit"]}
    expected_units = children(db, root)
    close("overview.by_unit ids", sorted(units), sorted(expected_units))
    for u in expected_units:
        if u in units:
            w = figures(db, u, f, t, category, mark, own_unit=(u == root and root != 0))
            compare(f"by_unit[{u}]", units[u], w)
    cats = {c["category"]: c for c in reply["by_category"]}
    for c in ("leading", "middle", "grassroots", "new_hire"):
        if category and c != category:
            continue
        w = figures(db, root, f, t, c, mark)
        if c not in cats:
            close(f"by_category[{c}] present", w["cadres"], 0)
            continue
        compare(f"by_category[{c}]", cats[c], w)
    keys = {k["category"]: k for k in reply["key_groups"]}
    for c in ("grassroots", "new_hire"):
        if c in cats:
            close(f"key_groups[{c}].coverage", keys.get(c, {}).get("coverage"),
                  cats[c]["participation_rate"])


def arm_stats(cells):
    """cells: [(pushed, completed)] per cadre with pushes; rate and cluster-robust variance."""
    n = len(cells)
    sp = sum(p for p, _ in cells)
    sc = sum(c for _, c in cells)
    if sp == 0:
        return None, None, n
    r = sc / sp
    if n < 2:
        return r, None, n
    var = n / (n - 1) * sum((c - r * p) ** 2 for p, c in cells) / sp ** 2
    return r, var, n


def lift_expect(per_cadre):
    """per_cadre: {arm: [(p, c)]} → the reply's shape."""
    a = arm_stats(per_cadre.get("personalised", []))
    b = arm_stats(per_cadre.get("control", []))
    out = {"rate_p": a[0], "rate_c": b[0], "n_p": a[2], "n_c": b[2], "diff": None, "ratio": None,
           "diff_ci": None, "ratio_ci": None}
    if a[0] is not None and b[0] is not None:
        out["diff"] = a[0] - b[0]
        out["ratio"] = a[0] / b[0] if b[0] > 0 else None
    if a[1] is not None and b[1] is not None and a[2] >= 10 and b[2] >= 10:
        se = math.sqrt(a[1] + b[1])
        out["diff_ci"] = [out["diff"] - 1.96 * se, out["diff"] + 1.96 * se]
        if a[0] > 0 and b[0] > 0:
            s = math.sqrt(a[1] / a[0] ** 2 + b[1] / b[0] ** 2)
            out["ratio_ci"] = [math.exp(math.log(out["ratio"]) - 1.96 * s),
                               math.exp(math.log(out["ratio"]) + 1.96 * s)]
    return out


def compare_lift(what, got, want):
    close(f"{what}.personalised.rate", got["arms"]["personalised"]["rate"], want["rate_p"])
    close(f"{what}.control.rate", got["arms"]["control"]["rate"], want["rate_c"])
    close(f"{what}.personalised.cadres", got["arms"]["personalised"]["cadres"], want["n_p"])
    close(f"{what}.control.cadres", got["arms"]["control"]["cadres"], want["n_c"])
    close(f"{what}.difference", got["difference"]["value"], want["diff"])
    close(f"{what}.ratio", got["ratio"]["value"], want["ratio"])
    for key, ci in (("difference", "diff_ci"), ("ratio", "ratio_ci")):
        g, w = got[key]["ci95"], want[ci]
        if (g is None) != (w is None):
            failures.append(f"{what}.{key}.ci95: API {g}, expected {w}")
        elif g is not None:
            close(f"{what}.{key}.ci95[0]", g[0], w[0])
            close(f"{what}.{key}.ci95[1]", g[1], w[1])


def cmd_lift(db, root, f, t, path):
    reply = json.load(open(path))
    f, t = day_of(f), day_of(t)
    lo, hi = start_of(f), start_of(t + 1)
    rows = q(db, f"""
        WITH first AS (SELECT user_id, item_id, min(created_at) AS at FROM events
            WHERE kind = 'impression' AND user_id IN ({cadres_sql(root, None)}) GROUP BY 1, 2)
        SELECT p.user_id AS u, coalesce(a.arm, '') AS arm, u.unit_id AS unit,
            strftime('%Y-%m', p.at + 28800, 'unixepoch') AS m, count(*) AS pushed,
            sum(EXISTS (SELECT 1 FROM events c WHERE c.kind = 'complete' AND c.user_id = p.user_id
              AND c.item_id = p.item_id AND c.created_at >= p.at AND c.created_at < {hi})) AS completed
        FROM first p JOIN users u ON u.id = p.user_id LEFT JOIN arms a ON a.user_id = p.user_id
        WHERE p.at >= {lo} AND p.at < {hi} GROUP BY 1, 2, 3, 4""")
    top = {}
    for c in children(db, root):
        for r in q(db, subtree(c) if c != root else f"SELECT {root} AS id"):
            top[r["id"]] = c
    total, months, units = {}, {}, {}
    for r in rows:
        for key, bucket in ((None, total), (r["m"], months), (top.get(r["unit"]), units)):
            d = bucket.setdefault(key, {}).setdefault(r["arm"], {})
            p, c = d.get(r["u"], (0, 0))
            d[r["u"]] = (p + r["pushed"], c + r["completed"])
    flat = lambda d: {arm: list(v.values()) for arm, v in d.items()}
    compare_lift("lift", reply, lift_expect(flat(total.get(None, {}))))
    for m in reply["by_month"]:
        compare_lift(f"lift.by_month[{m['month']}]", m, lift_expect(flat(months.get(m["month"], {}))))
    for u in reply["by_unit"]:
        compare_lift(f"lift.by_unit[{u['unit_id']}]", u, lift_expect(flat(units.get(u["unit_id"], {}))))
    for m in reply["trend"]["months"]:
        arms = months.get(m["month"], {})
        p = sum(x[0] for a in arms.values() for x in a.values())
        c = sum(x[1] for a in arms.values() for x in a.values())
        close(f"trend[{m['month']}].pushed", m["pushed"], p)
        close(f"trend[{m['month']}].completed", m["completed"], c)


def cmd_warnings(db, root, f, t, path):
    reply = json.load(open(path))
    f, t = day_of(f), day_of(t)
    mark = setting(db, "quiz_pass_mark", 0.6)
    part = setting(db, "warn_participation", 0.6)
    pass_rate = setting(db, "warn_pass_rate", 0.8)
    pace_share = setting(db, "warn_pace_share", 0.8)
    idle = int(setting(db, "warn_inactive_days", 30))
    want = set()
    values = {}
    units = [r["id"] for r in q(db, f"""SELECT DISTINCT unit_id AS id FROM users
        WHERE role = 'cadre' AND disabled = 0 AND unit_id IN ({subtree(root)})""")]
    # The two months before the month of 'to'.
    date = datetime.date(1970, 1, 1) + datetime.timedelta(days=t)
    m1_last = date.replace(day=1) - datetime.timedelta(days=1)
    m2_first = (m1_last.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for u in units:
        w = figures(db, u, day_of(m2_first.isoformat()), day_of(m1_last.isoformat()), None, mark,
                    own_unit=True)
        rates = [v["active"] / w["cadres"] for v in w["months"].values()]
        if len(rates) == 2 and all(r < part for r in rates):
            want.add(("low_participation", u))
            values[("low_participation", u)] = rates[1]
        w = figures(db, u, f, t, None, mark, own_unit=True)
        if w["quizzes"] >= 5 and w["pass_rate"] < pass_rate:
            want.add(("low_pass_rate", u))
            values[("low_pass_rate", u)] = w["pass_rate"]
    year = day_of(f"{date.year}-01-01")
    days_in_year = day_of(f"{date.year + 1}-01-01") - year
    pace = pace_share * 40 * (t + 1 - year) / days_in_year
    lo, hi = start_of(year), start_of(t + 1)
    for r in q(db, f"""
        SELECT u.id, (SELECT coalesce(sum(i.minutes), 0) FROM items i WHERE i.id IN
            (SELECT item_id FROM events e WHERE e.user_id = u.id AND e.kind = 'complete'
              AND e.created_at >= {lo} AND e.created_at < {hi})) AS minutes
        FROM users u WHERE u.id IN ({cadres_sql(root, None)})"""):
        if r["minutes"] < pace * 60:
            want.add(("behind_pace", r["id"]))
            values[("behind_pace", r["id"])] = r["minutes"] / 60.0
    for r in q(db, f"""
        SELECT u.id, (SELECT max(at) FROM (SELECT created_at AS at FROM events e WHERE e.user_id = u.id
              AND e.kind != 'impression' UNION ALL SELECT created_at FROM answers a
              WHERE a.user_id = u.id) WHERE at < {hi}) AS last
        FROM users u WHERE u.id IN ({cadres_sql(root, None)})"""):
        if r["last"] is None or r["last"] < start_of(t - idle + 1):
            want.add(("inactive", r["id"]))
            values[("inactive", r["id"])] = None if r["last"] is None else float(t - (r["last"] + TZ) // 86400)
    got = {}
    for w in reply["warnings"]:
        key = (w["kind"], w["user_id"] if w["user_id"] is not None else w["unit_id"])
        got[key] = w
        link = (f"/supervisor/person.html?id={w['user_id']}" if w["user_id"] is not None
                else f"/supervisor/?unit={w['unit_id']}")
        close(f"warning {key} link", w["link"], link)
        if not w["message"]:
            failures.append(f"warning {key}: no message")
    for key in sorted(want - set(got), key=str)[:10]:
        failures.append(f"warning missing: {key}")
    for key in sorted(set(got) - want, key=str)[:10]:
        failures.append(f"warning not expected: {key} {got[key]}")
    for key in want & set(got):
        close(f"warning {key} value", got[key]["value"], values[key])
    for kind in ("low_participation", "low_pass_rate", "behind_pace", "inactive"):
        close(f"counts.{kind}", reply["counts"].get(kind, 0), sum(1 for k in want if k[0] == kind))


def cmd_people(db, root, f, t, path):
    reply = json.load(open(path))
    f, t = day_of(f), day_of(t)
    lo, hi = start_of(f), start_of(t + 1)
    rows = q(db, f"""
        SELECT u.id,
          (SELECT count(*) FROM (SELECT item_id, min(created_at) AS at FROM events e
             WHERE e.user_id = u.id AND e.kind = 'impression' GROUP BY item_id) x
             WHERE x.at >= {lo} AND x.at < {hi}) AS pushed,
          (SELECT count(*) FROM (SELECT item_id, min(created_at) AS at FROM events e
             WHERE e.user_id = u.id AND e.kind = 'impression' GROUP BY item_id) x
             WHERE x.at >= {lo} AND x.at < {hi} AND EXISTS (SELECT 1 FROM events c
               WHERE c.user_id = u.id AND c.item_id = x.item_id AND c.kind = 'complete'
                 AND c.created_at >= x.at AND c.created_at < {hi})) AS completed,
          (SELECT coalesce(sum(i.minutes), 0) FROM items i WHERE i.id IN (SELECT item_id FROM events e
             WHERE e.user_id = u.id AND e.kind = 'complete' AND e.created_at >= {lo}
               AND e.created_at < {hi})) AS minutes,
          (SELECT count(DISTINCT (at + 28800) / 86400) FROM (SELECT created_at AS at FROM events e
             WHERE e.user_id = u.id AND e.kind != 'impression' UNION ALL
             SELECT created_at FROM answers a WHERE a.user_id = u.id) WHERE at >= {lo} AND at < {hi})
             AS active_days
        FROM users u WHERE u.id IN ({cadres_sql(root, None)})""")
    got = {p["id"]: p for p in reply["people"]}
    close("people.total", reply["total"], len(rows))
    close("people listed", len(got), len(rows))
    for r in rows:
        p = got.get(r["id"])
        if p is None:
            failures.append(f"people: cadre {r['id']} missing")
            continue
        for k in ("pushed", "completed", "minutes", "active_days"):
            close(f"people[{r['id']}].{k}", p[k], r[k])


def main():
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "overview":
        cmd_overview(a[0], int(a[1]), a[2], a[3], a[4], a[5])
    elif cmd == "lift":
        cmd_lift(a[0], int(a[1]), a[2], a[3], a[4])
    elif cmd == "warnings":
        cmd_warnings(a[0], int(a[1]), a[2], a[3], a[4])
    elif cmd == "people":
        cmd_people(a[0], int(a[1]), a[2], a[3], a[4])
    else:
        sys.exit(f"unknown command {cmd}")
    for line in failures[:40]:
        print("MISMATCH:", line)
    if failures:
        print(f"{len(failures)} mismatches")
        sys.exit(1)


if __name__ == "__main__":
    main()
