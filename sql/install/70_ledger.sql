
-- ===========================================================================
-- Ledger: tamper-evident protected tables (ISO 28000 4.5.4, 4.4.5).
-- Row hashing, triggers, Merkle trees and the DDL guard are in C
-- (src/ledger_*.c); sealing, digests, verification and proofs are here.
-- docs/ledger.md is the user documentation and the format specification.
-- ===========================================================================

-- Tables under protection.  table_id 0 is the ledger's own certificate table
-- (scsm.disposal_batch).
CREATE SEQUENCE scsm.ledger_table_table_id_seq AS integer;

CREATE TABLE scsm.ledger_table (
    table_id      integer PRIMARY KEY,
    schema_name   text NOT NULL,
    table_name    text NOT NULL,
    mode          text NOT NULL
                  CHECK (mode IN ('append_only', 'versioned', 'history', 'certificate')),
    history_table text,
    parent_id     integer,
    protected_at  timestamptz NOT NULL DEFAULT pg_catalog.transaction_timestamp(),
    protected_by  text NOT NULL DEFAULT session_user,
    builtin       boolean NOT NULL DEFAULT false,  -- protected by the install script
    UNIQUE (schema_name, table_name)
);
ALTER SEQUENCE scsm.ledger_table_table_id_seq OWNED BY scsm.ledger_table.table_id;
COMMENT ON TABLE scsm.ledger_table IS
  'Tables under ledger protection (scsm.protect); names, not OIDs, so the list survives dump and restore';

-- One entry per writing transaction (written by its first protected row).
CREATE SEQUENCE scsm.ledger_txn_txn_id_seq;
CREATE TABLE scsm.ledger_txn (
    txn_id        bigint PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    session_role  text NOT NULL,
    role_name     text NOT NULL
);
ALTER SEQUENCE scsm.ledger_txn_txn_id_seq OWNED BY scsm.ledger_txn.txn_id;
COMMENT ON TABLE scsm.ledger_txn IS
  'One entry per transaction that wrote protected rows: when it started and who wrote';

-- One entry per row version; block_id/leaf_index are set by the sealer.
CREATE SEQUENCE scsm.ledger_row_entry_id_seq;
CREATE TABLE scsm.ledger_row (
    entry_id      bigint NOT NULL,
    txn_id        bigint NOT NULL,
    table_id      integer NOT NULL,
    row_key       text COLLATE "C" NOT NULL,
    version       integer NOT NULL,
    row_hash      bytea NOT NULL,
    block_id      bigint,
    leaf_index    integer
);
ALTER SEQUENCE scsm.ledger_row_entry_id_seq OWNED BY scsm.ledger_row.entry_id;
CREATE INDEX ledger_row_key_idx ON scsm.ledger_row (table_id, row_key);
-- Two indexes only, both plain (entries are inserted directly, ledger_store.c):
-- by key (proofs, versions, disposal, incremental verify) and by block, where
-- block_id IS NULL lists the unsealed entries in entry_id order.  entry_id
-- comes from a sequence; no primary-key index is kept on it, to spare the
-- write path a third index insert per row.
CREATE INDEX ledger_row_block_idx ON scsm.ledger_row (block_id, entry_id);
COMMENT ON TABLE scsm.ledger_row IS
  'Ledger entries: table, canonical key, version and SHA-256 of each protected row version';

-- The fast path's batches (ledger_store.c): the append-only entries of one
-- committed transaction (at most 65536 per tuple) as arrays, written once at
-- pre-commit with no index entry per row.  The sealer expands them into
-- ledger_row (with their block) and deletes them; scsm.ledger_entry shows
-- them with ledger_row until then.  txn_written: the ledger_txn row exists
-- already (else the sealer writes it from started_at and the roles).
CREATE TABLE scsm.ledger_pending (
    txn_id        bigint NOT NULL,
    first_entry   bigint NOT NULL,
    started_at    timestamptz NOT NULL,
    session_role  text NOT NULL,
    role_name     text NOT NULL,
    txn_written   boolean NOT NULL,
    entry_ids     bigint[] NOT NULL,
    table_ids     integer[] NOT NULL,
    row_keys      text[] COLLATE "C" NOT NULL,
    row_hashes    bytea[] NOT NULL
);
-- hashes do not compress: storing the arrays uncompressed saves pglz's time
ALTER TABLE scsm.ledger_pending
  ALTER COLUMN entry_ids SET STORAGE EXTERNAL, ALTER COLUMN table_ids SET STORAGE EXTERNAL,
  ALTER COLUMN row_keys SET STORAGE EXTERNAL, ALTER COLUMN row_hashes SET STORAGE EXTERNAL;
COMMENT ON TABLE scsm.ledger_pending IS
  'Committed, unsealed ledger entries of append-only rows, one tuple per transaction (arrays); the sealer moves them into ledger_row';

-- Sealed blocks, each chained to the previous one.
CREATE TABLE scsm.ledger_block (
    block_id      bigint PRIMARY KEY,
    prev_hash     bytea NOT NULL,
    merkle_root   bytea NOT NULL,
    leaf_count    integer NOT NULL,
    sealed_at     timestamptz NOT NULL,
    block_hash    bytea NOT NULL
);
COMMENT ON TABLE scsm.ledger_block IS
  'Sealed blocks: RFC 9162 Merkle root over the row hashes, chained by block_hash';

-- Disposal certificates: the trace a disposed row leaves (issue 4 builds on it).
-- One protected row per disposal batch (a batch of one for the single-row
-- door), with one ledger entry: the per-row facts are arrays, line i of each
-- array is the certificate of one disposed row version.  scsm.disposal_certificate
-- shows one row per line.  At most 65536 lines per batch row (the disposal
-- writes several rows for a larger batch), so certificate_id =
-- batch_id * 65536 + line - 1 is unique.
CREATE SEQUENCE scsm.disposal_batch_batch_id_seq;
CREATE TABLE scsm.disposal_batch (
    batch_id       bigint PRIMARY KEY
                   DEFAULT pg_catalog.nextval('scsm.disposal_batch_batch_id_seq'),
    schema_name    text NOT NULL,
    table_name     text NOT NULL,
    disposed_at    timestamptz NOT NULL DEFAULT pg_catalog.transaction_timestamp(),
    disposed_by    text NOT NULL,
    reason         text NOT NULL,
    details        jsonb,
    row_keys       text[] COLLATE "C" NOT NULL,
    versions       integer[] NOT NULL,
    row_hashes     bytea[] NOT NULL,
    entry_ids      bigint[] NOT NULL,
    -- retention (issue 4): per line, NULL when disposed outside a class
    class_names    text[] NOT NULL,
    retain_untils  timestamptz[] NOT NULL,
    actions        text[] NOT NULL,
    review_ids     bigint[] NOT NULL,
    approved_bys   text[] NOT NULL,
    CHECK (pg_catalog.cardinality(row_keys) BETWEEN 1 AND 65536
           AND pg_catalog.cardinality(versions) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(row_hashes) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(entry_ids) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(class_names) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(retain_untils) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(actions) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(review_ids) = pg_catalog.cardinality(row_keys)
           AND pg_catalog.cardinality(approved_bys) = pg_catalog.cardinality(row_keys))
);
-- hashes do not compress: stored uncompressed, pglz is not paid for; nor,
-- without lz4, for the ids, versions and dates
ALTER TABLE scsm.disposal_batch
  ALTER COLUMN row_hashes SET STORAGE EXTERNAL, ALTER COLUMN entry_ids SET STORAGE EXTERNAL,
  ALTER COLUMN versions SET STORAGE EXTERNAL, ALTER COLUMN retain_untils SET STORAGE EXTERNAL,
  ALTER COLUMN review_ids SET STORAGE EXTERNAL;
