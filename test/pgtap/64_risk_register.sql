-- The risk engine wired to the register (sql/install/64_risk_register.sql):
-- scoring register risks, re-scoring on input and control changes, review
-- flags on level changes, the register and heat-map views, and RLS through
-- them.  Expected levels are worked out by hand from docs/risk.md on the 5x5
-- preset (level of L*C: 1-4 low, 5-9 medium, 10-15 high, 16-25 critical;
-- appetite low, tolerance medium).
BEGIN;
SELECT plan(67);

SELECT scsm.create_organization('Risk Register Port', 'tap_rr', 'port') AS org \gset
SELECT scsm.create_organization('Other Port', 'tap_rr_other', 'port') AS other \gset

CREATE TEMP TABLE ids (k text PRIMARY KEY, v bigint);
GRANT SELECT ON ids TO PUBLIC;
CREATE FUNCTION pg_temp.id(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT v FROM ids WHERE k = $1 $$;

DO $$
DECLARE
    o bigint := (SELECT org_id FROM scsm.organization WHERE short_name = 'tap_rr');
    x bigint := (SELECT org_id FROM scsm.organization WHERE short_name = 'tap_rr_other');
    site bigint; boss bigint; clerk bigint; top_role bigint; gate_role bigint; comp bigint; comp2 bigint;
    pol bigint; thr bigint; doc bigint; proc bigint; obj bigint; prg bigint; prg2 bigint;
BEGIN
    INSERT INTO scsm.site (org_id, name) VALUES (o, 'Quay') RETURNING site_id INTO site;
    INSERT INTO scsm.person (org_id, full_name) VALUES (o, 'Boss') RETURNING person_id INTO boss;
    INSERT INTO scsm.person (org_id, full_name) VALUES (o, 'Clerk') RETURNING person_id INTO clerk;
    INSERT INTO scsm.role (org_id, name, responsibilities, authority, is_top_management, is_sms_lead)
    VALUES (o, 'Director', 'All', 'All', true, true) RETURNING role_id INTO top_role;
    INSERT INTO scsm.role (org_id, name, responsibilities, authority)
    VALUES (o, 'Gate clerk', 'Gate', 'Refuse entry') RETURNING role_id INTO gate_role;
    INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from) VALUES (o, top_role, boss, '2020-01-01');
    INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from) VALUES (o, gate_role, clerk, '2020-01-01');
    INSERT INTO scsm.competence (org_id, name) VALUES (o, 'Gate control') RETURNING competence_id INTO comp;
    INSERT INTO scsm.competence (org_id, name) VALUES (o, 'Unrelated') RETURNING competence_id INTO comp2;
    INSERT INTO scsm.role_competence (org_id, role_id, competence_id) VALUES (o, gate_role, comp);
    INSERT INTO scsm.policy (org_id, title) VALUES (o, 'Policy') RETURNING policy_id INTO pol;
    INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement,
                                     commits_to_compliance, endorsed_by, endorsed_on)
    VALUES (o, pol, 1, 'We protect the chain', 'current', true, true, boss, '2025-01-10');
    INSERT INTO scsm.threat (org_id, category, title) VALUES (o, 'a', 'Theft') RETURNING threat_id INTO thr;
    INSERT INTO scsm.document (org_id, code, title, kind, owner) VALUES (o, 'P-1', 'Gate', 'procedure', boss)
    RETURNING document_id INTO doc;
    INSERT INTO scsm.procedure (org_id, title, operation, purpose, document_id, owner)
    VALUES (o, 'Gate', 'Gate entry', 'significant_risk', doc, boss) RETURNING procedure_id INTO proc;

    INSERT INTO ids VALUES ('site', site), ('boss', boss), ('clerk', clerk), ('comp', comp), ('proc', proc), ('thr', thr);
    -- R1: L 4, C 4 (no dimensions); R2: L 2, dimensions people 2, stakeholder 3 (C 3), confidential
    WITH z AS (INSERT INTO scsm.risk (org_id, threat_id, title, site_id, owner, likelihood, consequence)
        VALUES (o, thr, 'Cargo theft', site, boss, 4, 4) RETURNING risk_id) INSERT INTO ids SELECT 'r1', risk_id FROM z;
    WITH z AS (INSERT INTO scsm.risk (org_id, threat_id, title, owner, likelihood, consequence,
        consequences, sensitivity)
        VALUES (o, thr, 'Fraud', boss, 2, 3, '{"people": 2, "stakeholder": 3}', 'confidential') RETURNING risk_id) INSERT INTO ids SELECT 'r2', risk_id FROM z;
    -- C1 implemented 0.5 (owner clerk, with a procedure); C2 planned 0.6 (owner boss)
    WITH z AS (INSERT INTO scsm.control (org_id, title, kind, owner, effectiveness, status, procedure_id)
        VALUES (o, 'Seals', 'procedural', clerk, 0.5, 'implemented', proc) RETURNING control_id) INSERT INTO ids SELECT 'c1', control_id FROM z;
    WITH z AS (INSERT INTO scsm.control (org_id, title, kind, owner, effectiveness, status)
        VALUES (o, 'Fence', 'physical', boss, 0.6, 'planned') RETURNING control_id) INSERT INTO ids SELECT 'c2', control_id FROM z;
    WITH z AS (INSERT INTO scsm.control (org_id, title, kind, owner, effectiveness, status)
        VALUES (o, 'Insurance', 'contractual', boss, 0.5, 'implemented') RETURNING control_id) INSERT INTO ids SELECT 'c3', control_id FROM z;
    INSERT INTO scsm.risk_control (org_id, risk_id, control_id) VALUES (o, pg_temp.id('r1'), pg_temp.id('c1')), (o, pg_temp.id('r1'), pg_temp.id('c2'));
    INSERT INTO scsm.objective (org_id, policy_id, title, owner) VALUES (o, pol, 'Less theft', boss) RETURNING objective_id INTO obj;
    INSERT INTO scsm.objective_input (org_id, objective_id, input_kind, risk_id) VALUES (o, obj, 'risk', pg_temp.id('r1'));
    INSERT INTO scsm.programme (org_id, title, objective_id, responsible, authority, means, due_date)
    VALUES (o, 'Fence programme', obj, boss, 'Budget', 'Contractor', '2030-01-01') RETURNING programme_id INTO prg;
    INSERT INTO scsm.programme (org_id, title, objective_id, responsible, authority, means, due_date)
    VALUES (o, 'Done programme', obj, boss, 'Budget', 'Contractor', '2030-01-01') RETURNING programme_id INTO prg2;
    UPDATE scsm.programme SET status = 'completed' WHERE org_id = o AND programme_id = prg2;
    INSERT INTO scsm.programme_measure (org_id, programme_id, title, risk_id, cost) VALUES (o, prg, 'New fence', pg_temp.id('r1'), 100);
    INSERT INTO ids VALUES ('obj', obj), ('prg', prg), ('prg2', prg2);

    -- the other organization: one scored risk
    INSERT INTO scsm.person (org_id, person_id, full_name) OVERRIDING SYSTEM VALUE VALUES (x, 1, 'Other boss');
    INSERT INTO scsm.threat (org_id, threat_id, category, title) OVERRIDING SYSTEM VALUE VALUES (x, 1, 'b', 'Other threat');
    INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) OVERRIDING SYSTEM VALUE
    VALUES (x, 1, 1, 'Other risk', 1, 5, 5);
    PERFORM scsm.score_risks(x);
