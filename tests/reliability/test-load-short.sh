#!/usr/bin/env bash
# test-load-short.sh — the soak and the model swaps of tests/reliability in
# short runs, for `make check`: 15 seconds of the mix, then 5 promotions
# and 2 refused files under it. (`make soak`, `make model-swaps`: the full runs.)
here=$(dirname "$0")
SOAK_SECONDS=15 SOAK_WARMUP=5 bash "$here/soak.sh" || exit 1
SWAPS=10 bash "$here/model-swaps.sh"
