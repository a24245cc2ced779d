#!/usr/bin/env bash
# A cancel (statement_timeout here) reaches the long loops of the C code:
# the grouped knapsack's pass over the budget for each option (a group may
# hold 65535 options; the cancel was seen once per group, 75 s late with
# 4000 options in one group).  The call must end with 57014 well before it
# could have finished: the bound (20 s against a 1 s timeout) is loose
# enough for a loaded 2-core runner, and the call takes over a minute
# without the check.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
echo "1..2"
tap_db scsm_cancel
# run SQL under a 1 s statement_timeout: prints "<sqlstate> <seconds>"
timed() {
  python3 - "$1" <<'PY'
import subprocess, sys, time
sql = "SET statement_timeout = '1s';\n\\set VERBOSITY verbose\n" + sys.argv[1] + ";\n"
t0 = time.time()
p = subprocess.run(["psql", "-X", "-q", "-d", "scsm_cancel"], input=sql, capture_output=True, text=True)
dt = time.time() - t0
code = "none"
for line in p.stderr.splitlines():
    if line.startswith("ERROR:") or "ERROR:  " in line:
        code = line.split("ERROR:")[1].strip().split(":")[0]
        break
print(code, int(dt))
PY
}
r=$(timed "SELECT * FROM scsm.knapsack_grouped(
       (SELECT array_agg(g::bigint) FROM generate_series(1, 4000) g),
       array_fill(1::bigint, ARRAY[4000]),
       (SELECT array_agg((g % 1000 + 1)::bigint) FROM generate_series(1, 4000) g),
       (SELECT array_agg(g::float8) FROM generate_series(1, 4000) g), 20000000)")
ok "${r% *}" "57014" "knapsack_grouped, 4000 options in one group: cancelled by statement_timeout"
ok "$([ "${r#* }" -lt 20 ] && echo prompt || echo "late: ${r#* } s")" "prompt" \
   "and the cancel came within 20 s of a 1 s timeout"
psql -X -q -d postgres -c "DROP DATABASE scsm_cancel" >/dev/null
