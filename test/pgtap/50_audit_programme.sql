-- Audit programme: conflicts derived from the register, the planner's
-- output against each rule, hand edits caught by the checker rule by rule,
-- the closed loop from risks, incidents, nonconformities and audits to due
-- dates, the views, sampling and errors.
BEGIN;
SELECT plan(45);
SET LOCAL search_path = public, scsm;

INSERT INTO scsm.organization (org_id, name, short_name) VALUES (951, 'Tap Logistics', 'tap_logistics');
INSERT INTO scsm.audit_programme_config (org_id, cycle) VALUES (951, '1 year');
INSERT INTO scsm.site (org_id, site_id, name, kind) VALUES (951, 9511, 'Alpha', 'terminal'), (951, 9512, 'Beta', 'warehouse');
INSERT INTO scsm.person (org_id, person_id, full_name, site_id) VALUES
    (951, 11, 'Lena Lead', NULL), (951, 12, 'Max Lead', NULL), (951, 13, 'Sam Site', 9511),
    (951, 14, 'Ola Owner', NULL), (951, 15, 'Rita Role', NULL), (951, 16, 'Nico Nonlead', NULL),
    (951, 17, 'Pat Passerby', NULL);
INSERT INTO scsm.auditor (org_id, person_id, is_lead, monthly_capacity) VALUES
    (951, 11, true, 20), (951, 12, true, 20), (951, 13, true, 20), (951, 14, true, 20), (951, 15, true, 20), (951, 16, false, 20);
INSERT INTO scsm.auditor_competence (org_id, person_id, clause) VALUES
    (951, 11, '4'), (951, 12, '4.4'), (951, 13, '4'), (951, 14, '4'), (951, 15, '4'), (951, 16, '4');
INSERT INTO scsm.threat (org_id, threat_id, category, title) VALUES (951, 1, 'a', 'Cargo theft');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, site_id, owner, likelihood, consequence)
    VALUES (951, 1, 1, 'Theft from the yard', 9512, 14, 2, 2);
INSERT INTO scsm.role (org_id, role_id, name, responsibilities, authority, site_id)
    VALUES (951, 1, 'Alpha manager', 'runs Alpha', 'Alpha', 9511);
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from, valid_until) VALUES (951, 1, 15, '2027-01-01', '2027-06-30');
INSERT INTO scsm.document (org_id, document_id, code, title, kind, about_clause, owner)
    VALUES (951, 1, 'OPS-1', 'Gate procedure', 'procedure', '4.4.6', 16);
DO $$ BEGIN PERFORM scsm.sync_audit_units(951); END $$;
UPDATE scsm.audit_unit SET in_scope_since = '2026-06-01' WHERE org_id = 951;

-- conflicts of interest follow from the register
SELECT is((SELECT count(*)::int FROM scsm.v_audit_conflict WHERE org_id = 951 AND person_id = 13 AND reason = 'belongs to the site'),
          23, 'a person belonging to a site conflicts with its 23 units');
SELECT set_eq($$SELECT u.clause::text FROM scsm.v_audit_conflict c JOIN scsm.audit_unit u USING (org_id, unit_id)
                WHERE c.org_id = 951 AND c.person_id = 14$$,
              ARRAY['4.3', '4.3.1'], 'a risk owner conflicts with the risk-assessment area (4.3, 4.3.1) of that site only');
SELECT is((SELECT DISTINCT during FROM scsm.v_audit_conflict WHERE org_id = 951 AND person_id = 15),
          '[2027-01-01,2027-07-01)'::daterange, 'a role for a site conflicts only during the appointment');
SELECT set_eq($$SELECT u.clause::text || '@' || u.site_id FROM scsm.v_audit_conflict c JOIN scsm.audit_unit u USING (org_id, unit_id)
                WHERE c.org_id = 951 AND c.person_id = 16$$,
              ARRAY['4.4@9511', '4.4.6@9511', '4.4@9512', '4.4.6@9512'],
              'the owner of a document about 4.4.6 (no location: every site) conflicts with 4.4 and 4.4.6 everywhere');

-- a programme over two years (cycle one year: two coverage windows)
SELECT lives_ok($$SELECT scsm.plan_audit_programme_id(951, '2027-01-01', '2 years')$$, 'a feasible instance is planned');
SELECT is_empty($$SELECT * FROM scsm.check_audit_programme(951)$$, 'the checker finds no violation in the plan');
SELECT is((SELECT count(DISTINCT unit_id)::int FROM scsm.planned_audit pa JOIN scsm.audit_programme p USING (org_id, programme_id)
            WHERE p.org_id = 951 AND p.status = 'current' AND pa.period < '2028-01-01'), 46, 'every unit is audited in the first cycle');
