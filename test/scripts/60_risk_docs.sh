#!/usr/bin/env bash
# The SQL examples of docs/risk.md run, in order, in a fresh database.
# Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning"
db=scsm_risk_docs
work=${SCSM_TEST_WORK:-$(mktemp -d)}/risk_docs
rm -rf "$work"; mkdir -p "$work"
trap 'psql -X -q -c "DROP DATABASE IF EXISTS '$db'" >/dev/null 2>&1' EXIT
psql -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null \
  || { echo "Bail out! cannot create $db"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION scsm" >/dev/null || { echo "Bail out! CREATE EXTENSION failed"; exit 1; }

echo "1..2"
python3 - docs/risk.md >"$work/examples.sql" <<'PY'
import re, sys
blocks = re.findall(r"```sql\n(.*?)```", open(sys.argv[1]).read(), re.S)
print("\n".join(blocks))
PY
n=$(grep -c . "$work/examples.sql")
[ "$n" -gt 20 ] && echo "ok 1 - docs/risk.md has SQL examples ($n lines)" || echo "not ok 1 - docs/risk.md has SQL examples ($n lines)"
if psql -X -v ON_ERROR_STOP=1 -d $db -f "$work/examples.sql" >"$work/examples.out" 2>&1; then
  echo "ok 2 - every example in docs/risk.md runs without error"
else
  echo "not ok 2 - every example in docs/risk.md runs without error"
  tail -5 "$work/examples.out" | sed 's/^/# /'
fi
