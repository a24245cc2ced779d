-- 66_risk_quant_register.sql: the quantitative engine wired to the register:
-- supply-chain exposure from nodes, links and loss scenarios (hand-computed
-- noisy-OR values, a cycle), portfolio simulation with stored, reproducible
-- runs, and programme optimisation against brute force.
BEGIN;
SELECT plan(72);
\i test/fixtures/register_fixture.sql
SELECT pg_temp.register_fixture(9001, 'harbour_a');
SELECT pg_temp.register_fixture_other(9002, 'other_b');

-- ---------------------------------------------------------------------------
-- 1. Supply-chain exposure
-- A chain: Raw (p 0.1) -> Plant (w 1), Parts (p 0.2) -> Plant (w 0.5),
-- Plant (p 0, loss 10000) -> Customer (p 0.05, loss 500; w 0.8).
-- ---------------------------------------------------------------------------
INSERT INTO scsm.supply_chain_node (org_id, node_id, name, kind, position, site_id, disruption_probability, expected_loss) VALUES
    (9001, 10, 'Raw',      'supplier', 'upstream',   NULL, 0.1,  1000),
    (9001, 11, 'Parts',    'supplier', 'upstream',   NULL, 0.2,  2000),
    (9001, 12, 'Plant',    'own_site', 'own',        1,    0,    10000),
    (9001, 13, 'Customer', 'customer', 'downstream', NULL, 0.05, 500);
INSERT INTO scsm.supply_chain_link (org_id, from_node, to_node, dependency) VALUES
    (9001, 10, 12, 1), (9001, 11, 12, 0.5), (9001, 12, 13, 0.8);

CREATE TEMP TABLE x0 AS SELECT * FROM scsm.supply_chain_exposure(9001);
-- by hand: P12 = 1 - (1 - 0.1)(1 - 0.5 * 0.2) = 0.19; P13 = 1 - 0.95 (1 - 0.8 * 0.19) = 0.1944
SELECT is((SELECT count(*) FROM x0 WHERE node_id BETWEEN 10 AND 13), 4::bigint, 'exposure: one row per node of the organization');
SELECT ok((SELECT abs(exposure - 0.19) < 1e-12 AND abs(expected_loss - 1900) < 1e-9
                  AND abs(inherited_loss - 1900) < 1e-9 AND depth = 1 AND own_probability = 0
             FROM x0 WHERE node_id = 12), 'exposure: the plant gets 0.19 from its two suppliers (noisy-OR)');
SELECT ok((SELECT abs(exposure - 0.1944) < 1e-12 AND abs(expected_loss - 97.2) < 1e-9
                  AND abs(inherited_loss - 72.2) < 1e-9 AND depth = 2
             FROM x0 WHERE node_id = 13), 'exposure: the customer gets 0.1944, 72.2 of its loss inherited');
SELECT ok((SELECT bool_and(abs(exposure - own_probability) < 1e-15 AND inherited_loss = 0 AND depth = 0)
             FROM x0 WHERE node_id IN (10, 11)), 'exposure: nodes without suppliers keep their own probability');
SELECT is((SELECT array_agg(name || ':' || position ORDER BY node_id) FROM x0),
          '{Raw:upstream,Parts:upstream,Plant:own,Customer:downstream}', 'exposure: names and positions come from the register');
SELECT is((SELECT count(*) FROM scsm.supply_chain_exposure(9002) WHERE node_id BETWEEN 10 AND 13), 0::bigint,
          'exposure: another organization''s call does not see these nodes');

-- Loss scenarios raise a node's own probability: Parts gets a scenario with
-- rate 0.5 (P(S>0) = 1 - e^-0.5) and, through a risk on the node, one with
-- rate 0.25; an inactive one and one of a closed risk do not count.
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, node_id, owner, likelihood, consequence) VALUES
    (9001, 20, 1, 'Parts supplier strike', 11, 2, 3, 3),
    (9001, 21, 1, 'Old closed risk', 11, 2, 3, 3);
UPDATE scsm.risk SET status = 'closed' WHERE org_id = 9001 AND risk_id = 21;
INSERT INTO scsm.loss_scenario (org_id, scenario_id, title, node_id, risk_id, rate, mag_model, mag_p5, mag_p95, active) VALUES
    (9001, 100, 'Parts fire', 11, NULL, 0.5, 'lognormal', 1e4, 1e5, true),
    (9001, 101, 'Parts strike', NULL, 20, 0.25, 'lognormal', 1e3, 1e4, true),
    (9001, 102, 'Parts flood (inactive)', 11, NULL, 3, 'lognormal', 1e3, 1e4, false),
    (9001, 103, 'Closed risk', NULL, 21, 3, 'lognormal', 1e3, 1e4, true);
