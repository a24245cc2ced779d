-- 30_register_check.sql: rules and constraints of checking, corrective action
-- and review (4.5.1 measurement, 4.5.2 evaluation, 4.5.3 incidents,
-- nonconformities and actions, 4.5.5 audits, 4.6 management review): rule
-- triggers 23S04-23S07, 23S09, 23S11, 23S13, 23S14, their side effects, and the
-- CHECK / foreign-key constraints.
BEGIN;
SELECT plan(72);
\i test/fixtures/register_fixture.sql
SELECT pg_temp.register_fixture(9001, 'harbour_a');
SELECT pg_temp.register_fixture_other(9002, 'other_b');

-- 4.5.3 / 23S04: risk review before implementation, unless an emergency
SELECT lives_ok($$INSERT INTO scsm.corrective_action (org_id, action_id, kind, risk_id, description, owner, due_on)
                  VALUES (9001, 10, 'preventive', 1, 'Add CCTV on the reefer row', 2, '2025-06-30')$$,
    'a preventive action is proposed');
SELECT throws_ok($$INSERT INTO scsm.corrective_action (org_id, kind, description, owner, due_on)
                   VALUES (9001, 'corrective', 'Fix something', 2, '2025-06-30')$$,
    '23514', 'new row for relation "corrective_action" violates check constraint "action_has_cause"',
    'a corrective action names what it corrects');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'implemented' WHERE org_id = 9001 AND action_id = 10$$,
    '23S04', 'this action cannot be implemented before it has been through risk review',
    'an action cannot be implemented without risk review');
SELECT throws_ok($$INSERT INTO scsm.corrective_action (org_id, action_id, kind, description, owner, due_on, status)
                   VALUES (9001, 11, 'preventive', 'Straight in', 2, '2025-06-30', 'implemented')$$,
    '23S04', 'this action cannot be implemented before it has been through risk review',
    'nor be inserted as implemented');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'risk_reviewed' WHERE org_id = 9001 AND action_id = 10$$,
    '23S04', 'an action marked risk-reviewed needs the review recorded',
    'risk_reviewed needs the review');
SELECT throws_ok($$UPDATE scsm.corrective_action SET risk_reviewed_on = '2025-03-01' WHERE org_id = 9001 AND action_id = 10$$,
    '23514', 'new row for relation "corrective_action" violates check constraint "review_complete"',
    'a review date comes with the review');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'implemented', implemented_on = '2025-03-01',
                          risk_reviewed_on = '2025-03-10', risk_review = 'Cameras do not blind the crane drivers'
                   WHERE org_id = 9001 AND action_id = 10$$,
    '23S04', 'this action cannot be implemented before it has been through risk review',
    'a review dated after the implementation does not count');
SELECT lives_ok($$UPDATE scsm.corrective_action SET status = 'risk_reviewed', risk_reviewed_on = '2025-03-01',
                         risk_review = 'Cameras do not blind the crane drivers' WHERE org_id = 9001 AND action_id = 10$$,
    'the risk review is recorded');
SELECT lives_ok($$UPDATE scsm.corrective_action SET status = 'implemented', implemented_on = '2025-03-20' WHERE org_id = 9001 AND action_id = 10$$,
    'the reviewed action is implemented');
SELECT throws_ok($$UPDATE scsm.corrective_action SET risk_reviewed_on = NULL, risk_review = NULL WHERE org_id = 9001 AND action_id = 10$$,
    '23S04', 'this action cannot be implemented before it has been through risk review',
    'the review of an implemented action cannot be erased');
-- 23S05: effectiveness before verification and closure
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'proposed' WHERE org_id = 9001 AND action_id = 10$$,
    '23S05', 'an action cannot go back to an earlier status',
    'an implemented action cannot go back to proposed');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'verified' WHERE org_id = 9001 AND action_id = 10$$,
    '23S05', 'an action cannot be verified or closed before its effectiveness is checked',
    'verification needs an effectiveness check (4.5.3 e)');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'closed', effectiveness_checked_on = '2025-05-01', effective = false
                   WHERE org_id = 9001 AND action_id = 10$$,
    '23S05', 'an ineffective action cannot be verified or closed',
    'an ineffective action cannot be closed');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'verified', effectiveness_checked_on = '2025-05-01', effective = false
                   WHERE org_id = 9001 AND action_id = 10$$,
    '23S05', 'an ineffective action cannot be verified or closed',
    'nor verified (a verified action is what lets a nonconformity close)');
