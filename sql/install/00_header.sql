-- scsm install script, assembled from sql/install/*.sql in name order.
-- Each part is owned by one concern; see docs/architecture.md.

\echo Use "CREATE EXTENSION scsm" to load this file. \quit

COMMENT ON SCHEMA scsm IS 'ISO 28000 supply-chain security management system (scsm)';
