#!/usr/bin/env bash
# Ledger benchmarks (issue 3, point 8).  Not a test: prints ratios against
# baselines measured in the same run, in a throwaway cluster of its own.
#
#   PG_CONFIG=... bash bench/ledger_bench.sh
#   BENCH_PORT=55509 BENCH_SECONDS=10 BENCH_SIZES="200000 2000000" BENCH_SYNC=on ...
#
# (a) pgbench single-row INSERT into a protected table vs the same table
#     unprotected, 1/4/8 clients (runs interleaved, best of BENCH_ROUNDS);
# (b) the same against the usual do-it-yourself chain: a PL/pgSQL trigger
#     that hashes each row with pgcrypto and chains it to a head row;
# (c) INSERT ... SELECT of BENCH_SIZES rows: added time per row;
# (d) verify_ledger() time as a multiple of a sequential scan of the same
#     table, and the ledger's SHA-256 rate against `openssl speed sha256`.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
port=${BENCH_PORT:-55509}
secs=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-2}
sizes=${BENCH_SIZES:-200000 2000000}
sync=${BENCH_SYNC:-on}
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
work=$(mktemp -d /tmp/scsm-ledger-bench.XXXXXX); chmod 755 "$work"; chown postgres: "$work"
trap 'cluster_stop "$work/pg"; rm -rf "$work"' EXIT
cluster_start "$work/pg" "$port" "synchronous_commit = $sync" "max_wal_size = 4GB" "checkpoint_timeout = 30min"
db=bench
psql -X -q -d postgres -c "CREATE DATABASE $db"
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }
q >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE t_plain (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), sensor int NOT NULL, what text NOT NULL, amount numeric);
CREATE TABLE t_prot (LIKE t_plain INCLUDING ALL);
-- one id sequence for all three tables, named as a constant (the default of
-- t_plain): nextval(pg_get_serial_sequence(...)) would look the sequence up
-- in pg_depend for every row and bill that to the protected table
ALTER TABLE t_prot ALTER COLUMN id SET DEFAULT nextval('t_plain_id_seq'::regclass);
CREATE TABLE t_diy (LIKE t_plain INCLUDING ALL, row_hash bytea, prev_hash bytea);
ALTER TABLE t_diy ALTER COLUMN id SET DEFAULT nextval('t_plain_id_seq'::regclass);
SELECT scsm.protect('t_prot');
-- the usual do-it-yourself approach: every row chained to one head row
CREATE TABLE diy_head (one boolean PRIMARY KEY, hash bytea NOT NULL);
INSERT INTO diy_head VALUES (true, '\x00');
CREATE FUNCTION diy_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE h bytea;
BEGIN
  SELECT hash INTO h FROM diy_head WHERE one FOR UPDATE;
  NEW.prev_hash := h;
  NEW.row_hash := digest(h || convert_to(row(NEW.id, NEW.at, NEW.sensor, NEW.what, NEW.amount)::text, 'UTF8'), 'sha256');
  UPDATE diy_head SET hash = NEW.row_hash WHERE one;
  RETURN NEW;
END $$;
CREATE TRIGGER diy_chain BEFORE INSERT ON t_diy FOR EACH ROW EXECUTE FUNCTION diy_chain();
SQL
for t in plain prot diy; do
  echo "\\set s random(1, 1000)
INSERT INTO t_$t (sensor, what, amount) VALUES (:s, 'inspection of seal ' || :s, :s * 1.5);" >"$work/$t.sql"
done
tps() { "$PGBIN/pgbench" -n -c "$2" -j "$2" -T "$secs" -f "$work/$1.sql" $db 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
best() { local b=0 v; for _ in $(seq 1 "$rounds"); do v=$(tps "$1" "$2"); b=$(python3 -c "print(max($b, $v))"); done; echo "$b"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

echo "scsm ledger benchmark  (synchronous_commit=$sync, ${secs}s x $rounds rounds, $(nproc) cores)"
echo "(a)+(b) single-row INSERT transactions per second"
printf "  %-8s %10s %10s %10s %14s %14s\n" clients plain protected diy-chain protected/plain diy/plain
for c in 1 4 8; do
  p=$(best plain $c); r=$(best prot $c); d=$(best diy $c)
  printf "  %-8s %10.0f %10.0f %10.0f %14s %14s\n" $c "$p" "$r" "$d" "$(ratio "$r" "$p")" "$(ratio "$d" "$p")"
done
q -c "SELECT scsm.ledger_seal(1000000)" >/dev/null

echo "(c) INSERT ... SELECT, added time per row"
for n in $sizes; do
  q -c "TRUNCATE t_plain" >/dev/null
  tp=$(q -c "SET synchronous_commit = off" -c "\\timing on" -c "INSERT INTO t_plain (sensor, what, amount) SELECT g % 1000, 'inspection of seal ' || g, g * 1.5 FROM generate_series(1, $n) g" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
  tr=$(q -c "SET synchronous_commit = off" -c "\\timing on" -c "INSERT INTO t_prot (sensor, what, amount) SELECT g % 1000, 'inspection of seal ' || g, g * 1.5 FROM generate_series(1, $n) g" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
  printf "  %9d rows: plain %8.0f ms, protected %8.0f ms, ratio %s, added %.2f us/row\n" "$n" "$tp" "$tr" "$(ratio "$tr" "$tp")" "$(python3 -c "print(($tr - $tp) * 1000 / $n)")"
  while [ "$(q -c "SELECT scsm.ledger_seal(1000000)")" != 0 ]; do :; done
done

echo "(d) verification"
rows=$(q -c "SELECT count(*) FROM t_prot")
q -c "VACUUM ANALYZE t_prot" -c "VACUUM ANALYZE scsm.ledger_row" >/dev/null
ts=$(q -c "\\timing on" -c "SELECT count(*) FROM t_prot t WHERE t IS NOT NULL" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
tv=$(q -c "\\timing on" -c "SELECT count(*) FROM scsm.verify_ledger()" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
printf "  %d rows: seq scan %.0f ms, verify_ledger %.0f ms, ratio %s\n" "$rows" "$ts" "$tv" "$(ratio "$tv" "$ts")"
th=$(q -c "\\timing on" -c "SELECT count(scsm.row_hash('t_prot', t)) FROM t_prot t" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
te=$(q -c "\\timing on" -c "SELECT sum(length(scsm.row_encoding('t_prot', t))) FROM t_prot t" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
bytes=$(q -c "SELECT sum(length(scsm.row_encoding('t_prot', t))) FROM t_prot t")
mbs=$(python3 -c "print('%.0f' % ($bytes / 1e6 / ($th / 1000)))")
ossl=$(openssl speed -seconds 2 sha256 2>/dev/null | awk '/^sha256/ {print $3}' | sed 's/k$//')
printf "  row_hash: %.2f us/row, %s MB/s of encoded rows (encoding alone %.2f us/row); openssl speed sha256 (64-byte blocks) %.0f MB/s\n" \
  "$(python3 -c "print($th * 1000 / $rows)")" "$mbs" "$(python3 -c "print($te * 1000 / $rows)")" "$(python3 -c "print($ossl / 1000)")"