CREATE TEMP TABLE x1 AS SELECT * FROM scsm.supply_chain_exposure(9001);
SELECT ok((SELECT abs(own_probability - (1 - 0.8 * exp(-0.5) * exp(-0.25))) < 1e-12 FROM x1 WHERE node_id = 11),
          'exposure: own probability 1 - (1 - 0.2) e^-0.5 e^-0.25 from the active scenarios of the node and its open risk');
SELECT ok((SELECT abs(exposure - (1 - 0.9 * (1 - 0.5 * (1 - 0.8 * exp(-0.75))))) < 1e-12 FROM x1 WHERE node_id = 12),
          'exposure: the raised probability is carried downstream');
SELECT ok((SELECT abs(own_probability - 0.2) < 1e-15 FROM scsm.supply_chain_exposure(9001, false) WHERE node_id = 11),
          'exposure: include_scenarios => false uses the column alone');
SELECT is((SELECT count(*) FROM scsm.v_supply_chain_exposure WHERE org_id = 9001), 4::bigint,
          'v_supply_chain_exposure lists the nodes');
SELECT ok((SELECT abs(v.exposure - x.exposure) < 1e-15 FROM scsm.v_supply_chain_exposure v JOIN x1 x USING (node_id)
            WHERE v.org_id = 9001 AND node_id = 13), 'v_supply_chain_exposure agrees with the function');

-- A cycle: Customer -> Raw closes Raw -> Plant -> Customer.
INSERT INTO scsm.supply_chain_link (org_id, from_node, to_node, dependency) VALUES (9001, 13, 10, 0.1);
SELECT throws_ok('SELECT * FROM scsm.supply_chain_exposure(9001)', '22023', 'supply chain links form a cycle',
                 'exposure: a cycle raises 22023');
SELECT throws_like('SELECT * FROM scsm.supply_chain_exposure(9001)', '%cycle%',
                   'exposure: the error names the cycle');
CREATE FUNCTION pg_temp.err_detail(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END $$;
SELECT ok(pg_temp.err_detail('SELECT * FROM scsm.supply_chain_exposure(9001)') ~ '10 -> 12 -> 13 -> 10|12 -> 13 -> 10 -> 12|13 -> 10 -> 12 -> 13',
          'exposure: the detail names the nodes of the cycle: ' || pg_temp.err_detail('SELECT * FROM scsm.supply_chain_exposure(9001)'));
DELETE FROM scsm.supply_chain_link WHERE org_id = 9001 AND from_node = 13;

-- ---------------------------------------------------------------------------
-- 2. Loss scenarios and portfolio simulation
-- ---------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO scsm.loss_scenario (org_id, title, freq_model, rate_min, rate_mode, rate_max, mag_model, mag_min, mag_mode, mag_max)
                   VALUES (9001, 'bad', 'pert', 2, 1, 3, 'pert', 1, 2, 3)$$, '23514', NULL,
                 'loss_scenario: a PERT rate with min > mode is refused');
SELECT throws_ok($$INSERT INTO scsm.loss_scenario (org_id, title, rate, mag_model, mag_p5)
                   VALUES (9001, 'bad', 1, 'lognormal', 10)$$, '23514', NULL,
                 'loss_scenario: a lognormal magnitude needs both ends of its interval');
SELECT throws_ok($$INSERT INTO scsm.loss_scenario (org_id, title, rate, mag_model, mag_min, mag_mode, mag_max, mag_p5)
                   VALUES (9001, 'bad', 1, 'pert', 1, 2, 3, 4)$$, '23514', NULL,
                 'loss_scenario: a PERT magnitude carries no lognormal interval');
SELECT throws_ok($$INSERT INTO scsm.loss_scenario (org_id, title, rate, mag_model, mag_p5, mag_p95, node_id)
                   VALUES (9001, 'bad', 1, 'lognormal', 1, 2, 50)$$, '23503', NULL,
                 'loss_scenario: a node of another organization is refused');

