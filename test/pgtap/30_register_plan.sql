-- 30_register_plan.sql: rules and constraints of the planning register
-- (4.1 scope, 4.2 policy, 4.3.1 risk, 4.3.3 objectives, 4.3.4 targets,
-- 4.3.5 programmes): rule triggers 23S01-23S03, their side effects, the
-- CHECK / NOT NULL constraints, and foreign keys across organizations.
BEGIN;
SELECT plan(55);
\i test/fixtures/register_fixture.sql
SELECT pg_temp.register_fixture(9001, 'harbour_a');
SELECT pg_temp.register_fixture_other(9002, 'other_b');

-- 4.2 / 23S01: a version becomes current only once endorsed by top management
SELECT lives_ok($$INSERT INTO scsm.policy_version (org_id, policy_id, version, body, commits_to_improvement, commits_to_compliance)
                 VALUES (9001, 1, 2, 'We keep cargo and data secure.', true, true)$$,
    'a draft policy version needs no endorsement');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current' WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S01', 'a policy version cannot become current before top management endorses it',
    'a policy version cannot become current without endorsement');
SELECT throws_ok($$INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement, commits_to_compliance)
                 VALUES (9001, 1, 9, 'Straight to current', 'current', true, true)$$,
    '23S01', 'a policy version cannot become current before top management endorses it',
    'nor be inserted as current without endorsement');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current', endorsed_by = 5, endorsed_on = '2025-02-01'
                   WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S01', 'a policy must be endorsed by an appointed member of top management',
    'endorsement by a person with no appointment is refused');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current', endorsed_by = 3, endorsed_on = '2025-02-01'
                   WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S01', 'a policy must be endorsed by an appointed member of top management',
    'endorsement by an appointed person outside top management is refused');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current', endorsed_by = 1, endorsed_on = '2019-06-01'
                   WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S01', 'a policy must be endorsed by an appointed member of top management',
    'endorsement dated before the top-management appointment is refused');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current', endorsed_by = 50, endorsed_on = '2025-02-01'
                   WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S01', 'a policy must be endorsed by an appointed member of top management',
    'endorsement by a person of another organization is refused');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current', commits_to_compliance = false,
                          endorsed_by = 2, endorsed_on = '2025-02-01'
                   WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23514', 'new row for relation "policy_version" violates check constraint "current_has_commitments"',
    'a current version must commit to improvement and compliance (4.2 f, g)');
SELECT is((SELECT status FROM scsm.policy_version WHERE org_id = 9001 AND policy_id = 1 AND version = 1), 'current',
    'a refused endorsement leaves the previous version current');
SELECT lives_ok($$UPDATE scsm.policy_version SET status = 'current', endorsed_by = 2, endorsed_on = '2025-02-01'
                  WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    'an appointed top-management member endorses version 2');
SELECT is((SELECT status FROM scsm.policy_version WHERE org_id = 9001 AND policy_id = 1 AND version = 1), 'superseded',
    'endorsing version 2 supersedes version 1');
SELECT results_eq($$SELECT effective_from, next_review_due FROM scsm.policy_version
                    WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    $$VALUES ('2025-02-01'::date, '2026-02-01'::date)$$,
    'effective_from defaults to the endorsement date, next review to one review interval later');

-- 23S02: endorsed versions are frozen
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current' WHERE org_id = 9001 AND policy_id = 1 AND version = 1$$,
    '23S02', 'a superseded or withdrawn policy version cannot be brought back',
    'a superseded version cannot become current again');
SELECT throws_ok($$UPDATE scsm.policy_version SET body = 'Edited after endorsement' WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S02', 'the wording of an endorsed policy version cannot change',
    'the wording of the current version cannot change');
SELECT throws_ok($$UPDATE scsm.policy_version SET endorsed_by = 1, endorsed_on = '2025-03-01' WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S02', 'the wording of an endorsed policy version cannot change',
    'the endorsement of the current version cannot be rewritten');
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'draft' WHERE org_id = 9001 AND policy_id = 1 AND version = 2$$,
    '23S02', 'an endorsed policy version cannot return to draft',
    'the current version cannot go back to draft (and be edited there)');
