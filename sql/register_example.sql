-- register_example.sql: one organization set up clause by clause, from an
-- empty database, in the order a user would do it.  docs/data-model.md shows
-- the same statements; this test keeps them working.
-- Ids come from the identity columns and are carried in psql variables (\gset).
-- It runs in a database of its own, so the sequences it uses do not shift the
-- ids other tests in the shared regression database see.
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS scsm_regress_register_example;
RESET client_min_messages;
CREATE DATABASE scsm_regress_register_example;
\c scsm_regress_register_example
CREATE EXTENSION scsm;

-- 4.1 the organization, its sites, people and the scope of the system
INSERT INTO scsm.organization (name, short_name, sector)
VALUES ('Rotterdam Box Terminal', 'rbt', 'terminal') RETURNING org_id AS org \gset
INSERT INTO scsm.site (org_id, name, kind, country)
VALUES (:org, 'Quay 1', 'terminal', 'NL') RETURNING site_id AS quay \gset
INSERT INTO scsm.person (org_id, full_name) VALUES (:org, 'Anna de Vries') RETURNING person_id AS ceo \gset
INSERT INTO scsm.person (org_id, full_name) VALUES (:org, 'Bram Jansen') RETURNING person_id AS secman \gset
INSERT INTO scsm.person (org_id, full_name, kind, employer)
VALUES (:org, 'Carla Smit', 'external_auditor', 'Audit BV') RETURNING person_id AS auditor \gset
INSERT INTO scsm.scope (org_id, revision, description, boundaries, approved_by, approved_on)
VALUES (:org, 1, 'Container handling and storage at Quay 1', 'Gate to quay crane', :ceo, '2025-01-05');

-- 4.4.1 roles and appointments (needed before anyone can endorse the policy)
INSERT INTO scsm.role (org_id, name, responsibilities, authority, is_top_management)
VALUES (:org, 'Chief executive', 'Directs the company', 'Full', true) RETURNING role_id AS r_ceo \gset
INSERT INTO scsm.role (org_id, name, responsibilities, authority, is_top_management, is_sms_lead, is_objectives_lead)
VALUES (:org, 'Security manager', 'Designs, maintains and improves the system', 'Budget and stop-work',
        true, true, true) RETURNING role_id AS r_sec \gset
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from, communicated_on) VALUES
    (:org, :r_ceo, :ceo, '2024-01-01', '2024-01-02'),
    (:org, :r_sec, :secman, '2024-01-01', '2024-01-02');
INSERT INTO scsm.outsourced_process (org_id, name, provider, controls, responsible)
VALUES (:org, 'Gate guarding', 'SecureCo', 'Contract with monthly KPI report and yearly audit', :secman);

-- 4.2 the policy: a draft, then endorsed by top management, which makes it current
INSERT INTO scsm.policy (org_id, title) VALUES (:org, 'Supply-chain security policy') RETURNING policy_id AS pol \gset
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, public_summary,
                                 commits_to_improvement, commits_to_compliance, consistent_with_other_policies)
VALUES (:org, :pol, 1, 'We protect the cargo entrusted to us ...', 'We keep your cargo secure.', true, true, true);
UPDATE scsm.policy_version SET status = 'current', endorsed_by = :ceo, endorsed_on = '2025-01-10'
 WHERE org_id = :org AND policy_id = :pol AND version = 1;

-- 4.3.1 threats, risks and controls
INSERT INTO scsm.threat (org_id, category, title, identified_on)
VALUES (:org, 'a', 'Theft of high-value cargo', '2025-01-12') RETURNING threat_id AS thr \gset
INSERT INTO scsm.risk (org_id, threat_id, title, site_id, owner, likelihood, consequence,
                       residual_likelihood, residual_consequence, treatment, assessed_on)
