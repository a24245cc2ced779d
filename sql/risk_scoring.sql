-- Qualitative scoring: pure primitives, the full derivation, stored scores
-- and their re-derivation, error paths.
\set SHOW_CONTEXT never
SELECT setval('scsm.risk_matrix_version_version_id_seq', 2000);
SELECT setval('scsm.risk_matrix_matrix_id_seq', 2000);
SELECT setval('scsm.risk_score_score_id_seq', 2000);

SELECT scsm.risk_method_version();

-- consequences over dimensions
SELECT scsm.risk_combine_consequences('{2,4,3}', 'worst') AS worst,
	   scsm.risk_combine_consequences('{2,4,3}', 'weighted') AS mean_3_ceil,
	   scsm.risk_combine_consequences('{2,4,3}', 'weighted', '{1,1,2}') AS weighted_3_ceil,
	   scsm.risk_combine_consequences('{1,5}', 'weighted', '{3,1}') AS "(3+5)/4 = 2",
	   scsm.risk_combine_consequences('{1,2}', 'weighted', '{2,1}') AS "4/3 up to 2";
SELECT scsm.risk_combine_consequences('{}', 'worst');
SELECT scsm.risk_combine_consequences('{0,3}', 'worst');
SELECT scsm.risk_combine_consequences('{1,NULL}', 'worst');
SELECT scsm.risk_combine_consequences('{1,2}', 'average');
SELECT scsm.risk_combine_consequences('{1,2}', 'weighted', '{1}');
SELECT scsm.risk_combine_consequences('{1,2}', 'weighted', '{1,NaN}');
SELECT scsm.risk_combine_consequences('{1,2}', 'weighted', '{-1,1}');
SELECT scsm.risk_combine_consequences('{1,2}', 'weighted', '{0,0}');

-- control effectiveness
SELECT scsm.risk_combine_effectiveness('{0.5,0.3}') AS independent,
	   scsm.risk_combine_effectiveness('{0.5,0.3}', 'max') AS max,
	   scsm.risk_combine_effectiveness('{0.5,0.3}', 'weakest_link') AS weakest_link,
	   scsm.risk_combine_effectiveness('{0.5,0.3}', 'mean') AS mean,
	   scsm.risk_combine_effectiveness('{0.9,0.9,0.9}', 'independent', 0.95) AS capped,
	   scsm.risk_combine_effectiveness('{}') AS none;
SELECT scsm.risk_combine_effectiveness('{NaN}');
SELECT scsm.risk_combine_effectiveness('{0.5,1.01}');
SELECT scsm.risk_combine_effectiveness('{-0.1}');
SELECT scsm.risk_combine_effectiveness('{0.5,NULL}');
SELECT scsm.risk_combine_effectiveness('{0.5}', 'best');
SELECT scsm.risk_combine_effectiveness('{0.5}', 'max', 'NaN');
SELECT scsm.risk_combine_effectiveness('{0.5}', 'max', 2);

-- residual index: ceil(i * (1 - e)), at least 1
SELECT e, array_agg(scsm.risk_residual_index(i, e, 5) ORDER BY i) AS "i = 1..5"
  FROM generate_series(1, 5) i, unnest('{0, 0.2, 0.5, 0.8, 1}'::float8[]) e GROUP BY e ORDER BY e;
SELECT scsm.risk_residual_index(6, 0.5, 5);
SELECT scsm.risk_residual_index(1, 'NaN', 5);
SELECT scsm.risk_residual_index(1, 0.5, 11);

-- classification against appetite (rank 1) and tolerance (rank 2)
SELECT r, scsm.risk_classify(r, 1, 2) AS plain, scsm.risk_classify(r, 1, 2, 'avoid') AS hint_avoid
  FROM generate_series(0, 4) r;
SELECT scsm.risk_classify(1, 3, 2);
SELECT scsm.risk_classify(4, 1, 2, 'ignore');

-- the full derivation on the 5x5 preset (version 1): inherent (4,5) critical;
-- preventive 1-(0.5*0.7) = 0.65 -> likelihood ceil(4*0.35) = 2; corrective 0.2
-- -> consequence ceil(5*0.8) = 4; residual (2,4) = 8 -> medium -> control
SELECT jsonb_pretty(scsm.risk_score_compute(1,
	'{"likelihood": 4, "consequences": {"people": 3, "assets": 5}, "preventive": [0.5, 0.3], "corrective": 0.2}'));
-- no controls: residual = inherent; above tolerance, critical's hint says avoid
SELECT r->'residual'->>'level' AS residual, r->>'classification' AS classification, r->>'treatment_deadline' AS deadline
  FROM scsm.risk_score_compute(1, '{"likelihood": 4, "consequence": 4}') r;
SELECT r->'inherent'->>'level' AS inherent, r->>'classification' AS classification, r->>'treatment_deadline' AS deadline
  FROM scsm.risk_score_compute(1, '{"likelihood": 1, "consequence": 2}') r;

