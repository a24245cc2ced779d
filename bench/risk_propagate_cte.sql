-- Recursive-CTE formulation of scsm.propagate_exposure (the benchmark
-- baseline and a test oracle).  Reads tables prop_node(id, p, loss) and
-- prop_link(src, dst, w); needs an index on prop_link(src).
--
-- The state carries one row per node per step.  A node is "newly final"
-- in the step where its last supplier's contribution arrives; in the next
-- step it pushes ln(1 - w P_u) to each customer.  Aggregates are not
-- allowed in a recursive term, so contributions are summed with window
-- functions over the union of "self" rows and "contribution" rows keyed
-- by the receiving node.  Each node is newly final exactly once: those
-- rows are the answer.
WITH RECURSIVE
  sup AS (SELECT n.id, n.p, n.loss, count(l.src) AS nsup
            FROM prop_node n LEFT JOIN prop_link l ON l.dst = n.id
           GROUP BY n.id, n.p, n.loss),
  s(step, id, p, loss, nsup, logq, k, depth, pfinal, newly) AS (
    SELECT 0, id, p, loss, nsup, 0::float8, 0::bigint, 0,
           CASE WHEN nsup = 0 THEN p END, nsup = 0
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
                      FROM prop_link l
                     WHERE s.newly AND l.src = s.id) v
            WINDOW w AS (PARTITION BY v.key)) z
     WHERE z.is_self AND z.going
  )
SELECT id AS node_id, pfinal AS exposure, pfinal * loss AS expected_loss,
       (pfinal - p) * loss AS inherited_loss, depth
  FROM s
 WHERE newly;
