#!/usr/bin/env bash
# Tamper matrix for the scsm ledger: a superuser goes around the rules
# (ALTER TABLE ... DISABLE TRIGGER, session_replication_role, direct writes to
# the ledger tables); each change must be reported by scsm.verify_ledger()
# against a digest taken earlier, naming the row or block.  Untouched
# databases after VACUUM FULL and CLUSTER must verify clean.
# Needs the cluster of test/run.sh (PGHOST/PGPORT/PGUSER exported).
set -uo pipefail
n=0 fail=0 detected=0 tried=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
q() { local db=$1; shift; psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# a fresh database with a protected table of 10 rows, sealed in two blocks
setup() {
  local db=$1
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  q "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION scsm;
CREATE TABLE rec (id int PRIMARY KEY, what text NOT NULL, amount numeric, at timestamptz NOT NULL);
SELECT scsm.protect('rec');
INSERT INTO rec SELECT g, 'record ' || g, g * 1.5, '2024-01-01'::timestamptz + g * interval '1 day' FROM generate_series(1, 6) g;
SELECT scsm.ledger_seal();
INSERT INTO rec SELECT g, 'record ' || g, g * 1.5, '2024-01-01'::timestamptz + g * interval '1 day' FROM generate_series(7, 10) g;
SELECT scsm.ledger_seal();
SQL
  q "$db" -c "SELECT scsm.ledger_digest()"
}

# findings as "kind key" lines, sorted
findings() { q "$1" -c "SELECT kind || ' ' || coalesce(row_key, '-') FROM scsm.verify_ledger('$2'::jsonb) ORDER BY 1"; }

# expect DB DIGEST NAME PATTERN...: every pattern must be among the findings
expect() {
  local db=$1 d=$2 name=$3; shift 3
  local f all=0
  f=$(findings "$db" "$d")
  for p in "$@"; do grep -qE "^$p\$" <<<"$f" || all=1; done
  tried=$((tried+1))
  [ "$all" = 0 ] && detected=$((detected+1))
  ok "$all" "$name detected ($(tr '\n' ';' <<<"$f"))"
}

echo "1..13"

db=ltamper_clean
d=$(setup $db)
q $db -c "VACUUM FULL rec" -c "CLUSTER rec USING rec_pkey" -c "VACUUM FULL scsm.ledger_row" >/dev/null
ok "$( [ -z "$(findings $db "$d")" ]; echo $?)" "no false alarm after VACUUM FULL and CLUSTER"

db=ltamper_1; d=$(setup $db)
q $db -c "SET client_min_messages = error" -c "ALTER TABLE rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row" \
      -c "UPDATE rec SET amount = 0 WHERE id = 3" -c "ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row" >/dev/null
expect $db "$d" "change a column (trigger disabled)" 'modified \{"id":"3"\}'

db=ltamper_2; d=$(setup $db)
q $db -c "SET session_replication_role = replica" -c "SET client_min_messages = error" \
      -c "ALTER TABLE rec DISABLE TRIGGER ALL" -c "DELETE FROM rec WHERE id = 4" -c "ALTER TABLE rec ENABLE TRIGGER ALL" \
      -c "ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row, ENABLE ALWAYS TRIGGER scsm_ledger_write" >/dev/null
expect $db "$d" "delete a row" 'missing \{"id":"4"\}'

db=ltamper_3; d=$(setup $db)
q $db -c "SET client_min_messages = error" -c "ALTER TABLE rec DISABLE TRIGGER scsm_ledger_write" \
      -c "INSERT INTO rec VALUES (100, 'forged', 1, now())" -c "ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_write" >/dev/null
expect $db "$d" "insert a row around the rules" 'unaccounted \{"id":"100"\}'

db=ltamper_4; d=$(setup $db)
q $db -c "SET client_min_messages = error" -c "ALTER TABLE rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row" \
      -c "UPDATE rec r SET what = o.what, amount = o.amount, at = o.at FROM rec o WHERE (r.id, o.id) IN ((5, 6), (6, 5))" \
      -c "ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row" >/dev/null
expect $db "$d" "swap two rows' contents" 'modified \{"id":"5"\}' 'modified \{"id":"6"\}'

db=ltamper_5; d=$(setup $db)
q $db >/dev/null <<'SQL'
SET client_min_messages = error;
ALTER TABLE rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
UPDATE rec SET amount = 999 WHERE id = 2;
ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
UPDATE scsm.ledger_row l SET row_hash = scsm.row_hash('rec', r) FROM rec r
 WHERE r.id = 2 AND l.row_key = scsm.row_key('rec', r);
SQL
expect $db "$d" "rewrite a row together with its stored hash" 'block_mismatch -'

db=ltamper_6; d=$(setup $db)
q $db >/dev/null <<'SQL'
SET client_min_messages = error;
ALTER TABLE rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
UPDATE rec SET amount = 999 WHERE id = 2;
ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
UPDATE scsm.ledger_row l SET row_hash = scsm.row_hash('rec', r) FROM rec r
 WHERE r.id = 2 AND l.row_key = scsm.row_key('rec', r);
-- recompute the Merkle root and hash of that block and of every block after it
ALTER TABLE scsm.ledger_block DISABLE TRIGGER scsm_ledger_refuse;
DO $$
DECLARE b record; prev bytea := decode(repeat('00', 32), 'hex'); root bytea;
BEGIN
  FOR b IN SELECT * FROM scsm.ledger_block ORDER BY block_id LOOP
    SELECT scsm.merkle_root(array_agg(row_hash ORDER BY leaf_index)) INTO root
      FROM scsm.ledger_row WHERE block_id = b.block_id;
    UPDATE scsm.ledger_block SET prev_hash = prev, merkle_root = root,
           block_hash = scsm.block_hash(b.block_id, prev, root, b.leaf_count, b.sealed_at)
     WHERE block_id = b.block_id RETURNING block_hash INTO prev;
  END LOOP;
END $$;
ALTER TABLE scsm.ledger_block ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
SQL
expect $db "$d" "rewrite a block and all blocks after it" 'digest_mismatch -'
ok "$( findings $db "$d" | grep -q block_mismatch; [ $? = 1 ]; echo $?)" "the rewritten chain is internally consistent (only the digest shows it)"

db=ltamper_7; d=$(setup $db)
q $db >/dev/null <<'SQL'
SET client_min_messages = error;
ALTER TABLE rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
CREATE TEMP TABLE keep AS SELECT * FROM rec;
TRUNCATE rec;
ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
INSERT INTO rec SELECT * FROM keep;
SQL
expect $db "$d" "TRUNCATE and re-insert the same rows" 'missing \{"id":"1"\}' 'missing \{"id":"10"\}'

db=ltamper_8; d=$(setup $db)
q $db >/dev/null <<'SQL'
UPDATE scsm.ledger_row SET leaf_index = CASE leaf_index WHEN 0 THEN 1 ELSE 0 END
 WHERE block_id = 1 AND leaf_index IN (0, 1);
SQL
expect $db "$d" "reorder two entries of a block" 'reordered -'

db=ltamper_9; d=$(setup $db)
q $db -c "SET client_min_messages = error" -c "ALTER TABLE scsm.ledger_row DISABLE TRIGGER scsm_ledger_refuse" \
      -c "DELETE FROM scsm.ledger_row WHERE row_key = '{\"id\":\"8\"}'" >/dev/null
expect $db "$d" "delete a ledger entry" 'block_mismatch -' 'unaccounted \{"id":"8"\}'

db=ltamper_10; d=$(setup $db)
q $db -c "SET client_min_messages = error" -c "ALTER TABLE scsm.ledger_block DISABLE TRIGGER scsm_ledger_refuse" \
      -c "DELETE FROM scsm.ledger_block WHERE block_id = 2" -c "UPDATE scsm.ledger_row SET block_id = NULL, leaf_index = NULL WHERE block_id = 2" >/dev/null
expect $db "$d" "drop the last block (unseal its entries)" 'digest_mismatch -'

db=ltamper_11; d=$(setup $db)
q $db -c "SET client_min_messages = error" -c "ALTER TABLE rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row" \
      -c "UPDATE rec SET what = 'edited' WHERE id = 9" -c "ALTER TABLE rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row" >/dev/null
# incremental from the digest looks only at what came after it; a full run finds the edit
ok "$( [ "$(findings $db "$d" | grep -c 'modified {"id":"9"}')" = 1 ]; echo $?)" "full verify finds an edit of a row sealed before the digest"

echo "# tamper matrix: $detected detected / $tried tried; false alarms: see test 1"
for i in clean 1 2 3 4 5 6 7 8 9 10 11; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ltamper_$i" >/dev/null 2>&1; done
[ "$fail" = 0 ]
