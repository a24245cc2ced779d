-- Ledger refusals by role: a non-owner, the table owner (non-superuser) and a
-- superuser all get SQLSTATE 55000 for UPDATE/DELETE/TRUNCATE/DROP of a
-- protected table through the normal path; privilege errors are 42501.
BEGIN;
SET client_min_messages = error;
SELECT plan(75);

CREATE ROLE tap_ledger_owner;
CREATE ROLE tap_ledger_writer;
CREATE SCHEMA tap_l;
GRANT USAGE ON SCHEMA tap_l TO tap_ledger_owner, tap_ledger_writer;
-- nothing of scsm is granted to PUBLIC (95_access.sql): the roles are viewers
GRANT scsm_viewer TO tap_ledger_owner, tap_ledger_writer;
CREATE TABLE tap_l.rec (id int PRIMARY KEY, v text);
CREATE TABLE tap_l.doc (id int PRIMARY KEY, v text);
ALTER TABLE tap_l.rec OWNER TO tap_ledger_owner;
ALTER TABLE tap_l.doc OWNER TO tap_ledger_owner;
GRANT CREATE ON SCHEMA tap_l TO tap_ledger_owner;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON tap_l.rec, tap_l.doc TO tap_ledger_writer;

-- who may protect
SET ROLE tap_ledger_writer;
SELECT throws_ok($$SELECT scsm.protect('tap_l.rec')$$, '42501', NULL,
                 'a role that does not own the table cannot protect it');
RESET ROLE;
SET ROLE tap_ledger_owner;
SELECT lives_ok($$SELECT scsm.protect('tap_l.rec')$$, 'the owner protects its table (append_only)');
SELECT lives_ok($$SELECT scsm.protect('tap_l.doc', 'versioned')$$, 'the owner protects a versioned table');
SELECT is((SELECT tableowner::text FROM pg_tables WHERE schemaname = 'tap_l' AND tablename = 'doc_history'),
          'tap_ledger_owner', 'the history table belongs to the table owner');

-- the table owner (not a superuser)
SELECT lives_ok($$INSERT INTO tap_l.rec VALUES (1, 'a'), (2, 'b')$$, 'owner: INSERT works');
SELECT throws_ok($$UPDATE tap_l.rec SET v = 'x' WHERE id = 1$$, '55000', NULL, 'owner: UPDATE refused');
SELECT throws_ok($$DELETE FROM tap_l.rec WHERE id = 1$$, '55000', NULL, 'owner: DELETE refused');
SELECT throws_ok($$TRUNCATE tap_l.rec$$, '55000', NULL, 'owner: TRUNCATE refused');
SELECT throws_ok($$DROP TABLE tap_l.rec$$, '55000', NULL, 'owner: DROP TABLE refused');
SELECT throws_ok($$ALTER TABLE tap_l.rec DROP COLUMN v$$, '55000', NULL, 'owner: DROP COLUMN refused');
SELECT throws_ok($$ALTER TABLE tap_l.rec ALTER COLUMN v TYPE varchar(5)$$, '55000', NULL, 'owner: ALTER COLUMN TYPE refused');
SELECT throws_ok($$ALTER TABLE tap_l.rec RENAME TO rec2$$, '55000', NULL, 'owner: RENAME refused');
SELECT throws_ok($$ALTER TABLE tap_l.rec DISABLE TRIGGER scsm_ledger_refuse$$, '42501', NULL, 'owner: DISABLE TRIGGER refused');
SELECT throws_ok($$ALTER TABLE tap_l.rec DISABLE TRIGGER ALL$$, '42501', NULL, 'owner: DISABLE TRIGGER ALL refused');
SELECT throws_ok($$DROP TRIGGER scsm_ledger_write ON tap_l.rec$$, '55000', NULL, 'owner: DROP TRIGGER refused');
SELECT lives_ok($$ALTER TABLE tap_l.rec ADD COLUMN note text$$, 'owner: ADD COLUMN (nullable, no default) allowed');
SELECT lives_ok($$UPDATE tap_l.doc SET v = v$$, 'owner: UPDATE of a versioned table allowed');
SELECT throws_ok($$DELETE FROM tap_l.doc$$, '55000', NULL, 'owner: DELETE from a versioned table refused');
RESET ROLE;

