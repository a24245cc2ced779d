-- Membership: creating organizations, adding, changing and removing members,
-- with the errors each function raises; scsm.member visibility.
BEGIN;
SELECT plan(38);

CREATE ROLE tap_mem_boss LOGIN;      -- scsm_admin, creates organization M
CREATE ROLE tap_mem_deputy LOGIN;    -- scsm_admin, org admin of M with clearance internal
CREATE ROLE tap_mem_staff LOGIN;     -- scsm_contributor, plain member of M
CREATE ROLE tap_mem_other LOGIN;     -- scsm_admin, creates organization N
CREATE ROLE tap_mem_plain LOGIN;     -- scsm_contributor, no membership
GRANT scsm_admin TO tap_mem_boss, tap_mem_deputy, tap_mem_other;
GRANT scsm_contributor TO tap_mem_staff, tap_mem_plain;

-- create_organization
SET ROLE tap_mem_plain;
SELECT throws_ok($$SELECT scsm.create_organization('Nope', 'tap_nope')$$, '42501',
                 'permission denied for function create_organization', 'a non-admin cannot even call create_organization');
RESET ROLE;
GRANT EXECUTE ON FUNCTION scsm.create_organization(text, text, text, text) TO tap_mem_plain;
SET ROLE tap_mem_plain;
SELECT throws_ok($$SELECT scsm.create_organization('Nope', 'tap_nope')$$, '42501',
                 'permission denied to create an organization',
                 'given EXECUTE by mistake, a non-admin is still refused by the function');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION scsm.create_organization(text, text, text, text) FROM tap_mem_plain;

SET ROLE tap_mem_boss;
SELECT lives_ok($$SELECT scsm.create_organization('Tap Membership', 'tap_m', '3pl')$$, 'an scsm_admin creates an organization');
SELECT is((SELECT string_agg(format('%s %s %s', role_name, clearance, is_org_admin), '; ') FROM scsm.member),
          'tap_mem_boss restricted t',
                  'its creator is its administrator with clearance restricted, and sees that membership');
SELECT throws_ok($$SELECT scsm.create_organization('Again', 'tap_m')$$, '23505',
                 'an organization with short name "tap_m" already exists', 'short names are unique');
SELECT throws_ok($$SELECT scsm.create_organization('Bad', 'Bad Name')$$, '23514', NULL,
                 'a malformed short name is refused by its check constraint');
RESET ROLE;
SELECT org_id AS org_m FROM scsm.organization WHERE short_name = 'tap_m' \gset
SET ROLE tap_mem_other;
SELECT lives_ok($$SELECT scsm.create_organization('Tap Other', 'tap_n')$$, 'another admin creates another organization');
RESET ROLE;
SELECT org_id AS org_n FROM scsm.organization WHERE short_name = 'tap_n' \gset

-- add_member
SET ROLE tap_mem_boss;
SELECT lives_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_deputy', 'internal', true)$$, :org_m),
                'the administrator adds a deputy administrator with clearance internal');
SELECT lives_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_staff', 'confidential')$$, :org_m),
                'the administrator adds staff with clearance confidential');
SELECT throws_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_staff', 'internal')$$, :org_m), '23505',
                 format('role tap_mem_staff is already a member of organization %s', :org_m), 'no duplicate membership');
SELECT throws_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_nobody', 'internal')$$, :org_m), '22023',
                 'role "tap_mem_nobody" does not exist', 'unknown roles are refused');
SELECT throws_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_plain', NULL)$$, :org_m), '22023',
                 'role, clearance and is_org_admin must not be null', 'a null clearance is refused');
SELECT throws_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_plain', 'internal')$$, :org_n), '42501',
                 format('permission denied to manage the members of organization %s', :org_n),
                 'an administrator of M cannot add members to N');
SELECT throws_ok($$SELECT scsm.add_member(-1, 'tap_mem_plain', 'internal')$$, '42501',
                 'permission denied to manage the members of organization -1',
                 'an unknown organization looks like one you do not administer');
SELECT is((SELECT string_agg(role_name, ' ' ORDER BY role_name) FROM scsm.member),
          'tap_mem_boss tap_mem_deputy tap_mem_staff',
                  'members see all memberships of their organization and none of another');
SELECT throws_ok(format($$INSERT INTO scsm.member (org_id, role_name, clearance) VALUES (%s, 'tap_mem_plain', 'public')$$, :org_m),
                 '42501', 'permission denied for table member', 'scsm.member cannot be written directly');
SELECT throws_ok($$UPDATE scsm.member SET clearance = 'restricted'$$, '42501', 'permission denied for table member',
                 'scsm.member cannot be updated directly');
RESET ROLE;

