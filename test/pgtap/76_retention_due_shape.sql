-- The due queue's index must be the one the install script creates
-- (table_id, retain_until, entry_id): C code reads its third column.  A
-- queue index of another shape (a database from before the entry id was in
-- it) is refused with a hint, not read.
BEGIN;
SELECT plan(2);

INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('shape_c', 'test', '1 year', 'record_date', 'd');
CREATE TABLE public.shape_t (id int PRIMARY KEY, d date, note text);
SELECT scsm.protect('public.shape_t', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'shape_t', class_id FROM scsm.retention_class WHERE name = 'shape_c';

SELECT is(pg_get_indexdef('scsm.retention_due_idx'::regclass),
          'CREATE INDEX retention_due_idx ON scsm.retention_due USING btree (table_id, retain_until, entry_id)',
          'the queue''s index as installed');
DROP INDEX scsm.retention_due_idx;
CREATE INDEX retention_due_idx ON scsm.retention_due (table_id, retain_until);
SELECT throws_ok($$INSERT INTO public.shape_t VALUES (1, '2000-01-01', 'x')$$,
                 '55000', 'scsm.retention_due has an unexpected index',
                 'a stamped insert refuses a queue index of another shape');

SELECT * FROM finish();
ROLLBACK;
