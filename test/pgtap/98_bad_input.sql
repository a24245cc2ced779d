-- Input a user can give never crashes a backend and never ends in an
-- internal error (XX000): each case here was found by a fuzzing pass over
-- every SQL-callable C function (edge values per argument type, rows of the
-- wrong shape, OIDs of no relation).  That cancellation reaches the long
-- loops is tested by test/scripts/98_cancel.sh.
BEGIN;
SELECT plan(41);

CREATE TABLE public.bi_txt (code text PRIMARY KEY, body text);
CREATE TABLE public.bi_int (id int PRIMARY KEY);
CREATE TABLE public.bi_comp (a int, b int, c text, PRIMARY KEY (a, b, c));

-- a row of another shape than the table: its key columns are found by name,
-- and a column of another type than the key's is refused (it was read as the
-- key's type: an integer read as text crashed the backend, text read as an
-- integer gave a memory address)
SELECT throws_ok($$SELECT scsm.row_key('public.bi_txt', x) FROM (SELECT 1234567::int AS code) x$$,
                 '42804', NULL, 'row_key: an integer where the key is text is refused');
SELECT throws_ok($$SELECT scsm.row_key('public.bi_int', x) FROM (SELECT 'abc'::text AS id) x$$,
                 '42804', NULL, 'row_key: text where the key is an integer is refused');
SELECT throws_ok($$SELECT scsm.row_key('public.bi_comp', x) FROM (SELECT 1 AS a, 2 AS b, now() AS c) x$$,
                 '42804', NULL, 'row_key: a timestamp where a composite key has text is refused');
SELECT is(scsm.row_key('public.bi_txt', x), '{"code":"a"}', 'row_key: a row of another shape with the key''s type still gives the key')
  FROM (SELECT 'a'::text AS code, 1 AS other) x;
SELECT is(scsm.row_key('public.bi_int', x), scsm.row_key('public.bi_int', ROW(7)::public.bi_int),
          'row_key: an integer key from a row of another shape is the table''s own row''s key')
  FROM (SELECT 7 AS id, 'x'::text AS other) x;

-- an OID that names no relation: 42P01, not "could not open relation"
SELECT throws_ok($$SELECT scsm.row_key(0, ROW(1))$$, '42P01', NULL, 'row_key of no relation');
SELECT throws_ok($$SELECT scsm.row_hash(123456789, ROW(1))$$, '42P01', NULL, 'row_hash of no relation');
SELECT throws_ok($$SELECT scsm.row_encoding(123456789, ROW(1))$$, '42P01', NULL, 'row_encoding of no relation');
SELECT throws_ok($$SELECT scsm.canonical_key(0, '{"id": 1}')$$, '42P01', NULL, 'canonical_key of no relation');
SELECT throws_ok($$SELECT scsm.ledger_key_condition(0, 't', 'k')$$, '42P01', NULL, 'ledger_key_condition of no relation');
SELECT throws_ok($$SELECT scsm.protect(123456789)$$, '42P01', NULL, 'protect of no relation');
SELECT throws_ok($$SELECT scsm.ledger_dispose_row(0, '{"id": 1}', 'r')$$, '42P01', NULL, 'ledger_dispose_row of no relation');
SELECT throws_ok($$SELECT scsm.retention_dispose_batch(0, 10)$$, '42P01', NULL, 'retention_dispose_batch of no relation');
SELECT throws_ok($$SELECT * FROM scsm.retention_of(0, '{"id": 1}')$$, '42P01', NULL, 'retention_of of no relation');

-- PERT over a range near the largest double: the shape is derived without
-- overflow (gamma (max - mode) overflowed to an infinite Beta shape, which
-- gave a wrong quantile and kept the backend in the solver for a minute)
SELECT ok(abs(scsm.pert_quantile(0, 0, 1e308, 0.5) / 1e308 - (1 - 0.5 ^ 0.2)) < 1e-9,
          'pert_quantile near the largest double: the Beta(1, 5) median');
SELECT ok(abs(scsm.pert_mean(0, 1e308, 1e308) / 1e308 - 5.0 / 6) < 1e-12,
          'pert_mean near the largest double: (a + 4m + b) / 6, not infinity');
SELECT throws_ok($$SELECT scsm.pert_variance(0, 0, 1e308)$$, '22003', NULL,
                 'pert_variance that does not fit a double: out of range, not infinity');
SELECT throws_ok($$SELECT scsm.pert_mean(-1e308, 0, 1e308)$$, '22023', NULL,
                 'a PERT range that does not fit a double is refused');
SELECT throws_ok($$SELECT scsm.pert_quantile(0, 1, 2, 0.5, 1e300)$$, '22023', NULL,
                 'a PERT shape above 10000 is refused');
SELECT throws_ok($$SELECT scsm.simulate_loss(1, 1, 10, 'poisson', '{1}', 'pert', '{0, 1, 2, 1e300}')$$, '22023', NULL,
                 'and in a simulation');
SELECT ok(scsm.pert_quantile(0, 1, 2, 0.5, 10000) BETWEEN 0.99 AND 1.01,
          'a PERT shape of 10000 is taken: a narrow peak at the mode');
SELECT throws_ok($$SELECT scsm.simulate_loss(1, 1, 10, 'poisson', '{1}', 'pert', '{0, 0, 1e308}')$$, '22003', NULL,
                 'a simulation over such a range runs and reports its sum out of range');
SELECT ok((scsm.simulate_loss(1, 1, 10, 'poisson', '{1}', 'pert', '{0, 0, 1e150}') ->> 'mean')::float8 > 0,
          'and one over a range whose sums fit');

