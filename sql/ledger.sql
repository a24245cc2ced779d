-- Ledger API: scsm.protect, refusals, canonical keys and hashes, Merkle
-- functions, sealing, digest, verification, proofs, versioned tables and the
-- disposal door, with their error paths.  The background sealer may run at
-- any moment, so nothing printed here depends on whether a row is sealed yet.
-- It runs in a database of its own: protected tables are permanent, and other
-- tests in contrib_regression must stay free to drop and recreate scsm.
SET client_min_messages = warning;
CREATE DATABASE ledger_regression;
\c ledger_regression
SET client_min_messages = warning;
CREATE EXTENSION scsm;
CREATE SCHEMA lt;
CREATE TABLE lt.incident (id integer PRIMARY KEY, title text NOT NULL,
                          occurred timestamptz NOT NULL, severity real, tags text[]);
INSERT INTO lt.incident VALUES (1, 'gate left open', '2024-03-01 08:00+00', 2.5, '{gate}');

-- protect: error paths first
SELECT scsm.protect('lt.incident', 'immutable');
CREATE TABLE lt.nokey (a int);
SELECT scsm.protect('lt.nokey');
CREATE TABLE lt.floatkey (k float8 PRIMARY KEY);
SELECT scsm.protect('lt.floatkey');
CREATE VIEW lt.v AS SELECT 1 AS a;
SELECT scsm.protect('lt.v');
CREATE TABLE lt.parent (id int PRIMARY KEY);
CREATE TABLE lt.child () INHERITS (lt.parent);
ALTER TABLE lt.child ADD PRIMARY KEY (id);
SELECT scsm.protect('lt.child');
CREATE TEMP TABLE tmp_rec (id int PRIMARY KEY);
SELECT scsm.protect('tmp_rec');
DO $$ BEGIN CREATE ROLE ledger_reg_user; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA lt TO ledger_reg_user;
GRANT scsm_viewer TO ledger_reg_user;   -- nothing of scsm is granted to PUBLIC (95_access.sql)
SET ROLE ledger_reg_user;
SELECT scsm.protect('lt.incident');
RESET ROLE;

-- protect an existing table: its row gets a ledger entry at once
SELECT scsm.protect('lt.incident');
SELECT scsm.protect('lt.incident');
-- (the register tables that CREATE EXTENSION protects are left out)
SELECT schema_name, table_name, mode, history_table FROM scsm.ledger_table
 WHERE NOT builtin OR mode = 'certificate' ORDER BY table_id;
SELECT row_key, version FROM scsm.ledger_entry ORDER BY entry_id;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'lt.incident'::regclass ORDER BY tgname;

INSERT INTO lt.incident VALUES (2, 'seal broken', '2024-03-02 09:30+00', 4, NULL),
                               (3, 'false alarm', '2024-03-03 10:00+00', NULL, '{}');
SELECT row_key, version, length(row_hash) FROM scsm.ledger_entry ORDER BY entry_id;
-- one transaction entry per writing transaction (protect, then the INSERT)
SELECT count(DISTINCT txn_id) FROM scsm.ledger_entry;
BEGIN;
INSERT INTO lt.incident VALUES (4, 'a', now(), 1, NULL);
SAVEPOINT s;
INSERT INTO lt.incident VALUES (5, 'b', now(), 1, NULL);
ROLLBACK TO s;
INSERT INTO lt.incident VALUES (6, 'c', now(), 1, NULL);
COMMIT;
SELECT count(DISTINCT txn_id) FROM scsm.ledger_entry;
SELECT row_key FROM scsm.ledger_entry WHERE txn_id = (SELECT max(txn_id) FROM scsm.ledger_entry) ORDER BY entry_id;

-- refused for everyone through the normal path (SQLSTATE 55000)
\set VERBOSITY default
UPDATE lt.incident SET title = 'x' WHERE id = 1;
DELETE FROM lt.incident WHERE id = 1;
TRUNCATE lt.incident;
INSERT INTO lt.incident VALUES (1, 'dup', now(), 1, NULL) ON CONFLICT (id) DO UPDATE SET title = 'x';
SET session_replication_role = replica;
UPDATE lt.incident SET title = 'x' WHERE id = 1;
RESET session_replication_role;
DROP TABLE lt.incident;
DROP SCHEMA lt CASCADE;
ALTER TABLE lt.incident DROP COLUMN tags;
ALTER TABLE lt.incident ALTER COLUMN title TYPE varchar(200);
ALTER TABLE lt.incident ADD COLUMN place text DEFAULT 'unknown';
ALTER TABLE lt.incident ADD COLUMN reviewed boolean NOT NULL;
ALTER TABLE lt.incident RENAME TO incident2;
ALTER TABLE lt.incident RENAME COLUMN title TO headline;
ALTER TABLE lt.incident SET SCHEMA public;
ALTER TABLE lt.incident SET UNLOGGED;
ALTER TABLE lt.incident DROP CONSTRAINT incident_pkey;
DROP TRIGGER scsm_ledger_write ON lt.incident;
ALTER TRIGGER scsm_ledger_write ON lt.incident RENAME TO other;
ALTER SCHEMA lt RENAME TO lt2;
-- allowed: changes that keep every row and its identity
ALTER TABLE lt.incident ADD COLUMN place text;
ALTER TABLE lt.incident ADD CONSTRAINT title_not_empty CHECK (title <> '');
ALTER TABLE lt.incident ENABLE ALWAYS TRIGGER scsm_ledger_write;
COMMENT ON TABLE lt.incident IS 'incidents';
VACUUM FULL lt.incident;
INSERT INTO lt.incident VALUES (7, 'with place', '2024-03-04 10:00+00', 1, NULL, 'north gate');

