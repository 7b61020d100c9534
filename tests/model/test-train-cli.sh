#!/usr/bin/env bash
# test-train-cli.sh — qingfeng-train validates every argument (exit 2) and
# every input line (exit 1, naming file:line), never crashes on hostile
# input, and on good input prints the JSON object of API.md and writes a
# model file.
. "$top_srcdir/tests/lib.sh"

train="$top_builddir/qingfeng-train"

# run EXPECTED_STATUS ARGS...: runs it; stdout in OUT, stderr in ERR.
run() {
    local expected=$1
    shift
    OUT=$("$train" "$@" 2>"$work/stderr" </dev/null)
    local status=$?
    ERR=$(cat "$work/stderr")
    expect_eq "qingfeng-train $* → exit status (stderr: $ERR)" "$status" "$expected"
}

# A small data set with two tastes: users 1-20 like items 1-6, 21-40 items 7-12.
for u in $(seq 1 40); do
    base=$(( u <= 20 ? 0 : 6 ))
    for j in 0 1 2 3; do
        item=$(( base + (u + j) % 6 + 1 ))
        if [ "$j" -lt 3 ]; then
            printf '%d\t%d\t%d\t%d\n' "$u" "$item" $((j + 3)) $((880000000 + u * 10 + j))
        else
            printf '%d %d\n' "$u" "$item" >>"$work/test.txt"
        fi
    done
done >"$work/train.txt"
# lambda 1: the default (50, tuned on ml-100k) shrinks so little data to zero.
small=(--factors 4 --regularization 1)
good=(--train "$work/train.txt" --test "$work/test.txt" "${small[@]}" --iterations 5)

# ------------------------------------------------------------- arguments
run 2
run 2 frobnicate
expect_match "unknown command" "$ERR" 'unknown command "frobnicate"'
run 0 --help
expect_match "help on stdout" "$OUT" 'usage: qingfeng-train eval'
run 0 eval --help
run 2 eval --test "$work/test.txt"
expect_match "missing --train" "$ERR" 'train FILE is required'
run 2 eval --train "$work/train.txt"
expect_match "missing --test" "$ERR" 'needs --test'
run 2 fit --train "$work/train.txt"
expect_match "missing --out" "$ERR" 'needs --out'
run 2 eval "${good[@]}" --out "$work/x.qfm"
run 2 eval "${good[@]}" --bogus
expect_match "unknown option" "$ERR" 'unknown option "--bogus"'
run 2 eval "${good[@]}" --factors
expect_match "missing value" "$ERR" 'needs a value'
run 2 eval "${good[@]}" stray
expect_match "stray argument" "$ERR" 'unexpected argument "stray"'
for bad in "--factors 0" "--factors 1025" "--factors -3" "--factors 12abc" \
        "--factors 99999999999999999999" "--iterations 0" "--iterations 1001" \
        "--regularization nan" "--regularization -1" "--regularization 1e400" \
        "--alpha inf" "--alpha -0.5" "--alpha 0x10" "--alpha ''" "--threads 0" \
        "--threads 257" "--seed -1" "--seed 9223372036854775808" "--cg-steps 65"; do
    eval "set -- $bad"
    run 2 eval "${good[@]}" "$@"
    expect_match "$bad: names the option" "$ERR" "$1 must be"
done
run 2 eval "${good[@]}" --cg-steps 0 --regularization 0
expect_match "exact solver needs lambda" "$ERR" 'needs --regularization > 0'

# ----------------------------------------------------------------- input
run 1 eval --train "$work/missing.txt" --test "$work/test.txt"
expect_match "missing file" "$ERR" 'missing.txt: No such file'
run 1 eval --train "$work" --test "$work/test.txt"
expect_match "a directory" "$ERR" 'read error'

# bad_line NAME CONTENT MESSAGE: a file whose line 3 is CONTENT is refused at :3.
bad_line() {
    { printf '1 1 5 881250949\n# a comment\n'; printf '%b\n' "$2"; printf '2 2\n'; } >"$work/bad.txt"
    run 1 eval --train "$work/bad.txt" --test "$work/test.txt" --iterations 1
    expect_match "$1" "$ERR" "bad.txt:3: $3"
}
bad_line "one field" '7' 'one field'
bad_line "five fields" '1 2 3 4 5' 'more than 4 fields'
bad_line "user not an integer" 'abc 2' 'user id "abc"'
bad_line "user overflows" '99999999999999999999 2' 'user id'
bad_line "item a float" '1 2.5' 'item id "2.5"'
bad_line "weight nan" '1 2 nan' 'weight "nan"'
bad_line "weight inf" '1 2 inf' 'weight "inf"'
bad_line "weight huge" '1 2 1e300' 'weight "1e300"'
bad_line "weight junk" '1 2 3x' 'weight "3x"'
bad_line "timestamp junk" '1 2 3 yesterday' 'timestamp "yesterday"'
bad_line "control bytes shown escaped" '1 \x01\xff 3' 'item id "\\x01\\xff"'
bad_line "NUL byte" '1 2\x00 3' 'NUL byte'
long=$(head -c 5000 /dev/zero | tr '\0' '1')
bad_line "long line" "1 $long" 'line longer than 4096 bytes'

