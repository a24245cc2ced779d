-- v_management_review_input: the 4.6 a)-h) pack on a small hand-built register.
-- The last review was held 200 days ago, so "since" is current_date - 200;
-- each item has rows before and after that day to prove the window.
BEGIN;
SELECT plan(22);

INSERT INTO scsm.organization (org_id, name, short_name) VALUES (920, 'Epsilon 3PL', 'epsilon_3pl'), (921, 'Zeta New', 'zeta_n');
INSERT INTO scsm.site (org_id, site_id, name) VALUES (920, 1, 'Hub');
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (920, 1, 'Ann Boss'), (920, 2, 'Bob Staff'), (920, 3, 'Ivy Audit');
INSERT INTO scsm.role (org_id, role_id, name, responsibilities, authority, is_top_management)
VALUES (920, 1, 'Boss', 'all', 'all', true);
INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from) VALUES (920, 1, 1, current_date - 900);

-- Reviews: R0 600 days ago, R1 (the last) 200 days ago.
INSERT INTO scsm.management_review (org_id, review_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due) VALUES
    (920, 10, current_date - 600, 1, 'ok', 'ok', 'ok', current_date - 235),
    (920, 11, current_date - 200, 1, 'ok', 'ok', 'ok', current_date + 165);
INSERT INTO scsm.management_review_output (org_id, output_id, review_id, kind, subject, description, owner, due_on) VALUES
    (920, 100, 10, 'action', 'resources', 'R0 done action', 1, current_date - 550),
    (920, 101, 10, 'action', 'resources', 'R0 forgotten action', 1, current_date - 500),
    (920, 102, 10, 'improvement', 'other_element', 'R0 improvement', NULL, NULL),
    (920, 110, 11, 'action', 'targets', 'R1 action nobody took up', 1, current_date - 10),
    (920, 111, 11, 'action', 'resources', 'R1 action in progress', 1, current_date + 10),
    (920, 112, 11, 'decision', 'policy', 'R1 keep the policy', NULL, NULL),
    (920, 113, 11, 'improvement', 'objectives', 'R1 sharper objectives', NULL, NULL);
-- Actions: R0's action done (closed, old); R1's in progress; a recent cancelled
-- one; an overdue preventive one.
INSERT INTO scsm.corrective_action (org_id, action_id, kind, review_output_id, description, owner, due_on, status,
                                    risk_reviewed_on, risk_review, implemented_on, effectiveness_checked_on, effective, created_at)
VALUES (920, 1, 'corrective', 100, 'done', 1, current_date - 550, 'closed',
        current_date - 580, 'ok', current_date - 560, current_date - 540, true, now() - interval '590 days');
INSERT INTO scsm.corrective_action (org_id, action_id, kind, review_output_id, description, owner, due_on, status, created_at) VALUES
    (920, 2, 'corrective', 111, 'in progress', 1, current_date + 10, 'proposed', now()),
    (920, 3, 'preventive', NULL, 'dropped', 1, current_date + 10, 'cancelled', now()),
    (920, 4, 'preventive', NULL, 'late', 1, current_date - 3, 'proposed', now() - interval '300 days');

-- a) audits and compliance evaluations
INSERT INTO scsm.audit (org_id, audit_id, clauses, planned_for, performed_on, lead_auditor, status, conclusion) VALUES
    (920, 1, '{4}', current_date - 100, current_date - 100, 3, 'completed', 'ok'),
    (920, 2, '{4}', current_date - 300, current_date - 300, 3, 'completed', 'ok');
INSERT INTO scsm.audit_finding (org_id, audit_id, clause, kind, description) VALUES
    (920, 1, '4.4.2', 'minor_nc', 'x'), (920, 1, '4.5.1', 'opportunity', 'y'), (920, 2, '4.2', 'major_nc', 'old');
INSERT INTO scsm.legal_requirement (org_id, legal_id, title, kind, reference, how_it_applies, owner, last_reviewed_on, created_at) VALUES
    (920, 1, 'New customs rule', 'regulatory', 'CR-1', 'declarations', 1, current_date - 20, now()),
    (920, 2, 'Old law re-read', 'legal', 'L-2', 'gate', 1, current_date - 30, now() - interval '400 days'),
    (920, 3, 'Old law untouched', 'legal', 'L-3', 'gate', 1, current_date - 300, now() - interval '400 days');
INSERT INTO scsm.evaluation (org_id, kind, subject, performed_on, performed_by, legal_id, conforming, findings, procedure_change_needed) VALUES
    (920, 'legal_compliance', 'customs', current_date - 50, 2, 1, false, 'late filings', false),
    (920, 'legal_compliance', 'old check', current_date - 250, 2, 2, true, 'fine', false),
    (920, 'test', 'alarm test', current_date - 50, 2, NULL, true, 'slow siren', true),
    (920, 'lessons_learned', 'after theft', current_date - 40, 2, NULL, true, 'lock earlier', false);

