-- 39_register_dump.sql: the register is user data, so pg_dump must include it.
-- Every table of the register (those with an org_id column, created above) and
-- its identity sequence are registered as extension configuration.
DO $$
DECLARE
    t regclass;
    s regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
         WHERE n.nspname = 'scsm' AND c.relkind = 'r'
         ORDER BY c.relname
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(t, '');
        FOR s IN
            SELECT d.objid::regclass
              FROM pg_catalog.pg_depend d
             WHERE d.refobjid = t AND d.classid = 'pg_catalog.pg_class'::regclass
               AND d.deptype IN ('a', 'i')
               AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = d.objid) = 'S'
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(s, '');
        END LOOP;
    END LOOP;
END
$$;
