-- SECURITY DEFINER functions cannot be hijacked through search_path.
-- An unprivileged user builds, in a schema it owns and in pg_temp, look-alikes
-- of what the membership functions use (pg_has_role, current_setting, now,
-- the = >= > operators, max(), tables member, organization and pg_roles),
-- puts them first in search_path and calls the functions.  The look-alikes
-- record every call in a log; a control query shows they do capture
-- unqualified names, and the functions must neither use them nor grant more.
BEGIN;
\ir ../fixtures/access_orgs.sql
SELECT plan(22);

CREATE ROLE tap_evil LOGIN;
CREATE ROLE tap_evil_friend LOGIN;
GRANT scsm_admin TO tap_evil;
CREATE SCHEMA tap_evil AUTHORIZATION tap_evil;
SELECT scsm.add_member(:org_a, 'tap_evil', 'internal', true) AS m \gset

-- The attacker's own session (session user tap_evil, not a superuser).
SET SESSION AUTHORIZATION tap_evil;
CREATE TABLE tap_evil.log (what text);
CREATE FUNCTION tap_evil.pg_has_role(name, name, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('pg_has_role(name,name,text)'); SELECT true $$;
CREATE FUNCTION tap_evil.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('pg_has_role(name,oid,text)'); SELECT true $$;
CREATE FUNCTION tap_evil.pg_has_role(text, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('pg_has_role(text,text)'); SELECT true $$;
CREATE FUNCTION tap_evil.current_setting(text) RETURNS text LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('current_setting'); SELECT 'postgres'::text $$;
CREATE FUNCTION tap_evil.now() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('now'); SELECT 'epoch'::timestamptz $$;
CREATE FUNCTION tap_evil.always_sens(scsm.sensitivity, scsm.sensitivity) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('sensitivity operator'); SELECT true $$;
CREATE FUNCTION tap_evil.never_sens(scsm.sensitivity, scsm.sensitivity) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('sensitivity operator'); SELECT false $$;
CREATE FUNCTION tap_evil.always_int8(bigint, bigint) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('bigint ='); SELECT true $$;
CREATE OPERATOR tap_evil.>= (LEFTARG = scsm.sensitivity, RIGHTARG = scsm.sensitivity, FUNCTION = tap_evil.always_sens);
CREATE OPERATOR tap_evil.> (LEFTARG = scsm.sensitivity, RIGHTARG = scsm.sensitivity, FUNCTION = tap_evil.never_sens);
CREATE OPERATOR tap_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = tap_evil.always_int8);
CREATE FUNCTION tap_evil.sens_top(scsm.sensitivity, scsm.sensitivity) RETURNS scsm.sensitivity LANGUAGE sql
    AS $$ INSERT INTO tap_evil.log VALUES ('max'); SELECT 'restricted'::scsm.sensitivity $$;
CREATE AGGREGATE tap_evil.max(scsm.sensitivity) (SFUNC = tap_evil.sens_top, STYPE = scsm.sensitivity);
CREATE TABLE tap_evil.member (LIKE scsm.member INCLUDING DEFAULTS);
INSERT INTO tap_evil.member (org_id, role_name, clearance, is_org_admin, granted_by)
VALUES (:org_b, 'tap_evil', 'restricted', true, 'tap_evil');
CREATE TABLE tap_evil.organization (LIKE scsm.organization);
CREATE TABLE tap_evil.pg_roles (rolname name, oid oid, rolsuper boolean);
INSERT INTO tap_evil.pg_roles VALUES ('tap_evil', 0, true);
CREATE TEMP TABLE member (LIKE scsm.member INCLUDING DEFAULTS);
INSERT INTO member (org_id, role_name, clearance, is_org_admin, granted_by)
VALUES (:org_b, 'tap_evil', 'restricted', true, 'tap_evil');
SELECT throws_ok($$CREATE TABLE scsm.member_shadow (x int)$$, '42501', 'permission denied for schema scsm',
                 'an unprivileged user cannot create objects in schema scsm');

SET search_path = tap_evil, pg_temp, pg_catalog, public;
-- Control: unqualified code does pick up the look-alikes.
CREATE TEMP TABLE control AS
SELECT pg_has_role('tap_evil', 'postgres', 'MEMBER') AS role_shadowed,
       ('public'::scsm.sensitivity >= 'restricted'::scsm.sensitivity) AS operator_shadowed,
       (SELECT count(*) FROM member) AS table_shadowed;
CREATE TEMP TABLE control_log AS SELECT count(*) AS logged FROM tap_evil.log;
TRUNCATE tap_evil.log;
-- The attack.
CREATE TEMP TABLE hijack AS
SELECT scsm.my_org_ids() AS orgs,
       scsm.my_clearance(:org_a) AS clear_a,
       scsm.my_clearance(:org_b) AS clear_b,
       scsm.member_orgs('postgres', 'public') AS su_orgs,
       scsm.member_orgs('tap_evil', 'restricted') AS own_restricted,
       scsm.member_clearance('tap_evil', :org_a) AS own_clearance,
       (SELECT count(*) FROM scsm.incident) AS incidents,
       pg_temp.try(format('SELECT scsm.add_member(%s, %L, %L, true)', :org_b, 'tap_evil', 'restricted')) AS add_b,
       pg_temp.try(format('SELECT scsm.add_member(%s, %L, %L)', :org_a, 'tap_evil_friend', 'restricted')) AS add_above,
       pg_temp.try(format('SELECT scsm.set_clearance(%s, %L, %L)', :org_a, 'tap_evil', 'restricted')) AS raise_own,
       pg_temp.try(format('SELECT scsm.remove_member(%s, %L)', :org_b, 'postgres')) AS remove_b;
CREATE TEMP TABLE hijack2 AS
SELECT pg_temp.try(format($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, site_id, severity, sensitivity)
                           VALUES (%s, 'incident', 'Shadowed', 'x', '2026-06-01', (SELECT min(site_id) FROM scsm.site), 2, 'internal')$$,
                          :org_a)) AS incident,
       pg_temp.try($$SELECT scsm.create_organization('Evil Port', 'tap_evil_port')$$) AS created;
