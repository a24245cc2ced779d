-- The due queue's index must be the one the install script creates
-- (table_id, retain_until, entry_id): C code reads its third column.  A
-- queue index of another shape (a database from before the entry id was in
-- it) is refused with a hint, not read.
BEGIN;
SELECT plan(3);

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

-- certificate arrays: hashes uncompressed; keys, ids, versions and dates,
-- which repeat within a batch, with lz4 where the server has it
CREATE FUNCTION pg_temp.has_lz4() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('default_toast_compression', 'lz4', true);
  RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN false;
END
$$;
SELECT is((SELECT string_agg(attname || ':' || attstorage::text || attcompression::text, ' ' ORDER BY attname)
             FROM pg_attribute WHERE attrelid = 'scsm.disposal_batch'::regclass
              AND attname IN ('entry_ids', 'retain_untils', 'review_ids', 'row_hashes', 'row_keys', 'versions')),
          CASE WHEN pg_temp.has_lz4()
               THEN 'entry_ids:xl retain_untils:xl review_ids:xl row_hashes:e row_keys:xl versions:xl'
               ELSE 'entry_ids:e retain_untils:e review_ids:e row_hashes:e row_keys:x versions:e' END,
          'certificate arrays stored as installed');

SELECT * FROM finish();
ROLLBACK;