-- lz4, which costs a tenth of pglz's time, where the server has it: the text
-- arrays repeat themselves (keys, class names, actions), and so do a batch's
-- versions, retain_untils (lines in date order) and ids (counting up); a
-- batch of 10,000 lines stores 45 kB less of them
DO $$
BEGIN
  ALTER TABLE scsm.disposal_batch
    ALTER COLUMN row_keys SET COMPRESSION lz4, ALTER COLUMN class_names SET COMPRESSION lz4,
    ALTER COLUMN actions SET COMPRESSION lz4, ALTER COLUMN approved_bys SET COMPRESSION lz4,
    ALTER COLUMN entry_ids SET COMPRESSION lz4, ALTER COLUMN entry_ids SET STORAGE EXTENDED,
    ALTER COLUMN versions SET COMPRESSION lz4, ALTER COLUMN versions SET STORAGE EXTENDED,
    ALTER COLUMN retain_untils SET COMPRESSION lz4, ALTER COLUMN retain_untils SET STORAGE EXTENDED,
    ALTER COLUMN review_ids SET COMPRESSION lz4, ALTER COLUMN review_ids SET STORAGE EXTENDED;
EXCEPTION WHEN feature_not_supported THEN
  NULL;  -- built without lz4: pglz for the text arrays, the rest uncompressed
END
$$;
ALTER SEQUENCE scsm.disposal_batch_batch_id_seq OWNED BY scsm.disposal_batch.batch_id;
CREATE INDEX disposal_batch_table_idx ON scsm.disposal_batch (table_name, schema_name);
COMMENT ON TABLE scsm.disposal_batch IS
  'Disposal certificates, one protected and ledgered row per disposal batch: who, when, why, and per disposed row version (arrays, line by line) table key, version, row hash, ledger entry, class, retain_until, action, approval';

CREATE VIEW scsm.disposal_certificate AS
SELECT b.batch_id * 65536 + u.line - 1 AS certificate_id,
       b.schema_name, b.table_name,
       u.row_key, u.version, u.row_hash, u.entry_id,
       b.disposed_at, b.disposed_by, b.reason, b.details,
       u.class_name, u.retain_until, u.action, u.review_id, u.approved_by,
       b.batch_id, u.line::integer AS line
  FROM scsm.disposal_batch b,
       LATERAL ROWS FROM (pg_catalog.unnest(b.row_keys), pg_catalog.unnest(b.versions),
                          pg_catalog.unnest(b.row_hashes), pg_catalog.unnest(b.entry_ids),
                          pg_catalog.unnest(b.class_names), pg_catalog.unnest(b.retain_untils),
                          pg_catalog.unnest(b.actions), pg_catalog.unnest(b.review_ids),
                          pg_catalog.unnest(b.approved_bys))
         WITH ORDINALITY AS u (row_key, version, row_hash, entry_id, class_name, retain_until,
                               action, review_id, approved_by, line);
COMMENT ON VIEW scsm.disposal_certificate IS
  'One certificate per disposed row version: what (table, key, version, row hash, ledger entry), when, by whom, why; line "line" of the ledgered row "batch_id" of scsm.disposal_batch';
COMMENT ON COLUMN scsm.disposal_certificate.retain_until IS 'retain_until of the disposed row version (always before disposed_at)';
COMMENT ON COLUMN scsm.disposal_certificate.action IS 'delete, anonymise (an anonymised copy replaced the row) or archive (a copy is in scsm.retention_archive)';
COMMENT ON COLUMN scsm.disposal_certificate.review_id IS 'Approved scsm.disposal_review, when the class needs approval';

INSERT INTO scsm.ledger_table (table_id, schema_name, table_name, mode, protected_by, builtin)
VALUES (0, 'scsm', 'disposal_batch', 'certificate', 'scsm', true);

-- Steps of scsm.run_maintenance(), in position order; later issues add rows.
CREATE TABLE scsm.maintenance_step (
    step_name     text PRIMARY KEY,
    position      integer NOT NULL UNIQUE,
    function_name text NOT NULL CHECK (function_name ~ '^[a-z_][a-z0-9_]*$'),
    repeat        boolean NOT NULL DEFAULT false,
    enabled       boolean NOT NULL DEFAULT true,
    builtin       boolean NOT NULL DEFAULT false,
    description   text NOT NULL
);
COMMENT ON TABLE scsm.maintenance_step IS
  'Steps of scsm.run_maintenance(): a function scsm.<function_name>() returning bigint, run in its own transaction (again while it returns > 0 when repeat)';
INSERT INTO scsm.maintenance_step (step_name, position, function_name, repeat, builtin, description)
VALUES ('ledger_seal', 10, 'ledger_seal', true, true,
        'Seal committed ledger entries into chained blocks');

-- rows the install script wrote (the certificate table, and register tables it
-- protects) are written again, with the same ids, by CREATE EXTENSION on restore
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_table', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_table_table_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_txn', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_txn_txn_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_row', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_row_entry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_pending', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.ledger_block', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.disposal_batch', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.disposal_batch_batch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.maintenance_step', 'WHERE NOT builtin');

REVOKE ALL ON scsm.ledger_table, scsm.ledger_txn, scsm.ledger_row, scsm.ledger_pending, scsm.ledger_block,
              scsm.disposal_batch, scsm.disposal_certificate, scsm.maintenance_step FROM PUBLIC;
-- which tables are protected, and the sealed chain, are not secret
GRANT SELECT ON scsm.ledger_table, scsm.ledger_block TO PUBLIC;

-- ---------------------------------------------------------------------------
-- C functions
-- ---------------------------------------------------------------------------

CREATE FUNCTION scsm.row_hash(tbl regclass, rec record) RETURNS bytea
  AS 'MODULE_PATHNAME', 'scsm_row_hash'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.row_hash(regclass, record) IS
  'SHA-256 of the canonical encoding (format v1) of rec as a row of tbl; columns of rec absent from tbl are ignored';

CREATE FUNCTION scsm.row_encoding(tbl regclass, rec record) RETURNS bytea
  AS 'MODULE_PATHNAME', 'scsm_row_encoding'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.row_encoding(regclass, record) IS
  'The exact bytes scsm.row_hash hashes (format v1, docs/ledger.md), for outside verification';

CREATE FUNCTION scsm.row_key(tbl regclass, rec record) RETURNS text
  AS 'MODULE_PATHNAME', 'scsm_row_key'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.row_key(regclass, record) IS
  'Canonical primary key of rec as a row of tbl, e.g. {"id":"42"}: settings-independent text';

CREATE FUNCTION scsm.canonical_key(tbl regclass, key jsonb) RETURNS text
  AS 'MODULE_PATHNAME', 'scsm_canonical_key'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.canonical_key(regclass, jsonb) IS
  'Canonical key text from a key given as {"col": value}, [value, ...] or a scalar for one-column keys';

CREATE FUNCTION scsm.ledger_key_condition(tbl regclass, alias text, keyexpr text) RETURNS text
  AS 'MODULE_PATHNAME', 'scsm_ledger_key_condition'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.ledger_key_condition(regclass, text, text) IS
  'Internal: SQL condition alias.pk = (keyexpr::jsonb->>''pk'')::type selecting a row by canonical key';

CREATE FUNCTION scsm.merkle_root(leaves bytea[]) RETURNS bytea
  AS 'MODULE_PATHNAME', 'scsm_merkle_root'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.merkle_root(bytea[]) IS
  'RFC 9162 Merkle tree hash over 32-byte row hashes: leaf SHA-256(0x00||h), node SHA-256(0x01||l||r)';

