-- Audit programme: planner output on a small organization, its checker,
-- infeasible instances explained, and every error path with its message.
SET search_path = "$user", public, scsm;
\set VERBOSITY default
INSERT INTO scsm.organization (org_id, name, short_name) VALUES (901, 'Regress Port', 'regress_port');
INSERT INTO scsm.site (org_id, site_id, name, kind) VALUES
    (901, 9011, 'Quay', 'terminal'), (901, 9012, 'Depot', 'depot');
INSERT INTO scsm.person (org_id, person_id, full_name, site_id) VALUES
    (901, 9101, 'Ann Auditor', NULL), (901, 9102, 'Bo Lead', 9011), (901, 9103, 'Cy Clerk', NULL),
    (901, 9104, 'Di Helper', 9012);
INSERT INTO scsm.auditor (org_id, person_id, is_lead, monthly_capacity) VALUES
    (901, 9101, true, 8), (901, 9102, true, 8), (901, 9103, false, 4), (901, 9104, true, 6);
INSERT INTO scsm.auditor_competence (org_id, person_id, clause, sector) VALUES
    (901, 9101, '4', NULL), (901, 9102, '4', NULL), (901, 9103, '4.4', NULL), (901, 9104, NULL, 'terminal');
-- units: every heading of clause 4 at every site
SELECT scsm.sync_audit_units(901);
UPDATE scsm.audit_unit SET in_scope_since = '2026-06-01' WHERE org_id = 901;
-- a feasible programme over one year (default cycle three years: no coverage window);
-- medium risk (no risks recorded): every unit is due by 2027-06
SELECT count(*) AS planned, count(DISTINCT unit_id) AS units
  FROM scsm.plan_audit_programme(901, '2027-01-15', '12 months');
SELECT p.start_month, p.horizon_months, p.cycle_months, p.status FROM scsm.audit_programme p WHERE org_id = 901;
SELECT u.site_id, pa.lead_auditor, count(*) FROM scsm.planned_audit pa
  JOIN scsm.audit_unit u USING (org_id, unit_id) WHERE pa.org_id = 901 GROUP BY 1, 2 ORDER BY 1, 2;
-- no lead audits the site they belong to; Di Helper (sector terminal) only audits the Quay
SELECT count(*) AS own_site FROM scsm.planned_audit pa JOIN scsm.audit_unit u USING (org_id, unit_id)
  JOIN scsm.person p ON p.org_id = pa.org_id AND p.person_id = pa.lead_auditor
 WHERE pa.org_id = 901 AND p.site_id = u.site_id;
SELECT * FROM scsm.check_audit_programme(901);
-- three years: every unit once per cycle at least
SELECT count(*) AS planned FROM scsm.plan_audit_programme(901, '2027-01-01', '3 years');
SELECT count(*) AS programmes, count(*) FILTER (WHERE status = 'current') AS current FROM scsm.audit_programme WHERE org_id = 901;
SELECT * FROM scsm.check_audit_programme(901);
-- a hand edit: the lead of one audit becomes a non-lead who belongs nowhere near
UPDATE scsm.planned_audit SET lead_auditor = 9103
 WHERE planned_id = (SELECT min(planned_id) FROM scsm.planned_audit pa JOIN scsm.audit_programme p USING (org_id, programme_id)
                      JOIN scsm.audit_unit u USING (org_id, unit_id)
                     WHERE p.status = 'current' AND p.org_id = 901 AND u.clause = '4.1' AND u.site_id = 9012);
SELECT rule, detail FROM scsm.check_audit_programme(901) ORDER BY rule, detail;

-- Infeasible instances: one unit in scope, explained by unit and rule.
UPDATE scsm.audit_unit SET in_scope = (clause = '4.4.6' AND site_id = 9011) WHERE org_id = 901;
-- competence: nobody covers 4.4.6 at a terminal
DELETE FROM scsm.auditor_competence WHERE org_id = 901;
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) VALUES (901, 9101, '4.5'), (901, 9102, '4.4.5');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '1 year');
-- lead: only a non-lead is competent
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) VALUES (901, 9103, '4.4');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '1 year');
-- independence: the only competent lead belongs to the Quay
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) VALUES (901, 9102, '4.4.6');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '1 year');
-- unavailability: an independent lead exists but is away the whole window
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) VALUES (901, 9101, '4.4');
INSERT INTO scsm.auditor_unavailability (org_id, person_id, during, reason)
    VALUES (901, 9101, '[2027-01-10,2028-03-01)', 'secondment');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '1 year');
