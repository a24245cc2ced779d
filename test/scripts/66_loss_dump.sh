#!/usr/bin/env bash
# Loss scenarios and stored simulation runs survive pg_dump and restore
# (pg_extension_config_dump), a restored run still re-derives exactly, and
# new rows after the restore get fresh ids.  Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

export PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning"
a=scsm_loss_dump_a b=scsm_loss_dump_b
work=${SCSM_TEST_WORK:-$(mktemp -d)}/loss_dump
rm -rf "$work"; mkdir -p "$work"
q() { psql -X -At -v ON_ERROR_STOP=1 -d "$@"; }
cleanup() { psql -X -q -c "DROP DATABASE IF EXISTS $a" -c "DROP DATABASE IF EXISTS $b" >/dev/null 2>&1; }
trap cleanup EXIT
cleanup
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $a" -c "CREATE DATABASE $b" >/dev/null || { echo "Bail out! createdb"; exit 1; }

echo "1..5"
q $a >/dev/null <<'SQL' || { echo "Bail out! setup failed"; exit 1; }
CREATE EXTENSION scsm;
SELECT scsm.create_organization('Dump Port', 'dump_port') AS org \gset
INSERT INTO scsm.site (org_id, name) VALUES (:org, 'Quay');
INSERT INTO scsm.loss_scenario (org_id, title, site_id, category, rate, mag_model, mag_p5, mag_p95)
SELECT :org, 'Theft', site_id, 'a', 0.3, 'lognormal', 1e4, 1e6 FROM scsm.site WHERE org_id = :org;
INSERT INTO scsm.loss_scenario (org_id, title, category, freq_model, rate_min, rate_mode, rate_max,
                                mag_model, mag_min, mag_mode, mag_max)
VALUES (:org, 'Fire', 'c', 'pert', 0.01, 0.05, 0.2, 'pert', 1e5, 5e5, 5e6);
SELECT count(*) FROM scsm.simulate_portfolio(:org, 99, 20000, 'site');
SQL

"$PGBIN/pg_dump" -d $a -f "$work/dump.sql" 2>"$work/dump.err"
if q $b -f "$work/dump.sql" >"$work/restore.log" 2>&1; then
  echo "ok 1 - the dump restores without error"
else
  echo "not ok 1 - the dump restores without error"; sed 's/^/# /' "$work/restore.log" | tail -20
fi

state="SELECT (SELECT string_agg(scenario_id || ':' || title || ':' || freq_params::text || ':' || mag_params::text, ',' ORDER BY scenario_id)
                 FROM scsm.loss_scenario)
        || ' / ' || (SELECT string_agg(run_id || ':' || seed || ':' || iterations || ':' || md5(inputs::text) || ':' || md5(results::text), ','
                                       ORDER BY run_id) FROM scsm.loss_simulation_run)"
sa=$(q $a -c "$state"); sb=$(q $b -c "$state")
[ -n "$sa" ] && [ "$sa" = "$sb" ] && echo "ok 2 - scenarios (with their generated parameter vectors) and runs are restored alike" \
  || { echo "not ok 2 - restored rows differ"; echo "# before: $sa"; echo "# after:  $sb"; }

replay="SELECT bool_and(matches) AND count(*) = 3 FROM scsm.replay_simulation_run(
          (SELECT org_id FROM scsm.organization WHERE short_name = 'dump_port'),
          (SELECT max(run_id) FROM scsm.loss_simulation_run))"
[ "$(q $b -c "$replay" 2>&1)" = t ] && echo "ok 3 - the restored run re-derives exactly" \
  || echo "not ok 3 - the restored run re-derives exactly"

again="SELECT md5(string_agg(summary::text, ',' ORDER BY group_key NULLS FIRST)) FROM scsm.simulate_portfolio(
         (SELECT org_id FROM scsm.organization WHERE short_name = 'dump_port'), 99, 20000, 'site', false)"
ra=$(q $a -c "$again"); rb=$(q $b -c "$again")
[ -n "$ra" ] && [ "$ra" = "$rb" ] && echo "ok 4 - the same seed gives the same numbers before and after the restore" \
  || { echo "not ok 4 - numbers differ after restore"; echo "# $ra / $rb"; }

ids="SELECT (SELECT count(DISTINCT scenario_id) = count(*) FROM scsm.loss_scenario)
        AND (SELECT count(DISTINCT run_id) = count(*) FROM scsm.loss_simulation_run)"
new="INSERT INTO scsm.loss_scenario (org_id, title, rate, mag_model, mag_p5, mag_p95)
     SELECT org_id, 'After restore', 1, 'lognormal', 1, 2 FROM scsm.organization WHERE short_name = 'dump_port';
     SELECT count(*) FROM scsm.simulate_portfolio((SELECT org_id FROM scsm.organization WHERE short_name = 'dump_port'), 1, 100);"
if q $b -c "$new" >/dev/null 2>"$work/new.err" && [ "$(q $b -c "$ids")" = t ]; then
  echo "ok 5 - new scenarios and runs after the restore get fresh ids (sequences dumped)"
else
  echo "not ok 5 - new rows after the restore"; sed 's/^/# /' "$work/new.err"
fi
