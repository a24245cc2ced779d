-- Risk matrices and qualitative scoring: behaviour against independent oracles.
BEGIN;
SELECT plan(35);

-- presets
SELECT is((SELECT count(*)::int FROM scsm.risk_matrix WHERE builtin AND org_id IS NULL), 3, 'three presets are installed');
SELECT ok((SELECT bool_and(frozen) FROM scsm.risk_matrix_version WHERE builtin), 'presets are frozen');
SELECT is((SELECT count(*)::int FROM scsm.risk_matrix_version v, scsm.risk_matrix_lint(v.version_id) WHERE v.builtin),
		  0, 'presets lint clean');

-- oracle: the 5x5 preset is the product L*C banded 1-4 / 5-9 / 10-15 / 16-25
SELECT is((SELECT count(*)::int FROM generate_series(1, 5) l, generate_series(1, 5) c
		   WHERE scsm.risk_level_of(1, l, c) IS DISTINCT FROM
				 (ARRAY['low', 'medium', 'high', 'critical'])[width_bucket(l * c, ARRAY[1, 5, 10, 16])]),
		  0, '5x5 preset cells equal the product bands');
-- oracle: the 3x3 preset is NIST 2002 likelihood {0.1,0.5,1} x impact {10,50,100}, >50 high, >10 medium
SELECT is((SELECT count(*)::int
			 FROM unnest(ARRAY[0.1, 0.5, 1.0]) WITH ORDINALITY lk(p, l),
				  unnest(ARRAY[10, 50, 100]) WITH ORDINALITY im(i, c)
			WHERE scsm.risk_level_of(2, l::int, c::int) IS DISTINCT FROM
				  CASE WHEN p * i > 50 THEN 'high' WHEN p * i > 10 THEN 'medium' ELSE 'low' END),
		  0, '3x3 preset cells equal NIST 2002 banding of likelihood x impact');
-- NIST Rev. 1: every level is monotone in both axes and the table is not symmetric (impact weighs more)
SELECT is((SELECT count(*)::int FROM scsm.risk_matrix_lint_grid(
			 (SELECT array_agg(lv.rank ORDER BY l, c) FROM generate_series(1, 5) l, generate_series(1, 5) c,
					 scsm.risk_level lv WHERE lv.version_id = 3 AND lv.level_code = scsm.risk_level_of(3, l, c)), 5, 5)),
		  0, 'NIST Rev. 1 grid passes the geometric checks');
SELECT isnt(scsm.risk_level_of(3, 1, 5), scsm.risk_level_of(3, 5, 1), 'NIST Rev. 1: very low likelihood x very high impact differs from the transpose');

-- the linter finds what was broken on purpose: raising cell (2,1) of the 5x5
-- preset to critical puts the top level next to the bottom one
SELECT is((SELECT array_agg(DISTINCT l.kind ORDER BY l.kind)
			 FROM scsm.risk_matrix_lint(jsonb_set(scsm.risk_matrix_export(1), '{cells,5}', '[2,1,"critical"]')) l),
		  ARRAY['betweenness', 'non_monotone', 'weak_consistency'],
		  'a critical cell (2,1) beside low cells breaks monotonicity, betweenness and weak consistency');
SELECT ok(EXISTS (SELECT FROM scsm.risk_matrix_lint(jsonb_set(scsm.risk_matrix_export(1), '{cells,4}', '[1,5,"critical"]')) l
				  WHERE l.kind = 'weak_consistency' AND l.cells LIKE '(1,5) %'),
		  'a critical cell at rare likelihood breaks weak consistency');
SELECT ok(EXISTS (SELECT FROM scsm.risk_matrix_lint(jsonb_set(scsm.risk_matrix_export(1), '{cells,0}', '[1,1,"nope"]')) l
				  WHERE l.kind = 'undefined_level' AND l.severity = 'error'),
		  'a cell with an undefined level is an error');

-- pure primitives against independent formulas
SELECT is((SELECT count(*)::int FROM generate_series(1, 200) g,
				  LATERAL (SELECT array_agg(round(random()::numeric, 3)::float8) AS e FROM generate_series(1, 1 + g % 5)) a
			WHERE abs(scsm.risk_combine_effectiveness(a.e) - (1 - (SELECT exp(sum(ln(1 - x))) FROM unnest(a.e) x))) > 1e-9
			  AND NOT 1 = ANY (a.e)),
		  0, 'independent effectiveness equals 1 - exp(sum(ln(1 - e))) on 200 random sets');
SELECT is((SELECT count(*)::int FROM generate_series(1, 100) g,
				  LATERAL (SELECT array_agg(round(random()::numeric, 3)::float8) AS e FROM generate_series(1, 1 + g % 4)) a
			WHERE scsm.risk_combine_effectiveness(a.e, 'max') <> (SELECT max(x) FROM unnest(a.e) x)
			   OR scsm.risk_combine_effectiveness(a.e, 'weakest_link') <> (SELECT min(x) FROM unnest(a.e) x)
			   OR abs(scsm.risk_combine_effectiveness(a.e, 'mean') - (SELECT avg(x) FROM unnest(a.e) x)) > 1e-9),
		  0, 'max, weakest_link and mean equal max, min and avg');