-- the single-row disposal door, when an owner's trigger or rule keeps the
-- row: 09000 with a hint, nothing certified (was XX000)
CREATE TABLE public.bi_kept (id int PRIMARY KEY, note text);
SELECT scsm.protect('public.bi_kept', 'append_only');
INSERT INTO public.bi_kept VALUES (1, 'a'), (2, 'b');
CREATE FUNCTION public.bi_keep() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER bi_keep BEFORE DELETE ON public.bi_kept FOR EACH ROW EXECUTE FUNCTION public.bi_keep();
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.bi_kept', '1', 'test')$$, '09000', NULL,
                 'ledger_dispose_row: a trigger that keeps the row is the table''s, not an internal error');
DROP TRIGGER bi_keep ON public.bi_kept;
CREATE RULE bi_keep AS ON DELETE TO public.bi_kept DO INSTEAD NOTHING;
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.bi_kept', '1', 'test')$$, '09000', NULL,
                 'ledger_dispose_row: and a rule that does nothing instead');
DROP RULE bi_keep ON public.bi_kept;
SELECT is((SELECT count(*) FROM scsm.disposal_certificate WHERE table_name = 'bi_kept'), 0::bigint,
          'no certificate was written for the kept row');
CREATE TABLE public.bi_vers (code text PRIMARY KEY, body text);
SELECT scsm.protect('public.bi_vers', 'versioned');
INSERT INTO public.bi_vers VALUES ('OP-1', 'v1');
UPDATE public.bi_vers SET body = 'v2';
CREATE TRIGGER bi_keep BEFORE DELETE ON public.bi_vers_history FOR EACH ROW EXECUTE FUNCTION public.bi_keep();
SELECT throws_ok($$SELECT scsm.ledger_dispose_row('public.bi_vers', '"OP-1"', 'test')$$, '09000', NULL,
                 'ledger_dispose_row: a trigger keeping a history row');

-- per-iteration losses come back as an array of at most 10^7 (a 5*10^7 run
-- took 3.2 GB to return); the summary takes the whole run
SELECT throws_ok($$SELECT scsm.simulate_annual_losses(1, 1, 0, 10000001, 'poisson', '{3}', 'constant', '{1}')$$,
                 '54000', NULL, 'simulate_annual_losses: more than 10^7 per-iteration losses are refused before the run');
SELECT is(array_length(scsm.simulate_annual_losses(1, 1, 10000000, 1000, 'poisson', '{3}', 'constant', '{1}'), 1), 1000,
          'a part of a longer run: iterations 10^7 .. 10^7 + 999');
SELECT throws_ok($$SELECT scsm.portfolio_losses(1, 10000001, s, 'poisson', '{0.001}', 'constant', '{1}')
                     FROM generate_series(1, 1) s$$,
                 '54000', NULL, 'portfolio_losses over more than 10^7 iterations is refused');

-- found by the pass over the SQL functions: NaN and infinity slipped past the
-- budget and unit checks (NaN sorts above every number) to fail later in a
-- cast (0A000); a matrix document without its sizes got 22004 from
-- array_fill; the exceedance of no losses divided by zero
SELECT throws_ok($$SELECT * FROM scsm.optimise_programme(1, NULL, 'NaN')$$, '22023', NULL,
                 'optimise_programme: a NaN budget is refused');
SELECT throws_ok($$SELECT * FROM scsm.optimise_programme(1, NULL, 10, 'Infinity')$$, '22023', NULL,
                 'optimise_programme: an infinite unit is refused');
SELECT throws_ok($$SELECT * FROM scsm.programme_budget_curve(1, NULL, 'Infinity')$$, '22023', NULL,
                 'programme_budget_curve: an infinite budget is refused');
SELECT throws_ok($$SELECT * FROM scsm.risk_matrix_lint('{}'::jsonb)$$, '22023', NULL,
                 'risk_matrix_lint: a document without its sizes is refused by its own check');
SELECT throws_ok($$SELECT * FROM scsm.risk_matrix_lint('{"n_likelihood": 5}'::jsonb)$$, '22023', NULL,
                 'risk_matrix_lint: and one without n_consequence');
SELECT is((SELECT exceedance FROM scsm.loss_exceedance('{}', '{1}')), NULL::float8,
          'loss_exceedance of no losses: unknown, not a division by zero');

-- a ledger digest of the wrong shape: 22023 "invalid ledger digest" from
-- both of its readers (a fractional block gave 22P02 from a cast, and
-- ledger_proof took {} for a digest that predates every block)
SELECT throws_ok($$SELECT scsm.ledger_proof('public.bi_kept', '2', '{"block": 1.5, "hash": "ab"}')$$, '22023',
                 'invalid ledger digest', 'ledger_proof: a fractional block is not a digest');
SELECT throws_ok($$SELECT scsm.ledger_proof('public.bi_kept', '2', '{}')$$, '22023',
                 'invalid ledger digest', 'ledger_proof: nor is an empty object');
SELECT throws_ok($$SELECT * FROM scsm.verify_ledger('{"block": 1.5, "hash": "ab"}')$$, '22023',
                 'invalid ledger digest', 'verify_ledger: a fractional block is not a digest');
SELECT throws_ok($$SELECT * FROM scsm.verify_ledger('{"block": -1, "hash": "ab"}')$$, '22023',
                 'invalid ledger digest', 'verify_ledger: nor a negative one');

-- a regclass of no relation: 42P01 as from the C functions (it said
-- 'table "" is not protected', 55000)
SELECT throws_ok($$SELECT scsm.ledger_proof(0, '2')$$, '42P01',
                 'relation with OID 0 does not exist', 'ledger_proof: an OID of no relation is named as such');

SELECT * FROM finish();
ROLLBACK;