# Random bytes: refused with exit 1, never a crash (status >= 128).
for seed in 1 2 3 4 5; do
    awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 3000; i++) printf "%c", int(rand() * 256) }' \
        >"$work/junk.bin"
    run 1 eval --train "$work/junk.bin" --test "$work/test.txt"
done
: >"$work/empty.txt"
run 1 eval --train "$work/empty.txt" --test "$work/test.txt"
expect_match "empty file" "$ERR" 'empty.txt: no interactions'
printf '# only comments\n\n   \n' >"$work/empty.txt"
run 1 eval --train "$work/train.txt" --test "$work/empty.txt"
expect_match "empty test file" "$ERR" 'empty.txt: no interactions'
# CRLF line ends and tabs or spaces are fine.
sed 's/$/\r/' "$work/train.txt" >"$work/crlf.txt"
run 0 eval --train "$work/crlf.txt" --test "$work/test.txt" "${small[@]}" --iterations 5

# ------------------------------------------------------------ good input
run 0 eval "${good[@]}"
check "eval prints one JSON object" jq -e 'type == "object"' <<<"$OUT" >/dev/null
for key in precision_at_10 recall_at_10 ndcg_at_10 map_at_10 auc coverage fit_seconds \
        popularity.precision_at_10 popularity.ndcg_at_10 popularity.auc; do
    expect_match "eval: $key is a number" "$(jq -r ".$key | type" <<<"$OUT")" '^number$'
done
expect_eq "users" "$(jq .users <<<"$OUT")" 40
expect_eq "items" "$(jq .items <<<"$OUT")" 12
expect_eq "test users" "$(jq .test_users <<<"$OUT")" 40
# Two clean tastes: ALS ranks the held-out item higher than popularity
# does (precision@10 cannot tell: every user has 9 candidates).
check "ALS beats popularity on two tastes" \
    jq -e '.ndcg_at_10 > .popularity.ndcg_at_10 and .auc > .popularity.auc' <<<"$OUT" >/dev/null

# Deterministic: the same seed and threads give the same JSON but times.
strip_times() { jq -S 'del(.fit_seconds, .seconds_per_iteration, .eval_seconds, .peak_rss_kb)'; }
first=$(strip_times <<<"$OUT")
run 0 eval "${good[@]}"
expect_eq "same seed, same metrics" "$(strip_times <<<"$OUT")" "$first"
run 0 eval "${good[@]}" --threads 2 --cg-steps 0 --verbose
expect_match "verbose: loss per iteration" "$ERR" 'iteration 5 loss [0-9.e-]+'
expect_match "verbose: the OpenBLAS core" "$ERR" 'OpenBLAS core [A-Za-z0-9_]+'
# A core chosen in the environment is kept: no re-execution over it.
OUT=$(OPENBLAS_CORETYPE=Prescott "$train" eval "${good[@]}" --verbose 2>"$work/stderr")
expect_match "OPENBLAS_CORETYPE from the environment" "$(cat "$work/stderr")" \
    'OpenBLAS core Prescott \(OPENBLAS_CORETYPE from the environment\)'
expect_eq "the JSON names the same core" "$(jq -r .blas_core <<<"$OUT")" Prescott

# Too strong a lambda for the data: a clear error, not a model of zeros.
run 1 eval --train "$work/train.txt" --test "$work/test.txt" --regularization 50
expect_match "collapse is refused" "$ERR" 'shrank to zero: regularization 50 is too strong'

# fit writes a model file and reports its version; a bad place fails cleanly.
run 0 fit --train "$work/train.txt" --test "$work/test.txt" --out "$work/model.qfm" "${small[@]}"
check "model file written" test -s "$work/model.qfm"
expect_match "fit reports the version" "$(jq -r .version <<<"$OUT")" '^[0-9a-f]{16}$'
expect_eq "no temporary file left" "$(ls "$work" | grep -c 'model.qfm.tmp')" 0
run 1 fit --train "$work/train.txt" --out "$work/no/such/dir/model.qfm" "${small[@]}"
expect_match "fit into a missing directory" "$ERR" 'cannot create'

test_done
