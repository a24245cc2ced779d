-- 30_register_do.sql: rules and constraints of implementation and operation
-- (4.4.1 roles and appointments, 4.4.2 training, 4.4.3 communication,
-- 4.4.4/4.4.5 documents, 4.4.6 change and supply chain, 4.4.7 emergency
-- plans and exercises): rule triggers 23S08, 23S10, 23S12, their side effects,
-- and the CHECK / foreign-key constraints.
BEGIN;
SELECT plan(60);
\i test/fixtures/register_fixture.sql
SELECT pg_temp.register_fixture(9001, 'harbour_a');
SELECT pg_temp.register_fixture_other(9002, 'other_b');

-- 4.4.1 a / 23S12: one system lead at a time
SELECT throws_ok($$INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 10, 2, 1, '2024-01-01')$$,
    '23S12', 'only one person at a time can hold the role responsible for the whole system',
    'a second holder of the system-lead role is refused while the first is appointed');
SELECT throws_ok($$INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from, valid_until)
                   VALUES (9001, 10, 2, 1, '2018-01-01', '2020-01-01')$$,
    '23S12', 'only one person at a time can hold the role responsible for the whole system',
    'a period touching the first day of the current holder overlaps');
SELECT lives_ok($$UPDATE scsm.appointment SET valid_until = '2025-12-31' WHERE org_id = 9001 AND appointment_id = 2;
                  INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 10, 2, 1, '2026-01-01')$$,
    'a successor is appointed once the current holder''s appointment ends');
SELECT throws_ok($$UPDATE scsm.appointment SET valid_from = '2025-12-01' WHERE org_id = 9001 AND appointment_id = 10$$,
    '23S12', 'only one person at a time can hold the role responsible for the whole system',
    'an UPDATE that makes the periods overlap is refused');
SELECT throws_ok($$UPDATE scsm.appointment SET role_id = 2 WHERE org_id = 9001 AND appointment_id = 3$$,
    '23S12', 'only one person at a time can hold the role responsible for the whole system',
    'moving another appointment onto the system-lead role is refused');
SELECT lives_ok($$INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from) VALUES (9001, 11, 3, 5, '2024-01-01')$$,
    'other roles can have several holders');
SELECT throws_ok($$INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id, valid_from, valid_until)
                   VALUES (9001, 12, 3, 5, '2024-01-01', '2023-01-01')$$,
    '23514', 'new row for relation "appointment" violates check constraint "appointment_period"',
    'an appointment ends after it starts');
SELECT throws_ok($$INSERT INTO scsm.appointment (org_id, appointment_id, role_id, person_id) VALUES (9001, 12, 3, 50)$$,
    '23503', 'insert or update on table "appointment" violates foreign key constraint "appointment_org_id_person_id_fkey"',
    'a person of another organization cannot be appointed');
SELECT throws_ok($$INSERT INTO scsm.role (org_id, name, responsibilities, authority, is_top_management, is_sms_lead)
                   VALUES (9001, 'Deputy lead', 'x', 'y', true, true)$$,
    '23505', 'duplicate key value violates unique constraint "role_one_sms_lead"',
    'one role per organization is the system lead');
SELECT throws_ok($$UPDATE scsm.role SET is_top_management = true, is_sms_lead = true WHERE org_id = 9001 AND role_id = 3$$,
    '23S12', 'only one person at a time can hold the role responsible for the whole system',
    'a role with two overlapping holders cannot be made the system lead');
SELECT throws_ok($$INSERT INTO scsm.role (org_id, name, responsibilities, authority, is_sms_lead) VALUES (9001, 'Lead', 'x', 'y', true)$$,
    '23514', 'new row for relation "role" violates check constraint "sms_lead_is_top_management"',
    'the system lead is a member of top management (4.4.1 a)');

-- 4.4.6 / 23S08: management of change
SELECT lives_ok($$INSERT INTO scsm.change_request (org_id, change_id, title, kind, description, requested_by)
                  VALUES (9001, 10, 'New gate scanners', 'infrastructure_technology', 'Replace the seal scanners', 4)$$,
    'a change is proposed');
SELECT throws_ok($$UPDATE scsm.change_request SET status = 'assessed' WHERE org_id = 9001 AND change_id = 10$$,
    '23S08', 'a change marked assessed needs its risk assessment recorded',
    'a change cannot be marked assessed without the assessment');
