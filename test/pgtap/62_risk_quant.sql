-- Quantitative risk: the Monte Carlo engine against the closed forms,
-- reproducibility, portfolio aggregation, propagation against an
-- independent recursive-CTE formulation, knapsack invariants and SQLSTATEs.
BEGIN;
SELECT plan(74);

-- ---------------------------------------------------------------------------
-- Simulation vs closed forms: |simulated - exact| < 4 standard errors, where
-- SE(mean) = sd/sqrt(n) with the exact sd and SE(P(S>0)) = sqrt(p(1-p)/n).
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE mc_case (id int, fd text, fp float8[], md text, mp float8[], n int);
INSERT INTO mc_case VALUES
  (1, 'poisson', '{0.1}',         'lognormal', '{1e5,1e6}',       400000),
  (2, 'poisson', '{3}',           'pert',      '{100,200,1000}',  200000),
  (3, 'poisson', '{20}',          'lognormal', '{1e3,1e4}',       100000),
  (4, 'pert',    '{0.5,2,6}',     'pert',      '{10,50,400}',     200000),
  (5, 'pert',    '{20,100,900}',  'lognormal', '{1e6,1e7}',        20000),
  (6, 'poisson', '{0.01}',        'constant',  '{1000}',          400000),
  (7, 'poisson', '{15}',          'pert',      '{0,10,100,2}',    100000),
  (8, 'pert',    '{0.01,0.05,0.3}', 'lognormal', '{1e4,1e7}',     400000),
  (9, 'poisson', '{0.7}',         'lognormal', '{1e3,1e5}',       400000),
  (10, 'poisson', '{4}',          'lognormal', '{10,1000}',       200000);
CREATE TEMP TABLE mc_result AS
SELECT c.id, c.n, m.mean, m.stddev, m.p_nonzero,
       (s->>'mean')::float8 AS sim_mean, (s->>'p_nonzero')::float8 AS sim_nonzero,
       abs((s->>'mean')::float8 - m.mean) / (m.stddev / sqrt(c.n)) AS mean_se_off,
       CASE WHEN m.p_nonzero * (1 - m.p_nonzero) > 1e-12
            THEN abs((s->>'p_nonzero')::float8 - m.p_nonzero)
                 / sqrt(m.p_nonzero * (1 - m.p_nonzero) / c.n)
            ELSE abs((s->>'p_nonzero')::float8 - m.p_nonzero) * 1e6 END AS nonzero_se_off
  FROM mc_case c,
       LATERAL scsm.annual_loss_moments(c.fd, c.fp, c.md, c.mp) m,
       LATERAL scsm.simulate_loss(20261127, c.id, c.n, c.fd, c.fp, c.md, c.mp) s;
SELECT diag(format('case %s: mean %s SE off, P(S>0) %s SE off', id,
                   round(mean_se_off::numeric, 2), round(nonzero_se_off::numeric, 2)))
  FROM mc_result ORDER BY id;
SELECT ok(mean_se_off < 4, format('case %s: simulated mean within 4 SE of the closed form', id))
  FROM mc_result ORDER BY id;
SELECT ok(nonzero_se_off < 4, format('case %s: simulated P(S>0) within 4 SE of 1 - E[exp(-rate)]', id))
  FROM mc_result ORDER BY id;

-- the Poisson count itself: constant magnitude 1, rate 12 (PTRS branch) and 11.5 (inversion)
SELECT ok(abs(var_samp(x) - 12) / sqrt((12 + 2 * 144.0) / 200000) < 4
          AND abs(avg(x) - 12) / sqrt(12 / 200000.0) < 4,
          'Poisson(12) counts: mean and variance within 4 SE')
  FROM unnest(scsm.simulate_annual_losses(5, 1, 0, 200000, 'poisson', '{12}', 'constant', '{1}')) x;
SELECT ok(abs(var_samp(x) - 11.5) / sqrt((11.5 + 2 * 11.5 * 11.5) / 200000) < 4
          AND abs(avg(x) - 11.5) / sqrt(11.5 / 200000.0) < 4,
          'Poisson(11.5) counts: mean and variance within 4 SE')
  FROM unnest(scsm.simulate_annual_losses(5, 2, 0, 200000, 'poisson', '{11.5}', 'constant', '{1}')) x;

