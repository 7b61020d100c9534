#!/usr/bin/env bash
# oulad-mastery.sh — knowledge tracing on real answers: OULAD's assessment
# results (tests/bench/oulad-answers.py says how they become quiz answers)
# loaded into a fresh database, then `qingfeng-train mastery --evaluate`:
# each student's latest fifth of answers held out, AUC and log loss of the
# nightly fit, of the online Elo updates and of the question-only baseline.
#
#   tests/bench/oulad-mastery.sh [BUILD_DIR [OULAD_DIR]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
data=${2:-$here/../../../shared/data/oulad}
[ -f "$data/studentAssessment.csv" ] || { echo "$0: no OULAD in $data" >&2; exit 2; }
work=$(mktemp -d /tmp/qf-oulad-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$build/qingfeng-admin" --db "$work/oulad.db" init >/dev/null
python3 "$here/oulad-answers.py" "$data" "$work/oulad.db" >&2
"$build/qingfeng-train" mastery --db "$work/oulad.db" --evaluate
