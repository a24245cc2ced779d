#!/usr/bin/env bash
# pg_cron runs CALL scsm.run_maintenance(), registered by
# scsm.schedule_maintenance(), and that scheduled run really disposes an
# expired row (with its certificate and a 'disposed' event).  pg_cron 1.4
# has minute granularity: this waits up to ~80 s.  Own cluster (port + 7)
# whose cron.database_name is the scsm database.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..4"
port=$(( ${PGPORT:-55560} + 7 ))
dir=${SCSM_TEST_WORK:-/tmp}/ret_cron_$$
SCSM_CRON_DB=scsm_cron cluster_start "$dir" "$port" >/dev/null || { echo "not ok 1 - cluster"; exit 1; }
trap 'cluster_stop "$dir"; rm -rf "$dir"' EXIT
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d scsm_cron -c "$1"; }
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', want '$2')"; fi; }

psql -X -q -d postgres -c "CREATE DATABASE scsm_cron" >/dev/null
q "CREATE EXTENSION pg_cron" >/dev/null
q "CREATE EXTENSION scsm" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d scsm_cron -f test/fixtures/retention_org.sql >/dev/null
q "INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value)
   VALUES (910, 1, 1, '2001-01-01 00:00+00', 1), (910, 2, 1, '2090-01-01 00:00+00', 2)" >/dev/null
job=$(q "SELECT scsm.schedule_maintenance('* * * * *')")
ok "$([ -n "$job" ] && q "SELECT command FROM cron.job WHERE jobid = $job")" "CALL scsm.run_maintenance()" \
   "scsm.schedule_maintenance() registered the job with pg_cron"
left=2
for i in $(seq 1 90); do
  left=$(q "SELECT count(*) FROM scsm.measurement")
  [ "$left" = 1 ] && break
  sleep 1
done
ok "$left" 1 "a scheduled run disposed the expired row and kept the other"
ok "$(q "SELECT count(*) FROM scsm.disposal_certificate WHERE table_name = 'measurement' AND disposed_by = 'postgres'")" 1 \
   "its certificate is there"
ok "$(q "SELECT count(*) FROM scsm.event_log WHERE event = 'disposed' AND table_name = 'measurement'")" 1 \
   "the 'disposed' event was logged"