CREATE FUNCTION scsm.merkle_path(leaves bytea[], leaf_index integer) RETURNS bytea[]
  AS 'MODULE_PATHNAME', 'scsm_merkle_path'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.merkle_path(bytea[], integer) IS
  'RFC 9162 inclusion (audit) path of leaf leaf_index (0-based), at most ceil(log2 n) hashes';

CREATE FUNCTION scsm.block_hash(block bigint, prev_hash bytea, merkle_root bytea,
                                leaf_count bigint, sealed_at timestamptz) RETURNS bytea
  AS 'MODULE_PATHNAME', 'scsm_block_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.block_hash(bigint, bytea, bytea, bigint, timestamptz) IS
  'SHA-256("SCSMBLK1"||be64 block||prev||root||be64 leaves||be64 Unix microseconds): the chained block hash';

CREATE FUNCTION scsm.ledger_own_entries()
  RETURNS TABLE (entry_id bigint, txn_id bigint, table_id integer, row_key text,
                 version integer, row_hash bytea, block_id bigint, leaf_index integer)
  AS 'MODULE_PATHNAME', 'scsm_ledger_own_entries'
  LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION scsm.ledger_own_entries() IS
  'Ledger entries the current transaction has buffered and not written yet (they reach scsm.ledger_pending at commit); part of scsm.ledger_entry';

CREATE FUNCTION scsm.ledger_trigger() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_ledger_trigger'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.ledger_trigger() IS
  'AFTER ROW trigger of protected tables: hashes the row and appends its ledger entry (created by scsm.protect)';

CREATE FUNCTION scsm.ledger_refuse() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_ledger_refuse'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.ledger_refuse() IS
  'BEFORE statement trigger of protected tables: refuses UPDATE/DELETE/TRUNCATE (SQLSTATE 55000)';

CREATE FUNCTION scsm.ledger_ddl_guard() RETURNS event_trigger
  AS 'MODULE_PATHNAME', 'scsm_ledger_ddl_guard'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.ledger_ddl_guard() IS
  'ddl_command_start guard: refuses DROP, rename and rewriting ALTER of protected tables (SQLSTATE 55000)';

CREATE FUNCTION scsm.protect(tbl regclass, mode text DEFAULT 'append_only') RETURNS void
  AS 'MODULE_PATHNAME', 'scsm_protect'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.protect(regclass, text) IS
  'Put a table with a primary key under ledger protection, mode append_only or versioned; permanent';

CREATE FUNCTION scsm.ledger_dispose_row(tbl regclass, key jsonb, reason text) RETURNS bigint
  AS 'MODULE_PATHNAME', 'scsm_ledger_dispose_row'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.ledger_dispose_row(regclass, jsonb, text) IS
  'Internal retention door: dispose of one row of an append-only table with a ledgered certificate; not for PUBLIC';
REVOKE ALL ON FUNCTION scsm.ledger_dispose_row(regclass, jsonb, text) FROM PUBLIC;

-- Refusal triggers on the ledger's own tables (the sealer only updates ledger_row).
CREATE TRIGGER scsm_ledger_refuse BEFORE UPDATE OR DELETE OR TRUNCATE ON scsm.disposal_batch
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('0', 'certificate');
CREATE TRIGGER scsm_ledger_refuse BEFORE UPDATE OR DELETE OR TRUNCATE ON scsm.ledger_block
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('-1', 'ledger');
CREATE TRIGGER scsm_ledger_refuse BEFORE UPDATE OR DELETE OR TRUNCATE ON scsm.ledger_txn
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('-1', 'ledger');
CREATE TRIGGER scsm_ledger_refuse BEFORE UPDATE OR TRUNCATE ON scsm.ledger_pending
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('-1', 'ledger');
ALTER TABLE scsm.ledger_pending ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
CREATE TRIGGER scsm_ledger_refuse BEFORE DELETE OR TRUNCATE ON scsm.ledger_row
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('-1', 'ledger');
ALTER TABLE scsm.disposal_batch ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
ALTER TABLE scsm.ledger_block ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
ALTER TABLE scsm.ledger_txn ENABLE ALWAYS TRIGGER scsm_ledger_refuse;
ALTER TABLE scsm.ledger_row ENABLE ALWAYS TRIGGER scsm_ledger_refuse;

-- ---------------------------------------------------------------------------
-- DDL guard (event triggers, ENABLE ALWAYS)
-- ---------------------------------------------------------------------------

CREATE FUNCTION scsm.ledger_drop_guard() RETURNS event_trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
BEGIN
  -- catches drops by CASCADE and DROP OWNED, which ddl_command_start cannot see
  FOR r IN
    SELECT o.schema_name, o.object_name, t.mode
      FROM pg_event_trigger_dropped_objects() o
      JOIN scsm.ledger_table t
        ON t.schema_name = o.schema_name AND t.table_name = o.object_name
     WHERE o.object_type = 'table'
  LOOP
    RAISE EXCEPTION USING
      ERRCODE = '55000',
      MESSAGE = format('cannot drop protected table "%s"', r.object_name),
      DETAIL = format('Table "%s" is under ledger protection (%s).', r.object_name, r.mode),
      HINT = 'Protected tables are permanent; records leave them only through the retention procedure.';
  END LOOP;
  -- a column of a protected table dropped with the view, materialized view,
  -- foreign table or type whose row type or type it holds (DROP ... CASCADE)
  FOR r IN
    SELECT o.address_names[2] AS tbl, o.address_names[3] AS col, t.mode
      FROM pg_event_trigger_dropped_objects() o
      JOIN scsm.ledger_table t
        ON t.schema_name = o.address_names[1] AND t.table_name = o.address_names[2]
     WHERE o.object_type = 'table column'
  LOOP
    RAISE EXCEPTION USING
      ERRCODE = '55000',
      MESSAGE = format('cannot drop column "%s" of protected table "%s"', r.col, r.tbl),
      DETAIL = format('Table "%s" is under ledger protection (%s); its column''s type would go with the dropped object.',
                      r.tbl, r.mode),
      HINT = 'Drop nothing a protected column holds.';
  END LOOP;
  -- a protected table left without its primary key (a parent's unique
  -- index its key was attached to, dropped with CASCADE)
  FOR r IN
    SELECT DISTINCT t.table_name AS tbl, t.mode
      FROM pg_event_trigger_dropped_objects() o
      JOIN scsm.ledger_table t
        ON t.schema_name = o.address_names[1] AND t.table_name = o.address_names[2]
     WHERE o.object_type = 'table constraint'
       AND NOT EXISTS (SELECT 1 FROM pg_index i
                         JOIN pg_class c ON c.oid = i.indrelid
                         JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = t.schema_name AND c.relname = t.table_name AND i.indisprimary)
  LOOP
    RAISE EXCEPTION USING
      ERRCODE = '55000',
      MESSAGE = format('cannot drop the primary key of protected table "%s"', r.tbl),
      DETAIL = format('Table "%s" is under ledger protection (%s); the ledger identifies rows by their primary key.',
                      r.tbl, r.mode);
  END LOOP;
END
$$;
COMMENT ON FUNCTION scsm.ledger_drop_guard() IS
  'sql_drop guard: refuses any command that drops a protected table, one of its columns or its primary key, CASCADE included';

CREATE FUNCTION scsm.ledger_rewrite_guard() RETURNS event_trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.relname, t.mode
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN scsm.ledger_table t ON t.schema_name = n.nspname AND t.table_name = c.relname
     WHERE c.oid = pg_event_trigger_table_rewrite_oid()
  LOOP
    RAISE EXCEPTION USING
      ERRCODE = '55000',
      MESSAGE = format('cannot rewrite protected table "%s"', r.relname),
      DETAIL = format('Table "%s" is under ledger protection (%s).', r.relname, r.mode),
      HINT = 'Add nullable columns or constraints instead.';
  END LOOP;