-- statements on a parent that reach the rows hit the row-level refusal
CREATE TABLE lt.all_incidents (id integer, title text, occurred timestamptz, severity real,
                               tags text[], place text) PARTITION BY RANGE (id);
ALTER TABLE lt.all_incidents ATTACH PARTITION lt.incident FOR VALUES FROM (0) TO (1000);
DELETE FROM lt.all_incidents WHERE id = 1;
UPDATE lt.all_incidents SET title = 'x' WHERE id = 1;
TRUNCATE lt.all_incidents;
ALTER TABLE lt.all_incidents DETACH PARTITION lt.incident;
ALTER TABLE lt.incident INHERIT lt.parent;
-- a non-superuser owner may not disable the ledger triggers
ALTER TABLE lt.incident OWNER TO ledger_reg_user;
SET ROLE ledger_reg_user;
ALTER TABLE lt.incident DISABLE TRIGGER scsm_ledger_refuse;
ALTER TABLE lt.incident DISABLE TRIGGER ALL;
DELETE FROM lt.incident;
RESET ROLE;

-- canonical keys: any JSON spelling of the same key is one key
SELECT scsm.canonical_key('lt.incident', '42'),
       scsm.canonical_key('lt.incident', '"042"'),
       scsm.canonical_key('lt.incident', '[42]'),
       scsm.canonical_key('lt.incident', '{"id": 42, "other": 1}');
SELECT scsm.canonical_key('lt.incident', '{"nope": 1}');
SELECT scsm.canonical_key('lt.incident', '{"id": "forty"}');
SELECT scsm.canonical_key('lt.incident', '{"id": null}');
CREATE TABLE lt.composite (day date, at timestamptz, code text, PRIMARY KEY (day, at, code));
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SELECT scsm.canonical_key('lt.composite', '["2024-01-31", "2024-01-31 20:00-05", "x\"y"]');
RESET TimeZone;
RESET DateStyle;
SELECT scsm.canonical_key('lt.composite', '["2024-01-31", "2024-02-01 01:00+00", "x\"y"]');

-- hashes do not depend on session settings
CREATE TEMP TABLE h0 AS SELECT id, scsm.row_hash('lt.incident', i) AS h, scsm.row_key('lt.incident', i) AS k
  FROM lt.incident i;
SET DateStyle = 'German, DMY';
SET TimeZone = 'Pacific/Chatham';
SET extra_float_digits = -5;
SET IntervalStyle = 'iso_8601';
SET client_encoding = 'LATIN1';
SET search_path = pg_catalog;
SELECT count(*) AS rows, count(*) FILTER (WHERE h0.h = scsm.row_hash('lt.incident', i)
                                         AND h0.k = scsm.row_key('lt.incident', i)) AS same
  FROM lt.incident i JOIN h0 USING (id);
RESET ALL;
SET client_min_messages = warning;
-- a row hash is SHA-256 of the documented encoding, checked by building the
-- format v1 bytes by hand for row 2 (id, occurred, severity, title; NULL tags left out)
SELECT scsm.row_encoding('lt.incident', i) =
       convert_to('SCSMROW1', 'UTF8')
       || int4send(2) || convert_to('lt', 'UTF8')
       || int4send(8) || convert_to('incident', 'UTF8')
       || int4send(4)
       || int4send(2) || convert_to('id', 'UTF8') || convert_to('I', 'UTF8') || int4send(8) || int8send(2)
       || int4send(8) || convert_to('occurred', 'UTF8') || convert_to('Z', 'UTF8') || int4send(8)
          || int8send((extract(epoch FROM timestamptz '2024-03-02 09:30+00') * 1000000)::bigint)
       || int4send(8) || convert_to('severity', 'UTF8') || convert_to('F', 'UTF8') || int4send(8)
          || float8send(4)
       || int4send(5) || convert_to('title', 'UTF8') || convert_to('T', 'UTF8') || int4send(11)
          || convert_to('seal broken', 'UTF8') AS encoding_as_documented,
       scsm.row_hash('lt.incident', i) = sha256(scsm.row_encoding('lt.incident', i)) AS hash_is_sha256
  FROM lt.incident i WHERE id = 2;
