#!/usr/bin/env bash
# Races between a disposal and what must stop or follow it:
#  - a legal hold committed while the disposal waits for the holds' lock is
#    honoured (the batch reads the holds after the lock, not with the
#    snapshot of its statement);
#  - a class lengthened while a disposal is uncommitted does not raise the
#    stamps of the records that disposal took: they keep the retain_until
#    their certificates name.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..5"
tap_db scsm_ret_hrace_$$
retention_org
q "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
     SELECT 910, 1, timestamptz '2000-01-01 00:00+00', g FROM generate_series(1, 10) g" >/dev/null
work=${SCSM_TEST_WORK:-/tmp}/ret_hrace_$$

# 1. the hold commits while the disposal waits for the holds' lock
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work.h" 2>&1 <<'SQL' &
BEGIN;
SELECT scsm.place_legal_hold('scsm.measurement', '{"value": 5}', 'claim', 910);
SELECT pg_sleep(2);
COMMIT;
SQL
ph=$!
sleep 0.7
t0=$(date +%s%N)
got=$(q "SELECT scsm.dispose_expired(100, 'scsm.measurement')" 2>&1)
t1=$(date +%s%N)
wait $ph
ok "$(( (t1 - t0) / 1000000 >= 700 ))" 1 "the disposal waited for the transaction placing the hold ($(( (t1 - t0) / 1000000 )) ms)"
ok "$got" 9 "it disposed of the nine unheld rows"
ok "$(q "SELECT string_agg(value::text, ',') FROM scsm.measurement")" 5 "the row held meanwhile is kept"

# 2. a lengthening while a disposal is uncommitted
q "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
     SELECT 910, 1, timestamptz '2000-01-01 00:00+00', 100 + g FROM generate_series(1, 10) g" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work.d" 2>&1 <<'SQL' &
BEGIN;
SELECT scsm.dispose_expired(100, 'scsm.measurement');
SELECT pg_sleep(2);
COMMIT;
SQL
pd=$!
sleep 0.7
q "UPDATE scsm.retention_class SET period = '50 years' WHERE name = 'measurement'" >/dev/null 2>"$work.l"
wait $pd
ok "$(q "SELECT count(*) FROM scsm.measurement WHERE value > 100")" 0 "the disposal took the ten new rows"
ok "$(q "SELECT count(*) FROM scsm.disposal_certificate c JOIN scsm.ledger_table lt ON lt.table_name = c.table_name
            JOIN scsm.ledger_row l ON l.table_id = lt.table_id AND l.entry_id = c.entry_id
           WHERE c.table_name = 'measurement' AND l.retain_until IS DISTINCT FROM c.retain_until")" 0 \
   "every disposed record keeps the stamp its certificate names"
cat "$work.h" "$work.d" "$work.l" | grep -i error | head -5 | sed 's/^/# /'
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
rm -f "$work".*