END
$$;
COMMENT ON FUNCTION scsm.ledger_rewrite_guard() IS
  'table_rewrite guard: refuses ALTER commands that would rewrite a protected table';

CREATE EVENT TRIGGER scsm_ledger_ddl_guard ON ddl_command_start
  WHEN TAG IN ('ALTER TABLE', 'DROP TABLE', 'DROP TRIGGER', 'ALTER TRIGGER', 'ALTER SCHEMA', 'ALTER TYPE',
               'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER FOREIGN TABLE')
  EXECUTE FUNCTION scsm.ledger_ddl_guard();
CREATE EVENT TRIGGER scsm_ledger_drop_guard ON sql_drop
  EXECUTE FUNCTION scsm.ledger_drop_guard();
CREATE EVENT TRIGGER scsm_ledger_rewrite_guard ON table_rewrite
  EXECUTE FUNCTION scsm.ledger_rewrite_guard();
ALTER EVENT TRIGGER scsm_ledger_ddl_guard ENABLE ALWAYS;
ALTER EVENT TRIGGER scsm_ledger_drop_guard ENABLE ALWAYS;
ALTER EVENT TRIGGER scsm_ledger_rewrite_guard ENABLE ALWAYS;

-- ---------------------------------------------------------------------------
-- Every entry, sealed or not
-- ---------------------------------------------------------------------------

-- ledger_row holds every sealed entry (and unsealed entries of versioned or
-- retention-stamped rows); the fast path's unsealed entries are in
-- ledger_pending once committed, in the writing backend's memory before.
CREATE VIEW scsm.ledger_entry AS
  SELECT r.entry_id, r.txn_id, r.table_id, r.row_key, r.version, r.row_hash, r.block_id, r.leaf_index
    FROM scsm.ledger_row r
  UNION ALL
  SELECT u.entry_id, p.txn_id, u.table_id, u.row_key COLLATE "C", 1, u.row_hash, NULL::bigint, NULL::integer
    FROM scsm.ledger_pending p
   CROSS JOIN LATERAL unnest(p.entry_ids, p.table_ids, p.row_keys, p.row_hashes)
                      AS u (entry_id, table_id, row_key, row_hash)
  UNION ALL
  SELECT o.entry_id, o.txn_id, o.table_id, o.row_key COLLATE "C", o.version, o.row_hash, o.block_id, o.leaf_index
    FROM scsm.ledger_own_entries() o;
COMMENT ON VIEW scsm.ledger_entry IS
  'Every ledger entry: ledger_row, the committed batches not sealed yet, and the current transaction''s own buffered entries';
REVOKE ALL ON scsm.ledger_entry FROM PUBLIC;

CREATE FUNCTION scsm.ledger_drain(tbl regclass) RETURNS bigint
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET jit = off
AS $$
DECLARE
  v_tid integer;
  n     bigint;
BEGIN
  SELECT lt.table_id INTO v_tid FROM scsm.ledger_table lt
    JOIN pg_namespace s ON s.nspname = lt.schema_name
    JOIN pg_class c ON c.relnamespace = s.oid AND c.relname = lt.table_name
   WHERE c.oid = tbl;
  IF v_tid IS NULL THEN
    RETURN 0;
  END IF;
  -- the sealer deletes batches too: never both at once
  PERFORM pg_advisory_xact_lock(1935896941, 1);
  INSERT INTO scsm.ledger_txn (txn_id, started_at, session_role, role_name)
  SELECT DISTINCT ON (p.txn_id) p.txn_id, p.started_at, p.session_role, p.role_name
    FROM scsm.ledger_pending p WHERE v_tid = ANY (p.table_ids) AND NOT p.txn_written
  ON CONFLICT (txn_id) DO NOTHING;
  WITH d AS (DELETE FROM scsm.ledger_pending p WHERE v_tid = ANY (p.table_ids) RETURNING p.*)
  INSERT INTO scsm.ledger_row (entry_id, txn_id, table_id, row_key, version, row_hash)
  SELECT u.entry_id, d.txn_id, u.table_id, u.row_key, 1, u.row_hash
    FROM d CROSS JOIN LATERAL unnest(d.entry_ids, d.table_ids, d.row_keys, d.row_hashes)
                              AS u (entry_id, table_id, row_key, row_hash);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.ledger_drain(regclass) IS
  'Internal: move the committed, unsealed batches that hold entries of tbl from ledger_pending into ledger_row (unsealed), for the disposal door';
REVOKE ALL ON FUNCTION scsm.ledger_drain(regclass) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Sealing
-- ---------------------------------------------------------------------------

CREATE FUNCTION scsm.ledger_seal(max_leaves integer DEFAULT 100000) RETURNS bigint
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  -- every statement here reads only the unsealed tail of ledger_row through
  -- ledger_row_block_idx (block_id IS NULL sorts last); with stale statistics
  -- the planner chose sequential scans of the whole ledger, so a seal cost
  -- O(ledger size) instead of O(new entries)
  SET enable_seqscan = off
  -- a block of 100000 leaves sorts and hashes in memory
  SET work_mem = '64MB'
  -- ledger_pending has no index: its sequential scans carry enable_seqscan's
  -- disable cost, which made every statement here JIT-compile (~0.3 s each)
  SET jit = off
AS $$
DECLARE
  v_ids    bigint[];
  v_hashes bytea[];
  v_direct boolean[];
  v_pend   tid[];
  v_block  bigint;
  v_prev   bytea;
  v_root   bytea;
  v_at     timestamptz := clock_timestamp();
