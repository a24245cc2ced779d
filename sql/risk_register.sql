-- The register's risks scored by the risk engine (64_risk_register.sql):
-- a small register, its scores, the register and heat-map views, a level
-- change with its review flags, and the error paths with their messages.
\set SHOW_CONTEXT never
SELECT setval('scsm.risk_matrix_version_version_id_seq', 6400) AS v, setval('scsm.risk_matrix_matrix_id_seq', 6400) AS m;
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE
VALUES (64, 'Regress Port', 'regress_rr'), (65, 'Other Port', 'regress_rr_other');
INSERT INTO scsm.person (org_id, person_id, full_name) OVERRIDING SYSTEM VALUE VALUES (64, 1, 'Owner');
INSERT INTO scsm.threat (org_id, threat_id, category, title) OVERRIDING SYSTEM VALUE
VALUES (64, 1, 'a', 'Theft'), (64, 2, 'h', 'Strike');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, consequences) OVERRIDING SYSTEM VALUE
VALUES (64, 1, 1, 'Theft from the stack', 1, 4, 4, '{}'),
       (64, 2, 2, 'Strike of crane staff', 1, 3, 5, '{"continuity": 5, "stakeholder": 3}'),
       (64, 3, 1, 'Theft at the depot', 1, 2, 2, '{}');
INSERT INTO scsm.control (org_id, control_id, title, kind, owner, effectiveness, status) OVERRIDING SYSTEM VALUE
VALUES (64, 1, 'Fence', 'physical', 1, 0.5, 'implemented'),
       (64, 2, 'Patrols', 'procedural', 1, 0.6, 'planned'),
       (64, 3, 'Crisis plan', 'procedural', 1, 0.4, 'implemented');
INSERT INTO scsm.risk_control (org_id, risk_id, control_id, effectiveness, reduces)
VALUES (64, 1, 1, NULL, 'likelihood'), (64, 1, 2, NULL, 'likelihood'), (64, 2, 3, NULL, 'consequence');

-- the organization scores on the 5x5 preset until it chooses a method
SELECT m.name, v.version FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
 WHERE v.version_id = scsm.risk_matrix_for(64);
-- the inputs a score is built from
SELECT risk_id, scsm.risk_inputs(r) FROM scsm.risk r WHERE org_id = 64 ORDER BY risk_id;
SELECT scsm.score_risks(64);
SELECT risk_id, level, residual_likelihood, residual_consequence, residual_level, treatment
  FROM scsm.risk WHERE org_id = 64 ORDER BY risk_id;
SELECT risk_id, inherent_level, inherent_colour, residual_level, residual_colour, classification, appetite_breach,
       treatment_within, n_controls, n_implemented, preventive_effectiveness, corrective_effectiveness
  FROM scsm.v_risk_register WHERE org_id = 64 ORDER BY risk_id;
SELECT likelihood, consequence, level, colour, inherent_count, residual_count
  FROM scsm.v_risk_heatmap WHERE org_id = 64 AND inherent_count + residual_count > 0
 ORDER BY likelihood DESC, consequence;
SELECT count(*) FILTER (WHERE (scsm.rescore_check(score_id)).matches) AS re_derive, count(*) AS scores
  FROM scsm.risk_score WHERE org_id = 64;

-- the patrols go live: risk 1 is re-scored, its residual level drops, the
-- controls are flagged for review
UPDATE scsm.control SET status = 'implemented' WHERE org_id = 64 AND control_id = 2;
SELECT risk_id, inputs->'preventive' AS preventive, residual_level, classification
  FROM scsm.risk_score WHERE org_id = 64 ORDER BY score_id;
SELECT ref_table, ref_id, risk_id, reason, cleared_at IS NULL AS open FROM scsm.review_flag WHERE org_id = 64 ORDER BY flag_id;
SELECT scsm.clear_review_flag(64, (SELECT min(flag_id) FROM scsm.review_flag WHERE org_id = 64));
SELECT ref_table, ref_id, cleared_at IS NULL AS open FROM scsm.review_flag WHERE org_id = 64 ORDER BY flag_id;

-- error paths
SELECT scsm.score_risk(NULL, 1);
SELECT scsm.score_risk(64, 99);
SELECT scsm.clear_review_flag(64, NULL);
SELECT scsm.clear_review_flag(64, 424242);
SELECT scsm.set_risk_method(64, NULL);
SELECT scsm.risk_matrix_copy(1, 65, 'theirs') AS theirs \gset
SELECT scsm.set_risk_method(64, :theirs);
INSERT INTO scsm.organization_risk_method (org_id, matrix_version_id) VALUES (64, 424242);
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence, consequences) OVERRIDING SYSTEM VALUE
VALUES (64, 4, 1, 'Inconsistent', 1, 3, 2, '{"people": 4}');
SELECT scsm.score_risk(64, 4);
SELECT scsm.score_risk(64, 1) IS NOT NULL AS scored;
UPDATE scsm.risk SET consequences = '{"people": 5}' WHERE org_id = 64 AND risk_id = 1;
INSERT INTO scsm.risk_control (org_id, risk_id, control_id, reduces) VALUES (64, 1, 3, 'both');