RESET search_path;
RESET SESSION AUTHORIZATION;

SELECT ok((SELECT role_shadowed AND operator_shadowed AND table_shadowed = 1 FROM control),
          'control: unqualified names resolve to the look-alikes under this search_path');
SELECT is((SELECT logged FROM control_log), 2::bigint, 'control: the look-alike functions log their calls');
SELECT is((SELECT orgs FROM hijack), ARRAY[:org_a]::bigint[], 'my_org_ids still lists only A');
SELECT is((SELECT clear_a FROM hijack), 'internal'::scsm.sensitivity, 'my_clearance in A is still internal');
SELECT is((SELECT clear_b FROM hijack), NULL::scsm.sensitivity, 'my_clearance in B is still none');
SELECT is((SELECT su_orgs FROM hijack), '{}'::bigint[], 'member_orgs still refuses to answer for another role');
SELECT is((SELECT own_restricted FROM hijack), '{}'::bigint[],
          'member_orgs (called directly) finds no organization where the caller is cleared restricted');
SELECT is((SELECT own_clearance FROM hijack), 'internal'::scsm.sensitivity,
          'member_clearance (called directly) still finds internal, not the look-alike max()');
SELECT is((SELECT incidents FROM hijack), 2::bigint, 'the policies still show two incidents of A (public, internal)');
SELECT is((SELECT add_b FROM hijack), 'error:42501', 'add_member into B is still refused');
SELECT is((SELECT add_above FROM hijack), 'error:42501', 'granting above one''s clearance is still refused');
SELECT is((SELECT raise_own FROM hijack), 'error:42501', 'raising one''s own clearance is still refused');
SELECT is((SELECT remove_b FROM hijack), 'error:42501', 'removing a member of B is still refused');
SELECT is((SELECT incident FROM hijack2), 'ok:1', 'an incident is recorded under the hostile search_path');
SELECT is((SELECT count(*) FROM scsm.emergency_plan WHERE org_id = :org_a AND needs_review), 4::bigint,
          'its SECURITY DEFINER trigger flagged the real emergency plans of the site');
SELECT is((SELECT created FROM hijack2), 'ok:1', 'create_organization works under the hostile search_path');
SELECT is((SELECT string_agg(format('%s %s %s %s', role_name, clearance, is_org_admin, granted_by), '; ')
             FROM scsm.member m JOIN scsm.organization o USING (org_id) WHERE o.short_name = 'tap_evil_port'),
          'tap_evil restricted t tap_evil', 'and records the real caller as administrator');
SELECT is((SELECT count(*) FROM scsm.member WHERE org_id = :org_b AND role_name = 'tap_evil'), 0::bigint,
          'the caller did not become a member of B');
SELECT is((SELECT clearance FROM scsm.member WHERE org_id = :org_a AND role_name = 'tap_evil'), 'internal'::scsm.sensitivity,
          'the caller''s clearance in A is unchanged');
SELECT is((SELECT count(*) FROM scsm.member WHERE org_id = :org_b), 1::bigint, 'B kept its administrator');
SELECT is((SELECT string_agg(DISTINCT what, ', ') FROM tap_evil.log), NULL,
          'no look-alike function or operator was called by scsm');

SELECT * FROM finish();
ROLLBACK;
