-- v_clause_conformance and v_clause_evidence on a small hand-built register.
BEGIN;
SELECT plan(31);

INSERT INTO scsm.organization (org_id, name, short_name) VALUES (910, 'Gamma Port', 'gamma_p'), (911, 'Delta Empty', 'delta_e');
INSERT INTO scsm.site (org_id, site_id, name) VALUES (910, 1, 'Quay');
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES
    (910, 1, 'Ann Chief'), (910, 2, 'Bob Guard'), (910, 3, 'Ivy Auditor');
INSERT INTO scsm.role (org_id, role_id, name, responsibilities, authority, is_top_management) VALUES
    (910, 1, 'Chief', 'everything', 'all', true), (910, 2, 'Guard', 'patrol', 'stop people', false);
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from) VALUES
    (910, 1, 1, current_date - 500), (910, 2, 2, current_date - 500);
INSERT INTO scsm.competence (org_id, competence_id, name, validity) VALUES (910, 1, 'Patrol', '1 year');
INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on, valid_until) VALUES
    (910, 2, 1, current_date - 100, NULL),                       -- valid by competence validity
    (910, 2, 1, current_date - 700, current_date - 335);         -- expired: not evidence

-- Policy in force, reviewed in time (4.2 evidence, nothing overdue).
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (910, 1, 'Policy');
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement,
                                 commits_to_compliance, endorsed_by, endorsed_on)
VALUES (910, 1, 1, 'text', 'current', true, true, 1, current_date - 100);

-- Audits.
--  1: '4' completed 400 days ago (covers everything, but old)
--  2: '4.4' completed 30 days ago, minor NC on 4.4.2
--  3: '4.5.1','4.5.3' completed 10 days ago, major NC on 4.5.1
--  4: '4.2','4.3.3' completed 20 days ago, a conformity finding on 4.2
--  5: supplier audit on '4.3.2' 5 days ago: not an audit of our system
--  6: planned audit on '4.2': not done yet
INSERT INTO scsm.audit (org_id, audit_id, kind, clauses, planned_for, performed_on, lead_auditor, status, conclusion) VALUES
    (910, 1, 'internal', '{4}', current_date - 400, current_date - 400, 3, 'completed', 'fine'),
    (910, 2, 'internal', '{4.4}', current_date - 30, current_date - 30, 3, 'completed', 'one minor'),
    (910, 3, 'external', '{4.5.1,4.5.3}', current_date - 10, current_date - 10, 3, 'completed', 'one major'),
    (910, 4, 'internal', '{4.2,4.3.3}', current_date - 20, current_date - 20, 3, 'completed', 'fine'),
    (910, 5, 'supplier', '{4.3.2}', current_date - 5, current_date - 5, 3, 'completed', 'fine'),
    (910, 6, 'internal', '{4.2}', current_date + 5, NULL, 3, 'planned', NULL);
INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description) VALUES
    (910, 1, 2, '4.4.2', 'minor_nc', 'records missing'),
    (910, 2, 2, '4.4.2', 'observation', 'slow filing'),
    (910, 3, 3, '4.5.1', 'major_nc', 'no calibration at all'),
    (910, 4, 4, '4.2', 'conformity', 'policy fine'),
    (910, 5, 3, '4.5.3', 'opportunity', 'could automate');
INSERT INTO scsm.nonconformity (org_id, nc_id, source, finding_id, severity, description) VALUES
    (910, 1, 'audit', 1, 'minor', 'records missing'),
    (910, 2, 'audit', 3, 'major', 'no calibration at all');
-- An overdue preventive action (4.5.3).
INSERT INTO scsm.corrective_action (org_id, action_id, kind, description, owner, due_on)
VALUES (910, 1, 'preventive', 'Automate reports', 1, current_date - 3);

CREATE TEMP TABLE cc AS SELECT * FROM scsm.v_clause_conformance WHERE org_id IN (910, 911);

SELECT is((SELECT count(*)::int FROM cc WHERE org_id = 910), 23, '23 rows per organization');
SELECT is((SELECT count(*)::int FROM cc WHERE org_id = 911), 23, '23 rows for an organization with an empty register');
SELECT set_eq($$SELECT clause::text FROM cc WHERE org_id = 910$$,
              $$VALUES ('4.1'), ('4.2'), ('4.3'), ('4.3.1'), ('4.3.2'), ('4.3.3'), ('4.3.4'), ('4.3.5'),
                       ('4.4'), ('4.4.1'), ('4.4.2'), ('4.4.3'), ('4.4.4'), ('4.4.5'), ('4.4.6'), ('4.4.7'),
                       ('4.5'), ('4.5.1'), ('4.5.2'), ('4.5.3'), ('4.5.4'), ('4.5.5'), ('4.6')$$,
              'one row per heading 4.1 ... 4.6');
