-- 97_ledger_access.sql: access rules of the ledger (70_ledger.sql) that the
-- generic pass of 95_access.sql cannot derive.  Runs after 95, adds rows to
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
    ('ledger_txn',           'scsm_auditor', '{SELECT}'),
    ('ledger_txn',           'scsm_admin',   '{SELECT}'),
    ('disposal_certificate', 'scsm_auditor', '{SELECT}'),
    ('disposal_certificate', 'scsm_admin',   '{SELECT}')
  ) AS v (t, r, p);

INSERT INTO scsm.access_grant (object_kind, object_name, role_name, privileges, builtin)
SELECT 'routine', f, r, p::text[], true
  FROM (VALUES
    ('verify_ledger',        'scsm_auditor', '{EXECUTE}'),
    ('verify_ledger',        'scsm_admin',   '{EXECUTE}'),
    ('ledger_proof',         'scsm_auditor', '{EXECUTE}'),
    ('ledger_proof',         'scsm_admin',   '{EXECUTE}'),
    ('ledger_digest',        'scsm_viewer',  '{EXECUTE}'),
    -- superuser only (the worker, pg_cron, a DBA by hand)
    ('ledger_seal',          'scsm_admin',   '{}'),
    ('run_maintenance',      'scsm_admin',   '{}'),
    ('schedule_maintenance', 'scsm_admin',   '{}'),
    ('ledger_dispose_row',   'scsm_admin',   '{}')
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
