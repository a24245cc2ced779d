
-- ===========================================================================
-- Retention (ISO 28000 4.5.4, 4.4.5 e, 4.5.1 e): retention classes as data,
-- their assignment to protected tables, retain_until fixed in the write path
-- (src/retention.c, called by the ledger row trigger), legal holds, approved
-- exceptions, disposal review, disposal in batches with certificates, events.
-- docs/retention.md is the user documentation.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Events: every retention event is a row here and a NOTIFY on scsm_events.
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.event_log (
    event_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    event        text NOT NULL,
    schema_name  text,
    table_name   text,
    count        bigint,
    detail       jsonb,
    by_role      text NOT NULL DEFAULT session_user
);
CREATE INDEX event_log_event_idx ON scsm.event_log (event, at);
COMMENT ON TABLE scsm.event_log IS
  'Events of the periodic work (disposed, blocked_by_hold, awaiting_approval, disposal_failed, ...), also sent on NOTIFY scsm_events';
SELECT pg_catalog.pg_extension_config_dump('scsm.event_log', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.event_log_event_id_seq', '');
REVOKE ALL ON scsm.event_log FROM PUBLIC;

-- Runs as the owner so that any step may record an event; it only appends.
CREATE FUNCTION scsm.log_event(event text, tbl regclass, count bigint, detail jsonb DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_nsp text;
  v_rel text;
BEGIN
  IF tbl IS NOT NULL THEN
    SELECT n.nspname, c.relname INTO v_nsp, v_rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  END IF;
  INSERT INTO scsm.event_log (event, schema_name, table_name, count, detail)
  VALUES (event, v_nsp, v_rel, count, detail);
  PERFORM pg_notify('scsm_events',
                    jsonb_build_object('event', event, 'table',
                                       CASE WHEN v_rel IS NULL THEN NULL ELSE format('%I.%I', v_nsp, v_rel) END,
                                       'count', count, 'detail', detail)::text);
END
$$;
COMMENT ON FUNCTION scsm.log_event(text, regclass, bigint, jsonb) IS
  'Append an event to scsm.event_log and send it on NOTIFY scsm_events (JSON: event, table, count, detail)';
REVOKE ALL ON FUNCTION scsm.log_event(text, regclass, bigint, jsonb) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- C functions
-- ---------------------------------------------------------------------------
CREATE FUNCTION scsm.retention_now() RETURNS timestamptz
  AS 'MODULE_PATHNAME', 'scsm_retention_now'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.retention_now() IS
  'Current time for retention: transaction start, or scsm.retention_clock when a superuser set that test clock';

CREATE FUNCTION scsm.retention_config_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_retention_config_changed'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_config_changed() IS
  'Statement trigger of retention_class and retention_assignment: every backend drops its cached assignment rules';

CREATE FUNCTION scsm.retention_guard() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_retention_guard'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_guard() IS
  'Row trigger of scsm.ledger_row: a written retention stamp may be lengthened, never shortened (SQLSTATE 55000)';

CREATE FUNCTION scsm.retention_apply_exception() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_retention_apply_exception'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_apply_exception() IS
  'Row trigger of scsm.retention_exception: an approved exception lowers retain_until of the records it covers';

CREATE FUNCTION scsm.retention_dispose_batch(tbl regclass, batch_size integer, run bigint DEFAULT 0)
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'scsm_retention_dispose_batch'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_dispose_batch(regclass, integer, bigint) IS
  'Dispose of up to batch_size due, unheld, approved rows of one protected table, with certificates; returns the count.  run: of scsm.retention_run_begin(), 0 for none';
REVOKE ALL ON FUNCTION scsm.retention_dispose_batch(regclass, integer, bigint) FROM PUBLIC;

-- A run of scsm.dispose_all_expired: within it, the batches of a table know
-- which of its due entries they have read, so that a table whose due entries
-- have all been read is not probed again (a probe steps over every entry
-- disposed of since the queue's last vacuum).
CREATE FUNCTION scsm.retention_run_begin() RETURNS bigint
  AS 'MODULE_PATHNAME', 'scsm_retention_run_begin'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_run_begin() IS
  'A new disposal run id for this session (scsm.dispose_all_expired)';
REVOKE ALL ON FUNCTION scsm.retention_run_begin() FROM PUBLIC;

CREATE FUNCTION scsm.retention_drained(table_id integer, run bigint) RETURNS boolean
  AS 'MODULE_PATHNAME', 'scsm_retention_drained'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_drained(integer, bigint) IS
  'Did a batch of this disposal run read all due entries of the table (nothing more of it can go in this run)?  False when not known';
REVOKE ALL ON FUNCTION scsm.retention_drained(integer, bigint) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The ledger carries each row version's retention stamp (written by the
-- ledger row trigger in the same insert), and certificates say under which
-- class, date and approval a row went.  Entries still waiting for disposal
-- are listed in scsm.retention_due, the due queue.
-- ---------------------------------------------------------------------------

-- The due queue: one narrow row per ledger entry that has a retain_until and
-- has not been disposed of (for a versioned table, the latest version of a
-- key only).  The ledger's write path (C, ledger_store.c) inserts it with the
-- entry, disposal deletes it, and a change of the entry's retain_until moves
-- it (trigger below).  The stamp itself stays in scsm.ledger_row for good.
-- It carries what the candidate list needs (key, version, hash, class), so
-- disposal never reads ledger_row.  Created before the stamp columns of
-- ledger_row: their ALTER makes every backend reload the ledger's table list.
CREATE TABLE scsm.retention_due (
    table_id      integer NOT NULL,
    retain_until  timestamptz NOT NULL,
    entry_id      bigint NOT NULL,
    row_key       text COLLATE "C" NOT NULL,
    version       integer NOT NULL,
    row_hash      bytea NOT NULL,
    class_id      integer NOT NULL,
    row_tid       tid
);
-- the one index: walked in retain_until order per table, and finds an
-- entry's row by its table, retain_until and entry_id.  Many entries share a
-- retain_until (a date): with the entry id in the key, a disposal batch
-- starts after the last entry the one before it read (retention.c, the mark)
-- instead of stepping again over every entry of that date disposed of since
-- the queue's last vacuum, which made a million records of one date cost
-- quadratic time.
CREATE INDEX retention_due_idx ON scsm.retention_due (table_id, retain_until, entry_id);
COMMENT ON COLUMN scsm.retention_due.row_tid IS
  'Where the row was written (a hint: disposal reads the row there and checks its hash, else finds it by key)';
COMMENT ON TABLE scsm.retention_due IS
  'Due queue of retention: ledger entries with a retain_until that have not been disposed of (latest version per key), copied from scsm.ledger_row, where the stamp stays; written only by scsm';
REVOKE ALL ON scsm.retention_due FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_due', '');

-- The write path and disposal write the queue directly from C (no trigger
-- fires).  Any row written through SQL otherwise, by anyone, must be an
-- exact copy of its ledger entry's stamp, key, version, hash and class, so
-- no UPDATE or INSERT can make a record due before its stamp says (55000).
-- Removing a row only keeps its record longer.  pg_restore (restore mode)
-- loads the dumped queue as it was.
CREATE FUNCTION scsm.retention_due_guard() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_retention_due_guard'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_due_guard() IS
  'Trigger: a row of the due queue written through SQL must copy its ledger entry''s stamp exactly (SQLSTATE 55000)';
REVOKE ALL ON FUNCTION scsm.retention_due_guard() FROM PUBLIC;
CREATE TRIGGER retention_due_guard BEFORE INSERT OR UPDATE ON scsm.retention_due
  FOR EACH ROW EXECUTE FUNCTION scsm.retention_due_guard();
ALTER TABLE scsm.retention_due ENABLE ALWAYS TRIGGER retention_due_guard;

ALTER TABLE scsm.ledger_row
  ADD COLUMN retention_class integer,
  ADD COLUMN retention_basis timestamptz,
  ADD COLUMN retain_until timestamptz;
COMMENT ON COLUMN scsm.ledger_row.retain_until IS
  'Earliest time the row version may be disposed of (fixed when written, only ever lengthened or lowered by an approved exception, kept after disposal); NULL: kept (no class, or period not started)';
COMMENT ON COLUMN scsm.ledger_row.retention_basis IS
  'Start of the retention period: record date, write time or the time the event happened';
COMMENT ON COLUMN scsm.ledger_row.retention_class IS 'Retention class (scsm.retention_class) the row was written under';

CREATE TRIGGER scsm_retention_guard BEFORE UPDATE OF retain_until, retention_basis, retention_class
  ON scsm.ledger_row FOR EACH ROW EXECUTE FUNCTION scsm.retention_guard();
ALTER TABLE scsm.ledger_row ENABLE ALWAYS TRIGGER scsm_retention_guard;

-- Whoever changes a written retain_until (a superuser's UPDATE, say), the
-- entry's row in the due queue follows, so the queue never says a record is
-- due before its stamp does.  An entry without a queue row (disposed, or an
-- earlier version) keeps none.  A lengthened class and an approved exception
-- (scsm.retention_restamp, C) move the queue themselves, in one statement.
CREATE FUNCTION scsm.retention_due_follow() RETURNS trigger
  AS 'MODULE_PATHNAME', 'scsm_retention_due_follow'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_due_follow() IS
  'Trigger: a changed retain_until of a ledger entry moves its row in the due queue scsm.retention_due';
REVOKE ALL ON FUNCTION scsm.retention_due_follow() FROM PUBLIC;
CREATE TRIGGER scsm_retention_due_follow AFTER UPDATE OF retain_until ON scsm.ledger_row
  FOR EACH ROW WHEN (OLD.retain_until IS DISTINCT FROM NEW.retain_until)
  EXECUTE FUNCTION scsm.retention_due_follow();
ALTER TABLE scsm.ledger_row ENABLE ALWAYS TRIGGER scsm_retention_due_follow;

CREATE FUNCTION scsm.retention_restamp(class_id integer, period interval) RETURNS bigint
  AS 'MODULE_PATHNAME', 'scsm_retention_restamp'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.retention_restamp(integer, interval) IS
  'Internal: raise retain_until of the records of a lengthened class still waiting for disposal to basis + period, and their due queue rows; returns how many';
REVOKE ALL ON FUNCTION scsm.retention_restamp(integer, interval) FROM PUBLIC;

-- Runs as the owner: it rewrites the due queue from the stamps in the
-- ledger, for a database whose queue was lost (say, a restore of some tables
-- only).  Every row it writes passes the queue's guard.
CREATE FUNCTION scsm.retention_due_rebuild() RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  -- the write path and disposal wait meanwhile
  LOCK TABLE scsm.retention_due IN EXCLUSIVE MODE;
  DELETE FROM scsm.retention_due;
  -- the latest version of each key, stamped with a retain_until, without a
  -- certificate (row_tid unknown: disposal finds the row by key)
  INSERT INTO scsm.retention_due (table_id, retain_until, entry_id, row_key, version, row_hash, class_id)
  SELECT l.table_id, l.retain_until, l.entry_id, l.row_key, l.version, l.row_hash, l.retention_class
    FROM (SELECT DISTINCT ON (r.table_id, r.row_key) r.*
            FROM scsm.ledger_row r
           ORDER BY r.table_id, r.row_key, r.version DESC, r.entry_id DESC) l
    LEFT JOIN (SELECT DISTINCT pg_catalog.unnest(b.entry_ids) AS entry_id FROM scsm.disposal_batch b) c
      ON c.entry_id = l.entry_id
   WHERE l.retain_until IS NOT NULL AND l.retention_class IS NOT NULL AND c.entry_id IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.retention_due_rebuild() IS
  'Rewrite the due queue scsm.retention_due from the retention stamps in scsm.ledger_row (latest version of each key, not disposed of); returns how many rows it holds';
REVOKE ALL ON FUNCTION scsm.retention_due_rebuild() FROM PUBLIC;

-- (the certificates' class, retain_until, action and approval columns are
-- in scsm.disposal_batch, 70_ledger.sql)

-- ---------------------------------------------------------------------------
-- Who may approve disposals, exceptions and legal holds.
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.retention_approver (
    approver_id  integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id       bigint REFERENCES scsm.organization (org_id),
    role_name    name NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE NULLS NOT DISTINCT (org_id, role_name)
);
COMMENT ON TABLE scsm.retention_approver IS
  'Roles (and their members) that may approve disposals and retention exceptions and place or release legal holds, for one organization or (org_id NULL) all';
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_approver', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_approver_approver_id_seq', '');

-- May the role approve for the organization?  Asked by the rule triggers
-- (running as the writer, about current_user) through
-- scsm.may_approve_retention, which answers only about a role the caller can
-- act as (src/retention_access.c) and runs this as the ledger owner: it
-- reads memberships whatever the caller may see.  Nobody else executes it.
CREATE FUNCTION scsm.may_approve_retention_check(p_org bigint, p_role name) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = p_role), false)
      -- the scsm_admin group role (sql/install/95_access.sql), where it exists
      OR (to_regrole('scsm_admin') IS NOT NULL AND pg_has_role(p_role, 'scsm_admin', 'MEMBER'))
      OR EXISTS (SELECT 1 FROM scsm.retention_approver a
                  WHERE (a.org_id IS NULL OR a.org_id = p_org)
                    AND to_regrole(a.role_name) IS NOT NULL
                    AND pg_has_role(p_role, a.role_name, 'MEMBER'))
      OR (p_org IS NOT NULL AND EXISTS (
            SELECT 1 FROM scsm.member m
             WHERE m.org_id = p_org AND m.is_org_admin
               AND to_regrole(m.role_name) IS NOT NULL
               AND pg_has_role(p_role, m.role_name, 'MEMBER')))
