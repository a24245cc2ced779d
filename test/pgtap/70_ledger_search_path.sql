-- scsm's C code runs some of its queries as the ledger's owner (a
-- superuser): the DDL guard's look-ups, the write path's reads of the
-- ledger.  Under the caller's search_path, an operator of the caller's own
-- placed before pg_catalog would run as that owner.  Each such query runs
-- with search_path pg_catalog, pg_temp instead.  Here a role puts its own
-- = operators first and logs who runs them: never the ledger's owner.
BEGIN;
SELECT plan(36);

CREATE ROLE tap_sp_user;
CREATE SCHEMA tap_sp AUTHORIZATION tap_sp_user;
GRANT scsm_contributor TO tap_sp_user;
CREATE TABLE tap_sp.ran_as (who name, what text);
GRANT ALL ON tap_sp.ran_as TO PUBLIC;
-- a protected table the role owns and writes
CREATE TABLE tap_sp.rec (id int PRIMARY KEY, v text);
ALTER TABLE tap_sp.rec OWNER TO tap_sp_user;
SELECT scsm.protect('tap_sp.rec', 'versioned');
CREATE TYPE tap_sp.mood AS ENUM ('calm');
ALTER TYPE tap_sp.mood OWNER TO tap_sp_user;

SET LOCAL ROLE tap_sp_user;
CREATE FUNCTION tap_sp.eq_oid(a oid, b oid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'oid');
  RETURN a OPERATOR(pg_catalog.=) b;
END $$;
CREATE FUNCTION tap_sp.eq_text(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'text');
  RETURN a OPERATOR(pg_catalog.=) b;
END $$;
CREATE FUNCTION tap_sp.eq_int(a integer, b integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'int');
  RETURN a OPERATOR(pg_catalog.=) b;
END $$;
CREATE OPERATOR tap_sp.= (FUNCTION = tap_sp.eq_oid, LEFTARG = oid, RIGHTARG = oid);
CREATE OPERATOR tap_sp.= (FUNCTION = tap_sp.eq_text, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR tap_sp.= (FUNCTION = tap_sp.eq_int, LEFTARG = integer, RIGHTARG = integer);
SET LOCAL search_path = tap_sp, pg_catalog, public;
-- the operators work for the role itself
SELECT 1::oid = 1::oid;
DELETE FROM tap_sp.ran_as;

-- the DDL guard's look-ups
SELECT lives_ok($$ALTER TYPE tap_sp.mood RENAME VALUE 'calm' TO 'quiet'$$,
                'the role renames a label of its own enum, which no protected table holds');
SELECT throws_ok($$ALTER SCHEMA tap_sp RENAME TO tap_sp2$$, '55000', NULL,
                 'the guard refuses to rename a schema that holds a protected table');
-- the write path: a versioned row written and changed
SELECT lives_ok($$INSERT INTO tap_sp.rec VALUES (1, 'a')$$, 'the role writes its protected table');
SELECT lives_ok($$UPDATE tap_sp.rec SET v = 'b' WHERE id OPERATOR(pg_catalog.=) 1$$, 'and changes a row');
RESET ROLE;
RESET search_path;

-- legal holds are tested on the rows as their table's owner: a cast to
-- json of the owner's enum (to_jsonb calls it) runs as that owner, not as
-- the superuser who disposes
SET LOCAL ROLE tap_sp_user;
SET LOCAL search_path = tap_sp, pg_catalog, public;
CREATE TYPE tap_sp.lab AS ENUM ('7', '8');
CREATE FUNCTION tap_sp.lab_json(l tap_sp.lab) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'cast');
  RETURN pg_catalog.to_json(l::text);
