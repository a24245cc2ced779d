-- Disposal runs (scsm.dispose_all_expired): the batches of one run know
-- which tables they have read every due entry of, and the run does not probe
-- those again; a later run, or a batch outside a run, reads them all again.
BEGIN;
SELECT plan(39);

CREATE FUNCTION pg_temp.tid(p_table text) RETURNS integer LANGUAGE sql AS $$
  SELECT table_id FROM scsm.ledger_table WHERE schema_name = 'public' AND table_name = p_table
$$;

INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('run_c', 'test', '1 year', 'record_date', 'd');
CREATE TABLE public.run_a (id int PRIMARY KEY, d date, note text);
CREATE TABLE public.run_b (LIKE public.run_a INCLUDING ALL);
SELECT scsm.protect('public.run_a', 'append_only');
SELECT scsm.protect('public.run_b', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', t, class_id FROM scsm.retention_class, (VALUES ('run_a'), ('run_b')) v (t)
 WHERE name = 'run_c';
-- 25 due rows in run_a, exactly two batches of ten in run_b; one not due
INSERT INTO public.run_a SELECT g, date '2000-01-01' + g, 'a' || g FROM generate_series(1, 25) g;
INSERT INTO public.run_a VALUES (99, '2090-01-01', 'not due');
INSERT INTO public.run_b SELECT g, date '2000-01-01' + g, 'b' || g FROM generate_series(1, 20) g;

-- a protected table like run_a under class run_c
CREATE FUNCTION pg_temp.classed(p_table text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE public.%I (LIKE public.run_a INCLUDING ALL)', p_table);
  PERFORM scsm.protect(format('public.%I', p_table)::regclass, 'append_only');
  INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
  SELECT 'public', p_table, class_id FROM scsm.retention_class WHERE name = 'run_c';
END
$$;

SELECT scsm.retention_run_begin() AS r1 \gset
SELECT scsm.retention_run_begin() AS r2 \gset
SELECT cmp_ok(:r2::bigint, '>', :r1::bigint, 'each run has a new id');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_a'), :r1), 'before any batch nothing is known');

-- a run: batches of ten
SELECT is(scsm.retention_dispose_batch('public.run_a', 10, :r1), 10::bigint, 'run 1, first batch: ten rows');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_a'), :r1), 'a full batch: more may be due');
SELECT is(scsm.retention_dispose_batch('public.run_a', 10, :r1), 10::bigint, 'second batch: ten rows');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_a'), :r1), 'still full: more may be due');
SELECT is(scsm.retention_dispose_batch('public.run_a', 10, :r1), 5::bigint, 'third batch: the last five');
SELECT ok(scsm.retention_drained(pg_temp.tid('run_a'), :r1), 'a short batch: every due entry has been read');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_a'), 0), 'outside a run nothing is known');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_a'), :r2), 'nor in another run');
SELECT ok(NOT scsm.retention_drained(-7, :r1), 'an unknown table is not drained (and no crash)');

-- exactly two full batches: the second sees that the due range has ended
SELECT is(scsm.retention_dispose_batch('public.run_b', 10, :r1), 10::bigint, 'run_b, first batch: ten rows');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_b'), :r1), 'more are due');
SELECT is(scsm.retention_dispose_batch('public.run_b', 10, :r1), 10::bigint, 'second batch: the other ten');
SELECT ok(scsm.retention_drained(pg_temp.tid('run_b'), :r1), 'a full batch at the end of the due range: drained');

-- a record written during the run with an old date: due at once
INSERT INTO public.run_a VALUES (100, '2000-06-01', 'late write');
SELECT is(scsm.retention_dispose_round(10, NULL, :r1), 0::bigint,
          'the run does not come back to a table it has drained');
SELECT ok(NOT scsm.retention_pending(:r1), 'and has nothing pending');
SELECT ok(scsm.retention_pending(), 'outside the run the late row is pending');
SELECT is(scsm.retention_dispose_round(10, NULL, :r2), 1::bigint, 'the next run disposes of it');
SELECT results_eq($$SELECT id FROM public.run_a$$, $$VALUES (99)$$, 'only the row not due is left');

