#!/usr/bin/env bash
# verify_ledger's block pass (src/ledger_verify.c): Merkle roots streamed
# leaf by leaf equal scsm.merkle_root for blocks of every size from 1 to 17
# leaves; entries met out of physical order (moved by an UPDATE) take the
# sorting fallback with no false alarm, and a tampered moved entry is still
# caught.
# Needs the cluster of test/run.sh (PGHOST/PGPORT/PGUSER exported).
set -uo pipefail
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
db=lverify_blocks
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }

echo "1..5"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION scsm;
CREATE TABLE rec (id int PRIMARY KEY, what text NOT NULL);
SELECT scsm.protect('rec');
SQL
# blocks of 1 to 17 leaves: insert k rows, seal them all (by this session or
# the background sealer, whichever gets the lock) before the next k
base=0
for k in $(seq 1 17); do
  q -c "INSERT INTO rec SELECT $base + g, 'record ' || ($base + g) FROM generate_series(1, $k) g" >/dev/null
  base=$((base + k))
  for _ in $(seq 1 300); do
    [ "$(q -c "SELECT scsm.ledger_seal(1000)")" = 0 ] && [ "$(q -c "SELECT count(*) FROM scsm.ledger_entry WHERE block_id IS NULL")" = 0 ] && break
    sleep 0.1
  done
done
sizes=$(q -c "SELECT string_agg(DISTINCT leaf_count::text, ',' ORDER BY leaf_count::text) FROM scsm.ledger_block")
roots="SELECT count(*) FILTER (WHERE f.root_leaf = (SELECT scsm.merkle_root(array_agg(r.row_hash ORDER BY r.leaf_index))
                                                  FROM scsm.ledger_row r WHERE r.block_id = f.block_id)) || '/' || count(*)
         FROM scsm.ledger_verify_scan(0, '{}', '{}') f"
nb=$(q -c "SELECT count(*) FROM scsm.ledger_block")
ok "$( [ "$(q -c "$roots")" = "$nb/$nb" ]; echo $?)" "streamed roots equal merkle_root for all $nb blocks (sizes $sizes)"
ok "$( [ "$(q -c "SELECT count(*) FROM scsm.verify_ledger()")" = 0 ]; echo $?)" "and the ledger verifies clean"

# move every other entry of the larger blocks to the end of the heap: the
# scan meets them out of order
q >/dev/null <<'SQL'
SET client_min_messages = error;
ALTER TABLE scsm.ledger_row DISABLE TRIGGER scsm_ledger_refuse;
UPDATE scsm.ledger_row SET txn_id = txn_id WHERE leaf_index % 2 = 0 AND block_id IN (SELECT block_id FROM scsm.ledger_block WHERE leaf_count > 8);
ALTER TABLE scsm.ledger_row ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
SQL
moved=$(q -c "SELECT count(*) FROM (SELECT block_id, leaf_index, lag(block_id) OVER (ORDER BY ctid) pb, lag(leaf_index) OVER (ORDER BY ctid) pl FROM scsm.ledger_row) s WHERE (block_id, leaf_index) < (pb, pl)")
ok "$( [ "$moved" -gt 0 ] && [ "$(q -c "$roots")" = "$nb/$nb" ]; echo $?)" "entries out of physical order ($moved breaks): roots still equal merkle_root"
ok "$( [ "$(q -c "SELECT count(*) FROM scsm.verify_ledger()")" = 0 ]; echo $?)" "and no false alarm"

# a moved entry whose hash is then rewritten is caught by its block
q >/dev/null <<'SQL'
SET client_min_messages = error;
ALTER TABLE scsm.ledger_row DISABLE TRIGGER scsm_ledger_refuse;
UPDATE scsm.ledger_row SET row_hash = sha256('forged') WHERE block_id = (SELECT max(block_id) FROM scsm.ledger_block) AND leaf_index = 2;
ALTER TABLE scsm.ledger_row ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
SQL
f=$(q -c "SELECT kind || ' ' || coalesce(row_key, '-') FROM scsm.verify_ledger() ORDER BY 1")
ok "$(grep -q '^block_mismatch -$' <<<"$f" && grep -q '^modified ' <<<"$f"; echo $?)" "a rewritten moved entry is caught ($(tr '\n' ';' <<<"$f"))"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
exit $((fail > 0))
