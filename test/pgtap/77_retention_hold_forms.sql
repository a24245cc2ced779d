-- A legal hold holds the same rows whatever the session's settings.  Its
-- condition is kept in the JSON form of each column's type, and to_jsonb
-- writes timestamptz by TimeZone, interval by IntervalStyle, bytea by
-- bytea_output and floats by extra_float_digits: a hold placed under one
-- setting must still hold its row when disposal (pg_cron, another session)
-- runs under another.
BEGIN;
SELECT plan(23);

CREATE TABLE public.hf (id int PRIMARY KEY, d date NOT NULL, at timestamptz, span interval,
                        blob bytea, ratio float8);
SELECT scsm.protect('public.hf', 'append_only');
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('hf', 'hold forms', '1 year', 'record_date', 'd');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'hf', class_id FROM scsm.retention_class WHERE name = 'hf';
INSERT INTO public.hf VALUES
  (1, '2000-01-01', '2020-01-01 10:00+00', '1 hour', '\x01', 1),
  (2, '2000-01-01', '2020-01-01 11:00+00', '1 day 02:00', '\x02', 2),
  (3, '2000-01-01', '2020-01-01 12:00+00', '2 hours', '\x0304', 3),
  (4, '2000-01-01', '2020-01-01 13:00+00', '3 hours', '\x05', 0.1::float8 + 0.2::float8),
  (5, '2000-01-01', '2020-01-01 14:00+00', '4 hours', '\x06', 5);

-- each hold placed under a setting of its own; the values as the placer means them
SET LOCAL TimeZone = 'Asia/Tokyo';
SELECT scsm.place_legal_hold('public.hf', '{"at": "2020-01-01 19:00"}', 'Tokyo time') AS h_at \gset
SET LOCAL TimeZone = 'UTC';
SELECT scsm.place_legal_hold('public.hf', '{"at": "2020-01-01 10:00+00"}', 'UTC') AS h_at_utc \gset
SELECT is((SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_at),
          (SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_at_utc),
          'one instant, placed from two time zones: one stored condition');
SELECT scsm.release_legal_hold(:h_at_utc, 'duplicate');
RESET TimeZone;
SET LOCAL IntervalStyle = 'iso_8601';
SELECT scsm.place_legal_hold('public.hf', '{"span": "P1DT2H"}', 'ISO interval') AS h_span \gset
SET LOCAL IntervalStyle = 'postgres';
SELECT scsm.place_legal_hold('public.hf', '{"span": "1 day 02:00:00"}', 'postgres interval') AS h_span2 \gset
SELECT is((SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_span),
          (SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_span2),
          'one interval, placed under two IntervalStyles: one stored condition');
SELECT scsm.release_legal_hold(:h_span2, 'duplicate');
RESET IntervalStyle;
SET LOCAL bytea_output = 'escape';
SELECT scsm.place_legal_hold('public.hf', '{"blob": "\\x0304"}', 'bytes') AS h_blob \gset
RESET bytea_output;
SET LOCAL extra_float_digits = 0;
SELECT scsm.place_legal_hold('public.hf', '{"ratio": 0.30000000000000004}', 'float') AS h_ratio \gset
RESET extra_float_digits;

-- disposal under other settings again
SET LOCAL TimeZone = 'America/New_York';
SET LOCAL IntervalStyle = 'sql_standard';
SET LOCAL bytea_output = 'hex';
SET LOCAL extra_float_digits = 3;
SELECT is((SELECT count(*) FROM scsm.retention_candidates('public.hf', NULL, NULL, 'held')), 4::bigint,
          'the four held rows show as held under other settings');
SELECT is(scsm.dispose_expired(100, 'public.hf'), 1::bigint, 'disposal under other settings takes only the unheld row');
SELECT results_eq($$SELECT id FROM public.hf ORDER BY id$$, $$VALUES (1), (2), (3), (4)$$,
                  'the rows held by time, interval, bytes and float stay');
SET LOCAL TimeZone = 'Pacific/Chatham';
SET LOCAL IntervalStyle = 'postgres_verbose';
SET LOCAL bytea_output = 'escape';
SET LOCAL extra_float_digits = -5;
SELECT is(scsm.dispose_expired(100, 'public.hf'), 0::bigint, 'and under yet other settings');
SELECT is((SELECT count(*) FROM scsm.retention_candidates('public.hf', NULL, NULL, 'eligible')), 0::bigint,
          'no held row is eligible');
