-- 64_risk_register.sql: the risk engine (60_risk_matrix.sql) wired to the
-- register (30_register_plan.sql), clause 4.3.1.
--
--   * foreign keys from the engine's tables to the register;
--   * each organization's current risk method (a matrix version, which fixes
--     the consequence rule and weights and the control rule), default the
--     5x5 preset;
--   * scoring a register risk from its likelihood, consequences and
--     implemented controls: a stored, re-derivable scsm.risk_score row (never
--     updated; a new assessment is a new row) and the levels written back to
--     scsm.risk;
--   * triggers that keep scored risks current when their inputs or controls
--     change;
--   * the closed loop of 4.3.1: a level change flags the linked objectives,
--     programmes, training needs (competences) and operational controls and
--     procedures for review (scsm.review_flag) and goes out on
--     NOTIFY scsm_events;
--   * views scsm.v_risk_register and scsm.v_risk_heatmap and the heat map of
--     an organization's register.
-- docs/risk.md, section "The register's risks", describes it.
--
-- SQLSTATEs raised here:
--   22004  a NULL argument
--   22023  a matrix version an organization may not use
--   42704  unknown risk (or not visible to the caller), unknown flag
--   23514  a risk whose consequence column is below the combined consequence
--          of its dimensions

-------------------------------------------------------------------------------
-- Foreign keys the engine could not declare before the register existed
-------------------------------------------------------------------------------

ALTER TABLE scsm.risk_matrix
	ADD CONSTRAINT risk_matrix_org_fk FOREIGN KEY (org_id) REFERENCES scsm.organization (org_id);
ALTER TABLE scsm.risk_score
	ADD CONSTRAINT risk_score_org_fk FOREIGN KEY (org_id) REFERENCES scsm.organization (org_id),
	ADD CONSTRAINT risk_score_risk_fk FOREIGN KEY (org_id, risk_id) REFERENCES scsm.risk (org_id, risk_id);

-- Which axis a control acts on for a risk: preventive controls lower the
-- likelihood, corrective (containment, recovery) controls the consequence.
ALTER TABLE scsm.risk_control
	ADD COLUMN reduces text NOT NULL DEFAULT 'likelihood' CHECK (reduces IN ('likelihood', 'consequence'));
COMMENT ON COLUMN scsm.risk_control.reduces IS
	'likelihood (a preventive control) or consequence (a corrective control): the axis its effectiveness lowers';

-------------------------------------------------------------------------------
-- The risk method of an organization
-------------------------------------------------------------------------------

