#!/usr/bin/env bash
# The fast path of the ledger (ledger_store.c): append-only entries buffered
# in the writing backend and written at pre-commit as batch tuples of
# scsm.ledger_pending, which the sealer expands into scsm.ledger_row.
# Subtransactions that roll back take their entries with them (savepoints,
# PL/pgSQL exception blocks, nested, after a mid-transaction batch);
# transactions that commit out of order are all sealed, none twice; the
# disposal door finds unsealed entries; the sealer writes the ledger_txn rows.
set -uo pipefail
if [ -n "${SCSM_TEST_WORK:-}" ]; then work=$SCSM_TEST_WORK/ledger_pending; else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
rm -rf "$work"; mkdir -p "$work"; chmod 777 "$work"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
is() { n=$((n+1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', expected '$2')"; fail=$((fail+1)); fi; }
db=lpend
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }
# seal until nothing committed is left (0 also means the background sealer
# holds the lock: wait for it)
seal_all() {
  for _ in $(seq 1 300); do
    [ "$(q -c "SELECT scsm.ledger_seal($1)")" != 0 ] && continue
    [ "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" = 0 ] && return
    sleep 0.1
  done
}

echo "1..17"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TABLE rec (id int PRIMARY KEY, v text NOT NULL);
SELECT scsm.protect('rec');
SQL
tid=$(q -c "SELECT table_id FROM scsm.ledger_table WHERE table_name = 'rec'")

# keep the background sealer off until test 9: the sealers' advisory lock is
# held by a session that waits for a row in table hold
q -c "CREATE TABLE hold (x int)"
psql -X -q -d $db -c "SELECT pg_advisory_lock(1935896941, 1)" \
     -c "DO \$\$BEGIN WHILE NOT EXISTS (SELECT 1 FROM hold) LOOP PERFORM pg_sleep(0.05); END LOOP; END\$\$" >/dev/null &
holder=$!
for _ in $(seq 1 600); do
  [ "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1935896941 AND objid = 1 AND granted")" = 1 ] && break
  sleep 0.05
done

# 1-4: savepoints, nested, PL/pgSQL exception blocks
q >/dev/null <<'SQL'
BEGIN;
INSERT INTO rec VALUES (1, 'kept');
SAVEPOINT a;
INSERT INTO rec VALUES (2, 'rolled back');
SAVEPOINT b;
INSERT INTO rec VALUES (3, 'rolled back, nested');
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
INSERT INTO rec VALUES (4, 'kept, after the rollback');
SAVEPOINT c;
INSERT INTO rec VALUES (5, 'kept, released');
RELEASE SAVEPOINT c;
DO $$
BEGIN
  BEGIN
    INSERT INTO rec VALUES (6, 'rolled back by an exception');
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
  INSERT INTO rec VALUES (7, 'kept, in the block');
END $$;
COMMIT;
SQL
is "$(q -c "SELECT string_agg(row_key, ' ' ORDER BY entry_id) FROM scsm.ledger_entry WHERE table_id = $tid")" \
   '{"id":"1"} {"id":"4"} {"id":"5"} {"id":"7"}' "rolled-back subtransactions leave no entry, released ones keep theirs"
is "$(q -c "SELECT count(*) FROM scsm.ledger_row WHERE table_id = $tid")" 0 "the entries wait in ledger_pending, not in ledger_row"
is "$(q -c "SELECT count(*) || ' ' || sum(cardinality(entry_ids)) FROM scsm.ledger_pending")" "1 4" "one batch tuple for the transaction"
is "$(q -c "SELECT count(*) FROM scsm.verify_ledger()")" 0 "unsealed entries verify"

# 5-6: the transaction sees its own buffered entries (verify, the view) and
# drops them with a rolled-back savepoint
is "$(q <<'SQL'
BEGIN;
INSERT INTO rec VALUES (10, 'own');
SAVEPOINT s;
INSERT INTO rec VALUES (11, 'gone');
ROLLBACK TO s;
SELECT (SELECT count(*) FROM scsm.verify_ledger()) || ' ' ||
       (SELECT string_agg(row_key, ' ' ORDER BY entry_id) FROM scsm.ledger_own_entries());
COMMIT;
SQL
)" '0 {"id":"10"}' "a transaction verifies clean against its own buffered entries"
is "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE row_key = '{\"id\":\"11\"}'")" 0 "the rolled-back row has no entry after commit"

# 7-8: a bulk insert larger than one batch, and a rolled-back savepoint after
# batches were written mid-transaction
q >/dev/null <<'SQL'
BEGIN;
INSERT INTO rec SELECT g, 'bulk' FROM generate_series(1000, 150999) g;
SAVEPOINT s;
INSERT INTO rec SELECT g, 'rolled back' FROM generate_series(200000, 200099) g;
ROLLBACK TO s;
INSERT INTO rec VALUES (300000, 'last');
COMMIT;
SQL
is "$(q -c "SELECT count(*) || ' ' || sum(cardinality(entry_ids)) FROM scsm.ledger_pending")" "5 150006" \
   "150001 rows: batches of at most 65536 entries (written mid-transaction and at commit)"
