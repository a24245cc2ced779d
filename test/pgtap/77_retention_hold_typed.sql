-- Legal holds compare a value by the column type's own equality as well as
-- as JSON: a hold on a citext column, a domain over citext, or a column
-- under a case-insensitive (nondeterministic) collation holds every
-- spelling the column calls equal; an interval of '1 day' one of
-- '24:00:00'.  Both of disposal's paths keep the same rows (the general
-- path's SQL listing and the queue path's C batch run the same code,
-- retention_hold.c), and a hold never holds fewer rows than JSON equality.
BEGIN;
SELECT plan(36);

\i test/fixtures/retention_org.sql
CREATE EXTENSION IF NOT EXISTS citext;
CREATE COLLATION public.ht_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE DOMAIN public.ht_code AS citext;
CREATE DOMAIN public.ht_short AS text CHECK (length(VALUE) <= 3);
CREATE TABLE public.ht_src (
  id int PRIMARY KEY, d date NOT NULL, name citext, ref text COLLATE public.ht_nocase,
  dur interval, code public.ht_code, nu numeric, vc varchar(10) COLLATE public.ht_nocase, t text,
  sh public.ht_short);
INSERT INTO public.ht_src VALUES
  (1, '2000-01-01', 'Müller',  'C-1', '1 day',    'AB-1', 1.0,  'x', 'k', 'a'),
  (2, '2000-01-01', 'MÜLLER',  'c-1', '24:00:00', 'ab-1', 1.00, 'X', 'K', 'b'),
  (3, '2000-01-01', 'müller',  'C-2', '2 days',   'AB-2', 2,    'y', 'k', 'c'),
  (4, '2000-01-01', 'Mueller', 'c-2', '36:00:00', 'ab-2', 3,    'Y', 'l', 'd'),
  (5, '2000-01-01', 'Other',   'D-9', '00:00:00', 'zz',   4,    'z', NULL, NULL);
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('ht', 'typed holds', '1 year', 'record_date', 'd');

-- one round: a fresh protected copy, one hold (a table's or, case, an
-- organisation's case hold), what SQL lists as held, what one batch keeps,
-- and whether that batch ran on the queue path
CREATE FUNCTION pg_temp.ht_round(k int, cond jsonb, is_case boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  tbl text := 'ht_' || k;
  hold bigint;
  held int[];
  kept int[];
  run bigint;
  tid int;
  drained boolean;
BEGIN
  EXECUTE format('CREATE TABLE public.%I (LIKE public.ht_src INCLUDING ALL)', tbl);
  PERFORM scsm.protect(format('public.%I', tbl)::regclass, 'append_only');
  INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
  SELECT 'public', tbl, class_id FROM scsm.retention_class WHERE name = 'ht';
  EXECUTE format('INSERT INTO public.%I SELECT * FROM public.ht_src', tbl);
  IF is_case THEN
    hold := scsm.place_case_hold(910, 'investigation', 'INV-' || k, cond, 'case');
  ELSE
    hold := scsm.place_legal_hold(format('public.%I', tbl)::regclass, cond, 'claim');
  END IF;
  SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO held
    FROM scsm.retention_candidates(format('public.%I', tbl)::regclass, NULL, NULL, 'held') c
    JOIN LATERAL (SELECT (c.scsm_row_key::jsonb ->> 'id')::int AS id) s ON true;
  run := scsm.retention_run_begin();
  PERFORM scsm.retention_dispose_batch(format('public.%I', tbl)::regclass, 1000, run);
  EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id), ''{}'') FROM public.%I', tbl) INTO kept;
  SELECT table_id INTO tid FROM scsm.ledger_table WHERE schema_name = 'public' AND table_name = tbl;
  drained := scsm.retention_drained(tid, run);
  PERFORM scsm.release_legal_hold(hold, 'round over');
  RETURN format('SQL holds %s, batch kept %s%s', held, kept,
                CASE WHEN drained THEN '' ELSE ', not on the queue path' END);
END
$$;

SELECT is(pg_temp.ht_round(1, '{"name": "müller"}'), 'SQL holds {1,2,3}, batch kept {1,2,3}',
          'citext: a hold holds every case of the name');
SELECT is(pg_temp.ht_round(2, '{"name": "Muller"}'), 'SQL holds {}, batch kept {}',
          'citext: but no other name');
