-- 95_access.sql: organizations and access (4.4.4, 4.4.5 a).
--
-- This part runs LAST.  It does three things, generically, to every object the
-- parts before it created (so later additions are covered without edits here):
--
--   1. privileges: nothing is granted to PUBLIC; five cluster-wide group roles
--      receive what their job needs, from the small table scsm.access_grant
--      (a relation or routine not listed gets a default, see scsm.apply_access);
--   2. row-level security: every table with an org_id column is ENABLEd and
--      FORCEd; a role sees and writes only rows of organizations it is a member
--      of (scsm.member), and on tables with a sensitivity column nothing above
--      its clearance in that organization;
--   3. views run with the privileges and policies of the caller
--      (security_invoker), so a view cannot leak another organization's rows.
--
-- Membership is changed only through the SECURITY DEFINER functions below.
-- docs/access.md describes the model.

------------------------------------------------------------------------------
-- Group roles.  Roles are shared by every database of the cluster, so they are
-- created only when missing (a second CREATE EXTENSION in another database
-- finds them) and DROP EXTENSION leaves them.  The chain of membership makes
-- each job include the one below it:
--   scsm_viewer <- scsm_contributor <- scsm_manager <- scsm_admin
--   scsm_viewer <- scsm_auditor
------------------------------------------------------------------------------
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT * FROM (VALUES
            ('scsm_viewer',      'scsm: reads the register of its organizations up to its clearance'),
            ('scsm_contributor', 'scsm: viewer + records operational data (incidents, measurements, training, communications, drafts)'),
            ('scsm_auditor',     'scsm: viewer + records audits, findings, nonconformities and evaluations'),
            ('scsm_manager',     'scsm: contributor + policy, objectives, targets, programmes, risks, roles, approval of documents'),
            ('scsm_admin',       'scsm: manager + organizations, membership and configuration'))
          AS v (rolname, descr)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r.rolname) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.rolname);
            EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.rolname, r.descr);
        ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                       WHERE rolname = r.rolname AND (rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role % exists and bypasses row-level security', r.rolname
                USING ERRCODE = '55000',
                      DETAIL = 'scsm grants its group roles to ordinary users; a superuser or BYPASSRLS group would let them see every organization.',
                      HINT = pg_catalog.format('ALTER ROLE %I NOSUPERUSER NOBYPASSRLS, then create the extension again.', r.rolname);
        END IF;
    END LOOP;
    FOR r IN
        SELECT * FROM (VALUES
            ('scsm_viewer', 'scsm_contributor'),
            ('scsm_viewer', 'scsm_auditor'),
            ('scsm_contributor', 'scsm_manager'),
            ('scsm_manager', 'scsm_admin')) AS v (grp, mbr)
    LOOP
        IF NOT pg_catalog.pg_has_role(r.mbr, r.grp, 'MEMBER') THEN
            EXECUTE pg_catalog.format('GRANT %I TO %I', r.grp, r.mbr);
        END IF;
    END LOOP;
END
$$;

------------------------------------------------------------------------------
-- Who may do what: one row per (object, group role).  An object listed here
-- gets exactly its rows (an empty privilege list means "nothing"); an object
-- not listed gets the default of scsm.apply_access().  Rows marked builtin are
-- ours; rows you add are dumped by pg_dump.  Run SELECT scsm.apply_access()
-- (as superuser) after a change.
------------------------------------------------------------------------------
CREATE TABLE scsm.access_grant (
    object_kind     text NOT NULL CHECK (object_kind IN ('relation', 'routine')),
    object_name     name NOT NULL,
    role_name       name NOT NULL CHECK (role_name IN ('scsm_viewer', 'scsm_contributor', 'scsm_auditor',
                                                       'scsm_manager', 'scsm_admin')),
    privileges      text[] NOT NULL CHECK (privileges <@ ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'EXECUTE']),
    builtin         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (object_kind, object_name, role_name),
    CONSTRAINT routine_privileges CHECK (object_kind = 'relation' OR privileges <@ ARRAY['EXECUTE']),
    CONSTRAINT relation_privileges CHECK (object_kind = 'routine' OR NOT privileges && ARRAY['EXECUTE'])
);
COMMENT ON TABLE scsm.access_grant IS
    'Privileges of the scsm group roles on relations and routines of schema scsm; applied by scsm.apply_access()';
COMMENT ON COLUMN scsm.access_grant.object_name IS 'Relation name, or routine name (all overloads) in schema scsm';
COMMENT ON COLUMN scsm.access_grant.privileges IS 'Privileges granted; empty means the role gets nothing on a listed object';
SELECT pg_catalog.pg_extension_config_dump('scsm.access_grant', 'WHERE NOT builtin');

INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT 'relation', t, r, p::text[], true
  FROM (VALUES
    -- Organizations and membership: created and changed through functions;
    -- an organization's administrators may correct its name and sector.
    ('organization',        'scsm_admin',       '{UPDATE}'),
    ('member',              'scsm_viewer',      '{SELECT}'),
    -- Operational records and drafts: the contributor's job.  DELETE on
    -- records is granted to nobody (4.5.4); only pure link tables allow it.
    ('incident',            'scsm_contributor', '{INSERT,UPDATE}'),
    ('measurement',         'scsm_contributor', '{INSERT,UPDATE}'),
    ('calibration',         'scsm_contributor', '{INSERT,UPDATE}'),
    ('training_record',     'scsm_contributor', '{INSERT,UPDATE}'),
    ('communication',       'scsm_contributor', '{INSERT,UPDATE}'),
    ('exercise',            'scsm_contributor', '{INSERT,UPDATE}'),
    ('corrective_action',   'scsm_contributor', '{INSERT,UPDATE}'),
    ('change_request',      'scsm_contributor', '{INSERT,UPDATE}'),
    ('document',            'scsm_contributor', '{INSERT,UPDATE}'),
    ('document_version',    'scsm_contributor', '{INSERT,UPDATE}'),
    ('document_location',   'scsm_contributor', '{INSERT,UPDATE,DELETE}'),
    -- Audit side: the auditor's job; managers plan audits and raise
    -- nonconformities and evaluations too, but never write audit findings.
    ('audit',               'scsm_auditor',     '{INSERT,UPDATE}'),
    ('audit',               'scsm_manager',     '{INSERT,UPDATE}'),
    ('audit_team_member',   'scsm_auditor',     '{INSERT,UPDATE,DELETE}'),
    ('audit_team_member',   'scsm_manager',     '{INSERT,UPDATE,DELETE}'),
    ('audit_finding',       'scsm_auditor',     '{INSERT,UPDATE}'),
    ('nonconformity',       'scsm_auditor',     '{INSERT,UPDATE}'),
    ('nonconformity',       'scsm_manager',     '{INSERT,UPDATE}'),
    ('evaluation',          'scsm_auditor',     '{INSERT,UPDATE}'),
    ('evaluation',          'scsm_manager',     '{INSERT,UPDATE}'),
    -- Management: planning, risk, people and roles, reviews.
    ('site',                'scsm_manager',     '{INSERT,UPDATE}'),
    ('person',              'scsm_manager',     '{INSERT,UPDATE}'),
    ('role',                'scsm_manager',     '{INSERT,UPDATE}'),
    ('appointment',         'scsm_manager',     '{INSERT,UPDATE}'),
    ('scope',               'scsm_manager',     '{INSERT,UPDATE}'),
    ('outsourced_process',  'scsm_manager',     '{INSERT,UPDATE}'),
    ('policy',              'scsm_manager',     '{INSERT,UPDATE}'),
    ('policy_version',      'scsm_manager',     '{INSERT,UPDATE}'),
    ('threat',              'scsm_manager',     '{INSERT,UPDATE}'),
    ('risk',                'scsm_manager',     '{INSERT,UPDATE}'),
    ('control',             'scsm_manager',     '{INSERT,UPDATE}'),
    ('risk_control',        'scsm_manager',     '{INSERT,UPDATE,DELETE}'),
    ('legal_requirement',   'scsm_manager',     '{INSERT,UPDATE}'),
    ('legal_requirement_risk', 'scsm_manager',  '{INSERT,UPDATE,DELETE}'),
    ('objective',           'scsm_manager',     '{INSERT,UPDATE}'),
    ('objective_input',     'scsm_manager',     '{INSERT,UPDATE,DELETE}'),
    ('target',              'scsm_manager',     '{INSERT,UPDATE}'),
    ('programme',           'scsm_manager',     '{INSERT,UPDATE}'),
    ('programme_measure',   'scsm_manager',     '{INSERT,UPDATE}'),
    ('competence',          'scsm_manager',     '{INSERT,UPDATE}'),
    ('role_competence',     'scsm_manager',     '{INSERT,UPDATE,DELETE}'),
    ('procedure',           'scsm_manager',     '{INSERT,UPDATE}'),
    ('supply_chain_node',   'scsm_manager',     '{INSERT,UPDATE}'),
    ('supply_chain_link',   'scsm_manager',     '{INSERT,UPDATE,DELETE}'),
    ('emergency_plan',      'scsm_manager',     '{INSERT,UPDATE}'),
    ('kpi',                 'scsm_manager',     '{INSERT,UPDATE}'),
    ('monitoring_equipment', 'scsm_manager',    '{INSERT,UPDATE}'),
    ('management_review',   'scsm_manager',     '{INSERT,UPDATE}'),
    ('management_review_input', 'scsm_manager', '{INSERT,UPDATE}'),
    ('management_review_output', 'scsm_manager', '{INSERT,UPDATE}'),
    -- The catalogue is the standard's own structure: read-only for everyone.
    ('edition',             'scsm_viewer',      '{SELECT}'),
    ('clause_catalogue',    'scsm_viewer',      '{SELECT}'),
    ('requirement',         'scsm_viewer',      '{SELECT}'),
    ('threat_category',     'scsm_viewer',      '{SELECT}'),
    ('access_grant',        'scsm_viewer',      '{SELECT}')
  ) AS v (t, r, p);

-- Every listed relation is readable by viewers (and so by every group).
INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT DISTINCT 'relation', object_name, 'scsm_viewer', '{SELECT}'::text[], true
  FROM scsm.access_grant
 WHERE object_kind = 'relation'
