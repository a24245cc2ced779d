-- Cost of the access policies (docs/access.md).  Run as a superuser in a
-- database with scsm installed:  psql -X -q -f bench/access_rls.sql
-- Everything happens in a transaction that is rolled back.  It loads 100 000
-- incidents spread over 100 organizations (four sensitivity levels) and
-- 20 000 memberships of other users, then
-- times, for a member of one organization with clearance internal:
--   baseline  the superuser counting the same rows with a hand-written filter
--   rls       the member counting through the scsm row-level security policy
--   naive     the member through a policy doing a per-row EXISTS over
--             scsm.member with pg_has_role (what scsm avoids)
-- and prints each as a ratio to the baseline.
BEGIN;
CREATE ROLE bench_access_member LOGIN;
GRANT scsm_viewer TO bench_access_member;
CREATE TEMP TABLE bench_orgs AS
SELECT scsm.create_organization('Bench ' || i, 'bench_access_' || i) AS org_id FROM generate_series(1, 100) i;
SELECT min(org_id) AS o1, min(org_id) + 2 AS o3 FROM bench_orgs \gset
SELECT scsm.add_member(:o3, 'bench_access_member', 'internal') AS added \gset
-- 200 other users, each a member of every organization: 20 000 memberships.
DO $$ BEGIN FOR i IN 1 .. 200 LOOP EXECUTE format('CREATE ROLE bench_access_u%s', i); END LOOP; END $$;
INSERT INTO scsm.member (org_id, role_name, clearance)
SELECT org_id, 'bench_access_u' || i, 'internal' FROM bench_orgs, generate_series(1, 200) i;
ANALYZE scsm.member;
INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, severity, sensitivity)
SELECT (i % 100) + :o1, 'near_miss', 'Bench ' || i, 'x', now() - i * interval '1 minute', 1,
       (enum_range(NULL::scsm.sensitivity))[1 + (i / 100) % 4]
  FROM generate_series(1, 100000) i;
ANALYZE scsm.incident;

CREATE FUNCTION pg_temp.bench(q text, who name, reps int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    n bigint;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', who);
    EXECUTE q INTO n;                       -- warm up
    t0 := clock_timestamp();
    FOR i IN 1 .. reps LOOP
        EXECUTE q INTO n;
    END LOOP;
    RESET ROLE;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000 / reps;
END
$$;

CREATE TEMP TABLE bench_result (name text, ms float8);
INSERT INTO bench_result
SELECT 'baseline', pg_temp.bench(format('SELECT count(*) FROM scsm.incident WHERE org_id = %s AND sensitivity <= ''internal''', :o3),
                                 current_user, 50);
INSERT INTO bench_result
SELECT 'rls', pg_temp.bench('SELECT count(*) FROM scsm.incident', 'bench_access_member', 50);
CREATE POLICY bench_naive ON scsm.incident AS RESTRICTIVE
    USING (EXISTS (SELECT 1 FROM scsm.member m
                    WHERE m.org_id = incident.org_id AND pg_has_role(m.role_name, 'MEMBER')
                      AND m.clearance >= incident.sensitivity));
ALTER POLICY scsm_org_member ON scsm.incident USING (true);
INSERT INTO bench_result
SELECT 'naive', pg_temp.bench('SELECT count(*) FROM scsm.incident', 'bench_access_member', 5);

\pset tuples_only off
SELECT name, round(ms::numeric, 2) AS ms_per_query,
       round((ms / (SELECT ms FROM bench_result WHERE name = 'baseline'))::numeric, 1) AS ratio_to_baseline
  FROM bench_result ORDER BY ms;
ROLLBACK;
