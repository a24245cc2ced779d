-- scsm.clause: the clause reference type (docs/clause-type.md)
SET search_path = scsm, public;

-- valid forms and their canonical output
SELECT v AS input, v::clause AS canonical
  FROM (VALUES ('4'), ('0'), ('4.3'), ('4.3.1'), ('999.998.997.0.1.2'),
               ('4.2.a'), ('4.2.l'), ('4.3.1.a'), ('4.3.1#1.a'), ('4.3.1#2.c'),
               ('4.4.6#3.e'), ('4.5.3.b.2'), ('4.5.5.a.3'), ('4#9.z.99'),
               ('  4.3.1  '), (E'\t4.6.h\n')) AS t(v);

-- every error path: 22P02 with the input quoted and a detail
\set VERBOSITY default
SELECT ''::clause;
SELECT '   '::clause;
SELECT '4..3'::clause;
SELECT '.4'::clause;
SELECT '4.'::clause;
SELECT '4.3.a.'::clause;
SELECT 'a.1'::clause;
SELECT '#2.a'::clause;
SELECT '4.#2.a'::clause;
SELECT '4.3.a.b'::clause;
SELECT '4.3.a.1.b'::clause;
SELECT '4.3.a.1.2'::clause;
SELECT '4.3.ab'::clause;
SELECT '4.3.A'::clause;
SELECT '4.3.1B'::clause;
SELECT '4.3x'::clause;
SELECT '4.3.1#0.a'::clause;
SELECT '4.3.1#10.a'::clause;
SELECT '4.3.1#2a'::clause;
SELECT '4.3#2'::clause;
SELECT '4.3.1#2.5'::clause;
SELECT '4.3.a.1#2'::clause;
SELECT '1.2.3.4.5.6.7'::clause;
SELECT '4.1000'::clause;
SELECT '4.9999999999999999999'::clause;
SELECT '4.03'::clause;
SELECT '4.3.a.0'::clause;
SELECT '4.3.a.100'::clause;
SELECT '4. 3'::clause;
SELECT '4.3-1'::clause;
SELECT 'é'::clause;
SELECT repeat('1.', 32) || '1' AS too_long \gset
SELECT :'too_long'::clause;
-- 64 characters is the limit, but such input cannot be valid anyway
SELECT length(:'too_long');
-- the SQLSTATE is 22P02
DO $$
BEGIN
  PERFORM '4..3'::scsm.clause;
EXCEPTION WHEN invalid_text_representation THEN
  RAISE NOTICE 'caught %', SQLSTATE;