SELECT throws_ok($$UPDATE scsm.change_request SET status = 'approved', approved_by = 1 WHERE org_id = 9001 AND change_id = 10$$,
    '23S08', 'a change cannot be approved before its security risks are assessed',
    'a change cannot be approved before its risk assessment');
SELECT throws_ok($$UPDATE scsm.change_request SET status = 'implemented', approved_by = 1 WHERE org_id = 9001 AND change_id = 10$$,
    '23S08', 'a change cannot be implemented before its security risks are assessed',
    'a change cannot be implemented before its risk assessment');
SELECT throws_ok($$UPDATE scsm.change_request SET risk_assessed_on = '2025-02-01' WHERE org_id = 9001 AND change_id = 10$$,
    '23514', 'new row for relation "change_request" violates check constraint "assessment_complete"',
    'an assessment names its date, assessor and content');
SELECT lives_ok($$UPDATE scsm.change_request SET status = 'assessed', risk_assessed_on = '2025-02-01', risk_assessed_by = 2,
                         risk_assessment = 'Outage during swap: keep old scanners until tested', risk_id = 1
                  WHERE org_id = 9001 AND change_id = 10$$,
    'the risk assessment is recorded');
SELECT throws_ok($$UPDATE scsm.change_request SET status = 'approved' WHERE org_id = 9001 AND change_id = 10$$,
    '23S08', 'a change cannot be approved without recording who approved it',
    'an approved change names its approver');
SELECT lives_ok($$UPDATE scsm.change_request SET status = 'approved', approved_by = 1 WHERE org_id = 9001 AND change_id = 10$$,
    'an assessed change is approved');
SELECT throws_ok($$UPDATE scsm.change_request SET status = 'implemented', implemented_on = '2025-01-15' WHERE org_id = 9001 AND change_id = 10$$,
    '23S08', 'a change cannot be implemented before its security risks are assessed',
    'an implementation dated before the assessment is refused');
SELECT lives_ok($$UPDATE scsm.change_request SET status = 'implemented', implemented_on = '2025-03-01' WHERE org_id = 9001 AND change_id = 10$$,
    'the change is implemented after its assessment');
SELECT throws_ok($$UPDATE scsm.change_request SET status = 'approved' WHERE org_id = 9001 AND change_id = 10$$,
    '23S08', 'a change cannot go back to an earlier status',
    'an implemented change stays implemented');
SELECT throws_ok($$UPDATE scsm.change_request SET risk_id = 50 WHERE org_id = 9001 AND change_id = 10$$,
    '23503', 'insert or update on table "change_request" violates foreign key constraint "change_request_org_id_risk_id_fkey"',
    'a change cannot point at a risk of another organization');

-- 4.4.5 / 23S10: document versions
SELECT lives_ok($$INSERT INTO scsm.document_version (org_id, document_id, version, content) VALUES (9001, 1, 2, 'Check every seal twice.');
                  UPDATE scsm.document_version SET content = 'Check every seal and log it.' WHERE org_id = 9001 AND document_id = 1 AND version = 2$$,
    'a draft version can be written and edited');
SELECT lives_ok($$UPDATE scsm.document_version SET status = 'approved', approved_by = 2, approved_on = '2025-03-01'
                  WHERE org_id = 9001 AND document_id = 1 AND version = 2$$,
    'version 2 is approved');
SELECT is((SELECT status FROM scsm.document_version WHERE org_id = 9001 AND document_id = 1 AND version = 1), 'obsolete',
    'approving version 2 makes version 1 obsolete (4.4.5 d)');
SELECT is((SELECT next_review_due FROM scsm.document_version WHERE org_id = 9001 AND document_id = 1 AND version = 2), '2026-03-01'::date,
    'the next review of an approved version defaults to one review interval after approval');
SELECT throws_ok($$UPDATE scsm.document_version SET content = 'Quietly changed' WHERE org_id = 9001 AND document_id = 1 AND version = 2$$,
    '23S10', 'an approved document version cannot be edited',
    'the text of an approved version is frozen');
SELECT throws_ok($$UPDATE scsm.document_version SET approved_on = '2025-03-05' WHERE org_id = 9001 AND document_id = 1 AND version = 2$$,
    '23S10', 'an approved document version cannot be edited',
    'so is its approval');
SELECT throws_ok($$UPDATE scsm.document_version SET content = 'Rewritten history' WHERE org_id = 9001 AND document_id = 1 AND version = 1$$,
    '23S10', 'an approved document version cannot be edited',
    'the text of an obsolete version is frozen');