-- a hold of some rows: the queue path tests it on the rows it reads; the
-- held row waits for the next run like any row kept back
INSERT INTO public.run_a VALUES (101, '2000-06-01', 'held'), (102, '2000-06-02', 'free');
SELECT scsm.place_legal_hold('public.run_a', '{"id": 101}', 'claim') AS hold \gset
SELECT scsm.retention_run_begin() AS r3 \gset
SELECT is(scsm.retention_dispose_batch('public.run_a', 10, :r3), 1::bigint, 'with a hold: the unheld row goes');
SELECT ok(scsm.retention_drained(pg_temp.tid('run_a'), :r3), 'on the queue path: the run has read the table');
SELECT scsm.release_legal_hold(:hold, 'settled');
SELECT is(scsm.dispose_expired(10, 'public.run_a'), 1::bigint, 'released: the row goes');
-- a hold of the whole table: the general path, which keeps no such knowledge
INSERT INTO public.run_a VALUES (103, '2000-06-01', 'held');
SELECT scsm.place_legal_hold('public.run_a', '{}', 'everything') AS hold \gset
SELECT scsm.retention_run_begin() AS r4 \gset
SELECT is(scsm.retention_dispose_batch('public.run_a', 10, :r4), 0::bigint, 'the whole table held: nothing goes');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_a'), :r4), 'and the run knows nothing: the table is probed again');
SELECT scsm.release_legal_hold(:hold, 'settled');
SELECT is(scsm.dispose_expired(10, 'public.run_a'), 1::bigint, 'released: the row goes');

-- batches outside a run, one session: each starts after the last entry the
-- one before read, and the last, short one does not read again what it has
-- just taken (which made it fail and go row by row, a certificate row each)
SELECT pg_temp.classed('run_s');
INSERT INTO public.run_s SELECT g, date '2000-01-01' + g, 's' || g FROM generate_series(1, 25) g;
SELECT results_eq($$SELECT scsm.dispose_expired(10, 'public.run_s') FROM generate_series(1, 4)$$,
                  $$VALUES (10::bigint), (10), (5), (0)$$, 'four batches outside a run: 10, 10, 5, none');
SELECT is((SELECT count(*) FROM scsm.disposal_batch WHERE table_name = 'run_s'), 3::bigint,
          'three batches, three certificate rows');

-- many records of one date (one retain_until): the mark is an entry, not a date
SELECT pg_temp.classed('run_d');
INSERT INTO public.run_d SELECT g, date '2000-01-01', 'd' || g FROM generate_series(1, 25) g;
SELECT scsm.retention_run_begin() AS r5 \gset
SELECT results_eq(format($$SELECT scsm.retention_dispose_batch('public.run_d', 10, %s) FROM generate_series(1, 3)$$, :r5),
                  $$VALUES (10::bigint), (10), (5)$$, 'one date, a run: 10, 10, 5');
SELECT ok(scsm.retention_drained(pg_temp.tid('run_d'), :r5), 'and then drained');
INSERT INTO public.run_d SELECT g, date '2000-01-01', 'd' || g FROM generate_series(26, 30) g;
SELECT results_eq($$SELECT scsm.dispose_expired(10, 'public.run_d') FROM generate_series(1, 2)$$,
                  $$VALUES (5::bigint), (0)$$, 'five more of that date, outside the run: all five, then none');
SELECT is((SELECT count(*) FROM scsm.disposal_batch WHERE table_name = 'run_d'), 4::bigint,
          'four batches, four certificate rows');

-- a row deleted around the rules: the batch goes the general way, which
-- keeps no such knowledge either
SELECT pg_temp.classed('run_m');
INSERT INTO public.run_m SELECT g, date '2000-01-01' + g, 'm' || g FROM generate_series(1, 5) g;
SET LOCAL client_min_messages = error;
ALTER TABLE public.run_m DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
DELETE FROM public.run_m WHERE id = 3;
ALTER TABLE public.run_m ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
RESET client_min_messages;
SELECT scsm.retention_run_begin() AS r4 \gset
SELECT is(scsm.retention_dispose_batch('public.run_m', 10, :r4), 4::bigint, 'the four rows present go, the missing one is passed over');
SELECT ok(NOT scsm.retention_drained(pg_temp.tid('run_m'), :r4), 'after a batch of the general way the run knows nothing of the table');

-- a run id this session never began is refused (it could pass for a later run's)
SELECT throws_ok($$SELECT scsm.retention_dispose_batch('public.run_a', 10, 9223372036854775807)$$,
                 '22023', NULL, 'a run that was not begun in this session is refused');
SELECT throws_ok($$SELECT scsm.retention_dispose_batch('public.run_a', 10, -1)$$,
                 '22023', NULL, 'so is a negative run id');

-- a batch size far beyond the rows due: one batch, one certificate row
SELECT pg_temp.classed('run_big');
INSERT INTO public.run_big SELECT g, date '2000-01-01' + g, 'big' || g FROM generate_series(1, 50) g;
SELECT is(scsm.dispose_expired(100000000, 'public.run_big'), 50::bigint, 'a batch of a hundred million takes the 50 due rows');
SELECT is((SELECT count(*) FROM scsm.disposal_batch WHERE table_name = 'run_big'), 1::bigint,
          'in one batch: one certificate row (not a row each)');

SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE NOT (table_name = 'public.run_m' AND kind = 'missing')), 0::bigint,
          'verify_ledger: every disposed row is accounted for (the row deleted around the rules is missing)');

SELECT * FROM finish();
ROLLBACK;
