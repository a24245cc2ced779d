-- Audit programme: load balancing.  Leads with the same capacity and the
-- same eligibility share the audits within one, overall and in every month;
-- a lead with twice the capacity carries twice the share; the busiest month
-- stays within a stated bound of the mean; reassignments made to find room
-- keep the plan valid.
BEGIN;
SELECT plan(9);
SET LOCAL search_path = public, scsm;

-- Four terminals, four leads competent for all of clause 4, nobody
-- conflicted or away; medium risk (interval one year), cycle one year,
-- units in scope since dates spread over the year before the start, so due
-- dates spread over the first year.
INSERT INTO scsm.organization (org_id, name, short_name) VALUES (952, 'Tap Balance', 'tap_balance');
INSERT INTO scsm.audit_programme_config (org_id, cycle) VALUES (952, '1 year');
INSERT INTO scsm.site (org_id, site_id, name, kind)
SELECT 952, 9520 + i, 'T' || i, 'terminal' FROM generate_series(1, 4) i;
INSERT INTO scsm.person (org_id, person_id, full_name) SELECT 952, 20 + i, 'Lead ' || i FROM generate_series(1, 4) i;
INSERT INTO scsm.auditor (org_id, person_id, is_lead, monthly_capacity) SELECT 952, 20 + i, true, 10 FROM generate_series(1, 4) i;
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) SELECT 952, 20 + i, '4' FROM generate_series(1, 4) i;
DO $$ BEGIN PERFORM scsm.sync_audit_units(952); END $$;
UPDATE scsm.audit_unit SET in_scope_since = '2026-01-01'::date + (unit_id * 37 % 365)::integer WHERE org_id = 952;

SELECT lives_ok($$SELECT scsm.plan_audit_programme_id(952, '2027-01-01', '2 years')$$, 'the balanced instance is planned');
SELECT is_empty($$SELECT * FROM scsm.check_audit_programme(952)$$, 'the checker finds no violation');

CREATE TEMP TABLE bal AS
SELECT pa.lead_auditor, pa.period FROM scsm.planned_audit pa JOIN scsm.audit_programme p USING (org_id, programme_id)
 WHERE p.org_id = 952 AND p.status = 'current';

SELECT cmp_ok((SELECT max(n) - min(n) FROM (SELECT count(*) AS n FROM bal GROUP BY lead_auditor) x), '<=', 1::bigint,
              'four equal leads share the audits of the horizon within one');
SELECT is((SELECT count(DISTINCT lead_auditor)::int FROM bal), 4, 'every lead has audits');
SELECT is_empty($$SELECT period FROM (SELECT m.period, a.person_id, count(b.lead_auditor) AS n
                                        FROM (SELECT DISTINCT period FROM bal) m
                                        CROSS JOIN (SELECT person_id FROM scsm.auditor WHERE org_id = 952) a
                                        LEFT JOIN bal b ON b.period = m.period AND b.lead_auditor = a.person_id
                                       GROUP BY 1, 2) x
                   GROUP BY period HAVING max(n) - min(n) > 1$$,
                'in every month the four equal leads differ by at most one audit');
-- the busiest month: at most 1.5 times the mean of the months with audits, plus one
SELECT cmp_ok((SELECT max(n)::numeric FROM (SELECT count(*) AS n FROM bal GROUP BY period) x), '<=',
              (SELECT 1.5 * avg(n) + 1 FROM (SELECT count(*) AS n FROM bal GROUP BY period) x),
              'the busiest month holds at most 1.5 times the monthly mean plus one');
SELECT is((SELECT count(DISTINCT period)::int FROM bal), 24, 'audits are spread over all 24 months');

-- a lead with twice the capacity carries twice the share (load relative to capacity)
UPDATE scsm.auditor SET monthly_capacity = 20 WHERE org_id = 952 AND person_id = 21;
DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(952, '2027-01-01', '2 years'); END $$;
TRUNCATE bal;
INSERT INTO bal SELECT pa.lead_auditor, pa.period FROM scsm.planned_audit pa JOIN scsm.audit_programme p USING (org_id, programme_id)
 WHERE p.org_id = 952 AND p.status = 'current';
SELECT is_empty($$SELECT period FROM (SELECT m.period, a.person_id, count(b.lead_auditor)::numeric / a.monthly_capacity AS r
                                        FROM (SELECT DISTINCT period FROM bal) m
                                        CROSS JOIN (SELECT person_id, monthly_capacity FROM scsm.auditor WHERE org_id = 952) a
                                        LEFT JOIN bal b ON b.period = m.period AND b.lead_auditor = a.person_id
                                       GROUP BY 1, 2, a.monthly_capacity) x
                   GROUP BY period HAVING max(r) - min(r) > 0.1$$,
                'in every month, audits per audit-day of capacity differ by at most one audit of the smaller capacity (0.1)');
SELECT ok((SELECT count(*) FROM bal WHERE lead_auditor = 21)::numeric
          / (SELECT avg(n) FROM (SELECT count(*) AS n FROM bal WHERE lead_auditor <> 21 GROUP BY lead_auditor) x) BETWEEN 1.8 AND 2.2,
          'over the horizon the lead with twice the capacity carries 1.8 to 2.2 times the audits of each other lead');

SELECT * FROM finish();
ROLLBACK;