SELECT is((SELECT org_name FROM cc WHERE org_id = 910 AND clause::text = '4.1'), 'Gamma Port', 'org_name is filled');

-- coverage: an audit on 4.4 covers 4.4.2; the latest covering audit wins
SELECT results_eq($$SELECT last_audit_on, last_audit_result FROM cc WHERE org_id = 910 AND clause::text = '4.4.2'$$,
                  $$VALUES (current_date - 30, 'minor_nc')$$,
                  'an audit listing 4.4 covers 4.4.2; worst finding on the clause is its result');
SELECT results_eq($$SELECT last_audit_on, last_audit_result FROM cc WHERE org_id = 910 AND clause::text = '4.4.1'$$,
                  $$VALUES (current_date - 30, 'conforming')$$,
                  'a covered clause without findings is conforming in that audit');
SELECT results_eq($$SELECT last_audit_on, last_audit_result FROM cc WHERE org_id = 910 AND clause::text = '4.4'$$,
                  $$VALUES (current_date - 30, 'minor_nc')$$,
                  'findings below a heading count for the heading');
SELECT is((SELECT last_audit_on FROM cc WHERE org_id = 910 AND clause::text = '4.5'), current_date - 400,
          'an audit of 4.5.1 and 4.5.3 does not cover 4.5 itself; only the audit of 4 does');
SELECT is((SELECT last_audit_on FROM cc WHERE org_id = 910 AND clause::text = '4.5.2'), current_date - 400,
          'an audit of 4.5.1 does not cover 4.5.2');
SELECT is((SELECT last_audit_on FROM cc WHERE org_id = 910 AND clause::text = '4.3.2'), current_date - 400,
          'a supplier audit is not an audit of the system');
SELECT is((SELECT last_audit_on FROM cc WHERE org_id = 910 AND clause::text = '4.2'), current_date - 20,
          'a planned audit does not count; the completed one does');
SELECT is((SELECT last_audit_result FROM cc WHERE org_id = 910 AND clause::text = '4.5.3'), 'opportunity',
          'an opportunity is the worst finding on 4.5.3');
SELECT is((SELECT last_audit_on FROM cc WHERE org_id = 911 AND clause::text = '4.1'), NULL::date,
          'never audited: last_audit_on is NULL');

-- nonconformities and status
SELECT results_eq($$SELECT open_nonconformities, open_major_nonconformities, status FROM cc
                     WHERE org_id = 910 AND clause::text = '4.5.1'$$,
                  $$VALUES (1::bigint, 1::bigint, 'nonconforming')$$,
                  'an open major NC makes the clause nonconforming');
SELECT results_eq($$SELECT open_nonconformities, open_major_nonconformities, status FROM cc
                     WHERE org_id = 910 AND clause::text = '4.5'$$,
                  $$VALUES (1::bigint, 1::bigint, 'nonconforming')$$,
                  'a heading counts the nonconformities below it');
SELECT results_eq($$SELECT open_nonconformities, open_major_nonconformities, status FROM cc
                     WHERE org_id = 910 AND clause::text = '4.4.2'$$,
                  $$VALUES (1::bigint, 0::bigint, 'attention')$$,
                  'an open minor NC needs attention');
SELECT results_eq($$SELECT overdue_items, open_nonconformities, status FROM cc
                     WHERE org_id = 910 AND clause::text = '4.5.3'$$,
                  $$VALUES (1::bigint, 0::bigint, 'attention')$$,
                  'an overdue action needs attention though the clause was audited 10 days ago');
SELECT is((SELECT status FROM cc WHERE org_id = 910 AND clause::text = '4.1'), 'attention',
          'last audit older than 12 months needs attention');
SELECT results_eq($$SELECT evidence_count, status FROM cc WHERE org_id = 910 AND clause::text = '4.2'$$,
                  $$VALUES (1::bigint, 'conforming')$$,
                  'recent audit, evidence, nothing open or overdue: conforming');
SELECT results_eq($$SELECT evidence_count, status FROM cc WHERE org_id = 910 AND clause::text = '4.3.3'$$,
                  $$VALUES (0::bigint, 'no_evidence')$$,
                  'recently audited but nothing in the register: no_evidence');