CREATE TABLE scsm.organization_risk_method (
	org_id		bigint PRIMARY KEY REFERENCES scsm.organization (org_id),
	matrix_version_id bigint NOT NULL REFERENCES scsm.risk_matrix_version (version_id),
	note		text,
	changed_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	changed_by	text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE scsm.organization_risk_method IS
	'The matrix version an organization scores its risks with (the version fixes consequence and control rules); none: the 5x5 preset';
SELECT pg_catalog.pg_extension_config_dump('scsm.organization_risk_method', '');

CREATE FUNCTION scsm.tg_risk_method_check() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	owner_org bigint;
	found_it boolean;
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
	-- runs with the caller's rights: another organization's matrix is invisible
	SELECT true, m.org_id INTO found_it, owner_org
	  FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
	 WHERE v.version_id = NEW.matrix_version_id;
	IF found_it IS NULL OR (owner_org IS NOT NULL AND owner_org <> NEW.org_id) THEN
		RAISE EXCEPTION 'risk matrix version % is not available to organization %', NEW.matrix_version_id, NEW.org_id
			USING ERRCODE = '22023',
				  DETAIL = 'An organization scores with a preset or with a matrix of its own.',
				  HINT = 'Copy a preset with scsm.risk_matrix_copy() for this organization.';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION scsm.tg_risk_method_check() IS
	'Trigger: an organization''s risk method uses a preset or one of its own matrix versions';
-- AFTER: row-level security decides first whether the caller may write the row
CREATE TRIGGER organization_risk_method_check AFTER INSERT OR UPDATE ON scsm.organization_risk_method
	FOR EACH ROW EXECUTE FUNCTION scsm.tg_risk_method_check();

CREATE FUNCTION scsm.risk_matrix_for(org_id bigint) RETURNS bigint
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(
		(SELECT m.matrix_version_id FROM scsm.organization_risk_method m
		  WHERE m.org_id = risk_matrix_for.org_id),
		(SELECT v.version_id FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
		  WHERE m.builtin AND m.name = '5x5 product bands' ORDER BY v.version DESC LIMIT 1))
$$;
COMMENT ON FUNCTION scsm.risk_matrix_for(bigint) IS
	'The matrix version an organization scores with now (scsm.organization_risk_method, else the 5x5 preset)';

-------------------------------------------------------------------------------
-- Review flags: the closed loop of 4.3.1
-------------------------------------------------------------------------------

CREATE TABLE scsm.review_flag (
	org_id		bigint NOT NULL REFERENCES scsm.organization (org_id),
	flag_id		bigint GENERATED BY DEFAULT AS IDENTITY,
	ref_table	text NOT NULL
		CHECK (ref_table IN ('objective', 'programme', 'competence', 'control', 'procedure')),
	ref_id		bigint NOT NULL,
	risk_id		bigint NOT NULL,
	score_id	bigint REFERENCES scsm.risk_score (score_id),
	reason		text NOT NULL CHECK (reason <> ''),
	raised_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	cleared_at	timestamptz,
	cleared_by	text,
	PRIMARY KEY (org_id, flag_id),
	FOREIGN KEY (org_id, risk_id) REFERENCES scsm.risk (org_id, risk_id),
	CONSTRAINT review_flag_cleared CHECK ((cleared_at IS NULL) = (cleared_by IS NULL))
);
CREATE INDEX review_flag_open_idx ON scsm.review_flag (org_id, ref_table, ref_id) WHERE cleared_at IS NULL;
CREATE INDEX review_flag_risk_idx ON scsm.review_flag (org_id, risk_id);
COMMENT ON TABLE scsm.review_flag IS
	'Something to review because a risk''s level changed: an objective, programme, competence (training need), control or procedure (4.3.1)';
COMMENT ON COLUMN scsm.review_flag.ref_table IS 'Which register table ref_id points into (with org_id)';
SELECT pg_catalog.pg_extension_config_dump('scsm.review_flag', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.review_flag_flag_id_seq', '');

CREATE FUNCTION scsm.clear_review_flag(org_id bigint, flag_id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF org_id IS NULL OR flag_id IS NULL THEN
		RAISE EXCEPTION 'org_id and flag_id must not be null' USING ERRCODE = '22004';
	END IF;
	UPDATE scsm.review_flag f SET cleared_at = pg_catalog.now(), cleared_by = CURRENT_USER
	 WHERE f.org_id = clear_review_flag.org_id AND f.flag_id = clear_review_flag.flag_id AND f.cleared_at IS NULL;
	IF NOT FOUND AND NOT EXISTS (SELECT FROM scsm.review_flag f
								  WHERE f.org_id = clear_review_flag.org_id AND f.flag_id = clear_review_flag.flag_id) THEN
		RAISE EXCEPTION 'review flag % of organization % does not exist', flag_id, org_id
			USING ERRCODE = '42704';
	END IF;
END
$$;
COMMENT ON FUNCTION scsm.clear_review_flag(bigint, bigint) IS
	'Mark a review flag as dealt with (idempotent); the flag row stays as the trace of the review';

CREATE FUNCTION scsm.raise_risk_review_flags(org_id bigint, risk_id bigint, score_id bigint,
											 old_level text, new_level text,
											 old_residual text, new_residual text)
	RETURNS integer
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	why text := pg_catalog.format('risk %s: inherent level %s -> %s, residual level %s -> %s',
								  risk_id, COALESCE(old_level, 'none'), COALESCE(new_level, 'none'),
								  COALESCE(old_residual, 'none'), COALESCE(new_residual, 'none'));
	n integer;
BEGIN
	WITH objectives AS (
		SELECT DISTINCT i.objective_id
		  FROM scsm.objective_input i JOIN scsm.objective o USING (org_id, objective_id)
		 WHERE i.org_id = raise_risk_review_flags.org_id AND i.risk_id = raise_risk_review_flags.risk_id
		   AND o.status = 'active'),
	programmes AS (
		SELECT p.programme_id, min(x.how) AS how
		  FROM scsm.programme p
		  JOIN (SELECT m.programme_id, 'has a measure on the risk' AS how
				  FROM scsm.programme_measure m
				 WHERE m.org_id = raise_risk_review_flags.org_id AND m.risk_id = raise_risk_review_flags.risk_id
				UNION ALL
				SELECT p2.programme_id, 'serves objective ' || p2.objective_id || ', which took the risk into account'
				  FROM scsm.programme p2 JOIN objectives o USING (objective_id)
				 WHERE p2.org_id = raise_risk_review_flags.org_id) x USING (programme_id)
		 WHERE p.org_id = raise_risk_review_flags.org_id AND p.status IN ('planned', 'active')
		 GROUP BY p.programme_id),
	controls AS (
		SELECT c.control_id, c.owner, c.procedure_id
		  FROM scsm.risk_control rc JOIN scsm.control c USING (org_id, control_id)
		 WHERE rc.org_id = raise_risk_review_flags.org_id AND rc.risk_id = raise_risk_review_flags.risk_id
		   AND c.status <> 'retired'),
	competences AS (
		-- training needs: competences required by the roles that the owners
		-- of the risk's controls hold today
		SELECT rcp.competence_id,
			   pg_catalog.string_agg(DISTINCT r.name, ', ' ORDER BY r.name) AS roles
		  FROM controls c
		  JOIN scsm.appointment a ON a.org_id = raise_risk_review_flags.org_id AND a.person_id = c.owner
			   AND a.valid_from <= current_date AND (a.valid_until IS NULL OR a.valid_until >= current_date)
		  JOIN scsm.role r ON r.org_id = a.org_id AND r.role_id = a.role_id
		  JOIN scsm.role_competence rcp ON rcp.org_id = a.org_id AND rcp.role_id = a.role_id
		 GROUP BY rcp.competence_id),
	flags AS (
		SELECT 'objective' AS ref_table, o.objective_id AS ref_id, why || '; the objective took the risk into account' AS reason
		  FROM objectives o
		UNION ALL
		SELECT 'programme', p.programme_id, why || '; the programme ' || p.how FROM programmes p
		UNION ALL
		SELECT 'control', c.control_id, why || '; the control treats the risk' FROM controls c
		UNION ALL
		SELECT DISTINCT 'procedure', c.procedure_id, why || '; the procedure carries a control of the risk'
		  FROM controls c WHERE c.procedure_id IS NOT NULL
		UNION ALL
		SELECT 'competence', k.competence_id,
			   why || '; required by role(s) ' || k.roles || ' held by owners of the risk''s controls'
		  FROM competences k)
	INSERT INTO scsm.review_flag (org_id, ref_table, ref_id, risk_id, score_id, reason)
	SELECT raise_risk_review_flags.org_id, f.ref_table, f.ref_id, raise_risk_review_flags.risk_id,
		   raise_risk_review_flags.score_id, f.reason
	  FROM flags f
	 ORDER BY f.ref_table, f.ref_id;
	GET DIAGNOSTICS n = ROW_COUNT;

	UPDATE scsm.programme p SET needs_review = true
	 WHERE p.org_id = raise_risk_review_flags.org_id AND NOT p.needs_review
	   AND p.programme_id IN (SELECT f.ref_id FROM scsm.review_flag f
							   WHERE f.org_id = raise_risk_review_flags.org_id AND f.ref_table = 'programme'
								 AND f.risk_id = raise_risk_review_flags.risk_id AND f.cleared_at IS NULL);

	-- ids and level codes only: every session of the database may LISTEN
	PERFORM pg_catalog.pg_notify('scsm_events', pg_catalog.json_build_object(
		'kind', 'risk_level_changed', 'org_id', org_id, 'risk_id', risk_id,
		'old_level', old_level, 'new_level', new_level,
		'old_residual_level', old_residual, 'new_residual_level', new_residual)::text);
	RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.raise_risk_review_flags(bigint, bigint, bigint, text, text, text, text) IS
	'Flag for review what a risk''s level change feeds (objectives, programmes, competences, controls, procedures), NOTIFY scsm_events; returns the number of flags';

-------------------------------------------------------------------------------
-- Scoring a register risk
-------------------------------------------------------------------------------

CREATE FUNCTION scsm.risk_inputs(r scsm.risk) RETURNS jsonb
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_build_object('likelihood', r.likelihood)
		|| CASE WHEN r.consequences = '{}'::jsonb
				THEN pg_catalog.jsonb_build_object('consequence', r.consequence)
				-- the register says "stakeholder", the engine "reputation"
				ELSE pg_catalog.jsonb_build_object('consequences',
						(SELECT pg_catalog.jsonb_object_agg(CASE e.key WHEN 'stakeholder' THEN 'reputation' ELSE e.key END,
															e.value)
						   FROM pg_catalog.jsonb_each(r.consequences) e)) END
		|| pg_catalog.jsonb_build_object(
			'preventive', COALESCE((SELECT pg_catalog.jsonb_agg(COALESCE(rc.effectiveness, c.effectiveness)::float8
																ORDER BY rc.control_id)
									  FROM scsm.risk_control rc JOIN scsm.control c USING (org_id, control_id)
									 WHERE rc.org_id = r.org_id AND rc.risk_id = r.risk_id
									   AND c.status = 'implemented' AND rc.reduces = 'likelihood'), '[]'),
			'corrective', COALESCE((SELECT pg_catalog.jsonb_agg(COALESCE(rc.effectiveness, c.effectiveness)::float8
																ORDER BY rc.control_id)
									  FROM scsm.risk_control rc JOIN scsm.control c USING (org_id, control_id)
									 WHERE rc.org_id = r.org_id AND rc.risk_id = r.risk_id
									   AND c.status = 'implemented' AND rc.reduces = 'consequence'), '[]'))
$$;
COMMENT ON FUNCTION scsm.risk_inputs(scsm.risk) IS
	'Scoring inputs of a register risk: likelihood, consequence or consequences per dimension, effectiveness of its implemented controls (preventive, corrective)';

-- The core: score the row r (its current or about-to-be-written values),
-- store the score, flag a level change, and return r with the levels set.
CREATE FUNCTION scsm.risk_assess(r scsm.risk) RETURNS scsm.risk
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	vid bigint := scsm.risk_matrix_for(r.org_id);
	inputs jsonb := scsm.risk_inputs(r);
	res jsonb;
	sid bigint;
	old_level text := r.level;
	old_residual text := r.residual_level;
BEGIN
	PERFORM scsm.risk_matrix_freeze(vid);
	res := scsm.risk_score_compute(vid, inputs);
	IF (res->'inherent'->>'consequence')::int > r.consequence THEN
		RAISE EXCEPTION 'risk % has consequence %, below the combined consequence % of its dimensions',
						r.risk_id, r.consequence, res->'inherent'->>'consequence'
			USING ERRCODE = '23514',
				  DETAIL = pg_catalog.format('The matrix combines the dimensions by the rule "%s".', res->'rules'->>'consequence'),
				  HINT = 'Set the consequence to the combined value of the dimensions.';
	END IF;
	INSERT INTO scsm.risk_score (org_id, risk_id, matrix_version_id, inputs, method, method_version,
								 result, inherent_level, residual_level, classification, scored_by)
	VALUES (r.org_id, r.risk_id, vid, inputs, res->>'method', res->>'method_version', res,
			res->'inherent'->>'level', res->'residual'->>'level', res->>'classification',
			-- inside the SECURITY DEFINER control trigger the current user is
			-- the extension owner: record the session user instead
			CASE WHEN CURRENT_USER = (SELECT c.relowner::regrole::text FROM pg_catalog.pg_class c
									   WHERE c.oid = 'scsm.risk_score'::regclass)
				 THEN session_user ELSE CURRENT_USER END)
	RETURNING score_id INTO sid;

	r.level := res->'inherent'->>'level';
	r.residual_level := res->'residual'->>'level';
	r.residual_likelihood := (res->'residual'->>'likelihood')::smallint;
	r.residual_consequence := (res->'residual'->>'consequence')::smallint;
	r.treatment := res->>'classification';
	-- the first assessment is no change; a later one that moves a level is
	IF old_level IS NOT NULL
	   AND (old_level IS DISTINCT FROM r.level OR old_residual IS DISTINCT FROM r.residual_level) THEN
		PERFORM scsm.raise_risk_review_flags(r.org_id, r.risk_id, sid, old_level, r.level,
											 old_residual, r.residual_level);
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION scsm.risk_assess(scsm.risk) IS
	'Score a risk row on its organization''s matrix, store the score, raise review flags on a level change; returns the row with levels and treatment set (the caller writes it)';

CREATE FUNCTION scsm.score_risk(org_id bigint, risk_id bigint) RETURNS bigint
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r scsm.risk;
	n scsm.risk;
BEGIN
	IF org_id IS NULL OR risk_id IS NULL THEN
		RAISE EXCEPTION 'org_id and risk_id must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT * INTO r FROM scsm.risk x
	 WHERE x.org_id = score_risk.org_id AND x.risk_id = score_risk.risk_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'risk % of organization % does not exist', risk_id, org_id
			USING ERRCODE = '42704',
				  DETAIL = 'Or it is not visible to you (membership, clearance).';
	END IF;
	n := scsm.risk_assess(r);
	IF (n.level, n.residual_level, n.residual_likelihood, n.residual_consequence, n.treatment)
	   IS DISTINCT FROM (r.level, r.residual_level, r.residual_likelihood, r.residual_consequence, r.treatment) THEN
		UPDATE scsm.risk x
		   SET level = n.level, residual_level = n.residual_level, residual_likelihood = n.residual_likelihood,
			   residual_consequence = n.residual_consequence, treatment = n.treatment
		 WHERE x.org_id = score_risk.org_id AND x.risk_id = score_risk.risk_id;
	END IF;
	RETURN (SELECT max(s.score_id) FROM scsm.risk_score s
			 WHERE s.org_id = score_risk.org_id AND s.risk_id = score_risk.risk_id);
END
$$;
COMMENT ON FUNCTION scsm.score_risk(bigint, bigint) IS
	'Assess a register risk now: store a new score (inputs, method, matrix version) and write levels, residual indexes and treatment back to the risk; returns score_id';

CREATE FUNCTION scsm.score_risks(org_id bigint) RETURNS integer
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
	n integer := 0;
BEGIN
	FOR rid IN SELECT x.risk_id FROM scsm.risk x
				WHERE x.org_id = score_risks.org_id AND x.status <> 'closed' ORDER BY x.risk_id LOOP
		PERFORM scsm.score_risk(org_id, rid);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.score_risks(bigint) IS
	'Assess every risk of an organization that is not closed (visible to the caller); returns how many were scored';

-- Re-score a risk that is under automatic scoring (it has a stored score)
-- when what the score rests on differs from its latest score.
CREATE FUNCTION scsm.rescore_if_stale(org_id bigint, risk_id bigint)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r scsm.risk;
	last scsm.risk_score;
BEGIN
	-- lock the risk first, so that a concurrent re-score of it has committed
	-- (and is seen below) before this one compares with the latest score
	SELECT * INTO r FROM scsm.risk x
	 WHERE x.org_id = rescore_if_stale.org_id AND x.risk_id = rescore_if_stale.risk_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT * INTO last FROM scsm.risk_score s
	 WHERE s.org_id = rescore_if_stale.org_id AND s.risk_id = rescore_if_stale.risk_id
	 ORDER BY s.score_id DESC LIMIT 1;
	IF NOT FOUND THEN
		RETURN NULL;		-- never assessed: the first assessment is explicit
	END IF;
	IF last.inputs = scsm.risk_inputs(r) AND last.matrix_version_id = scsm.risk_matrix_for(r.org_id) THEN
		RETURN NULL;
	END IF;
	RETURN scsm.score_risk(rescore_if_stale.org_id, rescore_if_stale.risk_id);
END
$$;
COMMENT ON FUNCTION scsm.rescore_if_stale(bigint, bigint) IS
	'Re-score a risk that has a stored score when its inputs or the organization''s matrix version changed since; returns the new score_id or NULL';

CREATE FUNCTION scsm.set_risk_method(org_id bigint, matrix_version_id bigint, note text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
	n integer := 0;
BEGIN
	IF org_id IS NULL OR matrix_version_id IS NULL THEN
		RAISE EXCEPTION 'org_id and matrix_version_id must not be null' USING ERRCODE = '22004';
	END IF;
	INSERT INTO scsm.organization_risk_method AS m (org_id, matrix_version_id, note)
	VALUES (set_risk_method.org_id, set_risk_method.matrix_version_id, set_risk_method.note)
	ON CONFLICT ON CONSTRAINT organization_risk_method_pkey DO UPDATE
	   SET matrix_version_id = EXCLUDED.matrix_version_id, note = EXCLUDED.note,
		   changed_at = pg_catalog.now(), changed_by = CURRENT_USER;
	-- a stored score pins the version, so the version must be clean
	PERFORM scsm.risk_matrix_freeze(set_risk_method.matrix_version_id);
	-- risks under automatic scoring move to the new method; past scores stay
	FOR rid IN SELECT DISTINCT s.risk_id FROM scsm.risk_score s JOIN scsm.risk x USING (org_id, risk_id)
				WHERE s.org_id = set_risk_method.org_id AND x.status <> 'closed' ORDER BY 1 LOOP
		IF scsm.rescore_if_stale(org_id, rid) IS NOT NULL THEN
			n := n + 1;
		END IF;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.set_risk_method(bigint, bigint, text) IS
	'Make a (frozen, lint-clean) matrix version the organization''s risk method and re-score its assessed risks on it; returns how many were re-scored';

-------------------------------------------------------------------------------
-- Triggers that keep assessed risks current
-------------------------------------------------------------------------------

-- A change of likelihood or consequences is scored before the row is written,
-- so levels and residual values never disagree with the inputs (and the
-- residual check of scsm.risk sees the new residual values).
CREATE FUNCTION scsm.tg_risk_rescore() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
	IF EXISTS (SELECT FROM scsm.risk_score s WHERE s.org_id = NEW.org_id AND s.risk_id = NEW.risk_id) THEN
		NEW := scsm.risk_assess(NEW);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_risk_rescore() IS
	'Trigger: re-score an assessed risk when its likelihood, consequence or consequences change';
-- UPDATE OF: the write-back of levels by scsm.score_risk names none of these
-- columns, so it never fires this trigger again
CREATE TRIGGER risk_rescore BEFORE UPDATE OF likelihood, consequence, consequences ON scsm.risk
	FOR EACH ROW
	WHEN (OLD.likelihood IS DISTINCT FROM NEW.likelihood OR OLD.consequence IS DISTINCT FROM NEW.consequence
		  OR OLD.consequences IS DISTINCT FROM NEW.consequences)
	EXECUTE FUNCTION scsm.tg_risk_rescore();

-- SECURITY DEFINER: a control change must re-score every risk the control
-- treats, also risks above the clearance of whoever changed the control.
-- Nothing is returned to the caller; the score records the session user
-- (scsm.risk_assess).
CREATE FUNCTION scsm.tg_control_rescore() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
	IF TG_TABLE_NAME = 'risk_control' THEN
		IF TG_OP IN ('UPDATE', 'DELETE') THEN
			PERFORM scsm.rescore_if_stale(OLD.org_id, OLD.risk_id);
		END IF;
		IF TG_OP IN ('INSERT', 'UPDATE') THEN
			PERFORM scsm.rescore_if_stale(NEW.org_id, NEW.risk_id);
		END IF;
	ELSE
		FOR rid IN SELECT rc.risk_id FROM scsm.risk_control rc
					WHERE rc.org_id = NEW.org_id AND rc.control_id = NEW.control_id ORDER BY 1 LOOP
			PERFORM scsm.rescore_if_stale(NEW.org_id, rid);
		END LOOP;
	END IF;
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION scsm.tg_control_rescore() FROM PUBLIC;
COMMENT ON FUNCTION scsm.tg_control_rescore() IS
	'Trigger: re-score the assessed risks a control treats when the control or its link to a risk changes';
CREATE TRIGGER risk_control_rescore AFTER INSERT OR UPDATE OR DELETE ON scsm.risk_control
	FOR EACH ROW EXECUTE FUNCTION scsm.tg_control_rescore();
CREATE TRIGGER control_rescore AFTER UPDATE OF effectiveness, status ON scsm.control
	FOR EACH ROW
	WHEN (OLD.effectiveness IS DISTINCT FROM NEW.effectiveness OR OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION scsm.tg_control_rescore();
CREATE INDEX risk_control_control_idx ON scsm.risk_control (org_id, control_id);

-------------------------------------------------------------------------------
-- Row-level security: scores and flags are as sensitive as their risk
-------------------------------------------------------------------------------

-- 95_access.sql gives every table with org_id the membership policy; these
-- restrictive policies add that a score or a review flag is visible only
-- with its risk (whose policy applies the reader's clearance), so a reader
-- cleared for internal rows learns nothing about a confidential risk from
-- its scores or flags.
CREATE POLICY scsm_risk_visible ON scsm.risk_score AS RESTRICTIVE FOR SELECT
	USING (EXISTS (SELECT FROM scsm.risk r WHERE r.org_id = risk_score.org_id AND r.risk_id = risk_score.risk_id));
CREATE POLICY scsm_risk_visible ON scsm.review_flag AS RESTRICTIVE FOR SELECT
	USING (EXISTS (SELECT FROM scsm.risk r WHERE r.org_id = review_flag.org_id AND r.risk_id = review_flag.risk_id));

-------------------------------------------------------------------------------
-- Read side
-------------------------------------------------------------------------------

CREATE VIEW scsm.v_risk_register AS
SELECT r.org_id, r.risk_id, r.title,
	   t.category AS threat_category, tc.name AS threat_category_name, r.threat_id, t.title AS threat_title,
	   r.site_id, s.name AS site_name, r.node_id, n.name AS node_name,
	   r.owner AS owner_id, p.full_name AS owner_name,
	   r.likelihood, r.consequence,
	   r.level AS inherent_level, li.colour AS inherent_colour,
	   r.residual_likelihood, r.residual_consequence,
	   r.residual_level, lr.colour AS residual_colour,
	   r.treatment AS classification,
	   lr.rank > la.rank AS appetite_breach,
	   CASE WHEN r.treatment <> 'accept' THEN lr.treatment_deadline END AS treatment_within,
	   CASE WHEN r.treatment <> 'accept' THEN (ls.scored_at + lr.treatment_deadline)::date END AS treatment_due,
	   ctl.n_controls, ctl.n_implemented,
	   (ls.result->'effectiveness'->>'preventive')::float8 AS preventive_effectiveness,
	   (ls.result->'effectiveness'->>'corrective')::float8 AS corrective_effectiveness,
	   ls.score_id AS last_score_id, ls.matrix_version_id, ls.scored_at AS last_scored,
	   r.status, r.assessed_on, r.next_review_due,
	   (SELECT count(*) FROM scsm.review_flag f
		 WHERE f.org_id = r.org_id AND f.risk_id = r.risk_id AND f.cleared_at IS NULL) AS open_review_flags,
	   r.needs_review AS needs_review,
	   r.sensitivity
  FROM scsm.risk r
  JOIN scsm.threat t ON t.org_id = r.org_id AND t.threat_id = r.threat_id
  LEFT JOIN scsm.threat_category tc ON tc.code = t.category
  LEFT JOIN scsm.site s ON s.org_id = r.org_id AND s.site_id = r.site_id
  LEFT JOIN scsm.supply_chain_node n ON n.org_id = r.org_id AND n.node_id = r.node_id
  LEFT JOIN scsm.person p ON p.org_id = r.org_id AND p.person_id = r.owner
  LEFT JOIN LATERAL (SELECT x.score_id, x.matrix_version_id, x.scored_at, x.result
					   FROM scsm.risk_score x
					  WHERE x.org_id = r.org_id AND x.risk_id = r.risk_id
					  ORDER BY x.score_id DESC LIMIT 1) ls ON true
  LEFT JOIN scsm.risk_matrix_version mv ON mv.version_id = ls.matrix_version_id
  LEFT JOIN scsm.risk_level li ON li.version_id = ls.matrix_version_id AND li.level_code = r.level
  LEFT JOIN scsm.risk_level lr ON lr.version_id = ls.matrix_version_id AND lr.level_code = r.residual_level
  LEFT JOIN scsm.risk_level la ON la.version_id = ls.matrix_version_id AND la.level_code = mv.appetite_level
  LEFT JOIN LATERAL (SELECT count(*) AS n_controls, count(*) FILTER (WHERE c.status = 'implemented') AS n_implemented
					   FROM scsm.risk_control rc JOIN scsm.control c USING (org_id, control_id)
					  WHERE rc.org_id = r.org_id AND rc.risk_id = r.risk_id) ctl ON true;
COMMENT ON VIEW scsm.v_risk_register IS
	'The risk register: one row per risk with threat category, site, node, owner, inherent and residual levels and colours, classification, appetite breach, treatment deadline, controls, last score and review (4.3.1)';

CREATE VIEW scsm.v_risk_heatmap AS
WITH latest AS (
	SELECT DISTINCT ON (s.org_id, s.risk_id) s.org_id, s.risk_id, s.matrix_version_id, s.result
	  FROM scsm.risk_score s
	  JOIN scsm.risk r ON r.org_id = s.org_id AND r.risk_id = s.risk_id AND r.status <> 'closed'
	 ORDER BY s.org_id, s.risk_id, s.score_id DESC)
SELECT o.org_id, c.version_id AS matrix_version_id, c.likelihood, c.consequence,
	   c.level_code AS level, l.name AS level_name, l.rank AS level_rank, l.colour,
	   (SELECT count(*) FROM latest x
		 WHERE x.org_id = o.org_id AND x.matrix_version_id = c.version_id
		   AND (x.result->'inherent'->>'likelihood')::int = c.likelihood
		   AND (x.result->'inherent'->>'consequence')::int = c.consequence) AS inherent_count,
	   (SELECT count(*) FROM latest x
		 WHERE x.org_id = o.org_id AND x.matrix_version_id = c.version_id
		   AND (x.result->'residual'->>'likelihood')::int = c.likelihood
		   AND (x.result->'residual'->>'consequence')::int = c.consequence) AS residual_count
  FROM scsm.organization o
  JOIN scsm.risk_matrix_cell c ON c.version_id = scsm.risk_matrix_for(o.org_id)
  JOIN scsm.risk_level l ON l.version_id = c.version_id AND l.level_code = c.level_code;
COMMENT ON VIEW scsm.v_risk_heatmap IS
	'Heat map of each organization''s register on its current matrix: per cell, level, colour and the number of open risks there before and after controls';

CREATE FUNCTION scsm.risk_heatmap_svg_for_org(org_id bigint, title text DEFAULT NULL) RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT scsm.risk_heatmap_svg(v.vid,
			 COALESCE(pg_catalog.array_agg((x.result->'inherent'->>'likelihood')::int ORDER BY x.risk_id) FILTER (WHERE x.risk_id IS NOT NULL), '{}'),
			 COALESCE(pg_catalog.array_agg((x.result->'inherent'->>'consequence')::int ORDER BY x.risk_id) FILTER (WHERE x.risk_id IS NOT NULL), '{}'),
			 COALESCE(pg_catalog.array_agg((x.result->'residual'->>'likelihood')::int ORDER BY x.risk_id) FILTER (WHERE x.risk_id IS NOT NULL), '{}'),
			 COALESCE(pg_catalog.array_agg((x.result->'residual'->>'consequence')::int ORDER BY x.risk_id) FILTER (WHERE x.risk_id IS NOT NULL), '{}'),
			 COALESCE(risk_heatmap_svg_for_org.title,
					  (SELECT o.name FROM scsm.organization o WHERE o.org_id = risk_heatmap_svg_for_org.org_id)))
	  FROM (SELECT scsm.risk_matrix_for(risk_heatmap_svg_for_org.org_id) AS vid) v
	  LEFT JOIN LATERAL (
		SELECT DISTINCT ON (s.risk_id) s.risk_id, s.result
		  FROM scsm.risk_score s
		  JOIN scsm.risk r ON r.org_id = s.org_id AND r.risk_id = s.risk_id AND r.status <> 'closed'
		 WHERE s.org_id = risk_heatmap_svg_for_org.org_id AND s.matrix_version_id = v.vid
		 ORDER BY s.risk_id, s.score_id DESC) x ON true
	 GROUP BY v.vid
$$;
COMMENT ON FUNCTION scsm.risk_heatmap_svg_for_org(bigint, text) IS
	'SVG heat map (inherent and residual panels) of an organization''s open risks, from their latest scores on its current matrix';
