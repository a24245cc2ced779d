#!/usr/bin/env bash
# Write path of a versioned protected table, on its own cluster (port 55567),
# baseline in the same run: the same INSERTs and UPDATEs on a plain table
# versioned by a PL/pgSQL trigger (a version column, the old row copied to a
# history table), which is what an application does without scsm (no hash,
# no ledger).  Prints per-row wall and backend CPU time and the ratios.
#   bash bench/versioned.sh [N]   (default N=50000)
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
N=${1:-50000}
port=${SCSM_BENCH_PORT:-55567}
dir=$(mktemp -d /tmp/scsm-bench-ver.XXXXXX)
chmod 755 "$dir"
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start "$dir/pg" "$port" "scsm.seal_interval = '1h'" >/dev/null
trap 'cluster_stop "$dir/pg"; rm -rf "$dir"' EXIT
psql -X -q -d postgres -c "CREATE DATABASE bench" >/dev/null
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d bench -c "$1"; }
q "CREATE EXTENSION scsm" >/dev/null
q "CREATE TABLE public.doc (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL);
   SELECT scsm.protect('public.doc', 'versioned');
   CREATE TABLE public.doc_plain (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL, version int NOT NULL DEFAULT 1);
   CREATE TABLE public.doc_plain_history (LIKE public.doc_plain, superseded_at timestamptz NOT NULL,
                                          PRIMARY KEY (id, version));
   CREATE FUNCTION public.doc_plain_version() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
     INSERT INTO public.doc_plain_history VALUES (OLD.id, OLD.title, OLD.body, OLD.version, now());
     NEW.version := OLD.version + 1;
     RETURN NEW;
   END \$\$;
   CREATE TRIGGER doc_plain_version BEFORE UPDATE ON public.doc_plain
     FOR EACH ROW EXECUTE FUNCTION public.doc_plain_version();" >/dev/null
cpu="SELECT (s[12])::bigint + (s[13])::bigint FROM (SELECT pg_catalog.string_to_array(pg_catalog.split_part(pg_catalog.pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS s) x"
measure() {
  psql -X -qAt -v ON_ERROR_STOP=1 -d bench <<SQL
SELECT 'w0 ' || extract(epoch FROM clock_timestamp());
SELECT 'c0 ' || ($cpu);
$1;
SELECT 'c1 ' || ($cpu);
SELECT 'w1 ' || extract(epoch FROM clock_timestamp());
SQL
}
hz=$(getconf CLK_TCK)
res=()
for t in doc_plain doc; do
  res+=("$(echo $(measure "INSERT INTO public.$t (id, title, body) SELECT g, 'title ' || g, md5(g::text) FROM generate_series(1, $N) g"))")
  res+=("$(echo $(measure "UPDATE public.$t SET body = body || '.'"))")
  res+=("$(echo $(measure "UPDATE public.$t SET title = title || '!'"))")
done
q "SELECT count(*) FROM scsm.verify_ledger()" | sed 's/^/verify_ledger discrepancies: /'
python3 - "$N" "$hz" "${res[@]}" <<'PY'
import sys
n, hz = int(sys.argv[1]), int(sys.argv[2])
def parse(text):
    t = text.split()
    d = {t[i]: float(t[i + 1]) for i in range(len(t) - 1) if t[i] in ('w0', 'w1', 'c0', 'c1')}
    return d['w1'] - d['w0'], (d['c1'] - d['c0']) / hz
steps = ['INSERT', 'UPDATE 1', 'UPDATE 2']
plain = [parse(x) for x in sys.argv[3:6]]
prot = [parse(x) for x in sys.argv[6:9]]
print(f"rows={n}")
for s, (pw, pc), (vw, vc) in zip(steps, plain, prot):
    print(f"{s:9}: PL/pgSQL versioning {pw/n*1e6:7.1f} us/row wall {pc/n*1e6:7.1f} us CPU | "
          f"scsm versioned {vw/n*1e6:7.1f} us/row wall {vc/n*1e6:7.1f} us CPU | "
          f"ratio {vw/pw:.2f}x wall, {vc/max(pc, 1.0/hz):.2f}x CPU")
PY
