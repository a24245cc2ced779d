-- Quantitative risk: closed forms, RNG known answers, propagation, knapsack,
-- and the error paths of each (exact messages).
SET extra_float_digits = 0;

-- Philox4x32-10 known-answer vectors (Random123 kat_vectors)
SELECT scsm.philox4x32('{0,0,0,0}', '{0,0}') AS zero,
       scsm.philox4x32('{4294967295,4294967295,4294967295,4294967295}',
                       '{4294967295,4294967295}') AS ones,
       scsm.philox4x32(ARRAY[x'243f6a88'::bigint, x'85a308d3'::bigint, x'13198a2e'::bigint,
                             x'03707344'::bigint],
                       ARRAY[x'a4093822'::bigint, x'299f31d0'::bigint])
         = ARRAY[x'd16cfe09'::bigint, x'94fdcceb'::bigint, x'5001e420'::bigint,
                 x'24126ea1'::bigint] AS pi_vector;

-- normal quantile: z95 and z975 to 12 digits, symmetry
SELECT round(scsm.normal_quantile(0.95)::numeric, 12) AS z95,
       round(scsm.normal_quantile(0.975)::numeric, 12) AS z975,
       scsm.normal_quantile(0.5) AS z50,
       round(scsm.normal_quantile(0.01)::numeric, 12) = -round(scsm.normal_quantile(0.99)::numeric, 12) AS symmetric,
       scsm.normal_quantile(0) AS z0, scsm.normal_quantile(1) AS z1;

-- Beta: I_0.5(2,3) = 11/16; Beta(1,b) and Beta(a,1) have closed-form quantiles
SELECT scsm.beta_cdf(0.5, 2, 3) AS i_half_2_3,
       round(scsm.beta_quantile(0.6875, 2, 3)::numeric, 12) AS q_back,
       round(scsm.beta_quantile(0.3, 1, 3)::numeric, 12) = round((1 - 0.7 ^ (1.0 / 3))::numeric, 12) AS beta_1_b,
       round(scsm.beta_quantile(0.3, 2.5, 1)::numeric, 12) = round((0.3 ^ (1 / 2.5))::numeric, 12) AS beta_a_1,
       scsm.beta_quantile(0.5, 7, 7) AS symmetric_median,
       scsm.beta_quantile(0, 2, 3) AS q0, scsm.beta_quantile(1, 2, 3) AS q1;

-- PERT(0, 1, 10): mean (0 + 4 + 10)/6, variance (mean)(10 - mean)/7
SELECT round(scsm.pert_mean(0, 1, 10)::numeric, 12) AS mean,
       round(scsm.pert_variance(0, 1, 10)::numeric, 12) AS variance,
       round(scsm.pert_quantile(0, 5, 10, 0.5)::numeric, 12) AS symmetric_median,
       scsm.pert_mean(0, 1, 10, 0) AS uniform_mean,
       scsm.pert_mean(3, 3, 3) AS degenerate;

-- lognormal from a 90 % interval: the interval comes back, the riskquant example
SELECT round(scsm.lognormal_quantile(1e5, 1e6, 0.05)::numeric, 4) AS p5,
       round(scsm.lognormal_quantile(1e5, 1e6, 0.95)::numeric, 4) AS p95,
       round(scsm.lognormal_quantile(1e5, 1e6, 0.5)::numeric, 4) AS median,
       round(scsm.lognormal_mean(1e6, 1e7)::numeric * 0.1, 2) AS riskquant_ale;

-- compound Poisson
SELECT scsm.compound_poisson_mean(0.5, 1000) AS mean,
       scsm.compound_poisson_variance(0.5, 2e6) AS variance,
       round(scsm.compound_poisson_p_nonzero(0.1)::numeric, 12) AS p_nonzero;
SELECT round(mean::numeric, 2) AS mean, round(stddev::numeric, 2) AS stddev,
       round(p_nonzero::numeric, 12) AS p_nonzero, events
  FROM scsm.annual_loss_moments('poisson', '{0.1}', 'lognormal', '{1e6,1e7}');
-- a constant magnitude of 0 never loses anything
SELECT mean, p_nonzero FROM scsm.annual_loss_moments('poisson', '{2}', 'constant', '{0}');

-- simulation summary shape
SELECT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(s) k) AS keys,
       s->'iterations' AS iterations, s->'seed' AS seed,
       jsonb_array_length(s->'lec') AS lec_points
  FROM scsm.simulate_loss(1, 1, 1000, 'poisson', '{0.5}', 'lognormal', '{10,100}') s;
SELECT scsm.loss_summary('{0,0,10,20}')->'p50' AS p50,
       scsm.loss_summary('{0,0,10,20}')->'p_nonzero' AS p_nonzero;
SELECT * FROM scsm.loss_exceedance('{0,0,10,20}', '{0,10,15,20}');

-- propagation: 1 -> 3 (w 1), 2 -> 3 (w 0.5), 3 -> 4 (w 1), 1 -> 4 (w 0.2)
-- P3 = 1 - (1 - 0)(1 - 0.1)(1 - 0.5*0.2) = 0.19
-- P4 = 1 - (1 - 0.05)(1 - 0.19)(1 - 0.2*0.1) = 0.24589
SELECT node_id, round(exposure::numeric, 12) AS exposure,
       round(expected_loss::numeric, 9) AS expected_loss,
       round(inherited_loss::numeric, 9) AS inherited_loss, depth
  FROM scsm.propagate_exposure('{1,2,3,4}', '{0.1,0.2,0,0.05}', '{100,200,300,400}',
                               '{1,2,3,1}', '{3,3,4,4}', '{1,0.5,1,0.2}');
