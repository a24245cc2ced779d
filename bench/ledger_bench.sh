#!/usr/bin/env bash
# Ledger benchmarks (issue 3, point 8).  Not a test: prints ratios against
# baselines measured in the same run, in a throwaway cluster of its own.
#
#   PG_CONFIG=... bash bench/ledger_bench.sh
#   BENCH_PORT=55509 BENCH_SECONDS=10 BENCH_SIZES="200000 2000000" BENCH_SYNC=on ...
#   BENCH_ONLY="c" ...    only the sections named (a, b, c, d; a and b run together)
#   BENCH_CHECKPOINT=0    (c) without a CHECKPOINT before each timed load
#
# (a) pgbench single-row INSERT into a protected table vs the same table
#     unprotected, 1/4/8 clients (runs interleaved, best of BENCH_ROUNDS);
# (b) the same against the usual do-it-yourself chain: a PL/pgSQL trigger
#     that hashes each row with pgcrypto and chains it to a head row;
# (c) INSERT ... SELECT and COPY of BENCH_SIZES rows: added time per row;
# (d) verify_ledger() time as a multiple of a sequential scan of the same
#     table (and of the table, its entries and blocks), wall clock and CPU
#     time (the backend's plus its parallel workers'), best of
#     BENCH_VERIFY_RUNS, with and without parallel workers; and the ledger's
#     SHA-256 rate against `openssl speed sha256`.
#     With BENCH_ONLY=d, (d) loads BENCH_VERIFY_ROWS rows itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
port=${BENCH_PORT:-55509}
secs=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-2}
sizes=${BENCH_SIZES:-200000 2000000}
sync=${BENCH_SYNC:-on}
# BENCH_ONLY: the sections to run, e.g. "c" or "a d" ("b" goes with "a"); all by default
only=${BENCH_ONLY:-a b c d}
want() { case " $only " in *" $1 "*) return 0;; *) return 1;; esac; }
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
# Besides wall-clock tps, the backend CPU time per transaction: the CPU of
# exited children of the postmaster (pgbench's backends exit at the end of a
# run) read from /proc before and after; far less sensitive than tps to other
# load on a shared machine.  Best of BENCH_ROUNDS for both.
pm=$(head -1 "$work/pg/data/postmaster.pid")
childcpu() { awk '{print $16 + $17}' "/proc/$pm/stat"; }
tick=$(getconf CLK_TCK)
declare -A cpu_us
cpu_line=""
tps() {
  local a b out
  a=$(childcpu)
  out=$("$PGBIN/pgbench" -n -c "$2" -j "$2" -T "$secs" -f "$work/$1.sql" $db 2>/dev/null)
  sleep 0.3; b=$(childcpu)
  local n; n=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
  local c; c=$(python3 -c "print(($b - $a) * 1e6 / $tick / max($n, 1))")
  cpu_us[$1,$2]=$(python3 -c "print(min(${cpu_us[$1,$2]:-1e18}, $c))")
  echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
best() { local b=0 v; for _ in $(seq 1 "$rounds"); do tps "$1" "$2" >"$work/tps"; v=$(cat "$work/tps"); b=$(python3 -c "print(max($b, $v))"); done; echo "$b"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

echo "scsm ledger benchmark  (synchronous_commit=$sync, ${secs}s x $rounds rounds, $(nproc) cores)"
if want a || want b; then
echo "(a)+(b) single-row INSERT transactions per second"
printf "  %-8s %10s %10s %10s %14s %14s\n" clients plain protected diy-chain protected/plain diy/plain
for c in 1 4 8; do
  best plain $c >"$work/p"; best prot $c >"$work/r"; best diy $c >"$work/d"
  p=$(cat "$work/p"); r=$(cat "$work/r"); d=$(cat "$work/d")
  printf "  %-8s %10.0f %10.0f %10.0f %14s %14s\n" $c "$p" "$r" "$d" "$(ratio "$r" "$p")" "$(ratio "$d" "$p")"
  cpu_line+=$(printf "  %-8s %10.1f %10.1f %10.1f %14s %14s\n" $c "${cpu_us[plain,$c]}" "${cpu_us[prot,$c]}" "${cpu_us[diy,$c]}" \
    "$(ratio "${cpu_us[plain,$c]}" "${cpu_us[prot,$c]}")" "$(ratio "${cpu_us[plain,$c]}" "${cpu_us[diy,$c]}")")$'\n'
done
echo "    backend CPU microseconds per transaction (ratios: plain/x, the tps ratio if CPU-bound)"
printf "  %-8s %10s %10s %10s %14s %14s\n" clients plain protected diy-chain plain/protected plain/diy
printf "%s" "$cpu_line"
q -c "SELECT scsm.ledger_seal(1000000)" >/dev/null
fi

if want c; then
echo "(c) INSERT ... SELECT and COPY, added time per row (wall clock, and CPU time of the backend; best of BENCH_ROUNDS)"
# prints "wall_ms cpu_ms" of one INSERT ... SELECT (or COPY, $3 = copy) of $2 rows into t_$1
insert_sel() {
  local stmt="INSERT INTO t_$1 (sensor, what, amount) SELECT g % 1000, 'inspection of seal ' || g, g * 1.5 FROM generate_series(1, $2) g;"
  [ "${3:-}" = copy ] && stmt="COPY t_$1 (sensor, what, amount) FROM '$work/copy_$2.csv' (FORMAT csv);"
  q <<EOF2 | sed 's/^Time: //; s/ ms.*//' | python3 -c "import sys; v=sys.stdin.read().split(); print(v[1], (int(v[2]) - int(v[0])) * 1000.0 / $tick)"
SELECT pg_backend_pid() AS pid \\gset
\\setenv BPID :pid
SET synchronous_commit = off;
$ckpt
\\! awk '{print \$14 + \$15}' /proc/\$BPID/stat
\\timing on
$stmt
\\timing off
\\! awk '{print \$14 + \$15}' /proc/\$BPID/stat
EOF2
}
# Every timed load starts after a CHECKPOINT (not timed, done by the
# checkpointer): otherwise a load finds the previous one's dirty pages in
# shared_buffers and writes them out as it evicts them -- at 2M rows ~200 MB,
# billed to whichever load comes next (the protected one follows the plain
# one), which made the added time look as if it grew with size.
# BENCH_CHECKPOINT=0 times the loads back to back as before.
ckpt=
[ "${BENCH_CHECKPOINT:-1}" = 1 ] && ckpt="CHECKPOINT;"
for n in $sizes; do
  q -c "COPY (SELECT g % 1000, 'inspection of seal ' || g, g * 1.5 FROM generate_series(1, $n) g) TO '$work/copy_$n.csv' (FORMAT csv)" >/dev/null
  for how in insert copy; do
  bp=(1e18 1e18); br=(1e18 1e18); bs=
  for _ in $(seq 1 "$rounds"); do
    q -c "TRUNCATE t_plain" >/dev/null
    read -r w c < <(insert_sel plain "$n" $how)
    bp=($(python3 -c "print(min(${bp[0]}, $w), min(${bp[1]}, $c))"))
    read -r w c < <(insert_sel prot "$n" $how)
    br=($(python3 -c "print(min(${br[0]}, $w), min(${br[1]}, $c))"))
    s0=$(date +%s%N)
    while [ "$(q -c "SELECT scsm.ledger_seal(1000000)")" != 0 ]; do :; done
    s1=$(date +%s%N); bs=$(python3 -c "print(min(${bs:-1e18}, ($s1 - $s0) / 1e6))")
  done
  printf "  %9d rows %-6s: wall plain %6.0f ms, protected %6.0f ms, added %5.2f us/row | CPU plain %6.0f ms, protected %6.0f ms, added %5.2f us/row\n" \
    "$n" "$how" "${bp[0]}" "${br[0]}" "$(python3 -c "print((${br[0]} - ${bp[0]}) * 1000 / $n)")" \
    "${bp[1]}" "${br[1]}" "$(python3 -c "print((${br[1]} - ${bp[1]}) * 1000 / $n)")"
  printf "  %9s       sealing them afterwards (off the insert path, by the sealer): %.0f ms wall, %.2f us/row\n" "" "$bs" "$(python3 -c "print($bs * 1000 / $n)")"
  bs=
  done
done
fi

want d || exit 0
echo "(d) verification"
# without (c), t_prot holds no bulk-loaded rows: load BENCH_VERIFY_ROWS for (d)
if ! want c; then
  vrows=${BENCH_VERIFY_ROWS:-2000000}
  for ((done_rows = 0; done_rows < vrows; done_rows += 1000000)); do
    q -c "SET synchronous_commit = off" -c "INSERT INTO t_prot (sensor, what, amount) SELECT g % 1000, 'inspection of seal ' || g, g * 1.5 FROM generate_series(1, least(1000000, $vrows - $done_rows)) g" >/dev/null
  done
  # the background sealer may hold the sealers' lock: wait until all is sealed
  until [ "$(q -c "SELECT scsm.ledger_seal(1000000)")" = 0 ] && [ "$(q -c "SELECT count(*) FROM scsm.ledger_pending")" = 0 ]; do sleep 0.5; done
fi
rows=$(q -c "SELECT count(*) FROM t_prot")
q -c "VACUUM ANALYZE t_prot" -c "VACUUM ANALYZE scsm.ledger_row" -c "VACUUM ANALYZE scsm.ledger_block" >/dev/null
vruns=${BENCH_VERIFY_RUNS:-3}
# measure SETTINGS SQL: "wall_ms cpu_ms", best of vruns each; CPU is the
# backend's (/proc/<pid>/stat) plus that of the postmaster's exited children,
# i.e. the parallel workers of the statement
measure() {
  local i out bw=1e18 bc=1e18
  for i in $(seq 1 "$vruns"); do
    out=$(q <<EOF2 | python3 -c "
import sys, re
t = $tick; w = None; v = {}
for l in sys.stdin:
    m = re.match(r'Time: ([0-9.]+) ms', l)
    if m: w = float(m.group(1))
    m = re.match(r'(b0|b1|p0|p1) (\\d+)', l)
    if m: v[m.group(1)] = int(m.group(2))
print(w, (v['b1'] - v['b0'] + v['p1'] - v['p0']) * 1000.0 / t)"
SELECT pg_backend_pid() AS pid \\gset
\\setenv BPID :pid
$1
\\! echo b0 \$(awk '{print \$14 + \$15}' /proc/\$BPID/stat); echo p0 \$(awk '{print \$16 + \$17}' /proc/$pm/stat)
\\timing on
$2
\\timing off
\\! sleep 0.2; echo b1 \$(awk '{print \$14 + \$15}' /proc/\$BPID/stat); echo p1 \$(awk '{print \$16 + \$17}' /proc/$pm/stat)
EOF2
)
    read -r w c <<<"$out"
    bw=$(python3 -c "print(min($bw, $w))"); bc=$(python3 -c "print(min($bc, $c))")
  done
  echo "$bw $bc"
}
scan1="SELECT count(*) FROM t_prot t WHERE t IS NOT NULL;"
# verify_ledger reads the protected table, the ledger's entries and blocks:
# the second baseline scans all three
scan3="SELECT (SELECT count(*) FROM t_prot t WHERE t IS NOT NULL) + (SELECT count(*) FROM scsm.ledger_row r WHERE r.row_hash IS NOT NULL) + (SELECT count(*) FROM scsm.ledger_block);"
verify="SELECT count(*) FROM scsm.verify_ledger();"
read -r s1w s1c < <(measure "" "$scan1")
read -r s3w s3c < <(measure "" "$scan3")
read -r vpw vpc < <(measure "" "$verify")
read -r vsw vsc < <(measure "SET max_parallel_workers_per_gather = 0;" "$verify")
echo "  $rows rows; best of $vruns runs; CPU = backend + parallel workers; baselines with the server's parallel settings"
printf "  %-52s %9s %9s %14s %14s\n" "" "wall ms" "CPU ms" "/ table scan" "/ 3-table scan"
printf "  %-52s %9.0f %9.0f\n" "seq scan of the table" "$s1w" "$s1c"
printf "  %-52s %9.0f %9.0f\n" "seq scan of the table, its entries and blocks" "$s3w" "$s3c"
printf "  %-52s %9.0f %9.0f %6s wall %s CPU %6s wall %s CPU\n" "verify_ledger (parallel workers as configured)" "$vpw" "$vpc" \
  "$(ratio "$vpw" "$s1w")" "$(ratio "$vpc" "$s1c")" "$(ratio "$vpw" "$s3w")" "$(ratio "$vpc" "$s3c")"
printf "  %-52s %9.0f %9.0f %6s wall %s CPU %6s wall %s CPU\n" "verify_ledger (max_parallel_workers_per_gather = 0)" "$vsw" "$vsc" \
  "$(ratio "$vsw" "$s1w")" "$(ratio "$vsc" "$s1c")" "$(ratio "$vsw" "$s3w")" "$(ratio "$vsc" "$s3c")"
th=$(q -c "\\timing on" -c "SELECT count(scsm.row_hash('t_prot', t)) FROM t_prot t" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
te=$(q -c "\\timing on" -c "SELECT sum(length(scsm.row_encoding('t_prot', t))) FROM t_prot t" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
bytes=$(q -c "SELECT sum(length(scsm.row_encoding('t_prot', t))) FROM t_prot t")
mbs=$(python3 -c "print('%.0f' % ($bytes / 1e6 / ($th / 1000)))")
ossl=$(openssl speed -seconds 2 sha256 2>/dev/null | awk '/^sha256/ {print $3}' | sed 's/k$//')
tm=$(q -c "\\timing on" -c "SELECT length(scsm.merkle_root(array_agg(row_hash))) FROM scsm.ledger_row" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
nl=$(q -c "SELECT count(*) FROM scsm.ledger_row")
ossl64=$(openssl speed -seconds 2 -bytes 64 sha256 2>/dev/null | awk '/^sha256/ {print $2}' | sed 's/k$//')
printf "  SHA-256 calls of the ledger (merkle_root over %d hashes: 2 calls per leaf): %.3f us/call; openssl speed sha256 64-byte: %.3f us/call\n" \
  "$nl" "$(python3 -c "print($tm * 1000 / (2 * $nl))")" "$(python3 -c "print(64000 / $ossl64)")"
printf "  row_hash: %.2f us/row, %s MB/s of encoded rows (encoding alone %.2f us/row); openssl speed sha256 (64-byte blocks) %.0f MB/s\n" \
  "$(python3 -c "print($th * 1000 / $rows)")" "$mbs" "$(python3 -c "print($te * 1000 / $rows)")" "$(python3 -c "print($ossl / 1000)")"
# Floor of (d): what any verification must do at the least, from figures of
# this run.  It reads the table and its entries (the 3-table scan, s3c CPU)
# and computes at least one SHA-256 per row (the row's own hash, point 2) and
# one per inner Merkle node (leaves - blocks), even in a format whose leaf hash
# is the row hash (ours hashes each leaf once more).  Each of these inputs is
# as long as the shortest row encoding (measured below) or 65 bytes (inner
# nodes), so each costs at least one `openssl speed` call of that length
# through OpenSSL's API (what point 2 prescribes), or its compressions
# (ceil((length + 9) / 64) blocks) at OpenSSL's large-buffer rate for an
# engine of one's own.  The
# encoding, the comparison and all bookkeeping are left out, so the real floor
# is higher.  Both the scan and the hashing spread over the cores alike, so
# the CPU ratio is the bound for any number of cores.
nb=$(q -c "SELECT count(*) FROM scsm.ledger_block")
minlen=$(q -c "SELECT min(length(scsm.row_encoding('t_prot', t))) FROM t_prot t")
osslrow=$(openssl speed -seconds 2 -bytes "$minlen" sha256 2>/dev/null | awk '/^sha256/ {print $2}' | sed 's/k$//')
osslbig=$(openssl speed -seconds 2 -bytes 16384 sha256 2>/dev/null | awk '/^sha256/ {print $2}' | sed 's/k$//')
python3 - "$rows" "$nl" "$nb" "$minlen" "$osslrow" "$ossl64" "$osslbig" "$s3w" "$s3c" "$s1c" "$vpw" "$vpc" <<'PY'
import os, sys
rows, nl, nb, minlen = map(int, sys.argv[1:5])
krow, k64, kbig, s3w, s3c, s1c, vpw, vpc = map(float, sys.argv[5:13])
row_call, t64 = minlen / krow, 64 / k64               # ms per call (k = 1000 bytes/s)
tblk = 64 / kbig                                      # ms per compression, large buffers
row_blk = (minlen + 9 + 63) // 64
hashes = rows + max(nl - nb, 0)
api = s3c + rows * row_call + (hashes - rows) * t64
raw = s3c + (rows * row_blk + (hashes - rows) * 2) * tblk
print(f"  floor of any verification: scan of table + entries ({s3c:.0f} ms CPU) and {hashes} SHA-256 "
      f"({rows} rows, shortest encoding {minlen} bytes; {hashes - rows} inner Merkle nodes)")
print(f"    through OpenSSL's API ({row_call * 1e6:.0f} ns per {minlen}-byte call, {t64 * 1e6:.0f} ns per 64-byte one): {api:.0f} ms CPU = "
      f"{api / s3c:.2f}x the 3-table scan, {api / s1c:.2f}x the table scan (CPU)")
print(f"    raw compressions at OpenSSL's large-buffer rate ({tblk * 1e6:.1f} ns per 64-byte block): {raw:.0f} ms CPU = "
      f"{raw / s3c:.2f}x the 3-table scan, {raw / s1c:.2f}x the table scan (CPU)")
cores = os.cpu_count()
print(f"    the API floor in wall time, spread perfectly over {cores} cores: {api / cores:.0f} ms = "
      f"{api / cores / s3w:.2f}x the 3-table scan's wall time ({s3w:.0f} ms)")
print(f"    verify_ledger measured: {vpc:.0f} ms CPU = {vpc / api:.2f}x the API floor")
PY