SELECT lives_ok($$INSERT INTO scsm.policy_version (org_id, policy_id, version, body) VALUES (9001, 1, 3, 'First draft');
                  UPDATE scsm.policy_version SET body = 'Second draft' WHERE org_id = 9001 AND policy_id = 1 AND version = 3$$,
    'a draft can be edited');
SELECT throws_ok($$INSERT INTO scsm.policy_version (org_id, policy_id, version, body) VALUES (9002, 1, 1, 'x')$$,
    '23503', 'insert or update on table "policy_version" violates foreign key constraint "policy_version_org_id_policy_id_fkey"',
    'a version of a policy that does not exist is refused');
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (9001, 3, 'Data policy');
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, commits_to_improvement, commits_to_compliance)
VALUES (9001, 3, 1, 'Old draft', true, true),
       (9001, 3, 2, 'New text', true, true);
UPDATE scsm.policy_version SET status = 'current', endorsed_by = 1, endorsed_on = '2025-01-05' WHERE org_id = 9001 AND policy_id = 3 AND version = 2;
SELECT throws_ok($$UPDATE scsm.policy_version SET status = 'current', endorsed_by = 1, endorsed_on = '2025-02-05'
                   WHERE org_id = 9001 AND policy_id = 3 AND version = 1$$,
    '23S02', 'an older policy version cannot replace a newer one',
    'an old draft cannot be endorsed over a newer current version');
SELECT is((SELECT string_agg(version || ':' || status, ' ' ORDER BY version) FROM scsm.policy_version WHERE org_id = 9001 AND policy_id = 3),
    '1:draft 2:current', 'the newer version stays current');
SELECT throws_ok($$INSERT INTO scsm.policy_version (org_id, policy_id, version, body, endorsed_by) VALUES (9001, 1, 4, 'x', 1)$$,
    '23514', 'new row for relation "policy_version" violates check constraint "endorsement_complete"',
    'an endorsement names both who and when');

-- 4.3.3 / 4.3.4 / 23S03: objectives from a policy in force, targets from an active objective
SELECT lives_ok($$INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner) VALUES (9001, 10, 1, 'Screen all drivers', 2)$$,
    'an objective derives from a policy with a current version');
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (9001, 2, 'Draft data policy');
SELECT throws_ok($$INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner) VALUES (9001, 11, 2, 'Encrypt manifests', 2)$$,
    '23S03', 'an objective must derive from a policy that is in force',
    'an objective cannot derive from a policy without a current version');
SELECT throws_ok($$UPDATE scsm.objective SET policy_id = 2 WHERE org_id = 9001 AND objective_id = 10$$,
    '23S03', 'an objective must derive from a policy that is in force',
    'nor be moved to such a policy by UPDATE');
SELECT throws_ok($$INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner) VALUES (9001, 12, 99, 'Nowhere', 2)$$,
    '23503', 'insert or update on table "objective" violates foreign key constraint "objective_org_id_policy_id_fkey"',
    'an objective of a policy that does not exist is refused by the foreign key');
SELECT lives_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, due_date, owner)
                  VALUES (9001, 10, 10, 'Screened drivers', 'drivers screened', 100, '2026-06-30', 2)$$,
    'a measurable target of an active objective');
UPDATE scsm.objective SET status = 'achieved' WHERE org_id = 9001 AND objective_id = 10;
SELECT throws_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, due_date, owner)
                   VALUES (9001, 11, 10, 'Late target', 'x', 1, '2026-06-30', 2)$$,
    '23S03', 'a target must belong to an active objective',
    'a target cannot be added to an achieved objective');
SELECT throws_ok($$UPDATE scsm.target SET objective_id = 10 WHERE org_id = 9001 AND target_id = 1$$,
    '23S03', 'a target must belong to an active objective',
    'nor be moved to one by UPDATE');
SELECT throws_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, due_date, owner)
                   VALUES (9001, 12, 99, 'Orphan', 'x', 1, '2026-06-30', 2)$$,
    '23503', 'insert or update on table "target" violates foreign key constraint "target_org_id_objective_id_fkey"',
    'a target of an objective that does not exist is refused by the foreign key');