SELECT count(*) FROM scsm.propagate_exposure('{}', '{}', '{}', '{}', '{}', '{}');

-- knapsack: costs 5,4,6,3 benefits 10,40,30,50, budget 10 -> {20,40}
SELECT * FROM scsm.knapsack('{10,20,30,40}', '{5,4,6,3}', '{10,40,30,50}', 10);
SELECT * FROM scsm.knapsack('{10,20,30,40}', '{5,4,6,3}', '{10,40,30,50}', 0);
-- one option per group: {10,20} and {30,40}; budget 9 -> 20 and 40
SELECT * FROM scsm.knapsack_grouped('{10,20,30,40}', '{1,1,2,2}', '{5,4,6,3}', '{10,40,30,50}', 9);
-- the same items as four groups behave as the 0/1 knapsack
SELECT * FROM scsm.knapsack_grouped('{10,20,30,40}', '{1,2,3,4}', '{5,4,6,3}', '{10,40,30,50}', 18);
SELECT * FROM scsm.knapsack_curve('{5,4,6,3}', '{10,40,30,50}', 18, 3);
SELECT * FROM scsm.knapsack_grouped_curve('{1,1,2,2}', '{5,4,6,3}', '{10,40,30,50}', 10, 5);
SELECT scsm.rosi(300, 100) AS rosi;
SELECT * FROM scsm.rosi_rank('{1,2,3}', '{10,20,5}', '{30,30,15}');

-- error paths
SELECT scsm.normal_quantile(1.5);
SELECT scsm.beta_quantile(0.5, 0, 1);
SELECT scsm.pert_mean(5, 1, 10);
SELECT scsm.pert_mean(0, 1, 10, -1);
SELECT scsm.pert_mean(0, 'NaN', 10);
SELECT scsm.lognormal_mean(0, 10);
SELECT scsm.lognormal_mean(1, 1e300);
SELECT scsm.compound_poisson_mean(-1, 10);
SELECT * FROM scsm.annual_loss_moments('weibull', '{1}', 'constant', '{1}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{1}', 'poisson', '{1}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{1,2}', 'constant', '{1}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{1}', 'pert', '{1,2}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{1}', 'lognormal', '{1,2,3}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{-1}', 'constant', '{1}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{1}', 'constant', '{NULL}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{2e6}', 'constant', '{1}');
SELECT * FROM scsm.annual_loss_moments('poisson', '{1}', 'pert', '{1,2,3,4,5}');
SELECT scsm.simulate_loss(1, 1, 0, 'poisson', '{1}', 'constant', '{1}');
SELECT scsm.simulate_annual_losses(1, 1, 4294967290, 10, 'poisson', '{1}', 'constant', '{1}');
SELECT scsm.simulate_annual_losses(1, 1, -1, 10, 'poisson', '{1}', 'constant', '{1}');
SELECT scsm.loss_summary('{1,NULL}');
SELECT scsm.portfolio_loss(s, 10, s, 'poisson', '{1}', 'constant', '{1}') FROM generate_series(1, 2) s;
SELECT scsm.portfolio_loss(1, 10, s, 'poisson', NULL, 'constant', '{1}') FROM generate_series(1, 2) s;
SELECT scsm.philox4x32('{0,0,0}', '{0,0}');
SELECT scsm.philox4x32('{0,0,0,4294967296}', '{0,0}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1}', '{1,1}', '{}', '{}', '{}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1,0.2}', '{1,1}', '{1}', '{2}', '{}');
SELECT * FROM scsm.propagate_exposure('{1,1}', '{0.1,0.2}', '{1,1}', '{}', '{}', '{}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1,1.2}', '{1,1}', '{}', '{}', '{}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1,0.2}', '{1,-1}', '{}', '{}', '{}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1,0.2}', '{1,1}', '{1}', '{3}', '{0.5}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1,0.2}', '{1,1}', '{1}', '{2}', '{1.5}');
SELECT * FROM scsm.propagate_exposure('{1,2}', '{0.1,NULL}', '{1,1}', '{}', '{}', '{}');
SELECT * FROM scsm.propagate_exposure('{1,2,3,4,5}', '{0.1,0.2,0.3,0.4,0.5}', '{1,1,1,1,1}',
                                      '{1,2,3,4,4}', '{2,3,4,2,5}', '{1,1,1,1,1}');
SELECT * FROM scsm.propagate_exposure('{7}', '{0.1}', '{1}', '{7}', '{7}', '{1}');
SELECT * FROM scsm.knapsack('{1,2}', '{1}', '{1,2}', 5);
SELECT * FROM scsm.knapsack('{1,2}', '{1,-2}', '{1,2}', 5);
SELECT * FROM scsm.knapsack('{1,2}', '{1,2}', '{1,2}', -5);
SELECT * FROM scsm.knapsack('{1,2}', '{1,2}', '{1,Infinity}', 5);
SELECT * FROM scsm.knapsack('{1,2}', '{1,2}', '{1,2}', 20000001);
SELECT * FROM scsm.knapsack(array_fill(1::bigint, ARRAY[5000]), array_fill(1::bigint, ARRAY[5000]),
                            array_fill(1::float8, ARRAY[5000]), 19000000);
SELECT * FROM scsm.knapsack_curve('{1,2}', '{1,2}', 5, 0);
SELECT * FROM scsm.knapsack_grouped('{1,2}', '{1}', '{1,2}', '{1,2}', 5);
SELECT scsm.rosi(10, 0);
