-- register_rules.sql: every rule of the register (40_rules.sql, SQLSTATEs
-- 23S01-23S14) refusing a row, with the message, DETAIL and HINT a user sees,
-- and the SQLSTATE echoed after each error.  Then a sample of the standard
-- integrity errors the register raises (23502, 23503, 23505, 23514).
-- The fixture uses fixed ids and dates, so the output does not depend on
-- sequences or on today's date.
-- It runs in a database of its own, so the sequences it uses do not shift the
-- ids other tests in the shared regression database see.
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS scsm_regress_register_rules;
RESET client_min_messages;
CREATE DATABASE scsm_regress_register_rules;
\c scsm_regress_register_rules
CREATE EXTENSION scsm;
\set SHOW_CONTEXT never
\i test/fixtures/register_fixture.sql
SELECT pg_temp.register_fixture(9001, 'harbour_a');
SELECT pg_temp.register_fixture_other(9002, 'other_b');

-- 23S01 (4.2 h): a policy version becomes current only once endorsed by an
-- appointed member of top management
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, commits_to_improvement, commits_to_compliance)
VALUES (9001, 1, 2, 'We keep cargo and data secure.', true, true);
UPDATE scsm.policy_version SET status = 'current' WHERE org_id = 9001 AND policy_id = 1 AND version = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.policy_version SET status = 'current', endorsed_by = 3, endorsed_on = '2025-02-01'
 WHERE org_id = 9001 AND policy_id = 1 AND version = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- endorsed by Ben (top management): version 1 is superseded
UPDATE scsm.policy_version SET status = 'current', endorsed_by = 2, endorsed_on = '2025-02-01'
 WHERE org_id = 9001 AND policy_id = 1 AND version = 2;
SELECT version, status, endorsed_by, endorsed_on, effective_from, next_review_due
  FROM scsm.policy_version WHERE org_id = 9001 ORDER BY version;

-- 23S02 (4.2 i): an endorsed version is frozen
UPDATE scsm.policy_version SET status = 'current' WHERE org_id = 9001 AND policy_id = 1 AND version = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.policy_version SET body = 'Edited later' WHERE org_id = 9001 AND policy_id = 1 AND version = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.policy_version SET status = 'draft' WHERE org_id = 9001 AND policy_id = 1 AND version = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement, commits_to_compliance,
                                 endorsed_by, endorsed_on)
VALUES (9001, 1, 3, 'Withdrawn idea', 'withdrawn', true, true, NULL, NULL);
UPDATE scsm.policy_version SET status = 'current' WHERE org_id = 9001 AND policy_id = 1 AND version = 3;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an old draft cannot be endorsed over the newer current version
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (9001, 3, 'Data policy');
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, commits_to_improvement, commits_to_compliance)
VALUES (9001, 3, 1, 'Old draft', true, true), (9001, 3, 2, 'New text', true, true);
UPDATE scsm.policy_version SET status = 'current', endorsed_by = 1, endorsed_on = '2025-01-05'
 WHERE org_id = 9001 AND policy_id = 3 AND version = 2;
UPDATE scsm.policy_version SET status = 'current', endorsed_by = 1, endorsed_on = '2025-02-05'
 WHERE org_id = 9001 AND policy_id = 3 AND version = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S03 (4.3.3, 4.3.4): objectives from a policy in force, targets from an active objective
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (9001, 2, 'Draft data policy');
INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner) VALUES (9001, 10, 2, 'Encrypt manifests', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner, status) VALUES (9001, 11, 1, 'Done already', 2, 'achieved');
INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, due_date, owner)
VALUES (9001, 10, 11, 'Late target', 'x', 1, '2026-06-30', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, responsible, authority, means, start_date, due_date)
VALUES (9001, 10, 'Late programme', 11, 2, 'Budget holder', 'Scanners', '2025-01-01', '2025-12-31');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S04 (4.5.3): risk review before implementation, unless an emergency
INSERT INTO scsm.corrective_action (org_id, action_id, kind, risk_id, description, owner, due_on)
VALUES (9001, 10, 'preventive', 1, 'Add CCTV on the reefer row', 2, '2025-06-30');
UPDATE scsm.corrective_action SET status = 'implemented', implemented_on = '2025-03-01' WHERE org_id = 9001 AND action_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.corrective_action SET status = 'risk_reviewed' WHERE org_id = 9001 AND action_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S05 (4.5.3 e): effectiveness confirmed before verification and closure
UPDATE scsm.corrective_action SET status = 'implemented', implemented_on = '2025-03-20',
       risk_reviewed_on = '2025-03-01', risk_review = 'Cameras do not blind the crane drivers'
 WHERE org_id = 9001 AND action_id = 10;
