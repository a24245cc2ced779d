-- The audit loop in the register (4.5.3, 4.5.5): independence of a recorded
-- audit follows the same conflicts as the programme (site membership, roles,
-- ownership in the clause area); a major-nonconformity finding brings the
-- unit's next audit forward even before its nonconformity is entered; the
-- chain finding -> nonconformity -> corrective action is reported in
-- scsm.v_overdue where a link is missing past its time.
BEGIN;
SELECT plan(22);
SET LOCAL search_path = public, scsm;

INSERT INTO scsm.organization (org_id, name, short_name) VALUES (952, 'Loop Logistics', 'loop_logistics');
INSERT INTO scsm.site (org_id, site_id, name, kind) VALUES (952, 9521, 'Gamma', 'terminal'), (952, 9522, 'Delta', 'warehouse');
INSERT INTO scsm.person (org_id, person_id, full_name, site_id) VALUES
    (952, 21, 'Ivy Independent', NULL), (952, 22, 'Sid Site', 9521), (952, 23, 'Rob Riskowner', NULL),
    (952, 24, 'Nora Owner', NULL);
INSERT INTO scsm.threat (org_id, threat_id, category, title) VALUES (952, 1, 'a', 'Cargo theft');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, site_id, owner, likelihood, consequence)
    VALUES (952, 1, 1, 'Theft at the gate', 9521, 23, 2, 2), (952, 2, 1, 'Theft in the yard', 9521, 24, 2, 2);
DO $$ BEGIN PERFORM scsm.sync_audit_units(952); END $$;
UPDATE scsm.audit_unit SET in_scope_since = current_date - 400 WHERE org_id = 952;

-- the DETAIL of the error a statement raises (NULL when it succeeds)
CREATE FUNCTION pg_temp.detail_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
    EXECUTE stmt;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END $$;

-- independence of a recorded audit (23S14)
SELECT throws_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                   VALUES (952, 1, 9521, '{4.4.3}', current_date, 22)$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'a person who belongs to a site cannot lead its audit');
SELECT ok(pg_temp.detail_of($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                              VALUES (952, 1, 9521, '{4.4.3}', current_date, 22)$$) LIKE '%person 22 belongs to the site%',
    'and the detail says why');
SELECT throws_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                   VALUES (952, 1, 9521, '{4.3.1,4.4.3}', current_date, 23)$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'the owner of an open risk at a site cannot audit its risk assessment there');
SELECT ok(pg_temp.detail_of($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                              VALUES (952, 1, 9521, '{4.3}', current_date, 23)$$) LIKE '%person 23 owns risk 1 (4.3.1)%',
    'nor the heading above it, and the detail names the risk');
SELECT lives_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                  VALUES (952, 2, 9521, '{4.4.3}', current_date, 23)$$,
    'the risk owner may audit another clause area at that site');
SELECT lives_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                  VALUES (952, 3, 9522, '{4.3.1}', current_date, 23)$$,
    'and the risk assessment of another site');
SELECT throws_ok($$UPDATE scsm.audit SET clauses = '{4.3.1}' WHERE org_id = 952 AND audit_id = 2$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'widening an audit into the lead''s own area is refused');
INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
    VALUES (952, 4, 9521, '{4.3.1}', current_date, 21);
SELECT throws_ok($$INSERT INTO scsm.audit_team_member (org_id, audit_id, person_id) VALUES (952, 4, 23)$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'the risk owner cannot join a team auditing their area');
SELECT throws_ok($$INSERT INTO scsm.audit_team_member (org_id, audit_id, person_id) VALUES (952, 4, 22)$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'nor can a person of the site');
INSERT INTO scsm.audit_team_member (org_id, audit_id, person_id) VALUES (952, 3, 24);
SELECT throws_ok($$UPDATE scsm.audit SET site_id = 9521, lead_auditor = 21 WHERE org_id = 952 AND audit_id = 3$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'moving an audit re-checks its team: the owner of a risk there is caught');
UPDATE scsm.risk SET status = 'closed' WHERE org_id = 952 AND risk_id = 1;
SELECT lives_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor)
                  VALUES (952, 5, 9521, '{4.3.1}', current_date, 23)$$,
    'once the risk is closed its former owner may audit the area');