ON CONFLICT DO NOTHING;

------------------------------------------------------------------------------
-- Membership lookups.  RLS policies call scsm.my_org_ids() inside a scalar
-- sub-select, so the planner turns it into an InitPlan run once per statement
-- (not once per row), and the row test is a plain "org_id = ANY (array)".
-- (Written "= ANY ((SELECT ...)::bigint[])": without the cast the double
-- parentheses parse as "= ANY (subquery)" and compare bigint with bigint[].)
------------------------------------------------------------------------------

-- Memberships are looked up by role: the roles of the caller are few, the
-- memberships of an installation may be many.
CREATE INDEX member_role_name_idx ON scsm.member (role_name);

-- The role and every role it is a member of, directly or indirectly (the
-- roles for which pg_has_role(p_role, x, 'MEMBER') holds, superuser or not),
-- provided the session user may act as p_role; else empty.  Computed once,
-- so the memberships can then be found by index.
CREATE FUNCTION scsm.role_closure(p_role name)
RETURNS name[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (WITH RECURSIVE mine (roleid) AS (
                SELECT r.oid FROM pg_catalog.pg_roles r
                 WHERE r.rolname = p_role AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
                UNION
                SELECT a.roleid FROM pg_catalog.pg_auth_members a JOIN mine ON a.member = mine.roleid
            )
            SELECT coalesce(array_agg(r.rolname), '{}'::name[])
              FROM mine JOIN pg_catalog.pg_roles r ON r.oid = mine.roleid);
END
$$;
REVOKE ALL ON FUNCTION scsm.role_closure(name) FROM PUBLIC;
COMMENT ON FUNCTION scsm.role_closure(name) IS
    'The role and all roles it is a member of (directly or through others), if the session user may act as it; else empty';

-- SECURITY DEFINER because scsm.member is itself under row-level security
-- whose policy calls this function: run as the caller, the lookup would
-- recurse into its own policy.  It answers only for a role the session could
-- act as (the session user is a member of it), so nobody can ask about
-- another user's memberships; inside someone else's SECURITY DEFINER function
-- whose owner the session user is not a member of, it answers "none" (fails
-- closed).
CREATE FUNCTION scsm.member_orgs(p_role name, p_min_clearance scsm.sensitivity, p_admin_only boolean DEFAULT false)
RETURNS bigint[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    roles name[] := scsm.role_closure(p_role);
BEGIN
    -- PL/pgSQL rather than SQL: its plan is cached for the session, and this
    -- runs at the start of every statement on the register.
    RETURN (SELECT coalesce(array_agg(DISTINCT m.org_id), '{}'::bigint[])
              FROM scsm.member m
             WHERE m.role_name = ANY (roles)
               AND m.clearance >= p_min_clearance
               AND (m.is_org_admin OR NOT p_admin_only));
END
$$;
REVOKE ALL ON FUNCTION scsm.member_orgs(name, scsm.sensitivity, boolean) FROM PUBLIC;
COMMENT ON FUNCTION scsm.member_orgs(name, scsm.sensitivity, boolean) IS
    'Organizations in which the role (directly or through a group role) has at least the given clearance (or is an administrator); only for a role the session can act as';

-- SECURITY DEFINER for the same reason as scsm.member_orgs.
CREATE FUNCTION scsm.member_clearance(p_role name, p_org bigint)
RETURNS scsm.sensitivity
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    roles name[] := scsm.role_closure(p_role);
BEGIN
    RETURN (SELECT max(m.clearance) FROM scsm.member m WHERE m.org_id = p_org AND m.role_name = ANY (roles));
END
$$;
REVOKE ALL ON FUNCTION scsm.member_clearance(name, bigint) FROM PUBLIC;
COMMENT ON FUNCTION scsm.member_clearance(name, bigint) IS
    'Highest clearance the role holds in the organization (directly or through a group role), NULL if not a member; only for a role the session can act as';

CREATE FUNCTION scsm.my_org_ids(min_clearance scsm.sensitivity DEFAULT 'public', admin_only boolean DEFAULT false)
RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT scsm.member_orgs(current_user, min_clearance, admin_only) $$;
COMMENT ON FUNCTION scsm.my_org_ids(scsm.sensitivity, boolean) IS
    'Organizations the current role may read at the given sensitivity (or administers); used by the row-level security policies';

CREATE FUNCTION scsm.my_clearance(org bigint)
RETURNS scsm.sensitivity
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT scsm.member_clearance(current_user, org) $$;
COMMENT ON FUNCTION scsm.my_clearance(bigint) IS
    'Clearance of the current role in the organization (highest over its memberships), NULL if not a member';

-- The role a membership function acts for.  Inside a SECURITY DEFINER
-- function current_user is the owner, so the caller is read from the role
-- setting (SET ROLE), which SECURITY DEFINER does not change, falling back to
-- the session user.  Only the membership functions call it.
CREATE FUNCTION scsm.calling_role()
RETURNS name
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                ELSE pg_catalog.current_setting('role')::name END
$$;
REVOKE ALL ON FUNCTION scsm.calling_role() FROM PUBLIC;
COMMENT ON FUNCTION scsm.calling_role() IS
    'The role that called a SECURITY DEFINER membership function: the SET ROLE role, else the session user';

-- Checks shared by the membership functions: the caller administers the
-- organization; returns the caller's clearance there.  Raises 42501 otherwise.
CREATE FUNCTION scsm.check_org_admin(p_caller name, p_org bigint)
RETURNS scsm.sensitivity
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    own scsm.sensitivity;
BEGIN
    IF p_org IS NULL THEN
        RAISE EXCEPTION 'organization must not be null'
            USING ERRCODE = '22023',
                  DETAIL = 'No org_id was given.',
                  HINT = 'Pass the org_id of the organization.';
    END IF;
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = p_caller) THEN
        IF NOT EXISTS (SELECT 1 FROM scsm.organization WHERE org_id = p_org) THEN
            RAISE EXCEPTION 'organization % does not exist', p_org
                USING ERRCODE = '22023',
                      DETAIL = 'scsm.organization has no row with that org_id.',
                      HINT = 'Create it with scsm.create_organization.';
        END IF;
        RETURN 'restricted';
    END IF;
    SELECT max(m.clearance) INTO own
      FROM scsm.member m
      JOIN pg_catalog.pg_roles r ON r.rolname = m.role_name
     WHERE m.org_id = p_org AND pg_catalog.pg_has_role(p_caller, r.oid, 'MEMBER');
    IF own IS NULL OR NOT EXISTS (
        SELECT 1
          FROM scsm.member m
          JOIN pg_catalog.pg_roles r ON r.rolname = m.role_name
         WHERE m.org_id = p_org AND m.is_org_admin AND pg_catalog.pg_has_role(p_caller, r.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to manage the members of organization %', p_org
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Role %s is not an administrator of organization %s.', p_caller, p_org),
                  HINT = 'Ask an administrator of the organization (a member with is_org_admin) to do it.';
    END IF;
    RETURN own;
END
$$;
REVOKE ALL ON FUNCTION scsm.check_org_admin(name, bigint) FROM PUBLIC;
COMMENT ON FUNCTION scsm.check_org_admin(name, bigint) IS
    'Raise 42501 unless the role administers the organization; return its clearance there (internal to the membership functions)';

-- Look up a member row for an update or removal; raise 22023 if the role is
-- unknown or not a member, 42501 if its clearance is above the caller's.
CREATE FUNCTION scsm.check_member_target(p_org bigint, p_role name, p_own scsm.sensitivity)
RETURNS scsm.member
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m scsm.member;
BEGIN
    SELECT * INTO m FROM scsm.member WHERE org_id = p_org AND role_name = p_role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a member of organization %', p_role, p_org
            USING ERRCODE = '22023',
                  DETAIL = 'scsm.member has no row for that role in that organization.',
                  HINT = 'Add it with scsm.add_member.';
    END IF;
    IF m.clearance > p_own THEN
        RAISE EXCEPTION 'cannot change a member whose clearance is above your own'
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Role %s has clearance %s in organization %s; yours is %s.',
                                             p_role, m.clearance, p_org, p_own),
                  HINT = 'Ask an administrator with that clearance.';
    END IF;
    RETURN m;
END
$$;
REVOKE ALL ON FUNCTION scsm.check_member_target(bigint, name, scsm.sensitivity) FROM PUBLIC;
COMMENT ON FUNCTION scsm.check_member_target(bigint, name, scsm.sensitivity) IS
    'Member row of the role, checked to exist and be at or below the given clearance (internal to the membership functions)';

------------------------------------------------------------------------------
-- Membership functions.  Each is SECURITY DEFINER because scsm.member and
-- scsm.organization have no INSERT/UPDATE/DELETE privilege for anybody: the
-- functions are the only way in, and they check that the caller administers
-- the organization and never grants more than its own clearance.  Their
-- search_path is pg_catalog then pg_temp (pg_temp last, explicitly: left out,
-- it would be searched first for tables), and every scsm object is
-- schema-qualified, so objects a caller creates cannot stand in for ours.
------------------------------------------------------------------------------

CREATE FUNCTION scsm.create_organization(name text, short_name text, sector text DEFAULT 'logistics',
                                         edition text DEFAULT 'ISO 28000:2007')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    caller name := scsm.calling_role();
    new_org bigint;
BEGIN
    IF NOT (pg_catalog.pg_has_role(caller, 'scsm_admin', 'MEMBER')
            OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = caller)) THEN
        RAISE EXCEPTION 'permission denied to create an organization'
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Role %s is not a member of scsm_admin.', caller),
                  HINT = 'Ask a superuser to GRANT scsm_admin to you.';
    END IF;
    IF create_organization.short_name IS NULL OR create_organization.name IS NULL THEN
        RAISE EXCEPTION 'name and short_name of an organization must not be null'
            USING ERRCODE = '22023',
                  DETAIL = 'Both are required.',
                  HINT = 'Pass a name and a short lower-case handle such as ''acme_port''.';
    END IF;
    IF EXISTS (SELECT 1 FROM scsm.organization o WHERE o.short_name = create_organization.short_name) THEN
        RAISE EXCEPTION 'an organization with short name "%" already exists', create_organization.short_name
            USING ERRCODE = '23505',
                  DETAIL = 'Short names are unique across the organizations of the database.',
                  HINT = 'Choose another short name.';
    END IF;
    INSERT INTO scsm.organization (name, short_name, sector, edition)
    VALUES (create_organization.name, create_organization.short_name,
            coalesce(create_organization.sector, 'logistics'),
            coalesce(create_organization.edition, 'ISO 28000:2007'))
    RETURNING org_id INTO new_org;
    INSERT INTO scsm.member (org_id, role_name, clearance, is_org_admin, granted_by)
    VALUES (new_org, caller, 'restricted', true, caller);
    RETURN new_org;
END
$$;
REVOKE ALL ON FUNCTION scsm.create_organization(text, text, text, text) FROM PUBLIC;
COMMENT ON FUNCTION scsm.create_organization(text, text, text, text) IS
    'Create an organization (caller must be scsm_admin or superuser); the caller becomes its administrator with clearance restricted';

CREATE FUNCTION scsm.add_member(org bigint, role name, clearance scsm.sensitivity, is_org_admin boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    caller name := scsm.calling_role();
    own scsm.sensitivity := scsm.check_org_admin(caller, add_member.org);
BEGIN
    IF add_member.role IS NULL OR add_member.clearance IS NULL OR add_member.is_org_admin IS NULL THEN
        RAISE EXCEPTION 'role, clearance and is_org_admin must not be null'
            USING ERRCODE = '22023',
                  DETAIL = 'All three are required.',
                  HINT = 'Pass a role name, a clearance such as ''internal'', and true or false.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = add_member.role) THEN
        RAISE EXCEPTION 'role "%" does not exist', add_member.role
            USING ERRCODE = '22023',
                  DETAIL = 'Only existing database roles can be members of an organization.',
                  HINT = 'Create the role first (CREATE ROLE ... LOGIN) and grant it an scsm group role.';
    END IF;
    IF add_member.role IN ('scsm_viewer', 'scsm_contributor', 'scsm_auditor', 'scsm_manager', 'scsm_admin') THEN
        RAISE EXCEPTION 'the group role % cannot be a member of an organization', add_member.role
            USING ERRCODE = '22023',
                  DETAIL = 'The scsm group roles stand for jobs and are held by users of every organization.',
                  HINT = 'Add the login roles, or a group role of your own for the organization''s team.';
    END IF;
    IF add_member.clearance > own THEN
        RAISE EXCEPTION 'cannot grant a clearance above your own'
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('You asked for %s; your clearance in organization %s is %s.',
                                             add_member.clearance, add_member.org, own),
                  HINT = 'Grant at most your own clearance, or ask an administrator with a higher one.';
    END IF;
    IF EXISTS (SELECT 1 FROM scsm.member m WHERE m.org_id = add_member.org AND m.role_name = add_member.role) THEN
        RAISE EXCEPTION 'role % is already a member of organization %', add_member.role, add_member.org
            USING ERRCODE = '23505',
                  DETAIL = pg_catalog.format('Its clearance there is %s.',
                                             (SELECT m.clearance FROM scsm.member m
                                               WHERE m.org_id = add_member.org AND m.role_name = add_member.role)),
                  HINT = 'Use scsm.set_clearance to change its clearance.';
    END IF;
    BEGIN
        INSERT INTO scsm.member (org_id, role_name, clearance, is_org_admin, granted_by)
        VALUES (add_member.org, add_member.role, add_member.clearance, add_member.is_org_admin, caller);
    EXCEPTION WHEN unique_violation THEN
        -- a concurrent add_member of the same role won the race
        RAISE EXCEPTION 'role % is already a member of organization %', add_member.role, add_member.org
            USING ERRCODE = '23505',
                  DETAIL = 'Another session added it at the same time.',
                  HINT = 'Use scsm.set_clearance to change its clearance.';
    END;
END
$$;
REVOKE ALL ON FUNCTION scsm.add_member(bigint, name, scsm.sensitivity, boolean) FROM PUBLIC;
COMMENT ON FUNCTION scsm.add_member(bigint, name, scsm.sensitivity, boolean) IS
    'Make a database role (login or group) a member of the organization with a clearance; caller must administer the organization and hold at least that clearance';

CREATE FUNCTION scsm.set_clearance(org bigint, role name, clearance scsm.sensitivity)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    caller name := scsm.calling_role();
    own scsm.sensitivity := scsm.check_org_admin(caller, set_clearance.org);
BEGIN
    IF set_clearance.clearance IS NULL THEN
        RAISE EXCEPTION 'clearance must not be null'
            USING ERRCODE = '22023',
                  DETAIL = 'A member always has a clearance.',
                  HINT = 'Pass one of public, internal, confidential, restricted.';
    END IF;
    PERFORM scsm.check_member_target(set_clearance.org, set_clearance.role, own);
    IF set_clearance.clearance > own THEN
        RAISE EXCEPTION 'cannot grant a clearance above your own'
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('You asked for %s; your clearance in organization %s is %s.',
                                             set_clearance.clearance, set_clearance.org, own),
                  HINT = 'Grant at most your own clearance, or ask an administrator with a higher one.';
    END IF;
    UPDATE scsm.member m
       SET clearance = set_clearance.clearance, granted_by = caller, granted_at = pg_catalog.now()
     WHERE m.org_id = set_clearance.org AND m.role_name = set_clearance.role;
END
$$;
REVOKE ALL ON FUNCTION scsm.set_clearance(bigint, name, scsm.sensitivity) FROM PUBLIC;
COMMENT ON FUNCTION scsm.set_clearance(bigint, name, scsm.sensitivity) IS
    'Change the clearance of a member; caller must administer the organization and hold both the old and the new clearance';

CREATE FUNCTION scsm.remove_member(org bigint, role name)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    caller name := scsm.calling_role();
    own scsm.sensitivity := scsm.check_org_admin(caller, remove_member.org);
    m scsm.member;
BEGIN
    m := scsm.check_member_target(remove_member.org, remove_member.role, own);
    IF m.is_org_admin AND NOT EXISTS (
        SELECT 1 FROM scsm.member o
         WHERE o.org_id = remove_member.org AND o.is_org_admin AND o.role_name <> remove_member.role) THEN
        RAISE EXCEPTION 'cannot remove the last administrator of organization %', remove_member.org
            USING ERRCODE = '55000',
                  DETAIL = pg_catalog.format('Role %s is its only member with is_org_admin.', remove_member.role),
                  HINT = 'Add another administrator first.';
    END IF;
    DELETE FROM scsm.member o WHERE o.org_id = remove_member.org AND o.role_name = remove_member.role;
END
$$;
REVOKE ALL ON FUNCTION scsm.remove_member(bigint, name) FROM PUBLIC;
COMMENT ON FUNCTION scsm.remove_member(bigint, name) IS
    'Remove a role from the organization; caller must administer it; the last administrator cannot be removed';

------------------------------------------------------------------------------
-- Rule triggers that must see and touch rows beyond the writer's own view.
-- Trigger functions run as the user whose statement fired them, so under RLS
-- a rule check would see only rows up to that user's clearance, and a trigger
-- that flags other tables (an incident flags the site's emergency plans and
-- its risk for review, 4.4.7) would need write privileges the contributor has
-- not got.  They become SECURITY DEFINER: their search_path is already
-- pinned, they act only on rows of NEW's organization, and EXECUTE is revoked
-- from PUBLIC so nobody can attach them to a table of their own.
------------------------------------------------------------------------------
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'scsm'::regnamespace
           AND p.proname IN ('tg_policy_version_rules', 'tg_objective_rules', 'tg_nonconformity_rules',
                             'tg_document_version_rules', 'tg_incident_flags_plans')
           AND p.prorettype = 'pg_catalog.trigger'::regtype
           AND p.proconfig IS NOT NULL
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SECURITY DEFINER', f);
    END LOOP;
END
$$;

-- A SECURITY DEFINER BEFORE trigger runs before row-level security checks
-- the new row, and sees every organization: its rule errors would tell a
-- writer things about an organization it is no member of (for example
-- whether a person holds a top-management appointment there).  This guard
-- fires first (trigger names fire in order; "_" sorts before the letters of
-- the rule triggers) and refuses such a row with the error RLS would give.
-- It runs as the writer.  Argument: the name of the sensitivity column, if any.
CREATE FUNCTION scsm.tg_access_guard() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lvl scsm.sensitivity := 'public';
BEGIN
    IF (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NEW;
    END IF;
    IF TG_NARGS > 0 THEN
        lvl := (pg_catalog.to_jsonb(NEW) ->> TG_ARGV[0])::scsm.sensitivity;
    END IF;
    IF lvl IS NULL OR NEW.org_id IS NULL OR NOT (NEW.org_id = ANY (scsm.my_org_ids(lvl))) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "%"', TG_TABLE_NAME
            USING ERRCODE = '42501',
                  DETAIL = 'The row belongs to an organization you are not a member of, or is above your clearance there.',
                  HINT = 'Write only into your organizations (scsm.my_org_ids()) and at or below your clearance.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_access_guard() IS
    'Trigger: refuse a row outside the writer''s organizations or clearance before SECURITY DEFINER rule triggers see it';

------------------------------------------------------------------------------
-- Restrictive policies on top of the organization policy.
------------------------------------------------------------------------------

-- 4.4.5 b: contributors write drafts; approving, rejecting or obsoleting a
-- document version is for managers.
CREATE POLICY scsm_approval_insert ON scsm.document_version AS RESTRICTIVE FOR INSERT
    WITH CHECK (status = 'draft' OR (SELECT pg_catalog.pg_has_role('scsm_manager', 'USAGE')));
CREATE POLICY scsm_approval_update ON scsm.document_version AS RESTRICTIVE FOR UPDATE
    USING (status = 'draft' OR (SELECT pg_catalog.pg_has_role('scsm_manager', 'USAGE')))
    WITH CHECK (status = 'draft' OR (SELECT pg_catalog.pg_has_role('scsm_manager', 'USAGE')));

-- Only an organization's administrators may change the organization row.
CREATE POLICY scsm_org_admin_update ON scsm.organization AS RESTRICTIVE FOR UPDATE
    USING (org_id = ANY ((SELECT scsm.my_org_ids('public', true))::bigint[]))
    WITH CHECK (org_id = ANY ((SELECT scsm.my_org_ids('public', true))::bigint[]));

------------------------------------------------------------------------------
-- Applying it all.
------------------------------------------------------------------------------
CREATE FUNCTION scsm.apply_access()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    groups constant name[] := ARRAY['scsm_viewer', 'scsm_contributor', 'scsm_auditor', 'scsm_manager', 'scsm_admin'];
    rel record;
    fn record;
    g record;
    grp name;
    expr text;
    lvl text;
BEGIN
    -- Schema: usage for the groups only.
    EXECUTE 'REVOKE ALL ON SCHEMA scsm FROM PUBLIC';
    EXECUTE 'GRANT USAGE ON SCHEMA scsm TO scsm_viewer';

    -- Tables, views, materialized views, foreign tables.
    FOR rel IN
        SELECT c.oid, c.relname, c.relkind,
               EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped) AS has_org,
               EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'sensitivity' AND NOT a.attisdropped
                          AND a.atttypid = 'scsm.sensitivity'::regtype) AS has_sensitivity
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON scsm.%I FROM PUBLIC, %s', rel.relname,
                                  (SELECT string_agg(pg_catalog.quote_ident(x), ', ') FROM unnest(groups) x));
        IF rel.relkind = 'm' OR (rel.relkind = 'f' AND rel.has_org) THEN
            -- A materialized view (or a foreign table) cannot have row-level
            -- security: nobody but its owner reads it; wrap it in a view that
            -- filters by org_id = ANY (scsm.my_org_ids()).
            CONTINUE;
        END IF;
        IF rel.relkind = 'v' THEN
            EXECUTE pg_catalog.format('ALTER VIEW scsm.%I SET (security_invoker = true)', rel.relname);
        END IF;
        IF EXISTS (SELECT 1 FROM scsm.access_grant
                    WHERE object_kind = 'relation' AND object_name = rel.relname) THEN
            FOR g IN
                SELECT role_name, privileges FROM scsm.access_grant
                 WHERE object_kind = 'relation' AND object_name = rel.relname AND cardinality(privileges) > 0
            LOOP
                EXECUTE pg_catalog.format('GRANT %s ON scsm.%I TO %I',
                                          array_to_string(g.privileges, ', '), rel.relname, g.role_name);
            END LOOP;
        ELSE
            -- Not listed: readable by viewers; writable by managers when it
            -- belongs to an organization, else (shared configuration) by
            -- admins.  Views are read-only.
            EXECUTE pg_catalog.format('GRANT SELECT ON scsm.%I TO scsm_viewer', rel.relname);
            IF rel.relkind IN ('r', 'p') THEN
                EXECUTE pg_catalog.format('GRANT INSERT, UPDATE ON scsm.%I TO %I', rel.relname,
                                          CASE WHEN rel.has_org THEN 'scsm_manager' ELSE 'scsm_admin' END);
            END IF;
        END IF;

        -- Row-level security on every table of an organization.
        IF rel.relkind IN ('r', 'p') AND rel.has_org THEN
            -- The guard goes in front of SECURITY DEFINER BEFORE row triggers.
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                            WHERE t.tgrelid = rel.oid AND t.tgname = '_access_guard')
               AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
                            WHERE t.tgrelid = rel.oid AND NOT t.tgisinternal AND p.prosecdef
                              AND (t.tgtype & 1) = 1 AND (t.tgtype & 2) = 2) THEN
                EXECUTE pg_catalog.format(
                    'CREATE TRIGGER _access_guard BEFORE INSERT OR UPDATE ON scsm.%I FOR EACH ROW EXECUTE FUNCTION scsm.tg_access_guard(%s)',
                    rel.relname, CASE WHEN rel.has_sensitivity THEN '''sensitivity''' ELSE '' END);
            END IF;
            EXECUTE pg_catalog.format('ALTER TABLE scsm.%I ENABLE ROW LEVEL SECURITY', rel.relname);
            EXECUTE pg_catalog.format('ALTER TABLE scsm.%I FORCE ROW LEVEL SECURITY', rel.relname);
            IF rel.has_sensitivity THEN
                -- The first conjunct lets an index on org_id serve the scan;
                -- the CASE then applies the clearance of the row's level.
                expr := 'org_id = ANY ((SELECT scsm.my_org_ids())::bigint[]) AND org_id = ANY (CASE sensitivity';
                FOREACH lvl IN ARRAY enum_range(NULL::scsm.sensitivity)::text[] LOOP
                    expr := expr || pg_catalog.format(' WHEN %L THEN (SELECT scsm.my_org_ids(%L))', lvl, lvl);
                END LOOP;
                expr := expr || ' END)';
            ELSE
                expr := 'org_id = ANY ((SELECT scsm.my_org_ids())::bigint[])';
            END IF;
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
                        WHERE p.polrelid = rel.oid AND p.polname = 'scsm_org_member') THEN
                EXECUTE pg_catalog.format('DROP POLICY scsm_org_member ON scsm.%I', rel.relname);
            END IF;
            -- A table whose author wrote its own permissive policy for all
            -- commands keeps it (one for some commands only, like the preset
            -- read of risk_matrix, adds to the membership policy).
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
                            WHERE p.polrelid = rel.oid AND p.polpermissive AND p.polcmd = '*') THEN
                EXECUTE pg_catalog.format('CREATE POLICY scsm_org_member ON scsm.%I USING (%s) WITH CHECK (%s)',
                                          rel.relname, expr, expr);
            END IF;
        END IF;
    END LOOP;

    -- Sequences: owned by a table -> usable by the roles that insert there;
    -- free-standing -> admins.  (Identity columns need no sequence privilege.)
    FOR rel IN
        SELECT c.relname,
               (SELECT d.refobjid FROM pg_catalog.pg_depend d
                 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                   AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
                 LIMIT 1) AS owner_rel
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind = 'S'
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON SEQUENCE scsm.%I FROM PUBLIC, %s', rel.relname,
                                  (SELECT string_agg(pg_catalog.quote_ident(x), ', ') FROM unnest(groups) x));
        FOREACH grp IN ARRAY groups LOOP
            IF (rel.owner_rel IS NULL AND grp = 'scsm_admin')
               OR (rel.owner_rel IS NOT NULL AND pg_catalog.has_table_privilege(grp, rel.owner_rel, 'INSERT')) THEN
                EXECUTE pg_catalog.format('GRANT USAGE, SELECT ON SEQUENCE scsm.%I TO %I', rel.relname, grp);
            END IF;
        END LOOP;
    END LOOP;

    -- Routines.  Listed: exactly as listed.  Trigger functions: nobody (they
    -- fire without an EXECUTE check; revoking stops them being attached
    -- elsewhere).  SECURITY DEFINER: admins unless listed.  Anything else runs
    -- with the caller's rights and is granted to viewers, which keeps
    -- operators, casts and functions used in CHECKs and policies working for
    -- every scsm role (type input/output functions are never checked).
    FOR fn IN
        SELECT p.oid::regprocedure AS sig, p.proname, p.prokind, p.prosecdef,
               p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype) AS is_trigger
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'scsm'::regnamespace
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON ROUTINE %s FROM PUBLIC, %s', fn.sig,
                                  (SELECT string_agg(pg_catalog.quote_ident(x), ', ') FROM unnest(groups) x));
        IF EXISTS (SELECT 1 FROM scsm.access_grant WHERE object_kind = 'routine' AND object_name = fn.proname) THEN
            FOR g IN
                SELECT role_name FROM scsm.access_grant
                 WHERE object_kind = 'routine' AND object_name = fn.proname AND 'EXECUTE' = ANY (privileges)
            LOOP
                EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO %I', fn.sig, g.role_name);
            END LOOP;
        ELSIF fn.is_trigger THEN
            NULL;
        ELSE
            EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO %I', fn.sig,
                                      CASE WHEN fn.prosecdef THEN 'scsm_admin' ELSE 'scsm_viewer' END);
        END IF;
    END LOOP;

    -- Types (base, enum, domain, range, free-standing composite):
    -- usage for the groups, not PUBLIC.  Array and multirange types follow
    -- their element or range type; a table's row type has no privileges of
    -- its own.
    FOR rel IN
        SELECT t.oid::regtype AS typ, t.typtype
          FROM pg_catalog.pg_type t
         WHERE t.typnamespace = 'scsm'::regnamespace
           AND t.typtype IN ('b', 'e', 'd', 'r', 'c')
           AND NOT (t.typcategory = 'A' AND t.typelem <> 0)
           AND (t.typrelid = 0 OR (SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c')
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC',
                                  CASE rel.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, rel.typ);
        EXECUTE pg_catalog.format('GRANT USAGE ON %s %s TO scsm_viewer',
                                  CASE rel.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, rel.typ);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION scsm.apply_access() FROM PUBLIC;
COMMENT ON FUNCTION scsm.apply_access() IS
    'Apply privileges (scsm.access_grant and defaults), row-level security and security_invoker views to every object of schema scsm; run as superuser, idempotent';

INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin) VALUES
    ('routine', 'member_orgs',         'scsm_viewer', '{EXECUTE}', true),
    ('routine', 'member_clearance',    'scsm_viewer', '{EXECUTE}', true),
    ('routine', 'my_org_ids',          'scsm_viewer', '{EXECUTE}', true),
    ('routine', 'my_clearance',        'scsm_viewer', '{EXECUTE}', true),
    ('routine', 'create_organization', 'scsm_admin',  '{EXECUTE}', true),
    ('routine', 'add_member',          'scsm_admin',  '{EXECUTE}', true),
    ('routine', 'set_clearance',       'scsm_admin',  '{EXECUTE}', true),
    ('routine', 'remove_member',       'scsm_admin',  '{EXECUTE}', true),
    -- internal: only the owner calls these
    ('routine', 'calling_role',        'scsm_admin',  '{}', true),
    ('routine', 'role_closure',        'scsm_admin',  '{}', true),
    ('routine', 'check_org_admin',     'scsm_admin',  '{}', true),
    ('routine', 'check_member_target', 'scsm_admin',  '{}', true),
    ('routine', 'apply_access',        'scsm_admin',  '{}', true);

SELECT scsm.apply_access();