UPDATE scsm.corrective_action SET status = 'verified' WHERE org_id = 9001 AND action_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.corrective_action SET status = 'proposed' WHERE org_id = 9001 AND action_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.corrective_action SET status = 'closed', effectiveness_checked_on = '2025-05-01', effective = false
 WHERE org_id = 9001 AND action_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.corrective_action SET status = 'cancelled' WHERE org_id = 9001 AND action_id = 10;
UPDATE scsm.corrective_action SET status = 'proposed' WHERE org_id = 9001 AND action_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S13 (4.5.5): findings only for an audit under way or completed
INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description)
VALUES (9001, 10, 1, '4.4.6', 'minor_nc', 'Seal log incomplete');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description) VALUES
    (9001, 10, 2, '4.4.7', 'minor_nc', 'Plan contact list outdated'),
    (9001, 11, 2, '4.5.1', 'observation', 'Calibration stickers faded');

-- 23S06 (4.5.3): a nonconformity matches the audit finding it comes from
INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description) VALUES (9001, 10, 'audit', 11, 'minor', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description) VALUES (9001, 10, 'audit', 10, 'major', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S07 (4.5.3 d, e): a nonconformity closes only after its actions are verified
INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description, raised_on)
VALUES (9001, 10, 'audit', 10, 'minor', 'Plan contact list outdated', '2025-03-02');
INSERT INTO scsm.corrective_action (org_id, action_id, kind, nc_id, description, owner, due_on)
VALUES (9001, 20, 'corrective', 10, 'Update the contact list', 2, '2025-04-01');
UPDATE scsm.nonconformity SET closed_on = '2025-05-01' WHERE org_id = 9001 AND nc_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S08 (4.4.6): risks of a change are assessed before it is approved or implemented
INSERT INTO scsm.change_request (org_id, change_id, title, kind, description, requested_by)
VALUES (9001, 10, 'New gate scanners', 'infrastructure_technology', 'Replace the seal scanners', 4);
UPDATE scsm.change_request SET status = 'assessed' WHERE org_id = 9001 AND change_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.change_request SET status = 'approved', approved_by = 1 WHERE org_id = 9001 AND change_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.change_request SET status = 'implemented', approved_by = 1 WHERE org_id = 9001 AND change_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.change_request SET status = 'approved', risk_assessed_on = '2025-02-01', risk_assessed_by = 2,
       risk_assessment = 'Outage during swap: keep old scanners until tested'
 WHERE org_id = 9001 AND change_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.change_request SET status = 'implemented', approved_by = 1, implemented_on = '2025-01-15',
       risk_assessed_on = '2025-02-01', risk_assessed_by = 2, risk_assessment = 'Outage during swap'
 WHERE org_id = 9001 AND change_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.change_request SET status = 'approved', approved_by = 1, risk_assessed_on = '2025-02-01', risk_assessed_by = 2,
       risk_assessment = 'Outage during swap' WHERE org_id = 9001 AND change_id = 10;