-- another role with full table privileges
SET ROLE tap_ledger_writer;
SELECT lives_ok($$INSERT INTO tap_l.rec VALUES (3, 'c')$$, 'writer: INSERT works (the ledger entry is written as the ledger owner)');
SELECT throws_ok($$UPDATE tap_l.rec SET v = 'x'$$, '55000', NULL, 'writer: UPDATE refused');
SELECT throws_ok($$DELETE FROM tap_l.rec$$, '55000', NULL, 'writer: DELETE refused');
SELECT throws_ok($$TRUNCATE tap_l.rec$$, '55000', NULL, 'writer: TRUNCATE refused');
SELECT lives_ok($$INSERT INTO tap_l.doc VALUES (1, 'a');
                   INSERT INTO tap_l.doc VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = 'b'$$,
                 'writer: an upsert on a versioned table works');
SELECT throws_ok($$INSERT INTO scsm.ledger_row VALUES (99, 1, 1, '{}', 1, '\x00')$$, '42501', NULL,
                 'writer: cannot forge ledger entries');
SELECT throws_ok($$UPDATE scsm.ledger_block SET block_hash = '\x00'$$, '42501', NULL,
                 'writer: cannot rewrite blocks');
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('tap_l.rec', '1', 'x')$$, '42501', NULL,
                 'writer: the disposal door is not for PUBLIC');
SELECT throws_ok($$SELECT scsm.ledger_seal()$$, '42501', NULL, 'writer: sealing is not for PUBLIC');
RESET ROLE;

-- a superuser through the normal path
SELECT throws_ok($$UPDATE tap_l.rec SET v = 'x'$$, '55000', NULL, 'superuser: UPDATE refused');
SELECT throws_ok($$DELETE FROM tap_l.rec$$, '55000', NULL, 'superuser: DELETE refused');
SELECT throws_ok($$TRUNCATE tap_l.rec$$, '55000', NULL, 'superuser: TRUNCATE refused');
SELECT throws_ok($$DROP TABLE tap_l.rec$$, '55000', NULL, 'superuser: DROP TABLE refused');
SELECT throws_ok($$DROP SCHEMA tap_l CASCADE$$, '55000', NULL, 'superuser: DROP SCHEMA CASCADE refused');
SELECT is((SELECT count(*)::int FROM tap_l.doc_history WHERE id = 1 AND v = 'a'), 1,
          'the upsert kept the old version in the history table');
SET session_replication_role = replica;
SELECT throws_ok($$UPDATE tap_l.rec SET v = 'x'$$, '55000', NULL,
                 'superuser with session_replication_role = replica: UPDATE still refused (ENABLE ALWAYS)');
RESET session_replication_role;
SELECT throws_ok($$UPDATE scsm.ledger_block SET block_hash = '\x00'$$, '55000', NULL,
                 'superuser: blocks cannot be updated through the normal path');
SELECT throws_ok($$DELETE FROM scsm.ledger_row$$, '55000', NULL,
                 'superuser: ledger entries cannot be deleted through the normal path');

-- code the owner hangs on its tables runs as the owner, never as the ledger owner
SET ROLE tap_ledger_owner;
CREATE TABLE tap_l.who (what text, u text);
CREATE FUNCTION tap_l.log_who() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN INSERT INTO tap_l.who VALUES (TG_OP || ' ' || TG_TABLE_NAME, current_user); RETURN COALESCE(NEW, OLD); END $f$;
CREATE TRIGGER log_who BEFORE INSERT ON tap_l.doc_history FOR EACH ROW EXECUTE FUNCTION tap_l.log_who();
CREATE TRIGGER log_who BEFORE DELETE ON tap_l.rec FOR EACH ROW EXECUTE FUNCTION tap_l.log_who();
RESET ROLE;
SET ROLE tap_ledger_writer;
UPDATE tap_l.doc SET v = 'c' WHERE id = 1;
RESET ROLE;
SELECT lives_ok($$SELECT scsm.ledger_dispose_row('tap_l.rec', '1', 'pgtap')$$, 'a superuser disposes of a row');
SELECT results_eq($$SELECT what, u FROM tap_l.who ORDER BY what$$,
                  $$VALUES ('DELETE rec', 'tap_ledger_owner'), ('INSERT doc_history', 'tap_ledger_owner')$$,
                  'history writes and disposal deletes run as the table owner, not as the ledger owner');

