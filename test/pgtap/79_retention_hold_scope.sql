-- What a legal hold holds, and what keeps records back besides, whatever
-- the table looks like: ranges under another DateStyle, a table with a
-- column named t, an organisation's hold on a table without org_id, case
-- holds whose values no table checked, the registers of retention itself,
-- and a review left open when its class stops asking for one.  Each is
-- checked on both of disposal's paths: scsm.retention_candidates (SQL) and
-- the batch itself (the queue path, in C, for append-only tables).
BEGIN;
SELECT plan(47);

\i test/fixtures/retention_org.sql
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('scope', 'hold scope', '1 year', 'record_date', 'd');
CREATE FUNCTION pg_temp.protected(tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM scsm.protect(format('public.%I', tbl)::regclass, 'append_only');
  INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
  SELECT 'public', tbl, class_id FROM scsm.retention_class WHERE name = 'scope';
END
$$;
CREATE FUNCTION pg_temp.held(tbl text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM scsm.retention_candidates(format('public.%I', tbl)::regclass, NULL, NULL, 'held')
$$;

-- ranges: written by DateStyle
CREATE TABLE public.rng (id int PRIMARY KEY, d date NOT NULL, span tstzrange, days daterange);
SELECT pg_temp.protected('rng');
INSERT INTO public.rng VALUES
  (1, '2000-01-01', '[2020-01-01 00:00+00,2020-02-01 00:00+00)', '[2020-01-01,2020-02-01)'),
  (2, '2000-01-01', '[2021-01-01 00:00+00,2021-02-01 00:00+00)', '[2021-03-01,2021-04-01)'),
  (3, '2000-01-01', '[2022-01-01 00:00+00,2022-02-01 00:00+00)', '[2022-01-01,2022-02-01)');
SET LOCAL DateStyle = 'German';
SELECT scsm.place_legal_hold('public.rng', '{"span": "[2020-01-01 00:00+00,2020-02-01 00:00+00)"}', 'claim') IS NOT NULL;
SET LOCAL DateStyle = 'ISO, MDY';
SELECT scsm.place_legal_hold('public.rng', '{"days": "[2021-03-01,2021-04-01)"}', 'claim') IS NOT NULL;
SET LOCAL DateStyle = 'SQL, DMY';
SELECT is(pg_temp.held('rng'), 2::bigint, 'range holds placed under German and ISO DateStyle hold under SQL, DMY');
SELECT is(scsm.dispose_expired(100, 'public.rng'), 1::bigint, 'the batch takes only the unheld row');
RESET DateStyle;
SELECT results_eq($$SELECT id FROM public.rng ORDER BY id$$, $$VALUES (1), (2)$$, 'both held rows stay');

-- a column named t: the row is not shadowed by it
CREATE TABLE public.shipment (id int PRIMARY KEY, d date NOT NULL, t text, ref text);
SELECT pg_temp.protected('shipment');
INSERT INTO public.shipment VALUES (1, '2000-01-01', 'truck', 'CLAIM-1'), (2, '2000-01-01', 'ship', 'none');
SELECT scsm.place_legal_hold('public.shipment', '{"ref": "CLAIM-1"}', 'claim') IS NOT NULL;
SELECT is(pg_temp.held('shipment'), 1::bigint, 'a table with a column t: the hold holds its row');
SELECT is(scsm.dispose_expired(100, 'public.shipment'), 1::bigint, 'the batch keeps it');
SELECT results_eq($$SELECT id FROM public.shipment$$, $$VALUES (1)$$, 'the held shipment stays');

-- an organisation's hold on a table without org_id
CREATE TABLE public.noorg (id int PRIMARY KEY, d date NOT NULL, ref text, case_no int, seen_at timestamptz);
SELECT pg_temp.protected('noorg');
INSERT INTO public.noorg VALUES (1, '2000-01-01', 'CASE-1', 1, '2020-01-01 10:00+00'),
  (2, '2000-01-01', 'other', 7, '2020-01-01 11:00+00'), (3, '2000-01-01', 'other', 8, '2020-01-01 12:00+00'),
  (4, '2000-01-01', 'other', 9, '2020-01-01 13:00+00');
SELECT scsm.place_legal_hold('public.noorg', '{"ref": "CASE-1"}', 'claim', 910) AS h_org \gset
SELECT is((SELECT condition ->> 'org_id' FROM scsm.legal_hold WHERE hold_id = :h_org), '910',
          'the hold records its organisation');
SELECT is(pg_temp.held('noorg'), 1::bigint, 'an organisation''s hold holds on a table without org_id');
-- case holds: values no table checked, read as each table's column type
SELECT scsm.place_case_hold(910, 'investigation', 'INV-7', '{"case_no": "7"}', 'investigation') AS h_case \gset
SELECT scsm.place_case_hold(910, 'investigation', 'INV-8', '{"seen_at": "2020-01-01 12:00"}', 'investigation') AS h_time \gset
SELECT scsm.place_case_hold(910, 'investigation', 'INV-X', '{"case_no": "not a number"}', 'investigation') AS h_bad \gset
SELECT is(pg_temp.held('noorg'), 3::bigint,
          'case holds: "7" holds the integer 7, a time without offset is read as UTC, a value no row can take holds nothing');
SELECT scsm.place_case_hold(910, 'investigation', 'INV-9', '{"case_no": 9.0}', 'investigation') AS h_nine \gset
SELECT is(pg_temp.held('noorg'), 4::bigint, 'a case hold of 9.0 holds the integer 9');
INSERT INTO public.noorg VALUES (5, '2000-01-01', 'other', 10, '2020-01-01 14:00+00');
SELECT is(scsm.dispose_expired(100, 'public.noorg'), 1::bigint, 'the batch takes only the unheld row');
SELECT results_eq($$SELECT id FROM public.noorg ORDER BY id$$, $$VALUES (1), (2), (3), (4)$$, 'the four held rows stay');
SELECT is(scsm.hold_condition_for('public.noorg', '{"case_no": "7", "org_id": 910}'), '{"case_no": 7}'::jsonb,
          'hold_condition_for: the value as the column''s type, org_id left out where there is none');
SELECT is(scsm.hold_condition_for('public.noorg', '{"nosuch": 1}'), NULL, 'a column the table lacks: no row can match');
SELECT is(scsm.hold_condition_for('public.noorg', '{}'), '{}'::jsonb, 'no condition: every row');

-- a value whose text depends on search_path (regclass): the same on both paths
CREATE TABLE public.objs (id int PRIMARY KEY, d date NOT NULL, rel regclass);
SELECT pg_temp.protected('objs');
INSERT INTO public.objs VALUES (1, '2000-01-01', 'public.rng'), (2, '2000-01-01', 'pg_class');
SET LOCAL search_path = pg_catalog;
SELECT scsm.place_legal_hold('public.objs', '{"rel": "public.rng"}', 'claim') IS NOT NULL;
SET LOCAL search_path = public, pg_catalog;
-- (the batch itself: scsm.dispose_expired would pin search_path around it)
SELECT is(scsm.retention_dispose_batch('public.objs', 100), 1::bigint, 'a regclass hold holds under another search_path');
RESET search_path;
SELECT results_eq($$SELECT id FROM public.objs$$, $$VALUES (1)$$, 'the held row stays');

-- the registers of retention are never disposed of
SELECT throws_ok($$INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
                   SELECT 'scsm', 'legal_hold', class_id FROM scsm.retention_class WHERE name = 'scope'$$,
                 '22023', 'table scsm.legal_hold cannot have a retention class',
                 'no retention class for the legal holds');
SELECT throws_ok($$INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
                   SELECT 'scsm', 'disposal_review', class_id FROM scsm.retention_class WHERE name = 'scope'$$,
                 '22023', 'table scsm.disposal_review cannot have a retention class',
                 'nor for the disposal reviews');

-- only an approver may switch a class's approval off
CREATE ROLE scope_mgr NOLOGIN;
GRANT scsm_manager TO scope_mgr;
INSERT INTO scsm.member (org_id, role_name) VALUES (910, 'scope_mgr');
SET LOCAL ROLE scope_mgr;
INSERT INTO scsm.retention_class (org_id, name, description, period, basis, needs_approval)
VALUES (910, 'scope_org', 'an organisation''s class', '1 year', 'record_date', true);
SELECT throws_ok($$UPDATE scsm.retention_class SET needs_approval = false WHERE name = 'scope_org'$$,
                 '42501', 'role "scope_mgr" may not switch off approval for retention class "scope_org"',
                 'a manager who may not approve cannot switch approval off');
SELECT lives_ok($$UPDATE scsm.retention_class SET description = 'still asks' WHERE name = 'scope_org'$$,
                'other changes are the manager''s to make');
RESET ROLE;

-- a review left open when its class stops asking for one
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, needs_approval)
VALUES ('scope_ok', 'needs approval', '1 year', 'record_date', 'd', true);
CREATE TABLE public.rev (id int PRIMARY KEY, d date NOT NULL);
SELECT scsm.protect('public.rev', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'rev', class_id FROM scsm.retention_class WHERE name = 'scope_ok';
INSERT INTO public.rev VALUES (1, '2000-01-01'), (2, '2000-01-01'), (3, '2000-01-01');
SELECT is(scsm.list_disposal_reviews(), 3::bigint, 'three rows listed for review');
SELECT is(scsm.decide_disposal(ARRAY(SELECT r.review_id FROM scsm.disposal_review r
                                      WHERE r.table_name = 'rev' AND r.row_key = '{"id":"2"}'), false, 'keep it'),
          1::bigint, 'one rejected');
UPDATE scsm.retention_class SET needs_approval = false WHERE name = 'scope_ok';
SELECT is((SELECT string_agg(scsm_status, ',' ORDER BY scsm_row_key)
             FROM scsm.retention_candidates('public.rev', NULL, NULL, 'all')),
          'awaiting_approval,rejected,awaiting_approval', 'the class no longer asks: open and rejected reviews still keep their rows');
SELECT is(scsm.dispose_expired(100, 'public.rev'), 0::bigint, 'the batch takes none of them');
SELECT is(scsm.decide_disposal(ARRAY(SELECT r.review_id FROM scsm.disposal_review r
                                      WHERE r.table_name = 'rev' AND r.status = 'pending'), true, 'may go'),
          2::bigint, 'the two open reviews approved');
SELECT is(scsm.dispose_expired(100, 'public.rev'), 2::bigint, 'approved, they go; the rejected row stays');

-- a version without a date does not drop the floor an earlier one set:
-- disposing of the key disposes of every version
CREATE TABLE public.vfloor (id int PRIMARY KEY, d date, note text);
SELECT scsm.protect('public.vfloor', 'versioned');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'vfloor', class_id FROM scsm.retention_class WHERE name = 'scope';
INSERT INTO public.vfloor VALUES (1, '2090-01-01', 'v1');
UPDATE public.vfloor SET d = NULL, note = 'v2' WHERE id = 1;
UPDATE public.vfloor SET d = '2000-01-01', note = 'v3' WHERE id = 1;
SELECT is((SELECT l.retain_until FROM scsm.ledger_row l JOIN scsm.ledger_table lt USING (table_id)
            WHERE lt.table_name = 'vfloor' AND l.version = 3),
          '2091-01-01 00:00+00'::timestamptz, 'version 3 keeps the floor of version 1, through an undated version 2');
SELECT is(scsm.dispose_expired(100, 'public.vfloor'), 0::bigint, 'nothing of the row goes before then');

-- a versioned row goes with its history: a hold that holds an earlier
-- version holds the row, as does a hold placed on the history table
CREATE TABLE public.vh (id int PRIMARY KEY, d date, owner text);
SELECT scsm.protect('public.vh', 'versioned');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'vh', class_id FROM scsm.retention_class WHERE name = 'scope';
INSERT INTO public.vh VALUES (1, '2000-01-01', 'Mallory'), (2, '2000-01-01', 'Mallory'), (3, '2000-01-01', 'Eve');
UPDATE public.vh SET owner = 'Bob' WHERE id IN (1, 2, 3);
SELECT scsm.place_legal_hold('public.vh', '{"owner": "Mallory"}', 'claim') AS h_v1 \gset
SELECT is(pg_temp.held('vh'), 2::bigint, 'a hold of an earlier version holds the row');
SELECT scsm.place_legal_hold(format('public.%I', (SELECT history_table FROM scsm.ledger_table WHERE table_name = 'vh'))::regclass,
                             '{"owner": "Eve"}', 'claim') IS NOT NULL;
SELECT is(pg_temp.held('vh'), 3::bigint, 'so does a hold placed on the history table');
-- holds naming a version: a case hold, and a history-table hold of the current version
INSERT INTO public.vh VALUES (4, '2000-01-01', 'Zed'), (5, '2000-01-01', 'Zed');
UPDATE public.vh SET owner = 'Bob' WHERE id IN (4, 5);
SELECT scsm.place_case_hold(910, 'investigation', 'INV-V', '{"id": 4, "scsm_version": 1}', 'version 1') IS NOT NULL;
SELECT scsm.place_legal_hold(format('public.%I', (SELECT history_table FROM scsm.ledger_table WHERE table_name = 'vh'))::regclass,
                             '{"id": 5, "scsm_version": 2}', 'the current version') IS NOT NULL;
SELECT is(pg_temp.held('vh'), 5::bigint, 'a case hold of an earlier version, and a history-table hold of the current one, hold their rows');
SELECT is(scsm.dispose_expired(100, 'public.vh'), 0::bigint, 'none of them goes');
SELECT is((SELECT count(*) FROM scsm.disposal_certificate WHERE table_name LIKE 'vh%'), 0::bigint,
          'no version of them is disposed of');

-- and with its approval: asked for when any version's class asks
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, needs_approval)
VALUES ('scope_major', 'major, approval', '1 year', 'record_date', 'd', true),
       ('scope_minor', 'minor', '1 year', 'record_date', 'd', false);
CREATE TABLE public.va (id int PRIMARY KEY, d date, kind text);
SELECT scsm.protect('public.va', 'versioned');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id, condition, priority)
SELECT 'public', 'va', class_id, '{"kind": "major"}', 10 FROM scsm.retention_class WHERE name = 'scope_major';
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'va', class_id FROM scsm.retention_class WHERE name = 'scope_minor';
INSERT INTO public.va VALUES (1, '2000-01-01', 'major'), (2, '2000-01-01', 'minor');
UPDATE public.va SET kind = 'minor' WHERE id = 1;
SELECT is((SELECT string_agg(scsm_class_name || ':' || scsm_status, ',' ORDER BY scsm_row_key)
             FROM scsm.retention_candidates('public.va', NULL, NULL, 'all')),
          'scope_minor:awaiting_approval,scope_minor:eligible',
          'reclassed minor, the row whose first version was major still awaits approval');
