-- Random supply DAG for the propagation benchmark: :nodes nodes in :tiers
-- tiers (tier 0 = raw-material suppliers), :links links, each from a node
-- to a node one to three tiers further downstream.  Seeded: every run
-- builds the same graph.
SELECT setseed(0.20261127);
DROP TABLE IF EXISTS prop_node, prop_link;
CREATE TABLE prop_node (id bigint PRIMARY KEY, tier int, p float8, loss float8);
CREATE TABLE prop_link (src bigint, dst bigint, w float8);
INSERT INTO prop_node
SELECT i, ((i - 1) * :tiers) / :nodes, 0.001 + 0.05 * random(), round((1000 + 1e6 * random())::numeric, 2)
  FROM generate_series(1, :nodes) i;
-- nodes of tier t are ids (t*N/T, (t+1)*N/T]; pick a source tier, a source in
-- it, a destination tier 1..3 further, a destination in that tier
INSERT INTO prop_link
SELECT 1 + floor(st * :nodes / :tiers::float8 + random() * (:nodes / :tiers::float8))::bigint,
       1 + floor(dt * :nodes / :tiers::float8 + random() * (:nodes / :tiers::float8))::bigint,
       random()
  FROM (SELECT st, least(:tiers - 1, st + 1 + floor(random() * 3)::int) AS dt
          FROM (SELECT floor(random() * (:tiers - 1))::int AS st
                  FROM generate_series(1, :links)) a) b;
-- clamp ids rounding to the tier range edges
UPDATE prop_link SET src = least(src, :nodes), dst = least(dst, :nodes);
CREATE INDEX ON prop_link (src);
ANALYZE prop_node;
ANALYZE prop_link;