VALUES (:org, :thr, 'Container theft from the stack', :quay, :secman, 4, 6, 2, 6, 'control', '2025-01-15')
RETURNING risk_id AS risk \gset
INSERT INTO scsm.control (org_id, title, kind, owner, effectiveness, status)
VALUES (:org, 'High-security seals checked at the gate', 'procedural', :secman, 0.6, 'implemented')
RETURNING control_id AS ctl \gset
INSERT INTO scsm.risk_control (org_id, risk_id, control_id) VALUES (:org, :risk, :ctl);

-- 4.3.2 legal and other requirements
INSERT INTO scsm.legal_requirement (org_id, title, kind, jurisdiction, reference, how_it_applies, owner, last_reviewed_on)
VALUES (:org, 'ISPS Code', 'regulatory', 'IMO', 'SOLAS XI-2', 'Port facility security plan for Quay 1', :secman, '2025-01-15')
RETURNING legal_id AS isps \gset
INSERT INTO scsm.legal_requirement_risk (org_id, legal_id, risk_id) VALUES (:org, :isps, :risk);

-- 4.3.3 objectives, 4.3.4 targets, 4.3.5 programmes
INSERT INTO scsm.objective (org_id, policy_id, title, quantified, owner, last_reviewed_on)
VALUES (:org, :pol, 'No cargo leaves without a verified seal', true, :secman, '2025-01-20') RETURNING objective_id AS obj \gset
INSERT INTO scsm.objective_input (org_id, objective_id, input_kind, risk_id) VALUES (:org, :obj, 'risk', :risk);
INSERT INTO scsm.target (org_id, objective_id, title, metric, target_value, unit, due_date, owner, last_reviewed_on)
VALUES (:org, :obj, 'Seal checks at the gate', 'gate-outs with seal verified', 99.5, '%', '2025-12-31', :secman, '2025-01-20')
RETURNING target_id AS tgt \gset
INSERT INTO scsm.programme (org_id, title, objective_id, target_id, responsible, authority, means, budget,
                            start_date, due_date, last_reviewed_on)
VALUES (:org, 'Seal verification at both gate lanes', :obj, :tgt, :secman, 'Security budget 2025',
        'Two seal scanners, training of gate staff', 40000, '2025-02-01', '2025-06-30', '2025-02-01')
RETURNING programme_id AS prg \gset
INSERT INTO scsm.programme_measure (org_id, programme_id, title, risk_id, control_id, cost, expected_reduction, selected)
VALUES (:org, :prg, 'Buy two seal scanners', :risk, :ctl, 30000, 120000, true);

-- 4.4.2 competence and training records
INSERT INTO scsm.competence (org_id, name, kind, validity)
VALUES (:org, 'Seal inspection', 'training', '2 years') RETURNING competence_id AS comp \gset
INSERT INTO scsm.role_competence (org_id, role_id, competence_id) VALUES (:org, :r_sec, :comp);
INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on, valid_until, provider)
VALUES (:org, :secman, :comp, '2025-02-10', '2027-02-10', 'Port academy');

-- 4.4.3 communication: outbound non-public information is checked first
INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, occurred_on,
                                sensitivity, sensitivity_checked_by)
VALUES (:org, 'outbound', 'supplier', 'SecureCo', 'New seal procedure', '2025-02-15', 'internal', :secman);

-- 4.4.4 / 4.4.5 documents: a version approved, available at the quay
INSERT INTO scsm.document (org_id, code, title, kind, owner)
VALUES (:org, 'SEC-PRO-001', 'Gate seal check', 'procedure', :secman) RETURNING document_id AS doc \gset
INSERT INTO scsm.document_version (org_id, document_id, version, content, status, approved_by, approved_on)
VALUES (:org, :doc, 1, 'Scan every seal; stop the truck on a mismatch.', 'approved', :ceo, '2025-02-01');
INSERT INTO scsm.document_location (org_id, document_id, site_id) VALUES (:org, :doc, :quay);