END
$$;
SELECT v AS r1 FROM ids WHERE k = 'r1' \gset
SELECT v AS r2 FROM ids WHERE k = 'r2' \gset
SELECT version_id AS preset FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
 WHERE m.builtin AND m.name = '5x5 product bands' \gset

-- 1. method
SELECT is(scsm.risk_matrix_for(:org), :preset::bigint, 'an organization without a method scores on the 5x5 preset');

-- 2. scoring a register risk
SELECT scsm.score_risk(:org, :r1) AS s1 \gset
SELECT is((SELECT (org_id, risk_id, matrix_version_id, method) FROM scsm.risk_score WHERE score_id = :s1),
          ROW(:org::bigint, :r1::bigint, :preset::bigint, 'scsm.matrix'::text), 'the score is stored for the risk on the preset');
SELECT is((SELECT inputs FROM scsm.risk_score WHERE score_id = :s1),
          '{"likelihood": 4, "consequence": 4, "preventive": [0.5], "corrective": []}'::jsonb,
          'inputs: likelihood, consequence, only implemented controls (preventive by default)');
SELECT is((SELECT matches FROM scsm.rescore_check(:s1)), true, 'the stored score re-derives');
SELECT is((SELECT (level, residual_likelihood, residual_consequence, residual_level, treatment)::text
             FROM scsm.risk WHERE org_id = :org AND risk_id = :r1),
          '(critical,2,4,medium,control)', 'levels written back: 4x4 critical; L ceil(4*0.5)=2, 2x4 medium, control');