END $$;
CREATE CAST (tap_sp.lab AS json) WITH FUNCTION tap_sp.lab_json(tap_sp.lab);
CREATE TABLE tap_sp.hx (id int PRIMARY KEY, d date, incident_id tap_sp.lab, pair tap_sp.lab[]);
RESET ROLE;
RESET search_path;
SELECT scsm.protect('tap_sp.hx', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('tap_sp', 'sp', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'tap_sp', 'hx', class_id FROM scsm.retention_class WHERE name = 'tap_sp';
INSERT INTO tap_sp.hx VALUES (1, '2000-01-01', '8', '{8}'), (2, '2000-01-01', NULL, NULL), (3, '2000-01-01', '7', '{7,8}');
-- placing a table hold reads its values as the columns' types, and writes
-- them as JSON, as the table's owner: a superuser placing one runs none of
-- the owner's code
DELETE FROM tap_sp.ran_as;
SELECT ok(scsm.place_legal_hold('tap_sp.hx', '{"incident_id": "8"}', 'claim, placed by a superuser') IS NOT NULL,
          'a superuser places a hold on the column of the owner''s type');
SELECT is((SELECT array_agg(DISTINCT who) FROM tap_sp.ran_as WHERE what = 'cast'), ARRAY['tap_sp_user']::name[],
          'the owner''s cast to json ran while placing it, as the owner');
SELECT is((SELECT condition FROM scsm.legal_hold WHERE reason = 'claim, placed by a superuser'), '{"incident_id": "8"}'::jsonb,
          'the value kept in the JSON form the owner''s cast gives');
UPDATE scsm.legal_hold SET release_reason = 'test', released_at = now() WHERE reason = 'claim, placed by a superuser';
SET LOCAL ROLE tap_sp_user;
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.hx', 'incident_id', '8')$$, '42501', NULL,
                 'a role that may not write conditions cannot have values read as an owner''s types');
-- only the types an owner put in their table are read, a domain as its base
-- type: a role's own domain CHECK never runs, as the owner or anyone
CREATE FUNCTION tap_sp.checked(v int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'domain check');
  RETURN true;
END $$;
CREATE DOMAIN tap_sp.dom AS int CHECK (tap_sp.checked(VALUE));
RESET ROLE;
CREATE TABLE tap_sp.su_owned (id int PRIMARY KEY, n tap_sp.dom);
SELECT is(scsm.condition_json('tap_sp.su_owned', 'n', '5'), '5'::jsonb,
          'a value for a domain column is read as the base type');
SELECT is((SELECT count(*) FROM tap_sp.ran_as WHERE what = 'domain check'), 0::bigint, 'the domain''s CHECK did not run');
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.su_owned', 'nope', '5')$$, '42703', NULL,
                 'a column the table lacks');
-- a type of another role's inside the column's type (an array of its
-- domain, a composite holding it, its enum with a cast to json) would run
-- that role's code as the table's owner: refused (42501), nothing runs
CREATE ROLE tap_sp_mal;
GRANT scsm_auditor TO tap_sp_mal;
GRANT USAGE ON SCHEMA tap_sp TO tap_sp_mal;
CREATE SCHEMA tap_sp_m AUTHORIZATION tap_sp_mal;
SET LOCAL ROLE tap_sp_mal;
CREATE FUNCTION tap_sp_m.evil(v int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'mal');
  RETURN true;
END $$;
CREATE DOMAIN tap_sp_m.dom AS int CHECK (tap_sp_m.evil(VALUE));
CREATE TYPE tap_sp_m.pair AS (a int, b tap_sp_m.dom);
CREATE TYPE tap_sp_m.mood AS ENUM ('x', 'y');
CREATE FUNCTION tap_sp_m.mood_json(m tap_sp_m.mood) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'mal');
  RETURN pg_catalog.to_json(m::text);
END $$;
CREATE CAST (tap_sp_m.mood AS json) WITH FUNCTION tap_sp_m.mood_json(tap_sp_m.mood);
RESET ROLE;
CREATE TABLE tap_sp.su_mixed (id int PRIMARY KEY, d date, arr tap_sp_m.dom[], p tap_sp_m.pair, mood tap_sp_m.mood);
-- and a superuser's own domain whose CHECK names a function unqualified
CREATE FUNCTION tap_sp.nonneg(v int) RETURNS boolean LANGUAGE sql AS $$ SELECT abs(v) >= 0 $$;
CREATE DOMAIN tap_sp.pos AS int CHECK (tap_sp.nonneg(VALUE));
CREATE TABLE tap_sp.su_pos (id int PRIMARY KEY, v tap_sp.pos[]);
SET LOCAL ROLE tap_sp_mal;
CREATE FUNCTION tap_sp_m.abs(v int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'mal');
  RETURN v;
