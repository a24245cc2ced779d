-- Access model, structure: group roles, nothing for PUBLIC, row-level security
-- on every table of an organization, views as invoker, SECURITY DEFINER
-- hygiene.  Every check loops over the catalog, so objects added later by
-- other parts of the install script are covered too.
BEGIN;
SELECT plan(37);

-- Group roles: present, cannot log in, cannot bypass RLS, chained.
SELECT is((SELECT count(*)::int FROM pg_roles
            WHERE rolname IN ('scsm_viewer', 'scsm_contributor', 'scsm_auditor', 'scsm_manager', 'scsm_admin')
              AND NOT rolcanlogin AND NOT rolsuper AND NOT rolbypassrls),
          5, 'the five group roles exist, NOLOGIN, without superuser or BYPASSRLS');
SELECT ok(pg_has_role('scsm_admin', 'scsm_manager', 'MEMBER')
          AND pg_has_role('scsm_manager', 'scsm_contributor', 'MEMBER')
          AND pg_has_role('scsm_contributor', 'scsm_viewer', 'MEMBER')
          AND pg_has_role('scsm_auditor', 'scsm_viewer', 'MEMBER'),
          'admin > manager > contributor > viewer, and auditor > viewer');
SELECT ok(NOT pg_has_role('scsm_auditor', 'scsm_contributor', 'MEMBER')
          AND NOT pg_has_role('scsm_manager', 'scsm_auditor', 'MEMBER')
          AND NOT pg_has_role('scsm_viewer', 'scsm_contributor', 'MEMBER'),
          'auditors are not contributors, managers are not auditors, viewers are nothing more');

-- Nothing for PUBLIC: schema, relations, sequences, routines, types.
SELECT ok(NOT has_schema_privilege('public', 'scsm', 'USAGE') AND NOT has_schema_privilege('public', 'scsm', 'CREATE'),
          'PUBLIC has no privilege on schema scsm');
SELECT ok(has_schema_privilege('scsm_viewer', 'scsm', 'USAGE') AND NOT has_schema_privilege('scsm_admin', 'scsm', 'CREATE'),
          'the groups may use schema scsm but not create in it');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
     WHERE c.relnamespace = 'scsm'::regnamespace AND a.grantee = 0 $$,
    'no table, view or sequence of scsm grants anything to PUBLIC');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     WHERE p.pronamespace = 'scsm'::regnamespace AND a.grantee = 0 $$,
    'no routine of scsm is executable by PUBLIC');
SELECT is_empty($$
    SELECT t.oid::regtype FROM pg_type t, aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a
     WHERE t.typnamespace = 'scsm'::regnamespace AND a.grantee = 0
       AND t.typtype IN ('b', 'e', 'd', 'r', 'c') AND NOT (t.typcategory = 'A' AND t.typelem <> 0)
       AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') $$,
    'no type of scsm is usable by PUBLIC');

-- Every table and view is readable by viewers, but the ledger's entries,
-- transactions and certificates (hashes of every organization's rows, no
-- org_id to filter by; 97_ledger_access.sql); every table of an organization
-- has somebody who may write it.
SELECT is_empty($$
    SELECT relname FROM pg_class
     WHERE relnamespace = 'scsm'::regnamespace AND relkind IN ('r', 'p', 'v')
       AND relname NOT IN ('ledger_row', 'ledger_entry', 'ledger_pending', 'ledger_txn', 'disposal_certificate', 'disposal_batch', 'retention_archive')
       AND NOT has_table_privilege('scsm_viewer', oid, 'SELECT') $$,
    'scsm_viewer can SELECT every table and view but the ledger internals');
SELECT is_empty($$
    SELECT c.relname || ' ' || g FROM pg_class c, unnest(ARRAY['scsm_viewer', 'scsm_contributor', 'scsm_manager']) g
     WHERE c.oid IN ('scsm.ledger_row'::regclass, 'scsm.ledger_txn'::regclass, 'scsm.disposal_certificate'::regclass,
                     'scsm.disposal_batch'::regclass, 'scsm.retention_archive'::regclass)
       AND has_table_privilege(g, c.oid, 'SELECT') $$,
    'only auditors and administrators read the ledger entries and certificates');
SELECT is_empty($$
    SELECT relname FROM pg_class
     WHERE relnamespace = 'scsm'::regnamespace AND relkind IN ('r', 'p', 'v')
       AND (has_table_privilege('scsm_viewer', oid, 'INSERT') OR has_table_privilege('scsm_viewer', oid, 'UPDATE')
            OR has_table_privilege('scsm_viewer', oid, 'DELETE') OR has_table_privilege('scsm_viewer', oid, 'TRUNCATE')) $$,
    'scsm_viewer can write nothing');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'org_id')
       AND c.relname NOT IN ('organization', 'member')
       -- history tables of versioned tables: written by the ledger trigger only
       AND c.relname NOT IN (SELECT history_table FROM scsm.ledger_table WHERE history_table IS NOT NULL)
       -- listed by the maintenance run (approvers only decide)
       AND c.relname <> 'disposal_review'
       AND NOT EXISTS (SELECT 1 FROM unnest(ARRAY['scsm_contributor', 'scsm_auditor', 'scsm_manager', 'scsm_admin']) g
                        WHERE has_table_privilege(g, c.oid, 'INSERT')) $$,
    'every register table can be written by some group');

