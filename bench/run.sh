#!/usr/bin/env bash
# Run every benchmark in one go and print its ratios.  Each bench/<topic>.sh
# starts its own throwaway cluster (test/lib.sh), measures scsm against a
# baseline in the same run, and prints "ratio" lines.  Not part of the tests.
#
#   bash bench/run.sh            all benchmarks
#   bash bench/run.sh ledger     only bench/ledger*.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SCSM_SKIP_DEPS:-0}" = 1 ] || bash test/deps.sh
mkdir -p bench/out
for b in bench/${1:-}*.sh; do
  [ "$b" = bench/run.sh ] && continue
  echo "=== $b"
  bash "$b" 2>&1 | tee "bench/out/$(basename "$b" .sh).log"
done