-- input errors
SELECT scsm.risk_score_compute(424242, '{"likelihood": 1, "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 6, "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 0, "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 2.5, "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": "NaN", "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequence": 1, "consequences": {"people": 1}}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequences": {"weather": 1}}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequences": {}}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequence": 1, "preventive": [1.5]}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequence": 1, "preventive": ["NaN"]}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequence": 1, "detective": [0.5]}');
SELECT scsm.risk_score_compute(1, '[1, 2]');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1e400, "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequence": 1, "preventive": [-1e400]}');
SELECT scsm.risk_score_compute(1, '{"likelihood": [1], "consequence": 1}');
SELECT scsm.risk_score_compute(1, '{"likelihood": 1, "consequences": {"people": null}}');
-- integral numbers written with a fraction are indexes; tiny effectiveness is zero
SELECT r->'inherent' AS inherent, r->'effectiveness' AS effectiveness
  FROM scsm.risk_score_compute(1, '{"likelihood": 2.0, "consequence": 3, "preventive": [1e-400]}') r;

-- the register rows the scores point at (organization 9, risks 100..100)
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE VALUES (9, 'Org 9', 'org_9');
INSERT INTO scsm.person (org_id, person_id, full_name) OVERRIDING SYSTEM VALUE VALUES (9, 1, 'Risk owner');
INSERT INTO scsm.threat (org_id, threat_id, category, title) OVERRIDING SYSTEM VALUE VALUES (9, 1, 'a', 'Threat');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) OVERRIDING SYSTEM VALUE
SELECT 9, g, 1, 'Risk ' || g, 1, 1, 1 FROM generate_series(100, 100) g;

-- a weighted matrix: a copy of the 5x5 preset with its own rules
SELECT scsm.risk_matrix_copy(1, 9, 'weighted 5x5') AS w \gset
UPDATE scsm.risk_matrix_version SET consequence_rule = 'weighted',
	   consequence_weights = '{"people": 3, "legal": 1}', control_rule = 'max', effectiveness_cap = 0.6
 WHERE version_id = :w;
-- consequence ceil((3*5 + 1*1) / 4) = 4; preventive max(0.5, 0.9) capped to 0.6 -> ceil(5*0.4) = 2
SELECT r->'inherent' AS inherent, r->'effectiveness' AS effectiveness, r->'residual' AS residual, r->'rules' AS rules
  FROM scsm.risk_score_compute(:w, '{"likelihood": 5, "consequences": {"people": 5, "legal": 1}, "preventive": [0.5, 0.9]}') r;

-- stored scores pin their matrix version, which freezes
SELECT scsm.risk_score_record(9, 100, :w, '{"likelihood": 5, "consequences": {"people": 5, "legal": 1}, "preventive": [0.5, 0.9]}') AS s1 \gset
SELECT risk_id, matrix_version_id = :w AS pinned, method, method_version, inherent_level, residual_level, classification
  FROM scsm.risk_score WHERE score_id = :s1;
SELECT frozen FROM scsm.risk_matrix_version WHERE version_id = :w;
SELECT matches, reason FROM scsm.rescore_check(:s1);
-- a changed matrix is a new version; the stored score keeps the old one
UPDATE scsm.risk_matrix_version SET control_rule = 'independent' WHERE version_id = :w;
SELECT scsm.risk_matrix_new_version(:w) AS w2 \gset
UPDATE scsm.risk_matrix_version SET control_rule = 'independent', effectiveness_cap = 1 WHERE version_id = :w2;
SELECT scsm.risk_score_record(9, 100, :w2, '{"likelihood": 5, "consequences": {"people": 5, "legal": 1}, "preventive": [0.5, 0.9]}') AS s2 \gset
SELECT score_id = :s1 AS first, result->'residual'->>'likelihood' AS residual_likelihood, residual_level
  FROM scsm.risk_score WHERE score_id IN (:s1, :s2) ORDER BY score_id;
SELECT score_id = :s1 AS first, (scsm.rescore_check(score_id)).matches FROM scsm.risk_score
 WHERE score_id IN (:s1, :s2) ORDER BY score_id;
-- a stored result that does not re-derive is reported
UPDATE scsm.risk_score SET result = jsonb_set(result, '{classification}', '"accept"'), classification = 'accept'
 WHERE score_id = :s1;
SELECT matches, reason FROM scsm.rescore_check(:s1);
UPDATE scsm.risk_score SET method_version = '0.9' WHERE score_id = :s1;
SELECT matches, reason FROM scsm.rescore_check(:s1);
SELECT * FROM scsm.rescore_check(424242);
-- scores need an existing version, and a version without lint errors
SELECT scsm.risk_score_record(9, NULL, :w2, '{"likelihood": 1, "consequence": 1}');
SELECT scsm.risk_score_record(9, 100, 424242, '{"likelihood": 1, "consequence": 1}');
INSERT INTO scsm.risk_score (org_id, risk_id, matrix_version_id, inputs, method, method_version, result,
							 inherent_level, residual_level, classification)
VALUES (9, 100, 424242, '{}', 'scsm.matrix', '1.0', '{}', 'x', 'x', 'accept');
SELECT scsm.risk_matrix_new_version(:w2) AS w3 \gset
DELETE FROM scsm.risk_matrix_cell WHERE version_id = :w3 AND likelihood = 3 AND consequence = 3;
SELECT scsm.risk_score_record(9, 100, :w3, '{"likelihood": 1, "consequence": 1}');
SELECT scsm.risk_score_compute(:w3, '{"likelihood": 3, "consequence": 3}');
