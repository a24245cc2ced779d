-- Retention: error paths with their messages and SQLSTATEs.
\set VERBOSITY default
SET client_min_messages = warning;
INSERT INTO scsm.organization (org_id, name, short_name) VALUES (920, 'Retention Regress Port', 'retention_regress');
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (920, 1, 'Ana');
INSERT INTO scsm.kpi (org_id, kpi_id, name, measure_kind, orientation, frequency, owner)
VALUES (920, 1, 'Checks', 'quantitative', 'proactive', '1 day', 1);
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value)
VALUES (920, 1, 1, '2001-01-01 00:00+00', 1), (920, 2, 1, '2099-01-01 00:00+00', 2);

-- stamps are fixed at write time, in UTC
SET TimeZone = 'America/New_York';
SELECT class_name, retention_basis AT TIME ZONE 'UTC' AS basis_utc, retain_until AT TIME ZONE 'UTC' AS until_utc, state
  FROM scsm.retention_of('scsm.measurement', '{"org_id": 920, "measurement_id": 1}');
RESET TimeZone;

-- direct changes are refused
DELETE FROM scsm.measurement WHERE org_id = 920 AND measurement_id = 2;
UPDATE scsm.measurement SET value = 3 WHERE org_id = 920;
TRUNCATE scsm.measurement;
UPDATE scsm.ledger_row SET retain_until = '2000-01-01' WHERE row_key = '{"org_id":"920","measurement_id":"2"}';
UPDATE scsm.ledger_row SET retention_class = NULL WHERE row_key = '{"org_id":"920","measurement_id":"2"}';

-- bad parameters
SELECT scsm.dispose_expired(0);
SELECT scsm.retention_dispose_batch('scsm.kpi', 10);
-- a snapshot older than the hold lock would not see a hold placed meanwhile
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT scsm.retention_dispose_batch('scsm.measurement', 10);
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT scsm.retention_dispose_batch('scsm.measurement', 10);
ROLLBACK;
SELECT * FROM scsm.retention_candidates('scsm.measurement', 1, NULL, 'nonsense');

-- assignments and holds are checked against the table
INSERT INTO scsm.retention_assignment (table_name, condition, class_id)
SELECT 'measurement', '{"colour": "red"}', class_id FROM scsm.retention_class WHERE name = 'measurement';
INSERT INTO scsm.retention_assignment (table_name, condition, class_id)
SELECT 'measurement', '{"kpi_id": "one"}', class_id FROM scsm.retention_class WHERE name = 'measurement';
INSERT INTO scsm.retention_assignment (table_name, class_id)
SELECT 'kpi', class_id FROM scsm.retention_class WHERE name = 'measurement';
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, action, anonymise_columns)
VALUES ('rg_anon', 'x', '1 year', 'event', 'closed_on', 'anonymise', ARRAY['title']);
INSERT INTO scsm.retention_assignment (table_name, class_id)
SELECT 'incident', class_id FROM scsm.retention_class WHERE name = 'rg_anon';
SELECT scsm.place_legal_hold('scsm.measurement', '{"nosuch": 1}', 'x');
SELECT scsm.place_legal_hold('scsm.measurement', '{"value": [1, 2]}', 'x');
SELECT scsm.release_legal_hold(999999, 'x');

-- locked classes
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, locked)
VALUES ('rg_locked', 'x', '2 years', 'record_date', 'measured_at', true);
UPDATE scsm.retention_class SET period = '1 year' WHERE name = 'rg_locked';
UPDATE scsm.retention_class SET period = '730 days' WHERE name = 'rg_locked';
UPDATE scsm.retention_class SET locked = false WHERE name = 'rg_locked';
UPDATE scsm.retention_class SET action = 'archive' WHERE name = 'rg_locked';
DELETE FROM scsm.retention_class WHERE name = 'rg_locked';
UPDATE scsm.retention_class SET period = '3 years' WHERE name = 'rg_locked';
SELECT name, period, locked FROM scsm.retention_class WHERE name = 'rg_locked';
INSERT INTO scsm.retention_exception (class_id, period, reason)
SELECT class_id, '1 day', 'x' FROM scsm.retention_class WHERE name = 'rg_locked';
DELETE FROM scsm.retention_class WHERE name = 'measurement';

