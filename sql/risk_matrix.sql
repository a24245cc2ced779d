-- Risk matrices as data: presets, cell lookup, linter, versioning guards.
-- Version ids of matrices created here start at 1001 whatever ran before.
\set SHOW_CONTEXT never
SELECT setval('scsm.risk_matrix_version_version_id_seq', 1000);
SELECT setval('scsm.risk_matrix_matrix_id_seq', 1000);

-- the presets, frozen
SELECT m.name, v.version, v.n_likelihood, v.n_consequence, v.appetite_level, v.tolerance_level, v.frozen
  FROM scsm.risk_matrix m JOIN scsm.risk_matrix_version v USING (matrix_id)
 WHERE m.builtin ORDER BY v.version_id;
SELECT version_id, level_code, rank, name, colour, treatment_deadline, classification_hint, score
  FROM scsm.risk_level WHERE version_id IN (1, 3) ORDER BY version_id, rank;

-- NIST SP 800-30 Rev. 1 Table I-2, top row = very high likelihood
SELECT l AS likelihood, string_agg(scsm.risk_level_of(3, l, c), ' ' ORDER BY c) AS "impact VL .. VH"
  FROM generate_series(1, 5) l, generate_series(1, 5) c GROUP BY l ORDER BY l DESC;
-- 3x3 from NIST SP 800-30 (2002): likelihood 0.1/0.5/1.0 x impact 10/50/100
SELECT l AS likelihood, string_agg(scsm.risk_level_of(2, l, c), ' ' ORDER BY c) AS "impact L M H"
  FROM generate_series(1, 3) l, generate_series(1, 3) c GROUP BY l ORDER BY l DESC;
-- 5x5 product bands
SELECT l AS likelihood, string_agg(scsm.risk_level_of(1, l, c), ' ' ORDER BY c) AS "consequence 1 .. 5"
  FROM generate_series(1, 5) l, generate_series(1, 5) c GROUP BY l ORDER BY l DESC;

-- presets lint clean
SELECT v.version_id, count(l.kind) AS defects
  FROM scsm.risk_matrix_version v LEFT JOIN LATERAL scsm.risk_matrix_lint(v.version_id) l ON true
 WHERE v.builtin GROUP BY v.version_id ORDER BY v.version_id;

-- lookup errors
SELECT scsm.risk_level_of(1, 0, 1);
SELECT scsm.risk_level_of(1, 1, 6);
SELECT scsm.risk_level_of(424242, 1, 1);
SELECT * FROM scsm.risk_matrix_lint(424242::bigint);

-- a clean 3x3 document to start from
\set good '{"n_likelihood": 3, "n_consequence": 3, "likelihood_labels": ["rare","possible","likely"], "consequence_labels": ["minor","major","severe"], "appetite_level": "g", "tolerance_level": "y", "levels": [{"code":"g","rank":0,"colour":"#00ff00"},{"code":"y","rank":1,"colour":"#ffff00"},{"code":"r","rank":2,"colour":"#ff0000"}], "cells": [[1,1,"g"],[1,2,"g"],[1,3,"y"],[2,1,"g"],[2,2,"y"],[2,3,"y"],[3,1,"y"],[3,2,"y"],[3,3,"r"]]}'
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb);

-- non-monotone: (2,3) is green beside and above yellow cells (and red (3,3) now touches green)
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{cells,5}', '[2,3,"g"]'));

-- red next to green: betweenness (edge and corner) and weak consistency
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{cells,4}', '[2,2,"r"]'));

-- consequence-dominated colouring: a rare but severe cell in the top level
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(jsonb_set(:'good'::jsonb, '{cells,2}', '[1,3,"r"]'),
											 '{cells,6}', '[3,1,"g"]'));

-- the same matrix with a quantitative reading of the axes where the severe
-- column dominates: the (1,3)/(3,1) conflicts go, but a top cell sharing an
-- edge with a bottom cell always breaks weak consistency (Cox's lemma)
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(jsonb_set(:'good'::jsonb, '{cells,2}', '[1,3,"r"]'),
											 '{cells,6}', '[3,1,"g"]')
	|| '{"likelihood_bounds": [0.5, 0.6, 0.7, 0.8], "consequence_bounds": [0, 1, 2, 1000]}');

-- structure errors: undefined level, cell outside, duplicate cell, missing cell,
-- undefined appetite, appetite above tolerance, unused level, hint conflict, bad bounds
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{cells,0}', '[1,1,"blue"]'));
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{cells}', (:'good'::jsonb->'cells') || '[[4,1,"r"],[3,3,"r"]]'));
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb #- '{cells,4}');
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb || '{"appetite_level": "x"}');
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb || '{"appetite_level": "r"}');
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{levels}',
	(:'good'::jsonb->'levels') || '[{"code":"b","rank":3,"colour":"#000000"}]'));
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{levels,2}',
	'{"code":"r","rank":2,"colour":"#ff0000","classification_hint":"accept"}'));
