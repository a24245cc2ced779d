#!/usr/bin/env bash
# A backend killed (kill -9) in the middle of disposal leaves every row
# either present or disposed with its certificate, never neither; the next
# run resumes and finishes, and the ledger verifies.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..5"
db=scsm_ret_crash_$$
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', want '$2')"; fi; }
neither() {
  q "SELECT count(*) FROM scsm.ledger_row l
      WHERE l.table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'measurement')
        AND NOT EXISTS (SELECT 1 FROM scsm.measurement m
                         WHERE m.org_id = (l.row_key::jsonb ->> 'org_id')::bigint
                           AND m.measurement_id = (l.row_key::jsonb ->> 'measurement_id')::bigint)
        AND NOT EXISTS (SELECT 1 FROM scsm.disposal_certificate c
                         WHERE c.table_name = 'measurement' AND c.row_key = l.row_key AND c.row_hash = l.row_hash)"
}

psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
q "CREATE EXTENSION scsm" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f test/fixtures/retention_org.sql >/dev/null
q "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
     SELECT 910, 1, timestamptz '2000-01-01 00:00+00' + (g % 1000) * interval '1 hour', g FROM generate_series(1, 40000) g" >/dev/null
total=40000

# dispose in small batches, one transaction each (hundreds of commits, so
# the run lasts long enough to be caught), and kill the backend mid-way
PGAPPNAME=ret_crash psql -X -q -d "$db" -c "CALL scsm.dispose_all_expired(100)" >/dev/null 2>&1 &
bg=$!
pid=
for i in $(seq 1 400); do
  pid=$(psql -X -qAt -d postgres -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'ret_crash' AND state = 'active'")
  c=$(q "SELECT count(*) FROM scsm.disposal_certificate")
  [ -n "$pid" ] && [ "${c:-0}" -gt 2000 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null
ok "$?" 0 "backend $pid killed (kill -9) during disposal"
wait $bg 2>/dev/null
for i in $(seq 1 60); do psql -X -qAt -d postgres -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
disposed=$(q "SELECT count(*) FROM scsm.disposal_certificate")
left=$(q "SELECT count(*) FROM scsm.measurement")
ok "$(neither)" 0 "after the crash: no row is gone without a certificate ($disposed disposed, $left present)"
ok "$((disposed + left))" "$total" "present + disposed = all rows"
q "CALL scsm.dispose_all_expired(5000)" >/dev/null
ok "$(q "SELECT count(*) FROM scsm.measurement")/$(q "SELECT count(*) FROM scsm.disposal_certificate")" "0/$total" \
   "the next run resumes and disposes the rest, one certificate each"
ok "$(q "SELECT count(*) FROM scsm.verify_ledger()")" 0 "verify_ledger clean"
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