SELECT throws_ok($$UPDATE scsm.corrective_action SET effectiveness_checked_on = '2025-05-01' WHERE org_id = 9001 AND action_id = 10$$,
    '23514', 'new row for relation "corrective_action" violates check constraint "effectiveness_complete"',
    'an effectiveness check says whether it was effective');
SELECT lives_ok($$UPDATE scsm.corrective_action SET status = 'closed', effectiveness_checked_on = '2025-05-01', effective = true
                  WHERE org_id = 9001 AND action_id = 10$$,
    'an effective action is closed');
SELECT throws_ok($$UPDATE scsm.corrective_action SET status = 'proposed' WHERE org_id = 9001 AND action_id = 10$$,
    '23S05', 'a closed or cancelled action cannot be reopened',
    'a closed action stays closed');
SELECT lives_ok($$INSERT INTO scsm.corrective_action (org_id, action_id, kind, risk_id, description, owner, due_on, status,
                                                     emergency, emergency_justification, implemented_on)
                  VALUES (9001, 12, 'preventive', 1, 'Close the north gate now', 2, '2025-04-01', 'implemented', true,
                          'Armed intruders reported on site', '2025-04-01')$$,
    'an emergency action is implemented at once without review');
SELECT throws_ok($$INSERT INTO scsm.corrective_action (org_id, kind, risk_id, description, owner, due_on, status, emergency)
                   VALUES (9001, 'preventive', 1, 'Unexplained hurry', 2, '2025-04-01', 'implemented', true)$$,
    '23514', 'new row for relation "corrective_action" violates check constraint "emergency_is_justified"',
    'an emergency is justified');
SELECT lives_ok($$INSERT INTO scsm.corrective_action (org_id, action_id, kind, description, owner, due_on, status,
                                                     risk_reviewed_on, risk_review)
                  VALUES (9001, 13, 'preventive', 'Lock the office', 2, '2025-04-01', 'implemented', '2025-01-01', 'No new risk')$$,
    'an action implemented without a date');
SELECT is((SELECT implemented_on FROM scsm.corrective_action WHERE org_id = 9001 AND action_id = 13), current_date,
    'implemented_on defaults to today');
SELECT throws_ok($$INSERT INTO scsm.corrective_action (org_id, kind, nc_id, description, owner, due_on) VALUES (9001, 'corrective', 50, 'x', 2, '2025-06-30')$$,
    '23503', 'insert or update on table "corrective_action" violates foreign key constraint "corrective_action_org_id_nc_id_fkey"',
    'an action cannot correct a nonconformity of another organization');

-- 4.5.5 / 23S13: findings only for audits under way
SELECT throws_ok($$INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description)
                   VALUES (9001, 10, 1, '4.4.6', 'minor_nc', 'Seal log incomplete')$$,
    '23S13', 'findings can only be recorded for an audit under way or completed',
    'no findings for a planned audit');
SELECT lives_ok($$INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description) VALUES
                    (9001, 10, 2, '4.4.7', 'minor_nc', 'Plan contact list outdated'),
                    (9001, 11, 2, '4.5.1', 'observation', 'Calibration stickers faded'),
                    (9001, 12, 2, '4.5.1', 'major_nc', 'Scanner used past its calibration')$$,
    'findings of an audit in progress');
-- audit findings are records (append-only under the ledger, 4.5.4): an UPDATE
-- is refused before the rule could be asked; the rule itself is tested on
-- INSERT above
SELECT throws_ok($$UPDATE scsm.audit_finding SET audit_id = 1 WHERE org_id = 9001 AND finding_id = 11$$,
    '55000', 'cannot update protected table "audit_finding"',
    'a finding cannot be moved to a planned audit by UPDATE (records are append-only)');
-- 23S06: a nonconformity matches its audit finding
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, finding_id, severity, description) VALUES (9001, 'audit', 11, 'minor', 'x')$$,
    '23S06', 'only a nonconformity finding can open a nonconformity',
    'an observation does not open a nonconformity');
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, finding_id, severity, description) VALUES (9001, 'audit', 10, 'major', 'x')$$,
    '23S06', 'the nonconformity''s severity must match its audit finding',
    'a minor finding does not open a major nonconformity');
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, finding_id, severity, description) VALUES (9001, 'audit', 12, 'minor', 'x')$$,
    '23S06', 'the nonconformity''s severity must match its audit finding',
    'nor a major finding a minor one');