is "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE (row_key::jsonb->>'id')::int BETWEEN 200000 AND 200099")" 0 \
   "a savepoint rolled back after mid-transaction batches leaves no entry"

q -c "INSERT INTO hold VALUES (1)"
wait $holder

# 9-11: out-of-order commits: the older transaction commits after a seal
q -c "CREATE TABLE go (x int)"
seal_all 70000
psql -X -q -d $db >"$work/slow.out" 2>&1 <<'SQL' &
BEGIN;
INSERT INTO rec VALUES (400000, 'slow, first to write');
SELECT count(*) FROM scsm.ledger_own_entries();  -- takes its entry id now
DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM go) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;
COMMIT;
SQL
slow=$!
for _ in $(seq 1 300); do
  [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE '%FROM go%' AND pid <> pg_backend_pid()")" = 1 ] && break
  sleep 0.1
done
q -c "INSERT INTO rec VALUES (400001, 'fast, second to write')"
seal_all 70000
is "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")|$(q -c "SELECT count(*) FROM scsm.ledger_row WHERE row_key = '{\"id\":\"400000\"}'")" "0|0" \
   "everything committed is sealed while the older transaction is still open"
q -c "INSERT INTO go VALUES (1)"
wait $slow
seal_all 70000
is "$(q -c "SELECT count(*) FROM scsm.ledger_row WHERE table_id = $tid AND block_id IS NOT NULL") $(q -c "SELECT count(*) FROM rec") $(q -c "SELECT count(*) FROM scsm.ledger_pending")" \
   "150008 150008 0" "the late commit is sealed too: one sealed entry per row, nothing pending"
is "$(q -c "SELECT a.entry_id < b.entry_id AND a.block_id > b.block_id FROM scsm.ledger_row a, scsm.ledger_row b
             WHERE a.row_key = '{\"id\":\"400000\"}' AND b.row_key = '{\"id\":\"400001\"}'")" t \
   "the older entry (smaller id, committed later) is in a later block"

# 12-14: blocks, leaf order, transactions
# one session holds the sealers' lock (no background sealer) and seals itself
is "$(q <<'SQL'
SELECT pg_advisory_lock(1935896941, 1) \gset
INSERT INTO rec SELECT g, 'two batches' FROM generate_series(600000, 699999) g;
SELECT scsm.ledger_seal(70000) AS b \gset
SELECT leaf_count || ' ' || (SELECT count(*) FROM scsm.ledger_row r WHERE r.block_id = k.block_id) || ' ' ||
       (SELECT sum(cardinality(entry_ids)) FROM scsm.ledger_pending)
  FROM scsm.ledger_block k WHERE k.block_id = :b;
SELECT pg_advisory_unlock(1935896941, 1);
SQL
)" "70000 70000 30000
t" "a block takes max_leaves entries; the rest of a batch goes back to pending"
is "$(q -c "SELECT count(*) FROM (SELECT entry_id FROM scsm.ledger_row GROUP BY entry_id HAVING count(*) > 1) d")" 0 "no entry sealed twice"
is "$(q -c "SELECT count(*) FROM scsm.ledger_row r WHERE NOT EXISTS (SELECT 1 FROM scsm.ledger_txn t WHERE t.txn_id = r.txn_id)")" 0 \
   "the sealer wrote the ledger_txn row of every sealed batch"

# 15-16: the disposal door finds a committed, unsealed entry and one of its own transaction
q -c "INSERT INTO rec VALUES (500000, 'to dispose')" >/dev/null
ok "$(q -c "SELECT scsm.ledger_dispose_row('rec', '500000', 'test') > 0" | grep -qx t; echo $?)" "disposal of a row whose entry is still pending"
ok "$(q -c "BEGIN" -c "INSERT INTO rec VALUES (500001, 'x')" -c "SAVEPOINT s" \
        -c "SELECT scsm.ledger_dispose_row('rec', '500001', 'test')" -c "ROLLBACK TO s" -c "COMMIT" >/dev/null 2>&1
     [ "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE row_key = '{\"id\":\"500001\"}'")" = 1 ]; echo $?)" \
   "an entry drained in a rolled-back savepoint is buffered again and committed"

# 17: everything verifies after sealing
seal_all 100000
is "$(q -c "SELECT count(*) FROM scsm.verify_ledger()")" 0 "the ledger verifies after sealing"
[ -n "${KEEP:-}" ] || psql -X -q -d postgres -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
exit $((fail > 0))