SELECT throws_ok($$UPDATE scsm.document_version SET status = 'approved' WHERE org_id = 9001 AND document_id = 1 AND version = 1$$,
    '23S10', 'an obsolete document version cannot be brought back into use',
    'an obsolete version cannot be approved again');
INSERT INTO scsm.document (org_id, document_id, code, title, kind, owner) VALUES (9001, 10, 'SEC-PLN-010', 'Visitor plan', 'plan', 2);
SELECT throws_ok($$UPDATE scsm.document_version SET document_id = 10 WHERE org_id = 9001 AND document_id = 1 AND version = 2$$,
    '23S10', 'an approved document version cannot be edited',
    'an approved version cannot be moved to another document');
SELECT throws_ok($$UPDATE scsm.document_version SET status = 'draft' WHERE org_id = 9001 AND document_id = 1 AND version = 2$$,
    '23514', 'new row for relation "document_version" violates check constraint "approval_complete"',
    'an approved version cannot return to draft');
SELECT lives_ok($$INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on)
                  VALUES (9001, 10, 2, 'Escort all visitors.', 'approved', 2, '2025-01-10')$$,
    'version 2 of a new document is approved directly');
SELECT throws_ok($$INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on)
                   VALUES (9001, 10, 1, 'Older text', 'approved', 2, '2025-01-11')$$,
    '23S10', 'an older document version cannot be approved over a newer one',
    'an older version cannot be approved over a newer approved one');
SELECT throws_ok($$INSERT INTO scsm.document_version (org_id, document_id, version, content, status) VALUES (9001, 10, 3, 'x', 'approved')$$,
    '23514', 'new row for relation "document_version" violates check constraint "approval_complete"',
    'an approved version names who approved it and when (4.4.5 b)');
SELECT is((SELECT count(*) FROM scsm.document_version WHERE org_id = 9001 AND status = 'approved')::int, 2,
    'one approved version per document');

-- 4.4.5 e: archived documents say why they are kept
SELECT throws_ok($$UPDATE scsm.document SET status = 'archived' WHERE org_id = 9001 AND document_id = 10$$,
    '23514', 'new row for relation "document" violates check constraint "archive_identified"',
    'an archived document carries a reason');
SELECT throws_ok($$UPDATE scsm.document SET archive_reason = 'legal' WHERE org_id = 9001 AND document_id = 10$$,
    '23514', 'new row for relation "document" violates check constraint "archive_identified"',
    'an active document carries no archive reason');
SELECT lives_ok($$UPDATE scsm.document SET status = 'archived', archive_reason = 'legal_and_knowledge' WHERE org_id = 9001 AND document_id = 10$$,
    'a document archived for legal and knowledge reasons');
SELECT throws_ok($$INSERT INTO scsm.document_location (org_id, document_id, site_id) VALUES (9001, 1, 50)$$,
    '23503', 'insert or update on table "document_location" violates foreign key constraint "document_location_org_id_site_id_fkey"',
    'a document cannot be made available at a site of another organization');

-- 4.4.3: sensitivity weighed before non-public information goes out
SELECT throws_ok($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, sensitivity)
                   VALUES (9001, 'outbound', 'customer', 'Big Retail', 'Incident summary', 'confidential')$$,
    '23514', 'new row for relation "communication" violates check constraint "outbound_sensitivity_checked"',
    'outbound confidential information needs a sensitivity check');
SELECT throws_ok($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject)
                   VALUES (9001, 'outbound', 'supplier', 'Haulier', 'Seal procedure')$$,
    '23514', 'new row for relation "communication" violates check constraint "outbound_sensitivity_checked"',
    'so does outbound internal information (the default sensitivity)');
SELECT lives_ok($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, sensitivity, sensitivity_checked_by)
                  VALUES (9001, 'outbound', 'customer', 'Big Retail', 'Incident summary', 'confidential', 2)$$,
    'outbound confidential information checked by the security manager');
SELECT lives_ok($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, sensitivity)
                  VALUES (9001, 'outbound', 'public', 'Website', 'Policy summary', 'public')$$,
    'public information goes out without a check');
SELECT lives_ok($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, is_complaint)
                  VALUES (9001, 'inbound', 'other_stakeholder', 'Neighbour', 'Lights at night', true)$$,
    'inbound complaints need no check');
