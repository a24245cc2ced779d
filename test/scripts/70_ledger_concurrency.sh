#!/usr/bin/env bash
# Concurrency and crash: 8 concurrent writers (pgbench) into protected tables
# while sealers run, then writers acknowledged one commit at a time while the
# postmaster is killed with SIGKILL.  No error, no lost row, every
# acknowledged commit present after restart, and the ledger verifies.
set -uo pipefail
if [ -n "${SCSM_TEST_WORK:-}" ]; then work=$SCSM_TEST_WORK/ledger_conc; else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
rm -rf "$work"; mkdir -p "$work"; chmod 777 "$work"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
db=lconc
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }
PGBIN=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir)
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

echo "1..9"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TABLE reading (id bigserial PRIMARY KEY, sensor int NOT NULL, value float8, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE event (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), kind text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
SELECT scsm.protect('reading');
SELECT scsm.protect('event');
SQL
cat >"$work/w.sql" <<'SQL'
\set s random(1, 50)
BEGIN;
INSERT INTO reading (sensor, value) VALUES (:s, random());
INSERT INTO event (kind) VALUES ('reading ' || :s);
COMMIT;
INSERT INTO reading (sensor, value) VALUES (:s, random());
SQL
# a sealer hammering alongside the background worker
( end=$((SECONDS + 9)); while [ $SECONDS -lt $end ]; do psql -X -q -d $db -c "SELECT scsm.ledger_seal(500)" >/dev/null 2>>"$work/sealer.err"; done ) &
sealer=$!
"$PGBIN/pgbench" -n -c 8 -j 4 -T 8 -f "$work/w.sql" $db >"$work/pgbench.out" 2>&1
rc=$?
wait $sealer
ok "$( [ $rc = 0 ] && grep -q "number of failed transactions: 0" "$work/pgbench.out"; echo $?)" "8 concurrent writers while sealing: no error ($(grep -E '^number of transactions actually processed' "$work/pgbench.out" | sed 's/.*: //') transactions)"
ok "$( [ ! -s "$work/sealer.err" ]; echo $?)" "concurrent sealers: no error"
processed=$(grep -E '^number of transactions actually processed' "$work/pgbench.out" | sed 's/.*: //; s/\/.*//')
q -c "CALL scsm.run_maintenance()" 2>/dev/null || { q -c "SELECT scsm.ledger_seal()" >/dev/null; }
# seal until nothing is left (0 also means the background sealer holds the lock)
for _ in $(seq 1 600); do
  [ "$(q -c "SELECT scsm.ledger_seal()")" != 0 ] && continue
  [ "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" = 0 ] && break
  sleep 0.1
done
counts=$(q -c "SELECT (SELECT count(*) FROM reading) || ' ' || (SELECT count(*) FROM event) || ' ' || (SELECT count(*) FROM scsm.ledger_entry) || ' ' || (SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL)")
read -r nr ne nl nu <<<"$counts"
ok "$( [ "$nr" = $((processed * 2)) ] && [ "$ne" = "$processed" ]; echo $?)" "no lost row: $nr readings and $ne events for $processed transactions"
ok "$( [ "$nl" = $((nr + ne)) ] && [ "$nu" = 0 ]; echo $?)" "one sealed ledger entry per row ($nl entries, $nu unsealed)"
ok "$( [ -z "$(q -c "SELECT * FROM scsm.verify_ledger(scsm.ledger_digest())")" ]; echo $?)" "the ledger verifies after the concurrent load"
ok "$( [ "$(q -c "SELECT count(*) FROM (SELECT block_id FROM scsm.ledger_block ORDER BY block_id) b")" -ge 2 ]; echo $?)" "the load was sealed into several blocks"

# crash: acknowledged commits only count when psql returned success
for c in 1 2 3 4; do
  ( i=0; while :; do i=$((i+1)); id=$((c * 1000000 + i))
      psql -X -q -d $db -c "INSERT INTO reading (id, sensor, value) VALUES ($id, $c, $i)" >/dev/null 2>&1 || break
      echo $id >>"$work/acked.$c"; done ) &
  echo $! >>"$work/clients"
done
sleep 3
pm=$(head -1 "$PGHOST/data/postmaster.pid")
kill -9 "$pm"
for p in $(cat "$work/clients"); do wait "$p" 2>/dev/null; done
# orphaned backends notice the postmaster's death; then start again
for i in $(seq 1 30); do
  as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -l "$PGHOST/server.log" -w -t 60 start >/dev/null 2>&1 && break
  sleep 1
done
ok "$(psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1; echo $?)" "the server restarts after kill -9 of the postmaster (crash recovery)"
cat "$work"/acked.* 2>/dev/null | sort -n >"$work/acked"
acked=$(wc -l <"$work/acked")
q -c "SELECT id FROM reading WHERE id > 1000000 ORDER BY id" >"$work/present"
missing=$(comm -23 <(sort "$work/acked") <(sort "$work/present") | wc -l)
ok "$( [ "$acked" -gt 0 ] && [ "$missing" = 0 ]; echo $?)" "every acknowledged commit is present ($acked acknowledged, $missing missing)"
while [ "$(q -c "SELECT scsm.ledger_seal()")" != 0 ]; do :; done
out=$(q -c "SELECT kind || ' ' || coalesce(row_key, '') FROM scsm.verify_ledger(scsm.ledger_digest())")
ok "$( [ -z "$out" ]; echo $?)" "the ledger verifies after the crash $out"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
[ "$fail" = 0 ]
