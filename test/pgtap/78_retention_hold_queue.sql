-- Legal holds on disposal's queue path: the rows a batch reads are tested
-- against the active holds in C (retention_hold.c) instead of leaving every
-- batch of a table with a hold to the general SQL query.  Property, over
-- random holds on columns of many types (a table hold of one or two
-- columns, a case hold with the organisation, values that match and values
-- that do not, containment in jsonb and array columns, NULLs) and random
-- session settings: the rows a batch keeps are exactly those
-- scsm.retention_candidates reports held, in SQL, and the batch ran on the
-- queue path (the run knows the table drained, which a batch of the general
-- path never records); and both are what the holds say one by one
-- (scsm.hold_holds_row).  Rounds with many holds dispose in many small
-- batches of one run: the holds are then found by value (RetHoldsIndex) and
-- their conditions, converted once, come from the run's cache from the
-- second batch on (CondApplied).
BEGIN;
SELECT plan(53);

\i test/fixtures/retention_org.sql
CREATE TYPE public.hq_mood AS ENUM ('calm', 'tense');
CREATE TABLE public.hq_src (
  id int PRIMARY KEY, d date NOT NULL, org_id bigint, i int, b bigint, t text, vc varchar(12),
  ch char(4), nu numeric, f8 float8, bo boolean, da date, ts timestamptz, iv interval,
  bt bytea, u uuid, j jsonb, ia int[], mood public.hq_mood,
  code text, num bigint, dd date, nn numeric);
INSERT INTO public.hq_src
SELECT g, '2000-01-01', CASE WHEN g % 3 = 0 THEN NULL ELSE 910 END,
       g % 7, g % 5, 'k' || g % 6, 'v' || g % 4, 'c' || g % 3, (g % 5) / 2.0, (g % 4) * 0.1,
       g % 2 = 0, date '2020-01-01' + g % 9,
       timestamptz '2020-01-01 00:00+00' + (g % 8) * interval '90 minutes',
       (g % 5) * interval '1 day 3 hours', decode(lpad(to_hex(g % 6), 2, '0'), 'hex'),
       md5((g % 5)::text)::uuid, jsonb_build_object('n', g % 3, 'tags', jsonb_build_array('a', g % 2)),
       ARRAY[g % 3, g % 4], (CASE WHEN g % 2 = 0 THEN 'calm' ELSE 'tense' END)::public.hq_mood,
       'c' || g, g * 1000, date '2010-01-01' + g, g / 4.0
  FROM generate_series(1, 240) g;
-- some NULLs in every column a hold can name
UPDATE public.hq_src SET i = NULL, t = NULL, nu = NULL, f8 = NULL, ts = NULL, iv = NULL, bt = NULL,
                         j = NULL, ia = NULL, mood = NULL, ch = NULL
 WHERE id % 11 = 0;
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('hq', 'hold queue', '1 year', 'record_date', 'd');