BEGIN
  IF max_leaves < 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('max_leaves must be positive, not %s', max_leaves);
  END IF;
  -- one sealer at a time, whoever runs it (worker, pg_cron, by hand)
  IF NOT pg_try_advisory_xact_lock(1935896941, 1) THEN
    RETURN 0;
  END IF;
  -- entries that name blocks not (yet) present: a restore is loading the
  -- ledger (pg_restore -j may load ledger_row before ledger_block); wait
  -- (max() reads one index entry; EXISTS (... block_id > x) scanned everything)
  IF (SELECT max(r.block_id) FROM scsm.ledger_row r)
     > (SELECT coalesce(max(k.block_id), 0) FROM scsm.ledger_block k) THEN
    RETURN 0;
  END IF;
  -- every committed, unsealed entry, whatever its commit order: entry_id
  -- (a sequence) orders them, never transaction ids.  Unsealed entries are
  -- ledger_row rows without a block and the entries of ledger_pending's
  -- batches; whole batches are taken, oldest first, up to max_leaves entries
  SELECT array_agg(q.c) INTO v_pend
    FROM (SELECT p.ctid AS c,
                 sum(cardinality(p.entry_ids)) OVER (ORDER BY p.first_entry, p.ctid)
                   - cardinality(p.entry_ids) AS before
            FROM scsm.ledger_pending p) q
   WHERE q.before < max_leaves;
  SELECT array_agg(t.entry_id ORDER BY t.entry_id), array_agg(t.row_hash ORDER BY t.entry_id),
         array_agg(t.direct ORDER BY t.entry_id)
    INTO v_ids, v_hashes, v_direct
    FROM (SELECT s.* FROM (
            (SELECT r.entry_id, r.row_hash, true AS direct FROM scsm.ledger_row r
              WHERE r.block_id IS NULL ORDER BY r.entry_id LIMIT max_leaves)
            UNION ALL
            SELECT u.entry_id, u.row_hash, false
              FROM scsm.ledger_pending p
             CROSS JOIN LATERAL unnest(p.entry_ids, p.row_hashes) AS u (entry_id, row_hash)
             WHERE p.ctid = ANY (v_pend)) s
           ORDER BY s.entry_id LIMIT max_leaves) t;
  IF v_ids IS NULL THEN
    RETURN 0;
  END IF;
  SELECT block_id, block_hash INTO v_block, v_prev
    FROM scsm.ledger_block ORDER BY block_id DESC LIMIT 1;
  v_block := coalesce(v_block, 0) + 1;
  v_prev := coalesce(v_prev, decode(repeat('00', 32), 'hex'));
  v_root := scsm.merkle_root(v_hashes);
  INSERT INTO scsm.ledger_block (block_id, prev_hash, merkle_root, leaf_count, sealed_at, block_hash)
  VALUES (v_block, v_prev, v_root, cardinality(v_ids), v_at,
          scsm.block_hash(v_block, v_prev, v_root, cardinality(v_ids), v_at));
  IF true = ANY (v_direct) THEN
    UPDATE scsm.ledger_row r
       SET block_id = v_block, leaf_index = u.ord - 1
      FROM unnest(v_ids, v_direct) WITH ORDINALITY AS u(id, direct, ord)
     WHERE u.direct AND r.block_id IS NULL AND r.entry_id = u.id;
  END IF;
  IF v_pend IS NOT NULL THEN
    -- batches become ledger_row rows that carry their block from the start;
    -- entries past max_leaves go back to ledger_pending
    INSERT INTO scsm.ledger_txn (txn_id, started_at, session_role, role_name)
    SELECT DISTINCT ON (p.txn_id) p.txn_id, p.started_at, p.session_role, p.role_name
      FROM scsm.ledger_pending p WHERE p.ctid = ANY (v_pend) AND NOT p.txn_written
    ON CONFLICT (txn_id) DO NOTHING;
    WITH d AS (DELETE FROM scsm.ledger_pending p WHERE p.ctid = ANY (v_pend) RETURNING p.*),
    e AS (SELECT d.txn_id, d.started_at, d.session_role, d.role_name, u.*
            FROM d CROSS JOIN LATERAL unnest(d.entry_ids, d.table_ids, d.row_keys, d.row_hashes)
                                      AS u (entry_id, table_id, row_key, row_hash)),
    l AS (SELECT e.*, o.ord FROM e LEFT JOIN unnest(v_ids) WITH ORDINALITY AS o(id, ord) ON o.id = e.entry_id),
    s AS (INSERT INTO scsm.ledger_row (entry_id, txn_id, table_id, row_key, version, row_hash, block_id, leaf_index)
          SELECT l.entry_id, l.txn_id, l.table_id, l.row_key, 1, l.row_hash, v_block, l.ord - 1
            -- in key order: the key index is filled page by page
            FROM l WHERE l.ord IS NOT NULL ORDER BY l.table_id, l.row_key)
    INSERT INTO scsm.ledger_pending (txn_id, first_entry, started_at, session_role, role_name, txn_written,
                                     entry_ids, table_ids, row_keys, row_hashes)
    SELECT l.txn_id, min(l.entry_id), min(l.started_at), min(l.session_role), min(l.role_name), true,
           array_agg(l.entry_id ORDER BY l.entry_id), array_agg(l.table_id ORDER BY l.entry_id),
           array_agg(l.row_key ORDER BY l.entry_id), array_agg(l.row_hash ORDER BY l.entry_id)
      FROM l WHERE l.ord IS NULL GROUP BY l.txn_id;
  END IF;
  PERFORM pg_notify('scsm_events',
                    json_build_object('event', 'ledger_sealed', 'block', v_block,
                                      'leaves', cardinality(v_ids))::text);
  RETURN v_block;
END
$$;
COMMENT ON FUNCTION scsm.ledger_seal(integer) IS
  'Seal up to max_leaves committed, unsealed ledger entries into the next chained block; returns its number, 0 when nothing to do or another sealer runs';
REVOKE ALL ON FUNCTION scsm.ledger_seal(integer) FROM PUBLIC;

-- Not SET search_path: a procedure with SET cannot COMMIT.  Everything in it
-- is schema-qualified instead.
CREATE PROCEDURE scsm.run_maintenance()
  LANGUAGE plpgsql
AS $$
DECLARE
  s record;
  n bigint;
  i integer;
BEGIN
  FOR s IN SELECT step_name, function_name, repeat
             FROM scsm.maintenance_step WHERE enabled ORDER BY position
  LOOP
    i := 0;
    LOOP
      EXECUTE pg_catalog.format('SELECT scsm.%I()', s.function_name) INTO n;
      COMMIT;
      i := i + 1;
      EXIT WHEN NOT s.repeat OR coalesce(n, 0) <= 0 OR i >= 1000;
    END LOOP;
  END LOOP;
END
$$;
COMMENT ON PROCEDURE scsm.run_maintenance() IS
  'Run every enabled step of scsm.maintenance_step in order, each in its own transaction; CALL outside a transaction block';
REVOKE ALL ON PROCEDURE scsm.run_maintenance() FROM PUBLIC;

CREATE FUNCTION scsm.schedule_maintenance(schedule text DEFAULT '* * * * *') RETURNS bigint
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_job bigint;
BEGIN
  IF to_regnamespace('cron') IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = 'pg_cron is not installed in this database',
      DETAIL = format('Database %s has no schema cron.', current_database()),
      HINT = format('In the database of cron.database_name run: SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                    'scsm-maintenance-' || current_database(), schedule,
                    'CALL scsm.run_maintenance()', current_database());
  END IF;
  EXECUTE 'SELECT cron.schedule($1, $2, $3)'
     INTO v_job
    USING 'scsm-maintenance', schedule, 'CALL scsm.run_maintenance()';
  RETURN v_job;
END
$$;
COMMENT ON FUNCTION scsm.schedule_maintenance(text) IS
  'Register CALL scsm.run_maintenance() with pg_cron (job scsm-maintenance) when pg_cron is in this database; returns the job id';
REVOKE ALL ON FUNCTION scsm.schedule_maintenance(text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Digest, verification, proofs
-- ---------------------------------------------------------------------------

CREATE FUNCTION scsm.ledger_digest() RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
           'format', 1,
           'database', current_database(),
           'block', coalesce(b.block_id, 0),
           'hash', encode(coalesce(b.block_hash, decode(repeat('00', 32), 'hex')), 'hex'),
           'time', to_char(b.sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'leaves', coalesce(b.leaf_count, 0))
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT * FROM scsm.ledger_block ORDER BY block_id DESC LIMIT 1) AS b ON true
$$;
COMMENT ON FUNCTION scsm.ledger_digest() IS
  'Digest of the ledger: last sealed block, its hash and time; store it outside the database (tools/anchor_digest.sh)';

-- The block a ledger digest names, once its shape is checked: a JSON object
-- with a whole, non-negative "block" and a string "hash", as
-- scsm.ledger_digest() returns; 22023 otherwise (verify_ledger, ledger_proof).
CREATE FUNCTION scsm.ledger_digest_block(digest jsonb) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(digest) IS DISTINCT FROM 'object'
     OR jsonb_typeof(digest -> 'block') IS DISTINCT FROM 'number'
     OR jsonb_typeof(digest -> 'hash') IS DISTINCT FROM 'string'
     OR NOT ((digest ->> 'block')::numeric BETWEEN 0 AND 9223372036854775807)
     OR (digest ->> 'block')::numeric <> trunc((digest ->> 'block')::numeric) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'invalid ledger digest',
      DETAIL = 'A digest is a JSON object with a whole, non-negative "block" and a hex "hash", as scsm.ledger_digest() returns.';
  END IF;
  RETURN (digest ->> 'block')::bigint;
END
$$;

CREATE FUNCTION scsm.verify_ledger(digest jsonb DEFAULT NULL, incremental boolean DEFAULT false)
  RETURNS TABLE (table_name text, row_key text, kind text, detail text)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  SET work_mem = '128MB'   -- one sort and one hash of the entries of a table