SELECT ok((SELECT bool_and(scsm.risk_combine_effectiveness(ARRAY[a, b]) >= greatest(a, b)
						   AND scsm.risk_combine_effectiveness(ARRAY[a, b], 'independent', 0.95) <= 0.95)
			 FROM unnest('{0,0.1,0.5,0.9,1}'::float8[]) a, unnest('{0,0.3,0.99}'::float8[]) b),
		  'independent combination is at least the best control and the cap holds');
SELECT ok((SELECT bool_and(r BETWEEN 1 AND i AND (e > 0 OR r = i)
						   AND r >= i * (1 - e) - 1e-9 AND r < i * (1 - e) + 1 + 1e-9)
			 FROM generate_series(1, 10) i, unnest('{0,0.05,0.1,0.25,0.5,0.75,0.9,1}'::float8[]) e,
				  LATERAL scsm.risk_residual_index(i, e, 10) r),
		  'residual index is the ceiling of i*(1-e), within 1..i');
SELECT ok((SELECT bool_and(scsm.risk_combine_consequences(v, 'worst') = (SELECT max(x) FROM unnest(v) x)
						   AND scsm.risk_combine_consequences(v, 'weighted') =
							   ceil((SELECT avg(x) FROM unnest(v) x) - 1e-9))
			 FROM (SELECT ARRAY[1 + g % 5, 1 + (g / 5) % 5, 1 + (g / 25) % 5] v FROM generate_series(0, 124) g) s),
		  'worst = max and weighted (equal weights) = ceiling of the mean over all 125 triples');
SELECT ok((SELECT bool_and(scsm.risk_classify(r, 1, 2) = CASE WHEN r <= 1 THEN 'accept' WHEN r <= 2 THEN 'control' ELSE 'eliminate' END)
			 FROM generate_series(0, 5) r), 'classification follows appetite and tolerance');

-- oracle for the whole derivation on the 5x5 preset: product bands, ceiling residuals,
-- appetite low / tolerance medium, critical avoided and high eliminated
SELECT is((SELECT count(*)::int
			 FROM generate_series(1, 5) l, generate_series(1, 5) c,
				  unnest('{0,0.3,0.5,0.9}'::float8[]) p, unnest('{0,0.25,0.6}'::float8[]) q,
				  LATERAL scsm.risk_score_compute(1, jsonb_build_object('likelihood', l, 'consequence', c,
													 'preventive', p, 'corrective', q)) r,
				  LATERAL (SELECT greatest(1, ceil(l * (1 - p) - 1e-9))::int AS rl,
								  greatest(1, ceil(c * (1 - q) - 1e-9))::int AS rc) x,
				  LATERAL (SELECT (ARRAY['low', 'medium', 'high', 'critical'])[width_bucket(l * c, ARRAY[1, 5, 10, 16])] AS il,
								  (ARRAY['low', 'medium', 'high', 'critical'])[width_bucket(x.rl * x.rc, ARRAY[1, 5, 10, 16])] AS rlev) b
			WHERE r->'inherent'->>'level' <> b.il
			   OR (r->'residual'->>'likelihood')::int <> x.rl OR (r->'residual'->>'consequence')::int <> x.rc
			   OR r->'residual'->>'level' <> b.rlev
			   OR r->>'classification' <> (CASE b.rlev WHEN 'low' THEN 'accept' WHEN 'medium' THEN 'control'
											WHEN 'high' THEN 'eliminate' ELSE 'avoid' END)),
		  0, 'risk_score_compute agrees with an SQL oracle on 300 inputs of the 5x5 preset');

-- errors by SQLSTATE
SELECT throws_ok($$SELECT scsm.risk_level_of(1, 6, 1)$$, '22023', NULL, 'likelihood outside the matrix: 22023');
SELECT throws_ok($$SELECT scsm.risk_combine_effectiveness('{NaN}')$$, '22023', NULL, 'NaN effectiveness: 22023');
SELECT throws_ok($$SELECT scsm.risk_combine_effectiveness('{1.2}')$$, '22023', NULL, 'effectiveness above 1: 22023');
SELECT throws_ok($$SELECT scsm.risk_level_of(987654, 1, 1)$$, '42704', NULL, 'unknown matrix version: 42704');
SELECT throws_ok($$INSERT INTO scsm.risk_score (org_id, risk_id, matrix_version_id, inputs, method, method_version, result,
				   inherent_level, residual_level, classification)
				   VALUES (1, 1, 987654, '{}', 'm', '1', '{}', 'x', 'x', 'accept')$$,
				 '23503', NULL, 'a stored score with an unknown matrix version: 23503');

-- the register rows the scores point at (organization 42, risks 0..24)
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE VALUES (42, 'Org 42', 'org_42');
INSERT INTO scsm.person (org_id, person_id, full_name) OVERRIDING SYSTEM VALUE VALUES (42, 1, 'Risk owner');
INSERT INTO scsm.threat (org_id, threat_id, category, title) OVERRIDING SYSTEM VALUE VALUES (42, 1, 'a', 'Threat');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) OVERRIDING SYSTEM VALUE
SELECT 42, g, 1, 'Risk ' || g, 1, 1, 1 FROM generate_series(0, 24) g;