-- the shape of the magnitude sampler, not only its mean: for PERT(0, m, b)
-- magnitudes and a fixed rate L the annual loss has cumulants
-- k2 = L b^2 E[T^2], k4 = L b^4 E[T^4] (T ~ Beta(al, be),
-- E[T^k] = prod_{i<k} (al + i)/(al + be + i)); the sample variance has
-- SE sqrt((k4 + 3 k2^2 - k2^2)/n).
CREATE TEMP TABLE shape_case (id int, m float8, al float8, be float8);
INSERT INTO shape_case VALUES (1, 20, 1.8, 4.2), (2, 50, 3, 3), (3, 0, 1, 5), (4, 97, 4.88, 1.12);
SELECT ok(abs(v - k2) / sqrt((k4 + 2 * k2 * k2) / 200000) < 4,
          format('PERT(0, %s, 100) magnitudes: variance of the annual loss within 4 SE (%s SE)',
                 m, round((abs(v - k2) / sqrt((k4 + 2 * k2 * k2) / 200000))::numeric, 2)))
  FROM (SELECT c.m,
               3 * 1e4 * (c.al * (c.al + 1)) / ((c.al + c.be) * (c.al + c.be + 1)) AS k2,
               3 * 1e8 * (c.al * (c.al + 1) * (c.al + 2) * (c.al + 3))
                 / ((c.al + c.be) * (c.al + c.be + 1) * (c.al + c.be + 2) * (c.al + c.be + 3)) AS k4,
               (SELECT var_samp(x) FROM unnest(scsm.simulate_annual_losses(17, c.id, 0, 200000, 'poisson', '{3}',
                                                                           'pert', ARRAY[0, c.m, 100])) x) AS v
          FROM shape_case c) t
 ORDER BY m;

-- ---------------------------------------------------------------------------
-- Reproducibility and splitting
-- ---------------------------------------------------------------------------
SELECT is(scsm.simulate_annual_losses(7, 3, 0, 1000, 'poisson', '{2}', 'lognormal', '{10,1000}'),
          scsm.simulate_annual_losses(7, 3, 0, 1000, 'poisson', '{2}', 'lognormal', '{10,1000}'),
          'same seed, scenario and iterations give identical losses');
SELECT is(scsm.simulate_annual_losses(7, 3, 0, 333, 'poisson', '{2}', 'lognormal', '{10,1000}')
          || scsm.simulate_annual_losses(7, 3, 333, 667, 'poisson', '{2}', 'lognormal', '{10,1000}'),
          scsm.simulate_annual_losses(7, 3, 0, 1000, 'poisson', '{2}', 'lognormal', '{10,1000}'),
          'iterations [0,333) + [333,1000) equal one run of [0,1000)');
SELECT is((scsm.simulate_annual_losses(7, 3, 0, 1000, 'pert', '{1,3,9}', 'pert', '{1,2,5}'))[501:1000],
          scsm.simulate_annual_losses(7, 3, 500, 500, 'pert', '{1,3,9}', 'pert', '{1,2,5}'),
          'a later range alone reproduces the same iterations (PERT rate and magnitude)');
SELECT isnt(scsm.simulate_annual_losses(7, 3, 0, 100, 'poisson', '{2}', 'lognormal', '{10,1000}'),
            scsm.simulate_annual_losses(8, 3, 0, 100, 'poisson', '{2}', 'lognormal', '{10,1000}'),
            'another seed gives other losses');
SELECT isnt(scsm.simulate_annual_losses(7, 3, 0, 100, 'poisson', '{2}', 'lognormal', '{10,1000}'),
            scsm.simulate_annual_losses(7, 4, 0, 100, 'poisson', '{2}', 'lognormal', '{10,1000}'),
            'another scenario gives other losses');
SELECT ok(abs((scsm.simulate_loss(9, 1, 5000, 'poisson', '{1}', 'pert', '{1,2,9}')->>'mean')::float8
              - (SELECT avg(x) FROM unnest(scsm.simulate_annual_losses(9, 1, 0, 5000, 'poisson', '{1}', 'pert', '{1,2,9}')) x))
          < 1e-9, 'simulate_loss summarises exactly the losses simulate_annual_losses returns');