-- The deputy (clearance internal) cannot hand out or touch more than that.
SET ROLE tap_mem_deputy;
SELECT throws_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_plain', 'confidential')$$, :org_m), '42501',
                 'cannot grant a clearance above your own', 'an administrator cannot grant a clearance above its own');
SELECT lives_ok(format($$SELECT scsm.add_member(%s, 'tap_mem_plain', 'internal')$$, :org_m),
                'an administrator grants up to its own clearance');
SELECT throws_ok(format($$SELECT scsm.set_clearance(%s, 'tap_mem_plain', 'restricted')$$, :org_m), '42501',
                 'cannot grant a clearance above your own', 'set_clearance cannot raise above one''s own');
SELECT throws_ok(format($$SELECT scsm.set_clearance(%s, 'tap_mem_staff', 'public')$$, :org_m), '42501',
                 'cannot change a member whose clearance is above your own', 'nor change a member cleared higher');
SELECT throws_ok(format($$SELECT scsm.remove_member(%s, 'tap_mem_boss')$$, :org_m), '42501',
                 'cannot change a member whose clearance is above your own', 'nor remove a member cleared higher');
SELECT throws_ok(format($$SELECT scsm.set_clearance(%s, 'tap_mem_nobody', 'public')$$, :org_m), '22023',
                 format('role tap_mem_nobody is not a member of organization %s', :org_m), 'set_clearance needs a member');
RESET ROLE;

-- A plain member is no administrator, even holding scsm_admin elsewhere.
SET ROLE tap_mem_other;
SELECT throws_ok(format($$SELECT scsm.set_clearance(%s, 'tap_mem_staff', 'public')$$, :org_m), '42501',
                 format('permission denied to manage the members of organization %s', :org_m),
                 'an scsm_admin who does not administer M cannot change its members');
RESET ROLE;

-- Clearance changes take effect on the next statement.
INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, sensitivity)
SELECT :org_m, 'internal', 'employee', 'Staff', 'Level ' || l, l
  FROM unnest(enum_range(NULL::scsm.sensitivity)) l;
SET ROLE tap_mem_staff;
SELECT is((SELECT count(*) FROM scsm.communication), 3::bigint, 'staff with clearance confidential reads three levels');
SELECT is(scsm.my_clearance(:org_m), 'confidential'::scsm.sensitivity, 'my_clearance tells its clearance');
SELECT is(scsm.my_org_ids(), ARRAY[:org_m]::bigint[], 'my_org_ids lists its organization');
RESET ROLE;
SET ROLE tap_mem_boss;
SELECT lives_ok(format($$SELECT scsm.set_clearance(%s, 'tap_mem_staff', 'public')$$, :org_m), 'the administrator lowers it');
RESET ROLE;
SET ROLE tap_mem_staff;
SELECT is((SELECT count(*) FROM scsm.communication), 1::bigint, 'the next statement sees only public rows');
RESET ROLE;

-- remove_member
SET ROLE tap_mem_boss;
SELECT lives_ok(format($$SELECT scsm.remove_member(%s, 'tap_mem_staff')$$, :org_m), 'the administrator removes staff');
SELECT throws_ok(format($$SELECT scsm.remove_member(%s, 'tap_mem_staff')$$, :org_m), '22023',
                 format('role tap_mem_staff is not a member of organization %s', :org_m), 'removing twice is an error');
SELECT lives_ok(format($$SELECT scsm.remove_member(%s, 'tap_mem_deputy')$$, :org_m), 'the deputy administrator is removed');
SELECT throws_ok(format($$SELECT scsm.remove_member(%s, 'tap_mem_boss')$$, :org_m), '55000',
                 format('cannot remove the last administrator of organization %s', :org_m),
                 'the last administrator cannot be removed');
RESET ROLE;
SET ROLE tap_mem_staff;
SELECT is((SELECT count(*) FROM scsm.communication), 0::bigint, 'a removed member reads nothing');
RESET ROLE;

-- The membership lookup answers only for roles the session can act as.
SET SESSION AUTHORIZATION tap_mem_plain;
SELECT is(scsm.member_orgs('tap_mem_boss', 'public'), '{}'::bigint[],
          'a session cannot ask which organizations another role belongs to');
SELECT is(scsm.member_clearance('tap_mem_boss', :org_m), NULL::scsm.sensitivity,
          'nor its clearance');
SELECT is(scsm.my_org_ids(), ARRAY[:org_m]::bigint[], 'but learns its own');
RESET SESSION AUTHORIZATION;

-- A dropped role's membership rows break nothing.
CREATE ROLE tap_mem_gone;
SELECT scsm.add_member(:org_m, 'tap_mem_gone', 'public') AS x \gset
DROP ROLE tap_mem_gone;
SET ROLE tap_mem_boss;
SELECT is(scsm.my_org_ids(), ARRAY[:org_m]::bigint[], 'a membership of a dropped role does not disturb the lookup');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