SELECT lives_ok($$INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description, raised_on)
                  VALUES (9001, 10, 'audit', 10, 'minor', 'Plan contact list outdated', '2025-03-02')$$,
    'a nonconformity from a minor finding');
SELECT is((SELECT clause::text FROM scsm.nonconformity WHERE org_id = 9001 AND nc_id = 10), '4.4.7',
    'the nonconformity takes the clause of its finding');
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, severity, description) VALUES (9001, 'audit', 'minor', 'x')$$,
    '23514', 'new row for relation "nonconformity" violates check constraint "source_reference"',
    'a nonconformity from an audit names the finding');
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, severity, description) VALUES (9001, 'incident', 'minor', 'x')$$,
    '23514', 'new row for relation "nonconformity" violates check constraint "source_reference"',
    'a nonconformity from an incident names the incident');
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, severity, description) VALUES (9001, 'evaluation', 'minor', 'x')$$,
    '23514', 'new row for relation "nonconformity" violates check constraint "source_reference"',
    'a nonconformity from an evaluation names the evaluation');
SELECT throws_ok($$INSERT INTO scsm.nonconformity (org_id, source, incident_id, severity, description) VALUES (9001, 'incident', 50, 'minor', 'x')$$,
    '23503', 'insert or update on table "nonconformity" violates foreign key constraint "nonconformity_org_id_incident_id_fkey"',
    'a nonconformity cannot come from an incident of another organization');
-- 23S07: closing a nonconformity
SELECT throws_ok($$UPDATE scsm.nonconformity SET closed_on = '2025-05-01' WHERE org_id = 9001 AND nc_id = 10$$,
    '23S07', 'a nonconformity cannot be closed before its corrective actions are verified',
    'a nonconformity without actions cannot be closed');
INSERT INTO scsm.corrective_action (org_id, action_id, kind, nc_id, description, owner, due_on)
VALUES (9001, 20, 'corrective', 10, 'Update the contact list', 2, '2025-04-01'),
       (9001, 21, 'corrective', 10, 'Monthly check of the list', 2, '2025-04-01');
UPDATE scsm.corrective_action SET status = 'verified', risk_reviewed_on = '2025-03-05', risk_review = 'None',
       implemented_on = '2025-03-10', effectiveness_checked_on = '2025-04-10', effective = true
 WHERE org_id = 9001 AND action_id = 20;
SELECT throws_ok($$UPDATE scsm.nonconformity SET closed_on = '2025-05-01' WHERE org_id = 9001 AND nc_id = 10$$,
    '23S07', 'a nonconformity cannot be closed before its corrective actions are verified',
    'a nonconformity with an open action cannot be closed');
UPDATE scsm.corrective_action SET status = 'cancelled' WHERE org_id = 9001 AND action_id = 21;
SELECT lives_ok($$UPDATE scsm.nonconformity SET closed_on = '2025-05-01', cause = 'No owner for the list' WHERE org_id = 9001 AND nc_id = 10$$,
    'with one verified action and the rest cancelled it closes');
SELECT throws_ok($$UPDATE scsm.nonconformity SET closed_on = '2025-03-01' WHERE org_id = 9001 AND nc_id = 10$$,
    '23514', 'new row for relation "nonconformity" violates check constraint "closed_after_raised"',
    'a nonconformity is not closed before it is raised');

-- 4.5.1 e / 23S09: measurements with calibrated equipment
SELECT lives_ok($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES (9001, 1, '2024-06-01 12:00+00', 97.5)$$,
    'a measurement without equipment');
SELECT lives_ok($$INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value, equipment_id)
                  VALUES (9001, 10, 1, '2025-06-01 12:00+00', 98.2, 1)$$,
    'a measurement with equipment in calibration');
SELECT throws_ok($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, equipment_id) VALUES (9001, 1, '2024-12-01 12:00+00', 97, 1)$$,
    '23S09', 'this measurement uses equipment that had never been calibrated',
    'equipment not yet calibrated at the time of measurement');
SELECT throws_ok($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, equipment_id) VALUES (9001, 1, '2026-02-01 12:00+00', 97, 1)$$,
    '23S09', 'this measurement uses equipment whose calibration had expired',
    'equipment past its calibration due date');
-- measurements are append-only records (ledger): the UPDATE is refused
-- outright; the calibration rule is tested on INSERT above and below
SELECT throws_ok($$UPDATE scsm.measurement SET measured_at = '2026-02-01 12:00+00' WHERE org_id = 9001 AND measurement_id = 10$$,
    '55000', 'cannot update protected table "measurement"',
    'an UPDATE cannot move a measurement out of the calibration period (records are append-only)');
