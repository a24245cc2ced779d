#!/usr/bin/env bash
# Benchmark of the audit-programme planner and checker: 500 sites x 23
# clauses, 50 auditors, 3-year horizon, and half and double the sites; own
# cluster on port 55556.  Prints, best of BENCH_ROUNDS rounds, the wall time
# and the backend's CPU time (from /proc/self/schedstat, read by the backend)
# to refresh, plan and check, the violations the checker finds (must be 0;
# exit status 1 otherwise), and the growth of plan time relative to the
# first size and to the previous size, measured in the same run.
#   SCSM_BENCH_SITES="250 500 1000"   sizes (the first is the baseline)
#   BENCH_ROUNDS=2                    rounds per size (best kept)
#   SCSM_BENCH_PORT=55556             port of its cluster
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
port=${SCSM_BENCH_PORT:-55556}
sizes=${SCSM_BENCH_SITES:-250 500 1000}
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
work=$(mktemp -d /tmp/scsm-bench-audit.XXXXXX)
chmod 755 "$work"; chown postgres: "$work"
trap 'cluster_stop "$work/pg"; rm -rf "$work"' EXIT
cluster_start "$work/pg" "$port"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE bench'
psql -X -q -v ON_ERROR_STOP=1 -d bench -c 'CREATE EXTENSION scsm'
psql -X -q -v ON_ERROR_STOP=1 -d bench <<'SQL'
-- One organization with n sites (kinds in turn, one risk each: 5% critical,
-- 20% high, 45% medium, 30% low), 50 auditors (40 leads; 30 competent for
-- all of clause 4, 20 for one or two headings; 20 belong to a site, 10 hold a
-- role for a site during 2027, each away one month), units in scope since
-- some day of the two months before the start (nothing overdue); a unit audit
-- takes a quarter of an audit-day, capacity 30 audit-days a month.
CREATE FUNCTION public.bench_make(n integer) RETURNS bigint
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog AS $$
DECLARE
    org bigint;
    kinds text[] := ARRAY['terminal', 'port', 'warehouse', 'distribution_centre', 'plant', 'office', 'depot', 'yard'];
    heads text[] := ARRAY['4.3', '4.4', '4.5', '4.1', '4.2', '4.6'];
    t bigint;
    sites bigint[];
    owner bigint;
BEGIN
    INSERT INTO organization (name, short_name) VALUES ('Bench ' || n, 'bench_' || n) RETURNING org_id INTO org;
    INSERT INTO audit_programme_config (org_id, audit_days) VALUES (org, 0.25);
    INSERT INTO site (org_id, name, kind) SELECT org, 'Site ' || i, kinds[i % 8 + 1] FROM generate_series(1, n) i;
    SELECT array_agg(site_id ORDER BY site_id) INTO sites FROM site WHERE org_id = org;
    INSERT INTO person (org_id, full_name) VALUES (org, 'Risk owner') RETURNING person_id INTO owner;
    INSERT INTO person (org_id, full_name, site_id)
    SELECT org, 'Auditor ' || i, CASE WHEN i <= 20 THEN sites[(i * 37) % n + 1] END FROM generate_series(1, 50) i;
    INSERT INTO auditor (org_id, person_id, is_lead, monthly_capacity)
    SELECT org, person_id, (row_number() OVER (ORDER BY person_id)) % 5 <> 0, 30
      FROM person WHERE org_id = org AND full_name LIKE 'Auditor %';
    INSERT INTO auditor_competence (org_id, person_id, clause)
    SELECT org, a.person_id, CASE WHEN a.k <= 30 THEN '4' ELSE heads[a.k % 6 + 1] END::scsm.clause
      FROM (SELECT person_id, row_number() OVER (ORDER BY person_id) AS k FROM auditor WHERE org_id = org) a
    UNION ALL
    SELECT org, a.person_id, heads[(a.k + 3) % 6 + 1]::scsm.clause
      FROM (SELECT person_id, row_number() OVER (ORDER BY person_id) AS k FROM auditor WHERE org_id = org) a WHERE a.k > 40;
    INSERT INTO role (org_id, name, responsibilities, authority, site_id)
    SELECT org, 'Site manager ' || i, 'runs the site', 'site', sites[(i * 11) % n + 1] FROM generate_series(1, 10) i;
    INSERT INTO appointment (org_id, role_id, person_id, valid_from, valid_until)
    SELECT org, r.role_id, a.person_id, '2027-01-01', '2027-12-31'
      FROM (SELECT role_id, row_number() OVER (ORDER BY role_id) k FROM role WHERE org_id = org) r
      JOIN (SELECT person_id, row_number() OVER (ORDER BY person_id) k FROM auditor WHERE org_id = org) a ON a.k = r.k + 20;
    INSERT INTO auditor_unavailability (org_id, person_id, during)
    SELECT org, a.person_id, daterange(('2027-01-01'::date + make_interval(months => a.k % 36))::date,
                                       ('2027-01-01'::date + make_interval(months => a.k % 36) + interval '20 days')::date)
      FROM (SELECT person_id, row_number() OVER (ORDER BY person_id)::int AS k FROM auditor WHERE org_id = org) a;
    INSERT INTO threat (org_id, category, title) VALUES (org, 'a', 'Theft') RETURNING threat_id INTO t;
    INSERT INTO risk (org_id, threat_id, title, site_id, owner, likelihood, consequence, level)
    SELECT org, t, 'Risk ' || i, sites[i], owner, 5, 5,
           CASE WHEN i * 7 % 100 < 5 THEN 'critical' WHEN i * 7 % 100 < 25 THEN 'high'
                WHEN i * 7 % 100 < 70 THEN 'medium' ELSE 'low' END
      FROM generate_series(1, n) i;
    PERFORM sync_audit_units(org);
    UPDATE audit_unit SET in_scope_since = '2027-01-01'::date - (unit_id * 7919 % 60)::integer WHERE org_id = org;
    RETURN org;