SELECT is((SELECT count(*)::int FROM cc WHERE org_id = 911 AND status = 'attention'), 23,
          'an empty, never-audited organization needs attention on every clause');

-- evidence
SELECT is((SELECT evidence FROM cc WHERE org_id = 910 AND clause::text = '4.4.2'),
          '{"valid_training_records": 1}'::jsonb, 'evidence of 4.4.2: the valid training record, not the expired one');
SELECT is((SELECT evidence->'current_policy_versions' FROM cc WHERE org_id = 910 AND clause::text = '4.2'),
          '1'::jsonb, 'evidence of 4.2: the current policy version');
SELECT is((SELECT evidence_count FROM cc WHERE org_id = 910 AND clause::text = '4.4'),
          (SELECT sum(evidence_count)::bigint FROM cc WHERE org_id = 910 AND clause::text LIKE '4.4._'),
          'a heading''s evidence is the sum of the evidence below it');
SELECT is((SELECT evidence_count FROM cc WHERE org_id = 910 AND clause::text = '4.4.1'), 2::bigint,
          'evidence of 4.4.1: the two current appointments');
SELECT is((SELECT sum(evidence_count)::int FROM cc WHERE org_id = 911), 0, 'an empty register has no evidence');

-- closing the minor NC's finding clause is not possible without actions; a new,
-- later audit of 4.4.2 with only conformity findings changes the result
INSERT INTO scsm.audit (org_id, audit_id, kind, clauses, planned_for, performed_on, lead_auditor, status, conclusion)
VALUES (910, 7, 'internal', '{4.4.2}', current_date - 1, current_date - 1, 3, 'completed', 'better');
SELECT results_eq($$SELECT last_audit_on, last_audit_result FROM scsm.v_clause_conformance
                     WHERE org_id = 910 AND clause::text = '4.4.2'$$,
                  $$VALUES (current_date - 1, 'conforming')$$,
                  'the latest covering audit gives the result');

-- a heading with sub-headings counts as audited once every sub-heading is:
-- its last audit is the oldest of theirs, its result the worst of theirs
INSERT INTO scsm.organization (org_id, name, short_name) VALUES (912, 'Epsilon Depot', 'eps_d');
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (912, 1, 'Eve Auditor');
INSERT INTO scsm.audit (org_id, audit_id, kind, clauses, planned_for, performed_on, lead_auditor, status, conclusion)
VALUES (912, 1, 'internal', '{4.3.1,4.3.2,4.3.3,4.3.4}', current_date - 15, current_date - 15, 1, 'completed', 'fine');
SELECT is((SELECT last_audit_on FROM scsm.v_clause_conformance WHERE org_id = 912 AND clause::text = '4.3'), NULL::date,
          'a heading with one sub-heading never audited has no last audit');
INSERT INTO scsm.audit (org_id, audit_id, kind, clauses, planned_for, performed_on, lead_auditor, status, conclusion)
VALUES (912, 2, 'internal', '{4.3.5}', current_date - 5, current_date - 5, 1, 'completed', 'one minor');
INSERT INTO scsm.audit_finding (org_id, finding_id, audit_id, clause, kind, description)
VALUES (912, 1, 2, '4.3.5', 'minor_nc', 'programme not reviewed');
SELECT results_eq($$SELECT last_audit_on, last_audit_result FROM scsm.v_clause_conformance
                     WHERE org_id = 912 AND clause::text = '4.3'$$,
                  $$VALUES (current_date - 15, 'minor_nc')$$,
                  'once every sub-heading is audited: the oldest of their audits, the worst of their results');
INSERT INTO scsm.audit (org_id, audit_id, kind, clauses, planned_for, performed_on, lead_auditor, status, conclusion)
VALUES (912, 3, 'internal', '{4.3}', current_date - 2, current_date - 2, 1, 'completed', 'fine');
SELECT results_eq($$SELECT last_audit_on, last_audit_result FROM scsm.v_clause_conformance
                     WHERE org_id = 912 AND clause::text = '4.3'$$,
                  $$VALUES (current_date - 2, 'conforming')$$,
                  'a later audit of the heading itself gives the result');
SELECT is((SELECT last_audit_on FROM scsm.v_clause_conformance WHERE org_id = 912 AND clause::text = '4.4'), NULL::date,
          'headings without any audit below stay unaudited');

SELECT * FROM finish();
ROLLBACK;