SELECT * FROM scsm.risk_matrix_lint(jsonb_set(:'good'::jsonb, '{levels}',
	'[{"code":"g","rank":0,"colour":"#00ff00","score":1},{"code":"y","rank":1,"colour":"#ffff00","score":5},{"code":"r","rank":2,"colour":"#ff0000","score":5}]'));
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb || '{"likelihood_bounds": [0, 0.5, 0.4, 1]}');
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb || '{"likelihood_bounds": [0, 1]}');
SELECT * FROM scsm.risk_matrix_lint(:'good'::jsonb || '{"n_likelihood": 11}');
SELECT * FROM scsm.risk_matrix_lint('[]'::jsonb);
SELECT * FROM scsm.risk_matrix_lint_grid('{0,1}', 2, 2);

-- import, copy, versions
-- the organization that owns the matrix
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE VALUES (7, 'Org 7', 'org_7');
SELECT scsm.risk_matrix_import(7, 'site matrix', :'good'::jsonb) AS v1 \gset
SELECT m.org_id, m.name, v.version, v.frozen FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
 WHERE v.version_id = :v1;
SELECT scsm.risk_matrix_export(:v1) - 'levels'
	   = (:'good'::jsonb - 'levels') || '{"likelihood_bounds": null, "consequence_bounds": null, "consequence_rule": "worst", "consequence_weights": {}, "control_rule": "independent", "effectiveness_cap": 1}'
	   AS export_round_trips,
	   jsonb_path_query_array(scsm.risk_matrix_export(:v1), '$.levels[*].code') AS level_codes;
-- a draft version can be edited
UPDATE scsm.risk_matrix_cell SET level_code = 'y' WHERE version_id = :v1 AND likelihood = 1 AND consequence = 3;
-- freezing refuses a version with lint errors
DELETE FROM scsm.risk_matrix_cell WHERE version_id = :v1 AND likelihood = 2 AND consequence = 2;
SELECT scsm.risk_matrix_freeze(:v1);
INSERT INTO scsm.risk_matrix_cell (version_id, likelihood, consequence, level_code) VALUES (:v1, 2, 2, 'y');
SELECT scsm.risk_matrix_freeze(:v1);
-- a frozen version, its levels and cells are immutable
UPDATE scsm.risk_matrix_cell SET level_code = 'r' WHERE version_id = :v1 AND likelihood = 1 AND consequence = 1;
INSERT INTO scsm.risk_level (version_id, level_code, rank, name, colour) VALUES (:v1, 'b', 9, 'b', '#000000');
DELETE FROM scsm.risk_level WHERE version_id = :v1 AND level_code = 'g';
UPDATE scsm.risk_matrix_version SET appetite_level = 'y' WHERE version_id = :v1;
DELETE FROM scsm.risk_matrix_version WHERE version_id = :v1;
-- presets too
UPDATE scsm.risk_matrix SET name = 'mine' WHERE matrix_id = 1;
DELETE FROM scsm.risk_matrix_cell WHERE version_id = 1;
SELECT scsm.risk_matrix_new_version(1);
-- a change is a new version
SELECT scsm.risk_matrix_new_version(:v1) AS v2 \gset
SELECT v.version, v.frozen, scsm.risk_matrix_export(v.version_id) = scsm.risk_matrix_export(:v1) AS same_content
  FROM scsm.risk_matrix_version v WHERE v.version_id = :v2;
UPDATE scsm.risk_matrix_cell SET level_code = 'r' WHERE version_id = :v2 AND likelihood = 2 AND consequence = 2;
SELECT scsm.risk_level_of(:v1, 2, 2) AS old_version, scsm.risk_level_of(:v2, 2, 2) AS new_version;
-- freezing goes through scsm.risk_matrix_freeze(), which records the content
UPDATE scsm.risk_matrix_version SET frozen = true WHERE version_id = :v2;
UPDATE scsm.risk_matrix_version SET frozen = true, frozen_content = '{}' WHERE version_id = :v2;
SELECT frozen_content = scsm.risk_matrix_export(:v1) AS snapshot_is_content
  FROM scsm.risk_matrix_version WHERE version_id = :v1;
-- a copy of a preset belongs to the organization and starts at version 1
SELECT scsm.risk_matrix_copy(3, 7, 'NIST for site 7') AS c1 \gset
SELECT m.org_id, m.builtin, v.version, v.builtin, v.frozen FROM scsm.risk_matrix_version v
  JOIN scsm.risk_matrix m USING (matrix_id) WHERE v.version_id = :c1;
SELECT count(*) FROM scsm.risk_matrix_lint(:c1);
-- names are unique per organization
SELECT scsm.risk_matrix_copy(3, 7, 'NIST for site 7');
SELECT scsm.risk_matrix_new_version(424242);
SELECT scsm.risk_matrix_import(NULL, 'x', :'good'::jsonb, 424242);
-- user rows are dumped, preset rows are not
SELECT c.relname, x.cond FROM pg_extension e,
	   unnest(e.extconfig, e.extcondition) AS x(oid, cond) JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'scsm' AND c.relname LIKE 'risk%' ORDER BY 1;
