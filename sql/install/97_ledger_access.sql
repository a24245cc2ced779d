-- 97_ledger_access.sql: access rules of the ledger (70_ledger.sql) and of
-- retention (72_retention.sql) that the generic pass of 95_access.sql cannot
-- derive.  Runs after 95, adds rows to
-- scsm.access_grant and applies them again.  docs/access.md ("The ledger")
-- explains them.
--
-- * The ledger's entries (ledger_row), transactions (ledger_txn) and disposal
--   certificates hold row keys and SHA-256 hashes of every organization's
--   records and carry no org_id, so row-level security cannot filter them: a
--   hash of a short record (a measurement: id, kpi, value, time) can be
--   brute-forced to its content.  They are for auditors and administrators
--   only; which tables are protected and the sealed chain are readable by all.
-- * Nobody writes the ledger's tables: the write path inserts directly from C,
--   the sealer and the disposal door run as superuser (worker, pg_cron).
-- * verify_ledger, ledger_proof: auditors and administrators.

INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT 'relation', t, r, p::text[], true
  FROM (VALUES
    ('ledger_table',         'scsm_viewer',  '{SELECT}'),
    ('ledger_block',         'scsm_viewer',  '{SELECT}'),
    ('maintenance_step',     'scsm_viewer',  '{SELECT}'),
    ('ledger_row',           'scsm_auditor', '{SELECT}'),
    ('ledger_row',           'scsm_admin',   '{SELECT}'),
    ('ledger_entry',         'scsm_auditor', '{SELECT}'),
    ('ledger_entry',         'scsm_admin',   '{SELECT}'),
    ('ledger_pending',       'scsm_auditor', '{SELECT}'),
    ('ledger_pending',       'scsm_admin',   '{SELECT}'),
    ('ledger_txn',           'scsm_auditor', '{SELECT}'),
    ('ledger_txn',           'scsm_admin',   '{SELECT}'),
    ('disposal_certificate', 'scsm_auditor', '{SELECT}'),
    ('disposal_certificate', 'scsm_admin',   '{SELECT}'),
    ('disposal_batch',       'scsm_auditor', '{SELECT}'),
    ('disposal_batch',       'scsm_admin',   '{SELECT}')
  ) AS v (t, r, p);

-- Retention.  Classes, assignments, holds, exceptions and reviews have an
-- org_id and so get row-level security; their global rows (org_id NULL: the
-- builtin classes, holds and approvers for every organization) are readable
-- by every member (policies below).  Review rows are written only by the
-- maintenance run (an approver would otherwise insert one already approved);
-- approvers are decided by administrators.  The archive holds copies of
-- disposed records of every organization, without RLS: auditors and
-- administrators only.  History tables of versioned tables are written by
-- the ledger trigger alone.
INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT 'relation', t, r, p::text[], true
  FROM (VALUES
    ('event_log',            'scsm_viewer',  '{SELECT}'),
    ('retention_class',      'scsm_viewer',  '{SELECT}'),
    ('retention_class',      'scsm_manager', '{INSERT,UPDATE}'),
    ('retention_assignment', 'scsm_viewer',  '{SELECT}'),
    ('retention_assignment', 'scsm_manager', '{INSERT,UPDATE}'),
    ('retention_approver',   'scsm_viewer',  '{SELECT}'),
    ('retention_approver',   'scsm_admin',   '{INSERT,UPDATE}'),
    ('legal_hold',           'scsm_viewer',  '{SELECT}'),
    ('legal_hold',           'scsm_manager', '{INSERT,UPDATE}'),
    ('legal_hold',           'scsm_auditor', '{INSERT,UPDATE}'),
    ('retention_exception',  'scsm_viewer',  '{SELECT}'),
    ('retention_exception',  'scsm_manager', '{INSERT,UPDATE}'),
    ('disposal_review',      'scsm_viewer',  '{SELECT}'),
    ('disposal_review',      'scsm_manager', '{UPDATE}'),
    ('retention_archive',    'scsm_auditor', '{SELECT}'),
    ('retention_archive',    'scsm_admin',   '{SELECT}')
  ) AS v (t, r, p);
INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT 'relation', lt.history_table, 'scsm_viewer', '{SELECT}', true
  FROM scsm.ledger_table lt
 WHERE lt.schema_name = 'scsm' AND lt.history_table IS NOT NULL;

-- Rows with org_id NULL apply to every organization (builtin classes and
-- assignments, approvers, holds and exceptions for all): every member reads
-- them, and, like shared configuration elsewhere, members of scsm_admin write
-- them.  Per-command policies, so the generic membership policy stays.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['retention_class', 'retention_assignment', 'retention_approver',
                           'legal_hold', 'retention_exception', 'disposal_review']
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE POLICY scsm_global_read ON scsm.%I FOR SELECT USING (org_id IS NULL)', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY scsm_global_admin_insert ON scsm.%I FOR INSERT '
      'WITH CHECK (org_id IS NULL AND (SELECT pg_catalog.pg_has_role(''scsm_admin'', ''USAGE'')))', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY scsm_global_admin_update ON scsm.%I FOR UPDATE '
      'USING (org_id IS NULL AND (SELECT pg_catalog.pg_has_role(''scsm_admin'', ''USAGE''))) '
      'WITH CHECK (org_id IS NULL AND (SELECT pg_catalog.pg_has_role(''scsm_admin'', ''USAGE'')))', t);
  END LOOP;
END
$$;

