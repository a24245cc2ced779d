#!/usr/bin/env bash
# Backup and recovery (4.4.5 f): a database with protected records, disposal
# certificates, holds and reviews survives pg_dump/pg_restore into a new
# database; the copy still verifies, still refuses early deletes, and still
# disposes only what is due.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..12"
src=scsm_ret_src_$$
dst=scsm_ret_dst_$$
dump=${SCSM_TEST_WORK:-/tmp}/retention_$$.dump
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', want '$2')"; fi; }

psql -X -q -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null
q "$src" "CREATE EXTENSION scsm" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$src" -f test/fixtures/retention_org.sql >/dev/null
q "$src" "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
            SELECT 910, 1, timestamptz '2000-01-01 00:00+00' + g * interval '1 day', g FROM generate_series(1, 40) g;
          INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
            SELECT 910, 1, timestamptz '2090-01-01 00:00+00' + g * interval '1 day', g FROM generate_series(1, 40) g;
          INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, reported_at, severity)
            VALUES (910, 1, 'incident', 't', 'd', '2001-01-01', '2001-01-01', 2);
          UPDATE scsm.incident SET investigated_by = 1, investigation = 'done', investigated_on = '2001-02-01',
                                   closed_on = '2001-03-01';
          SELECT scsm.place_legal_hold('scsm.measurement', '{\"value\": 40}', 'kept for a claim', 910);" >/dev/null
q "$src" "SELECT scsm.dispose_expired(1000)" >/dev/null
q "$src" "SELECT scsm.list_disposal_reviews()" >/dev/null
q "$src" "SELECT scsm.ledger_seal()" >/dev/null
digest=$(q "$src" "SELECT scsm.ledger_digest()")

"$PGBIN/pg_dump" -Fc -f "$dump" "$src" 2>/dev/null
ok "$?" 0 "pg_dump"
PGOPTIONS='-c scsm.restore_mode=on' "$PGBIN/pg_restore" -d "$dst" "$dump" 2>"$dump.err"
ok "$?" 0 "pg_restore with scsm.restore_mode=on, no errors $(head -c 300 "$dump.err" | tr '\n' ' ')"
ok "$(q "$dst" "SELECT count(*) FROM scsm.verify_ledger('$digest')")" 0 "restored copy verifies against the digest taken before the dump"
ok "$(q "$dst" "SELECT count(*) || '/' || (SELECT count(*) FROM scsm.disposal_certificate) || '/' || (SELECT count(*) FROM scsm.disposal_review)
                FROM scsm.measurement")" \
   "$(q "$src" "SELECT count(*) || '/' || (SELECT count(*) FROM scsm.disposal_certificate) || '/' || (SELECT count(*) FROM scsm.disposal_review)
                FROM scsm.measurement")" "rows, certificates and reviews restored"
# the due queue comes back with the stamps: the same rows, and what a
# rebuild from the restored stamps would write
dueq="SELECT md5(coalesce(string_agg(format('%s %s %s %s %s %s %s', table_id, retain_until, entry_id, row_key, version,
                                           row_hash, class_id), ',' ORDER BY entry_id), '')) FROM scsm.retention_due"
ok "$(q "$dst" "$dueq")" "$(q "$src" "$dueq")" "the due queue is restored as it was"
ok "$(q "$dst" "SELECT scsm.retention_due_rebuild() > 0; $dueq" | tail -1)" "$(q "$src" "$dueq")" \
   "and equals the queue rebuilt from the restored stamps"
err=$(psql -X -qAt -d "$dst" -c "DELETE FROM scsm.measurement WHERE value = 1" 2>&1)
case "$err" in *"cannot delete from protected table"*) r=refused ;; *) r="$err" ;; esac
ok "$r" refused "restored copy refuses a direct DELETE"
ok "$(q "$dst" "SELECT scsm.dispose_expired(1000)")" 0 "restored copy disposes nothing early (held row and future rows stay)"
ok "$(q "$dst" "SELECT count(*) FROM scsm.measurement m WHERE m.measured_at < '2050-01-01' AND m.value <> 40")" 0 \
   "only the held expired measurement is left of the old ones"
ok "$(q "$dst" "SELECT scsm.decide_disposal(ARRAY(SELECT review_id FROM scsm.disposal_review), true, 'restored review');
               SELECT scsm.dispose_expired(1000); SELECT count(*) FROM scsm.verify_ledger()" | tail -1)" 0 \
   "restored copy keeps working: approved disposal, still verifies"
q "$dst" "INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES (910, 1, '2001-06-01 00:00+00', 99)" >/dev/null
note=$(psql -X -q -d "$dst" -c "LISTEN scsm_events" -c "SELECT scsm.dispose_expired(10)" 2>&1 | grep -o 'Asynchronous notification "scsm_events" with payload "{[^}]*\"event\": \"disposed\"' | head -1)
ok "${note:+seen}" seen "a disposal goes out on NOTIFY scsm_events"
# a parallel restore by a superuser without restore mode: the queue may
# arrive before the ledger entries it copies are committed, and is kept
dst2=${dst}_j
psql -X -q -d postgres -c "CREATE DATABASE $dst2" >/dev/null
"$PGBIN/pg_restore" -j 4 -d "$dst2" "$dump" 2>"$dump.err"
ok "$(q "$dst2" "$dueq")" "$(q "$src" "$dueq")" "a parallel pg_restore without restore mode keeps the due queue $(grep -m1 -i 'queue' "$dump.err" | head -c 200)"
psql -X -q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst" -c "DROP DATABASE $dst2" >/dev/null 2>&1
rm -f "$dump" "$dump.err"