-- NaN has one encoding; -0 and 0 stay distinct values
SELECT scsm.row_encoding('lt.floatkey', ROW('NaN')::lt.floatkey) = scsm.row_encoding('lt.floatkey', ROW(-'NaN'::float8)::lt.floatkey) AS nan_canonical,
       scsm.row_encoding('lt.floatkey', ROW('-0')::lt.floatkey) = scsm.row_encoding('lt.floatkey', ROW('0')::lt.floatkey) AS zero_same,
       scsm.row_encoding('lt.floatkey', ROW(1)::lt.floatkey) = scsm.row_encoding('lt.floatkey', ROW(1.0000000000000002)::lt.floatkey) AS near_same;
-- a record of another type is hashed on the columns it shares with the table
SELECT scsm.row_hash('lt.incident', ROW(1)) = scsm.row_hash('lt.incident', ROW(2)) AS no_shared_columns;

-- Merkle functions against RFC 9162, computed here with sha256() only
WITH l(a, b, c) AS (SELECT sha256('a'), sha256('b'), sha256('c'))
SELECT scsm.merkle_root(ARRAY[a]) = sha256('\x00'::bytea || a) AS one_leaf,
       scsm.merkle_root(ARRAY[a, b]) = sha256('\x01'::bytea || sha256('\x00'::bytea || a) || sha256('\x00'::bytea || b)) AS two_leaves,
       scsm.merkle_root(ARRAY[a, b, c]) =
         sha256('\x01'::bytea
                || sha256('\x01'::bytea || sha256('\x00'::bytea || a) || sha256('\x00'::bytea || b))
                || sha256('\x00'::bytea || c)) AS three_leaves,
       scsm.merkle_path(ARRAY[a, b, c], 2) = ARRAY[sha256('\x01'::bytea || sha256('\x00'::bytea || a) || sha256('\x00'::bytea || b))] AS path_of_c,
       scsm.merkle_path(ARRAY[a, b, c], 0) = ARRAY[sha256('\x00'::bytea || b), sha256('\x00'::bytea || c)] AS path_of_a
  FROM l;
SELECT max(cardinality(scsm.merkle_path(leaves, i))) AS longest_path_of_1000
  FROM (SELECT array_agg(sha256(int4send(g))) AS leaves FROM generate_series(1, 1000) g) s,
       generate_series(0, 999) i;
SELECT scsm.merkle_root('{}');
SELECT scsm.merkle_root(ARRAY['\x00'::bytea]);
SELECT scsm.merkle_path(ARRAY[sha256('a')], 1);
SELECT scsm.block_hash(1, sha256(''), sha256('r'), 3, '2024-01-01 00:00+00') =
       sha256(convert_to('SCSMBLK1', 'UTF8') || int8send(1) || sha256('') || sha256('r')
              || int8send(3) || int8send(1704067200000000)) AS block_hash_as_documented;
SELECT scsm.block_hash(1, '\x00', sha256('r'), 3, now());