RESET TimeZone;
RESET IntervalStyle;
RESET bytea_output;
RESET extra_float_digits;

-- the stored forms do not depend on the placer's settings
SELECT is((SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_at),
          '{"at": "2020-01-01T10:00:00+00:00"}'::jsonb, 'a time is kept in UTC');
SELECT is((SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_blob),
          '{"blob": "\\x0304"}'::jsonb, 'bytes are kept in hex');
SELECT is((SELECT condition FROM scsm.legal_hold WHERE hold_id = :h_ratio),
          '{"ratio": 0.30000000000000004}'::jsonb, 'a float is kept exactly');

-- each hold holds its own row: released one by one
SELECT scsm.release_legal_hold(:h_at, 'settled');
SELECT is(scsm.dispose_expired(100, 'public.hf'), 1::bigint, 'time hold released: its row goes');
SELECT scsm.release_legal_hold(:h_span, 'settled');
SELECT scsm.release_legal_hold(:h_blob, 'settled');
SELECT scsm.release_legal_hold(:h_ratio, 'settled');
SELECT is(scsm.dispose_expired(100, 'public.hf'), 3::bigint, 'all released: the rest go');
SELECT is((SELECT count(*) FROM public.hf), 0::bigint, 'nothing left');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name = 'public.hf'), 0::bigint,
          'verify_ledger: every disposed row accounted for');

-- a value is read as the column reads input: too long is refused, not cut
-- to fit (a cut value would hold rows the hold does not name)
CREATE TABLE public.hf_len (id int PRIMARY KEY, d date NOT NULL, code varchar(3), tag char(3));
SELECT scsm.protect('public.hf_len', 'append_only');
SELECT throws_ok($$SELECT scsm.place_legal_hold('public.hf_len', '{"code": "abcd"}', 'claim')$$, '22023', NULL,
                 'a hold value too long for a varchar(3) column is refused');
SELECT throws_ok($$SELECT scsm.place_legal_hold('public.hf_len', '{"tag": "abcd"}', 'claim')$$, '22023', NULL,
                 'and for a char(3) column');
SELECT lives_ok($$SELECT scsm.place_legal_hold('public.hf_len', '{"code": "abc", "tag": "ab"}', 'claim')$$,
                'values that fit are kept');

-- a case hold's value, which no table checked, is read the same way: too
-- long for a column, it holds nothing there (it used to be cut to fit and
-- held the rows of the cut value); only spaces past the length are dropped,
-- as the column drops them on input
SELECT is(scsm.hold_condition_for('public.hf_len', '{"code": "abcd"}'), '{"code": "abcd"}'::jsonb,
          'case hold: a value too long for varchar(3) stays as given, not cut');
SELECT is(scsm.hold_condition_for('public.hf_len', '{"tag": "abcd"}'), '{"tag": "abcd"}'::jsonb,
          'case hold: nor cut for char(3)');
SELECT is(scsm.hold_condition_for('public.hf_len', '{"code": "ab  "}'), '{"code": "ab "}'::jsonb,
          'case hold: spaces past the length are dropped as on input');
INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
SELECT 'public', 'hf_len', class_id FROM scsm.retention_class WHERE name = 'hf';
INSERT INTO public.hf_len VALUES (1, '2000-01-01', 'abc', 'abc'), (2, '2000-01-01', 'xyz', 'xyz');
SELECT scsm.place_case_hold(NULL, 'litigation', 'C-1', '{"code": "abcd"}', 'claim abcd') AS h_long \gset
SELECT scsm.place_case_hold(NULL, 'litigation', 'C-2', '{"tag": "xyz  "}', 'claim xyz') AS h_pad \gset
SELECT is(scsm.dispose_expired(100, 'public.hf_len'), 1::bigint,
          'disposal takes the row only the too-long case hold named, not the one the padded value names');
SELECT results_eq($$SELECT id FROM public.hf_len$$, $$VALUES (2)$$, 'the row of the padded value is held');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name = 'public.hf_len'), 0::bigint,
          'verify_ledger clean after it');

SELECT * FROM finish();
ROLLBACK;