END $$;
SET LOCAL search_path = tap_sp_m, pg_catalog, public;
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.su_mixed', 'arr', '{5}')$$, '42501', NULL,
                 'a column holding an array of another role''s domain is refused');
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.su_mixed', 'p', '(1,5)')$$, '42501', NULL,
                 'so is one holding a composite with it');
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.su_mixed', 'mood', 'x')$$, '42501', NULL,
                 'and one of another role''s enum (its cast to json)');
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.su_pos', 'v', '{3}')$$, '42501', NULL,
                 'nor is a column holding an array of a superuser''s domain read as its owner');
RESET ROLE;
RESET search_path;
-- a domain inside the column's type (here an array of a superuser's domain
-- whose CHECK names a table unqualified) is never read as the owner: the
-- writer's temporary schema, searched for relations whatever search_path
-- says, could hold a view of that name calling the writer's code
CREATE TABLE tap_sp.codes (code int);
SET LOCAL search_path = tap_sp, public;
CREATE FUNCTION tap_sp.valid_code(v int) RETURNS boolean LANGUAGE sql AS $$ SELECT (SELECT count(*) FROM codes WHERE code = v) >= 0 $$;
RESET search_path;
CREATE DOMAIN tap_sp.code_t AS int CHECK (tap_sp.valid_code(VALUE));
CREATE TABLE tap_sp.ship (id int PRIMARY KEY, codes tap_sp.code_t[]);
SET LOCAL ROLE tap_sp_mal;
CREATE FUNCTION pg_temp.x() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'mal');
  RETURN 1;
END $$;
CREATE TEMP VIEW codes AS SELECT pg_temp.x() AS code;
SELECT throws_ok($$SELECT scsm.condition_json('tap_sp.ship', 'codes', '{1}')$$, '42501', NULL,
                 'a column holding a domain inside its type is not read as the owner');
