-- v_overdue, v_training_gap, v_kpi_status, v_document_register on a small
-- hand-built register.  Dates are relative to current_date so the expected
-- values below are derived from the data, not from the views.
BEGIN;
SELECT plan(31);

-- Two organizations: 900 carries the data, 901 is empty but a year old.
INSERT INTO scsm.organization (org_id, name, short_name) VALUES (900, 'Alpha Terminal', 'alpha_t');
INSERT INTO scsm.organization (org_id, name, short_name, created_at)
VALUES (901, 'Beta Depot', 'beta_d', now() - interval '400 days');
INSERT INTO scsm.site (org_id, site_id, name) VALUES (900, 1, 'North gate'), (900, 2, 'South yard');
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES
    (900, 1, 'Ann Director'), (900, 2, 'Bob Officer'), (900, 3, 'Cid Trainee'), (900, 4, 'Dan Former');
INSERT INTO scsm.role (org_id, role_id, name, responsibilities, authority, is_top_management) VALUES
    (900, 1, 'Director', 'runs the system', 'all', true),
    (900, 2, 'Gate officer', 'screens vehicles', 'stop vehicles', false);
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from, valid_until) VALUES
    (900, 1, 1, current_date - 400, NULL),
    (900, 2, 2, current_date - 100, NULL),
    (900, 2, 3, current_date - 10, NULL),
    (900, 2, 4, current_date - 300, current_date - 1);      -- ended: no gap for Dan

-- Competences of the gate officer role.
INSERT INTO scsm.competence (org_id, competence_id, name, validity) VALUES
    (900, 1, 'Gate screening', '1 year'), (900, 2, 'Security awareness', NULL), (900, 3, 'Radiation portal', '6 months');
INSERT INTO scsm.role_competence (org_id, role_id, competence_id) VALUES (900, 2, 1), (900, 2, 2), (900, 2, 3);
INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on, valid_until, result) VALUES
    (900, 2, 1, current_date - 400, current_date - 35, 'passed'),   -- Bob: expired 35 days ago
    (900, 2, 2, current_date - 50, NULL, 'passed'),                 -- Bob: awareness, no expiry
    (900, 2, 3, current_date - 200, NULL, 'passed'),                -- Bob: expires by competence validity
    (900, 3, 1, current_date - 5, NULL, 'failed');                  -- Cid: failed does not count

-- Policy, objective, targets, programme.
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (900, 1, 'Security policy');
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement,
                                 commits_to_compliance, endorsed_by, endorsed_on, next_review_due)
VALUES (900, 1, 1, 'We keep cargo secure.', 'current', true, true, 1, current_date - 400, current_date - 30);
INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner, last_reviewed_on, review_interval)
VALUES (900, 1, 1, 'No unscreened trucks', 2, current_date - 400, '1 year');
INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, due_date, owner, status) VALUES
    (900, 1, 1, 'Screen 99% of trucks', 'screened share', 99, current_date - 5, 2, 'open'),
    (900, 2, 1, 'Train all officers', 'trained share', 100, current_date - 5, 2, 'met'),
    (900, 3, 1, 'Second lane', 'lanes', 2, current_date + 30, 2, 'open');
INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, responsible, authority, means,
                            start_date, due_date, status)
VALUES (900, 1, 'Scanner roll-out', 1, 1, 'budget owner', 'two scanners', current_date - 60, current_date - 6, 'active'),
       (900, 2, 'Old fence', 1, 1, 'budget owner', 'fence', current_date - 60, current_date - 6, 'completed');

-- Actions.
INSERT INTO scsm.corrective_action (org_id, action_id, kind, description, owner, due_on, status) VALUES
    (900, 1, 'preventive', 'Add a second camera', 2, current_date - 7, 'proposed'),
    (900, 2, 'preventive', 'Dropped idea', 2, current_date - 7, 'cancelled');

