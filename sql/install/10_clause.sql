-- SHIM (not committed)
CREATE DOMAIN scsm.clause AS text;
