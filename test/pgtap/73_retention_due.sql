-- Retention's due queue (scsm.retention_due): written with the stamp, moved
-- with it, left by disposal; the stamp itself stays in scsm.ledger_row.
BEGIN;
SELECT plan(67);

CREATE ROLE due_req NOLOGIN;
CREATE ROLE due_nobody NOLOGIN;
GRANT scsm_admin TO due_req;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA scsm TO due_req;
INSERT INTO scsm.retention_approver (role_name) VALUES ('due_req');

-- every column of a queue row copies its ledger entry
CREATE FUNCTION pg_temp.due_matches(p_table text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM scsm.retention_due d
    JOIN scsm.ledger_table lt ON lt.table_id = d.table_id AND lt.table_name = p_table
    JOIN scsm.ledger_row l ON l.table_id = d.table_id AND l.entry_id = d.entry_id AND l.row_key = d.row_key
                          AND l.version = d.version AND l.row_hash = d.row_hash
                          AND l.retention_class = d.class_id AND l.retain_until = d.retain_until
$$;
CREATE FUNCTION pg_temp.due_count(p_table text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM scsm.retention_due d JOIN scsm.ledger_table lt ON lt.table_id = d.table_id
   WHERE lt.table_name = p_table
$$;

SELECT hasnt_index('scsm', 'ledger_row', 'ledger_row_due_idx', 'ledger_row has no due index any more');
SELECT is((SELECT count(*) FROM pg_index WHERE indrelid = 'scsm.retention_due'::regclass), 1::bigint,
          'the queue has one index');
SELECT ok((SELECT 'scsm.retention_due'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'scsm'),
          'pg_dump carries the queue (extension configuration table)');
SELECT ok(NOT has_table_privilege('due_nobody', 'scsm.retention_due', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'),
          'an ordinary role has no privilege on the queue');

-- ---------------------------------------------------------------- append-only
CREATE TABLE public.due_a (id int PRIMARY KEY, d date, note text);
SELECT scsm.protect('public.due_a', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('due_a', 'test', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'due_a', class_id FROM scsm.retention_class WHERE name = 'due_a';
INSERT INTO public.due_a VALUES (1, '2000-01-01', 'a'), (2, '2000-06-01', 'b'), (3, NULL, 'no date'),
                                (4, '2090-01-01', 'late');
SELECT is(pg_temp.due_count('due_a'), 3::bigint, 'each stamped row has a queue row; a row whose period has not started none');
SELECT is(pg_temp.due_matches('due_a'), 3::bigint, 'and each queue row copies its entry''s stamp, key, version, hash and class');

UPDATE scsm.retention_class SET period = '2 years' WHERE name = 'due_a';
SELECT is((SELECT retain_until FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"1"}'),
          '2002-01-01 00:00+00'::timestamptz, 'a lengthened class moves the queue row');
SELECT is(pg_temp.due_matches('due_a'), 3::bigint, 'queue and stamps agree after lengthening');

UPDATE scsm.ledger_row SET retain_until = '2060-01-01 00:00+00'
 WHERE table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'due_a') AND row_key = '{"id":"2"}';
SELECT is((SELECT retain_until FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"2"}'),
          '2060-01-01 00:00+00'::timestamptz, 'a superuser lengthening one stamp moves its queue row too');

SELECT throws_ok($$UPDATE scsm.retention_due SET retain_until = '2001-01-01 00:00+00' WHERE row_key = '{"id":"2"}'$$,
                 '55000', 'a row of the due queue must match its ledger entry',
                 'the queue cannot be moved earlier than the stamp, even by a superuser');
SELECT throws_ok($$INSERT INTO scsm.retention_due
                   SELECT table_id, '2001-01-01 00:00+00', entry_id, row_key, version, row_hash, retention_class
                     FROM scsm.ledger_row WHERE table_id = (SELECT table_id FROM scsm.ledger_table WHERE table_name = 'due_a')
                      AND row_key = '{"id":"4"}'$$,
                 '55000', NULL, 'nor can an early row be slipped in');
SELECT throws_ok($$INSERT INTO scsm.retention_due
                   SELECT d.* FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
                    WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"4"}'$$,
                 '23505', NULL, 'nor a second copy of a queue row (it would fail every batch)');

SELECT is(scsm.dispose_expired(100, 'public.due_a'), 1::bigint, 'only the row due by its stamp goes');
SELECT results_eq($$SELECT id FROM public.due_a ORDER BY id$$, $$VALUES (2), (3), (4)$$, 'row 1 disposed');
SELECT is((SELECT l.retain_until FROM scsm.ledger_row l JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND l.row_key = '{"id":"1"}'),
          (SELECT c.retain_until FROM scsm.disposal_certificate c WHERE c.table_name = 'due_a' AND c.row_key = '{"id":"1"}'),
          'the disposed entry keeps its retain_until, the one its certificate names');
SELECT is(pg_temp.due_count('due_a'), 2::bigint, 'and leaves the queue');
SELECT is((SELECT state FROM scsm.retention_of('public.due_a', '{"id": 1}')), 'disposed',
          'retention_of knows it from its certificate');

-- the ledger's own disposal door (scsm.ledger_dispose_row) takes the entry out of the queue too
INSERT INTO public.due_a VALUES (5, '2095-01-01', 'door');
SELECT is((SELECT count(*) FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"5"}'), 1::bigint, 'a new stamped row is queued');
-- but the door keeps retention's rules: not before the row's time, not under a hold
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.due_a', '5', 'door')$$, '55000', NULL,
                 'the ledger''s door refuses a row still within its period');
SELECT is((SELECT count(*) FROM public.due_a WHERE id = 5), 1::bigint, 'the row stays');
INSERT INTO public.due_a VALUES (6, '2000-01-01', 'door, due');
SELECT scsm.place_legal_hold('public.due_a', '{"id": 6}', 'door test');
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.due_a', '6', 'door')$$, '55000', NULL,
                 'the ledger''s door refuses a due row under a legal hold');
SELECT scsm.release_legal_hold((SELECT max(hold_id) FROM scsm.legal_hold), 'door test done');
SELECT ok(scsm.ledger_dispose_row('public.due_a', '6', 'door') > 0, 'the ledger''s door disposes of a due, unheld row');
SELECT is((SELECT count(*) FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"6"}'), 0::bigint, 'and it leaves the queue');
SELECT is((SELECT count(*) FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"5"}'), 1::bigint, 'the refused row is still queued');
-- a row of no class goes through the door, but not under a hold
CREATE TABLE public.due_door (id int PRIMARY KEY, d date, kind text);
SELECT scsm.protect('public.due_door', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('due_door', 'only kind x', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id, condition, priority)
SELECT 'public', 'due_door', class_id, '{"kind": "x"}', 10 FROM scsm.retention_class WHERE name = 'due_door';
INSERT INTO public.due_door VALUES (1, '2000-01-01', 'y'), (2, '2000-01-01', 'y');
SELECT scsm.place_legal_hold('public.due_door', '{"id": 2}', 'door, no class');
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.due_door', '2', 'door')$$, '55000', NULL,
                 'the door refuses a held row of no class');
SELECT ok(scsm.ledger_dispose_row('public.due_door', '1', 'door') > 0, 'and disposes of an unheld one');
-- a versioned row whose earlier version is still within its class's period
CREATE TABLE public.due_doorv (id int PRIMARY KEY, d date, kind text);
SELECT scsm.protect('public.due_doorv', 'versioned');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id, condition, priority)
SELECT 'public', 'due_doorv', class_id, '{"kind": "x"}', 10 FROM scsm.retention_class WHERE name = 'due_door';
INSERT INTO public.due_doorv VALUES (1, '2090-01-01', 'x'), (2, '2090-01-01', 'y');
UPDATE public.due_doorv SET kind = 'y' WHERE id = 1;
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.due_doorv', '1', 'door')$$, '55000', NULL,
                 'the door refuses a row whose earlier version is retained, though its latest has no class');
SELECT ok(scsm.ledger_dispose_row('public.due_doorv', '2', 'door') > 0, 'a row no version of which had a class goes');
-- and asked again, the held row is still refused
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.due_door', '2', 'door')$$, '55000', NULL,
                 'still held');

-- ---------------------------------------------------------------- exception
SET LOCAL ROLE due_req;
INSERT INTO scsm.retention_exception (class_id, schema_name, table_name, period, reason)
SELECT class_id, 'public', 'due_a', '1 month', 'court order' FROM scsm.retention_class WHERE name = 'due_a';
RESET ROLE;
SELECT scsm.decide_retention_exception((SELECT max(exception_id) FROM scsm.retention_exception), true, 'verified');
SELECT is((SELECT retain_until FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND d.row_key = '{"id":"2"}'),
          '2000-07-01 00:00+00'::timestamptz, 'an approved exception lowers the queue row with the stamp');
SELECT is(pg_temp.due_matches('due_a'), 3::bigint, 'queue and stamps agree after the exception (rows 2, 4 and the door''s refused 5)');
SELECT is((SELECT l.retain_until FROM scsm.ledger_row l JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'due_a' AND l.row_key = '{"id":"1"}'),
          '2002-01-01 00:00+00'::timestamptz, 'the disposed entry''s stamp stays as it was disposed under');
SELECT is(scsm.dispose_expired(100, 'public.due_a'), 1::bigint, 'the excepted row goes');

-- ---------------------------------------------------------------- the queue path
-- append-only, no hold: candidates read from the queue in C, each row at
-- the address its queue row remembers, checked by its hash
CREATE TABLE public.due_q (id int PRIMARY KEY, d date NOT NULL, note text);
SELECT scsm.protect('public.due_q', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, needs_approval)
VALUES ('due_q', 'test', '1 year', 'record_date', 'd', false),
       ('due_q_ok', 'test', '1 year', 'record_date', 'd', true);
INSERT INTO scsm.retention_assignment (schema_name, table_name, condition, class_id, priority)
SELECT 'public', 'due_q', '{"note": "approve"}', class_id, 10 FROM scsm.retention_class WHERE name = 'due_q_ok';
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'due_q', class_id FROM scsm.retention_class WHERE name = 'due_q';
INSERT INTO public.due_q
SELECT g, date '2000-01-01' + g, CASE WHEN g <= 2 THEN 'approve' ELSE 'n' || g END FROM generate_series(1, 8) g;
SELECT is((SELECT count(*) FROM public.due_q t JOIN scsm.retention_due d ON d.row_key = format('{"id":"%s"}', t.id)
             AND d.row_tid = t.ctid JOIN scsm.ledger_table lt ON lt.table_id = d.table_id AND lt.table_name = 'due_q'),
          8::bigint, 'each queue row remembers where its row was written');
-- addresses that no longer hold the row (as after a restore): another row's, past the end
UPDATE scsm.retention_due SET row_tid = '(0,1)' WHERE row_key IN ('{"id":"4"}', '{"id":"5"}');
UPDATE scsm.retention_due SET row_tid = '(999,1)' WHERE row_key = '{"id":"7"}';
-- a row altered around the rules
SET LOCAL client_min_messages = error;
ALTER TABLE public.due_q DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
UPDATE public.due_q SET note = 'forged' WHERE id = 6;
ALTER TABLE public.due_q ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
RESET client_min_messages;
SELECT is(scsm.dispose_expired(100, 'public.due_q'), 5::bigint,
          'the due rows go, found by key where their address is stale; not those awaiting approval, not the altered one');
SELECT results_eq($$SELECT id FROM public.due_q ORDER BY id$$, $$VALUES (1), (2), (6)$$, 'rows 3, 4, 5, 7, 8 disposed');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate c
             JOIN scsm.ledger_row l ON l.entry_id = c.entry_id AND l.row_key = c.row_key AND l.row_hash = c.row_hash
                                   AND l.version = c.version AND l.retain_until = c.retain_until
            WHERE c.table_name = 'due_q' AND c.class_name = 'due_q' AND c.action = 'delete'
              AND c.review_id IS NULL AND c.approved_by IS NULL),
          5::bigint, 'each with its certificate: key, version, hash, entry, class, retain_until of its ledger entry');