-- DELETE: nobody on records; only pure link tables allow it.
SELECT is_empty($$
    SELECT c.relname FROM pg_class c, unnest(ARRAY['scsm_viewer', 'scsm_contributor', 'scsm_auditor',
                                                   'scsm_manager', 'scsm_admin']) g
     WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p')
       AND (has_table_privilege(g, c.oid, 'DELETE') OR has_table_privilege(g, c.oid, 'TRUNCATE'))
       AND c.relname NOT IN ('risk_control', 'legal_requirement_risk', 'role_competence', 'document_location',
                             'audit_team_member', 'objective_input', 'supply_chain_link') $$,
    'no group may DELETE or TRUNCATE anything but link tables');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c, unnest(ARRAY['scsm_viewer', 'scsm_contributor', 'scsm_auditor',
                                                   'scsm_manager', 'scsm_admin']) g
     WHERE c.oid IN ('scsm.incident'::regclass, 'scsm.measurement'::regclass, 'scsm.calibration'::regclass,
                     'scsm.training_record'::regclass, 'scsm.evaluation'::regclass, 'scsm.audit_finding'::regclass,
                     'scsm.management_review'::regclass, 'scsm.communication'::regclass,
                     'scsm.policy_version'::regclass, 'scsm.document_version'::regclass, 'scsm.member'::regclass)
       AND has_table_privilege(g, c.oid, 'DELETE') $$,
    'records, versions and memberships cannot be deleted by any group');

-- Membership and organizations are written only through functions.
SELECT ok(NOT has_table_privilege('scsm_admin', 'scsm.member', 'INSERT')
          AND NOT has_table_privilege('scsm_admin', 'scsm.member', 'UPDATE')
          AND NOT has_table_privilege('scsm_admin', 'scsm.organization', 'INSERT'),
          'no group may INSERT or UPDATE scsm.member or INSERT scsm.organization directly');
SELECT ok(has_function_privilege('scsm_admin', 'scsm.add_member(bigint, name, scsm.sensitivity, boolean)', 'EXECUTE')
          AND NOT has_function_privilege('scsm_manager', 'scsm.add_member(bigint, name, scsm.sensitivity, boolean)', 'EXECUTE')
          AND NOT has_function_privilege('scsm_manager', 'scsm.create_organization(text, text, text, text)', 'EXECUTE'),
          'membership functions are for scsm_admin only');

-- Row-level security on every table with org_id, enabled and forced, with a
-- membership policy (no session variables).
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'org_id' AND NOT attisdropped)
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity) $$,
    'every table with org_id has row-level security enabled and forced');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'org_id' AND NOT attisdropped)
       AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive
                          AND pg_get_expr(p.polqual, p.polrelid) LIKE '%my_org_ids%'
                          AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%my_org_ids%') $$,
    'every table with org_id has a permissive membership policy for reading and writing');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
     WHERE c.relnamespace = 'scsm'::regnamespace AND p.polpermissive
       AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'sensitivity' AND NOT attisdropped)
       AND NOT (pg_get_expr(p.polqual, p.polrelid) LIKE '%sensitivity%'
                AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%sensitivity%') $$,
    'every permissive policy on a table with a sensitivity column checks the clearance');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
     WHERE c.relnamespace = 'scsm'::regnamespace
       AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '') || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))
           ~ 'current_setting|pg_authid|pg_auth_members' $$,
    'no policy reads session settings or the role catalogs row by row');

SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'scsm'::regnamespace
       AND EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                    WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND p.prosecdef AND (t.tgtype & 3) = 3)
       AND (SELECT min(t.tgname COLLATE "C") FROM pg_trigger t
             WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND (t.tgtype & 3) = 3) <> '_access_guard' $$,
    'wherever a SECURITY DEFINER BEFORE row trigger exists, the access guard fires first');

-- Views run as the invoker, so they inherit RLS instead of bypassing it.
SELECT is_empty($$
    SELECT relname FROM pg_class
     WHERE relnamespace = 'scsm'::regnamespace AND relkind = 'v'
       AND NOT coalesce('security_invoker=true' = ANY (reloptions), false) $$,
    'every view of scsm is security_invoker');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c, unnest(ARRAY['scsm_viewer', 'scsm_admin']) g
     WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind = 'm' AND has_table_privilege(g, c.oid, 'SELECT') $$,
    'no group can read a materialized view (it would bypass RLS)');

-- SECURITY DEFINER hygiene.
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'scsm'::regnamespace AND p.prosecdef
       AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                        WHERE c LIKE 'search_path=%' AND c LIKE '%pg_temp' AND c NOT LIKE '%$user%'
                          AND c NOT LIKE '%public%') $$,
    'every SECURITY DEFINER function pins search_path with pg_temp last and no public or $user');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'scsm'::regnamespace AND p.prosecdef AND obj_description(p.oid, 'pg_proc') IS NULL $$,
    'every SECURITY DEFINER function is documented');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p, unnest(ARRAY['scsm_viewer', 'scsm_contributor', 'scsm_auditor',
                                                            'scsm_manager', 'scsm_admin']) g
     WHERE p.pronamespace = 'scsm'::regnamespace AND p.prorettype = 'trigger'::regtype
       AND has_function_privilege(g, p.oid, 'EXECUTE') $$,
    'trigger functions are executable by no group (cannot be attached to other tables)');

