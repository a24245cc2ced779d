
-- ---------------------------------------------------------------------------
-- Quantitative risk (issue 5, points 3-5): closed-form loss distributions,
-- compound-Poisson Monte Carlo with a counter-based RNG, portfolio
-- aggregate, supply-chain exposure propagation and programme optimisation.
-- The functions take plain inputs (arrays, scalars) so that the register can
-- be wired to them by views or wrappers.  See docs/risk-quantitative.md.
-- ---------------------------------------------------------------------------

-- Closed forms ---------------------------------------------------------------

CREATE FUNCTION scsm.normal_quantile(p float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_normal_quantile'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.normal_quantile(float8) IS
    'Standard normal quantile z with Phi(z) = p (double precision)';

CREATE FUNCTION scsm.beta_cdf(x float8, alpha float8, beta float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_beta_cdf'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.beta_cdf(float8, float8, float8) IS
    'Regularized incomplete beta function I_x(alpha, beta): the Beta(alpha, beta) CDF';

CREATE FUNCTION scsm.beta_quantile(p float8, alpha float8, beta float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_beta_quantile'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.beta_quantile(float8, float8, float8) IS
    'Inverse of the regularized incomplete beta function: the Beta(alpha, beta) quantile';

CREATE FUNCTION scsm.pert_mean(min float8, mode float8, max float8, shape float8 DEFAULT 4)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_pert_mean'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.pert_mean(float8, float8, float8, float8) IS
    'Mean of PERT(min, mode, max, shape): (min + shape*mode + max)/(shape + 2)';

CREATE FUNCTION scsm.pert_variance(min float8, mode float8, max float8, shape float8 DEFAULT 4)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_pert_variance'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.pert_variance(float8, float8, float8, float8) IS
    'Variance of PERT(min, mode, max, shape): (mean - min)(max - mean)/(shape + 3)';

CREATE FUNCTION scsm.pert_quantile(min float8, mode float8, max float8, p float8,
                                   shape float8 DEFAULT 4)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_pert_quantile'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.pert_quantile(float8, float8, float8, float8, float8) IS
    'Quantile p of PERT(min, mode, max, shape), through the Beta quantile';

CREATE FUNCTION scsm.lognormal_mean(p5 float8, p95 float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_lognormal_mean'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.lognormal_mean(float8, float8) IS
    'Mean exp(mu + sigma^2/2) of the lognormal whose 90 % interval is [p5, p95]';

CREATE FUNCTION scsm.lognormal_variance(p5 float8, p95 float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_lognormal_variance'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.lognormal_variance(float8, float8) IS
    'Variance (exp(sigma^2) - 1) exp(2 mu + sigma^2) of the lognormal whose 90 % interval is [p5, p95]';

CREATE FUNCTION scsm.lognormal_quantile(p5 float8, p95 float8, p float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_lognormal_quantile'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.lognormal_quantile(float8, float8, float8) IS
    'Quantile exp(mu + sigma z_p) of the lognormal whose 90 % interval is [p5, p95]';

CREATE FUNCTION scsm.compound_poisson_mean(rate float8, mean_loss float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_compound_poisson_mean'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.compound_poisson_mean(float8, float8) IS
    'Expected annual loss rate * E[X] of a compound Poisson';

CREATE FUNCTION scsm.compound_poisson_variance(rate float8, second_moment float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_compound_poisson_variance'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.compound_poisson_variance(float8, float8) IS
    'Variance rate * E[X^2] of a compound-Poisson annual loss';

CREATE FUNCTION scsm.compound_poisson_p_nonzero(rate float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_compound_poisson_p_nonzero'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.compound_poisson_p_nonzero(float8) IS
    'P(S > 0) = 1 - exp(-rate): probability of at least one loss event in a year';

CREATE FUNCTION scsm.annual_loss_moments(freq_dist text, freq_params float8[],
                                         mag_dist text, mag_params float8[],
                                         OUT mean float8, OUT variance float8,
                                         OUT stddev float8, OUT p_nonzero float8,
                                         OUT events float8)
    AS 'MODULE_PATHNAME', 'scsm_annual_loss_moments'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.annual_loss_moments(text, float8[], text, float8[]) IS
    'Exact mean, variance, stddev and P(S > 0) of the annual loss that simulate_loss samples (mixed Poisson frequency, any magnitude), and the expected number of events';

-- Monte Carlo ----------------------------------------------------------------

CREATE FUNCTION scsm.philox4x32(counter bigint[], key bigint[]) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'scsm_philox4x32'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.philox4x32(bigint[], bigint[]) IS
    'One Philox4x32-10 block (4 counter words, 2 key words, each 0..2^32-1): the RNG of the simulator, exposed for known-answer tests';

CREATE FUNCTION scsm.simulate_annual_losses(seed bigint, scenario bigint,
                                            first_iteration bigint, iterations int,
                                            freq_dist text, freq_params float8[],
                                            mag_dist text, mag_params float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scsm_simulate_annual_losses'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.simulate_annual_losses(bigint, bigint, bigint, int, text, float8[], text, float8[]) IS
    'Annual losses of iterations [first_iteration, first_iteration + iterations) of one compound-Poisson scenario; a pure function of (seed, scenario, iteration)';

CREATE FUNCTION scsm.simulate_loss(seed bigint, scenario bigint, iterations int,
                                   freq_dist text, freq_params float8[],
                                   mag_dist text, mag_params float8[])
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'scsm_simulate_loss'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.simulate_loss(bigint, bigint, int, text, float8[], text, float8[]) IS
    'Simulate one scenario for iterations years and summarise: mean, stddev, std_error, p_nonzero, percentiles, loss-exceedance points';

CREATE FUNCTION scsm.loss_summary(losses float8[]) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'scsm_loss_summary'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.loss_summary(float8[]) IS
    'The simulate_loss summary over any vector of annual losses (type-7 percentiles)';

CREATE FUNCTION scsm.loss_exceedance(losses float8[], thresholds float8[])
    RETURNS TABLE (loss float8, exceedance float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $$
      -- of no losses: NULL, unknown
      SELECT t.x, (SELECT count(*) FILTER (WHERE l > t.x)::float8 / nullif(count(*), 0)
                     FROM unnest(losses) AS l)
        FROM unnest(thresholds) WITH ORDINALITY AS t(x, i)
       ORDER BY t.i
    $$;
COMMENT ON FUNCTION scsm.loss_exceedance(float8[], float8[]) IS
    'Loss-exceedance curve: for each threshold x, the share of simulated years with loss > x';

CREATE FUNCTION scsm.portfolio_trans(internal, bigint, int, bigint, text, float8[], text, float8[])
    RETURNS internal
    AS 'MODULE_PATHNAME', 'scsm_portfolio_trans'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.portfolio_trans(internal, bigint, int, bigint, text, float8[], text, float8[]) IS
    'Transition of the portfolio aggregates: adds one scenario into the per-iteration sums';

CREATE FUNCTION scsm.portfolio_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'scsm_portfolio_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.portfolio_combine(internal, internal) IS
    'Combine of the portfolio aggregates: per-iteration sums add up';

CREATE FUNCTION scsm.portfolio_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'scsm_portfolio_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.portfolio_serialize(internal) IS
    'Serialisation of the portfolio aggregate state for parallel aggregation';

CREATE FUNCTION scsm.portfolio_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'scsm_portfolio_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.portfolio_deserialize(bytea, internal) IS
    'Deserialisation of the portfolio aggregate state for parallel aggregation';

CREATE FUNCTION scsm.portfolio_final_summary(internal) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'scsm_portfolio_final_summary'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.portfolio_final_summary(internal) IS
    'Final function of scsm.portfolio_loss: summary of the per-iteration sums';

CREATE FUNCTION scsm.portfolio_final_losses(internal) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scsm_portfolio_final_losses'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION scsm.portfolio_final_losses(internal) IS
    'Final function of scsm.portfolio_losses: the per-iteration sums';

CREATE AGGREGATE scsm.portfolio_loss(seed bigint, iterations int, scenario bigint,
                                     freq_dist text, freq_params float8[],
                                     mag_dist text, mag_params float8[]) (
    SFUNC = scsm.portfolio_trans,
    STYPE = internal,
    FINALFUNC = scsm.portfolio_final_summary,
    COMBINEFUNC = scsm.portfolio_combine,
    SERIALFUNC = scsm.portfolio_serialize,
    DESERIALFUNC = scsm.portfolio_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE scsm.portfolio_loss(bigint, int, bigint, text, float8[], text, float8[]) IS
    'Portfolio annual loss: scenarios summed within each iteration, then summarised (jsonb); use with GROUP BY site, category, supplier';

CREATE AGGREGATE scsm.portfolio_losses(seed bigint, iterations int, scenario bigint,
                                       freq_dist text, freq_params float8[],
                                       mag_dist text, mag_params float8[]) (
    SFUNC = scsm.portfolio_trans,
    STYPE = internal,
    FINALFUNC = scsm.portfolio_final_losses,
    COMBINEFUNC = scsm.portfolio_combine,
    SERIALFUNC = scsm.portfolio_serialize,
    DESERIALFUNC = scsm.portfolio_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE scsm.portfolio_losses(bigint, int, bigint, text, float8[], text, float8[]) IS
    'Portfolio annual loss per iteration (float8[], iteration order): scenarios summed within each iteration';

-- Supply-chain propagation ---------------------------------------------------

CREATE FUNCTION scsm.propagate_exposure(node_ids bigint[], p float8[], loss float8[],
                                        link_from bigint[], link_to bigint[], weight float8[])
    RETURNS TABLE (node_id bigint, exposure float8, expected_loss float8,
                   inherited_loss float8, depth int)
    AS 'MODULE_PATHNAME', 'scsm_propagate_exposure'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.propagate_exposure(bigint[], float8[], float8[], bigint[], bigint[], float8[]) IS
    'Noisy-OR disruption exposure over the supply DAG (link u -> v: u supplies v, weight = P(u disrupted => v disrupted)): exposure P_v = 1 - (1 - p_v) prod(1 - w P_u), expected_loss = P_v loss_v, inherited_loss = (P_v - p_v) loss_v, depth = longest supplier chain; a cycle raises 22023 naming its nodes';

-- Programme optimisation -----------------------------------------------------

CREATE FUNCTION scsm.knapsack(item_ids bigint[], costs bigint[], benefits float8[], budget bigint,
                              OUT chosen bigint[], OUT total_cost bigint, OUT total_benefit float8)
    AS 'MODULE_PATHNAME', 'scsm_knapsack'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.knapsack(bigint[], bigint[], float8[], bigint) IS
    'Exact 0/1 knapsack (dynamic programme over integer costs): the set of measures with total cost <= budget and the largest total benefit';

CREATE FUNCTION scsm.knapsack_grouped(item_ids bigint[], group_ids bigint[], costs bigint[],
                                      benefits float8[], budget bigint,
                                      OUT chosen bigint[], OUT total_cost bigint,
                                      OUT total_benefit float8)
    AS 'MODULE_PATHNAME', 'scsm_knapsack_grouped'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.knapsack_grouped(bigint[], bigint[], bigint[], float8[], bigint) IS
    'Exact multiple-choice knapsack: at most one option per group (e.g. per risk), total cost <= budget, largest total benefit';

CREATE FUNCTION scsm.knapsack_curve(costs bigint[], benefits float8[], budget bigint,
                                    step bigint DEFAULT 1)
    RETURNS TABLE (budget bigint, best_benefit float8, marginal float8)
    AS 'MODULE_PATHNAME', 'scsm_knapsack_curve'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.knapsack_curve(bigint[], float8[], bigint, bigint) IS
    'Budget curve of the 0/1 knapsack: best benefit at budgets 0, step, 2 step, ..., budget, and the benefit per budget unit of the last step (what the next unit buys)';

CREATE FUNCTION scsm.knapsack_grouped_curve(group_ids bigint[], costs bigint[], benefits float8[],
                                            budget bigint, step bigint DEFAULT 1)
    RETURNS TABLE (budget bigint, best_benefit float8, marginal float8)
    AS 'MODULE_PATHNAME', 'scsm_knapsack_grouped_curve'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.knapsack_grouped_curve(bigint[], bigint[], float8[], bigint, bigint) IS
    'Budget curve of the multiple-choice knapsack (at most one option per group)';

CREATE FUNCTION scsm.rosi(risk_reduction float8, cost float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scsm_rosi'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.rosi(float8, float8) IS
    'Return on security investment (ENISA 2012): (risk_reduction - cost) / cost, with risk_reduction = ALE x mitigation ratio (annualised, same unit as cost)';

CREATE FUNCTION scsm.rosi_rank(item_ids bigint[], costs float8[], risk_reductions float8[])
    RETURNS TABLE (item_id bigint, cost float8, risk_reduction float8, rosi float8, rank bigint)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $$
      SELECT u.id, u.c, u.r, scsm.rosi(u.r, u.c),
             rank() OVER (ORDER BY scsm.rosi(u.r, u.c) DESC)
        FROM unnest(item_ids, costs, risk_reductions) AS u(id, c, r)
       ORDER BY 5, 1
    $$;
COMMENT ON FUNCTION scsm.rosi_rank(bigint[], float8[], float8[]) IS
    'Measures ranked by ROSI, best first (ties share a rank); a ranking, not an optimum: use scsm.knapsack for the best set under a budget';