$$;
REVOKE ALL ON FUNCTION scsm.may_approve_retention_check(bigint, name) FROM PUBLIC;
CREATE FUNCTION scsm.may_approve_retention(p_org bigint, p_role name) RETURNS boolean
  AS 'MODULE_PATHNAME', 'scsm_may_approve_retention'
  LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION scsm.may_approve_retention(bigint, name) IS
  'May the role approve disposals and exceptions and place or release holds for the organization (superuser, scsm_admin, scsm.retention_approver, or org admin)?  Only about a role the caller can act as (42501 otherwise), unless the caller is a superuser or scsm_admin';

-- ---------------------------------------------------------------------------
-- Retention classes
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.retention_class (
    class_id          integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id            bigint REFERENCES scsm.organization (org_id),
    name              text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    description       text NOT NULL,
    period            interval NOT NULL CHECK (period > '0'::interval),
    basis             text NOT NULL CHECK (basis IN ('record_date', 'event')),
    basis_column      text,
    event_condition   jsonb CHECK (event_condition IS NULL OR jsonb_typeof(event_condition) = 'object'),
    action            text NOT NULL DEFAULT 'delete' CHECK (action IN ('delete', 'anonymise', 'archive')),
    anonymise_columns text[],
    needs_approval    boolean NOT NULL DEFAULT false,
    legal_id          bigint,
    locked            boolean NOT NULL DEFAULT false,
    builtin           boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE NULLS NOT DISTINCT (org_id, name),
    FOREIGN KEY (org_id, legal_id) REFERENCES scsm.legal_requirement (org_id, legal_id),
    CONSTRAINT legal_requirement_of_org CHECK (legal_id IS NULL OR org_id IS NOT NULL),
    CONSTRAINT basis_complete CHECK (
        (basis = 'record_date' AND event_condition IS NULL) OR
        (basis = 'event' AND (basis_column IS NULL) <> (event_condition IS NULL))),
    CONSTRAINT anonymise_names_columns CHECK (
        (action = 'anonymise') = (coalesce(cardinality(anonymise_columns), 0) > 0)),
    CONSTRAINT builtin_is_global CHECK (NOT builtin OR org_id IS NULL)
);
COMMENT ON TABLE scsm.retention_class IS
  'A retention class: how long records are kept (period from a basis), what disposal does, whether it needs approval, the legal requirement behind it (4.5.4, 4.3.2)';
COMMENT ON COLUMN scsm.retention_class.org_id IS 'NULL: a class every organization may use (the builtin defaults are such)';
COMMENT ON COLUMN scsm.retention_class.basis IS
  'record_date: from basis_column (a date or timestamp of the row) or, without one, from the time written; event: from basis_column (e.g. closed_on) or from the first version matching event_condition';
COMMENT ON COLUMN scsm.retention_class.event_condition IS 'Event as column = value pairs, e.g. {"status": "obsolete"}';
COMMENT ON COLUMN scsm.retention_class.locked IS 'A locked class can never be shortened, unlocked, or have its basis or action changed';
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_class', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_class_class_id_seq', '');

-- Is "to" shorter than "from" for any start date (months differ in length)?
CREATE FUNCTION scsm.retention_period_shorter(p_new interval, p_old interval) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_new < p_old OR EXISTS (
    SELECT 1 FROM unnest(ARRAY['2000-01-31', '2000-02-29', '2001-02-28', '2001-06-30', '2003-12-31']::timestamp[]) d
     WHERE d + p_new < d + p_old)
$$;
COMMENT ON FUNCTION scsm.retention_period_shorter(interval, interval) IS
  'True when the first period ends before the second from some start date';

CREATE FUNCTION scsm.tg_retention_class_rules() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.locked THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('retention class "%s" is locked', OLD.name),
        DETAIL = 'A locked class cannot be deleted.';
    END IF;
    IF EXISTS (SELECT 1 FROM scsm.ledger_row l WHERE l.retention_class = OLD.class_id) THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('retention class "%s" is in use', OLD.name),
        DETAIL = 'Records were written under this class.',
        HINT = 'Assign another class to the tables instead; the records keep theirs.';
    END IF;
    RETURN OLD;
  END IF;
  IF NEW.class_id <> OLD.class_id OR NEW.org_id IS DISTINCT FROM OLD.org_id OR NEW.builtin <> OLD.builtin THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('the identity of retention class "%s" cannot change', OLD.name);
  END IF;
  IF OLD.locked THEN
    IF NOT NEW.locked THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('retention class "%s" is locked', OLD.name),
        DETAIL = 'A locked class cannot be unlocked.';
    END IF;
    IF scsm.retention_period_shorter(NEW.period, OLD.period) THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('retention class "%s" is locked', OLD.name),
        DETAIL = format('Its period cannot be shortened from %s to %s.', OLD.period, NEW.period),
        HINT = 'A locked class may only be lengthened.';
    END IF;
    IF NEW.name <> OLD.name OR NEW.basis <> OLD.basis
       OR NEW.basis_column IS DISTINCT FROM OLD.basis_column
       OR NEW.event_condition IS DISTINCT FROM OLD.event_condition
       OR NEW.action <> OLD.action OR NEW.anonymise_columns IS DISTINCT FROM OLD.anonymise_columns
       OR (OLD.needs_approval AND NOT NEW.needs_approval) THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('retention class "%s" is locked', OLD.name),
        DETAIL = 'Only its period (longer), description, legal requirement and approval (on) may change.';
    END IF;
  END IF;
  -- switching approval off decides for the approvers: only one of them may
  IF OLD.needs_approval AND NOT NEW.needs_approval
     AND NOT scsm.may_approve_retention(NEW.org_id, current_user) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('role "%s" may not switch off approval for retention class "%s"', current_user, OLD.name),
      DETAIL = 'Its rows would go without the approval the class asked for.',
      HINT = 'Ask a role listed in scsm.retention_approver or an organization admin.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_retention_class_rules() IS
  'Trigger: locked classes can only be lengthened; classes in use cannot be deleted (SQLSTATE 55000); only an approver may switch approval off (42501)';

-- Runs as the owner: it writes scsm.ledger_row (scsm.retention_restamp), and
-- only ever raises retain_until of the records still waiting for disposal
-- (those in the due queue, whose rows move with them).  Disposed records
-- keep the stamp they went under.
CREATE FUNCTION scsm.tg_retention_class_lengthen() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF scsm.retention_period_shorter(OLD.period, NEW.period) THEN
    -- the class's lock ('scrc', class_id), exclusive: writers stamping rows
    -- under this class hold it in share mode until they commit
    -- (retention.c, LockClassForStamp), so this waits for them and then
    -- raises their entries too; later writers wait for this transaction and
    -- read the new period
    PERFORM pg_catalog.pg_advisory_xact_lock(1935897187, NEW.class_id);
    n := scsm.retention_restamp(NEW.class_id, NEW.period);
    PERFORM scsm.log_event('class_lengthened', NULL, n,
                           jsonb_build_object('class', NEW.name, 'from', OLD.period::text, 'to', NEW.period::text));
  ELSIF scsm.retention_period_shorter(NEW.period, OLD.period) THEN
    PERFORM scsm.log_event('class_shortened', NULL, 0,
                           jsonb_build_object('class', NEW.name, 'from', OLD.period::text, 'to', NEW.period::text,
                                              'applies_to', 'records written from now on'));
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION scsm.tg_retention_class_lengthen() IS
  'Trigger: a lengthened class raises retain_until of the records already written; a shortened one applies to new records only';
REVOKE ALL ON FUNCTION scsm.tg_retention_class_lengthen() FROM PUBLIC;

CREATE TRIGGER retention_class_rules BEFORE UPDATE OR DELETE ON scsm.retention_class
  FOR EACH ROW EXECUTE FUNCTION scsm.tg_retention_class_rules();
CREATE TRIGGER retention_class_lengthen AFTER UPDATE OF period ON scsm.retention_class
  FOR EACH ROW EXECUTE FUNCTION scsm.tg_retention_class_lengthen();