-- The portable path (no AVX2, as on an x86-64 CPU without it) gives the
-- same numbers as the default one, for every model of the closed-form
-- cases (fixed and PERT rates, 1 to 4 batched Philox blocks, years with
-- more events than the batch).
CREATE TEMP TABLE simd_cmp AS
SELECT c.id, scsm.simulate_annual_losses(31, c.id, 3, 1001, c.fd, c.fp, c.md, c.mp) AS v FROM mc_case c;
SET LOCAL scsm.mc_simd = off;
SELECT is((SELECT count(*) FROM mc_case c JOIN simd_cmp s USING (id)
            WHERE s.v IS DISTINCT FROM scsm.simulate_annual_losses(31, c.id, 3, 1001, c.fd, c.fp, c.md, c.mp)),
          0::bigint, 'scsm.mc_simd = off (portable path) gives the same years as the SIMD (AVX2 / AVX-512) path, every case');
-- AVX2 at most: the path of a CPU without AVX-512, run on this one too
SET LOCAL scsm.mc_simd = avx2;
SELECT is((SELECT count(*) FROM mc_case c JOIN simd_cmp s USING (id)
            WHERE s.v IS DISTINCT FROM scsm.simulate_annual_losses(31, c.id, 3, 1001, c.fd, c.fp, c.md, c.mp)),
          0::bigint, 'scsm.mc_simd = avx2 (the path of CPUs without AVX-512) gives the same years as the default path, every case');
SET LOCAL scsm.mc_simd = on;
SELECT is(current_setting('scsm.mc_simd'), 'auto', 'scsm.mc_simd = on still means auto');
RESET scsm.mc_simd;
SELECT is(scsm.simulate_annual_losses(7, 5, 0, 337, 'poisson', '{6}', 'pert', '{1,2,9}')
          || scsm.simulate_annual_losses(7, 5, 337, 663, 'poisson', '{6}', 'pert', '{1,2,9}'),
          scsm.simulate_annual_losses(7, 5, 0, 1000, 'poisson', '{6}', 'pert', '{1,2,9}'),
          'rate 6, PERT magnitudes: a split run concatenates to the whole run');