-- 4.4.6 operational control, management of change, supply chain
INSERT INTO scsm.procedure (org_id, title, operation, purpose, document_id, site_id, covers_equipment, owner)
VALUES (:org, 'Gate seal check', 'Truck gate-out', 'significant_risk', :doc, :quay, true, :secman);
INSERT INTO scsm.change_request (org_id, title, kind, description, requested_by)
VALUES (:org, 'Install seal scanners', 'infrastructure_technology', 'Two scanners at the gate lanes', :secman)
RETURNING change_id AS chg \gset
UPDATE scsm.change_request SET status = 'assessed', risk_assessed_on = '2025-02-20', risk_assessed_by = :secman,
       risk_assessment = 'Lane closed during install: manual checks meanwhile', risk_id = :risk
 WHERE org_id = :org AND change_id = :chg;
UPDATE scsm.change_request SET status = 'approved', approved_by = :ceo WHERE org_id = :org AND change_id = :chg;
UPDATE scsm.change_request SET status = 'implemented', implemented_on = '2025-03-01' WHERE org_id = :org AND change_id = :chg;
INSERT INTO scsm.supply_chain_node (org_id, name, kind, position, country, requirements_sent_on)
VALUES (:org, 'Feeder Line NV', 'carrier', 'upstream', 'BE', '2025-02-15') RETURNING node_id AS feeder \gset
INSERT INTO scsm.supply_chain_node (org_id, name, kind, position, site_id)
VALUES (:org, 'Quay 1', 'own_site', 'own', :quay) RETURNING node_id AS own \gset
INSERT INTO scsm.supply_chain_link (org_id, from_node, to_node, mode, dependency) VALUES (:org, :feeder, :own, 'sea', 0.7);

-- 4.4.7 emergency preparedness: a plan and an exercise
INSERT INTO scsm.emergency_plan (org_id, title, scenario, site_id, resources, owner, last_reviewed_on)
VALUES (:org, 'Intrusion at the quay', 'Armed intrusion', :quay, 'Guards, CCTV, police liaison', :secman, '2025-01-30')
RETURNING plan_id AS epl \gset
INSERT INTO scsm.exercise (org_id, plan_id, kind, due_on, held_on, outcome, lessons)
VALUES (:org, :epl, 'tabletop', '2025-04-30', '2025-04-22', 'effective', 'Call tree works');

-- 4.5.1 performance measurement with calibrated equipment
INSERT INTO scsm.kpi (org_id, name, measure_kind, orientation, unit, frequency, threshold, owner)
VALUES (:org, 'Seal verification rate', 'quantitative', 'proactive', '%', '1 month', 99.5, :secman) RETURNING kpi_id AS kpi \gset
UPDATE scsm.target SET kpi_id = :kpi WHERE org_id = :org AND target_id = :tgt;
INSERT INTO scsm.monitoring_equipment (org_id, name, serial_number, site_id, calibration_interval)
VALUES (:org, 'Seal scanner lane 1', 'SC-1001', :quay, '1 year') RETURNING equipment_id AS scanner \gset
INSERT INTO scsm.calibration (org_id, equipment_id, performed_on, result, next_due, performed_by)
VALUES (:org, :scanner, '2025-03-01', 'pass', '2026-03-01', 'Acme Calibration');
INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, equipment_id, site_id)
VALUES (:org, :kpi, '2025-03-31 23:00+00', 99.7, :scanner, :quay);

-- 4.5.2 evaluation of compliance
INSERT INTO scsm.evaluation (org_id, kind, subject, performed_on, performed_by, legal_id, conforming, findings)
VALUES (:org, 'legal_compliance', 'ISPS plan up to date', '2025-04-01', :secman, :isps, true, 'Plan current, drills held');

-- 4.5.3 an incident, a nonconformity, a corrective action taken through review to closure
INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, site_id, risk_id, severity)
VALUES (:org, 'incident', 'Seal mismatch', 'Truck left with a replaced seal', '2025-04-10 14:00+00', '2025-04-10 15:00+00',
        :quay, :risk, 3) RETURNING incident_id AS inc \gset