SELECT is((SELECT count FROM scsm.event_log WHERE event = 'disposal_refused_altered' AND table_name = 'due_q'),
          1::bigint, 'the altered row is kept and reported');
SELECT is(scsm.list_disposal_reviews(), 2::bigint, 'the rows whose class needs approval are listed');
SELECT is(scsm.decide_disposal(ARRAY(SELECT review_id FROM scsm.disposal_review
                                      WHERE table_name = 'due_q' AND row_key = '{"id":"1"}'), true, 'checked'),
          1::bigint, 'one is approved');
SELECT is(scsm.dispose_expired(100, 'public.due_q'), 1::bigint, 'only the approved one goes');
SELECT is((SELECT c.approved_by || '/' || (c.review_id = r.review_id) FROM scsm.disposal_certificate c
             JOIN scsm.disposal_review r ON r.entry_id = c.entry_id
            WHERE c.table_name = 'due_q' AND c.row_key = '{"id":"1"}'),
          session_user || '/true', 'its certificate names the review and the approver');
-- a class that no longer needs approval: its listed row still waits for
-- the decision (a class edit does not overrule an open review), then goes
-- with it
UPDATE scsm.retention_class SET needs_approval = false WHERE name = 'due_q_ok';
SELECT is(scsm.dispose_expired(100, 'public.due_q'), 0::bigint, 'a class without approval now: the listed row waits');
SELECT is(scsm.decide_disposal(ARRAY(SELECT review_id FROM scsm.disposal_review
                                      WHERE table_name = 'due_q' AND row_key = '{"id":"2"}'), true, 'checked'),
          1::bigint, 'its review is approved');