-- what verify sees
SELECT is((SELECT count(*)::int FROM scsm.ledger_entry l JOIN scsm.ledger_table t USING (table_id)
            WHERE t.table_name = 'rec'), 3, 'one ledger entry per inserted row');
SELECT is((SELECT count(*)::int FROM scsm.disposal_certificate WHERE table_name = 'rec'), 1,
          'the disposal left a certificate');
SELECT is_empty($$SELECT * FROM scsm.verify_ledger()$$, 'verify_ledger is clean');
-- a superuser going around the rules is detected
ALTER TABLE tap_l.rec DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
UPDATE tap_l.rec SET v = 'tampered' WHERE id = 2;
DELETE FROM tap_l.rec WHERE id = 3;
ALTER TABLE tap_l.rec ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
SELECT results_eq($$SELECT row_key, kind FROM scsm.verify_ledger() ORDER BY row_key$$,
                  $$VALUES ('{"id":"2"}', 'modified'), ('{"id":"3"}', 'missing')$$,
                  'verify names the altered and the deleted row');
-- renaming an enum label would change the hash of every row holding it:
-- refused while a protected table uses the type, directly, as an array, through a
-- domain or inside a composite type; adding a label is harmless
CREATE TYPE tap_l.mood AS ENUM ('calm', 'tense');
CREATE TYPE tap_l.mood2 AS ENUM ('calm', 'tense');
CREATE TYPE tap_l.mood3 AS ENUM ('calm', 'tense');
CREATE TYPE tap_l.mood4 AS ENUM ('calm', 'tense');
CREATE TYPE tap_l.free AS ENUM ('a', 'b');
CREATE DOMAIN tap_l.mood_d AS tap_l.mood3;
CREATE TYPE tap_l.pair AS (m tap_l.mood4, n int);
CREATE TABLE tap_l.feel (id int PRIMARY KEY, m tap_l.mood, ms tap_l.mood2[], md tap_l.mood_d, p tap_l.pair);
SELECT scsm.protect('tap_l.feel', 'append_only');
SELECT throws_ok($$ALTER TYPE tap_l.mood RENAME VALUE 'calm' TO 'quiet'$$, '55000', NULL,
                 'renaming a label of an enum a protected table uses is refused');
SELECT throws_ok($$ALTER TYPE tap_l.mood2 RENAME VALUE 'calm' TO 'quiet'$$, '55000', NULL,
                 'also when the table holds arrays of it');
SELECT throws_ok($$ALTER TYPE tap_l.mood3 RENAME VALUE 'calm' TO 'quiet'$$, '55000', NULL,
                 'also through a domain');
SELECT throws_ok($$ALTER TYPE tap_l.mood4 RENAME VALUE 'calm' TO 'quiet'$$, '55000', NULL,
                 'also inside a composite type');
SELECT throws_ok($$ALTER TYPE tap_l.pair RENAME ATTRIBUTE n TO k$$, '55000', NULL,
                 'renaming a field of a composite type a protected table uses is refused (field names are hashed)');
-- a protected table created OF a composite type: its columns are the type's attributes
CREATE TYPE tap_l.rec_t AS (id int, v text, w text);
CREATE TABLE tap_l.typed OF tap_l.rec_t (PRIMARY KEY (id));
SELECT scsm.protect('tap_l.typed', 'append_only');
SELECT throws_ok($$ALTER TYPE tap_l.rec_t RENAME ATTRIBUTE v TO vv CASCADE$$, '55000', NULL,
                 'renaming an attribute of the type of a protected typed table is refused, CASCADE or not');
