-- The extension installs into schema scsm and reserves the scsm.* GUC prefix.
SELECT extname, extversion, nspname AS schema, extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'scsm';
SHOW scsm.seal_interval;
-- a misspelt scsm.* setting is refused, not silently created
SET scsm.no_such_setting = 1;