END
$$;
-- CPU time of this backend in ms: schedstat (ns) where the kernel has it,
-- else utime + stime of /proc/self/stat (10 ms ticks)
CREATE FUNCTION public.bench_cpu_ms() RETURNS numeric
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t text;
BEGIN
    BEGIN
        RETURN split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::numeric / 1e6;
    EXCEPTION WHEN OTHERS THEN
        t := pg_read_file('/proc/self/stat');
        t := substr(t, length(t) - strpos(reverse(t), ')') + 3);
        RETURN (split_part(t, ' ', 12)::numeric + split_part(t, ' ', 13)::numeric) * 10;
    END;
END
$$;
-- refresh, plan and check `rounds` times; the best (lowest) wall and CPU
-- time of each step, the violations summed over the rounds
CREATE FUNCTION public.bench_run(org bigint, n integer, rounds integer, OUT sites integer, OUT units integer, OUT planned integer,
                                 OUT refresh_ms numeric, OUT refresh_cpu numeric, OUT plan_ms numeric, OUT plan_cpu numeric,
                                 OUT check_ms numeric, OUT check_cpu numeric, OUT violations integer,
                                 OUT peak_to_mean numeric, OUT max_util numeric)
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog AS $$
DECLARE
    t0 timestamptz;
    c0 numeric;
    pid bigint;
    v integer;
BEGIN
    sites := n;
    violations := 0;
    SELECT count(*) INTO units FROM audit_unit WHERE org_id = org;
    FOR r IN 1..rounds LOOP
        -- the planner refreshes every unit first; measured here on its own
        t0 := clock_timestamp(); c0 := public.bench_cpu_ms();
        PERFORM refresh_audit_units(org);
        refresh_cpu := least(refresh_cpu, round(public.bench_cpu_ms() - c0));
        refresh_ms := least(refresh_ms, round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 0));
        t0 := clock_timestamp(); c0 := public.bench_cpu_ms();
        pid := plan_audit_programme_id(org, '2027-01-01', '3 years');
        plan_cpu := least(plan_cpu, round(public.bench_cpu_ms() - c0));
        plan_ms := least(plan_ms, round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 0));
        t0 := clock_timestamp(); c0 := public.bench_cpu_ms();
        SELECT count(*) INTO v FROM check_audit_programme(org, pid);
        check_cpu := least(check_cpu, round(public.bench_cpu_ms() - c0));
        check_ms := least(check_ms, round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 0));
        violations := violations + v;
    END LOOP;
    SELECT count(*) INTO planned FROM planned_audit WHERE org_id = org AND programme_id = pid;
    -- load balance: busiest month against the mean, busiest auditor-month against capacity
    SELECT round(max(k) / avg(k), 2) INTO peak_to_mean
      FROM (SELECT count(*) AS k FROM planned_audit WHERE org_id = org AND programme_id = pid GROUP BY period) x;
    SELECT round(max(d / a.monthly_capacity), 2) INTO max_util
      FROM (SELECT w.person_id, w.period, sum(w.audit_days) AS d
              FROM (SELECT lead_auditor AS person_id, period, audit_days FROM planned_audit
                     WHERE org_id = org AND programme_id = pid
                    UNION ALL
                    SELECT t.person_id, period, audit_days FROM planned_audit CROSS JOIN LATERAL unnest(team) t(person_id)
                     WHERE org_id = org AND programme_id = pid) w GROUP BY 1, 2) x
      JOIN auditor a ON a.org_id = org AND a.person_id = x.person_id;
END
$$;
SQL
rounds=${BENCH_ROUNDS:-2}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); best of $rounds rounds; ms wall / ms CPU of the backend"
echo "sites units auditors planned refresh_ms refresh_cpu plan_ms plan_cpu check_ms check_cpu violations plan_cpu_vs_first plan_cpu_growth plan_wall_growth peak_month/mean max_auditor_util"
first_cpu=; prev_cpu=; prev_ms=; fail=0
for n in $sizes; do
  org=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d bench -c "SELECT public.bench_make($n)")
  # statistics as autovacuum would have them on a live database
  psql -X -q -v ON_ERROR_STOP=1 -d bench -c 'ANALYZE'
  IFS='|' read -r s u p rm rc pm pc cm cc v pk mu <<<"$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d bench -c "SELECT * FROM public.bench_run($org, $n, $rounds)")"
  [ -n "$pm" ] || { echo "FAIL: no programme at $n sites"; exit 1; }
  [ -z "$first_cpu" ] && first_cpu=$pc
  vs_first=$(python3 -c "print(f'{$pc / max($first_cpu, 1):.2f}')")
  growth=$( [ -n "$prev_cpu" ] && python3 -c "print(f'{$pc / max($prev_cpu, 1):.2f}')" || echo -)
  wgrowth=$( [ -n "$prev_ms" ] && python3 -c "print(f'{$pm / max($prev_ms, 1):.2f}')" || echo -)
  echo "$s $u 50 $p $rm $rc $pm $pc $cm $cc $v $vs_first $growth $wgrowth $pk $mu"
  [ "$v" -eq 0 ] || { echo "FAIL: $v violations at $n sites"; fail=1; }
  prev_cpu=$pc; prev_ms=$pm
done
echo "plan includes the planner's own refresh of every unit (refresh: the same refresh alone)"
echo "plan_cpu_vs_first: plan CPU time relative to ${sizes%% *} sites; *_growth: relative to the previous size (same run)"
echo "violations (checker, summed over the rounds) must be 0"
exit $fail
