-- Row encoding format v1 for the column types the encoder handles directly
-- (boolean, smallint, integer, numeric, date, timestamp, timestamptz, uuid,
-- real, varchar, char, text, a domain), checked against bytes built by hand
-- from docs/ledger.md: by scsm.row_encoding, and by the ledger trigger's own
-- entries (the write path of a bulk load, rows after the first included).
-- Also the canonical key of a two-column key whose second column is an
-- integer.  A database of its own: protected tables are permanent.
SET client_min_messages = warning;
CREATE DATABASE ledger_encoding_regression;
\c ledger_encoding_regression
SET client_min_messages = warning;
CREATE EXTENSION scsm;
CREATE SCHEMA enc;
CREATE DOMAIN enc.posint AS integer CHECK (VALUE > 0);
CREATE TABLE enc.allkinds (
    code text, n integer,
    a_bool boolean, b_int2 smallint, c_int4 integer, d_num numeric, e_date date,
    f_ts timestamp, g_uuid uuid, h_f4 real, i_vc varchar(10), j_bp char(5),
    k_dom enc.posint, l_null text, m_tz timestamptz, o_txt text,
    PRIMARY KEY (code, n));
SELECT scsm.protect('enc.allkinds');
-- one statement, three rows: the trigger encodes them with the table's
-- cached column order and buffer
INSERT INTO enc.allkinds
SELECT 'k"' || g, g, g % 2 = 1, -3 * g, 42 * g, 12.340 * g, date '2021-12-31' + g,
       timestamp '2020-01-02 03:04:05.123456' + g * interval '1 day',
       ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1' || g)::uuid, 1.5 * g, 'vc' || g, 'ab',
       g, NULL, timestamptz '1969-12-31 23:59:59+00' + g * interval '1 hour', 'grün' || g
  FROM generate_series(1, 3) g;

-- one field as docs/ledger.md describes it: the name (length, UTF-8), the
-- tag, the value's length and its bytes
CREATE FUNCTION pg_temp.field(name text, tag text, val bytea) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT int4send(octet_length(convert_to(name, 'UTF8'))) || convert_to(name, 'UTF8')
               || convert_to(tag, 'UTF8') || int4send(octet_length(val)) || val $$;
CREATE FUNCTION pg_temp.micros(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;
-- the expected encoding of a row, fields in byte order of their names,
-- the NULL column l_null left out
CREATE TEMP TABLE expected AS
SELECT a.code, a.n,
       convert_to('SCSMROW1', 'UTF8')
       || int4send(3) || convert_to('enc', 'UTF8')
       || int4send(8) || convert_to('allkinds', 'UTF8')
       || int4send(15)
       || pg_temp.field('a_bool', 'B', CASE WHEN a.n % 2 = 1 THEN '\x01'::bytea ELSE '\x00'::bytea END)
       || pg_temp.field('b_int2', 'I', int8send(-3 * a.n))
       || pg_temp.field('c_int4', 'I', int8send(42 * a.n))
       || pg_temp.field('code', 'T', convert_to('k"' || a.n, 'UTF8'))
       || pg_temp.field('d_num', 'N', convert_to((12.340 * a.n)::text, 'UTF8'))
       || pg_temp.field('e_date', 'D', int4send(date '2021-12-31' + a.n - date '1970-01-01'))
       || pg_temp.field('f_ts', 'S', int8send(pg_temp.micros(('2020-01-02 03:04:05.123456+00'::timestamptz + a.n * interval '1 day'))))
       || pg_temp.field('g_uuid', 'U', decode('a0eebc999c0b4ef8bb6d6bb9bd380a1' || a.n, 'hex'))
       || pg_temp.field('h_f4', 'F', float8send(1.5 * a.n))
       || pg_temp.field('i_vc', 'T', convert_to('vc' || a.n, 'UTF8'))
       || pg_temp.field('j_bp', 'T', convert_to('ab   ', 'UTF8'))
       || pg_temp.field('k_dom', 'I', int8send(a.n))
       || pg_temp.field('m_tz', 'Z', int8send(pg_temp.micros(timestamptz '1969-12-31 23:59:59+00' + a.n * interval '1 hour')))
       || pg_temp.field('n', 'I', int8send(a.n))
       || pg_temp.field('o_txt', 'T', convert_to('grün' || a.n, 'UTF8')) AS bytes
  FROM enc.allkinds a;

SELECT e.n,
       scsm.row_encoding('enc.allkinds', a) = e.bytes AS encoding_as_documented,
       scsm.row_hash('enc.allkinds', a) = sha256(e.bytes) AS row_hash_as_documented,
       l.row_hash = sha256(e.bytes) AS trigger_hash_as_documented,
       l.row_key
  FROM enc.allkinds a
  JOIN expected e USING (code, n)
  JOIN scsm.ledger_entry l
    ON l.table_id = (SELECT table_id FROM scsm.ledger_table WHERE schema_name = 'enc' AND table_name = 'allkinds')
   AND l.row_key = scsm.row_key('enc.allkinds', a)
 ORDER BY e.n;
SELECT count(*) AS discrepancies FROM scsm.verify_ledger();

-- string types the encoder takes by category (json: its text, tag T) and
-- arrays (tag A: dimensions and lower bounds, then per element 0 for NULL,
-- or 1 and the element's own tag, length and bytes)
CREATE TABLE enc.more (id integer PRIMARY KEY, a_json json, b_arr text[], c_bytes bytea[]);
SELECT scsm.protect('enc.more');
INSERT INTO enc.more VALUES (1, '{"a": 1}', '{x,NULL}', '{"\\xbeef"}');
SELECT scsm.row_encoding('enc.more', m) =
       convert_to('SCSMROW1', 'UTF8') || int4send(3) || convert_to('enc', 'UTF8')
       || int4send(4) || convert_to('more', 'UTF8') || int4send(4)
       || pg_temp.field('a_json', 'T', convert_to('{"a": 1}', 'UTF8'))
       || pg_temp.field('b_arr', 'A', int4send(1) || int4send(2) || int4send(1)
                                      || '\x01'::bytea || convert_to('T', 'UTF8') || int4send(1) || convert_to('x', 'UTF8')
                                      || '\x00'::bytea)
       || pg_temp.field('c_bytes', 'A', int4send(1) || int4send(1) || int4send(1)
                                        || '\x01'::bytea || convert_to('X', 'UTF8') || int4send(2) || '\xbeef'::bytea)
       || pg_temp.field('id', 'I', int8send(1)) AS json_and_arrays_as_documented
  FROM enc.more m;

\c contrib_regression
DROP DATABASE ledger_encoding_regression WITH (FORCE);
