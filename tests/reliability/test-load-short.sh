#!/usr/bin/env bash
# test-load-short.sh — the soak and the model swaps of tests/reliability in
# short runs, for `make check`: 15 seconds of the mix, then 10 promotions
# and 2 refused files under it. (`make soak`, `make model-swaps`: the full runs.)
here=$(dirname "$0")
# AddressSanitizer's quarantine keeps freed memory: no memory bound there.
bound=
if ldd "$top_builddir/qingfeng-fcgi" | grep -q libasan; then bound=none; fi
SOAK_RSS_BOUND_KB=${bound:-${SOAK_RSS_BOUND_KB:-}} SOAK_SECONDS=15 SOAK_WARMUP=5 bash "$here/soak.sh" || exit 1
SWAPS=10 bash "$here/model-swaps.sh"
