#!/usr/bin/env bash
# pg_dump / pg_restore of a database with protected tables: the restored copy
# verifies clean against a digest taken before the dump (user-defined types get
# new OIDs, rows new ctids), still refuses UPDATE, seals rows that were dumped
# unsealed, and keeps chaining; an older dump restored in place of the current
# database is caught by the newer digest.
set -uo pipefail
if [ -n "${SCSM_TEST_WORK:-}" ]; then work=$SCSM_TEST_WORK/ledger_dump; else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
rm -rf "$work"; mkdir -p "$work"; chmod 777 "$work"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
q() { local db=$1; shift; psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
PGBIN=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir)

echo "1..10"
for d in ldump_src ldump_dst ldump_old; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d"; done
psql -X -q -d postgres -c "CREATE DATABASE ldump_src"
q ldump_src >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TYPE severity AS ENUM ('minor', 'major');
CREATE TYPE place AS (site text, gate int);
CREATE DOMAIN money_eur AS numeric(12,2);
CREATE TABLE incident (id bigint PRIMARY KEY, sev severity NOT NULL, where_ place, cost money_eur,
                       tags severity[], details jsonb, at timestamptz NOT NULL, ratio float8);
CREATE TABLE procedure (code text PRIMARY KEY, body text NOT NULL);
SELECT scsm.protect('incident');
SELECT scsm.protect('procedure', 'versioned');
INSERT INTO incident SELECT g, CASE WHEN g % 2 = 0 THEN 'minor' ELSE 'major' END::severity,
       ROW('site ' || g, g)::place, g * 10.5, ARRAY['minor', 'major']::severity[],
       jsonb_build_object('n', g, 'x', ARRAY[1.50, 2]), '2024-01-01'::timestamptz + g * interval '1 hour', 1.0 / g
  FROM generate_series(1, 20) g;
INSERT INTO procedure VALUES ('OP-1', 'v1'), ('OP-2', 'v1');
UPDATE procedure SET body = 'v2' WHERE code = 'OP-1';
SELECT scsm.ledger_dispose_row('incident', '7', 'test disposal');
SELECT scsm.ledger_seal();
SQL
d1=$(q ldump_src -c "SELECT scsm.ledger_digest()")
ok "$( [ -z "$(q ldump_src -c "SELECT * FROM scsm.verify_ledger('$d1')")" ]; echo $?)" "source verifies clean"

# an entry that is still unsealed when the dump is taken: hold the sealer off
# (the holder keeps the lock until the dump is written, however slow the machine)
psql -X -q -d ldump_src -c "SELECT pg_advisory_lock(1935896941, 1)" \
     -c "DO \$\$BEGIN WHILE NOT EXISTS (SELECT 1 FROM pg_stat_activity
        WHERE application_name = 'ldump_done') LOOP PERFORM pg_sleep(0.05); PERFORM pg_stat_clear_snapshot(); END LOOP; END\$\$" >/dev/null &
holder=$!
for _ in $(seq 1 600); do
  [ "$(q ldump_src -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1935896941 AND objid = 1 AND granted")" = 1 ] && break
  sleep 0.05
done
q ldump_src -c "INSERT INTO incident VALUES (21, 'minor', NULL, NULL, NULL, NULL, '2024-02-01', NULL)"
"$PGBIN/pg_dump" -Fc -f "$work/src.dump" ldump_src
PGAPPNAME=ldump_done psql -X -q -d ldump_src -c "SELECT pg_sleep(0.5)" >/dev/null
wait $holder
ok "$( [ "$("$PGBIN/pg_restore" -l "$work/src.dump" | grep -c 'TABLE DATA scsm ledger_row')" = 1 ]; echo $?)" "the ledger tables are in the dump (pg_extension_config_dump)"

psql -X -q -d postgres -c "CREATE DATABASE ldump_dst"
PGOPTIONS="${PGOPTIONS:-} -c scsm.restore_mode=on" "$PGBIN/pg_restore" -d ldump_dst "$work/src.dump" 2>"$work/restore.err"
ok $? "pg_restore succeeds$( [ -s "$work/restore.err" ] && echo " ($(head -c 300 "$work/restore.err" | tr '\n' ' '))")"
ok "$( [ "$(q ldump_dst -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" -ge 1 ]; echo $?)" "the restored copy holds an entry dumped unsealed"
out=$(q ldump_dst -c "SELECT kind || ' ' || coalesce(row_key, '') || ' ' || detail FROM scsm.verify_ledger('$d1')")
ok "$( [ -z "$out" ]; echo $?)" "the restored copy verifies clean against the digest taken before the dump $out"
q ldump_dst -c "UPDATE incident SET cost = 0 WHERE id = 1" >/dev/null 2>&1; [ $? != 0 ]
ok $? "the restored copy still refuses UPDATE"
q ldump_dst -c "INSERT INTO incident VALUES (22, 'major', NULL, NULL, NULL, NULL, '2024-02-02', NULL)" \
            -c "INSERT INTO procedure VALUES ('OP-3', 'v1')" -c "UPDATE procedure SET body = 'v3' WHERE code = 'OP-1'" >/dev/null
# seal until nothing is left (0 also means the background sealer holds the lock)
for _ in $(seq 1 600); do
  [ "$(q ldump_dst -c "SELECT scsm.ledger_seal()")" != 0 ] && continue
  [ "$(q ldump_dst -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" = 0 ] && break
  sleep 0.1
done
ok "$( [ "$(q ldump_dst -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" = 0 ]; echo $?)" "new and restored-unsealed entries are sealed in the restored copy"
out=$(q ldump_dst -c "SELECT kind || ' ' || coalesce(row_key, '') || ' ' || detail FROM scsm.verify_ledger('$d1')")
ok "$( [ -z "$out" ]; echo $?)" "the restored copy keeps chaining from the old digest $out"

# the source moves on; an older dump restored in its place is caught
q ldump_src -c "INSERT INTO incident VALUES (30, 'major', NULL, NULL, NULL, NULL, '2024-03-01', NULL)" -c "SELECT scsm.ledger_seal()" >/dev/null
q ldump_src -c "SELECT scsm.ledger_seal()" >/dev/null
d2=$(q ldump_src -c "SELECT scsm.ledger_digest()")
psql -X -q -d postgres -c "CREATE DATABASE ldump_old"
PGOPTIONS="${PGOPTIONS:-} -c scsm.restore_mode=on" "$PGBIN/pg_restore" -d ldump_old "$work/src.dump" 2>/dev/null
out=$(q ldump_old -c "SELECT kind FROM scsm.verify_ledger('$d2')")
ok "$( grep -q digest_mismatch <<<"$out"; echo $?)" "an older dump restored over the current database fails the newer digest"
ok "$( [ -z "$(q ldump_src -c "SELECT * FROM scsm.verify_ledger('$d2')")" ]; echo $?)" "the current database verifies clean against it"

for d in ldump_src ldump_dst ldump_old; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d"; done
[ "$fail" = 0 ]