SELECT is(pg_temp.ht_round(3, '{"ref": "C-1"}'), 'SQL holds {1,2}, batch kept {1,2}',
          'a case-insensitive collation on text: both spellings held');
SELECT is(pg_temp.ht_round(4, '{"vc": "X"}'), 'SQL holds {1,2}, batch kept {1,2}',
          'and on varchar');
SELECT is(pg_temp.ht_round(5, '{"code": "ab-2"}'), 'SQL holds {3,4}, batch kept {3,4}',
          'a domain over citext compares as citext');
SELECT is(pg_temp.ht_round(6, '{"dur": "1 day"}'), 'SQL holds {1,2}, batch kept {1,2}',
          'interval: ''24:00:00'' equals ''1 day'' by the type, not as JSON');
SELECT is(pg_temp.ht_round(7, '{"dur": "1 day 12:00:00"}'), 'SQL holds {4}, batch kept {4}',
          'interval: ''36:00:00'' equals ''1 day 12:00:00''');
SELECT is(pg_temp.ht_round(8, '{"nu": 1}'), 'SQL holds {1,2}, batch kept {1,2}',
          'numeric: 1.0 and 1.00 as before');
SELECT is(pg_temp.ht_round(9, '{"name": "MUELLER", "ref": "C-2"}'), 'SQL holds {4}, batch kept {4}',
          'two columns: both must be equal');
SELECT is(pg_temp.ht_round(10, '{"t": "k"}'), 'SQL holds {1,3}, batch kept {1,3}',
          'text under the default collation stays exact');
SELECT is(pg_temp.ht_round(11, '{"name": "MÜLLER"}', true), 'SQL holds {1,2,3}, batch kept {1,2,3}',
          'an organisation''s case hold on a citext column holds every case too');
SELECT is(pg_temp.ht_round(12, '{"ref": "d-9", "nu": "4"}', true), 'SQL holds {5}, batch kept {5}',
          'a case hold''s string value read as numeric, with a case-insensitive column');
SELECT is(pg_temp.ht_round(13, '{"nu": "abc"}', true), 'SQL holds {}, batch kept {}',
          'a case hold''s value the column''s type cannot read holds nothing there, and disposal goes on');
SELECT is(pg_temp.ht_round(14, '{"sh": "toolong"}', true), 'SQL holds {}, batch kept {}',
          'nor does one its domain''s CHECK refuses');
SELECT is(pg_temp.ht_round(15, '{"sh": "c"}', true), 'SQL holds {3}, batch kept {3}',
          'while a value the domain takes holds its row');