-- Threat and risk with a passed review date.
INSERT INTO scsm.threat (org_id, threat_id, category, title) VALUES (900, 1, 'a', 'Cargo theft');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, next_review_due)
VALUES (900, 1, 1, 'Theft at the gate', 1, 4, 6, current_date - 1);

-- Legal requirement last reviewed 800 days ago with a 2-year interval.
INSERT INTO scsm.legal_requirement (org_id, legal_id, title, kind, reference, how_it_applies, owner,
                                    last_reviewed_on, review_interval)
VALUES (900, 1, 'Port security act', 'legal', 'PSA 12', 'Applies to the gate', 1, current_date - 800, '2 years');

-- Documents: one fine, one overdue for review, one archived (never overdue).
INSERT INTO scsm.document (org_id, document_id, code, title, kind, owner) VALUES
    (900, 1, 'PR-01', 'Gate procedure', 'procedure', 2),
    (900, 2, 'PR-02', 'Seal procedure', 'procedure', 2);
INSERT INTO scsm.document (org_id, document_id, code, title, kind, owner, status, archive_reason)
VALUES (900, 3, 'PR-00', 'Old gate procedure', 'procedure', 2, 'archived', 'legal');
INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on) VALUES
    (900, 1, 1, 'v1', 'approved', 1, current_date - 500);
INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on) VALUES
    (900, 1, 2, 'v2', 'approved', 1, current_date - 100);         -- obsoletes version 1
INSERT INTO scsm.document_version (org_id, document_id, version, content, status) VALUES (900, 1, 3, 'v3', 'draft');
INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on, next_review_due)
VALUES (900, 2, 1, 'seal v1', 'approved', 1, current_date - 400, current_date - 9),
       (900, 3, 1, 'old v1', 'approved', 1, current_date - 900, current_date - 500);
INSERT INTO scsm.document_location (org_id, document_id, site_id) VALUES (900, 1, 1), (900, 1, 2);

-- Monitoring equipment: expired, never calibrated, out of service, recalibrated.
INSERT INTO scsm.monitoring_equipment (org_id, equipment_id, name, calibration_interval, in_service, created_at) VALUES
    (900, 1, 'Scanner A', '1 year', true, now() - interval '500 days'),
    (900, 2, 'Scanner B', '1 year', true, now() - interval '20 days'),
    (900, 3, 'Scanner C', '1 year', false, now() - interval '500 days'),
    (900, 4, 'Scanner D', '1 year', true, now() - interval '500 days');
INSERT INTO scsm.calibration (org_id, equipment_id, performed_on, result, next_due, performed_by) VALUES
    (900, 1, current_date - 400, 'pass', current_date - 35, 'LabCo'),
    (900, 3, current_date - 400, 'pass', current_date - 35, 'LabCo'),
    (900, 4, current_date - 400, 'pass', current_date - 35, 'LabCo'),
    (900, 4, current_date - 30, 'pass', current_date + 335, 'LabCo');

-- Emergency plan, exercises, and an incident at its site that flags it for review.
INSERT INTO scsm.emergency_plan (org_id, plan_id, title, scenario, site_id, resources, owner, last_reviewed_on)
VALUES (900, 1, 'Gate lockdown', 'armed intrusion', 1, 'barriers, radios', 1, current_date - 10);
INSERT INTO scsm.exercise (org_id, exercise_id, plan_id, kind, due_on, held_on, outcome) VALUES
    (900, 1, 1, 'drill', current_date - 3, NULL, NULL),
    (900, 2, 1, 'tabletop', current_date - 3, current_date - 4, 'effective');
INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, site_id, severity)
VALUES (900, 1, 'incident', 'Fence breach', 'cut fence', now() - interval '2 days', 1, 3);