INSERT INTO scsm.calibration (org_id, equipment_id, performed_on, result, next_due, performed_by)
VALUES (9001, 1, '2025-07-01', 'fail', '2026-07-01', 'Acme Calibration');
SELECT throws_ok($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, equipment_id) VALUES (9001, 1, '2025-07-15 12:00+00', 97, 1)$$,
    '23S09', 'this measurement uses equipment that failed its last calibration',
    'equipment that failed its last calibration');
INSERT INTO scsm.monitoring_equipment (org_id, equipment_id, name, calibration_interval) VALUES (9001, 2, 'Gate counter', '1 year');
INSERT INTO scsm.calibration (org_id, equipment_id, kind, performed_on, result, next_due, performed_by)
VALUES (9001, 2, 'maintenance', '2025-01-01', 'pass', '2026-01-01', 'Site technician');
SELECT throws_ok($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, equipment_id) VALUES (9001, 1, '2025-06-01 12:00+00', 5, 2)$$,
    '23S09', 'this measurement uses equipment that had never been calibrated',
    'maintenance is not calibration');
SELECT throws_ok($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at) VALUES (9001, 1, '2025-06-01 12:00+00')$$,
    '23514', 'new row for relation "measurement" violates check constraint "measurement_has_result"',
    'a measurement has a value or an assessment');
SELECT throws_ok($$INSERT INTO scsm.calibration (org_id, equipment_id, performed_on, result, next_due, performed_by)
                   VALUES (9001, 1, '2025-08-01', 'pass', '2025-08-01', 'x')$$,
    '23514', 'new row for relation "calibration" violates check constraint "calibration_due_after"',
    'a calibration is due again after it was performed');

-- 4.5.2 evaluations and 4.5.3 incidents
SELECT throws_ok($$INSERT INTO scsm.evaluation (org_id, kind, subject, performed_on, performed_by, conforming, findings)
                   VALUES (9001, 'legal_compliance', 'ISPS code', '2025-02-01', 2, true, 'Compliant')$$,
    '23514', 'new row for relation "evaluation" violates check constraint "compliance_names_requirement"',
    'a compliance evaluation names the requirement');
SELECT throws_ok($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, severity)
                   VALUES (9001, 'near_miss', 'x', 'y', '2025-04-02 10:00+00', '2025-04-01 10:00+00', 1)$$,
    '23514', 'new row for relation "incident" violates check constraint "reported_after_occurrence"',
    'an incident is not reported before it happened');
SELECT throws_ok($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, severity, closed_on)
                   VALUES (9001, 'near_miss', 'x', 'y', '2025-04-01 10:00+00', '2025-04-01 11:00+00', 1, '2025-04-02')$$,
    '23514', 'new row for relation "incident" violates check constraint "closed_after_investigation"',
    'an incident is investigated before it is closed (4.5.3 b)');
SELECT throws_ok($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, severity, risk_id)
                   VALUES (9001, 'near_miss', 'x', 'y', '2025-04-01 10:00+00', '2025-04-01 11:00+00', 1, 50)$$,
    '23503', 'insert or update on table "incident" violates foreign key constraint "incident_org_id_risk_id_fkey"',
    'an incident cannot be linked to a risk of another organization');
SELECT lives_ok($$INSERT INTO scsm.emergency_plan (org_id, plan_id, title, scenario, resources, owner, last_reviewed_on)
                  VALUES (9001, 3, 'Company-wide cyber attack', 'Ransomware', 'IR retainer', 2, '2025-01-01');
                  INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, site_id, risk_id, severity)
                  VALUES (9001, 'emergency', 'Depot fire', 'Fire in the south depot', '2025-04-05 10:00+00', '2025-04-05 10:05+00', 2, 1, 4)$$,
    'an emergency at the south depot linked to risk 1');
SELECT results_eq($$SELECT plan_id, needs_review FROM scsm.emergency_plan WHERE org_id = 9001 ORDER BY plan_id$$,
    $$VALUES (1::bigint, false), (2::bigint, true), (3::bigint, true)$$,
    'the emergency flags the site''s plans and the organization-wide plans, not the other site''s');
SELECT is((SELECT needs_review FROM scsm.risk WHERE org_id = 9001 AND risk_id = 1), true,
    'and flags its risk for reassessment');
