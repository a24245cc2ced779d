-- 60_risk_matrix.sql: risk matrices as versioned data, qualitative scoring
-- (clause 4.3.1: likelihood and consequences, classification of risks to be
-- avoided, eliminated or controlled), stored scores that can be re-derived,
-- a matrix linter (Cox 2008) and the SVG heat map.  See docs/risk.md.
--
-- SQLSTATEs raised here and in src/risk*.c, src/heatmap.c:
--   22023  a parameter outside its domain (index outside the matrix, NaN,
--          effectiveness outside [0,1], unknown rule or dimension)
--   22004  a NULL element inside an array argument
--   42704  unknown matrix version (function arguments)
--   23503  unknown matrix version (a stored score: foreign key)
--   55000  a frozen (used) matrix version is changed, or a version with lint
--          errors is frozen

-------------------------------------------------------------------------------
-- Tables
-------------------------------------------------------------------------------

CREATE TABLE scsm.risk_matrix (
	matrix_id	bigserial PRIMARY KEY,
	org_id		bigint,			-- NULL: a preset shared by every organization
	name		text NOT NULL CHECK (name <> ''),
	description	text,
	builtin		boolean NOT NULL DEFAULT false,
	UNIQUE NULLS NOT DISTINCT (org_id, name)
);
COMMENT ON TABLE scsm.risk_matrix IS
	'A likelihood x consequence risk matrix; its content lives in versions (scsm.risk_matrix_version)';
COMMENT ON COLUMN scsm.risk_matrix.org_id IS
	'Owning organization; NULL for presets (FK to scsm.organization: 64_risk_register.sql)';

CREATE TABLE scsm.risk_matrix_version (
	version_id	bigserial PRIMARY KEY,
	matrix_id	bigint NOT NULL REFERENCES scsm.risk_matrix ON DELETE CASCADE,
	version		integer NOT NULL CHECK (version >= 1),
	n_likelihood integer NOT NULL CHECK (n_likelihood BETWEEN 1 AND 10),
	n_consequence integer NOT NULL CHECK (n_consequence BETWEEN 1 AND 10),
	likelihood_labels text[] NOT NULL,
	consequence_labels text[] NOT NULL,
	-- optional quantitative reading of the axes, used only by the linter:
	-- n+1 increasing boundaries (NULL: uniform 0, 1/n, ..., 1)
	likelihood_bounds float8[],
	consequence_bounds float8[],
	appetite_level text NOT NULL,
	tolerance_level text NOT NULL,
	consequence_rule text NOT NULL DEFAULT 'worst'
		CHECK (consequence_rule IN ('worst', 'weighted')),
	consequence_weights jsonb NOT NULL DEFAULT '{}',
	control_rule text NOT NULL DEFAULT 'independent'
		CHECK (control_rule IN ('independent', 'max', 'weakest_link', 'mean')),
	effectiveness_cap float8 NOT NULL DEFAULT 1
		CHECK (effectiveness_cap >= 0 AND effectiveness_cap <= 1),
	frozen		boolean NOT NULL DEFAULT false,
	-- what the version held when it was frozen (scsm.risk_matrix_export):
	-- the guard lets only these exact levels and cells back in (a restore)
	frozen_content jsonb,
	builtin		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	UNIQUE (matrix_id, version),
	CHECK (frozen = (frozen_content IS NOT NULL)),
	CHECK (pg_catalog.cardinality(likelihood_labels) = n_likelihood),
	CHECK (pg_catalog.cardinality(consequence_labels) = n_consequence),
	CHECK (likelihood_bounds IS NULL
		   OR pg_catalog.cardinality(likelihood_bounds) = n_likelihood + 1),
	CHECK (consequence_bounds IS NULL
		   OR pg_catalog.cardinality(consequence_bounds) = n_consequence + 1),
	CHECK (pg_catalog.jsonb_typeof(consequence_weights) = 'object')
);
COMMENT ON TABLE scsm.risk_matrix_version IS
	'One version of a risk matrix: axes, levels, cells and scoring rules; frozen (immutable) once a score uses it';

CREATE TABLE scsm.risk_level (
	version_id	bigint NOT NULL REFERENCES scsm.risk_matrix_version ON DELETE CASCADE,
	level_code	text NOT NULL CHECK (level_code ~ '^[A-Za-z0-9_]{1,32}$'),
	rank		integer NOT NULL CHECK (rank >= 0),
	name		text NOT NULL,
	colour		text NOT NULL CHECK (colour ~ '^#[0-9a-fA-F]{6}$'),
	treatment_deadline interval,
	classification_hint text
		CHECK (classification_hint IN ('accept', 'control', 'eliminate', 'avoid')),
	-- optional semi-quantitative value of the level (NIST SP 800-30 Rev. 1
	-- Table I-3: very low 0, low 2, moderate 5, high 8, very high 10)
	score		numeric CHECK (score >= 0),
	description	text,
	builtin		boolean NOT NULL DEFAULT false,
	PRIMARY KEY (version_id, level_code),
	UNIQUE (version_id, rank)
);
COMMENT ON TABLE scsm.risk_level IS
	'A risk level of a matrix version: rank (0 = lowest), colour, treatment deadline and classification hint';

CREATE TABLE scsm.risk_matrix_cell (
	version_id	bigint NOT NULL,
	likelihood	integer NOT NULL CHECK (likelihood BETWEEN 1 AND 10),
	consequence	integer NOT NULL CHECK (consequence BETWEEN 1 AND 10),
	level_code	text NOT NULL,
	builtin		boolean NOT NULL DEFAULT false,
	PRIMARY KEY (version_id, likelihood, consequence),
	FOREIGN KEY (version_id, level_code) REFERENCES scsm.risk_level ON DELETE CASCADE
);
COMMENT ON TABLE scsm.risk_matrix_cell IS
	'The level of one (likelihood, consequence) cell of a matrix version (indexes start at 1)';