-- b) communications
INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, is_complaint, occurred_on, sensitivity) VALUES
    (920, 'inbound', 'customer', 'ShipCo', 'late box', true, current_date - 20, 'internal'),
    (920, 'inbound', 'authority', 'Customs', 'new form', false, current_date - 30, 'internal'),
    (920, 'inbound', 'employee', 'Bob', 'idea', false, current_date - 30, 'internal'),
    (920, 'outbound', 'public', 'Press', 'statement', false, current_date - 30, 'public'),
    (920, 'inbound', 'supplier', 'FenceCo', 'old note', false, current_date - 300, 'internal');

-- c) performance
INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, severity) VALUES
    (920, 'near_miss', 'nm', 'x', now() - interval '10 days', 1),
    (920, 'incident', 'theft', 'x', now() - interval '20 days', 3),
    (920, 'false_alarm', 'fa', 'x', now() - interval '300 days', 1);
INSERT INTO scsm.kpi (org_id, kpi_id, name, measure_kind, orientation, frequency, threshold, direction, owner) VALUES
    (920, 1, 'On-time seals', 'quantitative', 'proactive', '1 month', 95, 'at_least', 2),
    (920, 2, 'Thefts', 'quantitative', 'reactive', '1 month', 0, 'at_most', 2);
INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value) VALUES
    (920, 1, now() - interval '250 days', 99), (920, 1, now() - interval '40 days', 97), (920, 2, now() - interval '5 days', 1);

-- d) objectives and targets
INSERT INTO scsm.policy (org_id, policy_id, title) VALUES (920, 1, 'Policy');
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement, commits_to_compliance, endorsed_by, endorsed_on)
VALUES (920, 1, 1, 'text', 'current', true, true, 1, current_date - 800);
INSERT INTO scsm.objective (org_id, objective_id, policy_id, title, owner) VALUES (920, 1, 1, 'Fewer thefts', 2);
INSERT INTO scsm.target (org_id, objective_id, title, metric, target_value, due_date, owner, status) VALUES
    (920, 1, 'met recently', 'm', 1, current_date - 50, 2, 'met'),
    (920, 1, 'missed recently', 'm', 1, current_date - 60, 2, 'missed'),
    (920, 1, 'open late', 'm', 1, current_date - 5, 2, 'open'),
    (920, 1, 'open in time', 'm', 1, current_date + 50, 2, 'open'),
    (920, 1, 'met long ago', 'm', 1, current_date - 300, 2, 'met'),
    (920, 1, 'withdrawn', 'm', 1, current_date - 10, 2, 'withdrawn');

-- g) changing circumstances (legal requirements above), change request, threats, risks
INSERT INTO scsm.change_request (org_id, title, kind, description, requested_by) VALUES
    (920, 'New scanner', 'infrastructure_technology', 'x', 2);
INSERT INTO scsm.change_request (org_id, title, kind, description, requested_by, created_at) VALUES
    (920, 'Old change', 'process', 'x', 2, now() - interval '300 days');
INSERT INTO scsm.threat (org_id, threat_id, category, title, identified_on) VALUES
    (920, 1, 'a', 'Old threat', current_date - 500), (920, 2, 'g', 'Phishing', current_date - 10);
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, assessed_on, created_at) VALUES
    (920, 1, 1, 'new risk', 2, 3, 3, current_date, now()),
    (920, 2, 1, 're-assessed risk', 2, 3, 3, current_date - 20, now() - interval '400 days'),
    (920, 3, 1, 'untouched risk', 2, 3, 3, current_date - 300, now() - interval '400 days');

CREATE TEMP TABLE mr AS SELECT * FROM scsm.v_management_review_input WHERE org_id IN (920, 921);

SELECT set_eq($$SELECT item, clause::text FROM mr WHERE org_id = 920$$,
              $$VALUES ('a', '4.6.a'), ('b', '4.6.b'), ('c', '4.6.c'), ('d', '4.6.d'),
                       ('e', '4.6.e'), ('f', '4.6.f'), ('g', '4.6.g'), ('h', '4.6.h')$$,
              'one row per input a) to h) of 4.6');
SELECT is((SELECT count(DISTINCT since)::int FROM mr WHERE org_id = 920 AND since = current_date - 200), 1,
          'since is the day of the last management review for every item');
SELECT is((SELECT count(*)::int FROM mr WHERE org_id = 921 AND since = (current_date - interval '12 months')::date), 8,
          'without any review, since is 12 months back');
SELECT is((SELECT count(*)::int FROM mr WHERE org_id = 920 AND heading IS NOT NULL AND heading <> ''), 8,
          'every item has a heading');

-- a)
SELECT is((SELECT item_count FROM mr WHERE org_id = 920 AND item = 'a'), 2::bigint,
          'a) one audit and one compliance evaluation since the last review');
SELECT is((SELECT summary->'findings' FROM mr WHERE org_id = 920 AND item = 'a'),
          '{"major_nc": 0, "minor_nc": 1, "observation": 0, "opportunity": 1, "conformity": 0}'::jsonb,
          'a) findings by kind of the audits since');