SELECT unit_id, clause, site_id, rule, due_month FROM scsm.audit_programme_diagnostics(901, '2027-01-01', '1 year');
-- capacity: back, but every month is full with a 20-day audit
DELETE FROM scsm.auditor_unavailability WHERE org_id = 901;
UPDATE scsm.audit_programme_config SET audit_days = 20 WHERE org_id = 901;
INSERT INTO scsm.audit_programme_config (org_id, audit_days) SELECT 901, 20
 WHERE NOT EXISTS (SELECT 1 FROM scsm.audit_programme_config WHERE org_id = 901);
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '1 year');
DELETE FROM scsm.audit_programme_config WHERE org_id = 901;
-- feasible again: a plan, and the diagnostics are empty
SELECT count(*) FROM scsm.audit_programme_diagnostics(901, '2027-01-01', '1 year');
SELECT period, lead_auditor, team, reason, due_by FROM scsm.plan_audit_programme(901, '2027-01-01', '1 year');

-- Feasible only by moving an audit between leads (a bipartite matching):
-- 4.1 may go to Xi or Yu, 4.2 only to Xi (Zed belongs to the site), one
-- audit each a month.  Served in unit order, 4.1 first takes Xi (least
-- loaded, lowest id); the planner must hand it to Yu to make room for 4.2.
INSERT INTO scsm.organization (org_id, name, short_name) VALUES (902, 'Regress Match', 'regress_match');
INSERT INTO scsm.site (org_id, site_id, name, kind) VALUES (902, 9021, 'Pier', 'terminal');
INSERT INTO scsm.person (org_id, person_id, full_name, site_id) VALUES
    (902, 9201, 'Xi Lead', NULL), (902, 9202, 'Yu Lead', NULL), (902, 9203, 'Zed Local', 9021);
INSERT INTO scsm.auditor (org_id, person_id, is_lead, monthly_capacity) VALUES
    (902, 9201, true, 1), (902, 9202, true, 1), (902, 9203, true, 1);
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) VALUES
    (902, 9201, '4'), (902, 9202, '4.1'), (902, 9203, '4.2');
SELECT scsm.sync_audit_units(902);
UPDATE scsm.audit_unit SET in_scope_since = '2020-01-01', in_scope = clause::text IN ('4.1', '4.2') WHERE org_id = 902;
SELECT u.clause, p.period, p.lead_auditor, p.reason
  FROM scsm.plan_audit_programme(902, '2027-01-01', '1 month') p
  JOIN scsm.audit_unit u ON u.org_id = 902 AND u.unit_id = p.unit_id ORDER BY u.clause;
SELECT * FROM scsm.check_audit_programme(902);
-- without Yu no matching exists: the capacity diagnosis says what Xi carries
UPDATE scsm.auditor SET active = false WHERE org_id = 902 AND person_id = 9202;
SELECT u.clause, d.rule, d.detail FROM scsm.audit_programme_diagnostics(902, '2027-01-01', '1 month') d
  JOIN scsm.audit_unit u ON u.org_id = 902 AND u.unit_id = d.unit_id;

-- Bad inputs.
SELECT scsm.plan_audit_programme_id(NULL, '2027-01-01', '1 year');
SELECT scsm.plan_audit_programme_id(901, NULL, '1 year');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', NULL);
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '-1 year');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '20 days');
SELECT scsm.plan_audit_programme_id(901, '2027-01-01', '11 years');
SELECT scsm.plan_audit_programme_id(901, 'infinity', '1 year');
SELECT scsm.plan_audit_programme_id(999999, '2027-01-01', '1 year');
SELECT scsm.refresh_audit_units(999999);
SELECT scsm.notify_audits_due(-1);
SELECT scsm.audit_calendar_svg(901, '2027-01-01', 0);
SELECT scsm.audit_calendar_svg(999999, '2027-01-01', 12);
SELECT scsm.iaf_md1_sample_size(-1, 'initial');
SELECT scsm.iaf_md1_sample_size(4, 'stage 9');
\set VERBOSITY terse
INSERT INTO scsm.audit_unit (org_id, clause, site_id) VALUES (901, '4.3.1.a', 9011);
INSERT INTO scsm.auditor_competence (org_id, person_id) VALUES (901, 9101);
INSERT INTO scsm.audit_interval_rule (org_id, risk_level, rank, max_interval, tightened_interval, relaxed_interval)
    VALUES (901, 'high', 3, '6 mons', '9 mons', '1 year');
\set VERBOSITY default

-- Sampling (IAF MD 1) and the certification cycle.
SELECT x, scsm.iaf_md1_sample_size(x, 'initial') AS initial, scsm.iaf_md1_sample_size(x, 'surveillance') AS surveillance,
       scsm.iaf_md1_sample_size(x, 'recertification') AS recertification
  FROM unnest(ARRAY[0, 1, 2, 4, 9, 10, 25, 100]) x;
SELECT * FROM scsm.certification_cycle(901, '2027-03-15', 9012);
SELECT site_id, site_name, selected_by FROM scsm.iaf_md1_sample(901, 'initial', 9012) ORDER BY selected_by, site_id;