RESET ROLE;
DROP VIEW pg_temp.codes;
-- at disposal, a hold naming such a column is not tested (that would run the
-- role's code as the owner, a superuser here): it holds every row there
SELECT scsm.protect('tap_sp.su_mixed', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'tap_sp', 'su_mixed', class_id FROM scsm.retention_class WHERE name = 'tap_sp';
INSERT INTO tap_sp.su_mixed (id, d, mood) VALUES (1, '2000-01-01', 'x'), (2, '2000-01-01', 'y');
SELECT scsm.place_case_hold(NULL, 'incident', 'c-mal', '{"mood": "x"}', 'case on another role''s enum') IS NOT NULL AS placed;
SELECT is(scsm.dispose_expired(10, 'tap_sp.su_mixed'), 0::bigint,
          'a case hold naming a column of another role''s type holds every row of the table');
SELECT is(scsm.hold_condition_for('tap_sp.su_mixed', '{"mood": "x", "zzzzzzzz": 1}'), NULL,
          'one naming a column the table lacks as well holds nothing there, before reading any value');
SELECT is((SELECT count(*) FROM tap_sp.ran_as WHERE what = 'mal'), 0::bigint,
          'none of the other role''s code ran');
-- holds placed by an approver who is no superuser
CREATE ROLE tap_sp_placer;
GRANT scsm_admin TO tap_sp_placer;
INSERT INTO scsm.retention_approver (role_name) VALUES ('tap_sp_placer');
GRANT USAGE ON SCHEMA tap_sp TO PUBLIC;
SET LOCAL ROLE tap_sp_placer;
SELECT scsm.place_case_hold(NULL, 'incident', 'inc7', '{"incident_id": 7}', 'case 7');
SELECT scsm.place_legal_hold('tap_sp.hx', '{"pair": "{8}"}', 'claim');
RESET ROLE;
SELECT is((SELECT array_agg(scsm_row_key ORDER BY scsm_row_key) FROM scsm.retention_candidates('tap_sp.hx', NULL, NULL, 'held')),
          ARRAY['{"id":"1"}', '{"id":"3"}'], 'the holds hold rows 1 and 3 (SQL)');
-- the owner's own trigger on the protected table fires as the owner when
-- disposal deletes (a superuser runs the disposal here)
SET LOCAL ROLE tap_sp_user;
CREATE FUNCTION tap_sp.on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_sp.ran_as VALUES (current_user, 'delete trigger');
  RETURN OLD;
END $$;
CREATE TRIGGER hx_deleted AFTER DELETE ON tap_sp.hx FOR EACH ROW EXECUTE FUNCTION tap_sp.on_delete();
RESET ROLE;
SELECT is(scsm.dispose_expired(10, 'tap_sp.hx'), 1::bigint, 'disposal takes row 2 only');
SELECT is((SELECT array_agg(DISTINCT who) FROM tap_sp.ran_as WHERE what = 'delete trigger'), ARRAY['tap_sp_user']::name[],
          'the owner''s delete trigger ran, as the owner');
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('tap_sp.hx', '3', 'door')$$, '55000', NULL,
                 'the door refuses a held row');
SELECT is((SELECT count(*) FROM tap_sp.ran_as WHERE what = 'cast' AND who = 'tap_sp_user') > 0, true,
          'the owner''s cast ran, as the owner');

-- an archive copy (to_jsonb of the row, which calls the owner's cast) is
-- read as the owner too
CREATE TABLE tap_sp.hz (id int PRIMARY KEY, d date, lab tap_sp.lab);
ALTER TABLE tap_sp.hz OWNER TO tap_sp_user;
SELECT scsm.protect('tap_sp.hz', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, action)
VALUES ('tap_sp_arch', 'archive', '1 year', 'record_date', 'd', 'archive');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'tap_sp', 'hz', class_id FROM scsm.retention_class WHERE name = 'tap_sp_arch';
INSERT INTO tap_sp.hz VALUES (1, '2000-01-01', '7');
DELETE FROM tap_sp.ran_as WHERE what = 'cast';
SELECT is(scsm.dispose_expired(10, 'tap_sp.hz'), 1::bigint, 'the archive-class row is disposed of, with its copy');
SELECT is((SELECT array_agg(DISTINCT who) FROM tap_sp.ran_as WHERE what = 'cast'), ARRAY['tap_sp_user']::name[],
          'the copy''s cast ran, as the owner');

-- and a versioned row's history: archived and deleted as the owner (their
-- trigger on the history table, their cast)
CREATE TABLE tap_sp.hv (id int PRIMARY KEY, d date, lab tap_sp.lab);
ALTER TABLE tap_sp.hv OWNER TO tap_sp_user;
SELECT scsm.protect('tap_sp.hv', 'versioned');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'tap_sp', 'hv', class_id FROM scsm.retention_class WHERE name = 'tap_sp_arch';
INSERT INTO tap_sp.hv VALUES (1, '2000-01-01', '7');
UPDATE tap_sp.hv SET lab = '8' WHERE id = 1;
SET LOCAL ROLE tap_sp_user;
CREATE TRIGGER hv_history_deleted AFTER DELETE ON tap_sp.hv_history FOR EACH ROW EXECUTE FUNCTION tap_sp.on_delete();
RESET ROLE;
DELETE FROM tap_sp.ran_as;
SELECT is(scsm.dispose_expired(10, 'tap_sp.hv'), 1::bigint, 'the versioned row is disposed of');
SELECT is((SELECT count(*) FROM scsm.retention_archive WHERE table_name = 'hv'), 2::bigint, 'both versions archived');
SELECT is((SELECT array_agg(DISTINCT who || ':' || what ORDER BY who || ':' || what) FROM tap_sp.ran_as),
          ARRAY['tap_sp_user:cast', 'tap_sp_user:delete trigger'], 'the history''s trigger and the copies'' cast ran as the owner');

-- the owner's own trigger on the history table runs under the session's
-- search_path, as any trigger does: it may name its tables unqualified
SET LOCAL ROLE tap_sp_user;
CREATE TABLE tap_sp.hw (id int PRIMARY KEY, v text);
SELECT scsm.protect('tap_sp.hw', 'versioned');
CREATE FUNCTION tap_sp.on_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ran_as VALUES (current_user, 'history written');
  RETURN NEW;
END $$;
CREATE TRIGGER hw_history_written AFTER INSERT ON tap_sp.hw_history FOR EACH ROW EXECUTE FUNCTION tap_sp.on_history();
SET LOCAL search_path = tap_sp, public;
INSERT INTO tap_sp.hw VALUES (1, 'a');
SELECT lives_ok($$UPDATE tap_sp.hw SET v = 'b' WHERE id = 1$$,
                'an owner''s history trigger naming its table unqualified works on an ordinary UPDATE');
RESET ROLE;
RESET search_path;

-- an owner who forces row level security on themselves, with policies that
-- hide every row: scsm's own steps run as the owner bypass them, as
-- PostgreSQL's foreign-key checks do, so disposal and the history still work
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('tap_sp_rls', 'forced RLS', '1 year', 'record_date', 'd');
CREATE TABLE tap_sp.rls (id int PRIMARY KEY, d date NOT NULL);
ALTER TABLE tap_sp.rls OWNER TO tap_sp_user;
SELECT scsm.protect('tap_sp.rls', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'tap_sp', 'rls', class_id FROM scsm.retention_class WHERE name = 'tap_sp_rls';
INSERT INTO tap_sp.rls VALUES (1, '2000-01-01'), (2, '2000-01-01');
ALTER TABLE tap_sp.rls ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY nothing ON tap_sp.rls USING (false) WITH CHECK (false);
-- the owner's delete trigger sends disposal through the DELETE statement
CREATE TRIGGER rls_deleted AFTER DELETE ON tap_sp.rls FOR EACH ROW EXECUTE FUNCTION tap_sp.on_delete();
SELECT is(scsm.dispose_expired(10, 'tap_sp.rls'), 2::bigint, 'disposal of a table whose owner forces RLS that hides its rows');
CREATE TABLE tap_sp.rlsv (id int PRIMARY KEY, v text);
ALTER TABLE tap_sp.rlsv OWNER TO tap_sp_user;
SELECT scsm.protect('tap_sp.rlsv', 'versioned');
INSERT INTO tap_sp.rlsv VALUES (1, 'a');
ALTER TABLE tap_sp.rlsv_history ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY nothing ON tap_sp.rlsv_history USING (false) WITH CHECK (false);
SELECT lives_ok($$UPDATE tap_sp.rlsv SET v = 'b' WHERE id = 1$$,
                'the history row is written though the owner forces RLS on the history table');
ALTER TABLE tap_sp.rlsv_history DISABLE ROW LEVEL SECURITY;
SELECT is((SELECT v FROM tap_sp.rlsv_history WHERE id = 1), 'a', 'and it is there');

-- and no role but a superuser may run the hold test on values of its choosing
SELECT ok(NOT has_function_privilege('scsm_manager', 'scsm.hold_condition_for(regclass,jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('scsm_admin', 'scsm.hold_holds_row(record,jsonb,integer)', 'EXECUTE')
          AND NOT has_function_privilege('scsm_viewer', 'scsm.hold_condition_typed(regclass,jsonb)', 'EXECUTE'),
          'the hold test (which runs an owner''s casts as the owner) is for superusers only');

SELECT is((SELECT count(*) FROM tap_sp.ran_as WHERE who IN (SELECT rolname FROM pg_roles WHERE rolsuper)), 0::bigint,
          'none of the role''s operators or casts ran as a superuser');
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname = 'tap_sp_user' AND rolsuper), 0::bigint,
          'the role is no superuser');

SELECT * FROM finish();
ROLLBACK;
