-- Retention: stamps in the write path, early delete refused, holds,
-- approval, class changes, exceptions, anonymise and archive, certificates.
BEGIN;
SELECT plan(79);

\i test/fixtures/retention_org.sql

CREATE ROLE ret_admin NOLOGIN;
CREATE ROLE ret_owner NOLOGIN;
CREATE ROLE ret_clerk NOLOGIN;
INSERT INTO scsm.member (org_id, role_name, is_org_admin) VALUES (910, 'ret_admin', true);
INSERT INTO scsm.member (org_id, role_name) VALUES (910, 'ret_clerk');
-- nothing of scsm is granted to PUBLIC (95_access.sql): the roles get a job
GRANT scsm_admin TO ret_admin;
GRANT scsm_viewer TO ret_owner;
GRANT scsm_contributor TO ret_clerk;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA scsm TO ret_admin;
GRANT SELECT, INSERT, DELETE ON scsm.measurement TO ret_clerk;

-- ---------------------------------------------------------------- stamps
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value) VALUES
  (910, 1, 1, '2015-01-01 00:00+00', 1),
  (910, 2, 1, '2030-06-01 00:00+00', 2);
SELECT is((SELECT retain_until FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":1}')),
          '2018-01-01 00:00+00'::timestamptz, 'retain_until = measured_at + 3 years, fixed at write');
SELECT is((SELECT state FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":2}')),
          'retained', 'a recent measurement is retained');

-- ---------------------------------------------------------------- early delete refused
SELECT throws_ok($$DELETE FROM scsm.measurement WHERE measurement_id = 2$$, '55000', NULL,
                 'superuser: direct DELETE refused');
SELECT throws_ok($$TRUNCATE scsm.measurement$$, '55000', NULL, 'superuser: TRUNCATE refused');
SET LOCAL ROLE ret_admin;
SELECT throws_ok($$DELETE FROM scsm.measurement WHERE measurement_id = 2$$, '55000', NULL,
                 'org admin: direct DELETE refused');
RESET ROLE;
SET LOCAL ROLE ret_clerk;
SELECT throws_ok($$DELETE FROM scsm.measurement WHERE measurement_id = 1$$, '55000', NULL,
                 'clerk: direct DELETE of an expired row refused too');
SELECT throws_ok($$SELECT scsm.dispose_expired()$$, '42501', NULL, 'clerk may not run disposal');
RESET ROLE;
-- a user table owned by a non-superuser, under protection with a class
CREATE TABLE public.ret_log (id int PRIMARY KEY, logged_on date NOT NULL, note text);
ALTER TABLE public.ret_log OWNER TO ret_owner;
SET LOCAL ROLE ret_owner;
SELECT lives_ok($$SELECT scsm.protect('public.ret_log', 'append_only')$$, 'owner protects own table');
RESET ROLE;
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, action, anonymise_columns)
VALUES ('ret_log', 'test log', '1 year', 'record_date', 'logged_on', 'anonymise', ARRAY['note']);
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ret_log', class_id FROM scsm.retention_class WHERE name = 'ret_log';
INSERT INTO public.ret_log VALUES (1, '2000-01-01', 'secret name'), (2, current_date, 'fresh');
SET LOCAL ROLE ret_owner;
SELECT throws_ok($$DELETE FROM public.ret_log WHERE id = 2$$, '55000', NULL, 'table owner: direct DELETE refused');
SELECT throws_ok($$UPDATE public.ret_log SET note = NULL WHERE id = 2$$, '55000', NULL, 'table owner: UPDATE refused');
RESET ROLE;
SELECT throws_ok($$UPDATE scsm.ledger_row SET retain_until = '2000-01-01' WHERE table_id = 1$$, '55000',
                 'retain_until of a written record cannot be shortened', 'superuser cannot shorten a stamp');
SELECT lives_ok($$UPDATE scsm.ledger_row SET retain_until = retain_until + interval '1 day'
                   WHERE row_key = '{"org_id":"910","measurement_id":"2"}'$$, 'a stamp may be lengthened');

-- ---------------------------------------------------------------- disposal, anonymise
SELECT is(scsm.dispose_expired(100), 2::bigint, 'dispose_expired takes the two expired rows');
SELECT is((SELECT count(*) FROM scsm.measurement WHERE org_id = 910), 1::bigint, 'expired measurement gone');
SELECT is((SELECT state FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":1}')),
          'disposed', 'retention_of finds the disposed row among the certificate batches');
SELECT is((SELECT note FROM public.ret_log WHERE id = 1), NULL, 'anonymise: the named column is cleared');
SELECT is((SELECT logged_on FROM public.ret_log WHERE id = 1), '2000-01-01'::date, 'anonymise: other columns stay');
SELECT is((SELECT note FROM public.ret_log WHERE id = 2), 'fresh', 'unexpired row untouched');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate
            WHERE table_name IN ('measurement', 'ret_log') AND retain_until < disposed_at AND class_name IS NOT NULL),
          2::bigint, 'each disposed row has a certificate with class and retain_until before disposal');