-- The retention registers have BEFORE rule triggers that look at other rows
-- (the class of an assignment, the table of a hold) before row-level
-- security checks the new row; like the _access_guard of 95_access.sql, this
-- guard fires first and refuses a row of an organization the writer is no
-- member of (42501), so the rules cannot answer questions about it.  Rows
-- for every organization (org_id NULL) are for scsm_admin members.
CREATE FUNCTION scsm.tg_retention_access_guard() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NEW;
    END IF;
    IF (NEW.org_id IS NULL AND NOT pg_catalog.pg_has_role('scsm_admin', 'USAGE'))
       OR (NEW.org_id IS NOT NULL AND NOT (NEW.org_id = ANY (scsm.my_org_ids()))) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "%"', TG_TABLE_NAME
            USING ERRCODE = '42501',
                  DETAIL = 'The row belongs to an organization you are not a member of, or to every organization (scsm_admin only).',
                  HINT = 'Write only into your organizations (scsm.my_org_ids()).';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_retention_access_guard() IS
    'Trigger: refuse a retention register row outside the writer''s organizations before the rule triggers see it';
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['retention_class', 'retention_assignment', 'retention_approver',
                           'legal_hold', 'retention_exception', 'disposal_review']
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE TRIGGER _access_guard BEFORE INSERT OR UPDATE ON scsm.%I '
      'FOR EACH ROW EXECUTE FUNCTION scsm.tg_retention_access_guard()', t);
    EXECUTE pg_catalog.format('ALTER TABLE scsm.%I ENABLE ALWAYS TRIGGER _access_guard', t);
  END LOOP;
END
$$;

INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT 'routine', f, r, p::text[], true
  FROM (VALUES
    ('verify_ledger',        'scsm_auditor', '{EXECUTE}'),
    ('verify_ledger',        'scsm_admin',   '{EXECUTE}'),
    -- verify_ledger's passes in C: called by it (SECURITY DEFINER) only
    ('ledger_verify_scan',   'scsm_admin',   '{}'),
    ('ledger_verify_direct_ok', 'scsm_admin', '{}'),
    ('ledger_proof',         'scsm_auditor', '{EXECUTE}'),
    ('ledger_proof',         'scsm_admin',   '{EXECUTE}'),
    ('ledger_digest',        'scsm_viewer',  '{EXECUTE}'),
    -- superuser only (the worker, pg_cron, a DBA by hand)
    ('ledger_seal',          'scsm_admin',   '{}'),
    ('run_maintenance',      'scsm_admin',   '{}'),
    ('schedule_maintenance', 'scsm_admin',   '{}'),
    ('ledger_dispose_row',   'scsm_admin',   '{}'),
    -- retention: the rule triggers (running as the writer) ask it
    ('may_approve_retention', 'scsm_viewer', '{EXECUTE}'),
    ('retention_of',         'scsm_auditor', '{EXECUTE}'),
    ('retention_of',         'scsm_manager', '{EXECUTE}'),
    -- their answers as the ledger owner: run by the two above only
    ('may_approve_retention_check', 'scsm_admin', '{}'),
    ('retention_of_entry',   'scsm_admin',   '{}'),
    -- superuser only (the maintenance run, pg_cron)
    ('log_event',            'scsm_admin',   '{}'),
    ('dispose_expired',      'scsm_admin',   '{}'),
    ('dispose_all_expired',  'scsm_admin',   '{}'),
    ('retention_dispose_batch', 'scsm_admin', '{}'),
    ('retention_dispose_round', 'scsm_admin', '{}'),
    ('retention_run_begin',  'scsm_admin',   '{}'),
    ('retention_drained',    'scsm_admin',   '{}'),
    ('retention_candidates', 'scsm_admin',   '{}'),
    -- the hold test runs a table owner's type input and casts as that owner:
    -- only for disposal (superuser), never on values another role chooses
    ('hold_condition_for',   'scsm_admin',   '{}'),
    ('hold_condition_typed', 'scsm_admin',   '{}'),
    ('hold_holds_row',       'scsm_admin',   '{}'),
    ('hold_holds_any',       'scsm_admin',   '{}'),
    ('retention_door_refusal', 'scsm_admin', '{}'),
    ('retention_pending',    'scsm_admin',   '{}'),
    ('list_disposal_reviews', 'scsm_admin',  '{}'),
    ('retention_review_step', 'scsm_admin',  '{}'),
    ('retention_dispose_step', 'scsm_admin', '{}'),
    ('audits_due_step',      'scsm_admin',   '{}')
  ) AS v (f, r, p);

-- The DDL guards fire for every DROP and rewriting ALTER TABLE in the
-- database, whoever runs it, and look the table up in scsm.ledger_table.  As
-- event trigger functions they run as the user whose command fired them, who
-- may have no privilege on schema scsm at all (nothing is granted to PUBLIC):
-- run as the caller, they would make every DROP TABLE of such a user fail.
-- SECURITY DEFINER lets them read the list; their search_path is pinned, they
-- only read scsm.ledger_table and raise, and nobody may execute them directly.
ALTER FUNCTION scsm.ledger_drop_guard() SECURITY DEFINER;
ALTER FUNCTION scsm.ledger_rewrite_guard() SECURITY DEFINER;
REVOKE ALL ON FUNCTION scsm.ledger_drop_guard(), scsm.ledger_rewrite_guard() FROM PUBLIC;

-- verify_ledger compares every protected table with its entries.  The
-- register's tables are under FORCEd row-level security: run as an auditor it
-- would see only the rows of the auditor's organizations, up to its clearance,
-- and report every other row as missing.  SECURITY DEFINER lets it see the
-- whole store.  It returns only discrepancies (table, key, kind, hashes), never
-- row contents; its search_path is pinned and EXECUTE is for auditors and
-- administrators only.  ledger_proof stays with the caller's rights: it
-- returns the row's encoding, i.e. its content, which RLS must still filter.
ALTER FUNCTION scsm.verify_ledger(jsonb, boolean) SECURITY DEFINER;

SELECT scsm.apply_access();