END $$;
-- pg_input_is_valid does not exist in 15; a soft check through a function
CREATE FUNCTION pg_temp.is_clause(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::scsm.clause;
  RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN false;
END $$;
-- no input crashes the backend: every byte and many random strings
SELECT count(*) FILTER (WHERE pg_temp.is_clause(s)) AS valid,
       count(*) AS tried
  FROM (SELECT chr(c) AS s FROM generate_series(1, 255) c) t;
SELECT setseed(0.42);
SELECT count(*) > 0 AS some_valid, count(*) FILTER (WHERE NOT ok) > 0 AS some_invalid
  FROM (SELECT pg_temp.is_clause(s) AS ok
          FROM (SELECT string_agg(substr('0123456789.#abzAZ ', 1 + (random() * 17)::int, 1), '')
                  AS s
                  FROM generate_series(1, 3000) g, generate_series(1, 1 + g % 12) k
                 GROUP BY g) r) t;

-- ordering: natural, a clause before its descendants, list before item
CREATE TEMP TABLE shuffled (c clause);
INSERT INTO shuffled VALUES
  ('4.3.10'), ('4.3.1#2.a'), ('4.3.9'), ('4.3.1.h'), ('4'), ('4.3.1#3.d'),
  ('4.3.1'), ('4.10'), ('4.3.1.a'), ('4.3'), ('4.2'), ('4.5.3.b.10'),
  ('4.5.3.b.2'), ('4.5.3.b'), ('4.5.3.c'), ('4.5.3'), ('4.2.l'), ('4.2.a'),
  ('10'), ('4.3.2'), ('4.3.1#2.g');
SELECT string_agg(c::text, ' < ' ORDER BY c) FROM shuffled;
SELECT string_agg(c::text, ' > ' ORDER BY c DESC) FROM shuffled;
SELECT '4.3.10'::clause > '4.3.9', '4.3.9'::clause < '4.3.10',
       '4.3.1.h'::clause < '4.3.1#2.a', '4.3'::clause < '4.3.1',
       '4.3.1#1.a'::clause = '4.3.1.a', '4.3.1.a'::clause <> '4.3.1#2.a',
       '4.3.1'::clause <= '4.3.1', '4.3.1'::clause >= '4.3.1',
       clause_cmp('4.3.9', '4.3.10'), clause_cmp('4.3', '4.3'), clause_cmp('5', '4.6.h');
-- text order differs from natural order: the type is what makes 4.3.10 last
SELECT max(c::text) AS text_max, max(c) AS clause_max, min(c) AS clause_min
  FROM shuffled WHERE c <@ '4.3';

-- containment both ways
SELECT a, b, a::clause @> b::clause AS a_contains_b, a::clause <@ b::clause AS a_in_b
  FROM (VALUES ('4.3', '4.3.1.a'), ('4.3.1', '4.3.1'), ('4.3.1.a', '4.3.1'),
               ('4.3.1', '4.3.10'), ('4.3.1.a', '4.3.1#2.a'), ('4.5.3.b', '4.5.3.b.2'),
               ('4.5.3.b.2', '4.5.3.b.2'), ('4.5.3.b.2', '4.5.3.b.3'), ('4.5.3.b', '4.5.3.c'),
               ('4', '4.6.h'), ('4.3.a', '4.3.1'), ('4', '5')) AS t(a, b);
SELECT count(*) FROM shuffled WHERE c <@ '4.3.1';
SELECT string_agg(c::text, ' ' ORDER BY c) FROM shuffled WHERE '4.5.3.b' @> c;

-- parent, depth, heading, is_item
SELECT c, clause_parent(c) AS parent, clause_depth(c) AS depth,
       clause_heading(c) AS heading, clause_is_item(c) AS is_item
  FROM (VALUES ('4'::clause), ('4.3'), ('4.3.1'), ('4.3.1.a'), ('4.3.1#2.c'),
               ('4.5.3.b'), ('4.5.3.b.2'), ('1.2.3.4.5.6')) AS t(c);
-- walking parents from any value reaches a root whose parent is NULL
WITH RECURSIVE up(c, n) AS (
  SELECT '1.2.3.4.5.6#3.x.99'::clause, 0
  UNION ALL
  SELECT clause_parent(c), n + 1 FROM up WHERE clause_parent(c) IS NOT NULL)
SELECT string_agg(c::text, ' -> ' ORDER BY n) FROM up;
-- a parent always contains its child and sorts before it
SELECT count(*) AS violations FROM shuffled
 WHERE clause_parent(c) IS NOT NULL
   AND NOT (clause_parent(c) @> c AND clause_parent(c) < c
            AND clause_depth(clause_parent(c)) = clause_depth(c) - 1);
SELECT clause_parent(NULL), clause_depth(NULL);

-- hash and btree agree: GROUP BY via hash aggregate and via sort
CREATE TEMP TABLE many AS
  SELECT (format('4.%s.%s', g % 7, g % 13) ||
          CASE WHEN g % 3 = 0 THEN '#' || (1 + g % 2) || '.' || chr(97 + g % 5) ELSE '' END)::clause AS c
    FROM generate_series(1, 2000) g;
ANALYZE many;
SET enable_hashagg = on; SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT c, count(*) FROM many GROUP BY c;
CREATE TEMP TABLE g_hash AS SELECT c, count(*) AS n FROM many GROUP BY c;
SET enable_hashagg = off; RESET enable_sort;
EXPLAIN (COSTS OFF) SELECT c, count(*) FROM many GROUP BY c;
CREATE TEMP TABLE g_sort AS SELECT c, count(*) AS n FROM many GROUP BY c;
RESET enable_hashagg;
SELECT (SELECT count(*) FROM g_hash) AS hash_groups, (SELECT count(*) FROM g_sort) AS sort_groups,
       (SELECT count(*) FROM g_hash h FULL JOIN g_sort s USING (c) WHERE h.n IS DISTINCT FROM s.n) AS mismatches,
       (SELECT count(DISTINCT c::text) FROM many) AS text_groups;
-- equal values hash equally, whatever the input spelling
SELECT clause_hash('4.3.1#1.a') = clause_hash('4.3.1.a') AS same_hash,
       clause_hash_extended(' 4.3.1.a', 7) = clause_hash_extended('4.3.1#1.a', 7) AS same_hash_ext;
-- a hash join
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM g_hash h JOIN g_sort s ON h.c = s.c;
SELECT count(*) FROM g_hash h JOIN g_sort s ON h.c = s.c;
RESET enable_mergejoin; RESET enable_nestloop;
-- a hash index
CREATE INDEX ON many USING hash (c);
SET enable_seqscan = off;
SELECT count(*) FROM many WHERE c = '4.3.3#2.a';
RESET enable_seqscan;
SELECT count(*) FROM many WHERE c = '4.3.3#2.a';

-- a btree index: unique, range scan in natural order
CREATE TEMP TABLE idx (c clause PRIMARY KEY);
INSERT INTO idx SELECT DISTINCT c FROM many;
INSERT INTO idx VALUES ('4.3.1#1.a') ON CONFLICT DO NOTHING;
INSERT INTO idx VALUES ('4.1.1'), ('4.1.1');
SET enable_seqscan = off; SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT c FROM idx WHERE c >= '4.1.10' AND c < '4.2' ORDER BY c;
SELECT c FROM idx WHERE c >= '4.1.10' AND c < '4.2' ORDER BY c;
RESET enable_seqscan; RESET enable_bitmapscan;
SELECT count(*) FROM idx WHERE c >= '4.1.10' AND c < '4.2';
SELECT DISTINCT clause_heading(c) FROM idx WHERE c <@ '4.6' ORDER BY 1;

-- binary round trip: send output is stable and COPY BINARY restores it
SELECT c, clause_send(c) FROM (VALUES ('4'::clause), ('4.3.1#2.c'), ('4.5.3.b.2')) t(c);
SELECT current_setting('data_directory') || '/scsm_clause_regress.bin' AS binfile \gset
COPY shuffled TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE back (c clause);
COPY back FROM :'binfile' WITH (FORMAT binary);
SELECT (SELECT count(*) FROM back) AS copied,
       (SELECT count(*) FROM (SELECT c FROM shuffled EXCEPT SELECT c FROM back) x) AS lost;
-- malformed binary values are refused with 22P03: a bytea column written
-- in binary COPY has the same bytes on the wire as a clause value
CREATE FUNCTION pg_temp.recv(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE f text := current_setting('data_directory') || '/scsm_clause_regress.bin';
        r text;
        d text;
BEGIN
  EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', b, f);
  TRUNCATE back;
  EXECUTE format('COPY back FROM %L WITH (FORMAT binary)', f);
  SELECT c::text INTO r FROM back;
  RETURN r;
EXCEPTION WHEN invalid_binary_representation THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || d;
END $$;
SELECT b, pg_temp.recv(b::bytea)
  FROM (VALUES ('\x03000400030001000000'),   -- 4.3.1: valid
               ('\x030004000300010000'),     -- too short
               ('\x0300040003000100000000'), -- too long
               ('\x'),                       -- empty
               ('\x00000000'),               -- no numbers
               ('\x07000100010001000100010001000000'), -- 7 numbers
               ('\x0103e8000000'),           -- number 1000
               ('\x010004010000'),           -- list without item
               ('\x010004000100'),           -- item without list
               ('\x0100040a0100'),           -- list 10
               ('\x010004011b00'),           -- item 27
               ('\x010004000005'),           -- sub-item without item
               ('\x0100040101ff'),           -- sub-item 255
               ('\x010004010163'),           -- 4.a.99: valid
               ('\x03000400030001020302')) t(b); -- 4.3.1#2.c.2: valid
-- the error text itself
COPY (SELECT '\x0103e8000000'::bytea) TO :'binfile' WITH (FORMAT binary);
COPY back FROM :'binfile' WITH (FORMAT binary);