SELECT is((SELECT count(*) FROM scsm.review_flag WHERE org_id = :org), 0::bigint, 'a first assessment raises no flags');

SELECT scsm.score_risk(:org, :r2) AS s2 \gset
SELECT is((SELECT inputs->'consequences' FROM scsm.risk_score WHERE score_id = :s2),
          '{"people": 2, "reputation": 3}'::jsonb, 'dimensions: the register''s stakeholder is the engine''s reputation');
SELECT is((SELECT (level, residual_level, treatment)::text FROM scsm.risk WHERE org_id = :org AND risk_id = :r2),
          '(medium,medium,control)', 'worst dimension 3, 2x3 medium; no controls, residual = inherent');

-- 3. a controls change re-scores (the fence is implemented)
UPDATE scsm.control SET status = 'implemented' WHERE org_id = :org AND control_id = pg_temp.id('c2');
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1), 2::bigint,
          'implementing a control re-scores the risk it treats (a new score row)');
SELECT max(score_id) AS s3 FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1 \gset
SELECT is((SELECT inputs->'preventive' FROM scsm.risk_score WHERE score_id = :s3), '[0.5, 0.6]'::jsonb, 'both controls count now');
SELECT is((SELECT matches FROM scsm.rescore_check(:s3)), true, 'the new score re-derives');
SELECT is((SELECT result FROM scsm.risk_score WHERE score_id = :s1),
          scsm.risk_score_compute(:preset, '{"likelihood": 4, "consequence": 4, "preventive": [0.5], "corrective": []}'),
          'the earlier score is left as it was');
SELECT is((SELECT (residual_likelihood, residual_level, treatment)::text FROM scsm.risk WHERE org_id = :org AND risk_id = :r1),
          '(1,low,accept)', 'E = 1-(0.5)(0.4) = 0.8, L ceil(0.8)=1, 1x4 low, accept');

-- 4. the level change flags what the risk feeds
SELECT set_eq(format('SELECT ref_table, ref_id FROM scsm.review_flag WHERE org_id = %s AND risk_id = %s AND cleared_at IS NULL', :org, :r1),
              $$VALUES ('objective', pg_temp.id('obj')), ('programme', pg_temp.id('prg')),
                       ('control', pg_temp.id('c1')), ('control', pg_temp.id('c2')),
                       ('procedure', pg_temp.id('proc')), ('competence', pg_temp.id('comp'))$$,
              'flags: the objective, the active programme, both controls, the procedure, the control owner''s role competence');
SELECT ok((SELECT bool_and(reason LIKE '%residual level medium -> low%' AND score_id = :s3) FROM scsm.review_flag
            WHERE org_id = :org AND risk_id = :r1), 'each flag gives the level change and the score that caused it');
SELECT ok((SELECT reason LIKE '%role(s) Gate clerk%' FROM scsm.review_flag
            WHERE org_id = :org AND ref_table = 'competence'), 'the training need names the role that requires it');
SELECT is((SELECT needs_review FROM scsm.programme WHERE org_id = :org AND programme_id = pg_temp.id('prg')), true,
          'the programme is marked for review');
SELECT is((SELECT needs_review FROM scsm.programme WHERE org_id = :org AND programme_id = pg_temp.id('prg2')), false,
          'a completed programme is not');
SELECT lives_ok(format('SELECT scsm.clear_review_flag(%s, (SELECT min(flag_id) FROM scsm.review_flag WHERE org_id = %s))', :org, :org),
                'a flag can be cleared');