CREATE TRIGGER retention_class_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scsm.retention_class
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.retention_config_changed();
CREATE TRIGGER retention_class_no_truncate BEFORE TRUNCATE ON scsm.retention_class
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('-1', 'retention class');
ALTER TABLE scsm.retention_class ENABLE ALWAYS TRIGGER retention_class_rules;
ALTER TABLE scsm.retention_class ENABLE ALWAYS TRIGGER retention_class_lengthen;
ALTER TABLE scsm.retention_class ENABLE ALWAYS TRIGGER retention_class_changed;
ALTER TABLE scsm.retention_class ENABLE ALWAYS TRIGGER retention_class_no_truncate;

-- ---------------------------------------------------------------------------
-- Assignment of classes to protected tables, refined per row
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.retention_assignment (
    assignment_id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id        bigint REFERENCES scsm.organization (org_id),
    schema_name   text NOT NULL DEFAULT 'scsm',
    table_name    text NOT NULL,
    condition     jsonb CHECK (condition IS NULL OR (jsonb_typeof(condition) = 'object' AND condition <> '{}')),
    class_id      integer NOT NULL REFERENCES scsm.retention_class (class_id),
    priority      integer NOT NULL DEFAULT 100,
    builtin       boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT builtin_is_global CHECK (NOT builtin OR org_id IS NULL)
);
CREATE INDEX retention_assignment_table_idx ON scsm.retention_assignment (schema_name, table_name);
COMMENT ON TABLE scsm.retention_assignment IS
  'Which class a protected table''s rows get: per organization (org_id) or for all, optionally only rows matching condition (column = value pairs); the first match wins (organization rules first, then rules with a condition, then by priority)';
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_assignment', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_assignment_assignment_id_seq', '');

-- The JSON form in which conditions keep a value and against which legal
-- holds compare rows: to_jsonb under fixed settings.  to_jsonb writes a
-- timestamptz in the session's TimeZone, an interval in its IntervalStyle,
-- a range of dates or times by DateStyle, bytea by bytea_output, floats by
-- extra_float_digits and money by lc_monetary; a condition written under
-- one session's settings and compared under another's would miss its row,
-- and a held row would go.  The C side of holds (retention_hold.c) pins the
-- same list.
CREATE FUNCTION scsm.json_form(value anyelement) RETURNS jsonb
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  SET TimeZone = 'UTC'
  SET DateStyle = 'ISO, MDY'
  SET IntervalStyle = 'postgres'
  SET bytea_output = 'hex'
  SET extra_float_digits = 1
  SET lc_monetary = 'C'
AS $$ SELECT pg_catalog.to_jsonb(value) $$;
COMMENT ON FUNCTION scsm.json_form(anyelement) IS
  'to_jsonb of a value under fixed settings (search_path pg_catalog, TimeZone UTC, DateStyle ISO, IntervalStyle postgres, bytea_output hex, extra_float_digits 1, lc_monetary C): the form conditions keep values in, whatever the session''s settings';

