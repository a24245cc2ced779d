-- Row-level security, checked generically over every table with org_id:
-- no cross-organization read or write, no read or write above clearance,
-- membership through a group role.  The acting roles are given every table
-- privilege directly, so what stops them here is row-level security alone.
BEGIN;
\ir ../fixtures/access_orgs.sql

-- Acting roles: t_rw (org A, restricted), t_low (org A, internal), t_none
-- (viewer of no organization).  All get every privilege on every table.
CREATE ROLE tap_rls_rw LOGIN;
CREATE ROLE tap_rls_low LOGIN;
CREATE ROLE tap_rls_none LOGIN;
GRANT scsm_viewer TO tap_rls_rw, tap_rls_low, tap_rls_none;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA scsm TO tap_rls_rw, tap_rls_low, tap_rls_none;
SELECT scsm.add_member(:org_a, 'tap_rls_rw', 'restricted') AS m1 \gset
SELECT scsm.add_member(:org_a, 'tap_rls_low', 'internal') AS m2 \gset

-- What the superuser sees, to compare with.
CREATE TEMP TABLE expect AS
SELECT c.relname,
       EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'sensitivity') AS has_sens,
       pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id = %s', c.relname, :org_a)) AS a_all,
       pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id = %s', c.relname, :org_b)) AS b_all,
       NULL::bigint AS a_low, NULL::bigint AS a_high,
       -- under the ledger (70_ledger.sql): UPDATE/DELETE refused outright (55000)
       EXISTS (SELECT 1 FROM scsm.ledger_table lt WHERE lt.schema_name = 'scsm' AND lt.table_name = c.relname) AS protected,
       NULL::jsonb AS b_row, NULL::jsonb AS a_low_row
  FROM pg_class c
 WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p')
   AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'org_id' AND NOT attisdropped);
DO $$
DECLARE
    e record;
    a bigint := (SELECT org_id FROM scsm.organization WHERE short_name = 'tap_a');
    b bigint := (SELECT org_id FROM scsm.organization WHERE short_name = 'tap_b');
    j jsonb;
BEGIN
    FOR e IN SELECT * FROM expect LOOP
        EXECUTE format('SELECT to_jsonb(t) FROM scsm.%I t WHERE org_id = %s LIMIT 1', e.relname, b) INTO j;
        UPDATE expect SET b_row = j WHERE relname = e.relname;
        IF e.has_sens THEN
            EXECUTE format('SELECT to_jsonb(t) FROM scsm.%I t WHERE org_id = %s AND sensitivity = ''internal'' LIMIT 1',
                           e.relname, a) INTO j;
            UPDATE expect
               SET a_low_row = j,
                   a_low = pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id = %s AND sensitivity <= ''internal''', e.relname, a)),
                   a_high = pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id = %s AND sensitivity > ''internal''', e.relname, a))
             WHERE relname = e.relname;
        END IF;
    END LOOP;
END
$$;
GRANT SELECT ON expect TO PUBLIC;

SELECT plan((SELECT 7 * count(*) + 6 * count(*) FILTER (WHERE has_sens) + 8 FROM expect)::int);

SELECT ok(b_all > 0 AND a_all > 0, format('fixture: both organizations have rows in %s', relname))
  FROM expect ORDER BY relname;

-- Cross-organization read and write, as a fully cleared member of A.
SET ROLE tap_rls_rw;
SELECT is(pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id <> %s', relname, :org_a)), 0::bigint,
          format('%s: a member of A reads no row of another organization', relname))
  FROM expect ORDER BY relname;