-- Type I/O, operators and casts keep working for the groups.
SELECT is_empty($$
    SELECT o.oid::regoperator FROM pg_operator o
     WHERE (o.oprnamespace = 'scsm'::regnamespace
            OR (SELECT pronamespace FROM pg_proc WHERE oid = o.oprcode) = 'scsm'::regnamespace)
       AND NOT has_function_privilege('scsm_viewer', o.oprcode, 'EXECUTE') $$,
    'scsm_viewer may execute the function of every scsm operator');
SELECT is_empty($$
    SELECT c.castfunc::regprocedure FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc
     WHERE p.pronamespace = 'scsm'::regnamespace AND NOT has_function_privilege('scsm_viewer', c.castfunc, 'EXECUTE') $$,
    'scsm_viewer may execute every cast function of scsm');

CREATE ROLE tap_roles_viewer LOGIN;
GRANT scsm_viewer TO tap_roles_viewer;
SET ROLE tap_roles_viewer;
SELECT lives_ok($$SELECT 'confidential'::scsm.sensitivity > 'internal', '4.3.1'::scsm.clause OPERATOR(scsm.=) '4.3.1'::scsm.clause,
                         ARRAY['4.1', '4.10', '4.9']::scsm.clause[]$$,
                'a viewer can use the scsm types, their operators and casts');
SELECT lives_ok($$SELECT clause FROM scsm.clause_catalogue ORDER BY clause$$,
                'a viewer can sort clauses (btree opclass)');
SELECT lives_ok(CASE WHEN EXISTS (SELECT 1 FROM pg_operator WHERE oprname = '@>' AND oprleft = 'scsm.clause'::regtype)
                     THEN $$SELECT '4.3'::scsm.clause OPERATOR(scsm.@>) '4.3.1'::scsm.clause$$ ELSE 'SELECT 1' END,
                'a viewer can use the clause containment operator (when the C type is installed)');
SELECT lives_ok(CASE WHEN EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'clause_parent'
                                     AND pronamespace = 'scsm'::regnamespace)
                     THEN $$SELECT scsm.clause_parent('4.3.1')$$ ELSE 'SELECT 1' END,
                'a viewer can call clause functions (when the C type is installed)');
RESET ROLE;

-- Objects added later get the defaults when the rules are re-applied.
CREATE TABLE scsm.tap_later_record (org_id bigint NOT NULL, note text, sensitivity scsm.sensitivity NOT NULL DEFAULT 'internal');
CREATE TABLE scsm.tap_later_setting (name text PRIMARY KEY, value text);
CREATE VIEW scsm.tap_later_view AS SELECT org_id, note FROM scsm.tap_later_record;
CREATE FUNCTION scsm.tap_later_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT lives_ok('SELECT scsm.apply_access(); SELECT scsm.apply_access()', 'apply_access can be run again, twice');
SELECT ok(has_table_privilege('scsm_viewer', 'scsm.tap_later_record', 'SELECT')
          AND has_table_privilege('scsm_manager', 'scsm.tap_later_record', 'INSERT, UPDATE')
          AND NOT has_table_privilege('scsm_contributor', 'scsm.tap_later_record', 'INSERT')
          AND NOT has_table_privilege('scsm_admin', 'scsm.tap_later_record', 'DELETE'),
          'a new table with org_id: read by viewers, written by managers, deleted by nobody');
SELECT ok((SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'scsm.tap_later_record'::regclass)
          AND EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = 'scsm.tap_later_record'::regclass
                         AND pg_get_expr(polqual, polrelid) LIKE '%sensitivity%my_org_ids%'),
          'a new table with org_id and sensitivity gets forced RLS with the clearance policy');
SELECT ok(has_table_privilege('scsm_admin', 'scsm.tap_later_setting', 'INSERT, UPDATE')
          AND NOT has_table_privilege('scsm_manager', 'scsm.tap_later_setting', 'INSERT')
          AND has_table_privilege('scsm_viewer', 'scsm.tap_later_setting', 'SELECT'),
          'a new shared configuration table: read by viewers, written by admins');
SELECT ok(has_table_privilege('scsm_viewer', 'scsm.tap_later_view', 'SELECT')
          AND (SELECT 'security_invoker=true' = ANY (reloptions) FROM pg_class WHERE oid = 'scsm.tap_later_view'::regclass)
          AND has_function_privilege('scsm_viewer', 'scsm.tap_later_fn()', 'EXECUTE')
          AND NOT has_function_privilege('public', 'scsm.tap_later_fn()', 'EXECUTE'),
          'a new view is security_invoker and readable by viewers; a new function is for the groups, not PUBLIC');

SELECT * FROM finish();
ROLLBACK;