-- More scenarios: site 1 (through risk 1), site 2, and a PERT rate.
INSERT INTO scsm.loss_scenario (org_id, scenario_id, title, risk_id, site_id, category,
                                freq_model, rate, rate_min, rate_mode, rate_max,
                                mag_model, mag_min, mag_mode, mag_max, mag_p5, mag_p95) VALUES
    (9001, 110, 'Container theft', 1, NULL, NULL, 'poisson', 0.3, NULL, NULL, NULL, 'pert', 1e4, 5e4, 4e5, NULL, NULL),
    (9001, 111, 'Depot arson', NULL, 2, 'c', 'pert', NULL, 0.05, 0.1, 0.4, 'lognormal', NULL, NULL, NULL, 1e5, 2e6),
    (9001, 112, 'Gate fraud', NULL, 1, 'd', 'poisson', 2, NULL, NULL, NULL, 'lognormal', NULL, NULL, NULL, 1e3, 2e4);
SELECT is((SELECT array_agg(scenario_id::text || ':' || coalesce(site_id::text, '-') || ':' || coalesce(category, '-')
                            ORDER BY scenario_id)
             FROM scsm.v_loss_scenario WHERE org_id = 9001),
          '{100:-:-,101:-:a,110:1:a,111:2:c,112:1:d}',
          'v_loss_scenario: active scenarios of risks not closed, site and category taken from the risk');

