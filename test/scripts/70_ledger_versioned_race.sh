#!/usr/bin/env bash
# Two transactions updating the same row of a versioned table, the second
# waiting for the first: each new version gets its own number (the second
# reads the versions the first committed while it waited), both versions
# are in the history, and the ledger verifies.  With a retention class, only
# the latest version's entry waits in the due queue, also when a REPEATABLE
# READ writer's snapshot predates a lengthening of the class that moved the
# earlier version's queue row.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..6"
tap_db scsm_ver_race_$$
q "CREATE TABLE public.doc (id int PRIMARY KEY, issued date NOT NULL, body text NOT NULL);
   SELECT scsm.protect('public.doc', 'versioned');
   INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
   VALUES ('doc', 'documents', '1 year', 'record_date', 'issued');
   INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
   SELECT 'public', 'doc', class_id FROM scsm.retention_class WHERE name = 'doc';
   INSERT INTO public.doc VALUES (1, '2000-01-01', 'v1')" >/dev/null
work=${SCSM_TEST_WORK:-/tmp}/ver_race_$$
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work.a" 2>&1 <<'SQL' &
BEGIN;
UPDATE public.doc SET body = 'v2 by A' WHERE id = 1;
SELECT pg_sleep(2);
COMMIT;
SQL
pa=$!
sleep 0.7
q "UPDATE public.doc SET body = body || ', v3 by B' WHERE id = 1" >/dev/null 2>"$work.b"
wait $pa
ok "$(q "SELECT string_agg(version::text, ',' ORDER BY version) FROM scsm.ledger_row l JOIN scsm.ledger_table t USING (table_id)
          WHERE t.table_name = 'doc' AND l.row_key = '{\"id\":\"1\"}'")" "1,2,3" "each version has its own number"
ok "$(q "SELECT body FROM public.doc")" "v2 by A, v3 by B" "the second update saw the first"
ok "$(q "SELECT count(*) FROM scsm.retention_due d JOIN scsm.ledger_table t USING (table_id) WHERE t.table_name = 'doc'")" 1 \
   "one queue row: the latest version's"
# REPEATABLE READ: the writer's snapshot is taken, the class is lengthened
# (the queue row moves to the new date), then the writer makes a new version
q "INSERT INTO public.doc VALUES (2, '2000-01-01', 'v1')" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work.c" 2>&1 <<'SQL' &
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT 1 FROM public.doc LIMIT 1;
SELECT pg_sleep(2);
UPDATE public.doc SET body = 'v2 under RR' WHERE id = 2;
COMMIT;
SQL
pc=$!
sleep 0.7
q "UPDATE scsm.retention_class SET period = '5 years' WHERE name = 'doc'" >/dev/null 2>"$work.d"
wait $pc
ok "$(q "SELECT string_agg(d.version || '@' || to_char(d.retain_until AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ',') FROM scsm.retention_due d JOIN scsm.ledger_table t USING (table_id)
          WHERE t.table_name = 'doc' AND d.row_key = '{\"id\":\"2\"}'")" "2@2005-01-01" \
   "after a lengthening committed since a REPEATABLE READ writer's snapshot, one queue row for the key: the new version's"
ok "$(q "SELECT to_char(min(retain_until) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM scsm.ledger_row l JOIN scsm.ledger_table t USING (table_id)
          WHERE t.table_name = 'doc' AND l.row_key = '{\"id\":\"2\"}'")" "2005-01-01" "both versions keep the lengthened stamp"
q "SELECT scsm.ledger_seal(1000000)" >/dev/null
ok "$(q "SELECT count(*) FROM scsm.verify_ledger()")" 0 "the ledger verifies"
cat "$work.a" "$work.b" "$work.c" "$work.d" | grep -i error | head -5 | sed 's/^/# /'
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
rm -f "$work".*