-- The type a condition's value for a column is read as: the column's own,
-- or for a domain its base type (with the domain's typmod).  No domain
-- constraint runs: a domain's owner cannot make a hold's value unreadable
-- by adding a CHECK, and a value rows kept from before a NOT VALID
-- constraint can still be named.  NULL when the table has no such column.
CREATE FUNCTION scsm.condition_type(tbl regclass, col text) RETURNS text
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE d(typ, mod, depth) AS (
    SELECT a.atttypid, a.atttypmod, 0 FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT ty.typbasetype, ty.typtypmod, d.depth + 1
      FROM d JOIN pg_type ty ON ty.oid = d.typ AND ty.typtype = 'd')
  SELECT format_type(d.typ, d.mod) FROM d ORDER BY d.depth DESC LIMIT 1
$$;
COMMENT ON FUNCTION scsm.condition_type(regclass, text) IS
  'The type a condition value for a column is read as: the column''s type, a domain''s base type (no domain constraint runs); NULL when there is no such column';

-- A condition's value read as a column's type and written in
-- scsm.json_form's form, as the table's owner in a restricted security
-- context (their input functions and casts to json are their own code, never
-- run with the rights of whoever writes the condition, a superuser perhaps),
-- under the writer's own settings for reading.  For roles that may write
-- conditions (INSERT on legal_hold, retention_assignment or retention_class).
CREATE FUNCTION scsm.condition_json(tbl regclass, col text, value text) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'scsm_condition_json'
  LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.condition_json(regclass, text, text) IS
  'A condition value read as a column''s type (a domain''s base type) and given in scsm.json_form''s form, as the table''s owner (restricted); for writers of holds, classes and assignments';

-- Check that the names in a column = value condition exist and that the
-- values fit their types.  Each value is read as the one writing the
-- condition means it (their TimeZone, DateStyle) and kept in the fixed form
-- of scsm.json_form (scsm.condition_json, as the table's owner).
CREATE FUNCTION scsm.retention_check_condition(tbl regclass, cond jsonb, what text) RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k text;
  v jsonb;
  t text;
  r jsonb := '{}';
  typed jsonb;
BEGIN
  IF cond IS NULL THEN
    RETURN NULL;
  END IF;
  FOR k, v IN SELECT e.key, e.value FROM jsonb_each(cond) e LOOP
    t := scsm.condition_type(tbl, k);
    IF t IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('%s names column "%s", which table %s does not have', what, k, tbl);
    END IF;
    IF jsonb_typeof(v) NOT IN ('string', 'number', 'boolean') THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('%s: the value for column "%s" must be a JSON string, number or boolean', what, k);
    END IF;
    BEGIN
      typed := scsm.condition_json(tbl, k, v #>> '{}');
    EXCEPTION WHEN data_exception OR invalid_text_representation THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('%s: %s is not a valid %s for column "%s"', what, v, t, k);
    END;
    r := r || jsonb_build_object(k, typed);
  END LOOP;
  RETURN r;
END
$$;
COMMENT ON FUNCTION scsm.retention_check_condition(regclass, jsonb, text) IS
  'Validate a column = value condition against a table and return it with each value in its column''s JSON form';

-- A legal hold's condition as it applies to the rows of one table, for both
-- of disposal's paths (scsm.retention_candidates in SQL, retention_hold.c):
-- each string, number or boolean value read as the column's type and given
-- in scsm.json_form's form, so that a case hold, whose values no table
-- checked, holds {"incident_id": "7"} as it holds {"incident_id": 7} (read
-- under the same fixed settings: a time without an offset is UTC); org_id
-- left out where the table has no such column (an organisation's hold then
-- holds the table's matching rows, all of which it may see), so that it is
-- not silently void there; values are read as scsm.condition_type says (a
-- domain's base type); a value that type cannot read (7.0 for an integer)
-- stays as given, and may still equal a row's value as JSON.
-- NULL when the condition names another column the table lacks: no row of
-- the table can contain it.  PARALLEL UNSAFE: its exception block is a
-- subtransaction.
CREATE FUNCTION scsm.hold_condition_for(tbl regclass, cond jsonb) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'scsm_hold_condition_for'
  LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
-- Its work, run by it as the table's owner in a restricted security context:
-- reading a value as the column's type and writing it as JSON may call the
-- owner's own code (a cast to json of their enum, a CHECK of a domain inside
-- their composite type), which must never run with the rights of the
-- superuser who disposes.  So it names nothing in schema scsm (the owner may
-- have no use of it): the type is found as scsm.condition_type finds it, and
-- the JSON form is to_jsonb under scsm.json_form's settings, set here.
CREATE FUNCTION scsm.hold_condition_typed(tbl regclass, cond jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET TimeZone = 'UTC'
  SET DateStyle = 'ISO, MDY'
  SET IntervalStyle = 'postgres'
  SET bytea_output = 'hex'
  SET extra_float_digits = 1
  SET lc_monetary = 'C'
  -- what reading a value depends on besides: IST is Israel's or India's
  -- time by the abbreviation set, '{NULL}' a NULL element or a string
  SET timezone_abbreviations = 'Default'
  SET array_nulls = on
  SET xmloption = content
AS $$
DECLARE
  k text;
  v jsonb;
  typ oid;
  mod integer;
  reader text;
  r jsonb := '{}';
  typed jsonb;
BEGIN
  FOR k, v IN SELECT e.key, e.value FROM jsonb_each(cond) e LOOP
    WITH RECURSIVE d(typ, mod, depth) AS (
      SELECT a.atttypid, a.atttypmod, 0 FROM pg_attribute a
       WHERE a.attrelid = tbl AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
      SELECT ty.typbasetype, ty.typtypmod, d.depth + 1
        FROM d JOIN pg_type ty ON ty.oid = d.typ AND ty.typtype = 'd')
    SELECT d.typ, d.mod INTO typ, mod FROM d ORDER BY d.depth DESC LIMIT 1;
    IF typ IS NULL THEN
      IF k = 'org_id' THEN
        CONTINUE;
      END IF;
      RETURN NULL;
    END IF;
    typed := v;
    IF jsonb_typeof(v) IN ('string', 'number', 'boolean') THEN
      -- read as the column reads input: a type with a modifier (varchar(3),
      -- char(3), bit(3)) through its input function, which refuses a value
      -- too long where a cast would cut it to fit and hold the rows of the
      -- cut value; any other type by a cast
      SELECT format('%I.%I(%L::pg_catalog.cstring, %s::pg_catalog.oid, %s)',
                    pn.nspname, p.proname, v #>> '{}', typ, mod)
        INTO reader
        FROM pg_type ty JOIN pg_proc p ON p.oid = ty.typinput
        JOIN pg_namespace pn ON pn.oid = p.pronamespace
       WHERE ty.oid = typ AND mod >= 0 AND ty.typtype = 'b' AND ty.typelem = 0
         AND p.pronargs = 3 AND p.prorettype = typ;
      -- a value the type cannot read in any way (7.0 for an integer, a
      -- function name no regproc has, too long) stays as given: as JSON it
      -- may still equal the column's value, and a case hold must not stop
      -- disposal of every table with such a column
      BEGIN
        EXECUTE format('SELECT pg_catalog.to_jsonb(%s)',
                       coalesce(reader, format('%L::%s', v #>> '{}', format_type(typ, mod))))
          INTO typed;
      EXCEPTION WHEN OTHERS THEN
        typed := v;
      END;
    END IF;
    r := r || jsonb_build_object(k, typed);
  END LOOP;
  RETURN r;
END
$$;
REVOKE ALL ON FUNCTION scsm.hold_condition_typed(regclass, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION scsm.hold_condition_for(regclass, jsonb) IS
  'A legal hold''s condition as it applies to a table''s rows: values in the columns'' JSON form (scsm.json_form), org_id left out where the table has none; NULL when no row of the table can match';

-- Does a hold's condition (as scsm.hold_condition_for gives it for the
-- row's table) hold a row?  Each value equal to the row's, as JSON or by the
-- column type's own equality under its collation (citext, a case-insensitive
-- collation); version is the row's scsm_version, for a current row tested
-- against its history table's form of a condition.  The general path's
-- test, by the C code the queue path uses (retention_hold.c).  PARALLEL
-- UNSAFE: it reads a value as its type in a subtransaction and pins
-- settings, neither of which a parallel query allows.
CREATE FUNCTION scsm.hold_holds_row(r record, cond jsonb, version integer DEFAULT NULL)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'scsm_hold_holds_row'
  LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.hold_holds_row(record, jsonb, integer) IS
  'Does a legal hold''s condition (scsm.hold_condition_for''s form) hold row r: every column = value pair equal as JSON or by the column type''s equality and collation; version: the row''s scsm_version';
-- All the active holds in one call per row (the general path's test): any
-- of the conditions, each as scsm.hold_holds_row tests it, found by value
-- where a key compares exactly (retention_hold.c, as on the queue path).
-- Not STRICT: a NULL array (no hold applies) holds nothing, false.
CREATE FUNCTION scsm.hold_holds_any(r record, conds jsonb[], version integer DEFAULT NULL)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'scsm_hold_holds_any'
  LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION scsm.hold_holds_any(record, jsonb[], integer) IS
  'Does any of the legal holds'' conditions (scsm.hold_condition_for''s form) hold row r, each as scsm.hold_holds_row tests it; version: the row''s scsm_version';

CREATE FUNCTION scsm.tg_retention_assignment_rules() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_rel regclass := to_regclass(format('%I.%I', NEW.schema_name, NEW.table_name));
  c scsm.retention_class;
  t text;
  a record;
BEGIN
  -- pg_restore brings rows exactly as they were
  IF scsm.restoring() THEN
    RETURN NEW;
  END IF;
  IF v_rel IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('table %I.%I does not exist', NEW.schema_name, NEW.table_name);
  END IF;
  -- the registers that keep records from disposal are never disposed of
  -- themselves: an active hold, a pending review or an approver's entry
  -- that went would let go of what it keeps
  IF NEW.schema_name = 'scsm' AND NEW.table_name IN ('legal_hold', 'disposal_review', 'retention_exception',
                                                     'retention_approver', 'retention_class',
                                                     'retention_assignment') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('table %I.%I cannot have a retention class', NEW.schema_name, NEW.table_name),
      DETAIL = 'Legal holds, disposal reviews, retention exceptions, approvers, classes and assignments decide what disposal may take; they are kept for good.';
  END IF;
  SELECT * INTO c FROM scsm.retention_class WHERE class_id = NEW.class_id;
  IF c.org_id IS NOT NULL AND c.org_id IS DISTINCT FROM NEW.org_id THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retention class "%s" belongs to organization %s', c.name, c.org_id),
      HINT = 'Assign it with that org_id, or use a class of all organizations.';
  END IF;
  NEW.condition := scsm.retention_check_condition(v_rel, NEW.condition, 'assignment condition');
  PERFORM scsm.retention_check_condition(v_rel, c.event_condition, 'event condition of class ' || c.name);
  IF c.basis_column IS NOT NULL THEN
    SELECT a2.atttypid::regtype::text INTO t FROM pg_attribute a2
     WHERE a2.attrelid = v_rel AND a2.attname = c.basis_column AND a2.attnum > 0 AND NOT a2.attisdropped;
    IF t IS NULL OR t NOT IN ('date', 'timestamp without time zone', 'timestamp with time zone') THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('class "%s" counts from column "%s", which table %s does not have as a date or timestamp',
                         c.name, c.basis_column, v_rel);
    END IF;
  END IF;
  IF c.action = 'anonymise' THEN
    IF EXISTS (SELECT 1 FROM scsm.ledger_table lt WHERE lt.schema_name = NEW.schema_name
                AND lt.table_name = NEW.table_name AND lt.mode = 'versioned') THEN
      RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = format('class "%s" anonymises, which versioned table %s does not support', c.name, v_rel),
        HINT = 'Use delete or archive for versioned tables.';
    END IF;
    FOR a IN SELECT u.col, at.attnotnull, at.atttypid::regtype::text AS typ
               FROM unnest(c.anonymise_columns) u(col)
               LEFT JOIN pg_attribute at ON at.attrelid = v_rel AND at.attname = u.col AND at.attnum > 0 AND NOT at.attisdropped
    LOOP
      IF a.typ IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
          MESSAGE = format('class "%s" anonymises column "%s", which table %s does not have', c.name, a.col, v_rel);
      END IF;
      IF a.attnotnull AND a.typ NOT IN ('text', 'character varying', 'character') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
          MESSAGE = format('class "%s" cannot anonymise column "%s" of %s', c.name, a.col, v_rel),
          DETAIL = 'Anonymised columns become NULL, or ''anonymised'' for NOT NULL text; this one is NOT NULL and not text.';
      END IF;
    END LOOP;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_retention_assignment_rules() IS
  'Trigger: an assignment names an existing table, columns it has, and a class of its organization (SQLSTATE 22023)';
CREATE TRIGGER retention_assignment_rules BEFORE INSERT OR UPDATE ON scsm.retention_assignment
  FOR EACH ROW EXECUTE FUNCTION scsm.tg_retention_assignment_rules();
CREATE TRIGGER retention_assignment_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scsm.retention_assignment
  FOR EACH STATEMENT EXECUTE FUNCTION scsm.retention_config_changed();
ALTER TABLE scsm.retention_assignment ENABLE ALWAYS TRIGGER retention_assignment_changed;

-- ---------------------------------------------------------------------------
-- Legal holds (protected, versioned: placing and releasing are ledgered)
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.legal_hold (
    hold_id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id         bigint REFERENCES scsm.organization (org_id),
    schema_name    text,
    table_name     text,
    condition      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(condition) = 'object'),
    case_kind      text CHECK (case_kind IN ('incident', 'investigation', 'litigation', 'audit', 'other')),
    case_ref       text,
    reason         text NOT NULL CHECK (length(reason) > 0),
    placed_by      text NOT NULL DEFAULT current_user,
    placed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    released_by    text,
    released_at    timestamptz,
    release_reason text,
    CONSTRAINT table_named_fully CHECK ((schema_name IS NULL) = (table_name IS NULL)),
    CONSTRAINT release_complete CHECK (
        (released_at IS NULL) = (released_by IS NULL) AND (released_at IS NULL) = (release_reason IS NULL)),
    CONSTRAINT hold_is_scoped CHECK (table_name IS NOT NULL OR condition <> '{}')
);
COMMENT ON TABLE scsm.legal_hold IS
  'A legal hold: while not released, rows of the table (or, table NULL, of every protected table) that contain condition (column = value pairs) cannot be disposed of';
COMMENT ON COLUMN scsm.legal_hold.condition IS
  'Column = value pairs the held rows have, e.g. {"incident_id": 7}, each value in the form scsm.json_form gives it (a table''s hold converts them) and equal to the row''s as JSON or by the column type''s equality (scsm.hold_holds_row); {} with a table holds the whole table';
SELECT pg_catalog.pg_extension_config_dump('scsm.legal_hold', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.legal_hold_hold_id_seq', '');

CREATE FUNCTION scsm.tg_legal_hold_rules() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_rel regclass;
BEGIN
  -- pg_restore brings rows exactly as they were
  IF scsm.restoring() THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT scsm.may_approve_retention(NEW.org_id, current_user) THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = format('role "%s" may not place legal holds', current_user),
        HINT = 'Ask a role listed in scsm.retention_approver or an organization admin.';
    END IF;
    IF NEW.table_name IS NOT NULL THEN
      v_rel := to_regclass(format('%I.%I', NEW.schema_name, NEW.table_name));
      IF v_rel IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
          MESSAGE = format('table %I.%I does not exist', NEW.schema_name, NEW.table_name);
      END IF;
      NEW.condition := scsm.retention_check_condition(v_rel, NEW.condition, 'hold condition');
    END IF;
    IF NEW.org_id IS NOT NULL THEN
      NEW.condition := NEW.condition || jsonb_build_object('org_id', NEW.org_id);
    END IF;
    NEW.placed_by := current_user;
    NEW.placed_at := now();
    NEW.released_by := NULL;
    NEW.released_at := NULL;
    NEW.release_reason := NULL;
    RETURN NEW;
  END IF;
  IF OLD.released_at IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('legal hold %s was already released', OLD.hold_id);
  END IF;
  IF NOT scsm.may_approve_retention(OLD.org_id, current_user) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('role "%s" may not release legal holds', current_user);
  END IF;
  IF NEW.release_reason IS NULL OR length(NEW.release_reason) = 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'releasing a legal hold needs a reason';
  END IF;
  IF (NEW.hold_id, NEW.org_id, NEW.schema_name, NEW.table_name, NEW.condition, NEW.case_kind, NEW.case_ref,
      NEW.reason, NEW.placed_by, NEW.placed_at)
     IS DISTINCT FROM
     (OLD.hold_id, OLD.org_id, OLD.schema_name, OLD.table_name, OLD.condition, OLD.case_kind, OLD.case_ref,
      OLD.reason, OLD.placed_by, OLD.placed_at) THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = 'a legal hold can only be released, not changed';
  END IF;
  NEW.released_by := current_user;
  NEW.released_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_legal_hold_rules() IS
  'Trigger: who may place or release holds (42501), conditions checked against the table (22023), a hold is only ever released (55000)';
CREATE TRIGGER legal_hold_rules BEFORE INSERT OR UPDATE ON scsm.legal_hold
  FOR EACH ROW EXECUTE FUNCTION scsm.tg_legal_hold_rules();
ALTER TABLE scsm.legal_hold ENABLE ALWAYS TRIGGER legal_hold_rules;

CREATE FUNCTION scsm.place_legal_hold(tbl regclass, condition jsonb, reason text,
                                      org_id bigint DEFAULT NULL, case_kind text DEFAULT NULL,
                                      case_ref text DEFAULT NULL) RETURNS bigint
  LANGUAGE sql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO scsm.legal_hold (org_id, schema_name, table_name, condition, case_kind, case_ref, reason)
  SELECT place_legal_hold.org_id, n.nspname, c.relname, coalesce(place_legal_hold.condition, '{}'),
         place_legal_hold.case_kind, place_legal_hold.case_ref, place_legal_hold.reason
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = tbl
  RETURNING hold_id
$$;
COMMENT ON FUNCTION scsm.place_legal_hold(regclass, jsonb, text, bigint, text, text) IS
  'Place a legal hold on the rows of tbl that contain condition ({} = the whole table); returns the hold id';

CREATE FUNCTION scsm.place_case_hold(org_id bigint, case_kind text, case_ref text,
                                     condition jsonb, reason text) RETURNS bigint
  LANGUAGE sql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO scsm.legal_hold (org_id, condition, case_kind, case_ref, reason)
  VALUES (place_case_hold.org_id, place_case_hold.condition, place_case_hold.case_kind,
          place_case_hold.case_ref, place_case_hold.reason)
  RETURNING hold_id
$$;
COMMENT ON FUNCTION scsm.place_case_hold(bigint, text, text, jsonb, text) IS
  'Hold every record of the organization, in any protected table, that contains condition (e.g. {"incident_id": 7}) for a case; returns the hold id';

CREATE FUNCTION scsm.release_legal_hold(hold_id bigint, reason text) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE scsm.legal_hold h SET released_at = now(), release_reason = release_legal_hold.reason
   WHERE h.hold_id = release_legal_hold.hold_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('legal hold %s does not exist', hold_id);
  END IF;
END
$$;
COMMENT ON FUNCTION scsm.release_legal_hold(bigint, text) IS
  'Release a legal hold, with a reason; the hold and its release stay in the ledger';

-- ---------------------------------------------------------------------------
-- Retention exceptions: approved, ledgered early disposal
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.retention_exception (
    exception_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    class_id        integer NOT NULL REFERENCES scsm.retention_class (class_id),
    org_id          bigint REFERENCES scsm.organization (org_id),
    schema_name     text,
    table_name      text,
    period          interval NOT NULL CHECK (period >= '0'::interval),
    reason          text NOT NULL CHECK (length(reason) > 0),
    requested_by    text NOT NULL DEFAULT current_user,
    requested_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    status          text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected')),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    CONSTRAINT table_named_fully CHECK ((schema_name IS NULL) = (table_name IS NULL)),
    CONSTRAINT decision_complete CHECK ((status = 'requested') = (decided_by IS NULL))
);
COMMENT ON TABLE scsm.retention_exception IS
  'A request to keep the records of a class (optionally of one table or organization) for a shorter period; applies to records written before its approval, only once approved by another authorized role';
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_exception', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_exception_exception_id_seq', '');

CREATE FUNCTION scsm.tg_retention_exception_rules() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c scsm.retention_class;
BEGIN
  -- pg_restore brings rows exactly as they were
  IF scsm.restoring() THEN
    RETURN NEW;
  END IF;
  SELECT * INTO c FROM scsm.retention_class WHERE class_id = NEW.class_id;
  IF TG_OP = 'INSERT' THEN
    IF c.locked THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('retention class "%s" is locked', c.name),
        DETAIL = 'Records of a locked class are kept for its full period; no exception can shorten it.';
    END IF;
    IF NOT scsm.may_approve_retention(NEW.org_id, current_user) THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = format('role "%s" may not request retention exceptions', current_user);
    END IF;
    NEW.status := 'requested';
    NEW.requested_by := current_user;
    NEW.requested_at := now();
    NEW.decided_by := NULL;
    NEW.decided_at := NULL;
    NEW.decision_reason := NULL;
    RETURN NEW;
  END IF;
  IF OLD.status <> 'requested' THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('retention exception %s was already %s', OLD.exception_id, OLD.status);
  END IF;
  IF NEW.status NOT IN ('approved', 'rejected') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'a retention exception is approved or rejected';
  END IF;
  IF NOT scsm.may_approve_retention(OLD.org_id, current_user) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('role "%s" may not decide retention exceptions', current_user);
  END IF;
  IF current_user = OLD.requested_by THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = 'a retention exception cannot be decided by the role that requested it',
      DETAIL = format('Exception %s was requested by %s.', OLD.exception_id, OLD.requested_by);
  END IF;
  IF NEW.status = 'approved' AND c.locked THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('retention class "%s" is locked', c.name);
  END IF;
  IF NEW.decision_reason IS NULL OR length(NEW.decision_reason) = 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'deciding a retention exception needs a reason';
  END IF;
  IF (NEW.exception_id, NEW.class_id, NEW.org_id, NEW.schema_name, NEW.table_name, NEW.period, NEW.reason,
      NEW.requested_by, NEW.requested_at)
     IS DISTINCT FROM
     (OLD.exception_id, OLD.class_id, OLD.org_id, OLD.schema_name, OLD.table_name, OLD.period, OLD.reason,
      OLD.requested_by, OLD.requested_at) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'a retention exception can only be decided, not changed';
  END IF;
  NEW.decided_by := current_user;
  NEW.decided_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_retention_exception_rules() IS
  'Trigger: exceptions only for unlocked classes (55000), requested and decided by authorized, different roles (42501), with reasons';
CREATE TRIGGER retention_exception_rules BEFORE INSERT OR UPDATE ON scsm.retention_exception
  FOR EACH ROW EXECUTE FUNCTION scsm.tg_retention_exception_rules();
CREATE TRIGGER retention_exception_apply AFTER UPDATE ON scsm.retention_exception
  FOR EACH ROW EXECUTE FUNCTION scsm.retention_apply_exception();
ALTER TABLE scsm.retention_exception ENABLE ALWAYS TRIGGER retention_exception_rules;
ALTER TABLE scsm.retention_exception ENABLE ALWAYS TRIGGER retention_exception_apply;

CREATE FUNCTION scsm.decide_retention_exception(exception_id bigint, approve boolean, reason text) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE scsm.retention_exception e
     SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END,
         decision_reason = decide_retention_exception.reason
   WHERE e.exception_id = decide_retention_exception.exception_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('retention exception %s does not exist', exception_id);
  END IF;
END
$$;
COMMENT ON FUNCTION scsm.decide_retention_exception(bigint, boolean, text) IS
  'Approve or reject a retention exception with a reason; approval lowers retain_until of the records it covers';

-- ---------------------------------------------------------------------------
-- Disposal review (protected, versioned: decisions are ledgered)
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.disposal_review (
    review_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    entry_id      bigint NOT NULL UNIQUE,
    schema_name   text NOT NULL,
    table_name    text NOT NULL,
    row_key       text NOT NULL,
    org_id        bigint,
    class_name    text NOT NULL,
    retain_until  timestamptz NOT NULL,
    listed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by    text,
    decided_at    timestamptz,
    reason        text,
    CONSTRAINT decision_complete CHECK ((status = 'pending') = (decided_by IS NULL))
);
CREATE INDEX disposal_review_status_idx ON scsm.disposal_review (status, org_id);
COMMENT ON TABLE scsm.disposal_review IS
  'Records due for disposal whose class needs approval: listed by the maintenance run, approved or rejected with a reason by an authorized role';
SELECT pg_catalog.pg_extension_config_dump('scsm.disposal_review', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.disposal_review_review_id_seq', '');

CREATE FUNCTION scsm.tg_disposal_review_rules() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- pg_restore brings rows exactly as they were
  IF scsm.restoring() THEN
    RETURN NEW;
  END IF;
  IF NEW.status = OLD.status THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('disposal review %s is already %s', OLD.review_id, OLD.status);
  END IF;
  IF NEW.status = 'pending' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a disposal review is approved or rejected';
  END IF;
  IF NOT scsm.may_approve_retention(OLD.org_id, current_user) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('role "%s" may not approve or reject disposals', current_user),
      HINT = 'Ask a role listed in scsm.retention_approver or an organization admin.';
  END IF;
  IF NEW.reason IS NULL OR length(NEW.reason) = 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'approving or rejecting a disposal needs a reason';
  END IF;
  IF (NEW.review_id, NEW.entry_id, NEW.schema_name, NEW.table_name, NEW.row_key, NEW.org_id, NEW.class_name,
      NEW.retain_until, NEW.listed_at)
     IS DISTINCT FROM
     (OLD.review_id, OLD.entry_id, OLD.schema_name, OLD.table_name, OLD.row_key, OLD.org_id, OLD.class_name,
      OLD.retain_until, OLD.listed_at) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'a disposal review can only be decided, not changed';
  END IF;
  NEW.decided_by := current_user;
  NEW.decided_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_disposal_review_rules() IS
  'Trigger: disposal reviews are decided (approved or rejected, with a reason) by an authorized role (42501), nothing else changes';
CREATE TRIGGER disposal_review_rules BEFORE UPDATE ON scsm.disposal_review
  FOR EACH ROW EXECUTE FUNCTION scsm.tg_disposal_review_rules();
ALTER TABLE scsm.disposal_review ENABLE ALWAYS TRIGGER disposal_review_rules;

CREATE FUNCTION scsm.decide_disposal(review_ids bigint[], approve boolean, reason text) RETURNS bigint
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE scsm.disposal_review r
     SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END, reason = decide_disposal.reason
   WHERE r.review_id = ANY (review_ids);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.decide_disposal(bigint[], boolean, text) IS
  'Approve (true) or reject (false) listed disposal reviews with a reason; returns how many were decided';

-- ---------------------------------------------------------------------------
-- Archive of disposed records whose class says archive (protected)
-- ---------------------------------------------------------------------------
CREATE TABLE scsm.retention_archive (
    archive_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schema_name  text NOT NULL,
    table_name   text NOT NULL,
    row_key      text NOT NULL,
    version      integer NOT NULL,
    row_hash     bytea NOT NULL,
    row_data     jsonb NOT NULL,
    archived_at  timestamptz NOT NULL DEFAULT pg_catalog.transaction_timestamp(),
    archived_by  text NOT NULL DEFAULT session_user
);
CREATE INDEX retention_archive_row_idx ON scsm.retention_archive (table_name, row_key);
COMMENT ON TABLE scsm.retention_archive IS
  'Archived records (4.4.5 e): a copy of each disposed row version whose class archives, kept for legal or knowledge reasons; protected';
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_archive', '');
SELECT pg_catalog.pg_extension_config_dump('scsm.retention_archive_archive_id_seq', '');

-- ---------------------------------------------------------------------------
-- Candidates and disposal
-- ---------------------------------------------------------------------------
CREATE FUNCTION scsm.retention_candidates(tbl regclass, max_rows integer DEFAULT NULL,
                                          only_entries bigint[] DEFAULT NULL,
                                          status text DEFAULT 'eligible')
  RETURNS TABLE (scsm_entry_id bigint, scsm_row_key text, scsm_version integer, scsm_row_hash bytea,
                 scsm_class_id integer, scsm_class_name text, scsm_retain_until timestamptz,
                 scsm_action text, scsm_anon_cols text[], scsm_review_id bigint,
                 scsm_approved_by text, scsm_org_id bigint, scsm_status text,
                 scsm_due_tid tid, scsm_row_tid tid)
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
  -- walk the due queue's index in order and stop at the batch size, rather
  -- than sorting every due row each batch
  SET enable_sort = off
  SET enable_bitmapscan = off
  -- the plans those make cost above jit_above_cost (a disabled node's
  -- penalty), and JIT would compile every listing for a third of a second
  SET jit = off
  -- rows are compared with hold conditions in scsm.json_form's form,
  -- whatever the caller's settings
  SET TimeZone = 'UTC'
  SET DateStyle = 'ISO, MDY'
  SET IntervalStyle = 'postgres'
  SET bytea_output = 'hex'
  SET extra_float_digits = 1
  SET lc_monetary = 'C'
AS $$
DECLARE
  v_nsp  text;
  v_rel  text;
  v_tid  integer;
  v_org  text;
  v_from text;
  v_held text;
  v_heldx text;
  v_with text;
  v_mode text;
  v_hist regclass;
  v_histname text;
  v_needs text := 'c.needs_approval';
  v_action text := 'c.action';
  v_st   text := status;
BEGIN
  IF status NOT IN ('eligible', 'eligible_peek', 'held', 'awaiting_approval', 'rejected', 'missing', 'all') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown candidate status "%s"', status);
  END IF;
  SELECT n.nspname, c.relname INTO v_nsp, v_rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  SELECT lt.table_id, lt.mode,
         CASE WHEN lt.history_table IS NOT NULL THEN to_regclass(format('%I.%I', lt.schema_name, lt.history_table)) END
    INTO v_tid, v_mode, v_hist FROM scsm.ledger_table lt
   WHERE lt.schema_name = v_nsp AND lt.table_name = v_rel AND lt.mode IN ('append_only', 'versioned');
  IF v_tid IS NULL THEN
    RETURN;
  END IF;
  -- The active holds that can hold rows of the table, worked out once per
  -- query: each condition as it applies to the table's rows (c) and to its
  -- history rows (ch, which have scsm_version besides; holds placed on the
  -- history table count too), by scsm.hold_condition_for.  A versioned row
  -- goes with all its versions, so a hold that holds any of them holds the
  -- row.  The test runs in the row's lateral subquery (lr.held), on the
  -- whole-row reference t.*, which no column can shadow, and what to_jsonb
  -- allocates is freed row by row.
  v_histname := (SELECT c.relname FROM pg_class c WHERE c.oid = v_hist);
  v_with := format($w$WITH hc AS MATERIALIZED (
      SELECT hc.c, hc.ch
        FROM (SELECT scsm.hold_condition_for(%L::pg_catalog.regclass, h.condition) AS c,
                     CASE WHEN %L::pg_catalog.regclass IS NOT NULL
                          THEN scsm.hold_condition_for(%L::pg_catalog.regclass, h.condition) END AS ch
                FROM scsm.legal_hold h
               WHERE h.released_at IS NULL
                 AND (h.table_name IS NULL OR (h.schema_name = %L AND h.table_name IN (%L, %L)))) hc
       WHERE hc.c IS NOT NULL OR hc.ch IS NOT NULL),
    hs AS MATERIALIZED (
      SELECT array_agg(hc.c) FILTER (WHERE hc.c IS NOT NULL) AS cs,
             array_agg(hc.ch) FILTER (WHERE hc.ch IS NOT NULL) AS chs
        FROM hc)
    $w$, tbl, v_hist, v_hist, v_nsp, v_rel, coalesce(v_histname, v_rel));
  -- one call per row for all the holds (scsm.hold_holds_any, each condition
  -- as scsm.hold_holds_row tests it), the arrays computed once per query
  v_heldx := 'scsm.hold_holds_any(t.*, (SELECT hs.cs FROM hs))';
  v_held := 'lr.held';
  IF v_mode = 'versioned' AND v_hist IS NOT NULL THEN
    -- the current row counts as the version it is
    v_heldx := format($h$(scsm.hold_holds_any(t.*, (SELECT hs.cs FROM hs))
                         OR scsm.hold_holds_any(t.*, (SELECT hs.chs FROM hs), l.version)
                         OR EXISTS (SELECT 1 FROM ONLY %s hv WHERE %s
                                       AND scsm.hold_holds_any(hv.*, (SELECT hs.chs FROM hs))))$h$,
                     v_hist, scsm.ledger_key_condition(tbl, 'hv', 'l.row_key'));
    -- and its approval: asked for when the class of any of its versions
    -- asks; and archived when the class of any of them archives (a copy
    -- kept is what that class promised; anonymise is not for versioned tables)
    v_needs := $n$(c.needs_approval OR EXISTS (SELECT 1 FROM scsm.ledger_row v
                    JOIN scsm.retention_class vc ON vc.class_id = v.retention_class
                   WHERE v.table_id = l.table_id AND v.row_key = l.row_key AND vc.needs_approval))$n$;
    v_action := $a$(CASE WHEN EXISTS (SELECT 1 FROM scsm.ledger_row v
                    JOIN scsm.retention_class vc ON vc.class_id = v.retention_class
                   WHERE v.table_id = l.table_id AND v.row_key = l.row_key AND vc.action = 'archive')
                  THEN 'archive' ELSE c.action END)$a$;
  END IF;
  -- no active hold can apply: leave the per-row test (and the whole row) out
  IF NOT EXISTS (SELECT 1 FROM scsm.legal_hold h WHERE h.released_at IS NULL
                   AND (h.table_name IS NULL
                        OR (h.schema_name = v_nsp AND h.table_name IN (v_rel, v_histname)))) THEN
    v_held := 'false';
    v_heldx := NULL;
    v_with := '';
  END IF;
  v_org := CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = 'org_id'
                                AND a.attnum > 0 AND NOT a.attisdropped)
                THEN 'lr.org::bigint' ELSE 'NULL::bigint' END;
  -- l: the entry's row in the due queue (a copy of its ledger stamp, key,
  -- version and hash)
  v_from := format($f$
      FROM scsm.retention_due l
      JOIN scsm.retention_class c ON c.class_id = l.class_id
      LEFT JOIN scsm.disposal_review r ON r.entry_id = l.entry_id
      LEFT JOIN LATERAL (SELECT true AS present, t.ctid AS tid%4$s%5$s FROM ONLY %1$s t WHERE %2$s) lr ON true
     WHERE l.table_id = $1 AND l.retain_until <= $2
       AND ($3::bigint[] IS NULL OR l.entry_id = ANY ($3))%3$s$f$,
    tbl, scsm.ledger_key_condition(tbl, 't', 'l.row_key'),
    -- only a versioned row has later versions whose entry governs (a new
    -- version takes the queue row of the one before; this also keeps out a
    -- row that a concurrent update left behind)
    CASE WHEN v_mode = 'versioned' THEN $v$
       AND NOT EXISTS (SELECT 1 FROM scsm.ledger_row v
                        WHERE v.table_id = l.table_id AND v.row_key = l.row_key AND v.version > l.version)$v$
         ELSE '' END,
    CASE WHEN v_org = 'NULL::bigint' THEN '' ELSE ', t.org_id AS org' END,
    CASE WHEN v_held = 'false' THEN '' ELSE ', ' || v_heldx || ' AS held' END);
  IF status = 'eligible_peek' THEN
    v_st := 'eligible';
  END IF;
  IF status = 'eligible' THEN
    -- what may go now: present, not held, approved where the class asks (the
    -- disposer holds the table's disposal lock: no row lock is needed)
    -- a row with a review goes only approved, whether or not its class
    -- (which a manager may change) still asks for one
    RETURN QUERY EXECUTE format($q$%4$s
      SELECT l.entry_id, l.row_key, l.version, l.row_hash, c.class_id, c.name, l.retain_until, %6$s,
             c.anonymise_columns, r.review_id, r.decided_by, %1$s, 'eligible'::text, l.ctid, lr.tid
      %2$s
        AND lr.present AND NOT %3$s
        AND (r.status = 'approved' OR (NOT %5$s AND r.review_id IS NULL))
      ORDER BY l.retain_until
      LIMIT $4$q$, v_org, v_from, v_held, v_with, v_needs, v_action)
      USING v_tid, scsm.retention_now(), only_entries, max_rows;
  ELSE
    RETURN QUERY EXECUTE format($q$%4$s
      SELECT * FROM (
        SELECT l.entry_id, l.row_key, l.version, l.row_hash, c.class_id, c.name, l.retain_until, %6$s,
               c.anonymise_columns, r.review_id, r.decided_by, %1$s,
               CASE WHEN lr.present IS NULL THEN 'missing'
                    WHEN %3$s THEN 'held'
                    WHEN (%5$s OR r.review_id IS NOT NULL) AND r.status IS DISTINCT FROM 'approved'
                      THEN CASE WHEN r.status = 'rejected' THEN 'rejected' ELSE 'awaiting_approval' END
                    ELSE 'eligible' END AS st, l.ctid, lr.tid
        %2$s) s
       WHERE $5 = 'all' OR s.st = $5
       ORDER BY 7, 1
       LIMIT $4$q$, v_org, v_from, v_held, v_with, v_needs, v_action)
      USING v_tid, scsm.retention_now(), only_entries, max_rows, v_st;
  END IF;
END
$$;
COMMENT ON FUNCTION scsm.retention_candidates(regclass, integer, bigint[], text) IS
  'Due rows of a protected table (latest version, retain_until reached) with their state: eligible, held, awaiting_approval, rejected or missing (gone without a certificate); the disposal batch lists eligible rows under the table''s disposal lock';
REVOKE ALL ON FUNCTION scsm.retention_candidates(regclass, integer, bigint[], text) FROM PUBLIC;

-- Runs as the owner: it reads the ledger and calls the disposal batch, which
-- only ever disposes due, unheld, approved rows.
CREATE FUNCTION scsm.retention_dispose_round(batch_size integer, tbl regclass, run bigint)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t     record;
  n     bigint;
  total bigint := 0;
BEGIN
  IF batch_size IS NULL OR batch_size < 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('batch_size must be positive, not %s', coalesce(batch_size::text, 'NULL'));
  END IF;
  FOR t IN
    SELECT to_regclass(format('%I.%I', lt.schema_name, lt.table_name)) AS rel
      FROM scsm.ledger_table lt
     WHERE lt.mode IN ('append_only', 'versioned')
       -- not a table this run has read all due entries of; otherwise a
       -- probe of the queue's index per table (a scalar subquery in the
       -- index's order: an EXISTS would become a join, and a scan without
       -- the order could read the whole queue), backwards from now: the
       -- entries earlier batches disposed of lie at the start of the range,
       -- deleted but in the index until a vacuum
       AND CASE WHEN scsm.retention_drained(lt.table_id, coalesce(run, 0)) THEN false
                ELSE (SELECT true FROM scsm.retention_due d
                       WHERE d.table_id = lt.table_id AND d.retain_until <= scsm.retention_now()
                       ORDER BY d.table_id DESC, d.retain_until DESC LIMIT 1) END
     ORDER BY lt.table_id
  LOOP
    CONTINUE WHEN t.rel IS NULL OR (tbl IS NOT NULL AND t.rel <> tbl);
    n := scsm.retention_dispose_batch(t.rel, batch_size, coalesce(run, 0));
    IF n > 0 THEN
      PERFORM scsm.log_event('disposed', t.rel, n, NULL);
    END IF;
    total := total + n;
  END LOOP;
  RETURN total;
END
$$;
COMMENT ON FUNCTION scsm.retention_dispose_round(integer, regclass, bigint) IS
  'One batch of due, unheld, approved rows per protected table (or of tbl only), in the current transaction, as part of a disposal run (0: none); returns the count';
REVOKE ALL ON FUNCTION scsm.retention_dispose_round(integer, regclass, bigint) FROM PUBLIC;

CREATE FUNCTION scsm.dispose_expired(batch_size integer DEFAULT 1000, tbl regclass DEFAULT NULL)
  RETURNS bigint
  LANGUAGE sql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$ SELECT scsm.retention_dispose_round(batch_size, tbl, 0) $$;
COMMENT ON FUNCTION scsm.dispose_expired(integer, regclass) IS
  'Dispose of at most one batch of due, unheld, approved rows per protected table (or of tbl only), in the current transaction; returns the count';
REVOKE ALL ON FUNCTION scsm.dispose_expired(integer, regclass) FROM PUBLIC;

-- Runs as the owner: it only reads the due queue.
CREATE FUNCTION scsm.retention_pending(run bigint DEFAULT 0) RETURNS boolean
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT to_regclass(format('%I.%I', lt.schema_name, lt.table_name)) AS rel
      FROM scsm.ledger_table lt
     WHERE lt.mode IN ('append_only', 'versioned')
       -- not a table this run has read all due entries of; a probe of the
       -- queue's index per table (a scalar subquery in the
       -- index's order: an EXISTS would become a join, and a scan without
       -- the order could read the whole queue), backwards from now: the
       -- entries earlier batches disposed of lie at the start of the range,
       -- deleted but in the index until a vacuum
       AND CASE WHEN scsm.retention_drained(lt.table_id, coalesce(run, 0)) THEN false
                ELSE (SELECT true FROM scsm.retention_due d
                       WHERE d.table_id = lt.table_id AND d.retain_until <= scsm.retention_now()
                       ORDER BY d.table_id DESC, d.retain_until DESC LIMIT 1) END
  LOOP
    IF t.rel IS NOT NULL AND EXISTS (SELECT 1 FROM scsm.retention_candidates(t.rel, 1, NULL, 'eligible_peek')) THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END
$$;
COMMENT ON FUNCTION scsm.retention_pending(bigint) IS
  'Is any row eligible for disposal now (due, unheld, approved where needed), whether or not another transaction holds it?  Within a disposal run (run), tables the run has read all due entries of do not count';
REVOKE ALL ON FUNCTION scsm.retention_pending(bigint) FROM PUBLIC;

-- Not SET search_path: a procedure with SET cannot COMMIT.  Everything in it
-- is schema-qualified instead.
CREATE PROCEDURE scsm.dispose_all_expired(batch_size integer DEFAULT 1000)
  LANGUAGE plpgsql
AS $$
DECLARE
  n    bigint;
  idle integer := 0;
  run  bigint := scsm.retention_run_begin();
BEGIN
  LOOP
    n := scsm.retention_dispose_round(batch_size, NULL, run);
    COMMIT;
    IF n > 0 THEN
      idle := 0;
    ELSE
      -- a table skipped because another disposer holds its disposal lock:
      -- wait for it, a little
      EXIT WHEN NOT scsm.retention_pending(run) OR idle >= 50;
      idle := idle + 1;
      PERFORM pg_catalog.pg_sleep(0.1);
    END IF;
  END LOOP;
END
$$;
COMMENT ON PROCEDURE scsm.dispose_all_expired(integer) IS
  'Dispose of everything due, one batch per table per transaction; CALL outside a transaction block';
REVOKE ALL ON PROCEDURE scsm.dispose_all_expired(integer) FROM PUBLIC;

-- Runs as the owner: it lists due rows into the protected review table and
-- records events.
CREATE FUNCTION scsm.list_disposal_reviews() RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t      record;
  n      bigint;
  held   bigint;
  total  bigint := 0;
  v_last bigint;
BEGIN
  FOR t IN
    SELECT to_regclass(format('%I.%I', lt.schema_name, lt.table_name)) AS rel, lt.schema_name, lt.table_name
      FROM scsm.ledger_table lt
     WHERE lt.mode IN ('append_only', 'versioned')
       -- a probe of the queue's index per table (a scalar subquery in the
       -- index's order: an EXISTS would become a join, and a scan without
       -- the order could read the whole queue), backwards from now: the
       -- entries earlier batches disposed of lie at the start of the range,
       -- deleted but in the index until a vacuum
       AND (SELECT true FROM scsm.retention_due d
             WHERE d.table_id = lt.table_id AND d.retain_until <= scsm.retention_now()
             ORDER BY d.table_id DESC, d.retain_until DESC LIMIT 1)
     ORDER BY lt.table_id
  LOOP
    CONTINUE WHEN t.rel IS NULL;
    INSERT INTO scsm.disposal_review (entry_id, schema_name, table_name, row_key, org_id, class_name, retain_until)
    SELECT c.scsm_entry_id, t.schema_name, t.table_name, c.scsm_row_key, c.scsm_org_id, c.scsm_class_name,
           c.scsm_retain_until
      FROM scsm.retention_candidates(t.rel, NULL, NULL, 'awaiting_approval') c
     WHERE c.scsm_review_id IS NULL
    ON CONFLICT (entry_id) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
      PERFORM scsm.log_event('awaiting_approval', t.rel, n, NULL);
    END IF;
    total := total + n;
    SELECT count(*) INTO held FROM scsm.retention_candidates(t.rel, NULL, NULL, 'held');
    SELECT e.count INTO v_last FROM scsm.event_log e
     WHERE e.event = 'blocked_by_hold' AND e.schema_name = t.schema_name AND e.table_name = t.table_name
     ORDER BY e.event_id DESC LIMIT 1;
    IF held IS DISTINCT FROM coalesce(v_last, 0) THEN
      PERFORM scsm.log_event('blocked_by_hold', t.rel, held, NULL);
    END IF;
  END LOOP;
  RETURN total;
END
$$;
COMMENT ON FUNCTION scsm.list_disposal_reviews() IS
  'List due rows whose class needs approval in scsm.disposal_review (event awaiting_approval) and report rows kept by legal holds (event blocked_by_hold, when the count changes); returns how many were listed';
REVOKE ALL ON FUNCTION scsm.list_disposal_reviews() FROM PUBLIC;

CREATE FUNCTION scsm.retention_review_step() RETURNS bigint
  LANGUAGE sql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$ SELECT scsm.list_disposal_reviews() $$;
COMMENT ON FUNCTION scsm.retention_review_step() IS 'Maintenance step: scsm.list_disposal_reviews()';
REVOKE ALL ON FUNCTION scsm.retention_review_step() FROM PUBLIC;

CREATE FUNCTION scsm.retention_dispose_step() RETURNS bigint
  LANGUAGE sql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$ SELECT scsm.dispose_expired(1000) $$;
COMMENT ON FUNCTION scsm.retention_dispose_step() IS
  'Maintenance step: one batch of scsm.dispose_expired(1000); run_maintenance repeats it, one transaction per batch';
REVOKE ALL ON FUNCTION scsm.retention_dispose_step() FROM PUBLIC;

INSERT INTO scsm.maintenance_step (step_name, position, function_name, repeat, builtin, description)
VALUES ('retention_review', 20, 'retention_review_step', false, true,
        'List due records that need disposal approval; report records kept by legal holds'),
       ('retention_dispose', 30, 'retention_dispose_step', true, true,
        'Dispose of due, unheld, approved records in batches, each with a certificate');

-- Retention of one row: its stamp and its state today, whoever may see the
-- row.  Run as the ledger owner by scsm.retention_of (below) for a caller
-- who may see the row or read the ledger, and by the door; nobody else
-- executes it.
CREATE FUNCTION scsm.retention_of_entry(tbl regclass, key jsonb)
  RETURNS TABLE (class_name text, retention_basis timestamptz, retain_until timestamptz, state text)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key text := scsm.canonical_key(tbl, key);
  v_tid integer;
  e     record;
BEGIN
  SELECT lt.table_id INTO v_tid FROM scsm.ledger_table lt JOIN pg_class c ON c.relname = lt.table_name
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = lt.schema_name WHERE c.oid = tbl;
  SELECT l.* INTO e FROM scsm.ledger_row l WHERE l.table_id = v_tid AND l.row_key = v_key
   ORDER BY l.version DESC, l.entry_id DESC LIMIT 1;
  IF NOT FOUND THEN
    -- an unstamped append-only row not sealed yet: its entry is still in a
    -- pending batch (70_ledger.sql), and without a class it is simply kept
    IF EXISTS (SELECT 1 FROM scsm.ledger_entry l WHERE l.table_id = v_tid AND l.row_key = v_key) THEN
      state := 'kept (no class)';
      RETURN NEXT;
    END IF;
    RETURN;
  END IF;
  class_name := (SELECT rc.name FROM scsm.retention_class rc WHERE rc.class_id = e.retention_class);
  retention_basis := e.retention_basis;
  retain_until := e.retain_until;
  state := CASE
    -- the entry among the lines of the table's certificate batches (an array
    -- search per batch, without expanding the batches into lines)
    WHEN EXISTS (SELECT 1 FROM scsm.disposal_batch d WHERE d.table_name = (SELECT relname FROM pg_class WHERE oid = tbl)
                  AND e.entry_id = ANY (d.entry_ids)) THEN 'disposed'
    WHEN e.retention_class IS NULL THEN 'kept (no class)'
    WHEN e.retain_until IS NULL THEN 'kept (period not started)'
    WHEN e.retain_until > scsm.retention_now() THEN 'retained'
    ELSE coalesce((SELECT c.scsm_status FROM scsm.retention_candidates(tbl, NULL, ARRAY[e.entry_id], 'all') c), 'due') END;
  RETURN NEXT;
END
$$;
REVOKE ALL ON FUNCTION scsm.retention_of_entry(regclass, jsonb) FROM PUBLIC;
-- The row is looked up as the caller first (src/retention_access.c): a row
-- of another organization, or above the caller's clearance, gives no row,
-- as a key of no row does, unless the caller may read the ledger itself
-- (auditors, admins), who learn the retention of any row, one disposed of
-- included.
CREATE FUNCTION scsm.retention_of(tbl regclass, key jsonb)
  RETURNS TABLE (class_name text, retention_basis timestamptz, retain_until timestamptz, state text)
  AS 'MODULE_PATHNAME', 'scsm_retention_of'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION scsm.retention_of(regclass, jsonb) IS
  'Retention of one row by key: class, basis, retain_until and state (retained, eligible, held, awaiting_approval, rejected, disposed, kept); nothing for a row the caller may not see, unless they may read the ledger';
REVOKE ALL ON FUNCTION scsm.retention_of(regclass, jsonb) FROM PUBLIC;

-- Why the ledger's own door (scsm.ledger_dispose_row, a superuser's) may not
-- dispose of a row now; NULL when it may.  The door keeps retention's rules:
--  * no row under an active legal hold, whatever its class: the same test
--    as disposal's, on the row and, for a versioned table, on each version
--    in the history table (and the current row as the version it is);
--  * a row whose latest entry has a class goes only when scsm.retention_of
--    calls it eligible (due, approved where its class asks);
--  * a row whose latest entry has no class, but an earlier entry not yet
--    certified has one, goes only when each such entry's retain_until has
--    passed and none of their classes asks for approval.
-- Takes the hold register's lock in SHARE mode, as a disposal batch does.
CREATE FUNCTION scsm.retention_door_refusal(tbl regclass, key jsonb) RETURNS text
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key  text := scsm.canonical_key(tbl, key);
  v_nsp  text;
  v_rel  text;
  v_tid  integer;
  v_hist regclass;
  v_histname text;
  v_ver  integer;
  v_held boolean;
  v_latest record;
  v_state text;
BEGIN
  LOCK TABLE scsm.legal_hold IN SHARE MODE;
  SELECT n.nspname, c.relname INTO v_nsp, v_rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  SELECT lt.table_id,
         CASE WHEN lt.history_table IS NOT NULL THEN to_regclass(format('%I.%I', lt.schema_name, lt.history_table)) END
    INTO v_tid, v_hist FROM scsm.ledger_table lt
   WHERE lt.schema_name = v_nsp AND lt.table_name = v_rel AND lt.mode IN ('append_only', 'versioned');
  IF v_tid IS NULL THEN
    RETURN NULL;                -- the door itself says what it cannot dispose of
  END IF;
  v_histname := (SELECT c.relname FROM pg_class c WHERE c.oid = v_hist);
  v_ver := (SELECT max(l.version) FROM scsm.ledger_entry l WHERE l.table_id = v_tid AND l.row_key = v_key);
  EXECUTE format($q$SELECT EXISTS (
      SELECT 1 FROM scsm.legal_hold h
       CROSS JOIN LATERAL (SELECT scsm.hold_condition_for(%1$L::pg_catalog.regclass, h.condition) AS c,
                                  CASE WHEN %2$L::pg_catalog.regclass IS NOT NULL
                                       THEN scsm.hold_condition_for(%2$L::pg_catalog.regclass, h.condition) END AS ch) x
       WHERE h.released_at IS NULL
         AND (h.table_name IS NULL OR (h.schema_name = %3$L AND h.table_name IN (%4$L, %5$L)))
         AND (EXISTS (SELECT 1 FROM ONLY %1$s t WHERE %6$s
                         AND (scsm.hold_holds_row(t.*, x.c) OR scsm.hold_holds_row(t.*, x.ch, $2)))%7$s))$q$,
    tbl, v_hist, v_nsp, v_rel, coalesce(v_histname, v_rel), scsm.ledger_key_condition(tbl, 't', '$1'),
    CASE WHEN v_hist IS NULL THEN ''
         ELSE format(' OR EXISTS (SELECT 1 FROM ONLY %s hv WHERE %s AND scsm.hold_holds_row(hv.*, x.ch))',
                     v_hist, scsm.ledger_key_condition(tbl, 'hv', '$1')) END)
    INTO v_held USING v_key, v_ver;
  IF v_held THEN
    RETURN 'under a legal hold';
  END IF;
  -- the entries of the row not yet certified as disposed, latest first
  SELECT l.retention_class INTO v_latest FROM scsm.ledger_row l
   WHERE l.table_id = v_tid AND l.row_key = v_key
   ORDER BY l.version DESC, l.entry_id DESC LIMIT 1;
  IF FOUND AND v_latest.retention_class IS NOT NULL THEN
    v_state := (SELECT r.state FROM scsm.retention_of_entry(tbl, key) r);
    RETURN CASE WHEN v_state IN ('eligible', 'disposed') THEN NULL ELSE coalesce(v_state, 'unknown') END;
  END IF;
  IF EXISTS (SELECT 1 FROM scsm.ledger_row l
               LEFT JOIN scsm.retention_class c ON c.class_id = l.retention_class
              WHERE l.table_id = v_tid AND l.row_key = v_key AND l.retention_class IS NOT NULL
                AND (l.retain_until IS NULL OR l.retain_until > scsm.retention_now() OR c.needs_approval)
                AND NOT EXISTS (SELECT 1 FROM scsm.disposal_batch d
                                 WHERE d.schema_name = v_nsp AND d.table_name = v_rel AND l.entry_id = ANY (d.entry_ids))) THEN
    RETURN 'an earlier version is retained, or awaits approval, under its own class';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION scsm.retention_door_refusal(regclass, jsonb) IS
  'Why the ledger''s door may not dispose of a row now (under a legal hold, retained, awaiting approval, ...); NULL when it may';
REVOKE ALL ON FUNCTION scsm.retention_door_refusal(regclass, jsonb) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Builtin classes and assignments for the register's record tables
-- ---------------------------------------------------------------------------
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, event_condition,
                                  action, needs_approval, builtin)
VALUES
  ('measurement', 'KPI measurements (4.5.1): three years after the measurement',
   '3 years', 'record_date', 'measured_at', NULL, 'delete', false, true),
  ('calibration', 'Calibration and maintenance of monitoring equipment (4.5.1 e): ten years after the work; lengthen per organization to what legislation requires',
   '10 years', 'record_date', 'performed_on', NULL, 'archive', false, true),
  ('training_record', 'Training, qualification and awareness records (4.4.2): six years after completion',
   '6 years', 'record_date', 'completed_on', NULL, 'delete', false, true),
  ('evaluation', 'Evaluations incl. legal compliance (4.5.2): six years after the evaluation',
   '6 years', 'record_date', 'performed_on', NULL, 'archive', false, true),
  ('audit_finding', 'Audit findings (4.5.5): six years after they were recorded',
   '6 years', 'record_date', 'recorded_at', NULL, 'archive', false, true),
  ('management_review', 'Management reviews with their inputs and outputs (4.6): ten years after the review, with approval',
   '10 years', 'record_date', 'held_on', NULL, 'archive', true, true),
  ('management_review_part', 'Inputs and outputs of a management review (4.6): ten years after they were recorded, with approval',
   '10 years', 'record_date', NULL, NULL, 'archive', true, true),
  ('incident', 'Incidents and emergencies (4.5.3): seven years after closure, with approval',
   '7 years', 'event', 'closed_on', NULL, 'archive', true, true),
  ('incident_minor', 'Near misses and false alarms (4.5.3): three years after closure',
   '3 years', 'event', 'closed_on', NULL, 'delete', false, true),
  ('nonconformity', 'Nonconformities (4.5.3): seven years after closure',
   '7 years', 'event', 'closed_on', NULL, 'archive', false, true),
  ('corrective_action', 'Corrective and preventive actions (4.5.3): seven years after closure',
   '7 years', 'event', NULL, '{"status": "closed"}', 'archive', false, true),
  ('corrective_action_cancelled', 'Cancelled actions (4.5.3): three years after cancellation',
   '3 years', 'event', NULL, '{"status": "cancelled"}', 'delete', false, true),
  ('document_version', 'Superseded document versions (4.4.5 d, e): five years after they became obsolete, then archived',
   '5 years', 'event', NULL, '{"status": "obsolete"}', 'archive', false, true),
  ('document_version_rejected', 'Rejected drafts (4.4.5): one year after rejection',
   '1 year', 'event', NULL, '{"status": "rejected"}', 'delete', false, true);

-- Protect the register's record tables: pure records append-only, records
-- with a status that moves versioned.
SELECT scsm.protect('scsm.measurement', 'append_only');
SELECT scsm.protect('scsm.calibration', 'append_only');
SELECT scsm.protect('scsm.training_record', 'append_only');
SELECT scsm.protect('scsm.evaluation', 'append_only');
SELECT scsm.protect('scsm.audit_finding', 'append_only');
SELECT scsm.protect('scsm.management_review_input', 'append_only');
SELECT scsm.protect('scsm.management_review_output', 'append_only');
SELECT scsm.protect('scsm.incident', 'versioned');
SELECT scsm.protect('scsm.nonconformity', 'versioned');
SELECT scsm.protect('scsm.corrective_action', 'versioned');
SELECT scsm.protect('scsm.document_version', 'versioned');
SELECT scsm.protect('scsm.management_review', 'versioned');
-- the retention registers themselves
SELECT scsm.protect('scsm.retention_archive', 'append_only');
SELECT scsm.protect('scsm.legal_hold', 'versioned');
SELECT scsm.protect('scsm.retention_exception', 'versioned');
SELECT scsm.protect('scsm.disposal_review', 'versioned');

-- History tables created above hold user data.
DO $$
DECLARE
  h text;
BEGIN
  FOR h IN SELECT lt.history_table FROM scsm.ledger_table lt WHERE lt.mode = 'versioned' ORDER BY lt.table_id LOOP
    PERFORM pg_catalog.pg_extension_config_dump(format('scsm.%I', h)::regclass, '');
  END LOOP;
END
$$;
INSERT INTO scsm.retention_assignment (table_name, condition, class_id, priority, builtin)
SELECT a.table_name, a.condition::jsonb, c.class_id, a.priority, true
  FROM (VALUES
    ('measurement', NULL, 'measurement', 100),
    ('calibration', NULL, 'calibration', 100),
    ('training_record', NULL, 'training_record', 100),
    ('evaluation', NULL, 'evaluation', 100),
    ('audit_finding', NULL, 'audit_finding', 100),
    ('management_review', NULL, 'management_review', 100),
    ('management_review_input', NULL, 'management_review_part', 100),
    ('management_review_output', NULL, 'management_review_part', 100),
    ('incident', '{"kind": "near_miss"}', 'incident_minor', 10),
    ('incident', '{"kind": "false_alarm"}', 'incident_minor', 10),
    ('incident', NULL, 'incident', 100),
    ('nonconformity', NULL, 'nonconformity', 100),
    ('corrective_action', '{"status": "cancelled"}', 'corrective_action_cancelled', 10),
    ('corrective_action', NULL, 'corrective_action', 100),
    ('document_version', '{"status": "rejected"}', 'document_version_rejected', 10),
    ('document_version', NULL, 'document_version', 100)
  ) AS a(table_name, condition, class_name, priority)
  JOIN scsm.retention_class c ON c.name = a.class_name AND c.org_id IS NULL;
