#!/usr/bin/env bash
# 30_register_concurrency.sh: rules of the register that two sessions could
# race past.  Two transactions appoint different people to the system-lead
# role (4.4.1 a) at the same time: the second must wait for the first and then
# be refused with 23S12, not slip in beside it.
# Run by test/run.sh (PGHOST/PGPORT/PGUSER of the throwaway cluster set).
set -uo pipefail
cd "$(dirname "$0")/../.."
db=scsm_regconc
echo "1..3"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null 2>&1 <<'SQL'
CREATE EXTENSION scsm;
\i test/fixtures/register_fixture.sql
SELECT pg_temp.register_fixture(9001, 'harbour_a');
UPDATE scsm.appointment SET valid_until = '2025-12-31' WHERE org_id = 9001 AND appointment_id = 2;
SQL
if [ $? -eq 0 ]; then echo "ok 1 - fixture loaded"; else echo "not ok 1 - fixture loaded"; fi

out_a=$(mktemp) out_b=$(mktemp)
# session A appoints Ada and holds its transaction open for a moment
psql -X -q -d $db >"$out_a" 2>&1 <<'SQL' &
BEGIN;
INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 10, 2, 1, '2026-01-01');
SELECT pg_sleep(2);
COMMIT;
SQL
pid_a=$!
# wait until A has inserted and sits in its pg_sleep (not a fixed delay: CI machines are slow)
for _ in $(seq 1 400); do
  [ "$(psql -X -At -d $db -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2)%' AND state = 'active'")" = 1 ] && break
  sleep 0.05
done
# session B appoints Cy for an overlapping period while A is still open
psql -X -q -d $db -c '\set VERBOSITY sqlstate' \
  -c "INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 11, 2, 3, '2026-06-01')" \
  >"$out_b" 2>&1
wait "$pid_a"
if grep -q '23S12' "$out_b"; then echo "ok 2 - the concurrent second appointment is refused with 23S12"
else echo "not ok 2 - the concurrent second appointment is refused with 23S12"; sed 's/^/# /' "$out_b"; fi
n=$(psql -X -At -d $db -c "SELECT count(*) FROM scsm.appointment WHERE org_id = 9001 AND role_id = 2 AND valid_from >= '2026-01-01'")
if [ "$n" = 1 ]; then echo "ok 3 - one system lead from 2026 on"; else echo "not ok 3 - one system lead from 2026 on (got $n)"; sed 's/^/# /' "$out_a"; fi
rm -f "$out_a" "$out_b"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