-- Management review overdue, with an action output nobody followed up.
INSERT INTO scsm.management_review (org_id, review_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
VALUES (900, 1, current_date - 400, 1, 'ok', 'ok', 'ok', current_date - 35);
INSERT INTO scsm.management_review_output (org_id, output_id, review_id, kind, subject, description, owner, due_on)
VALUES (900, 1, 1, 'action', 'resources', 'Hire a guard', 1, current_date - 8);

-- A complaint awaiting an answer.
INSERT INTO scsm.communication (org_id, communication_id, direction, party_kind, party, subject, is_complaint,
                                occurred_on, response_due)
VALUES (900, 1, 'inbound', 'customer', 'ShipCo', 'Seal broken', true, current_date - 20, current_date - 4);

-- KPIs: breached (latest of two), met, never measured, qualitative.
INSERT INTO scsm.kpi (org_id, kpi_id, name, measure_kind, orientation, frequency, threshold, direction, owner, created_at) VALUES
    (900, 1, 'Screened share', 'quantitative', 'proactive', '1 month', 95, 'at_least', 2, now() - interval '200 days'),
    (900, 2, 'Breaches', 'quantitative', 'reactive', '1 month', 5, 'at_most', 2, now() - interval '200 days'),
    (900, 3, 'Seal checks', 'quantitative', 'proactive', '1 year', 100, 'at_least', 2, now()),
    (900, 4, 'Guard alertness', 'qualitative', 'proactive', '3 months', NULL, 'at_least', 2, now() - interval '200 days');
INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, assessment) VALUES
    (900, 1, now() - interval '90 days', 99, NULL),
    (900, 1, now() - interval '60 days', 90, NULL),
    (900, 2, now() - interval '1 day', 3, NULL),
    (900, 4, now() - interval '10 days', NULL, 'good');

-- ---------------------------------------------------------------- v_overdue
SELECT set_eq(
    $$SELECT kind, ref_table, ref_id, due_on, days_overdue FROM scsm.v_overdue WHERE org_id = 900$$,
    $$VALUES ('target', 'target', 1::bigint, current_date - 5, 5),
             ('programme', 'programme', 1::bigint, current_date - 6, 6),
             ('corrective_action', 'corrective_action', 1::bigint, current_date - 7, 7),
             ('policy_review', 'policy', 1::bigint, current_date - 30, 30),
             ('objective_review', 'objective', 1::bigint, (current_date - 400 + interval '1 year')::date,
                  current_date - (current_date - 400 + interval '1 year')::date),
             ('legal_review', 'legal_requirement', 1::bigint, (current_date - 800 + interval '2 years')::date,
                  current_date - (current_date - 800 + interval '2 years')::date),
             ('risk_review', 'risk', 1::bigint, current_date - 1, 1),
             ('document_review', 'document', 2::bigint, current_date - 9, 9),
             ('calibration', 'monitoring_equipment', 1::bigint, current_date - 35, 35),
             ('calibration', 'monitoring_equipment', 2::bigint, (now() - interval '20 days')::date,
                  current_date - (now() - interval '20 days')::date),
             ('exercise', 'exercise', 1::bigint, current_date - 3, 3),
             ('emergency_plan_review', 'emergency_plan', 1::bigint, (now() - interval '2 days')::date,
                  current_date - (now() - interval '2 days')::date),
             ('training', 'competence', 1::bigint, current_date - 35, 35),
             ('training', 'competence', 3::bigint, (current_date - 200 + interval '6 months')::date,
                  current_date - (current_date - 200 + interval '6 months')::date),
             ('training', 'competence', 1::bigint, current_date - 10, 10),
             ('training', 'competence', 2::bigint, current_date - 10, 10),
             ('training', 'competence', 3::bigint, current_date - 10, 10),
             ('management_review', 'management_review', 1::bigint, current_date - 35, 35),
             ('review_output', 'management_review_output', 1::bigint, current_date - 8, 8),
             ('communication_response', 'communication', 1::bigint, current_date - 4, 4),
             ('kpi_measurement', 'kpi', 1::bigint, (now() - interval '60 days' + interval '1 month')::date,
                  current_date - (now() - interval '60 days' + interval '1 month')::date)$$,
    'v_overdue lists exactly the items past due, with their due dates and days overdue');