SELECT is(scsm.dispose_expired(100), 0::bigint, 'the anonymised copy is not disposed again');
SELECT is_empty($$SELECT * FROM scsm.verify_ledger()$$, 'verify_ledger clean after disposal and anonymisation');

-- ---------------------------------------------------------------- legal hold
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value) VALUES
  (910, 10, 1, '2010-01-01 00:00+00', 10), (910, 11, 1, '2010-01-01 00:00+00', 11);
SET LOCAL ROLE ret_clerk;
SELECT throws_ok($$SELECT scsm.place_legal_hold('scsm.measurement', '{"measurement_id": 10}', 'case 1')$$,
                 '42501', NULL, 'a clerk may not place a hold');
RESET ROLE;
SET LOCAL ROLE ret_admin;
SELECT lives_ok($$SELECT scsm.place_legal_hold('scsm.measurement', '{"measurement_id": "10"}', 'case 1', 910, 'litigation', 'L-1')$$,
                'org admin places a hold');
RESET ROLE;
SELECT throws_ok($$SELECT scsm.place_legal_hold('scsm.measurement', '{"nosuch": 1}', 'x')$$, '22023', NULL,
                 'hold condition must name real columns');
SELECT is(scsm.dispose_expired(100), 1::bigint, 'only the unheld expired row goes');
SELECT is((SELECT state FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":10}')),
          'held', 'the held row is reported held');
SELECT is(scsm.list_disposal_reviews(), 0::bigint, 'review step runs');
SELECT is((SELECT count FROM scsm.event_log WHERE event = 'blocked_by_hold' ORDER BY event_id DESC LIMIT 1),
          1::bigint, 'blocked_by_hold event recorded');
SET LOCAL ROLE ret_admin;
SELECT throws_ok($$SELECT scsm.release_legal_hold((SELECT max(hold_id) FROM scsm.legal_hold), '')$$, '22023', NULL,
                 'release needs a reason');
SELECT lives_ok($$SELECT scsm.release_legal_hold((SELECT max(hold_id) FROM scsm.legal_hold), 'case closed')$$,
                'hold released');
RESET ROLE;
SELECT is(scsm.dispose_expired(100), 1::bigint, 'released: the row goes');
SELECT is((SELECT count(*) FROM scsm.legal_hold_history), 1::bigint, 'placing and releasing are both kept (history)');
-- a case hold across tables
INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, reported_at, severity,
                           investigated_by, investigation, investigated_on, closed_on)
VALUES (910, 7, 'near_miss', 'Gate left open', 'x', '2001-01-01', '2001-01-01', 1, 1, 'done', '2001-02-01', '2001-03-01');
SELECT lives_ok($$SELECT scsm.place_case_hold(910, 'investigation', 'INV-7', '{"incident_id": 7}', 'investigation')$$,
                'case hold placed');
SELECT is(scsm.dispose_expired(100, 'scsm.incident'), 0::bigint, 'case hold keeps the incident');

-- ---------------------------------------------------------------- approval
INSERT INTO scsm.incident (org_id, incident_id, kind, title, description, occurred_at, reported_at, severity)
VALUES (910, 8, 'incident', 'Seal broken', 'x', '2001-01-01', '2001-01-01', 4);
SELECT is((SELECT state FROM scsm.retention_of('scsm.incident', '{"org_id":910,"incident_id":8}')),
          'kept (period not started)', 'an open incident is kept: its period starts at closure');
UPDATE scsm.incident SET investigated_by = 1, investigation = 'done', investigated_on = '2001-02-01', closed_on = '2001-03-01'
 WHERE org_id = 910 AND incident_id = 8;
SELECT is(scsm.dispose_expired(100, 'scsm.incident'), 0::bigint, 'incident class needs approval: nothing disposed');
SELECT is(scsm.list_disposal_reviews(), 1::bigint, 'the incident is listed for review');
SET LOCAL ROLE ret_clerk;
SELECT throws_ok($$UPDATE scsm.disposal_review SET status = 'approved', reason = 'x'$$, '42501', NULL,
                 'a clerk cannot approve');