-- (rows with org_id NULL, such as preset risk matrices, are shared, not any organization's)
SELECT is(pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id IS NOT NULL', relname)), a_all,
          format('%s: a restricted member of A reads every row of A', relname))
  FROM expect ORDER BY relname;
SELECT ok(r = 'error:42501' OR r ~ '^error:23S', format('%s: inserting a row of B is refused (%s)', relname, r))
  FROM (SELECT relname, pg_temp.try(pg_temp.insert_sql(relname, b_row)) AS r FROM expect) s ORDER BY relname;
SELECT ok(r = 'ok:0' OR (protected AND r = 'error:55000'), format('%s: updating rows of B touches none (%s)', relname, r))
  FROM (SELECT relname, protected,
               pg_temp.try(format('UPDATE scsm.%I SET org_id = org_id WHERE org_id = %s', relname, :org_b)) AS r
          FROM expect) s ORDER BY relname;
SELECT ok(r = 'ok:0' OR (protected AND r = 'error:55000'), format('%s: deleting rows of B touches none (%s)', relname, r))
  FROM (SELECT relname, protected,
               pg_temp.try(format('DELETE FROM scsm.%I WHERE org_id = %s', relname, :org_b)) AS r
          FROM expect) s ORDER BY relname;
SELECT ok(r IN ('error:42501', 'ok:0') OR r ~ '^error:23S' OR (protected AND r = 'error:55000'),
          format('%s: moving a row of A into B is refused (%s)', relname, r))
  FROM (SELECT relname, protected,
               pg_temp.try(format('UPDATE scsm.%I SET org_id = %s WHERE ctid = (SELECT ctid FROM scsm.%I WHERE org_id = %s LIMIT 1)',
                                  relname, :org_b, relname, :org_a)) AS r
          FROM expect) s ORDER BY relname;
RESET ROLE;

-- Clearance, as an internal-cleared member of A.
SELECT ok(a_high > 0, format('fixture: %s has rows of A above internal', relname))
  FROM expect WHERE has_sens ORDER BY relname;
SET ROLE tap_rls_low;
SELECT is(pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE sensitivity > ''internal''', relname)), 0::bigint,
          format('%s: nothing above the reader''s clearance is visible', relname))
  FROM expect WHERE has_sens ORDER BY relname;
SELECT is(pg_temp.n(format('SELECT 1 FROM scsm.%I', relname)), a_low,
          format('%s: everything at or below the reader''s clearance is visible', relname))
  FROM expect WHERE has_sens ORDER BY relname;
SELECT is(pg_temp.try(pg_temp.insert_sql(relname, a_low_row || '{"sensitivity": "confidential"}')), 'error:42501',
          format('%s: writing a row above one''s clearance is refused', relname))
  FROM expect WHERE has_sens ORDER BY relname;
SELECT ok(r = 'error:42501' OR (protected AND r = 'error:55000'),
          format('%s: raising a row above one''s clearance is refused (%s)', relname, r))
  FROM (SELECT relname, protected,
               pg_temp.try(format('UPDATE scsm.%I SET sensitivity = ''restricted'' WHERE sensitivity = ''internal''', relname)) AS r
          FROM expect WHERE has_sens) s ORDER BY relname;
SELECT ok(r = 'ok:0' OR (protected AND r = 'error:55000'),
          format('%s: rows above one''s clearance cannot be updated (%s)', relname, r))
  FROM (SELECT relname, protected,
               pg_temp.try(format('UPDATE scsm.%I SET sensitivity = sensitivity WHERE org_id = %s AND sensitivity > ''internal''',
                                  relname, :org_a)) AS r
          FROM expect WHERE has_sens) s ORDER BY relname;
RESET ROLE;

-- Nothing changed in either organization.
SELECT is_empty($$
    SELECT relname FROM expect
     WHERE pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id = (SELECT org_id FROM scsm.organization WHERE short_name = ''tap_b'')', relname)) <> b_all $$,
    'after all attempts, organization B has exactly the rows it had');
SELECT is_empty($$
    SELECT relname FROM expect
     WHERE pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id = (SELECT org_id FROM scsm.organization WHERE short_name = ''tap_a'')', relname)) <> a_all $$,
    'after all attempts, organization A has exactly the rows it had');

-- A viewer that belongs to no organization sees nothing at all.
SET ROLE tap_rls_none;
SELECT is((SELECT sum(pg_temp.n(format('SELECT 1 FROM scsm.%I WHERE org_id IS NOT NULL', relname))) FROM expect), 0::numeric,
          'a role that is a member of no organization reads no row of any register table');
RESET ROLE;

-- Membership through a group role; clearance is the highest over memberships.
CREATE ROLE tap_rls_group NOLOGIN;
CREATE ROLE tap_rls_via LOGIN;
GRANT scsm_viewer, tap_rls_group TO tap_rls_via;
SELECT scsm.add_member(:org_a, 'tap_rls_group', 'confidential') AS m3 \gset
SET ROLE tap_rls_via;
SELECT is((SELECT count(*) FROM scsm.incident), 3::bigint,
          'membership through a group role: its member reads incidents of A up to confidential');
SELECT is((SELECT count(*) FROM scsm.incident WHERE org_id <> :org_a), 0::bigint,
          'membership through a group role: and nothing of B');
SELECT is(scsm.my_clearance(:org_a), 'confidential'::scsm.sensitivity, 'my_clearance reports the group''s clearance');
RESET ROLE;
SELECT scsm.add_member(:org_a, 'tap_rls_via', 'public') AS m4 \gset
REVOKE tap_rls_group FROM tap_rls_via;
SET ROLE tap_rls_via;
SELECT is((SELECT count(*) FROM scsm.incident), 1::bigint,
          'leaving the group role takes its clearance away at once (only public incidents remain)');
RESET ROLE;
GRANT tap_rls_group TO tap_rls_via;
SET ROLE tap_rls_via;
SELECT is((SELECT array_agg(DISTINCT sensitivity ORDER BY sensitivity) FROM scsm.incident),
          '{public,internal,confidential}'::scsm.sensitivity[],
          'with a direct public and a group confidential membership the highest clearance applies');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