SELECT is((SELECT days_overdue FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'calibration' AND ref_id = 1),
          35, 'an expired calibration is overdue by the days since its next_due');
SELECT is((SELECT owner_name FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'target'),
          'Bob Officer', 'owner_name is the target owner');
SELECT is((SELECT owner_id FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'calibration' AND ref_id = 1),
          NULL::bigint, 'equipment has no owner');
SELECT is((SELECT clause::text FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'calibration' AND ref_id = 1),
          '4.5.1', 'calibrations are filed under 4.5.1');
SELECT is((SELECT count(*)::int FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'training' AND owner_id = 3),
          3, 'the new officer without any valid record has three training items');
SELECT is((SELECT detail->>'gap' FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'training'
            AND owner_id = 2 AND ref_id = 1), 'expired', 'detail says why a training item is overdue');
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 900 AND ref_table = 'document' AND ref_id = 3),
          'an archived document is never overdue for review');
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'calibration' AND ref_id IN (3, 4)),
          'equipment out of service, or recalibrated since, is not overdue');
SELECT set_eq($$SELECT kind, ref_table, ref_id FROM scsm.v_overdue WHERE org_id = 901$$,
              $$VALUES ('management_review', 'organization', 901::bigint)$$,
              'an organization a year old without any management review has its first review overdue');

-- The review output is no longer "without follow-up" once an action carries it out.
INSERT INTO scsm.corrective_action (org_id, action_id, kind, review_output_id, description, owner, due_on)
VALUES (900, 3, 'corrective', 1, 'Recruit guard', 1, current_date + 20);
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'review_output'),
          'a review output with an action raised for it is tracked through that action');
-- Recording the plan review clears the emergency plan item.
UPDATE scsm.emergency_plan SET last_reviewed_on = current_date WHERE org_id = 900 AND plan_id = 1;
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'emergency_plan_review'),
          'reviewing the emergency plan clears its overdue review');
-- A valid training record closes the gap.
INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on, result)
VALUES (900, 3, 2, current_date - 1, 'attended');
SELECT is((SELECT count(*)::int FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'training' AND owner_id = 3),
          2, 'a valid record removes that training item');

-- ---------------------------------------------------------------- v_training_gap
SELECT set_eq(
    $$SELECT person_id, competence_id, gap, due_on FROM scsm.v_training_gap WHERE org_id = 900$$,
    $$VALUES (2::bigint, 1::bigint, 'expired', current_date - 35),
             (2::bigint, 3::bigint, 'expired', (current_date - 200 + interval '6 months')::date),
             (3::bigint, 1::bigint, 'never_trained', current_date - 10),
             (3::bigint, 3::bigint, 'never_trained', current_date - 10)$$,
    'v_training_gap: expired records, validity from the competence, failed records ignored, ended appointments ignored');
SELECT is((SELECT roles FROM scsm.v_training_gap WHERE org_id = 900 AND person_id = 3 AND competence_id = 1),
          ARRAY['Gate officer'], 'the gap names the role that requires the competence');
SELECT is((SELECT expired_on FROM scsm.v_training_gap WHERE org_id = 900 AND person_id = 2 AND competence_id = 3),
          (current_date - 200 + interval '6 months')::date, 'expired_on of a record without valid_until comes from the competence validity');
SELECT is((SELECT person_name FROM scsm.v_training_gap WHERE org_id = 900 AND person_id = 2 AND competence_id = 1),
          'Bob Officer', 'person_name is filled');
-- a person appointed today shows a gap but nothing overdue yet
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (900, 5, 'Eve New');
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from) VALUES (900, 2, 5, current_date);
SELECT is((SELECT count(*)::int FROM scsm.v_training_gap WHERE org_id = 900 AND person_id = 5 AND days_overdue = 0),
          3, 'a person appointed today has gaps, due today');
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 900 AND owner_id = 5),
          'gaps due today are not yet overdue');