-- a major-nonconformity finding brings the follow-up forward by itself
INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor, status)
    VALUES (952, 10, 9522, '{4.4}', current_date - 40, 21, 'in_progress');
INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description)
    VALUES (952, 1, 10, '4.4.6', 'major_nc', 'seal checks skipped'),
           (952, 2, 10, '4.4.3', 'minor_nc', 'no record of a supplier briefing');
UPDATE scsm.audit SET status = 'completed', performed_on = current_date - 40, conclusion = 'one major'
 WHERE org_id = 952 AND audit_id = 10;
SELECT is((SELECT next_due FROM scsm.audit_unit WHERE org_id = 952 AND site_id = 9522 AND clause = '4.4.6'),
          current_date - 40 + 90, 'a major-nonconformity finding alone brings the follow-up within 90 days');
SELECT ok((SELECT due_reason LIKE '%tightened after major nonconformity finding 1 of audit 10%'
             FROM scsm.audit_unit WHERE org_id = 952 AND site_id = 9522 AND clause = '4.4.6'),
          'and tightens the interval, naming the finding');
SELECT is((SELECT next_due FROM scsm.audit_unit WHERE org_id = 952 AND site_id = 9522 AND clause = '4.4.3'),
          (current_date - 40 + interval '1 year')::date, 'a minor one does not');

-- the chain: finding -> nonconformity -> corrective action, in v_overdue
SELECT set_eq($$SELECT kind || ':' || ref_table || ':' || ref_id || ':' || due_on FROM scsm.v_overdue WHERE org_id = 952$$,
              ARRAY['nonconformity_to_raise:audit_finding:1:' || (current_date - 40 + 14),
                    'nonconformity_to_raise:audit_finding:2:' || (current_date - 40 + 14)],
              'nonconformity findings without a nonconformity are overdue 14 days after the audit');
INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description, raised_on)
    VALUES (952, 1, 'audit', 1, 'major', 'seal checks skipped', current_date - 40);
SELECT is((SELECT next_due FROM scsm.audit_unit WHERE org_id = 952 AND site_id = 9522 AND clause = '4.4.6'),
          current_date - 40 + 90, 'entering its nonconformity keeps the follow-up date');
SELECT ok((SELECT due_reason LIKE '%tightened after major nonconformity 1 raised%'
             FROM scsm.audit_unit WHERE org_id = 952 AND site_id = 9522 AND clause = '4.4.6'),
          'now naming the nonconformity, not the finding twice');
SELECT set_eq($$SELECT kind || ':' || ref_table || ':' || ref_id || ':' || due_on FROM scsm.v_overdue WHERE org_id = 952$$,
              ARRAY['nonconformity_to_raise:audit_finding:2:' || (current_date - 40 + 14),
                    'corrective_action_to_raise:nonconformity:1:' || (current_date - 40 + 30)],
              'the finding with a nonconformity leaves the list; an open nonconformity without an action is overdue 30 days after it was raised');
INSERT INTO scsm.corrective_action (org_id, action_id, kind, nc_id, description, owner, due_on, status)
    VALUES (952, 1, 'corrective', 1, 'retrain the gate team', 21, current_date + 30, 'cancelled');
SELECT ok(EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 952 AND kind = 'corrective_action_to_raise'),
          'a cancelled action does not count');
INSERT INTO scsm.corrective_action (org_id, action_id, kind, nc_id, description, owner, due_on)
    VALUES (952, 2, 'corrective', 1, 'retrain the gate team', 21, current_date + 30);
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 952 AND kind = 'corrective_action_to_raise'),
          'a live action does');
INSERT INTO scsm.audit_programme_config (org_id, nc_raise_within) VALUES (952, '60 days');
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 952 AND kind = 'nonconformity_to_raise'),
          'the time to raise a nonconformity is a setting of the organization');

-- a later clean audit of the unit ends the follow-up
INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor, status, performed_on, conclusion)
    VALUES (952, 11, 9522, '{4.4.6}', current_date - 2, 21, 'completed', current_date - 2, 'fixed');
SELECT isnt((SELECT next_due FROM scsm.audit_unit WHERE org_id = 952 AND site_id = 9522 AND clause = '4.4.6'),
            current_date - 40 + 90, 'a later audit of the unit ends the follow-up');

SELECT * FROM finish();
ROLLBACK;