-- versioning: a change creates a new version, stored scores keep the old one
SELECT lives_ok($$SELECT scsm.risk_matrix_copy(1, 42, 'tap matrix')$$, 'copy a preset for an organization');
CREATE TEMP TABLE t AS
SELECT v.version_id AS v1 FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
 WHERE m.org_id = 42 AND m.name = 'tap matrix';
SELECT lives_ok($$UPDATE scsm.risk_matrix_cell SET level_code = 'high'
				   WHERE version_id = (SELECT v1 FROM t) AND likelihood = 2 AND consequence = 4$$,
				'an unused version can be edited');
CREATE TEMP TABLE s AS
SELECT scsm.risk_score_record(42, g, (SELECT v1 FROM t),
							  jsonb_build_object('likelihood', 1 + g % 5, 'consequence', 1 + (g / 5) % 5,
												 'preventive', jsonb_build_array(0.3, 0.2))) AS score_id
  FROM generate_series(0, 24) g;
SELECT ok((SELECT frozen FROM scsm.risk_matrix_version WHERE version_id = (SELECT v1 FROM t)), 'scoring freezes the version');
SELECT throws_ok($$UPDATE scsm.risk_matrix_cell SET level_code = 'low'
				   WHERE version_id = (SELECT v1 FROM t) AND likelihood = 2 AND consequence = 4$$,
				 '55000', NULL, 'a frozen version cannot be edited');
ALTER TABLE t ADD COLUMN v2 bigint;
UPDATE t SET v2 = scsm.risk_matrix_new_version(v1);
SELECT is((SELECT version FROM scsm.risk_matrix_version WHERE version_id = (SELECT v2 FROM t)), 2, 'the new version is number 2');
UPDATE scsm.risk_matrix_cell SET level_code = 'low'
 WHERE version_id = (SELECT v2 FROM t) AND likelihood = 2 AND consequence = 4;
SELECT is((SELECT count(*)::int FROM scsm.risk_score x JOIN s USING (score_id)
			WHERE x.matrix_version_id = (SELECT v1 FROM t)), 25, 'stored scores keep version 1');
SELECT is((SELECT residual_level FROM scsm.risk_score x JOIN s USING (score_id)
			WHERE x.inputs @> '{"likelihood": 2, "consequence": 4}' AND x.inputs->'preventive' = '[0.3, 0.2]'
			  AND (x.result->'residual'->>'likelihood')::int = 2),
		  'high', 'the stored score still shows the level of version 1');
SELECT is((SELECT scsm.risk_score_compute((SELECT v2 FROM t), '{"likelihood": 2, "consequence": 4}')->'inherent'->>'level'),
		  'low', 'the same inputs on version 2 give the new level');
SELECT is((SELECT count(*)::int FROM s WHERE NOT (scsm.rescore_check(score_id)).matches), 0,
		  'all 25 stored scores re-derive exactly');
-- oracle for the derivation: residual likelihood = ceil(L * (1 - (1 - 0.7*0.8))) = ceil(L * 0.56)
SELECT is((SELECT count(*)::int FROM scsm.risk_score x JOIN s USING (score_id)
			WHERE (x.result->'residual'->>'likelihood')::int <> ceil((x.inputs->>'likelihood')::int * 0.56 - 1e-9)),
		  0, 'residual likelihood of every stored score is ceil(L * 0.7 * 0.8)');
-- a PL/pgSQL call site sees a draft edited between two calls (no stale cached matrix)
CREATE FUNCTION pg_temp.edit_between(v bigint) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text := ''; i int;
BEGIN
	FOR i IN 1..2 LOOP
		r := r || scsm.risk_level_of(v, 1, 1) || ' ';	-- one call site, called twice
		UPDATE scsm.risk_matrix_cell SET level_code = 'critical' WHERE version_id = v AND likelihood = 1 AND consequence = 1;
	END LOOP;
	RETURN r;
END $f$;
SELECT is(pg_temp.edit_between((SELECT v2 FROM t)), 'low critical ', 'a cached matrix is re-read after the draft changes');

-- session settings do not change a derivation
SET LOCAL extra_float_digits = -3;
SET LOCAL IntervalStyle = 'sql_standard';
SELECT is((SELECT count(*)::int FROM s WHERE NOT (scsm.rescore_check(score_id)).matches), 0,
		  'scores re-derive under other extra_float_digits and IntervalStyle settings');
RESET extra_float_digits;
RESET IntervalStyle;

-- tampering is detected
UPDATE scsm.risk_score SET result = jsonb_set(result, '{residual,level}', '"critical"')
 WHERE score_id = (SELECT min(score_id) FROM s);
SELECT is((SELECT count(*)::int FROM s WHERE NOT (scsm.rescore_check(score_id)).matches), 1,
		  'an altered stored result no longer re-derives');

SELECT * FROM finish();
ROLLBACK;