RESET ROLE;
SET LOCAL ROLE ret_admin;
SELECT throws_ok($$SELECT scsm.decide_disposal(ARRAY(SELECT review_id FROM scsm.disposal_review), true, '')$$, '22023',
                 NULL, 'approval needs a reason');
SELECT is(scsm.decide_disposal(ARRAY(SELECT review_id FROM scsm.disposal_review), true, 'seven years passed'),
          1::bigint, 'org admin approves');
RESET ROLE;
SELECT is(scsm.dispose_expired(100, 'scsm.incident'), 1::bigint, 'approved incident disposed');
SELECT is((SELECT approved_by FROM scsm.disposal_certificate WHERE table_name = 'incident' AND version = 2),
          'ret_admin', 'certificate names the approver');
SELECT is((SELECT count(*) FROM scsm.retention_archive WHERE table_name = 'incident'), 2::bigint,
          'incident archived with both versions');

-- ---------------------------------------------------------------- class changes
UPDATE scsm.retention_class SET period = '1 year' WHERE name = 'measurement';
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value) VALUES
  (910, 20, 1, '2030-01-01 00:00+00', 1);
SELECT is((SELECT retain_until FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":20}')),
          '2031-01-01 00:00+00'::timestamptz, 'a shortened class applies to new rows');
SELECT is((SELECT retain_until FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":2}')),
          '2033-06-02 00:00+00'::timestamptz, 'shortening does not touch a written row');
UPDATE scsm.retention_class SET period = '5 years' WHERE name = 'measurement';
SELECT is((SELECT retain_until FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":2}')),
          '2035-06-01 00:00+00'::timestamptz, 'lengthening raises written rows');
UPDATE scsm.retention_class SET locked = true WHERE name = 'measurement';
SELECT throws_ok($$UPDATE scsm.retention_class SET period = '4 years' WHERE name = 'measurement'$$, '55000', NULL,
                 'a locked class cannot be shortened');
SELECT throws_ok($$UPDATE scsm.retention_class SET locked = false WHERE name = 'measurement'$$, '55000', NULL,
                 'a locked class cannot be unlocked');
SELECT throws_ok($$UPDATE scsm.retention_class SET period = '59 months' WHERE name = 'measurement'$$, '55000', NULL,
                 'nor shortened in other units');

-- ---------------------------------------------------------------- exception
INSERT INTO scsm.measurement (org_id, measurement_id, kpi_id, measured_at, value) VALUES
  (910, 30, 1, '2025-01-01 00:00+00', 1);
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('scratch', 'scratch', '10 years', 'record_date', 'logged_on');
UPDATE scsm.retention_assignment SET class_id = (SELECT class_id FROM scsm.retention_class WHERE name = 'scratch')
 WHERE table_name = 'ret_log';
INSERT INTO public.ret_log VALUES (3, '2020-01-01', 'keep me');
INSERT INTO scsm.retention_approver (role_name) VALUES ('ret_admin');
SET LOCAL ROLE ret_admin;
INSERT INTO scsm.retention_exception (class_id, schema_name, table_name, period, reason)
SELECT class_id, 'public', 'ret_log', '1 year', 'court order' FROM scsm.retention_class WHERE name = 'scratch';
SELECT throws_ok($$SELECT scsm.decide_retention_exception((SELECT max(exception_id) FROM scsm.retention_exception), true, 'ok')$$,
                 '42501', NULL, 'the requester cannot approve their own exception');
RESET ROLE;
SELECT is(scsm.dispose_expired(100, 'public.ret_log'), 0::bigint, 'before approval nothing goes');
SELECT lives_ok($$SELECT scsm.decide_retention_exception((SELECT max(exception_id) FROM scsm.retention_exception), true, 'verified order')$$,
                'another authorized role approves');
SELECT is(scsm.dispose_expired(100, 'public.ret_log'), 1::bigint, 'approved exception: the row goes early');
SELECT is_empty($$SELECT * FROM scsm.verify_ledger()$$, 'verify_ledger clean at the end');

-- ---------------------------------------------------------------- around the rules
-- a superuser who switches the refusal off and deletes: still detected
SET LOCAL client_min_messages = error;
ALTER TABLE scsm.measurement DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
DELETE FROM scsm.measurement WHERE org_id = 910 AND measurement_id = 30;
ALTER TABLE scsm.measurement ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
RESET client_min_messages;
SELECT results_eq($$SELECT row_key, kind FROM scsm.verify_ledger()$$,
                  $$VALUES ('{"org_id":"910","measurement_id":"30"}'::text, 'missing'::text)$$,
                  'a row deleted around the rules shows as missing; disposed rows do not');
SELECT is((SELECT state FROM scsm.retention_of('scsm.measurement', '{"org_id":910,"measurement_id":30}')),
          'retained', 'and it has no certificate');

-- ---------------------------------------------------------------- altered rows, certificate content
-- a batch of several rows, one altered around the rules: the altered one is
-- kept (and reported), the others go, each with a full, ledgered certificate
CREATE TABLE public.ret_alt (id int PRIMARY KEY, d date NOT NULL, note text);
SELECT scsm.protect('public.ret_alt', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('ret_alt', 'test', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ret_alt', class_id FROM scsm.retention_class WHERE name = 'ret_alt';
INSERT INTO public.ret_alt SELECT g, date '2000-01-01' + g, 'n' || g FROM generate_series(1, 5) g;
SET LOCAL client_min_messages = error;
ALTER TABLE public.ret_alt DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
UPDATE public.ret_alt SET note = 'forged' WHERE id = 3;
ALTER TABLE public.ret_alt ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
RESET client_min_messages;
SELECT is(scsm.dispose_expired(100, 'public.ret_alt'), 4::bigint, 'a batch disposes the intact rows');
SELECT results_eq($$SELECT id, note FROM public.ret_alt$$, $$VALUES (3, 'forged'::text)$$,
                  'the altered row is kept');
SELECT is((SELECT count FROM scsm.event_log WHERE event = 'disposal_refused_altered' AND table_name = 'ret_alt'),
          1::bigint, 'and reported as disposal_refused_altered');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate c
             JOIN scsm.ledger_row l ON l.entry_id = c.entry_id AND l.table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'ret_alt')
            WHERE c.schema_name = 'public' AND c.table_name = 'ret_alt' AND c.row_key = l.row_key
              AND c.version = l.version AND c.row_hash = l.row_hash AND c.class_name = 'ret_alt'
              AND c.action = 'delete' AND c.reason = 'retention period expired' AND c.disposed_by = session_user
              AND c.retain_until < c.disposed_at AND l.retain_until = c.retain_until
              AND NOT EXISTS (SELECT 1 FROM scsm.retention_due d WHERE d.entry_id = c.entry_id)),
          4::bigint, 'one certificate per disposed row: table, key, version, ledger hash and entry, class, when, who, why');
SELECT is((SELECT count(*) FROM scsm.disposal_batch b WHERE b.table_name = 'ret_alt'),
          1::bigint, 'the batch leaves one certificate batch row');
SELECT is((SELECT count(*) FROM scsm.disposal_batch b
             JOIN scsm.ledger_entry l ON l.table_id = 0 AND l.row_key = scsm.row_key('scsm.disposal_batch', b)
              AND l.row_hash = scsm.row_hash('scsm.disposal_batch', b)
            WHERE b.table_name = 'ret_alt'),
          1::bigint, 'the certificate batch has its own ledger entry with its hash');
SELECT is((SELECT count(*) FROM scsm.ledger_entry l WHERE l.table_id = 0
              AND l.row_key IN (SELECT scsm.row_key('scsm.disposal_batch', b) FROM scsm.disposal_batch b WHERE b.table_name = 'ret_alt')),
          1::bigint, 'one ledger entry per batch, not per disposed row');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate c JOIN scsm.disposal_batch b USING (batch_id)
            WHERE c.table_name = 'ret_alt' AND c.row_key = b.row_keys[c.line] AND c.row_hash = b.row_hashes[c.line]
              AND c.entry_id = b.entry_ids[c.line] AND c.version = b.versions[c.line]),
          4::bigint, 'each per-row certificate is a line of its ledgered batch');