SELECT is(scsm.dispose_expired(100, 'public.va'), 1::bigint, 'only the row that was always minor goes');
SELECT is(scsm.list_disposal_reviews(), 1::bigint, 'the other is listed for review');
SELECT is(scsm.decide_disposal(ARRAY(SELECT r.review_id FROM scsm.disposal_review r WHERE r.table_name = 'va'),
                               true, 'checked'), 1::bigint, 'approved');
SELECT is(scsm.dispose_expired(100, 'public.va'), 1::bigint, 'and then it goes, both versions');
SELECT is((SELECT string_agg(c.version || ':' || c.class_name, ',' ORDER BY c.version)
             FROM scsm.disposal_certificate c WHERE c.table_name = 'va' AND c.row_key = '{"id":"1"}'),
          '1:scope_major,2:scope_minor', 'each version''s certificate line names the class it was kept under');
SELECT ok((SELECT bool_and(c.retain_until = l.retain_until)
             FROM scsm.disposal_certificate c JOIN scsm.ledger_row l ON l.entry_id = c.entry_id
            WHERE c.table_name = 'va'), 'and the retain_until it was stamped with');

-- and archived when any version's class archives
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, action)
VALUES ('scope_keep', 'archive', '1 year', 'record_date', 'd', 'archive');
CREATE TABLE public.vk (id int PRIMARY KEY, d date, kind text);
SELECT scsm.protect('public.vk', 'versioned');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id, condition, priority)
SELECT 'public', 'vk', class_id, '{"kind": "kept"}', 10 FROM scsm.retention_class WHERE name = 'scope_keep';
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'vk', class_id FROM scsm.retention_class WHERE name = 'scope_minor';
INSERT INTO public.vk VALUES (1, '2000-01-01', 'kept');
UPDATE public.vk SET kind = 'minor' WHERE id = 1;
SELECT is(scsm.dispose_expired(100, 'public.vk'), 1::bigint, 'reclassed to a class that deletes, the row goes');
SELECT is((SELECT string_agg(row_data ->> 'kind', ',' ORDER BY version) FROM scsm.retention_archive WHERE table_name = 'vk'),
          'kept,minor', 'archived, as its first version''s class asked, both versions');