SELECT throws_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, target_value, due_date, owner)
                   VALUES (9001, 13, 1, 'No metric', 1, '2026-06-30', 2)$$,
    '23502', 'null value in column "metric" of relation "target" violates not-null constraint',
    'a target needs a metric (4.3.4 b)');
SELECT throws_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, due_date, owner)
                   VALUES (9001, 13, 1, 'No value', 'x', '2026-06-30', 2)$$,
    '23502', 'null value in column "target_value" of relation "target" violates not-null constraint',
    'a target needs a value');
SELECT throws_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, owner)
                   VALUES (9001, 13, 1, 'No date', 'x', 1, 2)$$,
    '23502', 'null value in column "due_date" of relation "target" violates not-null constraint',
    'a target needs a due date');
SELECT throws_ok($$INSERT INTO scsm.target (org_id, target_id, objective_id, title, metric, target_value, due_date, owner)
                   VALUES (9001, 13, 1, 'Empty metric', '', 1, '2026-06-30', 2)$$,
    '23514', 'new row for relation "target" violates check constraint "target_metric_check"',
    'an empty metric is no metric');

-- 4.3.5 programmes: the named target belongs to the programme's objective
SELECT lives_ok($$INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, target_id, responsible, authority, means,
                                             start_date, due_date)
                  VALUES (9001, 10, 'Gate seal programme', 1, 1, 2, 'Budget holder', 'Scanners at both gates', '2025-01-01', '2025-12-31')$$,
    'a programme for an objective and one of its targets');
SELECT throws_ok($$INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, target_id, responsible, authority, means,
                                              start_date, due_date)
                   VALUES (9001, 11, 'Mixed up', 1, 10, 2, 'x', 'y', '2025-01-01', '2025-12-31')$$,
    '23503', 'insert or update on table "programme" violates foreign key constraint "programme_org_id_objective_id_target_id_fkey"',
    'a programme cannot pair an objective with a target of another objective');
SELECT throws_ok($$INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, responsible, authority, means,
                                              start_date, due_date)
                   VALUES (9001, 13, 'For a done objective', 10, 2, 'x', 'y', '2025-01-01', '2025-12-31')$$,
    '23S03', 'a programme must belong to an active objective',
    'a programme cannot serve an achieved objective');
SELECT throws_ok($$UPDATE scsm.programme SET objective_id = 10, target_id = NULL WHERE org_id = 9001 AND programme_id = 10$$,
    '23S03', 'a programme must belong to an active objective',
    'nor be moved to one by UPDATE');
SELECT throws_ok($$INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, responsible, authority, means,
                                              start_date, due_date)
                   VALUES (9001, 12, 'Backwards', 1, 2, 'x', 'y', '2025-12-31', '2025-01-01')$$,
    '23514', 'new row for relation "programme" violates check constraint "programme_period"',
    'a programme ends after it starts (4.3.5 b time-scale)');

-- 4.3.1 risks: residual never above inherent; review dates
SELECT throws_ok($$INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence,
                                         residual_likelihood, residual_consequence)
                   VALUES (9001, 11, 1, 'Worse after controls', 2, 3, 3, 4, 2)$$,
    '23514', 'new row for relation "risk" violates check constraint "residual_not_above_inherent"',
    'residual likelihood above inherent is refused');
SELECT throws_ok($$UPDATE scsm.risk SET residual_likelihood = 2, residual_consequence = 6 WHERE org_id = 9001 AND risk_id = 1$$,
    '23514', 'new row for relation "risk" violates check constraint "residual_not_above_inherent"',
    'residual consequence above inherent is refused on UPDATE too');
SELECT throws_ok($$UPDATE scsm.risk SET residual_likelihood = 2 WHERE org_id = 9001 AND risk_id = 1$$,
    '23514', 'new row for relation "risk" violates check constraint "residual_pair"',
    'a residual rating names likelihood and consequence');
SELECT lives_ok($$INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, assessed_on, review_interval)
                  VALUES (9001, 10, 1, 'Insider theft', 2, 3, 4, '2025-03-01', '6 months')$$,
    'a risk without a review date');