CREATE TEMP TABLE s1 AS SELECT * FROM scsm.simulate_portfolio(9001, 42, 40000);
SELECT is((SELECT count(*) FROM s1), 1::bigint, 'simulate_portfolio: without grouping one row, the portfolio');
SELECT is((SELECT group_label || ':' || scenarios FROM s1), 'portfolio:5', 'simulate_portfolio: all five scenarios');
-- the mean against the closed forms (sum of the scenarios' exact means), within 4 standard errors
SELECT ok(abs(s.mean - e.m) < 4 * s.std_error,
          format('simulate_portfolio: mean %s within 4 SE of the exact %s (%s SE)', round(s.mean), round(e.m),
                 round((abs(s.mean - e.m) / s.std_error)::numeric, 2)))
  FROM s1 s, (SELECT sum(ale) AS m FROM scsm.v_loss_scenario WHERE org_id = 9001) e;
SELECT ok(abs(s.p_nonzero - e.p) < 4 * sqrt(e.p * (1 - e.p) / 40000),
          'simulate_portfolio: P(S > 0) within 4 SE of 1 - prod(1 - p_i)')
  FROM s1 s, (SELECT 1 - exp(sum(ln(1 - p_nonzero))) AS p FROM scsm.v_loss_scenario WHERE org_id = 9001) e;
SELECT ok((SELECT p50 <= p90 AND p90 <= p95 AND p95 <= p99 AND p99 <= max AND jsonb_typeof(lec) = 'array' FROM s1),
          'simulate_portfolio: percentiles are ordered and the loss-exceedance points are there');
SELECT is((SELECT summary FROM s1),
          (SELECT scsm.portfolio_loss(42, 40000, scenario_id, freq_model, freq_params, mag_model, mag_params)
             FROM scsm.v_loss_scenario WHERE org_id = 9001),
          'simulate_portfolio: the summary is the engine''s portfolio aggregate over the scenarios');

-- the run is stored and can be re-derived
SELECT ok((SELECT r.seed = 42 AND r.iterations = 40000 AND r.method_version = scsm.loss_method_version()
                  AND jsonb_array_length(r.inputs) = 5 AND r.results -> 0 -> 'summary' = s.summary
                  AND r.group_by IS NULL AND r.currency = 'EUR'
             FROM scsm.loss_simulation_run r JOIN s1 s USING (run_id) WHERE r.org_id = 9001),
          'loss_simulation_run: seed, iterations, engine version, the five inputs and the result are stored');
CREATE TEMP TABLE s2 AS SELECT * FROM scsm.simulate_portfolio(9001, 42, 40000);
SELECT ok((SELECT s1.run_id <> s2.run_id AND s1.summary = s2.summary FROM s1, s2),
          'simulate_portfolio: a re-run with the same seed gives the same numbers (a new run)');
SELECT isnt((SELECT mean FROM scsm.simulate_portfolio(9001, 43, 40000, store => false)), (SELECT mean FROM s1),
            'simulate_portfolio: another seed gives other numbers');
SELECT is((SELECT count(*) FROM scsm.loss_simulation_run WHERE org_id = 9001), 2::bigint,
          'simulate_portfolio: store => false stores nothing');
-- change the register: a replay still uses the stored inputs
UPDATE scsm.loss_scenario SET rate = 5 WHERE org_id = 9001 AND scenario_id = 112;
SELECT ok((SELECT bool_and(matches) AND count(*) = 1 FROM scsm.replay_simulation_run(9001, (SELECT run_id FROM s1))),
          'replay_simulation_run: the stored run is re-derived exactly after the register changed');
SELECT isnt((SELECT summary FROM scsm.simulate_portfolio(9001, 42, 40000, store => false)), (SELECT summary FROM s1),
            'simulate_portfolio: a new run sees the changed register');
UPDATE scsm.loss_scenario SET rate = 2 WHERE org_id = 9001 AND scenario_id = 112;
UPDATE scsm.loss_simulation_run SET results = jsonb_set(results, '{0,summary,mean}', '1') WHERE run_id = (SELECT run_id FROM s1);
SELECT ok((SELECT NOT bool_and(matches) FROM scsm.replay_simulation_run(9001, (SELECT run_id FROM s1))),
          'replay_simulation_run: a stored result that was altered no longer matches');
SELECT throws_ok('SELECT * FROM scsm.replay_simulation_run(9001, -1)', '22023',
                 'simulation run -1 of organization 9001 does not exist', 'replay_simulation_run: unknown run');

-- grouped
CREATE TEMP TABLE g AS SELECT * FROM scsm.simulate_portfolio(9001, 7, 20000, 'site');
SELECT is((SELECT array_agg(coalesce(group_key, '*') || ':' || group_label || ':' || scenarios ORDER BY group_key NULLS FIRST) FROM g),
          '{*:portfolio:5,:(no site):2,1:North Terminal:2,2:South Depot:1}',
          'simulate_portfolio by site: the portfolio, then one row per site (scenarios without a site together)');
SELECT ok((SELECT abs(sum(mean) FILTER (WHERE group_key IS NOT NULL) - max(mean) FILTER (WHERE group_key IS NULL))
                  < 1e-9 * max(mean) FROM g),
          'simulate_portfolio by site: the group means add up to the portfolio mean (same random streams)');
SELECT is((SELECT summary FROM g WHERE group_key = '1'),
          (SELECT scsm.portfolio_loss(7, 20000, scenario_id, freq_model, freq_params, mag_model, mag_params)
             FROM scsm.v_loss_scenario WHERE org_id = 9001 AND site_id = 1),
          'simulate_portfolio by site: a group is the portfolio aggregate of its scenarios');
SELECT is((SELECT array_agg(coalesce(group_key, '*') ORDER BY group_key NULLS FIRST)
             FROM scsm.simulate_portfolio(9001, 7, 1000, 'category', false)),
          '{*,"",a,c,d}', 'simulate_portfolio by category (scenarios without one under the empty key)');
SELECT is((SELECT array_agg(coalesce(group_key, '*') || ':' || group_label ORDER BY group_key NULLS FIRST)
             FROM scsm.simulate_portfolio(9001, 7, 1000, 'node', false)),
          '{*:portfolio,":(no node)",11:Parts}', 'simulate_portfolio by node');
SELECT throws_ok($$SELECT * FROM scsm.simulate_portfolio(9001, 7, 1000, 'supplier')$$, '22023',
                 'unknown grouping "supplier"', 'simulate_portfolio: unknown grouping');
SELECT throws_ok($$SELECT * FROM scsm.simulate_portfolio(9002, 7, 1000)$$, '55000',
                 'organization 9002 has no loss scenario to simulate', 'simulate_portfolio: nothing to simulate');
UPDATE scsm.loss_scenario SET currency = 'USD' WHERE org_id = 9001 AND scenario_id = 111;
SELECT throws_ok($$SELECT * FROM scsm.simulate_portfolio(9001, 7, 1000)$$, '22023',
                 'loss scenarios of organization 9001 use several currencies', 'simulate_portfolio: mixed currencies');
UPDATE scsm.loss_scenario SET currency = 'EUR', sensitivity = 'confidential' WHERE org_id = 9001 AND scenario_id = 111;
CREATE TEMP TABLE s3 AS SELECT * FROM scsm.simulate_portfolio(9001, 7, 100);
SELECT is((SELECT r.sensitivity FROM s3 JOIN scsm.loss_simulation_run r ON r.org_id = 9001 AND r.run_id = s3.run_id),
          'confidential'::scsm.sensitivity, 'loss_simulation_run: a run is as sensitive as its most sensitive scenario');

-- ---------------------------------------------------------------------------
-- 3. Programme optimisation: against brute force over every subset
-- ---------------------------------------------------------------------------
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence)
SELECT 9001, r, 1, 'Risk ' || r, 2, 3, 3 FROM generate_series(30, 33) r;
-- twelve programmes of 6-9 measures; in the even ones several measures share a risk
SELECT setseed(0.25);
INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, responsible, authority, means, due_date)
SELECT 9001, 100 + k, 'Instance ' || k, 1, 2, 'Budget holder', 'Contractors', '2027-12-31' FROM generate_series(1, 12) k;
INSERT INTO scsm.programme_measure (org_id, programme_id, title, risk_id, cost, expected_reduction)
SELECT 9001, 100 + k, 'Measure ' || k || '.' || i,
       CASE WHEN k % 2 = 0 THEN (ARRAY[30, 31, 32, 33, NULL])[1 + floor(random() * 5)::int] END,
       (1 + floor(random() * 9)) * 1000, round((random() * 50000)::numeric, 2)
  FROM generate_series(1, 12) k, generate_series(1, 5 + k % 4 + 1) i;
