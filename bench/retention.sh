#!/usr/bin/env bash
# Retention benchmark, on its own cluster (port 55566), baselines in the
# same run:
#  1. write-path cost of the retention stamp: INSERT of N rows into a
#     protected table with a retention class vs the same into a protected
#     table without one (both ledgered);
#  2. disposal: scsm.dispose_all_expired (batches of B, one ledgered
#     certificate row per batch) of N expired rows vs a plain DELETE of the same
#     rows from an unprotected copy.  Prints rows/s, backend CPU time, WAL
#     written, and the ratios.  The pair is measured R times (default 3), on
#     fresh copies of the loaded database, in alternating order; the ratios
#     reported are the medians, each repetition's line is printed too (a
#     shared host's speed wanders from one minute to the next);
#  3. the same disposal under BENCH_HOLDS (default 1000) legal holds of the
#     table, each holding one row, against the disposals without holds.
#   bash bench/retention.sh [N] [B] [R]   (default N=1000000, B=10000, R=3)
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
N=${1:-1000000}
B=${2:-10000}
R=${3:-3}
port=${SCSM_BENCH_PORT:-55566}
dir=$(mktemp -d /tmp/scsm-bench-ret.XXXXXX)
chmod 755 "$dir"
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
# the sealer runs by hand here, so that it competes with neither measurement
cluster_start "$dir/pg" "$port" "synchronous_commit = on" "max_wal_size = 4GB" "scsm.seal_interval = '1h'" >/dev/null
trap 'cluster_stop "$dir/pg"; rm -rf "$dir"' EXIT
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d bench -c "$1"; }
psql -X -q -d postgres -c "CREATE DATABASE bench" >/dev/null
q "CREATE EXTENSION scsm" >/dev/null
q "CREATE TABLE public.rec (id bigint PRIMARY KEY, rec_date date NOT NULL, payload text NOT NULL);
   CREATE TABLE public.rec_plain (LIKE public.rec INCLUDING ALL);
   CREATE TABLE public.rec_nc (LIKE public.rec INCLUDING ALL);
   SELECT scsm.protect('public.rec', 'append_only');
   SELECT scsm.protect('public.rec_nc', 'append_only');
   INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
   VALUES ('bench', 'bench', '1 year', 'record_date', 'rec_date');
   INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
   SELECT 'public', 'rec', class_id FROM scsm.retention_class WHERE name = 'bench';" >/dev/null
echo "loading $N rows into each table"
# alternate halves, so that neither table benefits from going first
h=$((N / 2))
a=0; b=0
for part in 0 1; do
  lo=$((part * h + 1)); hi=$(((part + 1) * h))
  s0=$(date +%s.%N)
  q "INSERT INTO public.rec_nc SELECT g, date '2000-01-01' + (g % 3650)::int, md5(g::text) FROM generate_series($lo, $hi) g" >/dev/null
  s1=$(date +%s.%N)
  q "INSERT INTO public.rec SELECT g, date '2000-01-01' + (g % 3650)::int, md5(g::text) FROM generate_series($lo, $hi) g" >/dev/null
  s2=$(date +%s.%N)
  a=$(python3 -c "print($a + $s1 - $s0)"); b=$(python3 -c "print($b + $s2 - $s1)")