SELECT is((SELECT next_review_due FROM scsm.risk WHERE org_id = 9001 AND risk_id = 10), '2025-09-01'::date,
    'next_review_due defaults to assessed_on + review_interval');
SELECT lives_ok($$INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, assessed_on, next_review_due)
                  VALUES (9001, 12, 1, 'Chosen date', 2, 3, 4, '2025-03-01', '2025-05-01')$$,
    'a risk with its own review date');
SELECT is((SELECT next_review_due FROM scsm.risk WHERE org_id = 9001 AND risk_id = 12), '2025-05-01'::date,
    'an explicit next_review_due is kept');
UPDATE scsm.risk SET needs_review = true WHERE org_id = 9001 AND risk_id = 1;
UPDATE scsm.risk SET assessed_on = '2025-06-01' WHERE org_id = 9001 AND risk_id = 1;
SELECT results_eq($$SELECT next_review_due, needs_review FROM scsm.risk WHERE org_id = 9001 AND risk_id = 1$$,
    $$VALUES ('2026-06-01'::date, false)$$,
    'a reassessment moves the next review and clears the review flag');
SELECT throws_ok($$UPDATE scsm.risk SET likelihood = 11 WHERE org_id = 9001 AND risk_id = 1$$,
    '23514', 'new row for relation "risk" violates check constraint "risk_likelihood_check"',
    'likelihood is on the 1..10 scale');

-- one organization's rows never reference another's
SELECT throws_ok($$INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) VALUES (9001, 20, 1, 'x', 50, 1, 1)$$,
    '23503', 'insert or update on table "risk" violates foreign key constraint "risk_org_id_owner_fkey"',
    'a risk cannot be owned by a person of another organization');
SELECT throws_ok($$INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, site_id) VALUES (9001, 20, 1, 'x', 2, 1, 1, 50)$$,
    '23503', 'insert or update on table "risk" violates foreign key constraint "risk_org_id_site_id_fkey"',
    'a risk cannot sit at a site of another organization');
SELECT throws_ok($$INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) VALUES (9001, 20, 50, 'x', 2, 1, 1)$$,
    '23503', 'insert or update on table "risk" violates foreign key constraint "risk_org_id_threat_id_fkey"',
    'a risk cannot assess a threat of another organization');
SELECT throws_ok($$UPDATE scsm.risk SET node_id = 50 WHERE org_id = 9001 AND risk_id = 1$$,
    '23503', 'insert or update on table "risk" violates foreign key constraint "risk_org_id_node_id_fkey"',
    'a risk cannot be moved to a supply-chain node of another organization');
SELECT throws_ok($$INSERT INTO scsm.objective_input (org_id, objective_id, input_kind, risk_id) VALUES (9001, 1, 'risk', 50)$$,
    '23503', 'insert or update on table "objective_input" violates foreign key constraint "objective_input_org_id_risk_id_fkey"',
    'an objective cannot take a risk of another organization into account');
SELECT throws_ok($$INSERT INTO scsm.objective_input (org_id, objective_id, input_kind) VALUES (9001, 1, 'legal')$$,
    '23514', 'new row for relation "objective_input" violates check constraint "input_reference"',
    'a legal input names the requirement (4.3.3 a)');

-- 4.1 scope and outsourced processes
SELECT throws_ok($$INSERT INTO scsm.scope (org_id, revision, description, approved_by) VALUES (9001, 1, 'Both sites', 1)$$,
    '23514', 'new row for relation "scope" violates check constraint "scope_approval_complete"',
    'a scope approval names both who and when');
SELECT throws_ok($$INSERT INTO scsm.outsourced_process (org_id, name, provider, controls, responsible) VALUES (9001, 'Guarding', 'SecureCo', 'Contract KPIs', 50)$$,
    '23503', 'insert or update on table "outsourced_process" violates foreign key constraint "outsourced_process_org_id_responsible_fkey"',
    'an outsourced process answers to a person of the same organization');

SELECT pg_temp.register_fixture_end();
SELECT * FROM finish();
ROLLBACK;