-- a value of column col for a hold: the text of row r's value (read back as
-- the column's type by the hold's check), a part of it (jsonb, arrays), or
-- one no row has
CREATE FUNCTION pg_temp.hold_value(col text, r int, kind float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  IF kind < 0.15 THEN
    RETURN CASE col WHEN 'i' THEN '99' WHEN 'b' THEN '77' WHEN 't' THEN 'zz' WHEN 'vc' THEN 'nope'
                    WHEN 'ch' THEN 'x' WHEN 'nu' THEN '9.25' WHEN 'f8' THEN '0.7' WHEN 'bo' THEN 'true'
                    WHEN 'da' THEN '1999-01-01' WHEN 'ts' THEN '1999-01-01 00:00+00'
                    WHEN 'iv' THEN '7 days' WHEN 'bt' THEN '\xff' WHEN 'u' THEN md5('x')
                    WHEN 'j' THEN '{"n": 9}' WHEN 'ia' THEN '{9}' ELSE 'calm' END;
  END IF;
  IF kind < 0.35 AND col = 'j' THEN
    RETURN (SELECT jsonb_build_object('n', j -> 'n')::text FROM public.hq_src WHERE id = r AND j IS NOT NULL);
  END IF;
  IF kind < 0.35 AND col = 'ia' THEN
    RETURN (SELECT ARRAY[ia[1]]::text FROM public.hq_src WHERE id = r AND ia IS NOT NULL);
  END IF;
  EXECUTE format('SELECT %I::text FROM public.hq_src WHERE id = $1', col) INTO v USING r;
  RETURN v;
END
$$;

-- a condition on the columns of one value per row (text, integer, date,
-- numeric): the value of row r, two of its values, values of two rows
-- (holds nothing), or a value no row has
CREATE FUNCTION pg_temp.unique_cond(r int, kind float8) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN kind < 0.15 THEN jsonb_build_object('num', -1)
              WHEN kind < 0.3 THEN jsonb_build_object('code', 'c' || r, 'dd', (date '2010-01-01' + r)::text)
              WHEN kind < 0.4 THEN jsonb_build_object('code', 'c' || r, 'num', (r % 240 + 1) * 1000)
              ELSE jsonb_build_object((ARRAY['code', 'num', 'dd', 'nn'])[1 + r % 4],
                                      pg_temp.hold_value((ARRAY['code', 'num', 'dd', 'nn'])[1 + r % 4], r, 1.0))
         END
$$;

-- one round: a fresh protected copy, random holds and settings, disposal in
-- batches of bs; nh holds of pg_temp.unique_cond, else one to three random ones
CREATE FUNCTION pg_temp.hold_round(k int, nh int DEFAULT NULL, bs int DEFAULT 1000) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  cols text[] := ARRAY['i', 'b', 't', 'vc', 'ch', 'nu', 'f8', 'bo', 'da', 'ts', 'iv', 'bt', 'u', 'j', 'ia', 'mood'];
  zones text[] := ARRAY['UTC', 'Asia/Tokyo', 'America/New_York', 'Pacific/Chatham'];
  styles text[] := ARRAY['postgres', 'iso_8601', 'sql_standard', 'postgres_verbose'];
  tbl text := 'hq_' || k;
  holds bigint[] := '{}';
  cond jsonb;
  v text;
  col text;
  run bigint;
  held int[];
  oracle int[];
  kept int[];
  n bigint;
  m bigint;
  tid int;
BEGIN
  EXECUTE format('CREATE TABLE public.%I (LIKE public.hq_src INCLUDING ALL)', tbl);
  PERFORM scsm.protect(format('public.%I', tbl)::regclass, 'append_only');
  INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
  SELECT 'public', tbl, class_id FROM scsm.retention_class WHERE name = 'hq';
  EXECUTE format('INSERT INTO public.%I SELECT * FROM public.hq_src', tbl);
  FOR h IN 1 .. coalesce(nh, 1 + floor(random() * 3)::int) LOOP
    PERFORM set_config('TimeZone', zones[1 + floor(random() * 4)::int], true);
    PERFORM set_config('IntervalStyle', styles[1 + floor(random() * 4)::int], true);
    cond := '{}';
    IF nh IS NOT NULL THEN
      cond := pg_temp.unique_cond(1 + floor(random() * 240)::int, random());
    END IF;
    FOR c IN 1 .. CASE WHEN nh IS NULL THEN 1 + floor(random() * 2)::int ELSE 0 END LOOP
      col := cols[1 + floor(random() * 16)::int];
      v := pg_temp.hold_value(col, 1 + floor(random() * 240)::int, random());
      CONTINUE WHEN v IS NULL;
      -- now and then under another column's name: a value its type may not
      -- take (a table hold is then refused, 22023; a case hold holds nothing
      -- there) or one no row has
      IF random() < 0.1 THEN
        col := cols[1 + floor(random() * 16)::int];
      END IF;
      cond := cond || jsonb_build_object(col, v);
    END LOOP;
    -- no condition would hold the whole table, which the general path decides
    CONTINUE WHEN cond = '{}';
    BEGIN
      IF random() < 0.2 THEN
        holds := holds || scsm.place_case_hold(910, 'investigation', 'INV-' || k, cond, 'case');
      ELSE
        holds := holds || scsm.place_legal_hold(format('public.%I', tbl)::regclass, cond, 'claim');
      END IF;
    EXCEPTION WHEN invalid_parameter_value OR data_exception OR invalid_text_representation THEN
      NULL;
    END;
  END LOOP;
  -- what SQL says is held, under yet other settings
  PERFORM set_config('TimeZone', zones[1 + floor(random() * 4)::int], true);
  PERFORM set_config('IntervalStyle', styles[1 + floor(random() * 4)::int], true);
  PERFORM set_config('bytea_output', CASE WHEN random() < 0.5 THEN 'hex' ELSE 'escape' END, true);
  PERFORM set_config('extra_float_digits', (floor(random() * 5) - 2)::int::text, true);
  SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO held
    FROM scsm.retention_candidates(format('public.%I', tbl)::regclass, NULL, NULL, 'held') c
    JOIN LATERAL (SELECT (c.scsm_row_key::jsonb ->> 'id')::int AS id) s ON true;
  -- and what each hold says alone, hold by hold (scsm.hold_holds_row: no
  -- index by value, no kept conversions)
  EXECUTE format($o$SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') FROM public.%I t
                     WHERE EXISTS (SELECT 1 FROM scsm.legal_hold h
                                    WHERE h.released_at IS NULL
                                      AND (h.table_name IS NULL OR (h.schema_name = 'public' AND h.table_name = %L))
                                      AND scsm.hold_holds_row(t.*, scsm.hold_condition_for(%L::regclass, h.condition)))$o$,
                 tbl, tbl, format('public.%I', tbl)) INTO oracle;
  IF oracle IS DISTINCT FROM held THEN
    RETURN format('hold by hold %s, SQL held %s', oracle, held);
  END IF;
  run := scsm.retention_run_begin();
  n := 0;
  FOR b IN 1 .. 100 LOOP
    m := scsm.retention_dispose_batch(format('public.%I', tbl)::regclass, bs, run);
    n := n + m;
    EXIT WHEN m = 0;
  END LOOP;
  EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id), ''{}'') FROM public.%I', tbl) INTO kept;
  SELECT table_id INTO tid FROM scsm.ledger_table WHERE schema_name = 'public' AND table_name = tbl;
  FOR h IN 1 .. coalesce(array_length(holds, 1), 0) LOOP
    PERFORM scsm.release_legal_hold(holds[h], 'round over');
  END LOOP;
  PERFORM set_config('TimeZone', 'UTC', true);
  PERFORM set_config('IntervalStyle', 'postgres', true);
  PERFORM set_config('bytea_output', 'hex', true);
  PERFORM set_config('extra_float_digits', '1', true);
  IF kept IS DISTINCT FROM held THEN
    RETURN format('kept %s, SQL held %s', kept, held);
  END IF;
  IF n <> 240 - coalesce(array_length(held, 1), 0) THEN
    RETURN format('disposed %s, expected %s', n, 240 - coalesce(array_length(held, 1), 0));
  END IF;
  IF NOT scsm.retention_drained(tid, run) THEN
    RETURN 'not on the queue path';
  END IF;
  RETURN format('ok (%s held, %s holds)', coalesce(array_length(held, 1), 0), coalesce(array_length(holds, 1), 0));