done
s0=0; s1=$a; s2=$(python3 -c "print($a + $b)")
python3 -c "import sys; a=float(sys.argv[2])-float(sys.argv[1]); b=float(sys.argv[3])-float(sys.argv[2]); n=int(sys.argv[4]); print(f'INSERT protected, no class : {a:8.2f} s  {n/a:10.0f} rows/s'); print(f'INSERT protected, class   : {b:8.2f} s  {n/b:10.0f} rows/s'); print(f'stamp cost: {(b-a)/n*1e6:.2f} us/row, ratio {b/a:.3f}x')" "$s0" "$s1" "$s2" "$N"
q "INSERT INTO public.rec_plain SELECT * FROM public.rec" >/dev/null
q "SELECT scsm.ledger_seal(100000000)" >/dev/null
q "VACUUM ANALYZE" >/dev/null
# Each measurement in one session: wall time on the server (clock_timestamp,
# no connection set-up) and the backend's CPU time (utime + stime of
# /proc/self/stat, fields 14 and 15), which other load on a shared machine
# inflates much less than wall time; and the WAL records and bytes written
# (pg_stat_wal, flushed first, and the insert position; nothing else writes
# meanwhile), which no load changes.
cpu="SELECT (s[12])::bigint + (s[13])::bigint FROM (SELECT pg_catalog.string_to_array(pg_catalog.split_part(pg_catalog.pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS s) x"
measure() {
  psql -X -qAt -v ON_ERROR_STOP=1 -d "$2" <<SQL
CHECKPOINT;
SELECT 'w0 ' || extract(epoch FROM clock_timestamp());
SELECT 'c0 ' || ($cpu);
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT 'r0 ' || wal_records || ' b0 ' || pg_catalog.pg_current_wal_insert_lsn() - '0/0' FROM pg_stat_wal;
$1;
SELECT 'c1 ' || ($cpu);
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT 'r1 ' || wal_records || ' b1 ' || pg_catalog.pg_current_wal_insert_lsn() - '0/0' FROM pg_stat_wal;
SELECT 'w1 ' || extract(epoch FROM clock_timestamp());
SQL
}
hz=$(getconf CLK_TCK)
# The hash check a disposal must make (a row whose content no longer matches
# its ledger entry is never certified): SHA-256 of each row's canonical
# encoding, measured here through scsm.row_hash (one backend, no workers),
# and its floor at `openssl speed`'s per-call rate for the shortest encoding.
mh=$(measure "SET max_parallel_workers_per_gather = 0; SELECT count(scsm.row_hash('public.rec'::regclass, t)) FROM public.rec t" bench)
minlen=$(q "SELECT min(length(scsm.row_encoding('public.rec'::regclass, t))) FROM public.rec t")
osslrow=$(openssl speed -seconds 2 -bytes "$minlen" sha256 2>/dev/null | awk '/^sha256/ {print $2}' | sed 's/k$//')
# R repetitions, each on a fresh copy of the loaded database (file copy: no
# WAL for the copy), the plain DELETE first in odd ones, disposal first in
# even ones; the last copy is kept for the checks below
reps=()
for r in $(seq 1 "$R"); do
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench_rep" \
       -c "CREATE DATABASE bench_rep TEMPLATE bench STRATEGY FILE_COPY" >/dev/null
  if [ $((r % 2)) -eq 1 ]; then
    m1=$(measure "DELETE FROM public.rec_plain WHERE rec_date < date '2020-01-01'" bench_rep)
    m2=$(measure "CALL scsm.dispose_all_expired($B)" bench_rep)
  else
    m2=$(measure "CALL scsm.dispose_all_expired($B)" bench_rep)
    m1=$(measure "DELETE FROM public.rec_plain WHERE rec_date < date '2020-01-01'" bench_rep)
  fi
  reps+=("$(echo $m1) | $(echo $m2)")
done
# the same disposal under H legal holds of the table (H rows held, by id):
# each batch tests its rows against every hold (retention_hold.c)
H=${BENCH_HOLDS:-1000}
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench_holds" \
     -c "CREATE DATABASE bench_holds TEMPLATE bench STRATEGY FILE_COPY" >/dev/null