SELECT is_empty($$SELECT 1 FROM scsm.planned_audit pa JOIN scsm.audit_programme p USING (org_id, programme_id)
                   JOIN scsm.audit_unit u ON u.org_id = pa.org_id AND u.unit_id = pa.unit_id
                  WHERE p.org_id = 951 AND p.status = 'current'
                    AND ((13 = ANY (pa.team || pa.lead_auditor) AND u.site_id = 9511)
                      OR (15 = ANY (pa.team || pa.lead_auditor) AND u.site_id = 9511 AND pa.period < '2027-07-01')
                      OR (14 = ANY (pa.team || pa.lead_auditor) AND u.site_id = 9512 AND u.clause::text IN ('4.3', '4.3.1')))$$,
                'no one is planned where they belong, hold a role or own the area');
SELECT is_empty($$SELECT 1 FROM scsm.planned_audit pa JOIN scsm.audit_unit u ON u.org_id = pa.org_id AND u.unit_id = pa.unit_id
                  WHERE pa.org_id = 951 AND pa.lead_auditor = 12 AND NOT u.clause <@ '4.4'$$,
                'a lead competent for 4.4 only leads 4.4 units');
SELECT is_empty($$SELECT 1 FROM scsm.planned_audit pa WHERE pa.org_id = 951 AND pa.lead_auditor = 16$$,
                'a non-lead never leads');
SELECT bag_eq($$SELECT unit_id, period, lead_auditor, team FROM scsm.planned_audit
                WHERE org_id = 951 AND programme_id = (SELECT programme_id FROM scsm.audit_programme WHERE org_id = 951 AND status = 'current')$$,
              $$SELECT unit_id, period, lead_auditor, team FROM scsm.plan_audit_programme(951, '2027-01-01', '2 years')$$,
              'planning again gives the same programme');

-- hand edits, one rule each; the checker catches every one
CREATE TEMP VIEW cur AS
SELECT pa.*, u.clause, u.site_id FROM scsm.planned_audit pa
  JOIN scsm.audit_programme p USING (org_id, programme_id)
  JOIN scsm.audit_unit u ON u.org_id = pa.org_id AND u.unit_id = pa.unit_id
 WHERE p.org_id = 951 AND p.status = 'current';

DELETE FROM scsm.planned_audit WHERE planned_id IN (SELECT planned_id FROM cur WHERE clause = '4.2' AND site_id = 9512);
SELECT set_eq($$SELECT DISTINCT rule FROM scsm.check_audit_programme(951)$$, ARRAY['coverage', 'max_interval'],
              'removing the audits of a unit breaks coverage and the maximum interval');
SELECT ok((SELECT bool_and(detail LIKE '%clause 4.2 at site "Beta"%') FROM scsm.check_audit_programme(951)),
          'and the details name that unit');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET period = period + interval '13 months'
 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.5' AND site_id = 9511);
SELECT ok('max_interval' IN (SELECT rule FROM scsm.check_audit_programme(951)), 'moving an audit past its due month breaks max_interval');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET lead_auditor = 16 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.1' AND site_id = 9511);
SELECT set_eq($$SELECT rule FROM scsm.check_audit_programme(951)$$, ARRAY['lead'], 'a non-lead as lead breaks the lead rule');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET lead_auditor = 12 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.1' AND site_id = 9512);
SELECT set_eq($$SELECT rule FROM scsm.check_audit_programme(951)$$, ARRAY['competence'], 'a lead without the clause breaks competence');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET lead_auditor = 13 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.1' AND site_id = 9511);
SELECT results_eq($$SELECT rule, detail LIKE '%belongs to the site%' FROM scsm.check_audit_programme(951)$$,
                  $$VALUES ('independence', true)$$, 'a lead from the audited site breaks independence');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET lead_auditor = 15, period = '2027-03-01'
 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.1' AND site_id = 9511);
SELECT ok(EXISTS (SELECT 1 FROM scsm.check_audit_programme(951) WHERE rule = 'independence' AND detail LIKE '%holds role "Alpha manager"%'),
          'a lead holding a role for the site during the audit month breaks independence');
