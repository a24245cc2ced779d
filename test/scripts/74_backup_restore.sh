#!/usr/bin/env bash
# Backup and recovery of a whole system (4.4.5 f, 4.5.4): the demo
# organisation, sealed, is dumped with pg_dump and restored with pg_restore
# into a new database as docs/retention.md says (scsm.restore_mode on).  The
# restore must load every table (the register's rule triggers and side effects
# stay silent while restoring), verify against the digest taken before the
# dump, keep every row and score, and still refuse changes to records.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..7"
src=scsm_backup_src dst=scsm_backup_dst
dump=$SCSM_TEST_WORK/backup.dump
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $src -c 'CREATE EXTENSION scsm' -f demo/demo.sql >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d $src -c 'CALL scsm.run_maintenance()' >/dev/null
digest=$(psql -X -A -t -d $src -c 'SELECT scsm.ledger_digest()')
counts="SELECT (SELECT count(*) FROM scsm.risk) || '/' || (SELECT count(*) FROM scsm.risk_score) || '/' ||
               (SELECT count(*) FROM scsm.incident) || '/' || (SELECT count(*) FROM scsm.objective) || '/' ||
               (SELECT count(*) FROM scsm.nonconformity) || '/' || (SELECT count(*) FROM scsm.measurement) || '/' ||
               (SELECT count(*) FROM scsm.audit_unit_due_log) || '/' || (SELECT count(*) FROM scsm.review_flag)"
before=$(psql -X -A -t -d $src -c "$counts")

if pg_dump -Fc -d $src -f "$dump" 2>"$SCSM_TEST_WORK/backup_dump.err"; then
  echo "ok 1 - pg_dump of the sealed demo organisation"
else
  echo "not ok 1 - pg_dump of the sealed demo organisation"; sed 's/^/# /' "$SCSM_TEST_WORK/backup_dump.err"
fi
if PGOPTIONS='-c scsm.restore_mode=on' pg_restore -d $dst "$dump" 2>"$SCSM_TEST_WORK/backup_restore.err"; then
  echo "ok 2 - pg_restore with scsm.restore_mode loads every table without error"
else
  echo "not ok 2 - pg_restore with scsm.restore_mode loads every table without error"
  grep ERROR "$SCSM_TEST_WORK/backup_restore.err" | head -5 | sed 's/^/# /'
fi
after=$(psql -X -A -t -d $dst -c "$counts")
[ "$before" = "$after" ] && echo "ok 3 - the same rows after restore ($after)" \
  || echo "not ok 3 - rows before $before, after $after"
n=$(psql -X -A -t -d $dst -c "SELECT count(*) FROM scsm.verify_ledger('$digest'::jsonb)")
[ "$n" = 0 ] && echo "ok 4 - the restored database verifies against the digest taken before the dump" \
  || echo "not ok 4 - verify_ledger reports $n discrepancies after restore"
r=$(psql -X -A -t -d $dst -c "DO \$\$ BEGIN DELETE FROM scsm.measurement; EXCEPTION WHEN SQLSTATE '55000' THEN RAISE NOTICE 'refused'; END \$\$" 2>&1)
case "$r" in *refused*) echo "ok 5 - a restored record table still refuses DELETE";; *) echo "not ok 5 - DELETE after restore: $r";; esac
r=$(psql -X -A -t -d $dst -c "SELECT count(*) FROM scsm.dispose_expired(1000)" 2>&1)
echo "ok 6 - disposal after restore runs # disposed batch: $r"
v=$(psql -X -A -t -d $dst -c "SELECT count(*) FROM scsm.v_clause_conformance")
[ "$v" = 23 ] && echo "ok 7 - the dashboard of the restored database has 23 clauses" || echo "not ok 7 - dashboard rows: $v"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