CREATE TEMP TABLE inst AS
SELECT k, (100 + k)::bigint AS prog, ((5 + floor(random() * 20)) * 1000)::numeric AS budget FROM generate_series(1, 12) k;

-- best total reduction over every subset within the budget (one per risk if grouped)
CREATE FUNCTION pg_temp.brute(prog bigint, budget numeric, grouped boolean) RETURNS numeric
LANGUAGE sql AS $$
    WITH m AS (SELECT measure_id, risk_id, cost, expected_reduction AS r,
                      (row_number() OVER (ORDER BY measure_id) - 1)::int AS bit
                 FROM scsm.programme_measure
                WHERE org_id = 9001 AND programme_id = prog AND status IN ('proposed', 'approved')),
         masks AS (SELECT generate_series(1, (1 << (SELECT count(*) FROM m)::int) - 1) AS mask),
         sets AS (SELECT mask, sum(cost) AS c, sum(r) AS b, count(risk_id) = count(DISTINCT risk_id) AS one_per_risk
                    FROM masks JOIN m ON (mask >> bit) & 1 = 1
                   GROUP BY mask)
    SELECT coalesce(max(b), 0) FROM sets WHERE c <= budget AND (one_per_risk OR NOT grouped)
$$;
CREATE TEMP TABLE opt AS
SELECT i.k, i.prog, i.budget, o.*
  FROM inst i, scsm.optimise_programme(9001, i.prog, i.budget) o;
CREATE TEMP TABLE cmp AS
SELECT k, prog, budget, min(method_used) AS method,
       coalesce(sum(cost) FILTER (WHERE chosen), 0) AS cost,
       coalesce(sum(expected_reduction) FILTER (WHERE chosen), 0) AS best,
       count(risk_id) FILTER (WHERE chosen) = count(DISTINCT risk_id) FILTER (WHERE chosen) AS one_per_risk,
       pg_temp.brute(prog, budget, min(method_used) = 'one_per_risk') AS brute
  FROM opt GROUP BY k, prog, budget;
SELECT is((SELECT count(*) FROM cmp WHERE best = brute), 12::bigint,
          'optimise_programme: the best total reduction equals brute force on 12 instances from the register');
SELECT ok((SELECT bool_and(cost <= budget) FROM cmp), 'optimise_programme: the chosen measures fit the budget');
SELECT ok((SELECT bool_and(one_per_risk) FROM cmp WHERE method = 'one_per_risk'),
          'optimise_programme: at most one measure per risk in the multiple-choice instances');
SELECT is((SELECT array_agg(DISTINCT method) FROM cmp WHERE k % 2 = 1), '{independent}',
          'optimise_programme: measures on distinct risks are a 0/1 knapsack');
SELECT ok((SELECT count(*) FILTER (WHERE method = 'one_per_risk') = count(*)
             FROM cmp c WHERE EXISTS (SELECT 1 FROM scsm.programme_measure m
                                       WHERE m.org_id = 9001 AND m.programme_id = c.prog AND m.risk_id IS NOT NULL
                                       GROUP BY m.risk_id HAVING count(*) > 1)),
          'optimise_programme: measures sharing a risk make it multiple choice');