-- a record that ran out before the person took the role: due from the appointment
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (900, 6, 'Fay Late');
INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on, valid_until)
VALUES (900, 6, 1, current_date - 500, current_date - 50);
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from) VALUES (900, 2, 6, current_date - 5);
SELECT results_eq($$SELECT gap, expired_on, due_on, days_overdue FROM scsm.v_training_gap
                     WHERE org_id = 900 AND person_id = 6 AND competence_id = 1$$,
                  $$VALUES ('expired', current_date - 50, current_date - 5, 5)$$,
                  'a record expired before the appointment is due from the appointment');
DELETE FROM scsm.appointment WHERE org_id = 900 AND person_id = 6;

-- ---------------------------------------------------------------- v_kpi_status
SELECT set_eq(
    $$SELECT kpi_id, status, last_value, measurement_overdue FROM scsm.v_kpi_status WHERE org_id = 900$$,
    $$VALUES (1::bigint, 'breached', 90::numeric, true),
             (2::bigint, 'met', 3::numeric, false),
             (3::bigint, 'no_data', NULL::numeric, false),
             (4::bigint, 'not_assessed', NULL::numeric, false)$$,
    'v_kpi_status compares the latest measurement with the threshold in the KPI''s direction');
SELECT is((SELECT measurements_12m FROM scsm.v_kpi_status WHERE org_id = 900 AND kpi_id = 1), 2::bigint,
          'measurements in the last 12 months are counted');
SELECT is((SELECT last_assessment FROM scsm.v_kpi_status WHERE org_id = 900 AND kpi_id = 4), 'good',
          'a qualitative KPI shows its assessment');
SELECT is((SELECT next_measurement_due FROM scsm.v_kpi_status WHERE org_id = 900 AND kpi_id = 3),
          (now() + interval '1 year')::date, 'a KPI never measured is due one period after it was created');
INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES (900, 1, now(), 96);
SELECT is((SELECT status FROM scsm.v_kpi_status WHERE org_id = 900 AND kpi_id = 1), 'met',
          'a new measurement above the threshold turns the KPI to met');
SELECT ok(NOT EXISTS (SELECT 1 FROM scsm.v_overdue WHERE org_id = 900 AND kind = 'kpi_measurement' AND ref_id = 1),
          'and its measurement is no longer overdue');

-- ---------------------------------------------------------------- v_document_register
SELECT results_eq(
    $$SELECT code, current_version, versions, obsolete_versions, draft_versions, locations, review_overdue, archived
        FROM scsm.v_document_register WHERE org_id = 900 ORDER BY code$$,
    $$VALUES ('PR-00', 1, 1::bigint, 0::bigint, 0::bigint, 0::bigint, false, true),
             ('PR-01', 2, 3::bigint, 1::bigint, 1::bigint, 2::bigint, false, false),
             ('PR-02', 1, 1::bigint, 0::bigint, 0::bigint, 0::bigint, true, false)$$,
    'v_document_register: approved version, version counts, locations, review and archive state');
SELECT is((SELECT next_review_due FROM scsm.v_document_register WHERE org_id = 900 AND code = 'PR-01'),
          (current_date - 100 + interval '1 year')::date, 'next review of the approved version');
SELECT is((SELECT archive_reason FROM scsm.v_document_register WHERE org_id = 900 AND code = 'PR-00'),
          'legal', 'an archived document says why it is kept');
SELECT is((SELECT approved_by_name FROM scsm.v_document_register WHERE org_id = 900 AND code = 'PR-01'),
          'Ann Director', 'approver name is shown');

-- 21 items at the start; the review output, the plan review, one training gap
-- and one KPI measurement were dealt with since.
SELECT is((SELECT count(*)::int FROM scsm.v_overdue WHERE org_id = 900), 17,
          'handled items left the overdue list, the others stay');

SELECT * FROM finish();
ROLLBACK;