INSERT INTO scsm.nonconformity (org_id, source, incident_id, clause, site_id, severity, description, raised_on)
VALUES (:org, 'incident', :inc, '4.4.6', :quay, 'minor', 'Seal check skipped at peak hour', '2025-04-11')
RETURNING nc_id AS nc \gset
INSERT INTO scsm.corrective_action (org_id, kind, nc_id, description, owner, due_on)
VALUES (:org, 'corrective', :nc, 'Extra gate clerk at peak hours', :secman, '2025-05-15') RETURNING action_id AS act \gset
UPDATE scsm.corrective_action SET status = 'risk_reviewed', risk_reviewed_on = '2025-04-14', risk_review = 'No new exposure'
 WHERE org_id = :org AND action_id = :act;
UPDATE scsm.corrective_action SET status = 'implemented', implemented_on = '2025-04-20' WHERE org_id = :org AND action_id = :act;
UPDATE scsm.corrective_action SET status = 'verified', effectiveness_checked_on = '2025-05-20', effective = true
 WHERE org_id = :org AND action_id = :act;
UPDATE scsm.nonconformity SET investigated_on = '2025-04-12', cause = 'Understaffed gate', closed_on = '2025-05-21'
 WHERE org_id = :org AND nc_id = :nc;

-- 4.5.5 an audit with a finding
INSERT INTO scsm.audit (org_id, kind, site_id, clauses, planned_for, lead_auditor, status)
VALUES (:org, 'internal', :quay, '{4.4.6,4.5.1}', '2025-06-02', :auditor, 'in_progress') RETURNING audit_id AS aud \gset
INSERT INTO scsm.audit_finding (org_id, audit_id, clause, kind, description)
VALUES (:org, :aud, '4.5.1', 'observation', 'Calibration labels hard to read');
UPDATE scsm.audit SET status = 'completed', performed_on = '2025-06-03', conclusion = 'Conforms, one observation',
       reported_to_management_on = '2025-06-10'
 WHERE org_id = :org AND audit_id = :aud;

-- 4.6 management review chaired by top management, with inputs and an output
INSERT INTO scsm.management_review (org_id, held_on, chair, attendees, suitability, adequacy, effectiveness, next_review_due)
VALUES (:org, '2025-06-20', :ceo, 'CEO, security manager', 'Suitable', 'Adequate', 'Effective', '2026-06-20')
RETURNING review_id AS rev \gset
INSERT INTO scsm.management_review_input (org_id, review_id, item, summary) VALUES
    (:org, :rev, 'a', 'Internal audit June: conforms; ISPS evaluation: compliant'),
    (:org, :rev, 'e', 'One corrective action, verified');
INSERT INTO scsm.management_review_output (org_id, review_id, kind, subject, description, owner, due_on)
VALUES (:org, :rev, 'action', 'resources', 'Budget a third scanner', :secman, '2025-12-31');

-- what the organization now holds, per table
SELECT t.relname AS table_name, c.n
  FROM (VALUES ('scope'), ('policy_version'), ('risk'), ('objective'), ('target'), ('programme'),
               ('document_version'), ('change_request'), ('exercise'), ('measurement'), ('nonconformity'),
               ('corrective_action'), ('audit_finding'), ('management_review_input')) AS t(relname)
 CROSS JOIN LATERAL (SELECT (xpath('/row/n/text()',
        query_to_xml(format('SELECT count(*) AS n FROM scsm.%I WHERE org_id = %s', t.relname, :org), false, true, '')))[1]::text::int AS n) c;
SELECT status, effective_from, next_review_due FROM scsm.policy_version WHERE org_id = :org;
SELECT status, implemented_on FROM scsm.change_request WHERE org_id = :org;
SELECT closed_on FROM scsm.nonconformity WHERE org_id = :org;
SELECT needs_review FROM scsm.emergency_plan WHERE org_id = :org;

\c :regress_db
DROP DATABASE scsm_regress_register_example;