-- The documented stream: iteration i of scenario s draws its count from the
-- first Philox block with key = seed and counter = (0, i, s low, s high),
-- u0 = 53 bits of words 0 and 1.  Recomputed here with the scalar
-- philox4x32 (checked against the known-answer vectors in pg_regress): no
-- event in a year exactly when u0 <= exp(-rate).  Covers the batched
-- (SIMD) first blocks, odd offsets and 64-bit seeds and scenario ids.
CREATE FUNCTION pg_temp.u0(seed bigint, scen bigint, it bigint) RETURNS float8 LANGUAGE sql AS $$
  SELECT ((((w[1] << 21) # (w[2] >> 11)) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0
    FROM (SELECT scsm.philox4x32(ARRAY[0, it, scen & 4294967295, (scen >> 32) & 4294967295],
                                 ARRAY[seed & 4294967295, (seed >> 32) & 4294967295]) AS w) x $$;
SELECT is((SELECT count(*) FROM unnest(scsm.simulate_annual_losses(123456789012, 77, 5, 200, 'poisson', '{0.7}', 'constant', '{1}'))
                               WITH ORDINALITY AS t(loss, k)
            WHERE (loss = 0) <> (pg_temp.u0(123456789012, 77, 5 + k - 1) <= exp(-0.7))),
          0::bigint, 'the event counts follow the documented Philox stream (200 iterations)');
SELECT is((SELECT count(*) FROM unnest(scsm.simulate_annual_losses(-5, 8589934597, 4294967000, 100, 'poisson', '{0.7}', 'constant', '{1}'))
                               WITH ORDINALITY AS t(loss, k)
            WHERE (loss = 0) <> (pg_temp.u0(-5, 8589934597, 4294967000 + k - 1) <= exp(-0.7))),
          0::bigint, 'the same with a negative seed, a scenario id above 2^32 and iterations near 2^32');

-- A year with exactly one event (exp(-rate) < u0 <= 2 exp(-rate) at rate 1)
-- loses the magnitude drawn from u1, the 53 bits of words 2 and 3 of the
-- same block: recomputed here and compared with the exact lognormal
-- quantile.  Covers the table's body and both tail tables (u1 < 1/64 and
-- u1 > 63/64, about 1 draw in 32).
CREATE FUNCTION pg_temp.u1(seed bigint, scen bigint, it bigint) RETURNS float8 LANGUAGE sql AS $$
  SELECT ((((w[3] << 21) # (w[4] >> 11)) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0
    FROM (SELECT scsm.philox4x32(ARRAY[0, it, scen & 4294967295, (scen >> 32) & 4294967295],
                                 ARRAY[seed & 4294967295, (seed >> 32) & 4294967295]) AS w) x $$;
CREATE TEMP TABLE one_event AS
SELECT k - 1 AS it, loss, pg_temp.u1(77, 5, k - 1) AS u1
  FROM unnest(scsm.simulate_annual_losses(77, 5, 0, 30000, 'poisson', '{1}', 'lognormal', '{1e3,1e5}'))
         WITH ORDINALITY AS t(loss, k)
 WHERE pg_temp.u0(77, 5, k - 1) > exp(-1.0) + 1e-12 AND pg_temp.u0(77, 5, k - 1) <= 2 * exp(-1.0) - 1e-12;
SELECT ok((SELECT count(*) FILTER (WHERE u1 < 1.0 / 64) > 100 AND count(*) FILTER (WHERE u1 > 63.0 / 64) > 100
             AND count(*) > 8000 FROM one_event),
          'single-event years: thousands of draws, over a hundred in each tail of the table');
SELECT ok((SELECT max(abs(loss / scsm.lognormal_quantile(1e3, 1e5, u1) - 1)) FROM one_event) < 1e-6,
          format('single-event years lose the lognormal quantile of u1 to 1e-6 (relative; largest %s, tails %s)',
                 (SELECT to_char(max(abs(loss / scsm.lognormal_quantile(1e3, 1e5, u1) - 1)), '9.9EEEE') FROM one_event),
                 (SELECT to_char(max(abs(loss / scsm.lognormal_quantile(1e3, 1e5, u1) - 1)), '9.9EEEE') FROM one_event
                   WHERE u1 < 1.0 / 64 OR u1 > 63.0 / 64)));

-- ---------------------------------------------------------------------------
-- Portfolio: per-iteration sums
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE pf (scenario bigint, site text, fd text, fp float8[], md text, mp float8[]);
INSERT INTO pf VALUES
  (1, 'a', 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}'),
  (2, 'a', 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}'),
  (3, 'b', 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}'),
  (4, 'b', 'pert', '{0.5,1,4}', 'pert', '{10,100,500}');
CREATE TEMP TABLE pf_sum AS
SELECT scsm.portfolio_losses(11, 20000, scenario, fd, fp, md, mp) AS sums,
       scsm.portfolio_loss(11, 20000, scenario, fd, fp, md, mp) AS summary
  FROM pf WHERE scenario <= 3;
SELECT ok((SELECT bool_and(abs(s - (a + b + c)) <= 1e-9 * greatest(1, s))
             FROM pf_sum,
                  unnest(sums,
                         scsm.simulate_annual_losses(11, 1, 0, 20000, 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}'),
                         scsm.simulate_annual_losses(11, 2, 0, 20000, 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}'),
                         scsm.simulate_annual_losses(11, 3, 0, 20000, 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}'))
                    AS u(s, a, b, c)),
          'portfolio_losses is the per-iteration sum of the scenarios');
SELECT is((SELECT sum((scsm.simulate_loss(11, s, 20000, 'poisson', '{0.03}', 'lognormal', '{1e3,1e5}')->>'p95')::float8)
             FROM generate_series(1, 3) s),
          0::float8, 'each scenario alone has p95 = 0 (P(S>0) is about 3 %)');
SELECT ok((summary->>'p95')::float8 > 0, 'the portfolio p95 is positive: percentiles do not add')
  FROM pf_sum;
SELECT is((summary->>'p95')::float8,
          (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY x) FROM unnest(sums) x),
          'portfolio p95 = p95 of the per-iteration sums') FROM pf_sum;
SELECT is((summary->>'p99')::float8,
          (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY x) FROM unnest(sums) x),
          'portfolio p99 = p99 of the per-iteration sums') FROM pf_sum;
SELECT is((summary->>'scenarios')::int, 3, 'the summary counts its scenarios') FROM pf_sum;
SELECT ok((SELECT bool_and(abs(ut - (ua + ub)) <= 1e-9 * greatest(1, ut))
             FROM (SELECT scsm.portfolio_losses(11, 2000, scenario, fd, fp, md, mp) AS t FROM pf) w,
                  (SELECT scsm.portfolio_losses(11, 2000, scenario, fd, fp, md, mp) FILTER (WHERE site = 'a') AS ga,
                          scsm.portfolio_losses(11, 2000, scenario, fd, fp, md, mp) FILTER (WHERE site = 'b') AS gb
                     FROM pf) g,
                  unnest(w.t, g.ga, g.gb) AS u(ut, ua, ub)),
          'site portfolios add up, iteration by iteration, to the whole portfolio');
SELECT is((SELECT array_agg(site || ':' || (s->>'scenarios') ORDER BY site)
             FROM (SELECT site, scsm.portfolio_loss(11, 1000, scenario, fd, fp, md, mp) AS s
                     FROM pf GROUP BY site) x),
          ARRAY['a:2', 'b:2'], 'portfolio_loss works with GROUP BY');

-- parallel partial aggregation (combine, serialize, deserialize) gives the serial result
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; t text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    t := t || r."QUERY PLAN" || E'\n';
  END LOOP;
  RETURN t;
END $$;
CREATE TABLE public.scsm_mc_par (scenario bigint, rate float8) WITH (fillfactor = 10);
INSERT INTO public.scsm_mc_par SELECT s, 0.2 + (s % 7) / 10.0 FROM generate_series(1, 3000) s;
ANALYZE public.scsm_mc_par;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE par_serial AS
SELECT scsm.portfolio_losses(3, 500, scenario, 'poisson', ARRAY[rate], 'lognormal', '{10,100}') AS v
  FROM public.scsm_mc_par;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SELECT ok(p LIKE '%Partial Aggregate%' AND p ~ 'Workers Launched: [12]',
          'the portfolio aggregate runs as a parallel partial aggregate')
  FROM pg_temp.plan_of($q$SELECT scsm.portfolio_losses(3, 500, scenario, 'poisson', ARRAY[rate], 'lognormal', '{10,100}') FROM public.scsm_mc_par$q$) p;
SELECT ok((SELECT bool_and(abs(a - b) <= 1e-9 * greatest(1, abs(a)))
             FROM par_serial,
                  (SELECT scsm.portfolio_losses(3, 500, scenario, 'poisson', ARRAY[rate], 'lognormal', '{10,100}') AS v
                     FROM public.scsm_mc_par) par,
                  unnest(par_serial.v, par.v) AS u(a, b)),
          'the parallel portfolio equals the serial one (up to the order of additions)');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- ---------------------------------------------------------------------------
-- Propagation
-- ---------------------------------------------------------------------------
-- two-node chain: P2 = p2 + (1 - p2) w p1
SELECT is((SELECT round(exposure::numeric, 12) FROM scsm.propagate_exposure('{1,2}', '{0.3,0.1}', '{0,10}', '{1}', '{2}', '{0.5}') WHERE node_id = 2),
          round((0.1 + 0.9 * 0.5 * 0.3)::numeric, 12), 'chain: P2 = p2 + (1 - p2) w P1');
SELECT is((SELECT array_agg(node_id) FROM scsm.propagate_exposure('{30,10,20}', '{0.1,0.1,0.1}', '{1,1,1}', '{10,20}', '{20,30}', '{1,1}')),
          '{30,10,20}'::bigint[], 'rows come back in input order');
SELECT is((SELECT array_agg(depth ORDER BY node_id) FROM scsm.propagate_exposure('{1,2,3,4}', '{0,0,0,0}', '{1,1,1,1}', '{1,2,1}', '{2,3,3}', '{1,1,1}')),
          '{0,1,2,0}'::int[], 'depth is the longest supplier chain');
SELECT is((SELECT exposure FROM scsm.propagate_exposure('{1,2}', '{0.2,0}', '{1,1}', '{1}', '{2}', '{0}') WHERE node_id = 2),
          0::float8, 'weight 0 carries nothing');
SELECT is((SELECT exposure FROM scsm.propagate_exposure('{1,2,3}', '{1,0,0.5}', '{1,1,1}', '{1,2}', '{2,3}', '{1,1}') WHERE node_id = 3),
          1::float8, 'a certain disruption with full dependency propagates certainly');

-- random DAG (seeded) against the recursive-CTE formulation of the same model
SELECT setseed(0.42);
CREATE TEMP TABLE prop_node AS
SELECT i::bigint AS id, 0.3 * random() AS p, round((1000 * random())::numeric, 2)::float8 AS loss
  FROM generate_series(1, 300) i;
CREATE TEMP TABLE prop_link AS
SELECT a AS src, a + 1 + floor(random() * least(40, 300 - a))::bigint AS dst, random() AS w
  FROM (SELECT 1 + floor(random() * 299)::bigint AS a FROM generate_series(1, 1500)) x;
CREATE INDEX ON prop_link (src);
CREATE TEMP TABLE prop_c AS
SELECT r.* FROM (SELECT array_agg(id ORDER BY id) i, array_agg(p ORDER BY id) p, array_agg(loss ORDER BY id) l FROM prop_node) n,
               (SELECT array_agg(src) s, array_agg(dst) d, array_agg(w) w FROM prop_link) k,
               scsm.propagate_exposure(n.i, n.p, n.l, k.s, k.d, k.w) r;
CREATE TEMP TABLE prop_q AS
WITH RECURSIVE
  sup AS (SELECT n.id, n.p, n.loss, count(l.src) AS nsup
            FROM prop_node n LEFT JOIN prop_link l ON l.dst = n.id
           GROUP BY n.id, n.p, n.loss),
  s(step, id, p, loss, nsup, logq, k, depth, pfinal, newly) AS (
    SELECT 0, id, p, loss, nsup, 0::float8, 0::bigint, 0, CASE WHEN nsup = 0 THEN p END, nsup = 0
      FROM sup
    UNION ALL
    SELECT z.step + 1, z.id, z.p, z.loss, z.nsup, z.logq + z.add_log, z.k + z.add_k,
           greatest(z.depth, z.add_depth),
           CASE WHEN z.pfinal IS NULL AND z.k + z.add_k = z.nsup
                THEN 1 - (1 - z.p) * exp(z.logq + z.add_log) ELSE z.pfinal END,
           z.pfinal IS NULL AND z.k + z.add_k = z.nsup
      FROM (SELECT s.*, v.is_self,
                   coalesce(sum(v.contrib) OVER w, 0) AS add_log,
                   count(*) FILTER (WHERE NOT v.is_self) OVER w AS add_k,
                   coalesce(max(v.cdepth) OVER w, 0) AS add_depth,
                   bool_or(s.newly) OVER () AS going
              FROM s
              CROSS JOIN LATERAL (
                    SELECT s.id AS key, true AS is_self, NULL::float8 AS contrib, NULL::int AS cdepth
                    UNION ALL
                    SELECT l.dst, false, ln(1 - l.w * s.pfinal), s.depth + 1
                      FROM prop_link l WHERE s.newly AND l.src = s.id) v
            WINDOW w AS (PARTITION BY v.key)) z
     WHERE z.is_self AND z.going)
SELECT id AS node_id, pfinal AS exposure, pfinal * loss AS expected_loss, depth FROM s WHERE newly;
SELECT is((SELECT count(*) FROM prop_c JOIN prop_q USING (node_id)), 300::bigint,
          'random DAG: both formulations return every node');
SELECT ok((SELECT max(abs(c.exposure - q.exposure)) < 1e-9
                  AND max(abs(c.expected_loss - q.expected_loss)) < 1e-6
             FROM prop_c c JOIN prop_q q USING (node_id)),
          'random DAG: C exposures equal the recursive CTE within 1e-9');
SELECT is((SELECT count(*) FROM prop_c c JOIN prop_q q USING (node_id) WHERE c.depth <> q.depth),
          0::bigint, 'random DAG: depths agree');
SELECT ok((SELECT bool_and(exposure >= p - 1e-15) FROM prop_c JOIN prop_node ON id = node_id),
          'exposure is never below the own probability');
SELECT throws_ok($$SELECT * FROM scsm.propagate_exposure('{1,2,3}', '{0,0,0}', '{1,1,1}', '{1,2,3}', '{2,3,1}', '{1,1,1}')$$,
                 '22023', 'supply chain links form a cycle', 'a cycle raises 22023');
SELECT throws_ok($$SELECT * FROM scsm.propagate_exposure('{1}', '{0}', '{1}', '{1}', '{9}', '{1}')$$,
                 '22023', NULL, 'an unknown node in a link raises 22023');
SELECT throws_ok($$SELECT * FROM scsm.propagate_exposure('{1,2}', '{0}', '{1,1}', '{}', '{}', '{}')$$,
                 '2202E', NULL, 'mismatched arrays raise 2202E');

-- ---------------------------------------------------------------------------
-- Knapsack
-- ---------------------------------------------------------------------------
SELECT is((SELECT total_benefit FROM scsm.knapsack('{1,2,3}', '{1,2,3}', '{1,2,3}', 100)),
          6::float8, 'everything affordable is taken');
SELECT is((SELECT chosen FROM scsm.knapsack('{1,2,3}', '{1,0,3}', '{-1,2,0}', 100)),
          '{2}'::bigint[], 'items without benefit are left out, free useful items are taken');
SELECT is((SELECT best_benefit FROM scsm.knapsack_curve('{3,5,7,2,8}', '{4,6,9,1,12}', 15) ORDER BY budget DESC LIMIT 1),
          (SELECT total_benefit FROM scsm.knapsack('{1,2,3,4,5}', '{3,5,7,2,8}', '{4,6,9,1,12}', 15)),
          'the curve ends at the knapsack optimum');
SELECT ok((SELECT bool_and(marginal >= 0) FROM scsm.knapsack_curve('{3,5,7,2,8}', '{4,6,9,1,12}', 15)),
          'the best benefit never falls as the budget grows');
SELECT is((SELECT count(*) FROM scsm.knapsack_curve('{3}', '{4}', 10, 4)), 4::bigint,
          'the grid is 0, 4, 8 and the budget itself');
SELECT throws_ok($$SELECT * FROM scsm.knapsack('{1}', '{-1}', '{1}', 5)$$, '22023', NULL,
                 'a negative cost raises 22023');
SELECT throws_ok($$SELECT * FROM scsm.knapsack('{1}', '{1}', '{1}', -1)$$, '22023', NULL,
                 'a negative budget raises 22023');
SELECT throws_ok($$SELECT * FROM scsm.knapsack('{1}', '{1}', '{1}', 100000000)$$, '54000', NULL,
                 'a budget beyond the table limit raises 54000');
SELECT throws_ok($$SELECT * FROM scsm.knapsack_grouped(array_fill(1::bigint, ARRAY[3000]), (SELECT array_agg(g) FROM generate_series(1, 3000::bigint) g),
                                                       array_fill(1::bigint, ARRAY[3000]), array_fill(1::float8, ARRAY[3000]), 19000000)$$,
                 '54000', NULL, 'a multiple-choice table beyond the memory cap raises 54000');

-- every order statistic of a summary is the one a full sort gives: min, max,
-- p50..p99 and the nine exceedance points against percentile_cont, over
-- vectors with many ties (mostly zeros, as annual losses are), all distinct,
-- and sizes around the small-part cut-over
CREATE TEMP TABLE qv AS
SELECT k, (SELECT array_agg(CASE WHEN k = 1 AND g % 10 <> 0 THEN 0
                                 ELSE ((g::bigint * 7919) % 1000003)::float8 / 7 END ORDER BY g)
             FROM generate_series(1, n) g) AS v
  FROM (VALUES (1, 20011), (2, 20011), (3, 17), (4, 2)) AS x(k, n);
CREATE TEMP VIEW qv_check AS
SELECT k, (SELECT array_agg(s.key || '=' || s.want ORDER BY s.key)
             FROM (SELECT 'min' AS key, (SELECT min(x) FROM unnest(v) x) AS want,
                          (scsm.loss_summary(v)->>'min')::float8 AS got
                   UNION ALL SELECT 'max', (SELECT max(x) FROM unnest(v) x), (scsm.loss_summary(v)->>'max')::float8
                   UNION ALL SELECT 'p' || (p * 100)::int, (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY x) FROM unnest(v) x),
                                    (scsm.loss_summary(v)->>('p' || (p * 100)::int))::float8
                               FROM unnest('{0.5,0.9,0.95,0.99}'::float8[]) p
                   UNION ALL SELECT 'lec' || (l->>'exceedance'),
                                    (SELECT percentile_cont(1.0 - (l->>'exceedance')::float8) WITHIN GROUP (ORDER BY x) FROM unnest(v) x),
                                    (l->>'loss')::float8
                               FROM jsonb_array_elements(scsm.loss_summary(v)->'lec') l) s
            WHERE s.got IS DISTINCT FROM s.want) AS wrong
  FROM qv;
SELECT is((SELECT wrong FROM qv_check WHERE k = 1), NULL, 'summary order statistics of a vector of mostly zeros are exact');
SELECT is((SELECT wrong FROM qv_check WHERE k = 2), NULL, 'and of one of distinct values');
SELECT is((SELECT array_agg(wrong) FILTER (WHERE wrong IS NOT NULL) FROM qv_check WHERE k IN (3, 4)), NULL,
          'and of short vectors');

SELECT * FROM finish();
ROLLBACK;
