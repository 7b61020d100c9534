#!/usr/bin/env bash
# test-crash-short.sh — the crash test in make check: 100 kills (the full
# 1,000 is `make crash-test`, or tests/reliability/crash-test.sh by hand).
CRASH_KILLS=${CRASH_KILLS_SHORT:-100} exec "$top_srcdir/tests/reliability/crash-test.sh"