CREATE TABLE scsm.risk_score (
	score_id	bigserial PRIMARY KEY,
	org_id		bigint NOT NULL,
	risk_id		bigint NOT NULL,	-- FK (org_id, risk_id) to scsm.risk: 64_risk_register.sql
	matrix_version_id bigint NOT NULL REFERENCES scsm.risk_matrix_version,
	inputs		jsonb NOT NULL,
	method		text NOT NULL,
	method_version text NOT NULL,
	result		jsonb NOT NULL,
	inherent_level text NOT NULL,
	residual_level text NOT NULL,
	classification text NOT NULL
		CHECK (classification IN ('accept', 'control', 'eliminate', 'avoid')),
	scored_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	scored_by	text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE scsm.risk_score IS
	'A stored qualitative risk score with its inputs, method, method version and matrix version, so it can be re-derived';
CREATE INDEX risk_score_risk_idx ON scsm.risk_score (org_id, risk_id, scored_at);

SELECT pg_catalog.pg_extension_config_dump('scsm.risk_matrix', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_matrix_matrix_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_matrix_version', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_matrix_version_version_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_level', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_matrix_cell', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_score', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.risk_score_score_id_seq', '');

-------------------------------------------------------------------------------
-- C functions: pure scoring primitives (src/risk.c)
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_method_version() RETURNS text
	AS 'MODULE_PATHNAME', 'scsm_risk_method_version'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_method_version() IS
	'Version of the qualitative scoring method compiled into this library; stored with every score';

CREATE FUNCTION scsm.risk_combine_consequences(vals integer[], rule text, weights float8[] DEFAULT NULL)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'scsm_risk_combine_consequences'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_combine_consequences(integer[], text, float8[]) IS
	'Combine per-dimension consequence indexes: worst = max, weighted = ceiling of the weighted mean';

CREATE FUNCTION scsm.risk_combine_effectiveness(e float8[], rule text DEFAULT 'independent',
												cap float8 DEFAULT 1)
	RETURNS float8
	AS 'MODULE_PATHNAME', 'scsm_risk_combine_effectiveness'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_combine_effectiveness(float8[], text, float8) IS
	'Combine control effectiveness values in [0,1]: independent = 1-prod(1-e), max, weakest_link = min, mean; capped';

CREATE FUNCTION scsm.risk_residual_index(idx integer, effectiveness float8, n integer)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'scsm_risk_residual_index'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_residual_index(integer, float8, integer) IS
	'Residual axis index: max(1, ceil(idx * (1 - effectiveness))) on a 1..n axis';

CREATE FUNCTION scsm.risk_classify(level_rank integer, appetite_rank integer, tolerance_rank integer,
								   hint text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'scsm_risk_classify'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_classify(integer, integer, integer, text) IS
	'Classify a level rank against appetite and tolerance ranks: accept, control, eliminate or avoid (a level hint decides above tolerance)';

-------------------------------------------------------------------------------
-- C functions reading a matrix version (src/risk_matrix.c, src/heatmap.c)
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_level_of(version_id bigint, likelihood integer, consequence integer)
	RETURNS text
	AS 'MODULE_PATHNAME', 'scsm_risk_level_of'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_level_of(bigint, integer, integer) IS
	'Level code of cell (likelihood, consequence) of a matrix version';

CREATE FUNCTION scsm.risk_matrix_lint_grid(ranks integer[], n_likelihood integer, n_consequence integer,
										   likelihood_bounds float8[] DEFAULT NULL,
										   consequence_bounds float8[] DEFAULT NULL,
										   OUT severity text, OUT kind text, OUT cells text,
										   OUT explanation text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'scsm_risk_matrix_lint_grid'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_matrix_lint_grid(integer[], integer, integer, float8[], float8[]) IS
	'Geometric checks of a grid of level ranks (row-major by likelihood, NULL = missing): monotonicity, Cox weak consistency and betweenness';

CREATE FUNCTION scsm.risk_heatmap_svg(version_id bigint,
									  inherent_likelihood integer[], inherent_consequence integer[],
									  residual_likelihood integer[] DEFAULT NULL,
									  residual_consequence integer[] DEFAULT NULL,
									  title text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'scsm_risk_heatmap_svg_points'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_heatmap_svg(bigint, integer[], integer[], integer[], integer[], text) IS
	'SVG heat map of a matrix version with counts of (likelihood, consequence) points; residual points draw a second panel';

CREATE FUNCTION scsm.risk_heatmap_svg_counts(version_id bigint, inherent_counts integer[],
											 residual_counts integer[] DEFAULT NULL,
											 title text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'scsm_risk_heatmap_svg_counts'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_heatmap_svg_counts(bigint, integer[], integer[], text) IS
	'SVG heat map of a matrix version from count grids [likelihood][consequence]; a residual grid draws a second panel';

-------------------------------------------------------------------------------
-- Versioning: frozen versions are immutable
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_matrix_guard() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	vid bigint;
	is_frozen boolean;
	snapshot jsonb;
BEGIN
	IF TG_TABLE_NAME = 'risk_matrix_version' THEN
		IF TG_OP = 'UPDATE' THEN
			-- the only change allowed on a frozen version is none; freezing
			-- itself (false -> true) is allowed when nothing else changes
			IF OLD.frozen THEN
				IF NEW IS DISTINCT FROM OLD THEN
					RAISE EXCEPTION 'risk matrix version % is frozen', OLD.version_id
						USING ERRCODE = '55000',
							  DETAIL = 'A version that has been used for scoring or published cannot change.',
							  HINT = 'Create a new version with scsm.risk_matrix_new_version().';
				END IF;
			ELSIF NEW.frozen THEN
				-- freezing: nothing else may change, and the snapshot must be the content
				IF to_jsonb(NEW) - 'frozen' - 'frozen_content' <> to_jsonb(OLD) - 'frozen' - 'frozen_content'
				   OR NEW.frozen_content IS DISTINCT FROM scsm.risk_matrix_export(OLD.version_id) THEN
					RAISE EXCEPTION 'risk matrix version % must be frozen unchanged', OLD.version_id
						USING ERRCODE = '55000',
							  HINT = 'Freeze a version with scsm.risk_matrix_freeze().';
				END IF;
			END IF;
			RETURN NEW;
		ELSIF TG_OP = 'DELETE' THEN
			IF OLD.frozen THEN
				RAISE EXCEPTION 'risk matrix version % is frozen', OLD.version_id
					USING ERRCODE = '55000',
						  DETAIL = 'A version that has been used for scoring or published cannot be deleted.';
			END IF;
			RETURN OLD;
		END IF;
		RETURN NEW;
	END IF;

	IF TG_TABLE_NAME = 'risk_matrix' THEN
		IF OLD.builtin THEN
			RAISE EXCEPTION 'risk matrix "%" is a preset', OLD.name
				USING ERRCODE = '55000',
					  DETAIL = 'Presets are installed by the extension and cannot change.',
					  HINT = 'Copy it with scsm.risk_matrix_copy() and change the copy.';
		END IF;
		IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
		RETURN NEW;
	END IF;

	-- risk_level, risk_matrix_cell: the parent version must not be frozen
	IF TG_OP = 'DELETE' THEN vid := OLD.version_id; ELSE vid := NEW.version_id; END IF;
	SELECT v.frozen, v.frozen_content INTO is_frozen, snapshot
	  FROM scsm.risk_matrix_version v WHERE v.version_id = vid;
	IF NOT is_frozen AND TG_OP = 'UPDATE' AND OLD.version_id <> NEW.version_id THEN
		SELECT v.frozen INTO is_frozen FROM scsm.risk_matrix_version v WHERE v.version_id = OLD.version_id;
	END IF;
	-- re-inserting exactly what the version held when frozen is allowed: that is
	-- what pg_dump's restore does (the version row comes back first)
	IF is_frozen AND TG_OP = 'INSERT' THEN
		IF TG_TABLE_NAME = 'risk_matrix_cell' THEN
			IF EXISTS (SELECT FROM jsonb_array_elements(snapshot->'cells') x
					   WHERE x = jsonb_build_array(NEW.likelihood, NEW.consequence, NEW.level_code)) THEN
				RETURN NEW;
			END IF;
		ELSIF EXISTS (SELECT FROM jsonb_array_elements(snapshot->'levels') x
					  WHERE x->>'code' = NEW.level_code AND (x->>'rank')::int = NEW.rank
						AND x->>'name' = NEW.name AND x->>'colour' = NEW.colour
						AND (x->>'treatment_deadline')::interval IS NOT DISTINCT FROM NEW.treatment_deadline
						AND x->>'classification_hint' IS NOT DISTINCT FROM NEW.classification_hint
						AND (x->>'score')::numeric IS NOT DISTINCT FROM NEW.score
						AND x->>'description' IS NOT DISTINCT FROM NEW.description) THEN
			RETURN NEW;
		END IF;
	END IF;
	IF is_frozen THEN
		RAISE EXCEPTION 'risk matrix version % is frozen', vid
			USING ERRCODE = '55000',
				  DETAIL = 'Levels and cells of a version that has been used for scoring or published cannot change.',
				  HINT = 'Create a new version with scsm.risk_matrix_new_version().';
	END IF;
	IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_guard() IS
	'Trigger: refuses changes to presets and to frozen matrix versions, their levels and cells';

CREATE TRIGGER risk_matrix_guard BEFORE UPDATE OR DELETE ON scsm.risk_matrix
	FOR EACH ROW EXECUTE FUNCTION scsm.risk_matrix_guard();
CREATE TRIGGER risk_matrix_version_guard BEFORE UPDATE OR DELETE ON scsm.risk_matrix_version
	FOR EACH ROW EXECUTE FUNCTION scsm.risk_matrix_guard();
CREATE TRIGGER risk_level_guard BEFORE INSERT OR UPDATE OR DELETE ON scsm.risk_level
	FOR EACH ROW EXECUTE FUNCTION scsm.risk_matrix_guard();
CREATE TRIGGER risk_matrix_cell_guard BEFORE INSERT OR UPDATE OR DELETE ON scsm.risk_matrix_cell
	FOR EACH ROW EXECUTE FUNCTION scsm.risk_matrix_guard();

-------------------------------------------------------------------------------
-- Export and lint
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_matrix_export(version_id bigint) RETURNS jsonb
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	SET extra_float_digits = 1
	SET IntervalStyle = 'iso_8601'
AS $$
	SELECT jsonb_build_object(
		'n_likelihood', v.n_likelihood,
		'n_consequence', v.n_consequence,
		'likelihood_labels', to_jsonb(v.likelihood_labels),
		'consequence_labels', to_jsonb(v.consequence_labels),
		'likelihood_bounds', to_jsonb(v.likelihood_bounds),
		'consequence_bounds', to_jsonb(v.consequence_bounds),
		'appetite_level', v.appetite_level,
		'tolerance_level', v.tolerance_level,
		'consequence_rule', v.consequence_rule,
		'consequence_weights', v.consequence_weights,
		'control_rule', v.control_rule,
		'effectiveness_cap', v.effectiveness_cap,
		'levels', COALESCE((SELECT jsonb_agg(jsonb_build_object(
				'code', l.level_code, 'rank', l.rank, 'name', l.name, 'colour', l.colour,
				'treatment_deadline', l.treatment_deadline::text,
				'classification_hint', l.classification_hint, 'score', l.score,
				'description', l.description) ORDER BY l.rank)
			FROM scsm.risk_level l WHERE l.version_id = v.version_id), '[]'),
		'cells', COALESCE((SELECT jsonb_agg(jsonb_build_array(c.likelihood, c.consequence, c.level_code)
				ORDER BY c.likelihood, c.consequence)
			FROM scsm.risk_matrix_cell c WHERE c.version_id = v.version_id), '[]'))
	FROM scsm.risk_matrix_version v
	WHERE v.version_id = risk_matrix_export.version_id
$$;
COMMENT ON FUNCTION scsm.risk_matrix_export(bigint) IS
	'A matrix version as a jsonb document (the input format of scsm.risk_matrix_lint(jsonb) and scsm.risk_matrix_import)';

CREATE FUNCTION scsm.risk_matrix_lint(matrix jsonb,
									  OUT severity text, OUT kind text, OUT cells text, OUT explanation text)
	RETURNS SETOF record
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	nl int;
	nc int;
	lb float8[];
	cb float8[];
	ranks int[];
	cell jsonb;
	lv jsonb;
	codes text[] := '{}';
	rk int;
	i int;
	j int;
	pos int;
	app_rank int;
	tol_rank int;
	used text[] := '{}';
BEGIN
	-- IS DISTINCT FROM: a missing key is NULL, which <> would let through
	IF jsonb_typeof(matrix) IS DISTINCT FROM 'object'
	   OR jsonb_typeof(matrix->'n_likelihood') IS DISTINCT FROM 'number'
	   OR jsonb_typeof(matrix->'n_consequence') IS DISTINCT FROM 'number' THEN
		RAISE EXCEPTION 'a matrix document needs numbers "n_likelihood" and "n_consequence"'
			USING ERRCODE = '22023';
	END IF;
	nl := (matrix->>'n_likelihood')::int;
	nc := (matrix->>'n_consequence')::int;
	IF nl NOT BETWEEN 1 AND 10 OR nc NOT BETWEEN 1 AND 10 THEN
		severity := 'error'; kind := 'size'; cells := NULL;
		explanation := format('A matrix has 1..10 rows and columns; this one is %s x %s.', nl, nc);
		RETURN NEXT;
		RETURN;
	END IF;

	-- levels: duplicates of code or rank
	FOR lv IN SELECT x FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x LOOP
		IF (lv->>'code') = ANY (codes) THEN
			severity := 'error'; kind := 'duplicate_level'; cells := NULL;
			explanation := format('Level %s is defined twice.', lv->>'code');
			RETURN NEXT;
		END IF;
		codes := codes || (lv->>'code');
	END LOOP;
	FOR lv IN SELECT x FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
			  WHERE (SELECT count(*) FROM jsonb_array_elements(matrix->'levels') y
					 WHERE (y->>'rank') = (x->>'rank')) > 1 LOOP
		severity := 'error'; kind := 'duplicate_rank'; cells := NULL;
		explanation := format('Level %s shares rank %s with another level.', lv->>'code', lv->>'rank');
		RETURN NEXT;
	END LOOP;

	-- cells: outside the matrix, duplicated, undefined level
	ranks := array_fill(NULL::int, ARRAY[nl * nc]);
	FOR cell IN SELECT x FROM jsonb_array_elements(COALESCE(matrix->'cells', '[]')) x LOOP
		i := (cell->>0)::int;
		j := (cell->>1)::int;
		IF i NOT BETWEEN 1 AND nl OR j NOT BETWEEN 1 AND nc THEN
			severity := 'error'; kind := 'cell_outside'; cells := format('(%s,%s)', i, j);
			explanation := format('The cell is outside the %s x %s matrix.', nl, nc);
			RETURN NEXT;
			CONTINUE;
		END IF;
		SELECT (x->>'rank')::int INTO rk
		  FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
		 WHERE x->>'code' = cell->>2 LIMIT 1;
		IF NOT FOUND THEN
			severity := 'error'; kind := 'undefined_level'; cells := format('(%s,%s)', i, j);
			explanation := format('The cell uses level %s, which is not defined.', cell->>2);
			RETURN NEXT;
			CONTINUE;
		END IF;
		pos := (i - 1) * nc + j;
		IF ranks[pos] IS NOT NULL THEN
			severity := 'error'; kind := 'duplicate_cell'; cells := format('(%s,%s)', i, j);
			explanation := 'The cell is given twice.';
			RETURN NEXT;
		END IF;
		ranks[pos] := rk;
		used := used || (cell->>2);
	END LOOP;

	-- appetite and tolerance
	SELECT (x->>'rank')::int INTO app_rank FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
	 WHERE x->>'code' = matrix->>'appetite_level' LIMIT 1;
	IF app_rank IS NULL THEN
		severity := 'error'; kind := 'undefined_appetite'; cells := NULL;
		explanation := format('The appetite level %s is not defined.', COALESCE(matrix->>'appetite_level', 'NULL'));
		RETURN NEXT;
	END IF;
	SELECT (x->>'rank')::int INTO tol_rank FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
	 WHERE x->>'code' = matrix->>'tolerance_level' LIMIT 1;
	IF tol_rank IS NULL THEN
		severity := 'error'; kind := 'undefined_tolerance'; cells := NULL;
		explanation := format('The tolerance level %s is not defined.', COALESCE(matrix->>'tolerance_level', 'NULL'));
		RETURN NEXT;
	END IF;
	IF app_rank > tol_rank THEN
		severity := 'error'; kind := 'appetite_above_tolerance'; cells := NULL;
		explanation := 'The appetite level ranks above the tolerance level.';
		RETURN NEXT;
	END IF;

	-- level hints that contradict appetite and tolerance
	IF app_rank IS NOT NULL AND tol_rank IS NOT NULL THEN
		FOR lv IN SELECT x FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
				  WHERE x->>'classification_hint' IS NOT NULL LOOP
			rk := (lv->>'rank')::int;
			IF (rk <= app_rank AND lv->>'classification_hint' <> 'accept')
			   OR (rk > app_rank AND rk <= tol_rank AND lv->>'classification_hint' <> 'control')
			   OR (rk > tol_rank AND lv->>'classification_hint' NOT IN ('eliminate', 'avoid')) THEN
				severity := 'warning'; kind := 'classification_conflict'; cells := NULL;
				explanation := format('Level %s has hint %s, which contradicts the appetite (%s) and tolerance (%s) levels.',
									  lv->>'code', lv->>'classification_hint',
									  matrix->>'appetite_level', matrix->>'tolerance_level');
				RETURN NEXT;
			END IF;
		END LOOP;
	END IF;

	-- semi-quantitative scores must follow the ranks
	FOR lv IN SELECT x FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
			  WHERE jsonb_typeof(x->'score') = 'number'
				AND EXISTS (SELECT FROM jsonb_array_elements(matrix->'levels') y
							WHERE jsonb_typeof(y->'score') = 'number'
							  AND (y->>'rank')::int < (x->>'rank')::int
							  AND (y->>'score')::numeric >= (x->>'score')::numeric) LOOP
		severity := 'warning'; kind := 'score_order'; cells := NULL;
		explanation := format('Level %s has score %s, not above every lower-ranked level''s score.',
							  lv->>'code', lv->>'score');
		RETURN NEXT;
	END LOOP;

	-- levels defined but never used
	FOR lv IN SELECT x FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x
			  WHERE NOT (x->>'code' = ANY (used)) LOOP
		severity := 'warning'; kind := 'unused_level'; cells := NULL;
		explanation := format('Level %s is defined but no cell uses it.', lv->>'code');
		RETURN NEXT;
	END LOOP;

	-- axis bounds
	IF jsonb_typeof(matrix->'likelihood_bounds') = 'array' THEN
		lb := ARRAY(SELECT x::float8 FROM jsonb_array_elements_text(matrix->'likelihood_bounds') x);
	END IF;
	IF jsonb_typeof(matrix->'consequence_bounds') = 'array' THEN
		cb := ARRAY(SELECT x::float8 FROM jsonb_array_elements_text(matrix->'consequence_bounds') x);
	END IF;

	RETURN QUERY SELECT * FROM scsm.risk_matrix_lint_grid(ranks, nl, nc, lb, cb);
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_lint(jsonb) IS
	'Lint a matrix document (scsm.risk_matrix_export format): structure errors, unused levels, hint conflicts, then the geometric checks';

CREATE FUNCTION scsm.risk_matrix_lint(version_id bigint,
									  OUT severity text, OUT kind text, OUT cells text, OUT explanation text)
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	doc jsonb := scsm.risk_matrix_export(version_id);
BEGIN
	IF doc IS NULL THEN
		RAISE EXCEPTION 'risk matrix version % does not exist', version_id
			USING ERRCODE = '42704';
	END IF;
	RETURN QUERY SELECT * FROM scsm.risk_matrix_lint(doc);
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_lint(bigint) IS
	'Lint a stored matrix version: rows (severity, kind, cells, explanation); no rows means clean';

-------------------------------------------------------------------------------
-- Creating matrices and versions
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_matrix_import(org_id bigint, name text, matrix jsonb,
										matrix_id bigint DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	mid bigint := matrix_id;
	vno int;
	vid bigint;
BEGIN
	IF matrix IS NULL THEN
		RAISE EXCEPTION 'matrix document must not be null' USING ERRCODE = '22004';
	END IF;
	IF mid IS NULL THEN
		INSERT INTO scsm.risk_matrix (org_id, name) VALUES (risk_matrix_import.org_id, risk_matrix_import.name)
		RETURNING risk_matrix.matrix_id INTO mid;
		vno := 1;
	ELSE
		IF NOT EXISTS (SELECT FROM scsm.risk_matrix m WHERE m.matrix_id = mid) THEN
			RAISE EXCEPTION 'risk matrix % does not exist', mid USING ERRCODE = '42704';
		END IF;
		IF (SELECT m.builtin FROM scsm.risk_matrix m WHERE m.matrix_id = mid) THEN
			RAISE EXCEPTION 'risk matrix % is a preset', mid
				USING ERRCODE = '55000',
					  HINT = 'Copy it with scsm.risk_matrix_copy() and change the copy.';
		END IF;
		SELECT COALESCE(max(v.version), 0) + 1 INTO vno FROM scsm.risk_matrix_version v WHERE v.matrix_id = mid;
	END IF;

	INSERT INTO scsm.risk_matrix_version (matrix_id, version, n_likelihood, n_consequence,
		likelihood_labels, consequence_labels, likelihood_bounds, consequence_bounds,
		appetite_level, tolerance_level, consequence_rule, consequence_weights, control_rule,
		effectiveness_cap)
	VALUES (mid, vno, (matrix->>'n_likelihood')::int, (matrix->>'n_consequence')::int,
		ARRAY(SELECT jsonb_array_elements_text(matrix->'likelihood_labels')),
		ARRAY(SELECT jsonb_array_elements_text(matrix->'consequence_labels')),
		CASE WHEN jsonb_typeof(matrix->'likelihood_bounds') = 'array'
			 THEN ARRAY(SELECT x::float8 FROM jsonb_array_elements_text(matrix->'likelihood_bounds') x) END,
		CASE WHEN jsonb_typeof(matrix->'consequence_bounds') = 'array'
			 THEN ARRAY(SELECT x::float8 FROM jsonb_array_elements_text(matrix->'consequence_bounds') x) END,
		matrix->>'appetite_level', matrix->>'tolerance_level',
		COALESCE(matrix->>'consequence_rule', 'worst'), COALESCE(matrix->'consequence_weights', '{}'),
		COALESCE(matrix->>'control_rule', 'independent'),
		COALESCE((matrix->>'effectiveness_cap')::float8, 1))
	RETURNING risk_matrix_version.version_id INTO vid;

	INSERT INTO scsm.risk_level (version_id, level_code, rank, name, colour, treatment_deadline,
								 classification_hint, score, description)
	SELECT vid, x->>'code', (x->>'rank')::int, COALESCE(x->>'name', x->>'code'), x->>'colour',
		   (x->>'treatment_deadline')::interval, x->>'classification_hint', (x->>'score')::numeric,
		   x->>'description'
	  FROM jsonb_array_elements(COALESCE(matrix->'levels', '[]')) x;

	INSERT INTO scsm.risk_matrix_cell (version_id, likelihood, consequence, level_code)
	SELECT vid, (x->>0)::int, (x->>1)::int, x->>2
	  FROM jsonb_array_elements(COALESCE(matrix->'cells', '[]')) x;

	RETURN vid;
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_import(bigint, text, jsonb, bigint) IS
	'Create a matrix (or, given matrix_id, its next version) from a jsonb document; returns the new version_id';

CREATE FUNCTION scsm.risk_matrix_new_version(from_version_id bigint) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	doc jsonb := scsm.risk_matrix_export(from_version_id);
BEGIN
	IF doc IS NULL THEN
		RAISE EXCEPTION 'risk matrix version % does not exist', from_version_id USING ERRCODE = '42704';
	END IF;
	RETURN scsm.risk_matrix_import(NULL, NULL, doc,
		(SELECT v.matrix_id FROM scsm.risk_matrix_version v WHERE v.version_id = from_version_id));
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_new_version(bigint) IS
	'Copy a version into the next (unfrozen) version of the same matrix, to be edited; returns its version_id';

CREATE FUNCTION scsm.risk_matrix_copy(from_version_id bigint, org_id bigint, name text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	doc jsonb := scsm.risk_matrix_export(from_version_id);
BEGIN
	IF doc IS NULL THEN
		RAISE EXCEPTION 'risk matrix version % does not exist', from_version_id USING ERRCODE = '42704';
	END IF;
	RETURN scsm.risk_matrix_import(org_id, name, doc);
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_copy(bigint, bigint, text) IS
	'Copy a version (e.g. a preset) into version 1 of a new matrix owned by org_id; returns its version_id';

CREATE FUNCTION scsm.risk_matrix_freeze(version_id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n_err int;
	first_err text;
BEGIN
	IF NOT EXISTS (SELECT FROM scsm.risk_matrix_version v WHERE v.version_id = risk_matrix_freeze.version_id) THEN
		RAISE EXCEPTION 'risk matrix version % does not exist', version_id USING ERRCODE = '42704';
	END IF;
	IF (SELECT v.frozen FROM scsm.risk_matrix_version v WHERE v.version_id = risk_matrix_freeze.version_id) THEN
		RETURN;
	END IF;
	SELECT count(*), min(l.kind || ' ' || COALESCE(l.cells, '') || ': ' || l.explanation)
	  INTO n_err, first_err
	  FROM scsm.risk_matrix_lint(version_id) l WHERE l.severity = 'error';
	IF n_err > 0 THEN
		RAISE EXCEPTION 'risk matrix version % has % lint error(s)', version_id, n_err
			USING ERRCODE = '55000', DETAIL = first_err,
				  HINT = 'Run scsm.risk_matrix_lint() and correct the version before using it.';
	END IF;
	UPDATE scsm.risk_matrix_version v SET frozen = true, frozen_content = scsm.risk_matrix_export(v.version_id)
	 WHERE v.version_id = risk_matrix_freeze.version_id;
END
$$;
COMMENT ON FUNCTION scsm.risk_matrix_freeze(bigint) IS
	'Freeze (publish) a matrix version after checking it has no lint errors; a frozen version never changes';

-------------------------------------------------------------------------------
-- Scoring
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_score_compute(version_id bigint, inputs jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'scsm_risk_score_compute'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.risk_score_compute(bigint, jsonb) IS
	'Score inputs (likelihood, consequence(s), preventive and corrective effectiveness) on a matrix version; returns the full derivation as jsonb';

CREATE FUNCTION scsm.risk_score_record(org_id bigint, risk_id bigint, version_id bigint, inputs jsonb)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r jsonb;
	sid bigint;
BEGIN
	-- not STRICT: a missing argument is an error, not a silently unrecorded score
	IF org_id IS NULL OR risk_id IS NULL OR version_id IS NULL OR inputs IS NULL THEN
		RAISE EXCEPTION 'org_id, risk_id, version_id and inputs must not be null' USING ERRCODE = '22004';
	END IF;
	IF NOT EXISTS (SELECT FROM scsm.risk_matrix_version v WHERE v.version_id = risk_score_record.version_id) THEN
		RAISE EXCEPTION 'risk matrix version % does not exist', version_id USING ERRCODE = '42704';
	END IF;
	-- a stored score pins its version: freeze it (refused if it has lint errors)
	PERFORM scsm.risk_matrix_freeze(version_id);
	r := scsm.risk_score_compute(version_id, inputs);
	INSERT INTO scsm.risk_score (org_id, risk_id, matrix_version_id, inputs, method, method_version,
								 result, inherent_level, residual_level, classification)
	VALUES (org_id, risk_id, version_id, inputs, r->>'method', r->>'method_version', r,
			r->'inherent'->>'level', r->'residual'->>'level', r->>'classification')
	RETURNING score_id INTO sid;
	RETURN sid;
END
$$;
COMMENT ON FUNCTION scsm.risk_score_record(bigint, bigint, bigint, jsonb) IS
	'Compute and store a score for a risk; freezes the matrix version it used; returns score_id';

CREATE FUNCTION scsm.risk_score_freeze_version() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
	-- scores inserted directly (not through risk_score_record) freeze their version too
	IF NOT (SELECT v.frozen FROM scsm.risk_matrix_version v WHERE v.version_id = NEW.matrix_version_id) THEN
		PERFORM scsm.risk_matrix_freeze(NEW.matrix_version_id);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.risk_score_freeze_version() IS
	'Trigger: a stored score freezes the matrix version it refers to';
CREATE TRIGGER risk_score_freeze_version AFTER INSERT ON scsm.risk_score
	FOR EACH ROW EXECUTE FUNCTION scsm.risk_score_freeze_version();

CREATE FUNCTION scsm.rescore_check(score_id bigint,
								   OUT matches boolean, OUT reason text, OUT stored jsonb, OUT rederived jsonb)
	RETURNS record
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s scsm.risk_score;
BEGIN
	SELECT * INTO s FROM scsm.risk_score x WHERE x.score_id = rescore_check.score_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'risk score % does not exist', score_id USING ERRCODE = '42704';
	END IF;
	stored := s.result;
	rederived := scsm.risk_score_compute(s.matrix_version_id, s.inputs);
	IF (SELECT v.frozen_content FROM scsm.risk_matrix_version v WHERE v.version_id = s.matrix_version_id)
	   IS DISTINCT FROM scsm.risk_matrix_export(s.matrix_version_id) THEN
		matches := false;
		reason := 'the matrix version no longer holds what it held when it was frozen';
	ELSIF s.method_version <> rederived->>'method_version' THEN
		matches := false;
		reason := format('stored with method version %s, this library implements %s',
						 s.method_version, rederived->>'method_version');
	ELSIF rederived <> s.result THEN
		matches := false;
		reason := 'the re-derived result differs from the stored result';
	ELSIF (s.inherent_level, s.residual_level, s.classification) IS DISTINCT FROM
		  (rederived->'inherent'->>'level', rederived->'residual'->>'level', rederived->>'classification') THEN
		matches := false;
		reason := 'the stored level columns differ from the stored result';
	ELSE
		matches := true;
		reason := NULL;
	END IF;
END
$$;
COMMENT ON FUNCTION scsm.rescore_check(bigint) IS
	'Re-derive a stored score from its inputs and matrix version and say whether it matches (and why not)';

-------------------------------------------------------------------------------
-- Read side for BI
-------------------------------------------------------------------------------

CREATE VIEW scsm.v_risk_matrix_cell AS
SELECT m.matrix_id, m.org_id, m.name AS matrix_name, v.version_id, v.version, v.frozen,
	   c.likelihood, v.likelihood_labels[c.likelihood] AS likelihood_label,
	   c.consequence, v.consequence_labels[c.consequence] AS consequence_label,
	   c.level_code, l.name AS level_name, l.rank AS level_rank, l.score AS level_score, l.colour,
	   l.treatment_deadline,
	   scsm.risk_classify(l.rank, a.rank, t.rank, l.classification_hint) AS classification
  FROM scsm.risk_matrix m
  JOIN scsm.risk_matrix_version v USING (matrix_id)
  JOIN scsm.risk_matrix_cell c USING (version_id)
  JOIN scsm.risk_level l USING (version_id, level_code)
  LEFT JOIN scsm.risk_level a ON a.version_id = v.version_id AND a.level_code = v.appetite_level
  LEFT JOIN scsm.risk_level t ON t.version_id = v.version_id AND t.level_code = v.tolerance_level;
COMMENT ON VIEW scsm.v_risk_matrix_cell IS
	'Every cell of every matrix version with labels, level, colour, treatment deadline and classification (heat-map backgrounds for BI)';

-------------------------------------------------------------------------------
-- Presets (builtin, frozen).  Sources and reasoning in docs/risk.md.
-------------------------------------------------------------------------------

INSERT INTO scsm.risk_matrix (org_id, name, description, builtin) VALUES
	(NULL, '5x5 product bands',
	 'Likelihood 1..5 x consequence 1..5, level from the product L*C banded 1-4 low, 5-9 medium, 10-15 high, 16-25 critical', true),
	(NULL, '3x3 NIST SP 800-30 (2002)',
	 'Likelihood 0.1/0.5/1.0 x impact 10/50/100, risk = L*I banded low 1-10, medium >10-50, high >50-100', true),
	(NULL, 'NIST SP 800-30 Rev. 1 Table I-2',
	 'Five-level likelihood x impact lookup table of NIST SP 800-30 Rev. 1 (2012), Appendix I', true);

INSERT INTO scsm.risk_matrix_version (matrix_id, version, n_likelihood, n_consequence,
	likelihood_labels, consequence_labels, likelihood_bounds, consequence_bounds,
	appetite_level, tolerance_level, builtin)
SELECT m.matrix_id, 1, 5, 5,
	'{rare,unlikely,possible,likely,almost certain}'::text[],
	'{negligible,minor,moderate,major,severe}'::text[],
	NULL::float8[], NULL::float8[], 'low', 'medium', true
  FROM scsm.risk_matrix m WHERE m.builtin AND m.name = '5x5 product bands'
UNION ALL
SELECT m.matrix_id, 1, 3, 3, '{low,medium,high}'::text[], '{low,medium,high}'::text[],
	'{0,0.1,0.5,1}'::float8[], '{0,10,50,100}'::float8[], 'low', 'medium', true
  FROM scsm.risk_matrix m WHERE m.builtin AND m.name = '3x3 NIST SP 800-30 (2002)'
UNION ALL
SELECT m.matrix_id, 1, 5, 5,
	'{very low,low,moderate,high,very high}'::text[], '{very low,low,moderate,high,very high}'::text[],
	'{0,5,21,80,96,100}'::float8[], '{0,5,21,80,96,100}'::float8[], 'L', 'M', true
  FROM scsm.risk_matrix m WHERE m.builtin AND m.name = 'NIST SP 800-30 Rev. 1 Table I-2';

INSERT INTO scsm.risk_level (version_id, level_code, rank, name, colour, treatment_deadline,
							 classification_hint, score, builtin)
SELECT v.version_id, l.code, l.rank, l.name, l.colour, l.deadline::interval, l.hint, l.score, true
  FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
  JOIN (VALUES
	('5x5 product bands', 'low', 0, 'Low', '#2e7d32', NULL, 'accept', NULL::numeric),
	('5x5 product bands', 'medium', 1, 'Medium', '#fbc02d', '12 months', 'control', NULL),
	('5x5 product bands', 'high', 2, 'High', '#ef6c00', '3 months', 'eliminate', NULL),
	('5x5 product bands', 'critical', 3, 'Critical', '#b71c1c', '7 days', 'avoid', NULL),
	('3x3 NIST SP 800-30 (2002)', 'low', 0, 'Low', '#2e7d32', NULL, 'accept', NULL),
	('3x3 NIST SP 800-30 (2002)', 'medium', 1, 'Medium', '#fbc02d', '12 months', 'control', NULL),
	('3x3 NIST SP 800-30 (2002)', 'high', 2, 'High', '#b71c1c', '1 month', 'eliminate', NULL),
	('NIST SP 800-30 Rev. 1 Table I-2', 'VL', 0, 'Very Low', '#1b5e20', NULL, 'accept', 0),
	('NIST SP 800-30 Rev. 1 Table I-2', 'L', 1, 'Low', '#7cb342', NULL, 'accept', 2),
	('NIST SP 800-30 Rev. 1 Table I-2', 'M', 2, 'Moderate', '#fbc02d', NULL, 'control', 5),
	('NIST SP 800-30 Rev. 1 Table I-2', 'H', 3, 'High', '#ef6c00', NULL, 'eliminate', 8),
	('NIST SP 800-30 Rev. 1 Table I-2', 'VH', 4, 'Very High', '#b71c1c', NULL, 'avoid', 10)
  ) AS l(matrix, code, rank, name, colour, deadline, hint, score) ON l.matrix = m.name
 WHERE m.builtin;

-- 5x5: level of the product L*C (1-4 low, 5-9 medium, 10-15 high, 16-25 critical)
INSERT INTO scsm.risk_matrix_cell (version_id, likelihood, consequence, level_code, builtin)
SELECT v.version_id, l, c,
	   CASE WHEN l * c <= 4 THEN 'low' WHEN l * c <= 9 THEN 'medium'
			WHEN l * c <= 15 THEN 'high' ELSE 'critical' END, true
  FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id),
	   generate_series(1, 5) l, generate_series(1, 5) c
 WHERE m.builtin AND m.name = '5x5 product bands';

-- 3x3: likelihood {0.1, 0.5, 1.0} x impact {10, 50, 100}; <= 10 low, <= 50 medium, else high
INSERT INTO scsm.risk_matrix_cell (version_id, likelihood, consequence, level_code, builtin)
SELECT v.version_id, l, c,
	   CASE WHEN p * i <= 10 THEN 'low' WHEN p * i <= 50 THEN 'medium' ELSE 'high' END, true
  FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id),
	   (VALUES (1, 0.1), (2, 0.5), (3, 1.0)) AS lk(l, p),
	   (VALUES (1, 10), (2, 50), (3, 100)) AS im(c, i)
 WHERE m.builtin AND m.name = '3x3 NIST SP 800-30 (2002)';

-- NIST SP 800-30 Rev. 1 Table I-2: rows likelihood VL..VH (1..5), columns impact VL..VH (1..5)
INSERT INTO scsm.risk_matrix_cell (version_id, likelihood, consequence, level_code, builtin)
SELECT v.version_id, t.l, c.c, (t.row_levels)[c.c], true
  FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id),
	   (VALUES (5, '{VL,L,M,H,VH}'::text[]),
			   (4, '{VL,L,M,H,VH}'::text[]),
			   (3, '{VL,L,M,M,H}'::text[]),
			   (2, '{VL,L,L,L,M}'::text[]),
			   (1, '{VL,VL,VL,L,L}'::text[])) AS t(l, row_levels),
	   generate_series(1, 5) AS c(c)
 WHERE m.builtin AND m.name = 'NIST SP 800-30 Rev. 1 Table I-2';

UPDATE scsm.risk_matrix_version SET frozen = true, frozen_content = scsm.risk_matrix_export(version_id)
 WHERE builtin;