SELECT throws_ok($$UPDATE scsm.disposal_batch SET reason = 'x'$$, '55000', NULL, 'certificate batches cannot be changed');
SELECT results_eq($$SELECT row_key, kind FROM scsm.verify_ledger() WHERE table_name = 'public.ret_alt'$$,
                  $$VALUES ('{"id":"3"}'::text, 'modified'::text)$$,
                  'verify_ledger: the disposed rows are accounted for, the altered one is named');

-- ---------------------------------------------------------------- how rows are deleted
-- a record that a foreign key still points at cannot go: the batch falls
-- back to one row at a time, the free row goes, the referenced one stays
CREATE TABLE public.ret_fk (id int PRIMARY KEY, d date NOT NULL);
SELECT scsm.protect('public.ret_fk', 'append_only');
CREATE TABLE public.ret_fk_ref (id int PRIMARY KEY, fk int REFERENCES public.ret_fk (id));
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('ret_fk', 'test', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ret_fk', class_id FROM scsm.retention_class WHERE name = 'ret_fk';
INSERT INTO public.ret_fk VALUES (1, '2000-01-01'), (2, '2000-01-02');
INSERT INTO public.ret_fk_ref VALUES (1, 1);
SELECT is(scsm.dispose_expired(100, 'public.ret_fk'), 1::bigint, 'a batch with a referenced record disposes the others');
SELECT results_eq($$SELECT id FROM public.ret_fk$$, $$VALUES (1)$$, 'the referenced record stays');
SELECT is((SELECT count(*) FROM scsm.event_log WHERE event = 'disposal_failed' AND table_name = 'ret_fk'),
          1::bigint, 'and its failure is an event');
-- a trigger of the table's owner on DELETE still runs for disposed rows
CREATE TABLE public.ret_trg (id int PRIMARY KEY, d date NOT NULL);
SELECT scsm.protect('public.ret_trg', 'append_only');
CREATE TABLE public.ret_trg_log (id int);
CREATE FUNCTION public.ret_trg_log() RETURNS trigger LANGUAGE plpgsql AS
  $f$BEGIN INSERT INTO public.ret_trg_log VALUES (OLD.id); RETURN OLD; END$f$;
CREATE TRIGGER ret_trg_log AFTER DELETE ON public.ret_trg FOR EACH ROW EXECUTE FUNCTION public.ret_trg_log();
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ret_trg', class_id FROM scsm.retention_class WHERE name = 'ret_fk';
INSERT INTO public.ret_trg VALUES (1, '2000-01-01'), (2, '2000-01-02');
SELECT is(scsm.dispose_expired(100, 'public.ret_trg'), 2::bigint, 'rows of a table with a DELETE trigger are disposed');
SELECT results_eq($$SELECT id FROM public.ret_trg_log ORDER BY id$$, $$VALUES (1), (2)$$,
                  'through the DELETE statement: the trigger ran for each');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate WHERE table_name IN ('ret_fk', 'ret_trg')), 3::bigint,
          'one certificate per disposed row');