AS $$
DECLARE
  v_from   bigint := 0;
  v_dblock bigint;
  v_dhash  text;
  v_prev   bytea;
  v_expect bigint;
  b        record;
  t        record;
  v_rel    regclass;
  v_name   text;
  v_hist   regclass;
  v_q      text;
  v_dups   text[];
  v_rels   regclass[];
  v_ids    integer[];
  v_found  jsonb;
BEGIN
  IF digest IS NOT NULL THEN
    v_dblock := scsm.ledger_digest_block(digest);
    v_dhash := lower(digest ->> 'hash');
    IF v_dblock > 0 THEN
      IF NOT EXISTS (SELECT 1 FROM scsm.ledger_block k WHERE k.block_id = v_dblock) THEN
        table_name := NULL; row_key := NULL; kind := 'digest_mismatch';
        detail := format('block %s of the digest is not in the ledger (ledger truncated, or an older copy restored)', v_dblock);
        RETURN NEXT;
      ELSIF (SELECT encode(k.block_hash, 'hex') FROM scsm.ledger_block k WHERE k.block_id = v_dblock) <> v_dhash THEN
        table_name := NULL; row_key := NULL; kind := 'digest_mismatch';
        detail := format('block %s has hash %s, the digest says %s', v_dblock,
                         (SELECT encode(k.block_hash, 'hex') FROM scsm.ledger_block k WHERE k.block_id = v_dblock), v_dhash);
        RETURN NEXT;
      END IF;
      IF incremental THEN
        v_from := v_dblock;
      END IF;
    END IF;
  END IF;

  -- 1. the chain of blocks and the Merkle root of each block's entries
  IF v_from > 0 THEN
    SELECT k.prev_hash INTO v_prev FROM scsm.ledger_block k WHERE k.block_id = v_from;
    v_expect := v_from;
  ELSE
    v_prev := decode(repeat('00', 32), 'hex');
    v_expect := 1;
  END IF;
  -- Both passes in C, over one scan of scsm.ledger_row (src/ledger_verify.c):
  -- per block from v_from on, its entries, leaf numbers, Merkle root in leaf
  -- order and whether leaf order is entry order; and, on full runs, the
  -- current rows of the tables the caller reads without row-level security
  -- against their entries, one scan of each table (parallel workers share
  -- it when the tables are large).  The other tables go through the SQL
  -- passes below.
  v_ids := '{}';
  v_rels := '{}';
  IF NOT incremental OR digest IS NULL THEN
    SELECT coalesce(array_agg(d.rel ORDER BY d.table_id), '{}'), coalesce(array_agg(d.table_id ORDER BY d.table_id), '{}')
      INTO v_rels, v_ids
      FROM (SELECT lt.table_id, to_regclass(format('%I.%I', lt.schema_name, lt.table_name)) AS rel
              FROM scsm.ledger_table lt
             WHERE lt.mode IN ('append_only', 'versioned', 'certificate')) d
     WHERE d.rel IS NOT NULL AND scsm.ledger_verify_direct_ok(d.rel);
  END IF;
  -- v_found: {"blocks": [...], "rows": [...]}
  SELECT jsonb_build_object(
           'blocks', coalesce(jsonb_agg(jsonb_build_array(f.block_id, f.n, f.lo, f.hi, f.nd, encode(f.root_leaf, 'hex'), f.in_order) ORDER BY f.ord)
                               FILTER (WHERE f.block_id IS NOT NULL), '[]'),
           'rows', coalesce(jsonb_agg(jsonb_build_array(f.table_id, f.row_key, f.kind, f.detail) ORDER BY f.ord)
                             FILTER (WHERE f.block_id IS NULL), '[]'))
    INTO v_found
    FROM scsm.ledger_verify_scan(v_from, v_rels, v_ids)
           WITH ORDINALITY AS f (block_id, n, lo, hi, nd, root_leaf, in_order, table_id, row_key, kind, detail, ord);
  FOR b IN
    WITH leaves AS (
      SELECT (e ->> 0)::bigint AS block_id, (e ->> 1)::bigint AS n, (e ->> 2)::int AS lo,
             (e ->> 3)::int AS hi, (e ->> 4)::bigint AS nd, decode(e ->> 5, 'hex') AS root_leaf,
             (e ->> 6)::boolean AS in_order
        FROM jsonb_array_elements(v_found -> 'blocks') e)
    SELECT coalesce(k.block_id, l.block_id) AS block_id, k.block_id IS NOT NULL AS has_block,
           k.prev_hash, k.merkle_root, k.leaf_count, k.sealed_at, k.block_hash, l.*
      FROM (SELECT * FROM scsm.ledger_block WHERE block_id >= v_from) k
      FULL JOIN leaves l ON l.block_id = k.block_id
     ORDER BY 1
  LOOP
    table_name := NULL; row_key := NULL;
    IF NOT b.has_block THEN
      kind := 'block_mismatch';
      detail := format('%s entries are sealed in block %s, which does not exist', b.n, b.block_id);
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF b.block_id <> v_expect THEN
      kind := 'block_mismatch';
      detail := format('blocks %s to %s are missing from the chain', v_expect, b.block_id - 1);
      RETURN NEXT;
    ELSIF b.prev_hash <> v_prev THEN
      kind := 'block_mismatch';
      detail := format('block %s does not chain to the block before it', b.block_id);
      RETURN NEXT;
    END IF;
    IF b.n IS NULL THEN
      kind := 'block_mismatch';
      detail := format('block %s has no entries left (it sealed %s)', b.block_id, b.leaf_count);
      RETURN NEXT;
    ELSIF b.n <> b.leaf_count OR b.lo <> 0 OR b.hi <> b.n - 1 OR b.nd <> b.n THEN
      kind := 'block_mismatch';
      detail := format('block %s sealed %s entries, the ledger now holds %s (leaf numbers %s to %s)',
                       b.block_id, b.leaf_count, b.n, b.lo, b.hi);
      RETURN NEXT;
    ELSIF b.root_leaf <> b.merkle_root THEN
      IF NOT b.in_order AND b.merkle_root =
           (SELECT scsm.merkle_root(array_agg(r.row_hash ORDER BY r.entry_id))
              FROM scsm.ledger_row r WHERE r.block_id = b.block_id) THEN
        kind := 'reordered';
        detail := format('entries of block %s were renumbered; in entry order they still match the sealed root', b.block_id);
      ELSE
        kind := 'block_mismatch';
        detail := format('Merkle root of the entries of block %s differs from the sealed root (an entry or its hash was altered)', b.block_id);
      END IF;
      RETURN NEXT;
    ELSIF NOT b.in_order THEN
      kind := 'reordered';
      detail := format('leaf order of block %s differs from entry order', b.block_id);
      RETURN NEXT;
    END IF;
    IF b.block_hash <> scsm.block_hash(b.block_id, b.prev_hash, b.merkle_root, b.leaf_count, b.sealed_at) THEN
      kind := 'block_mismatch';
      detail := format('hash of block %s does not match its header', b.block_id);
      RETURN NEXT;
    END IF;
    v_prev := b.block_hash;
    v_expect := b.block_id + 1;
  END LOOP;

  -- 2. every protected table against its ledger entries: the tables done in
  -- C above report what the scan found; the others are checked in SQL
  FOR t IN SELECT lt.* FROM scsm.ledger_table lt
            WHERE lt.mode IN ('append_only', 'versioned', 'certificate')
            ORDER BY lt.table_id
  LOOP
    v_name := format('%I.%I', t.schema_name, t.table_name);
    v_rel := to_regclass(v_name);
    IF v_rel IS NULL THEN
      table_name := v_name; row_key := NULL; kind := 'missing';
      detail := 'the protected table no longer exists';
      RETURN NEXT;
      CONTINUE;
    END IF;
    v_dups := NULL;
    IF t.table_id = ANY (v_ids) THEN
      -- done in C above; keys with several entries came back as 'dup'
      v_dups := '{}';
      FOR row_key, kind, detail IN
        SELECT f ->> 1, f ->> 2, f ->> 3 FROM jsonb_array_elements(v_found -> 'rows') f
         WHERE (f ->> 0)::int = t.table_id
      LOOP
        IF kind = 'dup' THEN
          v_dups := v_dups || row_key;
        ELSE
          table_name := v_name;
          RETURN NEXT;
        END IF;
      END LOOP;
      v_q := NULL;
    ELSIF NOT incremental OR digest IS NULL THEN
      -- full, in SQL (row-level security applies to the caller): current
      -- rows vs the latest entry of each key.  The latest entry
      -- is the max of (version || entry_id || hash) as big-endian bytes in hex
      -- under the C collation: a hash aggregate, no sort of all entries
      v_q := format($q$
        WITH cur AS (
          SELECT scsm.row_key(%1$L::regclass, t.*) AS k, scsm.row_hash(%1$L::regclass, t.*) AS h
            FROM ONLY %2$s t),
        agg AS (
          SELECT l.row_key AS k,
                 decode(max(encode(int4send(l.version) || int8send(l.entry_id) || l.row_hash, 'hex') COLLATE "C"), 'hex') AS m
            FROM scsm.ledger_entry l WHERE l.table_id = %3$s
           GROUP BY l.row_key),
        led AS (
          SELECT agg.k, substring(agg.m FROM 13) AS h,
                 ('x' || encode(substring(agg.m FROM 5 FOR 8), 'hex'))::bit(64)::bigint AS entry_id,
                 ('x' || encode(substring(agg.m FROM 1 FOR 4), 'hex'))::bit(32)::int AS version
            FROM agg)
        SELECT coalesce(cur.k, led.k) AS k,
               CASE WHEN cur.k IS NULL THEN 'missing'
                    WHEN led.k IS NULL THEN 'unaccounted'
                    ELSE 'modified' END AS kind,
               CASE WHEN cur.k IS NULL THEN format('entry %%s (version %%s) has no row and no disposal certificate', led.entry_id, led.version)
                    WHEN led.k IS NULL THEN format('row hash %%s has no ledger entry', encode(cur.h, 'hex'))
                    ELSE format('row hash %%s, ledger entry %%s (version %%s) says %%s',
                                encode(cur.h, 'hex'), led.entry_id, led.version, encode(led.h, 'hex')) END AS detail
          FROM cur FULL JOIN led ON cur.k = led.k
          -- certificates are lines of batch rows: joined as a set, not looked up per key
          LEFT JOIN (SELECT DISTINCT c.row_key AS k, c.row_hash AS h FROM scsm.disposal_certificate c
                      WHERE c.schema_name = %4$L AND c.table_name = %5$L) cert
                 ON cur.k IS NULL AND cert.k = led.k AND cert.h = led.h
         WHERE cur.h IS DISTINCT FROM led.h
           AND cert.k IS NULL
         ORDER BY 1$q$, v_rel::oid, v_rel, t.table_id, t.schema_name, t.table_name);
    ELSE
      -- incremental: only keys with entries after the digest's block, by key lookup
      v_q := format($q$
        WITH led AS (
          SELECT DISTINCT ON (l.row_key) l.row_key AS k, l.row_hash AS h, l.entry_id, l.version
            FROM scsm.ledger_entry l
           WHERE l.table_id = %3$s
             AND l.row_key IN (SELECT n.row_key FROM scsm.ledger_entry n
                                WHERE n.table_id = %3$s AND (n.block_id IS NULL OR n.block_id > %6$s))
           ORDER BY l.row_key, l.version DESC, l.entry_id DESC)
        SELECT led.k,
               CASE WHEN cur.h IS NULL THEN 'missing' ELSE 'modified' END,
               CASE WHEN cur.h IS NULL THEN format('entry %%s (version %%s) has no row and no disposal certificate', led.entry_id, led.version)
                    ELSE format('row hash %%s, ledger entry %%s (version %%s) says %%s',
                                encode(cur.h, 'hex'), led.entry_id, led.version, encode(led.h, 'hex')) END
          FROM led
          LEFT JOIN LATERAL (SELECT scsm.row_hash(%1$L::regclass, t.*) AS h FROM ONLY %2$s t
                              WHERE %7$s) cur ON true
          LEFT JOIN (SELECT DISTINCT c.row_key AS k, c.row_hash AS h FROM scsm.disposal_certificate c
                      WHERE c.schema_name = %4$L AND c.table_name = %5$L) cert
                 ON cur.h IS NULL AND cert.k = led.k AND cert.h = led.h
         WHERE cur.h IS DISTINCT FROM led.h
           AND cert.k IS NULL
         ORDER BY 1$q$, v_rel::oid, v_rel, t.table_id, t.schema_name, t.table_name,
                  v_from, scsm.ledger_key_condition(v_rel, 't', 'led.k'));
    END IF;
    IF v_q IS NOT NULL THEN
      FOR row_key, kind, detail IN EXECUTE v_q LOOP
        table_name := v_name;
        RETURN NEXT;
      END LOOP;
    END IF;

    -- entries replaced by a later entry of the same key: in an append-only
    -- table that means the original row was deleted and the key reused
    -- (the duplicated keys are collected first, in one pass: as a semi-join,
    -- with statistics that predate a bulk load or disposal, the planner may
    -- re-run the grouping for every entry -- minutes for 20k rows)
    IF t.mode NOT IN ('append_only', 'certificate') THEN
      v_dups := '{}';
    ELSIF v_dups IS NULL THEN
      v_dups := ARRAY(SELECT d.row_key FROM scsm.ledger_entry d
                       WHERE d.table_id = t.table_id
                       GROUP BY d.row_key HAVING count(*) > 1);
    END IF;
    IF cardinality(v_dups) > 0 THEN
      FOR row_key, kind, detail IN
        SELECT s.row_key, 'missing',
               format('entry %s (version %s) was replaced by a later entry of the same key', s.entry_id, s.version)
          FROM (SELECT l.*, row_number() OVER (PARTITION BY l.row_key ORDER BY l.version DESC, l.entry_id DESC) AS rn
                  FROM scsm.ledger_entry l WHERE l.table_id = t.table_id
                   AND l.row_key = ANY (v_dups)
                   AND (NOT incremental OR digest IS NULL OR l.block_id IS NULL OR l.block_id > v_from)) s
         WHERE s.rn > 1
           AND NOT EXISTS (SELECT 1 FROM scsm.disposal_certificate c
                            WHERE c.schema_name = t.schema_name AND c.table_name = t.table_name
                              AND c.row_key = s.row_key AND c.row_hash = s.row_hash)
         ORDER BY s.row_key, s.entry_id
      LOOP
        table_name := v_name;
        RETURN NEXT;
      END LOOP;
    END IF;

    -- versioned: the history table holds every earlier version
    IF t.mode = 'versioned' AND (NOT incremental OR digest IS NULL) THEN
      v_hist := to_regclass(format('%I.%I', t.schema_name, t.history_table));
      IF v_hist IS NULL THEN
        table_name := format('%I.%I', t.schema_name, t.history_table); row_key := NULL; kind := 'missing';
        detail := 'the history table no longer exists';
        RETURN NEXT;
        CONTINUE;
      END IF;
      v_q := format($q$
        WITH hist AS (
          SELECT scsm.row_key(%1$L::regclass, h.*) AS k, h.scsm_version AS v,
                 scsm.row_hash(%1$L::regclass, h.*) AS hh
            FROM ONLY %2$s h),
        led AS (
          SELECT l.row_key AS k, l.version AS v, l.row_hash AS h, l.entry_id
            FROM scsm.ledger_row l
           WHERE l.table_id = %3$s
             AND l.version < (SELECT max(m.version) FROM scsm.ledger_row m
                               WHERE m.table_id = l.table_id AND m.row_key = l.row_key))
        SELECT coalesce(hist.k, led.k),
               CASE WHEN hist.k IS NULL THEN 'missing' WHEN led.k IS NULL THEN 'unaccounted' ELSE 'modified' END,
               CASE WHEN hist.k IS NULL THEN format('version %%s (entry %%s) is missing from the history table', led.v, led.entry_id)
                    WHEN led.k IS NULL THEN format('history row version %%s has no ledger entry', hist.v)
                    ELSE format('history row version %%s has hash %%s, ledger entry %%s says %%s',
                                hist.v, encode(hist.hh, 'hex'), led.entry_id, encode(led.h, 'hex')) END
          FROM hist FULL JOIN led ON hist.k = led.k AND hist.v = led.v
          LEFT JOIN (SELECT DISTINCT c.row_key AS k, c.version AS v, c.row_hash AS h FROM scsm.disposal_certificate c
                      WHERE c.schema_name = %4$L AND c.table_name = %5$L) cert
                 ON hist.k IS NULL AND cert.k = led.k AND cert.v = led.v AND cert.h = led.h
         WHERE hist.hh IS DISTINCT FROM led.h
           AND cert.k IS NULL
         ORDER BY 1$q$, v_rel::oid, v_hist, t.table_id, t.schema_name, t.table_name);
      FOR row_key, kind, detail IN EXECUTE v_q LOOP
        table_name := format('%I.%I', t.schema_name, t.history_table);
        RETURN NEXT;
      END LOOP;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION scsm.verify_ledger(jsonb, boolean) IS
  'Verify the ledger (against a digest taken earlier, if given): one row per discrepancy (modified, missing, unaccounted, reordered, block_mismatch, digest_mismatch), none when clean';