SELECT throws_ok($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, sensitivity, sensitivity_checked_by)
                   VALUES (9001, 'outbound', 'customer', 'Big Retail', 'x', 'restricted', 50)$$,
    '23503', 'insert or update on table "communication" violates foreign key constraint "communication_org_id_sensitivity_checked_by_fkey"',
    'the check is made by a person of the same organization');

-- 4.4.2: training records
INSERT INTO scsm.competence (org_id, competence_id, name, validity) VALUES (9001, 10, 'Seal inspection', '2 years');
SELECT throws_ok($$INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on, valid_until)
                   VALUES (9001, 4, 10, '2025-01-01', '2024-01-01')$$,
    '23514', 'new row for relation "training_record" violates check constraint "training_validity"',
    'a training record is not valid before it was completed');
SELECT throws_ok($$INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on) VALUES (9001, 50, 10, '2025-01-01')$$,
    '23503', 'insert or update on table "training_record" violates foreign key constraint "training_record_org_id_person_id_fkey"',
    'a training record is for a person of the same organization');

-- 4.4.6: supply chain
SELECT throws_ok($$INSERT INTO scsm.supply_chain_node (org_id, name, kind, position) VALUES (9001, 'Our yard', 'own_site', 'own')$$,
    '23514', 'new row for relation "supply_chain_node" violates check constraint "own_node_has_site"',
    'an own node is one of our sites');
INSERT INTO scsm.supply_chain_node (org_id, node_id, name, kind, position) VALUES (9001, 10, 'Feeder line', 'carrier', 'upstream');
SELECT throws_ok($$INSERT INTO scsm.supply_chain_link (org_id, from_node, to_node) VALUES (9001, 10, 10)$$,
    '23514', 'new row for relation "supply_chain_link" violates check constraint "link_not_to_itself"',
    'a node does not supply itself');
SELECT throws_ok($$INSERT INTO scsm.supply_chain_link (org_id, from_node, to_node) VALUES (9001, 10, 50)$$,
    '23503', 'insert or update on table "supply_chain_link" violates foreign key constraint "supply_chain_link_org_id_to_node_fkey"',
    'a link cannot lead to a node of another organization');

-- 4.4.7: exercises and emergency plans
SELECT throws_ok($$INSERT INTO scsm.exercise (org_id, plan_id, kind, due_on, held_on) VALUES (9001, 1, 'drill', '2025-05-01', '2025-04-28')$$,
    '23514', 'new row for relation "exercise" violates check constraint "held_has_outcome"',
    'an exercise that was held records its outcome');
SELECT throws_ok($$INSERT INTO scsm.exercise (org_id, plan_id, kind, due_on, outcome) VALUES (9001, 1, 'drill', '2025-05-01', 'effective')$$,
    '23514', 'new row for relation "exercise" violates check constraint "held_has_outcome"',
    'an outcome without a date held is refused');
SELECT throws_ok($$INSERT INTO scsm.exercise (org_id, plan_id, kind, held_on, outcome) VALUES (9001, 1, 'drill', '2025-04-28', 'effective')$$,
    '23502', 'null value in column "due_on" of relation "exercise" violates not-null constraint',
    'an exercise carries a due date');
SELECT lives_ok($$INSERT INTO scsm.exercise (org_id, plan_id, kind, due_on, held_on, outcome, lessons)
                  VALUES (9001, 1, 'tabletop', '2025-05-01', '2025-04-28', 'partly_effective', 'Police line number outdated')$$,
    'an exercise held with its outcome');
SELECT lives_ok($$INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, reported_at, site_id, severity)
                  VALUES (9001, 10, 'incident', 'Fence cut', 'Fence cut at the north gate', '2025-04-01 02:00+00', '2025-04-01 03:00+00', 1, 3)$$,
    'an incident at the north terminal');
SELECT results_eq($$SELECT plan_id, needs_review FROM scsm.emergency_plan WHERE org_id = 9001 ORDER BY plan_id$$,
    $$VALUES (1::bigint, true), (2::bigint, false)$$,
    'the incident flags the plans of its site for review, not the others (4.4.7)');
SELECT lives_ok($$UPDATE scsm.emergency_plan SET last_reviewed_on = '2025-04-15' WHERE org_id = 9001 AND plan_id = 1$$,
    'the plan is reviewed');
SELECT is((SELECT needs_review FROM scsm.emergency_plan WHERE org_id = 9001 AND plan_id = 1), false,
    'recording the review clears the flag');

SELECT pg_temp.register_fixture_end();
SELECT * FROM finish();
ROLLBACK;