SELECT is_empty($$SELECT * FROM scsm.verify_ledger() WHERE table_name IN ('public.ret_fk', 'public.ret_trg')$$,
                'verify_ledger clean for both');

-- ---------------------------------------------------------------- exception, versioned rows
-- an approved exception covers the versions written before its approval; a
-- version written after it is a new record version under the class's period
-- (docs/retention.md), and the key then stays until that version is due
CREATE TABLE public.ret_ver (id int PRIMARY KEY, d date NOT NULL, note text);
SELECT scsm.protect('public.ret_ver', 'versioned');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('ret_ver', 'test', '10 years', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'ret_ver', class_id FROM scsm.retention_class WHERE name = 'ret_ver';
INSERT INTO public.ret_ver VALUES (1, '2020-01-01', 'a'), (2, '2020-01-01', 'b');
UPDATE public.ret_ver SET note = 'a2' WHERE id = 1;
SET LOCAL ROLE ret_admin;
INSERT INTO scsm.retention_exception (class_id, schema_name, table_name, period, reason)
SELECT class_id, 'public', 'ret_ver', '1 year', 'court order' FROM scsm.retention_class WHERE name = 'ret_ver';
RESET ROLE;
SELECT scsm.decide_retention_exception((SELECT max(exception_id) FROM scsm.retention_exception), true, 'verified order');
SELECT results_eq($$SELECT (SELECT retain_until FROM scsm.retention_of('public.ret_ver', jsonb_build_object('id', i)))
                      FROM generate_series(1, 2) i ORDER BY i$$,
                  $$VALUES ('2021-01-01 00:00+00'::timestamptz), ('2021-01-01 00:00+00')$$,
                  'approval lowers both versioned records to basis + the exception''s period');
UPDATE public.ret_ver SET note = 'b2' WHERE id = 2;
SELECT is((SELECT retain_until FROM scsm.retention_of('public.ret_ver', '{"id": 2}')),
          '2030-01-01 00:00+00'::timestamptz, 'a version written after the approval gets the class''s period');
SELECT is(scsm.dispose_expired(100, 'public.ret_ver'), 1::bigint, 'the covered record goes early');
SELECT results_eq($$SELECT id, note FROM public.ret_ver$$, $$VALUES (2, 'b2'::text)$$,
                  'the record written again after the approval stays');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate WHERE table_name = 'ret_ver' AND row_key = '{"id":"1"}'),
          2::bigint, 'both versions of the covered record have a certificate');
SELECT is_empty($$SELECT * FROM scsm.verify_ledger() WHERE table_name = 'public.ret_ver'$$,
                'verify_ledger clean for the versioned table');

SELECT * FROM finish();
ROLLBACK;
