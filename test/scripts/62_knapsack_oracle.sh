#!/usr/bin/env bash
# Knapsack against a brute-force oracle (python3 + numpy): several hundred
# random instances with n <= 20, 0/1 and multiple-choice, and their curves.
# Uses the throwaway cluster of test/run.sh (PGHOST/PGPORT/PGUSER).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=scsm_t62
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -X -q -d $db -c 'CREATE EXTENSION scsm' >/dev/null
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS '$db'" >/dev/null 2>&1 || true' EXIT
# Debian's numpy lives in the system python; OpenBLAS tuning variables are
# irrelevant here and are dropped for this command only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$here/62_knapsack_oracle.py" psql -d $db