SELECT is((SELECT count(*) FROM scsm.review_flag WHERE org_id = :org AND cleared_at IS NOT NULL AND cleared_by = current_user),
          1::bigint, 'the cleared flag stays, with who cleared it');
SELECT throws_ok(format('SELECT scsm.clear_review_flag(%s, -1)', :org), '42704', NULL, 'clearing an unknown flag: 42704');

-- 5. no change, no score; link changes re-score; the risk's own inputs re-score before the write
UPDATE scsm.control SET description = 'Now with lights' WHERE org_id = :org AND control_id = pg_temp.id('c2');
UPDATE scsm.control SET effectiveness = 0.6 WHERE org_id = :org AND control_id = pg_temp.id('c2');
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1), 2::bigint,
          'a change that does not touch the inputs stores no score');
INSERT INTO scsm.risk_control (org_id, risk_id, control_id, reduces) VALUES (:org, :r1, pg_temp.id('c3'), 'consequence');
SELECT is((SELECT inputs->'corrective' FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1 ORDER BY score_id DESC LIMIT 1),
          '[0.5]'::jsonb, 'linking a corrective control re-scores with it');
SELECT is((SELECT residual_consequence FROM scsm.risk WHERE org_id = :org AND risk_id = :r1), 2::smallint,
          'the corrective control lowers the consequence: ceil(4*0.5) = 2');
UPDATE scsm.risk_control SET effectiveness = 0.25 WHERE org_id = :org AND risk_id = :r1 AND control_id = pg_temp.id('c3');
SELECT is((SELECT inputs->'corrective' FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1 ORDER BY score_id DESC LIMIT 1),
          '[0.25]'::jsonb, 'a per-risk effectiveness overrides the control''s own');
DELETE FROM scsm.risk_control WHERE org_id = :org AND risk_id = :r1 AND control_id = pg_temp.id('c3');
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1), 5::bigint,
          'unlinking a control re-scores too');
SELECT lives_ok(format('UPDATE scsm.risk SET likelihood = 1, consequence = 2 WHERE org_id = %s AND risk_id = %s', :org, :r1),
                'lowering likelihood below the old residual works: the score comes before the write');
SELECT is((SELECT (level, residual_likelihood, residual_consequence, residual_level)::text
             FROM scsm.risk WHERE org_id = :org AND risk_id = :r1),
          '(low,1,2,low)', '1x2 low; residual (1,2) low');
SELECT is((SELECT inputs FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1 ORDER BY score_id DESC LIMIT 1),
          '{"likelihood": 1, "consequence": 2, "preventive": [0.5, 0.6], "corrective": []}'::jsonb,
          'the score holds the new inputs');
SELECT is((SELECT count(*) FROM scsm.review_flag WHERE org_id = :org AND risk_id = :r1 AND reason LIKE '%inherent level critical -> low%'),
          6::bigint, 'the inherent change raised a second round of flags');
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1 AND NOT (scsm.rescore_check(score_id)).matches),
          0::bigint, 'every stored score of the risk re-derives');
UPDATE scsm.risk SET title = 'Cargo theft at the quay' WHERE org_id = :org AND risk_id = :r1;
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1), 6::bigint,
          'a title change stores no score');

-- 6. risks never assessed are left to their first explicit assessment
WITH z AS (INSERT INTO scsm.risk (org_id, threat_id, title, owner, likelihood, consequence)
    VALUES (:org, pg_temp.id('thr'), 'Not yet assessed', pg_temp.id('boss'), 3, 3) RETURNING risk_id) INSERT INTO ids SELECT 'r3', risk_id FROM z;
INSERT INTO scsm.risk_control (org_id, risk_id, control_id) VALUES (:org, pg_temp.id('r3'), pg_temp.id('c1'));
UPDATE scsm.risk SET likelihood = 4 WHERE org_id = :org AND risk_id = pg_temp.id('r3');
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = pg_temp.id('r3')), 0::bigint,
          'a risk that was never assessed is not scored by the triggers');
SELECT is((SELECT level FROM scsm.risk WHERE org_id = :org AND risk_id = pg_temp.id('r3')), NULL, '... and has no level');

