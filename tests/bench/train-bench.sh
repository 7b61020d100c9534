#!/usr/bin/env bash
# train-bench.sh — how fast qingfeng's ALS trains on this machine, as seconds
# per iteration and as a share of the machine's own sgemm ceiling, with
# peak memory. Not a test (make check does not run it): run it by hand from
# a build directory, or give it one:
#
#   tests/bench/train-bench.sh [BUILD_DIR]        (default: .)
#
# It measures, with 1 and 2 threads at k = 64 (BENCH_FACTORS):
#   - ml-100k ua.base / ua.test (when ../shared/data/ml-100k is there);
#   - a deterministic synthetic file of 100,000 users x 2,000 items x 50
#     interactions with planted structure (20 taste clusters; 45 per user
#     to train, 5 to test), written once to $BENCH_DIR (default /tmp);
#   - `qingfeng-train run` on the synthetic cohort database of
#     tests/train/cohort.c at 3 x 2,000 cadres (its hold-out fit);
# and OpenBLAS sgemm GFLOP/s (n = 2048) with the same thread counts.
#   - ml-100k ua at the issue's peer settings (k = 32, regularization 50,
#     alpha 10, 15 iterations, every rating a positive of weight 1): the
#     whole fit in seconds, to set beside `implicit`'s 0.27 s / 0.18 s;
#   - fold-in at request time: 10,000 fold-ins at k = 64 with 10-50 events
#     each (tests/bench/fold-in-bench), median and p99 microseconds.
# qingfeng-train re-executes itself with OPENBLAS_CORETYPE=Haswell (or
# SkylakeX) when OpenBLAS picked an old core on a CPU with AVX2; the script
# asks it which core it ends up with and runs the sgemm ceiling and the
# fold-in bench with the same one, so the ratio compares like with like.
# ALS's useful FLOPs per iteration with CG (steps s, nnz pairs, U + I rows):
#   (U + I) k^2            the two Gram matrices (ssyrk)
# + (U + I) (s + 1) 2 k^2  (Y^T Y + lambda I) v, per CG product
# + nnz (s + 1) 4 k        y_j . v and the update by y_j, per CG product
#                          (the first also gives b - A x), both sides
# ratio = (FLOPs / seconds per iteration) / sgemm FLOP/s: the share of the
# BLAS ceiling ALS reaches (its per-row products are matrix-vector ones,
# memory-bound, so well under 1 is expected).
#
# Environment: BENCH_FACTORS (64), BENCH_ITERATIONS (5), BENCH_THREADS
# ("1 2"), BENCH_DIR (/tmp), OPENBLAS_CORETYPE (passed through; the
# trainer warns when OpenBLAS picked slow kernels for this CPU).
set -euo pipefail

build=${1:-.}
here=$(cd "$(dirname "$0")/../.." && pwd)
train="$build/qingfeng-train"
k=${BENCH_FACTORS:-64}
iterations=${BENCH_ITERATIONS:-5}
threads_list=${BENCH_THREADS:-1 2}
dir=${BENCH_DIR:-/tmp}
data="$here/../shared/data/ml-100k"
[ -x "$train" ] || { echo "no $train: build first (make)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 1; }
make -s -C "$build" tests/train/make-cohort tests/bench/sgemm-bench \
    tests/bench/fold-in-bench >/dev/null

echo "machine: $(nproc) CPUs usable, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '1 1\n1 2\n2 1\n3 2\n' > "$dir/qf-bench-tiny.txt"
printf '2 2\n' > "$dir/qf-bench-tiny-test.txt"
core=$("$train" eval --train "$dir/qf-bench-tiny.txt" --test "$dir/qf-bench-tiny-test.txt" \
    --factors 2 --iterations 1 --regularization 0.1 | jq -r .blas_core)
echo "OpenBLAS core: sgemm-bench alone $("$build/tests/bench/sgemm-bench" 64 1 1 | jq -r .core), qingfeng-train $core${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"
export OPENBLAS_CORETYPE="$core"

declare -A gflops
for t in $threads_list; do
    gflops[$t]=$("$build/tests/bench/sgemm-bench" 2048 "$t" 3 | jq .gflops)
    echo "sgemm 2048, $t thread(s): ${gflops[$t]} GFLOP/s"
done

# The synthetic file: a minstd generator in awk (exact in doubles, so every
# awk writes the same bytes).
synth_train="$dir/qf-bench-synth-train.txt"
synth_test="$dir/qf-bench-synth-test.txt"
if [ ! -s "$synth_train" ] || [ ! -s "$synth_test" ]; then
    echo "writing $synth_train (100,000 x 2,000 x 50) ..."
    LC_ALL=C awk -v train="$synth_train" -v test="$synth_test" 'BEGIN {
        s = 12345
        for (u = 1; u <= 100000; u++) {
            c = u % 20
            for (j = 0; j < 50; j++) {
                s = (s * 48271) % 2147483647; r = s / 2147483647
                s = (s * 48271) % 2147483647; q = s / 2147483647
                if (r < 0.8) item = 1 + c + 20 * int(100 * q * q)
                else item = 1 + int(2000 * q * q)
                line = u " " item " 1 " (u * 100 + j)
                if (j < 45) print line > train; else print line > test
            }
        }
    }'