SELECT ok((SELECT bool_and(o.total_reduction = c.best OR (o.total_reduction IS NULL AND c.best = 0))
             FROM opt o JOIN cmp c USING (k)), 'optimise_programme: total_reduction on every row');
-- independent forced on a grouped instance: the 0/1 optimum, never below the multiple-choice one
SELECT ok((SELECT bool_and(x.best = pg_temp.brute(c.prog, c.budget, false) AND x.best >= c.best)
             FROM cmp c,
                  LATERAL (SELECT coalesce(sum(expected_reduction) FILTER (WHERE chosen), 0) AS best
                             FROM scsm.optimise_programme(9001, c.prog, c.budget, method => 'independent')) x
            WHERE c.k % 2 = 0), 'optimise_programme: method independent ignores the risks');
-- ROSI ranking and priorities
SELECT ok((SELECT bool_and(abs(rosi - (expected_reduction - cost) / cost) < 1e-9) FROM opt),
          'optimise_programme: rosi = (reduction - cost) / cost');
SELECT ok((SELECT bool_and(ok) FROM (
             SELECT k, array_agg(priority ORDER BY rosi DESC, expected_reduction DESC, measure_id)
                       = array_agg(g ORDER BY g) AS ok
               FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY measure_id)::int AS g
                       FROM opt WHERE chosen) z GROUP BY k) y),
          'optimise_programme: the chosen measures are prioritised 1, 2, ... by ROSI');
SELECT ok((SELECT bool_and(r = (SELECT count(*) FROM opt o2 WHERE o2.k = o.k AND o2.rosi > o.rosi) + 1)
             FROM (SELECT k, rosi, rosi_rank AS r FROM opt) o),
          'optimise_programme: rosi_rank ranks every candidate');
-- the whole budget curve of one instance against brute force
SELECT is((SELECT count(*) FROM scsm.programme_budget_curve(9001, 104, 30000, 1000) c
            WHERE c.best_reduction::numeric(14,2) = pg_temp.brute(104, c.at_budget, true)), 31::bigint,
          'programme_budget_curve: the best reduction at every budget 0..30000 equals brute force');
SELECT ok((SELECT bool_and(abs(marginal - (best_reduction - prev) / 5000) < 1e-9) AND count(*) = 6
             FROM (SELECT c.*, lag(c.best_reduction) OVER (ORDER BY c.at_budget) AS prev
                     FROM scsm.programme_budget_curve(9001, 101, 30000, 1000, 5000) c) x WHERE at_budget > 0),
          'programme_budget_curve: marginal is the gain of the last step per unit of money');
-- costs are rounded up to whole units: never over budget, possibly short of it
INSERT INTO scsm.programme (org_id, programme_id, title, objective_id, responsible, authority, means, due_date)
VALUES (9001, 200, 'Rounding', 1, 2, 'Budget holder', 'Contractors', '2027-12-31');
INSERT INTO scsm.programme_measure (org_id, programme_id, title, cost, expected_reduction, status) VALUES
    (9001, 200, 'Half A', 1500, 10000, 'proposed'), (9001, 200, 'Half B', 1500, 9000, 'approved'),
    (9001, 200, 'Done already', 100, 99999, 'done'), (9001, 200, 'Dropped', 100, 99999, 'dropped');
SELECT is((SELECT array_agg(title ORDER BY title) FROM scsm.optimise_programme(9001, 200, 3000) WHERE chosen),
          '{"Half A"}', 'optimise_programme: 1500 in units of 1000 counts as 2 units (rounded up)');
SELECT is((SELECT array_agg(title ORDER BY title) FROM scsm.optimise_programme(9001, 200, 3000, 500) WHERE chosen),
          '{"Half A","Half B"}', 'optimise_programme: a finer unit fits both');
SELECT is((SELECT count(*) FROM scsm.optimise_programme(9001, 200, 3000)), 2::bigint,
          'optimise_programme: done and dropped measures are not candidates');
