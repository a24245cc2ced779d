#!/usr/bin/env bash
# Sealing runs by itself: the background worker (scsm preloaded) seals
# committed entries within scsm.seal_interval, the interval is configurable,
# sealing survives a server restart with no false alarm, and
# scsm.schedule_maintenance() registers CALL scsm.run_maintenance() with
# pg_cron (a stand-in cron.schedule here: the live pg_cron sits in the
# cron.database_name database of the cluster).
set -uo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
db=lworker
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }
PGBIN=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir)
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
# wait_sealed SECONDS: until no entry is unsealed; prints the seconds waited
wait_sealed() {
  local i
  for i in $(seq 1 $(( $1 * 5 ))); do
    [ "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" = 0 ] && { echo $(( i / 5 )); return 0; }
    sleep 0.2
  done
  return 1
}

echo "1..8"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TABLE m (id int PRIMARY KEY, v numeric);
SELECT scsm.protect('m');
SQL
ok "$( [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'scsm ledger launcher'")" = 1 ]; echo $?)" "the ledger launcher runs"
interval_ms=$(q -c "SELECT setting FROM pg_settings WHERE name = 'scsm.seal_interval'")
ok "$( [ "$interval_ms" -le 60000 ]; echo $?)" "default tamper window scsm.seal_interval = ${interval_ms} ms (at most 60 s)"

q -c "INSERT INTO m SELECT g, g FROM generate_series(1, 100) g"
t=$(wait_sealed $(( interval_ms / 1000 * 2 + 10 ))); ok $? "the worker sealed 100 committed rows by itself (after ~${t:-?} s)"

q -c "ALTER SYSTEM SET scsm.seal_interval = '1s'" -c "SELECT pg_reload_conf()" >/dev/null
sleep $(( interval_ms / 1000 + 1 ))   # the launcher picks the new interval up at its next round
q -c "INSERT INTO m VALUES (1000, 1)"
t=$(wait_sealed 8); ok $? "with scsm.seal_interval = 1s a new row is sealed within seconds (~${t:-?} s)"
q -c "ALTER SYSTEM RESET scsm.seal_interval" -c "SELECT pg_reload_conf()" >/dev/null

d=$(q -c "SELECT scsm.ledger_digest()")
as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -m fast -w restart >/dev/null
ok $? "server restart"
ok "$( [ -z "$(q -c "SELECT * FROM scsm.verify_ledger('$d')")" ]; echo $?)" "no false alarm after a restart"
q -c "INSERT INTO m VALUES (2000, 2)"
t=$(wait_sealed $(( interval_ms / 1000 * 2 + 10 ))); ok $? "sealing resumes after the restart (~${t:-?} s)"

q >/dev/null <<'SQL'
CREATE SCHEMA cron;
CREATE TABLE cron.job (jobid bigserial, jobname text, schedule text, command text);
CREATE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
  LANGUAGE sql AS $$ INSERT INTO cron.job (jobname, schedule, command) VALUES ($1, $2, $3) RETURNING jobid $$;
SELECT scsm.schedule_maintenance();
SQL
ok "$( [ "$(q -c "SELECT jobname || '|' || schedule || '|' || command FROM cron.job")" = "scsm-maintenance|* * * * *|CALL scsm.run_maintenance()" ]; echo $?)" "schedule_maintenance registers CALL scsm.run_maintenance() every minute"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
[ "$fail" = 0 ]
