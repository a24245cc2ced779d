#!/usr/bin/env bash
# Benchmarks of the quantitative risk engine (issue 5, points 3-5), each
# against a baseline measured in the same run:
#   1. supply-chain propagation in C vs the recursive-CTE formulation of the
#      same model (bench/risk_propagate_cte.sql), equal results checked;
#   2. Monte Carlo scenario-years/s vs numpy (bench/risk_mc_numpy.py);
#   3. knapsack time at n = 1,000, budget 10^5 and how it grows.
# Starts its own cluster (port ${SCSM_BENCH_PORT:-55506}).  Not part of the
# test suite.  Usage: bash bench/risk_quant.sh [quick|mc]  (mc: the Monte
# Carlo part alone, 10^6 years per scenario; SCSM_BENCH_MC_ITERS to change)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
quick=${1:-}
. test/lib.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
work=$(mktemp -d /tmp/scsm-bench-risk.XXXXXX)
chmod 755 "$work"; chown postgres: "$work"
trap 'cluster_stop "$work/pg"; rm -rf "$work"' EXIT
cluster_start "$work/pg" "${SCSM_BENCH_PORT:-55506}" "max_parallel_workers_per_gather = 2" "work_mem = 256MB"
export PGDATABASE=bench PGOPTIONS="-c client_min_messages=warning"
psql -X -q -d postgres -c "CREATE DATABASE bench" >/dev/null
psql -X -q -c "CREATE EXTENSION scsm" >/dev/null
cp bench/risk_propagate_cte.sql bench/risk_propagate_setup.sql "$work/"
chmod 644 "$work"/*.sql

# ms of the last statement of a psql script read from stdin
ms() { psql -X -q -v ON_ERROR_STOP=1 "$@" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
# best of N runs of the same script
best_ms() { local n=$1 sql=$2 b= t; shift 2
  for _ in $(seq "$n"); do t=$(printf '%s\n' "$sql" | ms "$@"); b=$(awk -v a="$t" -v b="$b" 'BEGIN{print (b==""||a<b)?a:b}'); done; echo "$b"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a/b}'; }

# wall ms and CPU ms of the backend for a timed SQL after an untimed setup: "wall cpu".
# CPU time from /proc/<pid>/schedstat (nanoseconds; /proc/<pid>/stat counts
# 10 ms ticks, too coarse for runs of a few tenths of a second), falling
# back to the ticks where schedstat is missing.
c_run() {
  local f; f=$(mktemp "$work/c.XXXXXX")
  psql -X -q -At -v ON_ERROR_STOP=1 >/dev/null <<SQL
\o $f.pid
SELECT pg_backend_pid();
\o /dev/null
SET max_parallel_workers_per_gather = 0;
${2:-}
\! echo \$(date +%s%N) \$(cat /proc/\$(cat $f.pid)/schedstat 2>/dev/null | cut -d' ' -f1) \$(awk '{print \$14+\$15}' /proc/\$(cat $f.pid)/stat) > $f.0
$1
\! echo \$(date +%s%N) \$(cat /proc/\$(cat $f.pid)/schedstat 2>/dev/null | cut -d' ' -f1) \$(awk '{print \$14+\$15}' /proc/\$(cat $f.pid)/stat) > $f.1
SQL
  read -r w0 s0 t0 <"$f.0"; read -r w1 s1 t1 <"$f.1"
  if [ -n "$t1" ]; then
    awk -v w="$((w1 - w0))" -v c="$((s1 - s0))" 'BEGIN{printf "%.1f %.1f\n", w / 1e6, c / 1e6}'
  else # no schedstat: the second field is the tick count
    awk -v w="$((w1 - w0))" -v c="$((s1 - s0))" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f %.1f\n", w / 1e6, c * 1000 / hz}'
  fi
}
# best (smallest) wall and CPU ms over N runs: "wall cpu"
c_best() { local n=$1 bw= bc= w c; shift
  for _ in $(seq "$n"); do
    read -r w c <<<"$(c_run "$@")"
    bw=$(awk -v a="$w" -v b="$bw" 'BEGIN{print (b == "" || a < b) ? a : b}')
    bc=$(awk -v a="$c" -v b="$bc" 'BEGIN{print (b == "" || a < b) ? a : b}')
  done
  echo "$bw $bc"; }

if [ "$quick" != mc ]; then
echo "== 1. supply-chain propagation: C (scsm.propagate_exposure) vs recursive CTE"
c_query="SELECT r.* FROM (SELECT array_agg(id ORDER BY id) i, array_agg(p ORDER BY id) p, array_agg(loss ORDER BY id) l FROM prop_node) n, (SELECT array_agg(src) s, array_agg(dst) d, array_agg(w) w FROM prop_link) k, scsm.propagate_exposure(n.i, n.p, n.l, k.s, k.d, k.w) r"
sizes="10000:100000 30000:300000 100000:1000000"
[ "$quick" = quick ] && sizes="10000:100000"
echo "   (milliseconds, wall clock and CPU time of the backend; the ratio is CTE / C)"
printf '%-8s %-8s %-5s %9s %9s %10s %10s %7s %7s %10s\n' nodes links depth C_wall C_cpu CTE_wall CTE_cpu r_wall r_cpu max_diff
for s in $sizes; do
  n=${s%%:*}; l=${s##*:}
  psql -X -q -v nodes="$n" -v links="$l" -v tiers=20 -f "$work/risk_propagate_setup.sql" >/dev/null
  read -r cw cc <<<"$(c_best 3 "SELECT count(*) FROM ($c_query) x;")"
  read -r qw qc <<<"$(c_best 1 "CREATE TEMP TABLE q_res AS $(grep -v '^--' bench/risk_propagate_cte.sql)" "SET statement_timeout = '900s';")"
  check=$(psql -X -At -F' ' <<SQL
SET extra_float_digits = 0;
CREATE TEMP TABLE c_res AS $c_query;
CREATE TEMP TABLE q_res AS $(grep -v '^--' bench/risk_propagate_cte.sql)
SELECT max(c.depth), count(*) FILTER (WHERE c.depth <> q.depth) + (SELECT count(*) FROM prop_node) - count(*),
       max(abs(c.exposure - q.exposure)), max(abs(c.expected_loss - q.expected_loss) / greatest(1, c.expected_loss))
  FROM c_res c JOIN q_res q USING (node_id);
SQL
)
  read -r depth mism maxdiff lossdiff <<<"$(echo "$check" | tail -1)"
  [ "$mism" = 0 ] || { echo "MISMATCH: $mism nodes differ in depth or are missing"; exit 1; }
  awk -v d="$maxdiff" 'BEGIN{exit !(d < 1e-9)}' || { echo "MISMATCH: exposures differ by $maxdiff"; exit 1; }
  printf '%-8s %-8s %-5s %9s %9s %10s %10s %6sx %6sx %10.2g\n' "$n" "$l" "$depth" "$cw" "$cc" "$qw" "$qc" \
    "$(ratio "$qw" "$cw")" "$(ratio "$qc" "$(awk -v c="$cc" 'BEGIN{print (c > 0) ? c : 1}')")" "$maxdiff"
done
read -r aw ac <<<"$(c_best 3 "SELECT count(*) FROM a, scsm.propagate_exposure(a.i, a.p, a.l, a.s, a.d, a.w);" "CREATE TEMP TABLE a AS SELECT * FROM (SELECT array_agg(id ORDER BY id) i, array_agg(p ORDER BY id) p, array_agg(loss ORDER BY id) l FROM prop_node) n, (SELECT array_agg(src) s, array_agg(dst) d, array_agg(w) w FROM prop_link) k;")"
echo "C function alone on the largest graph (arrays already built): ${aw} ms wall, ${ac} ms CPU"
fi

echo
echo "== 2. Monte Carlo: scenario-years/s, C (one backend, no parallel workers) vs numpy"
echo "   (wall clock, and per CPU-second of the process: the machine may be shared)"
iters=1000000; nscen=20
[ "$quick" = quick ] && iters=200000
iters=${SCSM_BENCH_MC_ITERS:-$iters}
mc_case() { # name rate kind params(pg) params(numpy)
  local name=$1 rate=$2 kind=$3 pgp=$4 npp=$5 w c bw= bc= np
  : >"$work/scen.txt"; for _ in $(seq $nscen); do echo "$rate $kind $npp" >>"$work/scen.txt"; done
  read -r bw bc <<<"$(c_best 3 "SELECT array_length(scsm.portfolio_losses(42, $iters, s, 'poisson', '{$rate}', '$kind', '$pgp'), 1) FROM generate_series(1, $nscen) s;")"
  np=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/risk_mc_numpy.py "$iters" "$work/scen.txt")
  read -r npw npc _ npmean <<<"$np"
  awk -v n=$((iters * nscen)) -v cw="$bw" -v cc="$bc" -v nw="$npw" -v nc="$npc" -v name="$name" 'BEGIN{
    r1 = n / (cw / 1000) / 1e6; r2 = n / (cc / 1000) / 1e6; r3 = n / nw / 1e6; r4 = n / nc / 1e6;
    printf "%-34s %8.1f %8.1f %8.1f %8.1f %7.1fx %7.1fx\n", name, r1, r2, r3, r4, r1 / r3, r2 / r4 }'
}
printf '%-34s %8s %8s %8s %8s %8s %8s\n' "model ($nscen scen. x $iters years)" "C wall" "C cpu" "np wall" "np cpu" "wall" "cpu"
mc_case "rate 0.05, lognormal [1e5, 1e6]" 0.05 lognormal '{1e5,1e6}' "1e5 1e6"
mc_case "rate 0.5, lognormal [1e5, 1e6]" 0.5 lognormal '{1e5,1e6}' "1e5 1e6"
mc_case "rate 2, lognormal [1e5, 1e6]" 2 lognormal '{1e5,1e6}' "1e5 1e6"
mc_case "rate 0.5, PERT(1e4, 5e4, 5e5)" 0.5 pert '{1e4,5e4,5e5}' "1e4 5e4 5e5"
echo "(M scenario-years per second; ratios C / numpy)"
[ "$quick" = mc ] && exit 0
par_ms=$(best_ms 2 "DROP TABLE IF EXISTS mc_par; CREATE TABLE mc_par (s bigint) WITH (fillfactor = 10);
INSERT INTO mc_par SELECT generate_series(1, 400); ANALYZE mc_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\\timing on
SELECT array_length(scsm.portfolio_losses(42, 50000, s, 'poisson', '{0.5}', 'lognormal', '{1e5,1e6}'), 1) FROM mc_par;")
echo "parallel plan (2 workers + leader, 2 cores), rate 0.5 lognormal: $(awk -v t="$par_ms" 'BEGIN{printf "%.1f", 400*50000/(t/1000)/1e6}') M/s wall"

echo
echo "== 3. knapsack (exact DP): time at n items x budget B (costs 1..1000)"
ks_setup() { echo "SELECT setseed(0.5);
CREATE TEMP TABLE it AS SELECT array_agg(i::bigint) ids, array_agg(1 + floor(random() * 1000)::bigint) c,
       array_agg(round((random() * 100)::numeric, 2)::float8) v, array_agg(((i - 1) / 4)::bigint) g
  FROM generate_series(1, $1) i;"; }
echo "   (groups of 4 options for knapsack_grouped; ms wall and CPU, best of 3; ns per item x budget unit by CPU)"
printf '%-18s %6s %8s %9s %9s %8s\n' function n budget wall_ms cpu_ms ns_cell
for nb in "1000 100000" "500 100000" "2000 100000" "1000 50000" "1000 200000"; do
  set -- $nb
  for fn in knapsack knapsack_curve knapsack_grouped; do
    case $fn in
      knapsack) q="SELECT total_benefit FROM it, scsm.knapsack(ids, c, v, $2);";;
      knapsack_curve) q="SELECT count(*) FROM it, scsm.knapsack_curve(c, v, $2);";;
      knapsack_grouped) q="SELECT total_benefit FROM it, scsm.knapsack_grouped(ids, g, c, v, $2);";;
    esac
    read -r w c <<<"$(c_best 3 "$q" "$(ks_setup "$1")")"
    printf '%-18s %6s %8s %9s %9s %8.2f\n' "$fn" "$1" "$2" "$w" "$c" "$(awk -v t="$c" -v n="$1" -v b="$2" 'BEGIN{print t * 1e6 / (n * b)}')"
  done
done