-- apply: selected and priority recorded
UPDATE scsm.programme_measure SET selected = true, priority = 7 WHERE org_id = 9001 AND programme_id = 200 AND title = 'Done already';
CREATE TEMP TABLE app AS SELECT * FROM scsm.apply_programme_choice(9001, 104, (SELECT budget FROM inst WHERE k = 4));
SELECT is((SELECT array_agg(measure_id ORDER BY measure_id) FROM scsm.programme_measure
            WHERE org_id = 9001 AND programme_id = 104 AND selected),
          (SELECT array_agg(measure_id ORDER BY measure_id) FROM opt WHERE k = 4 AND chosen),
          'apply_programme_choice: selected = the optimum');
SELECT is((SELECT array_agg(m.priority ORDER BY m.measure_id) FROM scsm.programme_measure m
            WHERE org_id = 9001 AND programme_id = 104 AND selected),
          (SELECT array_agg(priority ORDER BY measure_id) FROM opt WHERE k = 4 AND chosen),
          'apply_programme_choice: priority = the ROSI order of the chosen');
SELECT is((SELECT count(*) FROM scsm.apply_programme_choice(9001, 104, 0) WHERE chosen), 0::bigint,
          'apply_programme_choice: a zero budget chooses nothing');
SELECT is((SELECT count(*) FROM scsm.programme_measure WHERE org_id = 9001 AND programme_id = 104
              AND (selected OR priority IS NOT NULL)), 0::bigint,
          'apply_programme_choice: and clears the previous selection');
SELECT is((SELECT selected AND priority = 7 FROM scsm.programme_measure
            WHERE org_id = 9001 AND programme_id = 200 AND title = 'Done already'), true,
          'apply_programme_choice: measures done are left alone');
SELECT throws_ok($$SELECT * FROM scsm.optimise_programme(9001, 200, -1)$$, '22023', 'budget must be a finite number >= 0',
                 'optimise_programme: negative budget');
SELECT throws_ok($$SELECT * FROM scsm.optimise_programme(9001, 200, 10, 0)$$, '22023', 'cost unit must be a finite number > 0',
                 'optimise_programme: unit 0');
SELECT throws_ok($$SELECT * FROM scsm.optimise_programme(9001, 200, 10, 1, 'greedy')$$, '22023',
                 'unknown optimisation method "greedy"', 'optimise_programme: unknown method');

-- ---------------------------------------------------------------------------
-- 4. Privileges and row-level security (non-superuser roles)
-- ---------------------------------------------------------------------------
CREATE ROLE tap66_viewer LOGIN;
CREATE ROLE tap66_manager LOGIN;
CREATE ROLE tap66_other LOGIN;
GRANT scsm_viewer TO tap66_viewer, tap66_other;
GRANT scsm_manager TO tap66_manager;
SELECT scsm.add_member(9001, 'tap66_viewer', 'internal');
SELECT scsm.add_member(9001, 'tap66_manager', 'restricted');
SELECT scsm.add_member(9002, 'tap66_other', 'restricted');
SET ROLE tap66_viewer;
SELECT throws_ok('SELECT * FROM scsm.simulate_portfolio(9001, 1, 100)', '42501', NULL,
                 'simulate_portfolio: a viewer cannot store a run');
SELECT is((SELECT scenarios FROM scsm.simulate_portfolio(9001, 1, 100, store => false)), 4,
          'simulate_portfolio: a viewer with clearance internal simulates only the 4 scenarios it may read');
SELECT is((SELECT count(*) FROM scsm.supply_chain_exposure(9001)), 4::bigint, 'supply_chain_exposure: a viewer sees its organization''s nodes');
SELECT throws_ok('SELECT * FROM scsm.apply_programme_choice(9001, 104, 10000)', '42501', NULL,
                 'apply_programme_choice: a viewer cannot record a choice');
RESET ROLE;
SET ROLE tap66_other;
SELECT is((SELECT count(*) FROM scsm.supply_chain_exposure(9001)), 0::bigint,
          'supply_chain_exposure: a member of another organization sees nothing of 9001');
SELECT is((SELECT count(*) FROM scsm.optimise_programme(9001, NULL, 10000)), 0::bigint,
          'optimise_programme: nor its measures');
RESET ROLE;
SET ROLE tap66_manager;
SELECT is((SELECT scenarios FROM scsm.simulate_portfolio(9001, 1, 100) WHERE group_key IS NULL AND run_id IS NOT NULL), 5,
          'simulate_portfolio: a manager with clearance restricted stores a run over all 5 scenarios');
RESET ROLE;

SELECT pg_temp.register_fixture_end();
SELECT * FROM finish();
ROLLBACK;