-- sealing, digest, verification
SELECT scsm.ledger_seal(0);
CALL scsm.run_maintenance();
SELECT count(*) AS unsealed FROM scsm.ledger_entry WHERE block_id IS NULL;
-- the sealer wrote the transaction entries of the batches it sealed
SELECT count(*) FROM scsm.ledger_txn;
SELECT count(*) AS rows FROM scsm.verify_ledger();
SELECT array_agg(k ORDER BY k) AS digest_keys,
       bool_and(k <> 'hash' OR length(v #>> '{}') = 64) AS hex_hash
  FROM jsonb_each(scsm.ledger_digest()) AS d(k, v);
SELECT count(*) AS rows FROM scsm.verify_ledger(scsm.ledger_digest());
SELECT count(*) AS rows FROM scsm.verify_ledger(scsm.ledger_digest(), true);
SELECT kind FROM scsm.verify_ledger('{"block": 1, "hash": "00"}');
SELECT kind, detail FROM scsm.verify_ledger('{"block": 1000000, "hash": "00"}');
SELECT * FROM scsm.verify_ledger('{"hash": "00"}');
SELECT * FROM scsm.verify_ledger('[]');
SELECT scsm.schedule_maintenance();

-- inclusion proofs
SELECT p->>'table' AS tbl, p->>'key' AS key, p->>'version' AS version,
       jsonb_array_length(p->'path') <= ceil(log(2, (p->>'tree_size')::numeric)) AS short_path,
       p->>'row_hash' = encode(sha256(decode(p->>'row_encoding', 'hex')), 'hex') AS encoding_hashes,
       p->'block'->>'hash' = (SELECT encode(block_hash, 'hex') FROM scsm.ledger_block WHERE block_id = (p->'block'->>'block')::bigint) AS block_hash,
       jsonb_array_length(p->'chain') = (scsm.ledger_digest()->>'block')::int - (p->'block'->>'block')::int AS chain_to_digest
  FROM scsm.ledger_proof('lt.incident', '2', scsm.ledger_digest()) AS p;
SELECT scsm.ledger_proof('lt.incident', '99');
SELECT scsm.ledger_proof('lt.composite', '["2024-01-01", "2024-01-01", "a"]');
SELECT scsm.ledger_proof('lt.incident', '2', '{"block": 0, "hash": ""}');
BEGIN;  -- uncommitted, so no sealer can have sealed it
INSERT INTO lt.incident VALUES (8, 'not sealed yet', now(), 1, NULL, NULL);
SELECT scsm.ledger_proof('lt.incident', '8');
ROLLBACK;

-- versioned tables: an UPDATE keeps the old version in <table>_history
CREATE TABLE lt.procedure (code text PRIMARY KEY, body text NOT NULL, approved_by text);
SELECT scsm.protect('lt.procedure', 'versioned');
INSERT INTO lt.procedure VALUES ('OP-1', 'check the seals', 'ann');
UPDATE lt.procedure SET body = 'check the seals twice' WHERE code = 'OP-1';
UPDATE lt.procedure SET approved_by = NULL WHERE code = 'OP-1';
SELECT code, body, approved_by, scsm_version FROM lt.procedure_history ORDER BY scsm_version;
SELECT row_key, version FROM scsm.ledger_row
 WHERE table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'procedure') ORDER BY entry_id;
UPDATE lt.procedure SET code = 'OP-2';
DELETE FROM lt.procedure;
UPDATE lt.procedure_history SET body = 'x';
DROP TABLE lt.procedure_history;
CREATE TABLE lt.procedure2 (code text PRIMARY KEY);
CREATE TABLE lt.procedure2_history (x int);
SELECT scsm.protect('lt.procedure2', 'versioned');
SELECT count(*) AS rows FROM scsm.verify_ledger();

-- the disposal door: only through C, with a ledgered certificate
SELECT scsm.ledger_dispose_row('lt.incident', '3', 'retention period over') > 0 AS certified;
SELECT id FROM lt.incident ORDER BY id;
SELECT schema_name, table_name, row_key, version, reason, disposed_by,
       row_hash = (SELECT row_hash FROM scsm.ledger_row l WHERE l.entry_id = c.entry_id) AS hash_of_entry
  FROM scsm.disposal_certificate c;
SELECT count(*) AS rows FROM scsm.verify_ledger();
SELECT scsm.ledger_dispose_row('lt.incident', '3', 'again');
SELECT scsm.ledger_dispose_row('lt.procedure', '"OP-1"', 'document withdrawn') > 0 AS certified;
SELECT count(*) AS current, (SELECT count(*) FROM lt.procedure_history) AS history FROM lt.procedure;
SELECT table_name, row_key, version, reason FROM scsm.disposal_certificate ORDER BY certificate_id;
SELECT count(*) AS rows FROM scsm.verify_ledger();
SELECT scsm.ledger_dispose_row('lt.nokey', '1', 'unprotected');
UPDATE scsm.disposal_batch SET reason = 'x';
SET ROLE ledger_reg_user;
SELECT scsm.ledger_dispose_row('lt.incident', '1', 'not allowed');
RESET ROLE;
-- there is no unprotect
SELECT count(*) FROM pg_proc WHERE proname LIKE '%unprotect%';

-- a protected table that belongs to an extension (the register's record
-- tables): pg_restore recreates it with its triggers before loading its data,
-- whose entries come back from the dump, so a superuser restoring as
-- "pg_restore" does not ledger those rows again; anyone else does
CREATE TABLE lt.member (id int PRIMARY KEY);
ALTER EXTENSION scsm ADD TABLE lt.member;
SELECT scsm.protect('lt.member');
GRANT INSERT ON lt.member TO ledger_reg_user;
SET application_name = 'pg_restore';
INSERT INTO lt.member VALUES (1);
SET ROLE ledger_reg_user;
INSERT INTO lt.member VALUES (2);
RESET ROLE;
RESET application_name;
INSERT INTO lt.member VALUES (3);
SELECT row_key FROM scsm.ledger_entry
 WHERE table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'member') ORDER BY entry_id;
SELECT table_name, row_key, kind FROM scsm.verify_ledger();

\c contrib_regression
DROP DATABASE ledger_regression WITH (FORCE);