SELECT is(scsm.dispose_expired(100, 'public.due_q'), 1::bigint, 'and it goes');
SELECT is((SELECT (c.review_id = r.review_id) || '/' || coalesce(c.approved_by, 'none') FROM scsm.disposal_certificate c
             JOIN scsm.disposal_review r ON r.entry_id = c.entry_id
            WHERE c.table_name = 'due_q' AND c.row_key = '{"id":"2"}'),
          'true/' || session_user, 'its certificate names its review and the approver');
-- a row deleted around the rules, and one under a legal hold
INSERT INTO public.due_q VALUES (9, '2000-02-01', 'n9'), (10, '2000-02-02', 'n10'), (11, '2000-02-03', 'n11');
SET LOCAL client_min_messages = error;
ALTER TABLE public.due_q DISABLE TRIGGER scsm_ledger_refuse, DISABLE TRIGGER scsm_ledger_refuse_row;
DELETE FROM public.due_q WHERE id = 9;
ALTER TABLE public.due_q ENABLE ALWAYS TRIGGER scsm_ledger_refuse, ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;
RESET client_min_messages;
SELECT scsm.place_legal_hold('public.due_q', '{"id": 11}', 'claim') AS due_hold \gset
SELECT is(scsm.dispose_expired(100, 'public.due_q'), 1::bigint, 'a missing row is passed over, a held one kept');
SELECT results_eq($$SELECT id FROM public.due_q ORDER BY id$$, $$VALUES (6), (11)$$, 'row 10 disposed');
SELECT scsm.release_legal_hold(:due_hold, 'settled');
SELECT is(scsm.dispose_expired(100, 'public.due_q'), 1::bigint, 'released: the row goes');
SELECT results_eq($$SELECT row_key, kind FROM scsm.verify_ledger() WHERE table_name = 'public.due_q' ORDER BY row_key$$,
                  $$VALUES ('{"id":"6"}'::text, 'modified'::text), ('{"id":"9"}', 'missing')$$,
                  'verify_ledger: disposed rows are accounted for; the altered and the deleted row are not');