UPDATE scsm.planned_audit SET period = '2027-09-01'
 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.1' AND site_id = 9511);
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.check_audit_programme(951) WHERE rule = 'independence'),
          'after the appointment ends the same person is independent');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET team = ARRAY[14::bigint]
 WHERE planned_id = (SELECT min(planned_id) FROM cur WHERE clause = '4.3.1' AND site_id = 9512) AND lead_auditor <> 14;
SELECT ok(EXISTS (SELECT 1 FROM scsm.check_audit_programme(951) WHERE rule = 'independence' AND detail LIKE 'Person 14 %owns risk 1%'),
          'a team member owning a risk of the site breaks independence for 4.3.1');

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
INSERT INTO scsm.auditor_unavailability (org_id, person_id, during)
SELECT 951, lead_auditor, daterange(period + 3, period + 10) FROM cur WHERE clause = '4.6' AND site_id = 9512 ORDER BY period LIMIT 1;
SELECT set_eq($$SELECT rule FROM scsm.check_audit_programme(951)$$, ARRAY['unavailability'],
              'an absence touching the planned month breaks unavailability');
DELETE FROM scsm.auditor_unavailability WHERE org_id = 951;

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.auditor SET monthly_capacity = 0.5 WHERE org_id = 951 AND person_id = 11;
SELECT ok(EXISTS (SELECT 1 FROM scsm.check_audit_programme(951) WHERE rule = 'capacity' AND detail LIKE 'Person 11 %'),
          'lowering capacity below the planned audit-days breaks capacity');
UPDATE scsm.auditor SET monthly_capacity = 20 WHERE org_id = 951 AND person_id = 11;

DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
UPDATE scsm.planned_audit SET team = ARRAY[17::bigint] WHERE planned_id = (SELECT min(planned_id) FROM cur);
SELECT ok(EXISTS (SELECT 1 FROM scsm.check_audit_programme(951) WHERE rule = 'competence' AND detail LIKE 'Team member 17 %'),
          'a team member who is not an auditor is caught');
DO $$ BEGIN PERFORM scsm.plan_audit_programme_id(951, '2027-01-01', '2 years'); END $$;
SELECT is_empty($$SELECT * FROM scsm.check_audit_programme(951)$$, 'a fresh plan is clean again');
SELECT isnt_empty($$SELECT * FROM scsm.check_audit_programme(951, (SELECT min(programme_id) FROM scsm.audit_programme WHERE org_id = 951 AND status = 'superseded' AND programme_id > (SELECT min(programme_id) FROM scsm.audit_programme WHERE org_id = 951)))$$,
                  'a superseded, hand-edited programme can still be checked by id');

-- from plan to register: a month of planned audits becomes audits, one per site and lead
SELECT is(scsm.schedule_planned_audits(951, '2027-02-01'),
          (SELECT count(DISTINCT (site_id, lead_auditor))::int FROM cur WHERE period = '2027-02-01'),
          'schedule_planned_audits creates one audit per site and lead of the month');
SELECT is_empty($$SELECT 1 FROM cur c JOIN scsm.audit a ON a.org_id = c.org_id AND a.audit_id = c.audit_id
                  WHERE c.period = '2027-02-01' AND NOT (a.site_id = c.site_id AND a.lead_auditor = c.lead_auditor
                                                         AND c.clause = ANY (a.clauses) AND a.planned_for = c.period)$$,
                'every planned audit of the month is linked to an audit of its site, lead, clause and month');

-- closed loop: risks, incidents, nonconformities and audits move due dates
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, site_id, owner, likelihood, consequence)
    VALUES (951, 2, 1, 'Insider theft', 9512, 11, 9, 9);
SELECT is((SELECT array_agg(DISTINCT risk_level || '/' || interval_months) FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9512),
          ARRAY['critical/3'], 'a critical risk at a site brings its units to the critical interval');
SELECT ok(EXISTS (SELECT 1 FROM scsm.audit_unit_due_log WHERE org_id = 951 AND cause LIKE 'risk 2 insert%' AND new_level = 'critical'),
          'the due-date change is logged with its cause');
SELECT ok(EXISTS (SELECT 1 FROM scsm.check_audit_programme(951) WHERE rule = 'max_interval'),
          'the current programme no longer meets the tighter interval, and the checker says so');
UPDATE scsm.risk SET level = 'Low' WHERE org_id = 951 AND risk_id = 2;
SELECT is((SELECT array_agg(DISTINCT risk_level) FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9512),
          ARRAY['low'], 'a level set by the risk engine (text) takes precedence over likelihood x consequence');

INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, site_id, severity)
    VALUES (951, 1, 'incident', 'Break-in', 'fence cut', now() - interval '30 days', 9511, 5);
SELECT is((SELECT interval_months FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9511 AND clause = '4.1'), 6,
          'a serious incident tightens the interval of the site''s units (medium: 12 -> 6 months)');
SELECT ok((SELECT due_reason LIKE '%tightened after incident 1%' FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9511 AND clause = '4.1'),
          'and the reason is recorded');

INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor, status, performed_on, conclusion)
    VALUES (951, 901, 9511, '{4.1}', current_date - 20, 11, 'completed', current_date - 20, 'fine');
INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor, status)
    VALUES (951, 902, 9511, '{4.1}', current_date - 10, 11, 'in_progress');
UPDATE scsm.audit SET status = 'completed', performed_on = current_date - 10, conclusion = 'fine' WHERE org_id = 951 AND audit_id = 902;
SELECT results_eq($$SELECT last_audited, consecutive_clean, due_reason LIKE '%relaxed after 2 clean audits%'
                    FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9511 AND clause = '4.1'$$,
                  $$VALUES (current_date - 10, 2, true)$$,
                  'two clean audits after the incident end the tightening and relax the interval');

INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor, status)
    VALUES (951, 903, 9512, '{4.4}', current_date - 5, 11, 'in_progress');
INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description) VALUES (951, 1, 903, '4.4.6', 'major_nc', 'seals not checked');
INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description, raised_on)
    VALUES (951, 1, 'audit', 1, 'major', 'seals', current_date - 5);
UPDATE scsm.audit SET status = 'completed', performed_on = current_date - 5, conclusion = 'one major' WHERE org_id = 951 AND audit_id = 903;
SELECT is((SELECT next_due FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9512 AND clause = '4.4.6'),
          current_date - 5 + 90, 'a major nonconformity brings the follow-up within 90 days');
SELECT is((SELECT next_due FROM scsm.audit_unit WHERE org_id = 951 AND site_id = 9512 AND clause = '4.4.1'),
          (current_date - 5 + interval '1 year')::date, 'a sibling clause audited clean in the same audit is not brought forward');
SELECT ok(EXISTS (SELECT 1 FROM cur c JOIN scsm.audit_unit u ON u.org_id = c.org_id AND u.unit_id = c.unit_id
                   WHERE u.site_id = 9512 AND u.clause = '4.4.6' AND c.period <= u.next_due),
          'the current programme has an audit of that unit by the follow-up date');
SELECT is((SELECT count(*)::int FROM scsm.v_audit_calendar WHERE org_id = 951 AND status = 'done'),
          1 + 8, 'the calendar shows the completed audits as done (4.1 at Alpha; 4.4 and its 7 sub-clauses at Beta)');
SELECT results_eq($$SELECT count(*)::int, count(*) FILTER (WHERE covered_within_cycle)::int FROM scsm.v_audit_coverage WHERE org_id = 951$$,
                  $$VALUES (46, 9)$$, 'the coverage view has every clause x site, 9 covered within the cycle');
SELECT is(scsm.notify_audits_due(0), (SELECT count(*)::int FROM scsm.audit_unit WHERE org_id = 951 AND next_due <= current_date),
          'notify_audits_due(0) reports the overdue units');
SELECT cmp_ok(scsm.notify_audits_due(400), '>=', 46, 'notify_audits_due(400) reports every unit due within 400 days');

-- the calendar picture
SELECT ok(scsm.audit_calendar_svg(951, '2027-01-01', 24) ~ '^<svg .*class="planned".*>overdue</text></g></svg>$',
          'the SVG calendar has planned cells and a legend');

-- errors
SELECT throws_ok($$SELECT scsm.plan_audit_programme_id(123456789, '2027-01-01', '1 year')$$, '42704', NULL, 'unknown organization: 42704');
SELECT throws_ok($$SELECT scsm.plan_audit_programme_id(951, '2027-01-01', '-3 mons')$$, '22023', NULL, 'negative horizon: 22023');
DELETE FROM scsm.auditor_competence WHERE org_id = 951 AND person_id IN (11, 13, 14, 15, 16);
SELECT throws_ok($$SELECT scsm.plan_audit_programme_id(951, '2027-01-01', '2 years')$$, '55000', NULL, 'no programme possible: 55000');

SELECT * FROM finish();
ROLLBACK;
