-- Ledger and retention under the access model (97_ledger_access.sql): the
-- register's records are protected when the extension is created, ordinary
-- members write them without any privilege on the ledger, each entry gets its
-- retention stamp, auditors verify, viewers do not read the hashes, and a
-- role outside scsm is not hindered by the ledger's DDL guards.
BEGIN;
SELECT plan(18);

SELECT scsm.create_organization('Ledger Port', 'tap_lp', 'port') AS org \gset
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (:org, 1, 'Lea Ledger');
INSERT INTO scsm.kpi (org_id, kpi_id, name, measure_kind, orientation, frequency, owner)
VALUES (:org, 1, 'Seal checks', 'quantitative', 'proactive', '1 day', 1);

CREATE ROLE tap_lg_contrib LOGIN;
CREATE ROLE tap_lg_auditor LOGIN;
CREATE ROLE tap_lg_viewer LOGIN;
CREATE ROLE tap_lg_stranger LOGIN;
GRANT scsm_contributor TO tap_lg_contrib;
GRANT scsm_auditor TO tap_lg_auditor;
GRANT scsm_viewer TO tap_lg_viewer;
SELECT scsm.add_member(:org, 'tap_lg_contrib', 'confidential') AS m1 \gset
SELECT scsm.add_member(:org, 'tap_lg_auditor', 'confidential') AS m2 \gset
SELECT scsm.add_member(:org, 'tap_lg_viewer', 'confidential') AS m3 \gset

-- the register's records are protected by CREATE EXTENSION
SELECT is((SELECT array_agg(table_name::text ORDER BY table_name) FROM scsm.ledger_table
            WHERE schema_name = 'scsm' AND mode = 'append_only' AND builtin
              AND table_name IN ('measurement', 'calibration', 'training_record', 'evaluation', 'audit_finding')),
          ARRAY['audit_finding', 'calibration', 'evaluation', 'measurement', 'training_record'],
          'record tables (4.5.4) are append-only from the start');
SELECT is((SELECT array_agg(table_name::text ORDER BY table_name) FROM scsm.ledger_table
            WHERE schema_name = 'scsm' AND mode = 'versioned' AND builtin
              AND table_name IN ('incident', 'nonconformity', 'corrective_action', 'document_version', 'management_review')),
          ARRAY['corrective_action', 'document_version', 'incident', 'management_review', 'nonconformity'],
          'records with a moving status and document versions (4.4.5) are versioned');

-- a contributor records, as a non-superuser with no privilege on the ledger
SET ROLE tap_lg_contrib;
SELECT lives_ok(format($$INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value)
                  VALUES (%1$s, 1, 1, '2025-03-01 00:00+00', 42)$$, :org),
                'a contributor records a measurement into a protected table');
SELECT lives_ok(format($$INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, severity)
                  VALUES (%1$s, 1, 'incident', 'Fence cut', 'Fence cut at gate 2', '2025-03-02 10:00+00', 3)$$, :org),
                'a contributor records an incident');
SELECT lives_ok(format($$UPDATE scsm.incident SET investigated_by = 1, investigation = 'Vandals', investigated_on = '2025-03-05', closed_on = '2025-03-10' WHERE org_id = %1$s AND incident_id = 1$$, :org),
                'a contributor closes the incident: a new version');
SELECT throws_ok(format($$UPDATE scsm.measurement SET value = 41 WHERE org_id = %1$s$$, :org), '55000',
                 'cannot update protected table "measurement"', 'a recorded measurement cannot be changed');
SELECT throws_ok(format($$DELETE FROM scsm.incident WHERE org_id = %1$s$$, :org), '42501', NULL,
                 'a contributor may not delete records at all');
SELECT throws_ok($$SELECT count(*) FROM scsm.ledger_row$$, '42501', NULL, 'a contributor does not read the ledger entries');
SELECT throws_ok($$SELECT * FROM scsm.verify_ledger()$$, '42501', NULL, 'a contributor does not verify');
RESET ROLE;

-- the retention stamp is in the entry the ledger wrote
SELECT is((SELECT retain_until FROM scsm.ledger_row l JOIN scsm.ledger_table t USING (table_id)
            WHERE t.table_name = 'measurement' AND l.row_key = format('{"org_id":"%s","measurement_id":"1"}', :org)),
          '2028-03-01 00:00+00'::timestamptz, 'the measurement''s entry carries retain_until = measured_at + 3 years');
SELECT is((SELECT array_agg(retain_until ORDER BY version) FROM scsm.ledger_row l JOIN scsm.ledger_table t USING (table_id)
            WHERE t.table_name = 'incident' AND l.row_key = format('{"org_id":"%s","incident_id":"1"}', :org)),
          ARRAY[NULL, '2032-03-10 00:00+00']::timestamptz[],
          'the open incident is kept; closing it starts its seven years');
SELECT is((SELECT count(*)::int FROM scsm.incident_history WHERE org_id = :org), 1, 'the first version is in the history');

-- an auditor verifies the whole store, reads entries, gets a proof
SELECT scsm.ledger_seal() > 0 AS sealed \gset
SET ROLE tap_lg_auditor;
SELECT is_empty($$SELECT * FROM scsm.verify_ledger()$$, 'an auditor runs verify_ledger: clean');
SELECT ok(scsm.ledger_digest() ? 'hash', 'an auditor takes a digest');
SELECT is((scsm.ledger_proof('scsm.measurement', format('{"org_id": %s, "measurement_id": 1}', :org)::jsonb) ->> 'version')::int,
          1, 'an auditor gets an inclusion proof of a record of its organization');
RESET ROLE;
SET ROLE tap_lg_viewer;
SELECT throws_ok($$SELECT count(*) FROM scsm.ledger_row$$, '42501', NULL, 'a viewer does not read the row hashes');
SELECT ok((SELECT count(*) FROM scsm.ledger_block) >= 1, 'a viewer reads the sealed chain');
RESET ROLE;

-- a role with no scsm privilege at all drops its own table: the DDL guards
-- read scsm.ledger_table as their owner
CREATE SCHEMA tap_lg_own AUTHORIZATION tap_lg_stranger;
SET ROLE tap_lg_stranger;
CREATE TABLE tap_lg_own.scratch (id int PRIMARY KEY);
SELECT lives_ok($$ALTER TABLE tap_lg_own.scratch ALTER COLUMN id TYPE bigint; DROP TABLE tap_lg_own.scratch$$,
                'a role outside scsm rewrites and drops its own table');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
