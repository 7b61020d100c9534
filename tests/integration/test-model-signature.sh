#!/usr/bin/env bash
# test-model-signature.sh — with --model-key the app serves only models the
# trainer signed: a signed file is taken; an unsigned one, one signed with
# another key, and one altered after signing are refused (logged, once per
# worker) while the model in service stays; the next signed one is taken.
# Also: keygen refuses to overwrite a key, the app refuses a bad key file.
. "$top_srcdir/tests/lib.sh"

train="$top_builddir/qingfeng-train"
awk 'BEGIN { for (u = 1; u <= 40; u++) for (i = 1; i <= 30; i++)
    if ((u % 2) == (i % 2) && (u * 7 + i * 3) % 5 != 0) print u, i, 1 + (u + i) % 3 }' >"$work/interactions"
fit() {  # fit SEED OUT [--signing-key FILE]
    local seed=$1 out=$2
    shift 2
    "$train" fit --train "$work/interactions" --out "$out" --factors 8 --iterations 5 \
        --regularization 0.1 --seed "$seed" "$@" >/dev/null 2>"$work/fit.log" ||
        { cat "$work/fit.log" >&2; fail "qingfeng-train fit (seed $seed)"; }
}

check "keygen makes the trainer's pair" "$train" keygen --out "$work/trainer"
check "and another pair" "$train" keygen --out "$work/stranger"
expect_eq "the secret key is private" "$(stat -c %a "$work/trainer.key")" 600
"$train" keygen --out "$work/trainer" >/dev/null 2>"$work/keygen.err"
expect_eq "keygen will not overwrite a key" "$?" 1
expect_match "and says why" "$(cat "$work/keygen.err")" 'File exists'
printf 'not a key\n' >"$work/garbage.pub"
"$top_builddir/qingfeng-fcgi" --socket "$work/x.sock" --db "$work/x.db" --model-key "$work/garbage.pub" \
    2>"$work/badkey.err"
expect_eq "the app refuses a bad key file" "$?" 2
expect_match "naming it" "$(cat "$work/badkey.err")" 'model-key: .*not a key'

mkdir -p "$work/models"
model="$work/models/model.qfm"
fit 1 "$model" --signing-key "$work/trainer.key"
STACK_MODEL=$model STACK_MODEL_KEY="$work/trainer.pub" stack_start 2

first=$(version_now)
expect_match "the signed model is served" "$first" '^[0-9a-f]{16}$'

refusals=0
refused() {  # refused WHAT FILE REASON: FILE renamed into place is refused by both workers
    mv "$2" "$model"
    refusals=$((refusals + 2))
    local t0=$SECONDS
    until [ "$(grep -c 'refused, the model in service stays' "$work/run.log")" -ge "$refusals" ] ||
        [ $((SECONDS - t0)) -ge 30 ]; do
        sleep 0.2
    done
    expect_eq "$1 is refused by both workers" \
        "$(grep -c 'refused, the model in service stays' "$work/run.log")" "$refusals"
    check "$1: reason is '$3'" grep -q "refused, the model in service stays: $3" "$work/run.log"
    expect_eq "after $1, the model in service stays" "$(version_now)" "$first"
}

fit 2 "$work/models/unsigned.qfm"
refused "an unsigned model" "$work/models/unsigned.qfm" "the file is not signed"
fit 3 "$work/models/stranger.qfm" --signing-key "$work/stranger.key"
refused "a model signed with another key" "$work/models/stranger.qfm" "bad signature"
# Altered after signing: the payload changed and the checksum recomputed
# (as a forger would), so only the signature can tell.
fit 4 "$work/models/altered.qfm" --signing-key "$work/trainer.key"
python3 - "$work/models/altered.qfm" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
item_factors = struct.unpack_from('<Q', data, 160 + 16 * 3)[0]
struct.pack_into('<f', data, item_factors, 9.0)
h = 0xcbf29ce484222325
for j, byte in enumerate(data):
    if 48 <= j < 56 or 144 <= j < 160 or 320 <= j < 384:
        byte = 0
    h = ((h ^ byte) * 0x100000001b3) & 0xffffffffffffffff
struct.pack_into('<Q', data, 48, h)
data[144:160] = b'%016x' % h
open(path, 'wb').write(data)
PY
refused "a signed model altered afterwards" "$work/models/altered.qfm" "bad signature"

fit 5 "$work/models/next.qfm" --signing-key "$work/trainer.key"
mv "$work/models/next.qfm" "$model"
second=$(next_version "$first")
check "the next signed model is taken" test "$second" != "$first" -a "$second" != none

test_done
