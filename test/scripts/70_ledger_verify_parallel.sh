#!/usr/bin/env bash
# verify_ledger's table pass in parallel workers (src/ledger_verify.c): the
# same findings as the serial pass on a clean and on a tampered database,
# every participant used, and a cancel or a killed worker stops it with an
# error instead of a wrong answer or a hang.
# Needs the cluster of test/run.sh (PGHOST/PGPORT/PGUSER exported).
set -uo pipefail
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
db=lverify_par
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }
par="SET max_parallel_workers_per_gather = 2; SET min_parallel_table_scan_size = 0;"
ser="SET max_parallel_workers_per_gather = 0;"
findings() { q -c "$1" -c "SELECT coalesce(table_name, '-') || ' ' || kind || ' ' || coalesce(row_key, '-') || ' ' || coalesce(detail, '-') FROM scsm.verify_ledger() ORDER BY 1"; }

echo "1..9"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION scsm;
-- tables large enough to be shared out, one with a text and date key
CREATE TABLE rec (id bigint PRIMARY KEY, what text NOT NULL, amount numeric, at timestamptz NOT NULL);
CREATE TABLE reading (sensor text, day date, value double precision, note text, PRIMARY KEY (sensor, day));
-- an all-integer key of three types with negative values: keys built from
-- the values directly must equal the write path's (a mismatch would show as
-- unaccounted and missing rows)
CREATE TABLE neg (a smallint, b bigint, c int, v text, PRIMARY KEY (a, b, c));
SELECT scsm.protect('rec');
SELECT scsm.protect('reading');
SELECT scsm.protect('neg');
INSERT INTO neg SELECT -(g % 300), -9223372036854775807 + g, g - 5000, 'v' FROM generate_series(1, 10000) g;
INSERT INTO rec SELECT g, 'record ' || g, g * 1.5, '2024-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, 200000) g;
INSERT INTO reading SELECT 's"' || (g % 50), '2020-01-01'::date + g / 50, g / 7.0, CASE WHEN g % 3 = 0 THEN 'n' || g END FROM generate_series(1, 50000) g;
SQL
for _ in $(seq 1 300); do
  [ "$(q -c "SELECT scsm.ledger_seal(100000)")" = 0 ] && [ "$(q -c "SELECT count(*) FROM scsm.ledger_pending")" = 0 ] && break
  sleep 0.2
done
q -c "VACUUM ANALYZE rec" -c "VACUUM ANALYZE reading" >/dev/null

# the debug line names the workers launched; parallel_leader_participation
# plays no part: the caller always scans too
out=$(q -c "$par" -c "SET client_min_messages = debug1" -c "SELECT count(*) FROM scsm.verify_ledger()" 2>&1)
w=$(sed -n 's/.*table pass with \([0-9]*\) parallel worker.*/\1/p' <<<"$out" | head -1)
ok "$( [ "${w:-0}" -ge 1 ] && grep -qx 0 <<<"$out"; echo $?)" "a clean database verifies clean with ${w:-0} parallel worker(s)"
fs=$(findings "$ser")
ok "$( [ -z "$fs" ]; echo $?)" "and clean in the serial pass"

# tamper around the rules: rows changed, deleted and inserted, spread over
# both tables (first, middle and last pages)
q >/dev/null <<'SQL'
SET session_replication_role = replica;
SET client_min_messages = error;
ALTER TABLE rec DISABLE TRIGGER ALL;
ALTER TABLE reading DISABLE TRIGGER ALL;
UPDATE rec SET amount = 0 WHERE id IN (1, 100000, 200000);
DELETE FROM rec WHERE id IN (2, 150001);
INSERT INTO rec VALUES (300000, 'forged', 1, now()), (300001, 'forged', 2, now());
UPDATE reading SET note = 'edited' WHERE (sensor, day) IN (('s"1', '2020-01-01'), ('s"7', '2020-06-01'));
DELETE FROM reading WHERE sensor = 's"3' AND day = '2020-02-02';
INSERT INTO reading VALUES ('forged', '2021-01-01', 1, NULL);
ALTER TABLE rec ENABLE TRIGGER ALL;
ALTER TABLE reading ENABLE TRIGGER ALL;
ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row, ENABLE ALWAYS TRIGGER scsm_ledger_write;
ALTER TABLE reading ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row, ENABLE ALWAYS TRIGGER scsm_ledger_write;
SQL
fp=$(findings "$par")
fs=$(findings "$ser")
ok "$( [ -n "$fp" ] && [ "$fp" = "$fs" ]; echo $?)" "a tampered database: parallel and serial findings are identical ($(wc -l <<<"$fp") rows)"
exp=0
for p in 'public.rec modified {"id":"1"}' 'public.rec modified {"id":"100000"}' 'public.rec modified {"id":"200000"}' \
         'public.rec missing {"id":"2"}' 'public.rec missing {"id":"150001"}' \
         'public.rec unaccounted {"id":"300000"}' 'public.rec unaccounted {"id":"300001"}' \
         'public.reading modified {"sensor":"s\"1","day":"2020-01-01"}' 'public.reading modified {"sensor":"s\"7","day":"2020-06-01"}' \
         'public.reading missing {"sensor":"s\"3","day":"2020-02-02"}' 'public.reading unaccounted {"sensor":"forged","day":"2021-01-01"}'; do
  grep -qF "$p " <<<"$fp" || { exp=1; echo "# not found: $p"; }
done
ok "$exp" "every change is named by the parallel pass"
ok "$( [ "$(wc -l <<<"$fp")" = 11 ]; echo $?)" "and nothing else is reported"

# a cancel stops the parallel pass and leaves no worker behind
out=$(q -c "$par" -c "SET statement_timeout = '30ms'" -c "SELECT count(*) FROM scsm.verify_ledger()" 2>&1)
ok "$(grep -q "canceling statement due to statement timeout" <<<"$out"; echo $?)" "statement_timeout cancels a parallel verify"
sleep 0.5
ok "$( [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker' AND datname = current_database()")" = 0 ]; echo $?)" "no parallel worker is left running"

# a worker that dies makes the verify fail, never return a partial answer
leader=$(mktemp); killer=$(mktemp)
( PGAPPNAME=lverify_leader q -c "$par" -c "SELECT count(*) FROM scsm.verify_ledger()" >"$leader" 2>&1 ) &
q >"$killer" 2>&1 <<'SQL'
DO $$
BEGIN
  FOR i IN 1..20000 LOOP
    PERFORM pg_terminate_backend(w.pid) FROM pg_stat_activity w
      JOIN pg_stat_activity l ON l.pid = w.leader_pid AND l.application_name = 'lverify_leader'
     WHERE w.backend_type = 'parallel worker';
    EXIT WHEN FOUND;
    PERFORM pg_sleep(0.0005);
    PERFORM pg_stat_clear_snapshot();
  END LOOP;
END $$;
SQL
wait
ok "$(grep -q "ERROR: .*\(parallel worker\|terminating\)" "$leader" && ! grep -qx "11" "$leader"; echo $?)" "a killed worker fails the verify ($(grep -m1 ERROR "$leader" | cut -c1-90))"
ok "$( [ "$(findings "$par" | wc -l)" = 11 ]; echo $?)" "the next parallel verify in a new session gives the full answer again"
rm -f "$leader" "$killer"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
exit $((fail > 0))