fi

# flops NNZ ROWS STEPS: useful FLOPs of one iteration (see the header).
flops() {
    awk -v nnz="$1" -v rows="$2" -v s="$3" -v k="$k" \
        'BEGIN { printf "%.0f", rows * k * k + rows * (s + 1) * 2 * k * k + nnz * (s + 1) * 4 * k }'
}

# report NAME JSON THREADS: one line of figures from an eval result.
report() {
    local name=$1 json=$2 t=$3 nnz rows spi f
    nnz=$(jq .train_pairs <<<"$json")
    rows=$(jq '.users + .items' <<<"$json")
    spi=$(jq .seconds_per_iteration <<<"$json")
    f=$(flops "$nnz" "$rows" "$(jq .cg_steps <<<"$json")")
    awk -v n="$name" -v t="$t" -v spi="$spi" -v f="$f" -v g="${gflops[$t]}" \
        -v rss="$(jq .peak_rss_kb <<<"$json")" -v p="$(jq .precision_at_10 <<<"$json")" \
        -v nnz="$nnz" 'BEGIN {
            printf "%-10s threads %s: %.4f s/iteration, %.2f GFLOP/s = %.3f of sgemm; peak RSS %.0f MB; %d pairs; P@10 %.3f\n",
                n, t, spi, f / spi / 1e9, f / spi / 1e9 / g, rss / 1024, nnz, p }'
}

if [ -d "$data" ]; then
    awk '{ print $1, $2 }' "$data/ua.base" > "$dir/qf-bench-ua.base"
    awk '{ print $1, $2 }' "$data/ua.test" > "$dir/qf-bench-ua.test"
    for t in $threads_list; do
        json=$("$train" eval --train "$dir/qf-bench-ua.base" --test "$dir/qf-bench-ua.test" \
            --factors 32 --regularization 50 --alpha 10 --iterations 15 --threads "$t")
        jq -r --arg t "$t" '"ml-100k ua, peer settings (k 32, reg 50, alpha 10, 15 it.), threads \($t): fit \(.fit_seconds) s; P@10 \(.precision_at_10), nDCG@10 \(.ndcg_at_10), AUC \(.auc)"' <<<"$json"
    done
fi
jq -r '"fold-in, k \(.k), \(.items) items, \(.fold_ins) fold-ins of \(.events) events: median \(.median_us) us, p99 \(.p99_us) us, mean \(.mean_us) us"' \
    <<<"$("$build/tests/bench/fold-in-bench" 64 10000 2000)"

for t in $threads_list; do
    if [ -d "$data" ]; then
        json=$("$train" eval --train "$data/ua.base" --test "$data/ua.test" --factors "$k" \
            --iterations 15 --threads "$t")
        report ml-100k "$json" "$t"
    fi
    json=$("$train" eval --train "$synth_train" --test "$synth_test" --factors "$k" \
        --iterations "$iterations" --threads "$t")
    report synthetic "$json" "$t"
done

cohort="$dir/qf-bench-cohort.db"
rm -f "$cohort" "$cohort"-wal "$cohort"-shm "$dir/qf-bench-cohort.qfm"*
"$build/tests/train/make-cohort" --users-per-group 2000 --items-per-group 100 \
    --interactions 30 "$cohort"
for t in $threads_list; do
    rm -f "$dir/qf-bench-cohort.qfm"
    json=$(/usr/bin/time -f '%M' -o "$dir/qf-bench-rss" "$train" run --db "$cohort" \
        --model "$dir/qf-bench-cohort.qfm" --factors "$k" --threads "$t" 2>/dev/null)
    awk -v t="$t" -v spi="$(jq .metrics.holdout.seconds_per_iteration <<<"$json")" \
        -v all="$(jq .seconds <<<"$json")" -v rss="$(cat "$dir/qf-bench-rss")" \
        -v nd="$(jq .metrics.model.ndcg_at_10 <<<"$json")" -v pop="$(jq .metrics.popularity.ndcg_at_10 <<<"$json")" \
        -v pairs="$(jq .metrics.final.pairs <<<"$json")" 'BEGIN {
            printf "cohort run threads %s: %.4f s/iteration, whole run %.2f s (two fits), peak RSS %.0f MB; %d pairs; nDCG@10 %.3f (popularity %.3f)\n",
                t, spi, all, rss / 1024, pairs, nd, pop }'
done
