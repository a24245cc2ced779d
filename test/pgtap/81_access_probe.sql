-- What a member learns through scsm's SECURITY DEFINER functions is no more
-- than row level security lets them read: found by a fuzzing pass over the
-- SQL functions as each scsm role (session note).
--  * scsm.retention_of looks the row up as its caller: another
--    organization's row, or one above the caller's clearance, gives nothing
--    (it gave the row's class and dates, and so told that the row exists);
--    a role that may read the ledger itself (auditors, admins) still learns
--    the retention of any row, one disposed of included;
--  * scsm.may_approve_retention answers only about roles the session can
--    act as (it told any viewer who was whose org admin).
BEGIN;
\ir ../fixtures/access_orgs.sql
SELECT plan(9);

CREATE ROLE tap_probe_mgr LOGIN;
CREATE ROLE tap_probe_other LOGIN;
GRANT scsm_manager TO tap_probe_mgr;
SELECT scsm.add_member(:org_a, 'tap_probe_mgr', 'internal');
SELECT scsm.add_member(:org_b, 'tap_probe_other', 'restricted', true);

SELECT jsonb_build_object('org_id', org_id, 'incident_id', incident_id) AS key_b
  FROM scsm.incident WHERE org_id = :org_b ORDER BY incident_id LIMIT 1 \gset
SELECT jsonb_build_object('org_id', org_id, 'incident_id', incident_id) AS key_a_high
  FROM scsm.incident WHERE org_id = :org_a AND sensitivity > 'internal' ORDER BY incident_id LIMIT 1 \gset
SELECT jsonb_build_object('org_id', org_id, 'incident_id', incident_id) AS key_a_low
  FROM scsm.incident WHERE org_id = :org_a AND sensitivity <= 'internal' ORDER BY incident_id LIMIT 1 \gset

SELECT is((SELECT count(*) FROM scsm.retention_of('scsm.incident', :'key_b')), 1::bigint,
          'fixture: the superuser sees the retention of org B''s incident');
SELECT (state, retain_until)::text AS su_a_low
  FROM scsm.retention_of('scsm.incident', :'key_a_low') \gset

SET LOCAL ROLE tap_probe_mgr;
SELECT is((SELECT count(*) FROM scsm.retention_of('scsm.incident', :'key_b')), 0::bigint,
          'a manager of A learns nothing of the retention of org B''s incident');
SELECT is((SELECT count(*) FROM scsm.retention_of('scsm.incident', :'key_a_high')), 0::bigint,
          'nor of an incident of A above their clearance');
SELECT is((SELECT count(*) FROM scsm.retention_of('scsm.incident', :'key_a_low')), 1::bigint,
          'but of an incident of A they may read');
SELECT is((SELECT (state, retain_until)::text FROM scsm.retention_of('scsm.incident', :'key_a_low')),
          :'su_a_low',
          'with the state and retain_until the superuser sees');
SELECT throws_ok(format('SELECT scsm.may_approve_retention(%s, %L)', :org_b, 'tap_probe_other'), '42501', NULL,
                 'may_approve_retention about a role the session cannot act as is refused');
SELECT is(scsm.may_approve_retention(:org_a, current_user), false,
          'about the session''s own role it answers');
RESET ROLE;

GRANT scsm_auditor TO tap_probe_other;
SET LOCAL ROLE tap_probe_other;
SELECT is((SELECT count(*) FROM scsm.retention_of('scsm.incident', :'key_a_high')), 1::bigint,
          'an auditor, who may read the ledger, learns the retention of any row');
RESET ROLE;
SELECT is(scsm.may_approve_retention(:org_b, 'tap_probe_other'), true,
          'a superuser session may ask about any role');

SELECT * FROM finish();
ROLLBACK;
