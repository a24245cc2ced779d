#!/usr/bin/env bash
# A class lengthened while rows are being written under it: no entry keeps
# the shorter period.  A lengthening waits for the writers in flight and then
# raises their entries with the rest; a writer that comes while a lengthening
# is uncommitted waits for it and stamps with the new period.  (Both stamps
# once raced: the lengthening did not see uncommitted entries, and a writer
# read the old period.)
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..6"
tap_db scsm_ret_race_$$
retention_org
q "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
     SELECT 910, 1, timestamptz '2000-01-01 00:00+00', g FROM generate_series(1, 5) g" >/dev/null
until_of() {
  q "SELECT to_char(l.retain_until AT TIME ZONE 'UTC', 'YYYY-MM-DD')
       FROM scsm.ledger_row l JOIN scsm.ledger_table t USING (table_id)
      WHERE t.table_name = 'measurement' AND l.row_key = (
            SELECT pg_catalog.format('{\"org_id\":\"910\",\"measurement_id\":\"%s\"}', m.measurement_id)
              FROM scsm.measurement m WHERE m.value = $1)"
}
work=${SCSM_TEST_WORK:-/tmp}/ret_race_$$

# 1. the writer first: it holds its transaction open while the class is lengthened
ms=$(waited_ms "UPDATE scsm.retention_class SET period = '50 years' WHERE name = 'measurement'" "$work.w" <<'SQL'
BEGIN;
INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES (910, 1, '2000-01-01 00:00+00', 101);
SELECT pg_sleep(3);
COMMIT;
SQL
)
ok "$(( ms >= 1000 ))" 1 "the lengthening waited for the writer in flight ($ms ms)"
ok "$(until_of 101)" "2050-01-01" "the entry written meanwhile is raised to the new period"
ok "$(until_of 3)" "2050-01-01" "and so are the entries written before"

# 2. the lengthening first: uncommitted while a row is written
ms=$(waited_ms "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES (910, 1, '2000-01-01 00:00+00', 102)" "$work.l2" <<'SQL'
BEGIN;
UPDATE scsm.retention_class SET period = '60 years' WHERE name = 'measurement';
SELECT pg_sleep(3);
COMMIT;
SQL
)
ok "$(( ms >= 1000 ))" 1 "a writer waits for an uncommitted lengthening of its class ($ms ms)"
ok "$(until_of 102)" "2060-01-01" "and stamps its row with the new period"
ok "$(until_of 101)" "2060-01-01" "the earlier entries are raised again"
cat "$work.w" "$work.w.q" "$work.l2" "$work.l2.q" | grep -i error | head -5 | sed 's/^/# /'
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
rm -f "$work".*