-- a domain's owner cannot switch a hold off by adding a CHECK that refuses
-- the hold's value: values are read as the domain's base type, no domain
-- check runs to compare
CREATE ROLE ht_domain_owner;
ALTER DOMAIN public.ht_code OWNER TO ht_domain_owner;
CREATE TABLE public.ht_dd (id int PRIMARY KEY, d date NOT NULL, code public.ht_code);
SELECT scsm.protect('public.ht_dd', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ht_dd', class_id FROM scsm.retention_class WHERE name = 'ht';
INSERT INTO public.ht_dd VALUES (1, '2000-01-01', 'ab-1'), (2, '2000-01-01', 'zz');
SELECT scsm.place_legal_hold('public.ht_dd', '{"code": "AB-1"}', 'claim');
SET LOCAL ROLE ht_domain_owner;
ALTER DOMAIN public.ht_code ADD CONSTRAINT ht_not_ab1 CHECK (VALUE::text <> 'AB-1') NOT VALID;
RESET ROLE;
SELECT is((SELECT array_agg(scsm_row_key ORDER BY scsm_row_key) FROM scsm.retention_candidates('public.ht_dd', NULL, NULL, 'held')),
          ARRAY['{"id":"1"}'], 'a CHECK added to the domain afterwards: the row is still held (SQL)');
SELECT is(scsm.dispose_expired(100, 'public.ht_dd'), 1::bigint, 'and disposal takes only the other row');
SELECT is((SELECT array_agg(id) FROM public.ht_dd), ARRAY[1], 'the held row stays');
ALTER DOMAIN public.ht_code DROP CONSTRAINT ht_not_ab1;

-- a case hold's value some column's type cannot read at all (a function
-- name that is ambiguous, one that does not exist) holds nothing there and
-- stops no disposal
CREATE TABLE public.ht_fn (id int PRIMARY KEY, d date NOT NULL, fn regproc);
SELECT scsm.protect('public.ht_fn', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ht_fn', class_id FROM scsm.retention_class WHERE name = 'ht';
INSERT INTO public.ht_fn VALUES (1, '2000-01-01', 'pg_catalog.now'), (2, '2000-01-01', 'pg_catalog.timeofday');
SELECT scsm.place_case_hold(910, 'investigation', 'INV-fn', '{"fn": "no_such_function_at_all"}', 'case');
SELECT scsm.place_case_hold(910, 'investigation', 'INV-fn2', '{"fn": "pg_catalog.abs"}', 'case');
SELECT scsm.place_case_hold(910, 'investigation', 'INV-fn3', '{"fn": "pg_catalog.timeofday"}', 'case');
SELECT is(scsm.dispose_expired(100, 'public.ht_fn'), 1::bigint, 'unreadable case-hold values: disposal goes on');
SELECT is((SELECT array_agg(id) FROM public.ht_fn), ARRAY[2], 'and the row a readable value holds stays');

-- placing a hold on such a column is no longer a warning's matter
SELECT is((SELECT count(*) FROM pg_proc WHERE proname = 'tg_legal_hold_rules'
              AND prosrc LIKE '%compares values exactly%'), 0::bigint,
          'placing a hold on a citext column raises no warning');

-- the test itself, scsm.hold_holds_row
SELECT ok(scsm.hold_holds_row(s.*, '{"name": "MÜLLER"}'), 'hold_holds_row: citext equal')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(NOT scsm.hold_holds_row(s.*, '{"name": "MÜLLER", "ref": "D-9"}'), 'hold_holds_row: one pair unequal')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(scsm.hold_holds_row(s.*, '{}'), 'hold_holds_row: {} holds every row')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(NOT scsm.hold_holds_row(s.*, '{"nosuch": 1}'), 'hold_holds_row: a column the row lacks holds nothing')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(scsm.hold_holds_row(s.*, '{"id": 1, "scsm_version": 2}', 2), 'hold_holds_row: the version given')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(NOT scsm.hold_holds_row(s.*, '{"id": 1, "scsm_version": 2}', 3), 'hold_holds_row: another version')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(NOT scsm.hold_holds_row(s.*, '{"id": 1, "scsm_version": 2}'), 'hold_holds_row: no version given')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(NOT scsm.hold_holds_row(s.*, NULL), 'hold_holds_row: no condition holds nothing')
  FROM public.ht_src s WHERE id = 1;
SELECT ok(scsm.hold_holds_row(s.*, '{"t": null}'), 'hold_holds_row: JSON null holds a NULL column')
  FROM public.ht_src s WHERE id = 5;
SELECT ok(NOT scsm.hold_holds_row(s.*, '{"name": null}'), 'hold_holds_row: and not a set one')
  FROM public.ht_src s WHERE id = 5;
SELECT ok(scsm.hold_holds_row(s.*, '{"nu": 1.0}'), 'hold_holds_row: a number the type reads')
  FROM public.ht_src s WHERE id = 2;
SELECT throws_ok($$SELECT scsm.hold_holds_row(s.*, '[1]') FROM public.ht_src s$$, '22023', NULL,
                 'hold_holds_row: a condition that is no object is refused');
-- a whole-row reference whose column shadows nothing: the record's own type
SELECT is((SELECT count(*) FROM public.ht_src s WHERE scsm.hold_holds_row(s.*, '{"code": "AB-1"}')), 2::bigint,
          'hold_holds_row in a scan: each row by its own values');
-- never sent to a parallel worker, which could neither read a value in a
-- subtransaction nor pin settings
SET LOCAL force_parallel_mode = on;
SELECT count(*) AS ht_par FROM public.ht_src s WHERE scsm.hold_holds_row(s.*, '{"dur": "24:00:00"}') \gset
RESET force_parallel_mode;
SELECT is(:ht_par::bigint, 2::bigint, 'hold_holds_row under force_parallel_mode');

SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name LIKE 'public.ht_%'), 0::bigint,
          'verify_ledger: every disposed row accounted for');

SELECT * FROM finish();
ROLLBACK;
