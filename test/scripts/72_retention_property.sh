#!/usr/bin/env bash
# Property test: random clocks (in random order), random classes, random
# holds placed and released, random class lengthening; at every step the
# disposal takes nothing before its time and nothing held, and the ledger
# verifies at the end.  Prints the counts.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..3"
db=scsm_ret_prop_$$
seed=${SCSM_PROP_SEED:-$RANDOM}
psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TABLE public.rec (id int PRIMARY KEY, grp int NOT NULL, rec_date date NOT NULL,
                         due_at_write timestamptz NOT NULL);
SELECT scsm.protect('public.rec', 'append_only');
SQL
out=$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<SQL
SELECT setseed(($seed % 1000) / 1000.0);
-- five classes, one per group, random periods of 1 to 20 years
INSERT INTO scsm.retention_class (name, description, period, basis, basis_column)
SELECT 'p' || g, 'random', make_interval(years => 1 + floor(random() * 20)::int, days => floor(random() * 300)::int),
       'record_date', 'rec_date' FROM generate_series(0, 4) g;
INSERT INTO scsm.retention_assignment (schema_name, table_name, condition, class_id)
SELECT 'public', 'rec', jsonb_build_object('grp', g), (SELECT class_id FROM scsm.retention_class WHERE name = 'p' || g)
  FROM generate_series(0, 4) g;
-- 3000 records dated 1990 .. 2030; due_at_write is what the class said when written
INSERT INTO public.rec (id, grp, rec_date, due_at_write)
SELECT i, i % 5, d, ((d::timestamp) + (SELECT period FROM scsm.retention_class WHERE name = 'p' || (i % 5))) AT TIME ZONE 'UTC'
  FROM (SELECT i, date '1990-01-01' + floor(random() * 14600)::int AS d FROM generate_series(1, 3000) i) s;
-- seal first: the sealer then has no business with these entries
SELECT scsm.ledger_seal();
CREATE TEMP TABLE seen (id int, disposed_at_clock timestamptz, held boolean, due timestamptz);
DO \$\$
DECLARE
  clk timestamptz;
  step int;
  v_hold bigint;
  n bigint;
  total bigint := 0;
  held_blocks bigint := 0;
  bad bigint;
BEGIN
  PERFORM scsm.place_legal_hold('public.rec', jsonb_build_object('grp', 1), 'initial hold');
  FOR step IN 1 .. 80 LOOP
    clk := timestamptz '1995-01-01 00:00+00' + random() * (timestamptz '2070-01-01 00:00+00' - timestamptz '1995-01-01 00:00+00');
    PERFORM set_config('scsm.retention_clock', to_char(clk AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), true);
    -- holds come and go
    IF random() < 0.4 THEN
      PERFORM scsm.place_legal_hold('public.rec', jsonb_build_object('grp', floor(random() * 5)::int), 'random hold');
    END IF;
    IF random() < 0.3 THEN
      SELECT hold_id INTO v_hold FROM scsm.legal_hold WHERE released_at IS NULL ORDER BY random() LIMIT 1;
      IF v_hold IS NOT NULL THEN PERFORM scsm.release_legal_hold(v_hold, 'random release'); END IF;
    END IF;
    -- a class may be lengthened (shortening a written record is impossible)
    IF random() < 0.2 THEN
      UPDATE scsm.retention_class SET period = period + interval '1 year' WHERE name = 'p' || floor(random() * 5)::int;
    END IF;
    SELECT count(*) INTO n FROM scsm.retention_candidates('public.rec', NULL, NULL, 'held');
    held_blocks := held_blocks + n;
    CREATE TEMP TABLE before AS SELECT id, grp, due_at_write FROM public.rec;
    n := scsm.dispose_expired(30, 'public.rec');
    total := total + n;
    INSERT INTO seen
    SELECT b.id, clk,
           EXISTS (SELECT 1 FROM scsm.legal_hold h WHERE h.released_at IS NULL AND h.condition @> jsonb_build_object('grp', b.grp)),
           b.due_at_write
      FROM before b WHERE NOT EXISTS (SELECT 1 FROM public.rec r WHERE r.id = b.id);
    DROP TABLE before;
  END LOOP;
  SELECT count(*) INTO bad FROM seen WHERE held OR due > disposed_at_clock;
  RAISE NOTICE 'steps=80 records=3000 disposed=% held_blocked_checks=% violations=%', total, held_blocks, bad;
END
\$\$;
SELECT 'verify=' || count(*) FROM scsm.verify_ledger();
SELECT 'certs=' || count(*) FROM scsm.disposal_certificate WHERE table_name = 'rec';
SQL
)
line=$(echo "$out" | sed -n 's/.*NOTICE:  //p')
violations=$(echo "$line" | sed -n 's/.*violations=\([0-9]*\).*/\1/p')
disposed=$(echo "$line" | sed -n 's/.*disposed=\([0-9]*\).*/\1/p')
if [ "$violations" = 0 ]; then echo "ok 1 - nothing disposed before its time or while held (seed $seed: $line)"; else echo "not ok 1 - $out"; fi
if echo "$out" | grep -q '^verify=0$'; then echo "ok 2 - verify_ledger clean"; else echo "not ok 2 - $out"; fi
if echo "$out" | grep -q "^certs=${disposed:-x}$"; then echo "ok 3 - one certificate per disposed record ($disposed)"; else echo "not ok 3 - $out"; fi
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