CREATE FUNCTION scsm.ledger_verify_direct_ok(tbl regclass) RETURNS boolean
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'scsm_ledger_verify_direct_ok';
COMMENT ON FUNCTION scsm.ledger_verify_direct_ok(regclass) IS
  'Whether verify_ledger may scan the table directly for the current user (heap table, no row-level security applies)';
CREATE FUNCTION scsm.ledger_verify_scan(from_block bigint, tbls regclass[], table_ids integer[])
  RETURNS TABLE (block_id bigint, n bigint, lo integer, hi integer, nd bigint, root_leaf bytea, in_order boolean,
                 table_id integer, row_key text, kind text, detail text)
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED
  AS 'MODULE_PATHNAME', 'scsm_ledger_verify_scan';
COMMENT ON FUNCTION scsm.ledger_verify_scan(bigint, regclass[], integer[]) IS
  'Both passes of verify_ledger in C over one scan of the entries: per sealed block from from_block on, its entry count, leaf numbers, Merkle root in leaf order and whether leaf order is entry order (block_id set); then the protected tables (with their table_ids): modified, unaccounted and missing rows, and keys with several entries (kind dup)';
REVOKE ALL ON FUNCTION scsm.ledger_verify_scan(bigint, regclass[], integer[]) FROM PUBLIC;