END
$$;

SELECT setseed(0.28);
CREATE TEMP TABLE hq_result AS SELECT k, pg_temp.hold_round(k) AS r FROM generate_series(1, 40) k;
SELECT ok(r LIKE 'ok%', format('round %s: the rows kept are those SQL holds, on the queue path: %s', k, r))
  FROM hq_result ORDER BY k;
-- many holds, batches of 20 rows in one run
CREATE TEMP TABLE hq_many AS SELECT k, pg_temp.hold_round(k, 40 + 10 * (k - 100), 20) AS r FROM generate_series(101, 108) k;
SELECT ok(r LIKE 'ok%', format('round %s, many holds, many batches: the rows kept are those SQL holds: %s', k, r))
  FROM hq_many ORDER BY k;
SELECT ok((SELECT bool_and(substring(r FROM 'ok \(([0-9]+) held')::int BETWEEN 20 AND 200) FROM hq_many),
          'every round with many holds holds many rows, and not all');
SELECT cmp_ok((SELECT count(*) FROM hq_result WHERE r LIKE 'ok (0 held%'), '<', 30::bigint,
              'most rounds hold some rows');
SELECT cmp_ok((SELECT count(*) FROM hq_result WHERE r LIKE 'ok (0 held%'), '>', 0::bigint,
              'some rounds hold none');
SELECT cmp_ok((SELECT count(*) FROM hq_result WHERE r ~ '^ok \((1[0-9]|[2-9][0-9]|1[0-9][0-9]) held'), '>', 5::bigint,
              'several rounds hold many rows');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name LIKE 'public.hq_%'), 0::bigint,
          'verify_ledger: every disposed row accounted for');

SELECT * FROM finish();
ROLLBACK;
