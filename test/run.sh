#!/usr/bin/env bash
# Run every scsm test: build and install the extension, start a throwaway
# cluster, then pg_regress (sql/ + expected/), pgTAP suites (test/pgtap/)
# and the scripted tests (test/scripts/*.sh, TAP output, run by prove).
#
#   bash test/run.sh            everything
#   SCSM_SKIP_DEPS=1 ...        do not check Debian packages
#   SCSM_TEST_PORT=55432 ...    port of the throwaway cluster
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

[ "${SCSM_SKIP_DEPS:-0}" = 1 ] || bash test/deps.sh
. test/lib.sh

make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null

work=$(mktemp -d /tmp/scsm-test.XXXXXX)
chmod 755 "$work"
chown postgres: "$work"
port=${SCSM_TEST_PORT:-55432}
trap 'cluster_stop "$work/pg"; rm -rf "$work"' EXIT
cluster_start "$work/pg" "$port"
export SCSM_TEST_WORK=$work

failed=0
reg_pass=0 reg_fail=0
echo "== pg_regress"
reg_log=$work/regress.log
if make -s PG_CONFIG="$PG_CONFIG" installcheck 2>&1 | tee "$reg_log"; then :; else
  failed=1
  [ -f regression.diffs ] && cat regression.diffs
fi
reg_pass=$(grep -cE '^(ok|test) .* (ok|\.\.\. ok)' "$reg_log" || true)
reg_fail=$(grep -cE 'FAILED|failed \(' "$reg_log" || true)

echo "== pgTAP"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS scsm_tap' -c 'CREATE DATABASE scsm_tap'
psql -X -q -v ON_ERROR_STOP=1 -d scsm_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION scsm'
tap_log=$work/prove.log
if pg_prove -d scsm_tap --ext .sql test/pgtap/ 2>&1 | tee "$tap_log"; then :; else failed=1; fi

scripts=(test/scripts/*.sh)
script_log=$work/scripts.log
: >"$script_log"
if [ -e "${scripts[0]}" ]; then
  echo "== scripted tests"
  if prove -v "${scripts[@]}" 2>&1 | tee "$script_log"; then :; else failed=1; fi
fi

count() { sed -n 's/^Files=.*Tests=\([0-9]*\).*/\1/p' "$1" | head -1; }
tap_n=$(count "$tap_log"); tap_n=${tap_n:-0}
scr_n=$(count "$script_log"); scr_n=${scr_n:-0}
total=$((reg_pass + tap_n + scr_n))
if [ "$failed" -ne 0 ]; then
  echo "scsm tests: FAILED (pg_regress ok=$reg_pass failed=$reg_fail; pgTAP tests=$tap_n; scripted tests=$scr_n)"
  exit 1
fi
echo "scsm tests: pg_regress $reg_pass files, pgTAP $tap_n assertions, scripted $scr_n assertions"
echo "$total passed, 0 failed"