SELECT is((SELECT summary->'compliance_evaluations_not_conforming' FROM mr WHERE org_id = 920 AND item = 'a'), '1'::jsonb,
          'a) the evaluation that found non-compliance');
-- b)
SELECT results_eq($$SELECT item_count, (summary->>'complaints')::int, (summary->>'complaints_unanswered')::int
                      FROM mr WHERE org_id = 920 AND item = 'b'$$,
                  $$VALUES (2::bigint, 1, 1)$$,
                  'b) inbound from outside parties since: employees, outbound and older ones left out');
-- c)
SELECT is((SELECT summary->'incidents_by_kind' FROM mr WHERE org_id = 920 AND item = 'c'),
          '{"incident": 1, "emergency": 0, "failure": 0, "near_miss": 1, "false_alarm": 0}'::jsonb,
          'c) incidents by kind since the last review');
SELECT is((SELECT item_count FROM mr WHERE org_id = 920 AND item = 'c'), 4::bigint,
          'c) two measurements and two incidents since');
SELECT is((SELECT summary->'kpis'->'breached' FROM mr WHERE org_id = 920 AND item = 'c'), '1'::jsonb,
          'c) KPI status: the theft KPI is breached');
-- d)
SELECT results_eq($$SELECT item_count, (summary->>'targets_met')::int, (summary->>'targets_missed')::int,
                           (summary->>'targets_open')::int, (summary->>'targets_open_past_due')::int
                      FROM mr WHERE org_id = 920 AND item = 'd'$$,
                  $$VALUES (4::bigint, 1, 1, 2, 1)$$,
                  'd) targets due since or still open: met, missed, open, open past due');
-- e)
SELECT results_eq($$SELECT item_count, (summary->'by_status'->>'proposed')::int, (summary->'by_status'->>'cancelled')::int,
                           (summary->'by_status'->>'closed')::int, (summary->>'overdue')::int
                      FROM mr WHERE org_id = 920 AND item = 'e'$$,
                  $$VALUES (3::bigint, 2, 1, 0, 1)$$,
                  'e) actions open or raised since; the old closed one is left out');
-- f)
SELECT results_eq($$SELECT item_count, (summary->>'actions')::int, (summary->>'actions_in_progress')::int,
                           (summary->>'actions_without_follow_up')::int, (summary->>'actions_past_due')::int,
                           (summary->>'decisions')::int, (summary->>'last_review_id')::int
                      FROM mr WHERE org_id = 920 AND item = 'f'$$,
                  $$VALUES (5::bigint, 3, 1, 2, 2, 1, 11)$$,
                  'f) outputs of the last review plus undone actions of earlier ones');
-- g)
SELECT results_eq($$SELECT (summary->>'legal_requirements_new')::int, (summary->>'legal_requirements_reviewed')::int,
                           (summary->>'change_requests')::int, (summary->>'threats_new')::int,
                           (summary->>'risks_new')::int, (summary->>'risks_reassessed')::int, item_count
                      FROM mr WHERE org_id = 920 AND item = 'g'$$,
                  $$VALUES (1, 1, 1, 1, 1, 1, 6::bigint)$$,
                  'g) new and re-reviewed legal requirements, changes, new threats, new and re-assessed risks');
-- h)
SELECT results_eq($$SELECT (summary->>'audit_opportunities')::int, (summary->>'lessons_learned')::int,
                           (summary->>'review_improvements')::int, item_count
                      FROM mr WHERE org_id = 920 AND item = 'h'$$,
                  $$VALUES (1, 2, 1, 4::bigint)$$,
                  'h) audit opportunities, lessons learned, improvements of the last review');

SELECT is((SELECT sum(item_count)::int FROM mr WHERE org_id = 921), 0, 'an empty register gives an empty pack');

-- A new review moves "since" and empties the window.
INSERT INTO scsm.management_review (org_id, review_id, held_on, chair, suitability, adequacy, effectiveness, next_review_due)
VALUES (920, 12, current_date, 1, 'ok', 'ok', 'ok', current_date + 365);
SELECT is((SELECT since FROM scsm.v_management_review_input WHERE org_id = 920 AND item = 'a'), current_date,
          'since follows the latest review');
SELECT is((SELECT item_count FROM scsm.v_management_review_input WHERE org_id = 920 AND item = 'a'), 0::bigint,
          'a) nothing audited since today''s review');
SELECT is((SELECT summary->>'last_review_id' FROM scsm.v_management_review_input WHERE org_id = 920 AND item = 'f'), '12',
          'f) refers to the new last review');
SELECT is((SELECT (summary->>'actions')::int FROM scsm.v_management_review_input WHERE org_id = 920 AND item = 'f'), 3,
          'f) the three undone actions of earlier reviews still need follow-up');
SELECT is((SELECT (summary->'by_status'->>'proposed')::int FROM scsm.v_management_review_input WHERE org_id = 920 AND item = 'e'), 2,
          'e) open actions stay in the pack whatever their age');

SELECT * FROM finish();
ROLLBACK;