-- columns named like the statements' aliases (t, h, hd): rows are read as
-- whole rows everywhere (archive copies, history, verification)
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column, action)
VALUES ('scope_arch', 'archive', '1 year', 'record_date', 'd', 'archive');
CREATE TABLE public.alias_v (id int PRIMARY KEY, d date, t text, h text, hd text);
CREATE TABLE public.alias_a (id int PRIMARY KEY, d date, t text);
SELECT scsm.protect('public.alias_v', 'versioned');
SELECT scsm.protect('public.alias_a', 'append_only');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', x, class_id FROM scsm.retention_class, (VALUES ('alias_v'), ('alias_a')) v(x) WHERE name = 'scope_arch';
INSERT INTO public.alias_v VALUES (1, '2000-01-01', 'truck', 'x', 'y');
UPDATE public.alias_v SET t = 'ship' WHERE id = 1;
INSERT INTO public.alias_a VALUES (1, '2000-01-01', 'barge');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name LIKE 'public.alias%'), 0::bigint,
          'verify_ledger reads rows with columns t, h and hd');
SELECT is(scsm.dispose_expired(100, 'public.alias_v') + scsm.dispose_expired(100, 'public.alias_a'), 2::bigint,
          'both rows go');
SELECT is((SELECT string_agg(table_name || ':' || (row_data ->> 't'), ',' ORDER BY table_name, version)
             FROM scsm.retention_archive WHERE table_name LIKE 'alias%'),
          'alias_a:barge,alias_v:truck,alias_v:ship', 'archived as whole rows, both versions');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name LIKE 'public.alias%'), 0::bigint,
          'and accounted for');

SELECT * FROM finish();
ROLLBACK;