SELECT throws_ok($$ALTER TYPE tap_l.rec_t DROP ATTRIBUTE w CASCADE$$, '55000', NULL,
                 'so is dropping one');
SELECT throws_ok($$ALTER TYPE tap_l.pair DROP ATTRIBUTE n CASCADE$$, '55000', NULL,
                 'and dropping a field of a composite type a protected column holds');
-- a table or view whose row type a protected column holds
CREATE TABLE tap_l.rt (x int, y int);
CREATE VIEW tap_l.rv AS SELECT 1 AS x, 2 AS y;
CREATE TABLE tap_l.holder (id int PRIMARY KEY, r tap_l.rt, s tap_l.rv);
SELECT scsm.protect('tap_l.holder', 'append_only');
SELECT throws_ok($$ALTER TABLE tap_l.rt RENAME COLUMN x TO xx$$, '55000', NULL,
                 'renaming a column of a table whose row type a protected column holds is refused');
SELECT throws_ok($$ALTER TABLE tap_l.rt DROP COLUMN y$$, '55000', NULL, 'so is dropping one');
SELECT throws_ok($$ALTER VIEW tap_l.rv RENAME COLUMN x TO xx$$, '55000', NULL, 'and renaming a column of such a view');
SELECT lives_ok($$ALTER TABLE tap_l.rt ADD COLUMN z int$$, 'adding a column stays allowed');
-- the same through a materialized view or a foreign table
CREATE MATERIALIZED VIEW tap_l.rm AS SELECT 1 AS x, 2 AS y;
CREATE FOREIGN DATA WRAPPER tap_l_fdw;
CREATE SERVER tap_l_srv FOREIGN DATA WRAPPER tap_l_fdw;
CREATE FOREIGN TABLE tap_l.rf (x int, y int) SERVER tap_l_srv;
CREATE TABLE tap_l.holder2 (id int PRIMARY KEY, m tap_l.rm, f tap_l.rf);
SELECT scsm.protect('tap_l.holder2', 'append_only');
SELECT throws_ok($$ALTER MATERIALIZED VIEW tap_l.rm RENAME COLUMN x TO xx$$, '55000', NULL,
                 'renaming a column of a materialized view whose row type a protected column holds is refused');
SELECT throws_ok($$ALTER FOREIGN TABLE tap_l.rf RENAME COLUMN x TO xx$$, '55000', NULL,
                 'so is renaming a column of such a foreign table');
SELECT throws_ok($$ALTER FOREIGN TABLE tap_l.rf DROP COLUMN y$$, '55000', NULL, 'dropping one');
SELECT throws_ok($$ALTER FOREIGN TABLE tap_l.rf ALTER COLUMN x TYPE bigint$$, '55000', NULL, 'and re-typing one');
SELECT lives_ok($$ALTER FOREIGN TABLE tap_l.rf ADD COLUMN z int$$, 'adding a column to it stays allowed');
-- dropping the relation or type a protected column holds, CASCADE, would
-- drop the column with it
SELECT throws_ok($$DROP MATERIALIZED VIEW tap_l.rm CASCADE$$, '55000', NULL,
                 'dropping a materialized view whose row type a protected column holds is refused, CASCADE too');
SELECT throws_ok($$DROP FOREIGN TABLE tap_l.rf CASCADE$$, '55000', NULL, 'so is dropping such a foreign table');
SELECT throws_ok($$DROP VIEW tap_l.rv CASCADE$$, '55000', NULL, 'or view');
SELECT throws_ok($$DROP TYPE tap_l.pair CASCADE$$, '55000', NULL, 'or composite type');
-- a protected table attached as a partition: what the parent's ALTER TABLE
-- or column rename passes down to it is checked as on the table itself
CREATE TABLE tap_l.part_me (id int PRIMARY KEY, c varchar(10));
SELECT scsm.protect('tap_l.part_me', 'append_only');
CREATE TABLE tap_l.parent (id int NOT NULL, c varchar(10)) PARTITION BY RANGE (id);
SELECT lives_ok($$ALTER TABLE tap_l.parent ATTACH PARTITION tap_l.part_me FOR VALUES FROM (0) TO (100)$$,
                'a protected table may become a partition');
