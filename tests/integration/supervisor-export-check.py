#!/usr/bin/python3
"""supervisor-export-check.py — a CSV or XLSX export read back (the csv
module; openpyxl for the workbook) and compared with the JSON reply of the
same request: the columns' Chinese headers, then every row, field by field.

  supervisor-export-check.py REPLY.json ROWS EXPORT.csv|EXPORT.xlsx HEADER=FIELD...

ROWS: a key of the reply holding the rows ("people", "warnings"), or
"total+KEY" for the overview's export: the reply's own figures as a first
row named 合计, then the rows of KEY. Exits 1 on a difference.
"""
import csv
import io
import json
import math
import sys


def rows_of(reply, spec):
    if spec.startswith("total+"):
        total = dict(reply)
        total["name"] = "合计"
        return [total] + reply[spec[len("total+"):]]
    return reply[spec]


def same(got, want):
    if want is None:
        return got in (None, "")
    if isinstance(want, bool):
        return got in (want, int(want), str(int(want)))
    if isinstance(want, (int, float)):
        try:
            return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return got == want


def main():
    reply_path, spec, path = sys.argv[1:4]
    columns = [a.split("=", 1) for a in sys.argv[4:]]
    reply = json.load(open(reply_path))
    want = rows_of(reply, spec)
    problems = []
    if path.endswith(".csv"):
        raw = open(path, "rb").read()
        if not raw.startswith(b"\xef\xbb\xbf"):
            problems.append("no UTF-8 byte-order mark")
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    else:
        import openpyxl
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = table[0], table[1:]
    if header != [h for h, _ in columns]:
        problems.append(f"headers {header}, expected {[h for h, _ in columns]}")
    if len(body) != len(want):
        problems.append(f"{len(body)} rows, expected {len(want)}")
    for i, (row, w) in enumerate(zip(body, want)):
        for j, (h, field) in enumerate(columns):
            got = row[j] if j < len(row) else None
            if not same(got, w.get(field)):
                problems.append(f"row {i + 1} {h}: export {got!r}, JSON {w.get(field)!r}")
    for p in problems[:20]:
        print("MISMATCH:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