-- 7. errors
SELECT throws_ok(format('SELECT scsm.score_risk(%s, -1)', :org), '42704', NULL, 'unknown risk: 42704');
SELECT throws_ok('SELECT scsm.score_risk(NULL, 1)', '22004', NULL, 'NULL argument: 22004');
WITH z AS (INSERT INTO scsm.risk (org_id, threat_id, title, owner, likelihood, consequence, consequences)
    VALUES (:org, pg_temp.id('thr'), 'Inconsistent', pg_temp.id('boss'), 3, 2, '{"people": 4}') RETURNING risk_id) INSERT INTO ids SELECT 'r4', risk_id FROM z;
SELECT throws_ok(format('SELECT scsm.score_risk(%s, %s)', :org, pg_temp.id('r4')), '23514', NULL,
                 'a consequence below the worst dimension: 23514');
SELECT throws_ok(format('SELECT scsm.score_risk(%s, %s)', :org, pg_temp.id('r4') + 1000), '42704', NULL,
                 'a risk id that does not exist: 42704');
SELECT scsm.risk_matrix_copy(:preset, :other, 'theirs') AS theirs \gset
SELECT throws_ok(format('SELECT scsm.set_risk_method(%s, %s)', :org, :theirs), '22023', NULL,
                 'another organization''s matrix: 22023');
DELETE FROM scsm.risk WHERE org_id = :org AND risk_id = pg_temp.id('r4');

-- 8. a new method re-scores assessed risks on it; past scores keep their version
SELECT scsm.risk_matrix_copy(:preset, :org, 'strict') AS strict \gset
UPDATE scsm.risk_matrix_cell SET level_code = 'medium' WHERE version_id = :strict AND likelihood = 1 AND consequence = 2;
UPDATE scsm.risk_matrix_cell SET level_code = 'medium' WHERE version_id = :strict AND likelihood = 1 AND consequence = 3;
SELECT is(scsm.set_risk_method(:org, :strict), 2, 'a new method re-scores the two assessed risks');
SELECT is(scsm.risk_matrix_for(:org), :strict::bigint, 'the organization scores on its own matrix now');
SELECT is((SELECT (level, residual_level)::text FROM scsm.risk WHERE org_id = :org AND risk_id = :r1), '(medium,medium)',
          'cell (1,2) is medium on the new matrix');
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND matrix_version_id = :preset), 7::bigint,
          'scores on the preset stay');
SELECT is((SELECT frozen FROM scsm.risk_matrix_version WHERE version_id = :strict), true, 'the method''s version is frozen');

-- 9. the register view
SELECT is((SELECT count(*) FROM scsm.v_risk_register WHERE org_id = :org), 3::bigint, 'one row per risk');
SELECT is((SELECT (threat_category, site_name, owner_name, inherent_level, inherent_colour, residual_colour,
                   classification, appetite_breach, n_controls, n_implemented, preventive_effectiveness,
                   last_score_id = (SELECT max(score_id) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1),
                   matrix_version_id)::text
             FROM scsm.v_risk_register WHERE org_id = :org AND risk_id = :r1),
          (SELECT ('a', 'Quay', 'Boss', 'medium', colour, colour, 'control', true, 2, 2, 0.8, true, :strict)::text
             FROM scsm.risk_level WHERE version_id = :strict AND level_code = 'medium'),
          'the register row of R1: category, site, owner, levels and colours, breach, controls, last score');
SELECT is((SELECT treatment_within FROM scsm.v_risk_register WHERE org_id = :org AND risk_id = :r1),
          (SELECT treatment_deadline FROM scsm.risk_level WHERE version_id = :strict AND level_code = 'medium'),
          'the treatment deadline comes from the residual level');
SELECT is((SELECT (last_scored, inherent_level, n_controls)::text FROM scsm.v_risk_register
            WHERE org_id = :org AND risk_id = pg_temp.id('r3')), '(,,1)', 'an unassessed risk shows no score');
SELECT is((SELECT open_review_flags FROM scsm.v_risk_register WHERE org_id = :org AND risk_id = :r1),
          (SELECT count(*) FROM scsm.review_flag WHERE org_id = :org AND risk_id = :r1 AND cleared_at IS NULL),
          'the register counts the open review flags of a risk');

