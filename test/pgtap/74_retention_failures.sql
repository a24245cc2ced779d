-- Rows whose disposal fails every time (here: a foreign key of another
-- table points at them) do not stop the disposal of the rows behind them:
-- each failure is an event, and the batch goes on past them.
BEGIN;
SELECT plan(5);

CREATE TABLE public.fail_rec (id int PRIMARY KEY, d date NOT NULL);
SELECT scsm.protect('public.fail_rec', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('fail_rec', 'test', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'fail_rec', class_id FROM scsm.retention_class WHERE name = 'fail_rec';
-- the three oldest rows are referenced: their delete always fails
INSERT INTO public.fail_rec SELECT g, date '2000-01-01' + g FROM generate_series(1, 8) g;
CREATE TABLE public.fail_ref (id int PRIMARY KEY, rec int NOT NULL REFERENCES public.fail_rec (id));
INSERT INTO public.fail_ref VALUES (1, 1), (2, 2), (3, 3);

SELECT is(scsm.dispose_expired(2, 'public.fail_rec'), 2::bigint,
          'a batch of 2 whose first candidates always fail still disposes of 2 rows behind them');
SELECT is(scsm.dispose_expired(2, 'public.fail_rec') + scsm.dispose_expired(2, 'public.fail_rec')
          + scsm.dispose_expired(2, 'public.fail_rec'), 3::bigint,
          'further batches dispose of the rest');
SELECT results_eq($$SELECT id FROM public.fail_rec ORDER BY id$$, $$VALUES (1), (2), (3)$$,
                  'only the referenced rows are left');
SELECT ok((SELECT count(*) FROM scsm.event_log WHERE event = 'disposal_failed' AND table_name = 'fail_rec') >= 3,
          'each failing row is reported as disposal_failed');
SELECT is((SELECT count(*) FROM scsm.verify_ledger()), 0::bigint, 'the ledger verifies');

SELECT * FROM finish();
ROLLBACK;