SELECT throws_ok($$ALTER TABLE tap_l.parent ALTER COLUMN c TYPE text$$, '55000', NULL,
                 're-typing a column of its parent is refused');
SELECT throws_ok($$ALTER TABLE tap_l.parent RENAME COLUMN c TO c2$$, '55000', NULL, 'so is renaming one');
SELECT throws_ok($$ALTER TABLE tap_l.parent ADD COLUMN z int DEFAULT 1$$, '55000', NULL,
                 'and adding one with a default');
-- a parent's unique constraint that a protected partition's primary key
-- was attached to: dropping it would drop the partition's key
CREATE TABLE tap_l.pm (id int PRIMARY KEY, c varchar(10));
SELECT scsm.protect('tap_l.pm', 'append_only');
CREATE TABLE tap_l.root (id int NOT NULL, c varchar(10), UNIQUE (id)) PARTITION BY RANGE (id);
ALTER TABLE tap_l.root ATTACH PARTITION tap_l.pm FOR VALUES FROM (0) TO (100);
SELECT throws_ok($$ALTER TABLE tap_l.root DROP CONSTRAINT root_id_key$$, '55000', NULL,
                 'dropping the parent''s constraint a protected partition''s primary key belongs to is refused');
-- or a parent's unique index (no constraint) the key was attached to
CREATE TABLE tap_l.pm2 (id int PRIMARY KEY, c text);
SELECT scsm.protect('tap_l.pm2', 'append_only');
CREATE TABLE tap_l.r2 (id int NOT NULL, c text) PARTITION BY RANGE (id);
CREATE UNIQUE INDEX r2_uidx ON tap_l.r2 (id);
ALTER TABLE tap_l.r2 ATTACH PARTITION tap_l.pm2 FOR VALUES FROM (0) TO (100);
SELECT throws_ok($$DROP INDEX tap_l.r2_uidx CASCADE$$, '55000', NULL,
                 'dropping a parent''s unique index, CASCADE, that would take a protected partition''s primary key is refused');
CREATE TABLE tap_l.part_other (id int NOT NULL, c varchar(10));
SELECT lives_ok($$ALTER TABLE tap_l.parent ATTACH PARTITION tap_l.part_other FOR VALUES FROM (100) TO (200);
                  ALTER TABLE tap_l.parent ADD COLUMN y int;
                  ALTER TABLE tap_l.parent DETACH PARTITION tap_l.part_me$$,
                'a nullable column, other partitions, and detaching stay allowed');
-- a multirange over an enum
CREATE TYPE tap_l.mood5 AS ENUM ('a', 'b');
CREATE TYPE tap_l.mood5_r AS RANGE (subtype = tap_l.mood5);
CREATE TABLE tap_l.mr (id int PRIMARY KEY, m tap_l.mood5_r_multirange);
SELECT scsm.protect('tap_l.mr', 'append_only');
SELECT throws_ok($$ALTER TYPE tap_l.mood5 RENAME VALUE 'a' TO 'z'$$, '55000', NULL,
                 'renaming a label held through a multirange is refused');
SELECT lives_ok($$ALTER TYPE tap_l.mood ADD VALUE 'angry'$$, 'adding a label is allowed');
SELECT lives_ok($$ALTER TYPE tap_l.free RENAME VALUE 'a' TO 'c'$$, 'an enum no protected table uses may be renamed');
SELECT lives_ok($$SELECT scsm.ledger_seal()$$, 'a superuser may seal');
SELECT ok(scsm.ledger_digest() ? 'hash', 'the digest carries a hash');

SELECT * FROM finish();
ROLLBACK;