-- 10. the heat map
SELECT is((SELECT count(*) FROM scsm.v_risk_heatmap WHERE org_id = :org), 25::bigint, 'a 5x5 matrix has 25 cells');
SELECT is((SELECT (sum(inherent_count), sum(residual_count))::text FROM scsm.v_risk_heatmap WHERE org_id = :org), '(2,2)',
          'the two assessed risks are counted once each');
SELECT is((SELECT (inherent_count, level)::text FROM scsm.v_risk_heatmap WHERE org_id = :org AND likelihood = 2 AND consequence = 3),
          '(1,medium)', 'R2 sits in cell (2,3), medium');
SELECT is((SELECT count(*) FROM scsm.v_risk_heatmap WHERE org_id = :other), 25::bigint, 'the other organization has its own map');
SELECT is((SELECT (regexp_matches(scsm.risk_heatmap_svg_for_org(:org), '<rect class="cell"', 'g'))[1] IS NOT NULL LIMIT 1), true,
          'risk_heatmap_svg_for_org draws cells');
SELECT is((SELECT count(*) FROM regexp_matches(scsm.risk_heatmap_svg_for_org(:org), '<rect class="cell" data-panel="residual"', 'g')), 25::bigint,
          'the SVG has a residual panel of 25 cells');
SELECT is(scsm.risk_heatmap_svg_for_org(:org),
          scsm.risk_heatmap_svg(:strict, ARRAY[1, 2], ARRAY[2, 3], ARRAY[1, 2], ARRAY[2, 3], 'Risk Register Port'),
          'the SVG is the C heat map fed from the register');

-- 11. row-level security through the views, as non-superuser members
CREATE ROLE tap_rr_low LOGIN;
CREATE ROLE tap_rr_none LOGIN;
GRANT scsm_manager TO tap_rr_low;
GRANT scsm_viewer TO tap_rr_none;
SELECT scsm.add_member(:org, 'tap_rr_low', 'internal') AS m \gset
SET ROLE tap_rr_low;
SELECT is((SELECT array_agg(risk_id ORDER BY risk_id) FROM scsm.v_risk_register),
          ARRAY[:r1, pg_temp.id('r3')]::bigint[], 'an internal member sees the internal risks of its organization only');
SELECT is((SELECT (sum(inherent_count), count(DISTINCT org_id))::text FROM scsm.v_risk_heatmap), '(1,1)',
          'the heat map counts only what the member may see, of its own organization');
SELECT lives_ok(format('UPDATE scsm.risk SET likelihood = 2 WHERE org_id = %s AND risk_id = %s', :org, :r1),
                'a manager member re-scores a risk by changing it');
SELECT is((SELECT scored_by FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r1 ORDER BY score_id DESC LIMIT 1),
          'tap_rr_low', 'the score records who assessed');
SELECT lives_ok(format('INSERT INTO scsm.risk_control (org_id, risk_id, control_id, reduces) VALUES (%s, %s, %s, ''consequence'')', :org, :r2, pg_temp.id('c3')),
                'the member links a control to a confidential risk it cannot read');
RESET ROLE;
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r2), 3::bigint,
          'the link re-scores that risk all the same (the control trigger runs as the extension owner)');
SELECT is((SELECT count(*) > 0 FROM scsm.review_flag WHERE org_id = :org AND risk_id = :r2), true,
          'the re-score lowered its residual level and raised flags');
SET ROLE tap_rr_low;
SELECT is((SELECT count(*) FROM scsm.risk_score WHERE org_id = :org AND risk_id = :r2), 0::bigint,
          'the scores of a risk above the member''s clearance are hidden from it');
SELECT is((SELECT count(*) FROM scsm.review_flag WHERE org_id = :org AND risk_id = :r2), 0::bigint,
          '... and so are its review flags');
RESET ROLE;
SET ROLE tap_rr_none;
SELECT is((SELECT count(*) FROM scsm.v_risk_register), 0::bigint, 'a role of no organization sees no risk');
SELECT is((SELECT count(*) FROM scsm.v_risk_heatmap), 0::bigint, '... and no heat map');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