psql -X -qAt -v ON_ERROR_STOP=1 -d bench_holds -c "SELECT count(scsm.place_legal_hold('public.rec', jsonb_build_object('id', g * ($N / $H)), 'bench ' || g)) FROM generate_series(1, $H) g" >/dev/null
mholds=$(measure "CALL scsm.dispose_all_expired($B)" bench_holds)
heldleft=$(psql -X -qAt -d bench_holds -c "SELECT count(*) FROM public.rec")
psql -X -q -d postgres -c "DROP DATABASE bench_holds" >/dev/null
left=$(psql -X -qAt -d bench_rep -c "SELECT count(*) FROM public.rec")
certs=$(psql -X -qAt -d bench_rep -c "SELECT count(*) FROM scsm.disposal_certificate")
python3 - "$N" "$left" "$certs" "$B" "$hz" "$mh" "$minlen" "$osslrow" "$H" "$heldleft" "$mholds" "${reps[@]}" <<'PY'
import statistics, sys
n, left, certs, b, hz = map(int, sys.argv[1:6])
nholds, heldleft, mholds = int(sys.argv[9]), int(sys.argv[10]), sys.argv[11]
del sys.argv[9:12]
def parse(text):
    toks = text.split()
    d = {toks[i]: float(toks[i + 1]) for i in range(len(toks) - 1)
         if toks[i] in ('w0', 'w1', 'c0', 'c1', 'r0', 'r1', 'b0', 'b1')}
    return d['w1'] - d['w0'], (d['c1'] - d['c0']) / hz, d['r1'] - d['r0'], d['b1'] - d['b0']
print(f"rows={n} batch={b} repetitions={len(sys.argv) - 9} left={left} certificates={certs}")
rw, rc, rd = [], [], []
for k, rep in enumerate(sys.argv[9:], 1):
    plain, disp = rep.split(' | ')
    pw, pc, pr, pb = parse(plain)
    dw, dc, dr, db = parse(disp)
    rw.append(dw / pw); rc.append(dc / max(pc, 1.0 / hz)); rd.append(dw)
    print(f"#{k} plain DELETE       : {pw:8.2f} s wall {pc:8.2f} s CPU  {n/pw:10.0f} rows/s  WAL {pr/n:5.1f} records {pb/n:6.0f} bytes per row")
    print(f"#{k} dispose_all_expired: {dw:8.2f} s wall {dc:8.2f} s CPU  {n/dw:10.0f} rows/s  WAL {dr/n:5.1f} records {db/n:6.0f} bytes per row")
    print(f"#{k} ratio dispose/plain: {dw/pw:.2f}x wall, {dc/max(pc, 1.0/hz):.2f}x CPU, {dr/max(pr, 1):.1f}x WAL records")
print(f"median ratio dispose/plain: {statistics.median(rw):.2f}x wall, {statistics.median(rc):.2f}x CPU "
      f"(range {min(rw):.2f}-{max(rw):.2f}x wall); median disposal {n/statistics.median(rd):.0f} rows/s (target <= 2x)")
hw, hc, _, _ = parse(sys.argv[6])
minlen, krow = int(sys.argv[7]), float(sys.argv[8])
pc = statistics.median([parse(rep.split(' | ')[0])[1] for rep in sys.argv[9:]])
tcall = minlen / krow / 1e3  # s per SHA-256 call of the shortest encoding (k = 1000 bytes/s)
print(f"hash check alone   : {hw:8.2f} s wall {hc:8.2f} s CPU  (scsm.row_hash of every row, no workers)")
print(f"floor, plain DELETE + hash check: {(pc + hc)/max(pc, 1.0/hz):.2f}x CPU; with the hash at openssl speed's "
      f"{tcall*1e9:.0f} ns per {minlen}-byte call: {(pc + n*tcall)/max(pc, 1.0/hz):.2f}x CPU "
      f"(certificates, finding the due rows and all bookkeeping come on top)")
ow, oc, _, _ = parse(mholds)
print(f"dispose under {nholds} legal holds: {ow:8.2f} s wall {oc:8.2f} s CPU, {heldleft} rows held and kept; "
      f"{ow/statistics.median(rd):.2f}x wall of the median disposal without holds")
PY
qr() { psql -X -qAt -v ON_ERROR_STOP=1 -d bench_rep -c "$1"; }
echo "verify_ledger discrepancies (last repetition): $(qr "SELECT count(*) FROM scsm.verify_ledger()")"
echo "events: $(qr "SELECT string_agg(event || '=' || n, ', ') FROM (SELECT event, count(*) n FROM scsm.event_log GROUP BY 1) s")"
qr "SELECT detail FROM scsm.event_log WHERE event = 'disposal_failed' LIMIT 1"