SELECT lives_ok($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, site_id, severity)
                  VALUES (9001, 'false_alarm', 'Alarm', 'Sensor fault', '2025-04-06 10:00+00', '2025-04-06 10:05+00', 1, 1)$$,
    'a false alarm at the north terminal');
SELECT is((SELECT needs_review FROM scsm.emergency_plan WHERE org_id = 9001 AND plan_id = 1), false,
    'a false alarm does not call for a plan review');
SELECT lives_ok($$UPDATE scsm.incident SET kind = 'incident' WHERE org_id = 9001 AND title = 'Alarm'$$,
    'the false alarm turns out to be a real intrusion');
SELECT is((SELECT needs_review FROM scsm.emergency_plan WHERE org_id = 9001 AND plan_id = 1), true,
    'reclassifying it as an incident flags the site''s plan');

-- 4.5.5 / 23S14: auditor independence
SELECT throws_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor) VALUES (9001, 10, 1, '{4.4.6}', '2025-09-01', 4)$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'the supervisor of a site cannot lead its audit');
SELECT lives_ok($$INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor) VALUES (9001, 10, 1, '{4.4.6}', '2025-09-01', 3)$$,
    'an independent auditor leads it');
SELECT throws_ok($$INSERT INTO scsm.audit_team_member (org_id, audit_id, person_id) VALUES (9001, 10, 4)$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'nor join its audit team');
SELECT lives_ok($$INSERT INTO scsm.audit_team_member (org_id, audit_id, person_id) VALUES (9001, 2, 4)$$,
    'the supervisor of site 1 may audit site 2');
SELECT throws_ok($$UPDATE scsm.audit SET site_id = 1 WHERE org_id = 9001 AND audit_id = 2$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'moving an audit to a site its team member is responsible for is refused');
SELECT throws_ok($$UPDATE scsm.audit SET lead_auditor = 4 WHERE org_id = 9001 AND audit_id = 10$$,
    '23S14', 'an auditor cannot audit a site they are responsible for',
    'so is changing the lead auditor by UPDATE');
SELECT throws_ok($$UPDATE scsm.audit SET status = 'completed', performed_on = '2025-03-05' WHERE org_id = 9001 AND audit_id = 2$$,
    '23514', 'new row for relation "audit" violates check constraint "completed_is_performed"',
    'a completed audit has a date and a conclusion');

-- 4.6 / 23S11: management review by top management
SELECT lives_ok($$INSERT INTO scsm.management_review (org_id, review_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
                  VALUES (9001, 10, '2025-06-15', 2, 'Suitable', 'Adequate', 'Mostly effective', '2026-06-15')$$,
    'a review chaired by the security manager (top management)');
SELECT throws_ok($$INSERT INTO scsm.management_review (org_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
                   VALUES (9001, '2025-06-15', 3, 'x', 'y', 'z', '2026-06-15')$$,
    '23S11', 'a management review must be chaired by a member of top management',
    'the auditor cannot chair it');
SELECT throws_ok($$INSERT INTO scsm.management_review (org_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
                   VALUES (9001, '2019-06-15', 1, 'x', 'y', 'z', '2020-06-15')$$,
    '23S11', 'a management review must be chaired by a member of top management',
    'nor a director before their appointment');
SELECT throws_ok($$UPDATE scsm.management_review SET chair = 5 WHERE org_id = 9001 AND review_id = 10$$,
    '23S11', 'a management review must be chaired by a member of top management',
    'nor can the chair be changed to a non-member by UPDATE');
SELECT throws_ok($$INSERT INTO scsm.management_review (org_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
                   VALUES (9001, '2025-06-15', 2, 'x', 'y', 'z', '2025-06-15')$$,
    '23514', 'new row for relation "management_review" violates check constraint "next_review_later"',
    'the next review is planned after this one');
SELECT throws_ok($$INSERT INTO scsm.management_review_input (org_id, review_id, item, summary) VALUES (9001, 10, 'i', 'x')$$,
    '23514', 'new row for relation "management_review_input" violates check constraint "management_review_input_item_check"',
    'inputs are the items a) to h) of 4.6');
SELECT throws_ok($$INSERT INTO scsm.management_review_output (org_id, review_id, kind, subject, description) VALUES (9001, 10, 'action', 'resources', 'Hire a guard')$$,
    '23514', 'new row for relation "management_review_output" violates check constraint "action_has_owner"',
    'an action from a review has an owner and a due date');

SELECT pg_temp.register_fixture_end();
SELECT * FROM finish();
ROLLBACK;