UPDATE scsm.change_request SET status = 'proposed' WHERE org_id = 9001 AND change_id = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S09 (4.5.1 e): measurements taken with equipment need it in calibration
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value, equipment_id)
VALUES (9001, 10, 1, '2024-12-01 12:00+00', 97, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value, equipment_id)
VALUES (9001, 10, 1, '2026-02-01 12:00+00', 97, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.calibration (org_id, calibration_id, equipment_id, performed_on, result, next_due, performed_by)
VALUES (9001, 2, 1, '2025-07-01', 'fail', '2026-07-01', 'Acme Calibration');
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value, equipment_id)
VALUES (9001, 10, 1, '2025-07-15 12:00+00', 97, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S10 (4.4.5 b, d): approving a version obsoletes the previous one; approved text is frozen
INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on)
VALUES (9001, 1, 2, 'Check every seal and log it.', 'approved', 2, '2025-03-01');
SELECT version, status, approved_on, next_review_due FROM scsm.document_version WHERE org_id = 9001 ORDER BY version;
UPDATE scsm.document_version SET content = 'Quietly changed' WHERE org_id = 9001 AND document_id = 1 AND version = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.document_version SET status = 'approved' WHERE org_id = 9001 AND document_id = 1 AND version = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on)
VALUES (9001, 1, 1, 'Older text', 'approved', 2, '2025-03-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S11 (4.6): a management review is chaired by top management
INSERT INTO scsm.management_review (org_id, review_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
VALUES (9001, 10, '2025-06-15', 3, 'Suitable', 'Adequate', 'Mostly effective', '2026-06-15');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 23S12 (4.4.1 a): one holder of the system-lead role at a time
INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 10, 2, 1, '2024-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a role with two overlapping holders cannot become the system lead (after the
-- current lead role gives up the flag: only one lead role per organization)
UPDATE scsm.role SET is_sms_lead = false WHERE org_id = 9001 AND role_id = 2;
INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 11, 1, 2, '2024-01-01');
UPDATE scsm.role SET is_sms_lead = true WHERE org_id = 9001 AND role_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE scsm.role SET is_sms_lead = true WHERE org_id = 9001 AND role_id = 2;

-- 23S14 (4.5.5): auditors independent of the activity audited
INSERT INTO scsm.audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor) VALUES (9001, 10, 1, '{4.4.6}', '2025-09-01', 4);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- side effects: an incident flags its site's emergency plans and its risk for review
INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, reported_at, site_id, risk_id, severity)
VALUES (9001, 10, 'incident', 'Fence cut', 'Fence cut at the north gate', '2025-04-01 02:00+00', '2025-04-01 03:00+00', 1, 1, 3);
SELECT plan_id, site_id, needs_review FROM scsm.emergency_plan WHERE org_id = 9001 ORDER BY plan_id;
SELECT risk_id, needs_review, next_review_due FROM scsm.risk WHERE org_id = 9001 ORDER BY risk_id;

-- standard integrity errors the register raises.  The DETAIL of NOT NULL and
-- CHECK errors prints the whole row (with timestamps), so those are shown terse.
-- 23502: a target is measurable and time-bound
\set VERBOSITY terse
INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, owner)
VALUES (9001, 11, 1, 'No date', 'x', 1, 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- 23503: one organization's row cannot name another organization's person
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) VALUES (9001, 20, 1, 'x', 50, 1, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 23505: document codes are unique within an organization
INSERT INTO scsm.document (org_id, code, title, kind, owner) VALUES (9001, 'SEC-PRO-001', 'Duplicate', 'procedure', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 23514: residual risk is never above inherent risk
\set VERBOSITY terse
UPDATE scsm.risk SET residual_likelihood = 5, residual_consequence = 2 WHERE org_id = 9001 AND risk_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 23514: an emergency action says why it could not wait for risk review
INSERT INTO scsm.corrective_action (org_id, action_id, kind, description, owner, due_on, status, emergency, implemented_on)
VALUES (9001, 30, 'preventive', 'Close the gate', 2, '2025-04-01', 'implemented', true, '2025-04-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

\c :regress_db
DROP DATABASE scsm_regress_register_rules;
