#!/usr/bin/env bash
# ua-tune.sh — how qingfeng-train's ML-100K `ua` settings were chosen,
# without looking at ua.test: a validation split is carved from ua.base
# (10 random ratings of each user, Python's random.Random(1), as ua.test
# holds 10 per user), every rating becomes a positive of weight 1, and a
# grid of factors x alpha x regularization is scored on it. Prints one line
# per setting ("k alpha lambda P@10 nDCG@10 AUC"), best P@10 first.
#
#   tests/bench/ua-tune.sh [BUILD_DIR]     (default: .; needs python3, jq)
#
# Not a test; about 3 minutes on two CPUs.
set -euo pipefail

build=${1:-.}
here=$(cd "$(dirname "$0")/../.." && pwd)
data="$here/../shared/data/ml-100k"
dir=${BENCH_DIR:-/tmp}/qf-ua-tune
mkdir -p "$dir"
[ -f "$data/ua.base" ] || { echo "no $data/ua.base" >&2; exit 1; }
python3 - "$data/ua.base" "$dir" <<'PY'
import collections, random, sys
rows = [l.split() for l in open(sys.argv[1])]
by = collections.defaultdict(list)
for r in rows:
    by[r[0]].append(r)
rng = random.Random(1)
fit, val = [], []
for u in sorted(by, key=int):
    rs = by[u][:]
    rng.shuffle(rs)
    val += rs[:10]
    fit += rs[10:]
for name, data in (("fit", fit), ("val", val)):
    with open(f"{sys.argv[2]}/{name}.txt", "w") as f:
        f.writelines(f"{r[0]} {r[1]}\n" for r in data)
PY
for k in 32 64 128; do for a in 0.5 1 1.5 2 3 10; do for reg in 10 15 20 25 30 40 50; do
    "$build/qingfeng-train" eval --train "$dir/fit.txt" --test "$dir/val.txt" \
        --factors $k --alpha $a --regularization $reg --iterations 15 2>/dev/null |
        jq -r --arg s "$k $a $reg" '"\($s) \(.precision_at_10) \(.ndcg_at_10) \(.auc)"' || true
done; done; done | sort -k4 -g -r
