-- Legal holds on the general path (versioned tables, scsm.retention_candidates),
-- where one call per row tests all the holds (scsm.hold_holds_any: found by
-- value, the conversions kept for a run).  Property, over many random holds
-- on a versioned table (on its columns, on its history table with
-- scsm_version, case holds), rows written again zero to two times: the rows
-- the general path lists as held are those the holds hold one by one
-- (scsm.hold_holds_row on the row, on it as the version it is, and on each
-- of its history rows), and a run of small batches keeps exactly those.
BEGIN;
SELECT plan(12);

\i test/fixtures/retention_org.sql
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
VALUES ('hv', 'hold versioned', '1 year', 'record_date', 'd');

-- a condition: on the table (a value of a row now or of a version before),
-- on the history table (a version of a row, or a value of version 1), or
-- one that holds nothing
CREATE FUNCTION pg_temp.vcond(r int, kind float8, OUT on_hist boolean, OUT cond jsonb) LANGUAGE sql AS $$
  SELECT kind >= 0.6,
         CASE WHEN kind < 0.1 THEN jsonb_build_object('num', -1)
              WHEN kind < 0.3 THEN jsonb_build_object('code', 'c' || r)
              WHEN kind < 0.4 THEN jsonb_build_object('num', r * 1000, 'dd', (date '2010-01-01' + r)::text)
              WHEN kind < 0.5 THEN jsonb_build_object('nn', r / 4.0)
              WHEN kind < 0.6 THEN jsonb_build_object('code', 'c' || r || 'v2')
              WHEN kind < 0.8 THEN jsonb_build_object('id', r, 'scsm_version', 1 + r % 2)
              ELSE jsonb_build_object('code', 'c' || r) END
$$;

CREATE FUNCTION pg_temp.vround(k int, nh int, bs int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  tbl text := 'hv_' || k;
  hist text;
  c record;
  held int[];
  oracle int[];
  kept int[];
  run bigint;
  n bigint := 0;
  m bigint;
BEGIN
  EXECUTE format('CREATE TABLE public.%I (id int PRIMARY KEY, d date NOT NULL, org_id bigint,
                                          code text, num bigint, dd date, nn numeric)', tbl);
  PERFORM scsm.protect(format('public.%I', tbl)::regclass, 'versioned');
  hist := (SELECT history_table FROM scsm.ledger_table WHERE schema_name = 'public' AND table_name = tbl);
  INSERT INTO scsm.retention_assignment (schema_name, table_name, class_id)
  SELECT 'public', tbl, class_id FROM scsm.retention_class WHERE name = 'hv';
  EXECUTE format($i$INSERT INTO public.%I
                    SELECT g, '2000-01-01', CASE WHEN g %% 3 = 0 THEN NULL ELSE 910 END,
                           'c' || g, g * 1000, date '2010-01-01' + g, g / 4.0
                      FROM generate_series(1, 200) g$i$, tbl);
  -- written again: once for a third of the rows, twice for another third
  EXECUTE format($u$UPDATE public.%I SET code = code || 'v2', num = num + 1 WHERE id %% 3 <> 0$u$, tbl);
  EXECUTE format($u$UPDATE public.%I SET nn = nn + 1000 WHERE id %% 3 = 1$u$, tbl);
  FOR h IN 1 .. nh LOOP
    c := pg_temp.vcond(1 + floor(random() * 200)::int, random());
    IF random() < 0.15 THEN
      PERFORM scsm.place_case_hold(910, 'investigation', 'INV-' || k, c.cond, 'case');
    ELSE
      PERFORM scsm.place_legal_hold(format('public.%I', CASE WHEN c.on_hist THEN hist ELSE tbl END)::regclass,
                                    c.cond, 'claim');
    END IF;
  END LOOP;
  SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO held
    FROM scsm.retention_candidates(format('public.%I', tbl)::regclass, NULL, NULL, 'held') x
    JOIN LATERAL (SELECT (x.scsm_row_key::jsonb ->> 'id')::int AS id) s ON true;
  -- hold by hold: the row, the row as the version it is, its history rows
  EXECUTE format($o$
    WITH hc AS MATERIALIZED (SELECT scsm.hold_condition_for('public.%1$I'::regclass, h.condition) AS c,
                       scsm.hold_condition_for('public.%2$I'::regclass, h.condition) AS ch
                  FROM scsm.legal_hold h
                 WHERE h.released_at IS NULL
                   AND (h.table_name IS NULL OR (h.schema_name = 'public' AND h.table_name IN (%1$L, %2$L))))
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') FROM public.%1$I t
     WHERE EXISTS (SELECT 1 FROM hc
                    WHERE scsm.hold_holds_row(t.*, hc.c)
                       OR scsm.hold_holds_row(t.*, hc.ch,
                                              (SELECT count(*)::int + 1 FROM public.%2$I v WHERE v.id = t.id))
                       OR EXISTS (SELECT 1 FROM public.%2$I hv WHERE hv.id = t.id AND scsm.hold_holds_row(hv.*, hc.ch)))$o$,
    tbl, hist) INTO oracle;
  IF oracle IS DISTINCT FROM held THEN
    RETURN format('hold by hold %s, SQL held %s', oracle, held);
  END IF;
  run := scsm.retention_run_begin();
  FOR b IN 1 .. 100 LOOP
    m := scsm.retention_dispose_batch(format('public.%I', tbl)::regclass, bs, run);
    n := n + m;
    EXIT WHEN m = 0;
  END LOOP;
  EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id), ''{}'') FROM public.%I', tbl) INTO kept;
  IF kept IS DISTINCT FROM held THEN
    RETURN format('kept %s, SQL held %s', kept, held);
  END IF;
  IF n <> 200 - cardinality(held) THEN
    RETURN format('disposed %s, expected %s', n, 200 - cardinality(held));
  END IF;
  RETURN format('ok (%s held, %s holds)', cardinality(held), nh);
END
$$;

SELECT setseed(0.78);
CREATE TEMP TABLE hv_result AS
SELECT k, pg_temp.vround(k, (ARRAY[1, 3, 10, 40, 60, 80, 100, 120])[k], 15) AS r FROM generate_series(1, 8) k;
SELECT ok(r LIKE 'ok%', format('round %s: the rows the general path holds are those the holds hold one by one, and stay: %s', k, r))
  FROM hv_result ORDER BY k;
SELECT ok((SELECT bool_and(substring(r FROM 'ok \(([0-9]+) held')::int BETWEEN 15 AND 185) FROM hv_result WHERE k >= 4),
          'every round with many holds holds many rows, and not all');
SELECT ok((SELECT count(*) FROM scsm.legal_hold WHERE condition ? 'scsm_version') > 10,
          'holds on versions were placed');
SELECT ok(EXISTS (SELECT 1 FROM hv_result WHERE k >= 4 AND r LIKE 'ok%'),
          'rounds ran to the end');
SELECT is((SELECT count(*) FROM scsm.verify_ledger() WHERE table_name LIKE 'public.hv_%'), 0::bigint,
          'verify_ledger: every disposed row accounted for');

SELECT * FROM finish();
ROLLBACK;