-- a record written later with an earlier date: the next batch reads on from
-- where the last one stopped, and turns back to the earlier part of the
-- queue whenever it has room
CREATE TABLE public.due_m (id int PRIMARY KEY, d date NOT NULL);
SELECT scsm.protect('public.due_m', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'due_m', class_id FROM scsm.retention_class WHERE name = 'due_q';
INSERT INTO public.due_m SELECT g, date '2000-01-01' + g FROM generate_series(1, 6) g;
SELECT is(scsm.dispose_expired(2, 'public.due_m'), 2::bigint, 'a batch of two');
INSERT INTO public.due_m VALUES (7, '1990-01-01');
SELECT is(scsm.dispose_expired(3, 'public.due_m'), 3::bigint, 'a full batch reads on');
SELECT results_eq($$SELECT id FROM public.due_m ORDER BY id$$, $$VALUES (6), (7)$$,
                  'the earlier record waits while the batches are full');
SELECT is(scsm.dispose_expired(3, 'public.due_m'), 2::bigint, 'a batch with room takes it too');
SELECT is((SELECT count(*) FROM public.due_m), 0::bigint, 'nothing left');

-- ---------------------------------------------------------------- versioned
CREATE TABLE public.due_v (id int PRIMARY KEY, d date, note text);
SELECT scsm.protect('public.due_v', 'versioned');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('due_v', 'test', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'due_v', class_id FROM scsm.retention_class WHERE name = 'due_v';
INSERT INTO public.due_v VALUES (1, '2000-01-01', 'v1'), (2, '2000-01-01', 'v1');
UPDATE public.due_v SET note = 'v2', d = '2001-01-01' WHERE id = 1;
UPDATE public.due_v SET note = 'v3' WHERE id = 1;
SELECT results_eq($$SELECT d.version, d.retain_until FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
                     WHERE lt.table_name = 'due_v' AND d.row_key = '{"id":"1"}'$$,
                  $$VALUES (3, '2002-01-01 00:00+00'::timestamptz)$$,
                  'a new version takes the queue row of the one before: one row per key, the latest version');
UPDATE public.due_v SET note = 'undated', d = NULL WHERE id = 2;
SELECT is(pg_temp.due_count('due_v'), 1::bigint, 'a new version without a stamp leaves no queue row for its key');
SELECT is(scsm.dispose_expired(100, 'public.due_v'), 1::bigint, 'the versioned row goes');
SELECT is(pg_temp.due_count('due_v'), 0::bigint, 'and leaves the queue');

-- the key written again after its disposal: a new record, whose versions
-- carry on from the disposed ones (a version number names one row version
-- of a key for good), and which goes in its turn
INSERT INTO public.due_v VALUES (1, '2000-01-01', 'again');
UPDATE public.due_v SET note = 'again, v2' WHERE id = 1;
SELECT results_eq($$SELECT l.version FROM scsm.ledger_row l JOIN scsm.ledger_table lt USING (table_id)
                     WHERE lt.table_name = 'due_v' AND l.row_key = '{"id":"1"}' ORDER BY l.entry_id$$,
                  $$VALUES (1), (2), (3), (4), (5)$$,
                  'versions of a key written again after its disposal carry on from the disposed ones');
SELECT results_eq($$SELECT scsm_version FROM public.due_v_history WHERE id = 1$$, $$VALUES (4)$$,
                  'the history row of the new record has its own version');
SELECT results_eq($$SELECT d.version FROM scsm.retention_due d JOIN scsm.ledger_table lt USING (table_id)
                     WHERE lt.table_name = 'due_v'$$,
                  $$VALUES (5)$$, 'one queue row for the key: the new record''s latest version');
SELECT is(scsm.dispose_expired(100, 'public.due_v'), 1::bigint, 'the new record goes in its turn');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name IN ('public.due_v', 'public.due_v_history')),
          0::bigint, 'and the ledger verifies: both lives of the key are certified');

-- ---------------------------------------------------------------- rebuild
CREATE TEMP TABLE due_before AS SELECT table_id, retain_until, entry_id, row_key, version, row_hash, class_id
  FROM scsm.retention_due;
SELECT is(scsm.retention_due_rebuild(), (SELECT count(*) FROM due_before),
          'retention_due_rebuild writes the queue again from the stamps');
SELECT set_eq($$SELECT table_id, retain_until, entry_id, row_key, version, row_hash, class_id FROM scsm.retention_due$$,
              $$SELECT * FROM due_before$$,
              'the same rows: latest versions, stamped, not disposed of');
SELECT ok(NOT has_function_privilege('due_nobody', 'scsm.retention_due_rebuild()', 'EXECUTE'),
          'not for ordinary roles');

SELECT * FROM finish();
ROLLBACK;
