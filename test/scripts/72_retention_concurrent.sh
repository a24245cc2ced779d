#!/usr/bin/env bash
# Two disposers at once (and a hold placed while they run): every expired
# row is disposed exactly once, with one certificate; no error; held rows
# stay; the ledger verifies.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..7"
tap_db scsm_ret_conc_$$
retention_org
q "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
     SELECT 910, 1, timestamptz '2000-01-01 00:00+00' + (g % 500) * interval '1 day', g % 7 FROM generate_series(1, 6000) g" >/dev/null
q "SELECT scsm.ledger_seal(1000000)" >/dev/null
err=${SCSM_TEST_WORK:-/tmp}/ret_conc_$$
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL scsm.dispose_all_expired(200)" >"$err.1" 2>&1 &
p1=$!
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL scsm.dispose_all_expired(200)" >"$err.2" 2>&1 &
p2=$!
sleep 0.5
q "SELECT scsm.place_legal_hold('scsm.measurement', '{\"value\": 3}', 'claim during disposal', 910)" >/dev/null
wait $p1; r1=$?
wait $p2; r2=$?
ok "$r1/$r2" "0/0" "both disposers finished without error $(cat "$err.1" "$err.2" | head -c 300 | tr '\n' ' ')"
held_left=$(q "SELECT count(*) FROM scsm.measurement WHERE value = 3")
ok "$(q "SELECT count(*) FROM scsm.measurement WHERE value <> 3")" 0 "every unheld expired row is gone"
ok "$(q "SELECT count(*) FROM scsm.disposal_certificate") + $held_left" "$(q "SELECT (6000 - $held_left)") + $held_left" \
   "one certificate per disposed row ($held_left held rows kept)"
ok "$(q "SELECT count(*) FROM (SELECT row_key FROM scsm.disposal_certificate GROUP BY row_key HAVING count(*) > 1) d")" 0 \
   "no row certified twice"
ok "$(q "SELECT count(*) FROM scsm.verify_ledger()")" 0 "verify_ledger clean"
# the table's disposal lock: a disposer leaves a table alone while another
# transaction holds it, and takes it up once it is released
q "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES (910, 1, '2000-01-01 00:00+00', 1)" >/dev/null
tid=$(q "SELECT table_id FROM scsm.ledger_table WHERE table_name = 'measurement'")
psql -X -q -d "$db" -c "BEGIN; SELECT pg_advisory_xact_lock(1935897453, $tid); SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
p3=$!
sleep 1
ok "$(q "SELECT scsm.dispose_expired(100, 'scsm.measurement')")" 0 "a disposer skips a table whose disposal lock is held"
wait $p3
ok "$(q "SELECT scsm.dispose_expired(100, 'scsm.measurement')")" 1 "and disposes once it is released"
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
rm -f "$err.1" "$err.2"