CREATE FUNCTION scsm.ledger_proof(tbl regclass, key jsonb, digest jsonb DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_nsp   text;
  v_rel   text;
  v_tid   integer;
  v_key   text;
  e       record;
  k       record;
  v_path  bytea[];
  v_upto  bigint;
  v_chain jsonb;
  v_enc   bytea;
BEGIN
  IF digest IS NOT NULL THEN
    v_upto := scsm.ledger_digest_block(digest);
  END IF;
  SELECT n.nspname, c.relname INTO v_nsp, v_rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  IF v_rel IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42P01',
      MESSAGE = format('relation with OID %s does not exist', tbl::oid),
      HINT = 'Name the table, e.g. ''public.incident''::regclass.';
  END IF;
  SELECT lt.table_id INTO v_tid FROM scsm.ledger_table lt
   WHERE lt.schema_name = v_nsp AND lt.table_name = v_rel AND lt.mode IN ('append_only', 'versioned', 'certificate');
  IF v_tid IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('table "%s" is not protected', v_rel),
      HINT = 'Protect it with scsm.protect().';
  END IF;
  v_key := scsm.canonical_key(tbl, key);
  SELECT * INTO e FROM scsm.ledger_entry l
   WHERE l.table_id = v_tid AND l.row_key = v_key
   ORDER BY l.version DESC, l.entry_id DESC LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('row %s of table "%s" has no ledger entry', v_key, v_rel);
  END IF;
  IF e.block_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('row %s of table "%s" is not sealed yet', v_key, v_rel),
      HINT = 'Wait for the sealer (scsm.seal_interval) or CALL scsm.run_maintenance().';
  END IF;
  SELECT * INTO k FROM scsm.ledger_block b WHERE b.block_id = e.block_id;
  v_path := scsm.merkle_path((SELECT array_agg(l.row_hash ORDER BY l.leaf_index)
                                FROM scsm.ledger_row l WHERE l.block_id = e.block_id),
                             e.leaf_index);
  IF digest IS NOT NULL THEN
    IF v_upto < e.block_id THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('the digest (block %s) predates block %s, which seals this row',
                         coalesce(v_upto::text, 'none'), e.block_id),
        HINT = 'Use a digest taken after the row was sealed.';
    END IF;
  ELSE
    SELECT max(b.block_id) INTO v_upto FROM scsm.ledger_block b;
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'block', b.block_id,
           'prev_hash', encode(b.prev_hash, 'hex'),
           'root', encode(b.merkle_root, 'hex'),
           'leaves', b.leaf_count,
           'time_us', (extract(epoch FROM b.sealed_at) * 1000000)::bigint,
           'hash', encode(b.block_hash, 'hex')) ORDER BY b.block_id), '[]'::jsonb)
    INTO v_chain
    FROM scsm.ledger_block b WHERE b.block_id > e.block_id AND b.block_id <= v_upto;
  EXECUTE format('SELECT scsm.row_encoding(%L::regclass, t.*) FROM ONLY %s t WHERE %s',
                 tbl::oid, tbl, scsm.ledger_key_condition(tbl, 't', '$1'))
     INTO v_enc USING v_key;
  RETURN jsonb_build_object(
    'format', 1,
    'table', format('%I.%I', v_nsp, v_rel),
    'key', v_key,
    'version', e.version,
    'entry', e.entry_id,
    'row_hash', encode(e.row_hash, 'hex'),
    'row_encoding', encode(v_enc, 'hex'),
    'leaf_index', e.leaf_index,
    'tree_size', k.leaf_count,
    'path', (SELECT coalesce(jsonb_agg(encode(p, 'hex') ORDER BY i), '[]'::jsonb)
               FROM unnest(v_path) WITH ORDINALITY AS u(p, i)),
    'block', jsonb_build_object(
       'block', k.block_id,
       'prev_hash', encode(k.prev_hash, 'hex'),
       'root', encode(k.merkle_root, 'hex'),
       'leaves', k.leaf_count,
       'time_us', (extract(epoch FROM k.sealed_at) * 1000000)::bigint,
       'hash', encode(k.block_hash, 'hex')),
    'chain', v_chain);
END
$$;
COMMENT ON FUNCTION scsm.ledger_proof(regclass, jsonb, jsonb) IS
  'Inclusion proof of the latest version of one row: row hash, RFC 9162 path, block header and the chain up to the digest; check it with tools/verify_proof.py';
