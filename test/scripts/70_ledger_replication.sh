#!/usr/bin/env bash
# What a logical-replication subscriber sees: the ledger triggers are ENABLE
# ALWAYS, so rows applied by the subscription worker (which runs with
# session_replication_role = replica) are hashed into the subscriber's own
# ledger, and UPDATE/DELETE stay refused there too.  Runs a cluster of its
# own with wal_level = logical (publisher and subscriber databases in it).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/lib.sh"
own=0
if [ -n "${SCSM_TEST_WORK:-}" ]; then work=$SCSM_TEST_WORK/ledger_repl; else work=$(mktemp -d); own=1; fi
mkdir -p "$work"; chmod 755 "$work"; chown postgres: "$work" 2>/dev/null || true
port=$(( ${PGPORT:-55432} + 3 ))
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
echo "1..6"
saved_host=${PGHOST:-}; saved_port=${PGPORT:-}
cluster_start "$work/pg" "$port" "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4" >/dev/null
trap 'cluster_stop "$work/pg"; [ $own = 1 ] && rm -rf "$work"; export PGHOST=$saved_host PGPORT=$saved_port' EXIT
q() { local db=$1; shift; psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
for db in lpub lsub; do
  psql -X -q -d postgres -c "CREATE DATABASE $db"
  q $db >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TABLE measurement (id int PRIMARY KEY, kpi text NOT NULL, value numeric NOT NULL);
SELECT scsm.protect('measurement');
SQL
done
q lpub -c "CREATE PUBLICATION p FOR TABLE measurement" -c "SELECT pg_create_logical_replication_slot('lsub_slot', 'pgoutput')" >/dev/null
q lsub -c "CREATE SUBSCRIPTION s CONNECTION 'host=$PGHOST port=$port dbname=lpub user=postgres' PUBLICATION p WITH (create_slot = false, slot_name = 'lsub_slot')" >/dev/null
q lpub -c "INSERT INTO measurement SELECT g, 'throughput', g * 2 FROM generate_series(1, 20) g" >/dev/null
for i in $(seq 1 60); do [ "$(q lsub -c "SELECT count(*) FROM measurement")" = 20 ] && break; sleep 0.5; done
ok "$( [ "$(q lsub -c "SELECT count(*) FROM measurement")" = 20 ]; echo $?)" "rows reach the subscriber"
ok "$( [ "$(q lsub -c "SELECT count(*) FROM scsm.ledger_entry")" = 20 ]; echo $?)" "the subscriber ledgers the applied rows itself (ENABLE ALWAYS under session_replication_role = replica)"
same=$(q lsub -c "SELECT count(*) FROM scsm.ledger_entry")
ok "$( [ "$(q lpub -c "SELECT string_agg(encode(row_hash, 'hex'), ',' ORDER BY row_key) FROM scsm.ledger_entry")" = \
         "$(q lsub -c "SELECT string_agg(encode(row_hash, 'hex'), ',' ORDER BY row_key) FROM scsm.ledger_entry")" ]; echo $?)" \
   "publisher and subscriber compute the same row hashes ($same rows)"
q lpub -c "SELECT scsm.ledger_seal()" >/dev/null; q lsub -c "SELECT scsm.ledger_seal()" >/dev/null
ok "$( [ -z "$(q lpub -c "SELECT * FROM scsm.verify_ledger()")$(q lsub -c "SELECT * FROM scsm.verify_ledger()")" ]; echo $?)" "both sides verify against their own ledgers"
q lsub -c "SET session_replication_role = replica" -c "UPDATE measurement SET value = 0" >/dev/null 2>&1; [ $? != 0 ]
ok $? "UPDATE under session_replication_role = replica is refused on the subscriber"
q lpub -c "UPDATE measurement SET value = 0" >/dev/null 2>&1; [ $? != 0 ]
ok $? "the publisher refuses UPDATE, so none is ever replicated"
q lsub -c "ALTER SUBSCRIPTION s DISABLE" -c "ALTER SUBSCRIPTION s SET (slot_name = NONE)" -c "DROP SUBSCRIPTION s" >/dev/null 2>&1
q lpub -c "SELECT pg_drop_replication_slot('lsub_slot')" >/dev/null 2>&1
[ "$fail" = 0 ]