-- the disposal itself, and what it leaves
SELECT scsm.dispose_expired(10, 'scsm.measurement');
SELECT table_name, row_key, version, class_name, retain_until AT TIME ZONE 'UTC' AS until_utc, action, reason
  FROM scsm.disposal_certificate WHERE row_key LIKE '{"org_id":"920"%';
SELECT count(*) AS discrepancies FROM scsm.verify_ledger();
SELECT event, table_name, count FROM scsm.event_log WHERE table_name = 'measurement' ORDER BY event_id;

-- a new version of a stamped versioned row, each in its own transaction:
-- the queue's relation is opened and closed cleanly (no reference leak
-- warning at commit)
CREATE TABLE public.rg_vers (id int PRIMARY KEY, d date, note text);
SELECT scsm.protect('public.rg_vers', 'versioned');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('rg_vers', 'x', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'rg_vers', class_id FROM scsm.retention_class WHERE name = 'rg_vers';
INSERT INTO public.rg_vers VALUES (1, '2090-01-01', 'a');
UPDATE public.rg_vers SET note = 'b' WHERE id = 1;
UPDATE public.rg_vers SET note = 'c' WHERE id = 1;
SELECT d.version FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id) WHERE lt.table_name = 'rg_vers';

-- a hold on a column whose own equality is looser than JSON's (a
-- case-insensitive collation) holds every spelling that equality calls
-- equal, without a warning
CREATE COLLATION rg_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE public.rg_ci (id int PRIMARY KEY, d date, name text COLLATE rg_nocase, ref text);
SELECT scsm.protect('public.rg_ci', 'append_only');
SELECT scsm.place_legal_hold('public.rg_ci', '{"name": "Müller", "ref": "C-1"}', 'claim') IS NOT NULL AS placed;
SELECT scsm.place_legal_hold('public.rg_ci', '{"ref": "C-2"}', 'claim') IS NOT NULL AS placed_quietly;
INSERT INTO public.rg_ci VALUES (1, '2000-01-01', 'MÜLLER', 'C-1'), (2, '2000-01-01', 'müller', 'C-1'),
                                (3, '2000-01-01', 'Mueller', 'C-1'), (4, '2000-01-01', 'x', 'c-2');
SELECT id, name, ref, EXISTS (SELECT 1 FROM scsm.legal_hold h
                               WHERE h.released_at IS NULL AND h.table_name = 'rg_ci'
                                 AND scsm.hold_holds_row(r.*, scsm.hold_condition_for('public.rg_ci', h.condition))) AS held
  FROM public.rg_ci r ORDER BY id;

-- an anonymised replacement is written as the table's owner, yet the
-- disposal's transaction is the disposer's: its ledger_txn row names who
-- disposed (here the session's superuser), not the owner
DO $$ BEGIN CREATE ROLE regress_anon_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE public.rg_anon_owned (id int PRIMARY KEY, d date NOT NULL, note text);
ALTER TABLE public.rg_anon_owned OWNER TO regress_anon_owner;
SELECT scsm.protect('public.rg_anon_owned', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, action, anonymise_columns)
VALUES ('rg_anon_owned', 'x', '1 year', 'record_date', 'd', 'anonymise', ARRAY['note']);
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'rg_anon_owned', class_id FROM scsm.retention_class WHERE name = 'rg_anon_owned';
INSERT INTO public.rg_anon_owned VALUES (1, '2000-01-01', 'name');
SELECT scsm.dispose_expired(10, 'public.rg_anon_owned');
SELECT x.session_role = session_user AS session_is_disposer, x.role_name = session_user AS role_is_disposer
  FROM scsm.ledger_entry e JOIN scsm.ledger_txn x USING (txn_id)
 WHERE e.table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'rg_anon_owned')
 ORDER BY e.entry_id DESC LIMIT 1;
