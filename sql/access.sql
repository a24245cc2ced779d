-- Organizations and access: the membership functions and their error paths.
-- Everything runs in one transaction that is rolled back (ON_ERROR_ROLLBACK
-- keeps it going past the expected errors), so the regress_access_* roles,
-- which are cluster-wide, do not survive.  Organization ids are made
-- deterministic by restarting the identity, which is put back at the end.
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SELECT last_value AS org_seq_last, is_called AS org_seq_called FROM scsm.organization_org_id_seq \gset
BEGIN;
ALTER TABLE scsm.organization ALTER COLUMN org_id RESTART WITH 9001;
CREATE ROLE regress_access_admin LOGIN;
CREATE ROLE regress_access_deputy LOGIN;
CREATE ROLE regress_access_staff LOGIN;
CREATE ROLE regress_access_outsider LOGIN;
GRANT scsm_admin TO regress_access_admin, regress_access_deputy, regress_access_outsider;
GRANT scsm_contributor TO regress_access_staff;

-- Only scsm_admin members (or superusers) create organizations.
SET ROLE regress_access_staff;
SELECT scsm.create_organization('Harbour Terminal', 'regress_harbour');
RESET ROLE;
-- a role given EXECUTE directly still is not an administrator: the function
-- checks scsm_admin membership itself
GRANT EXECUTE ON FUNCTION scsm.create_organization(text, text, text, text) TO regress_access_staff;
SET ROLE regress_access_staff;
SELECT scsm.create_organization('Harbour Terminal', 'regress_harbour');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION scsm.create_organization(text, text, text, text) FROM regress_access_staff;
SET ROLE regress_access_admin;
SELECT scsm.create_organization('Harbour Terminal', 'regress_harbour', 'terminal');
SELECT scsm.create_organization('Harbour Again', 'regress_harbour');
SELECT scsm.create_organization(NULL, 'regress_nameless');
SELECT org_id, role_name, clearance, is_org_admin, granted_by FROM scsm.member ORDER BY role_name;

-- add_member
SELECT scsm.add_member(9001, 'regress_access_deputy', 'internal', true);
SELECT scsm.add_member(9001, 'regress_access_staff', 'confidential');
SELECT scsm.add_member(9001, 'regress_access_staff', 'internal');
SELECT scsm.add_member(9001, 'regress_access_nobody', 'internal');
SELECT scsm.add_member(9001, 'regress_access_outsider', NULL);
SELECT scsm.add_member(9001, 'scsm_viewer', 'public');
SELECT scsm.add_member(9999, 'regress_access_outsider', 'public');
SELECT org_id, role_name, clearance, is_org_admin, granted_by FROM scsm.member ORDER BY role_name;
RESET ROLE;

-- An administrator with clearance internal cannot go above it.
SET ROLE regress_access_deputy;
SELECT scsm.add_member(9001, 'regress_access_outsider', 'confidential');
SELECT scsm.set_clearance(9001, 'regress_access_deputy', 'restricted');
SELECT scsm.set_clearance(9001, 'regress_access_staff', 'public');
SELECT scsm.remove_member(9001, 'regress_access_admin');
SELECT scsm.set_clearance(9001, 'regress_access_nobody', 'public');
RESET ROLE;

-- An scsm_admin that is not an administrator of the organization.
SET ROLE regress_access_outsider;
SELECT scsm.add_member(9001, 'regress_access_outsider', 'public');
SELECT scsm.remove_member(9001, 'regress_access_staff');
SELECT count(*) AS visible_members FROM scsm.member;
RESET ROLE;

-- Direct writes to the membership table are refused.
SET ROLE regress_access_admin;
INSERT INTO scsm.member (org_id, role_name, clearance) VALUES (9001, 'regress_access_outsider', 'public');
UPDATE scsm.member SET clearance = 'restricted';
DELETE FROM scsm.member;
RESET ROLE;

-- set_clearance and remove_member.
SET ROLE regress_access_admin;
SELECT scsm.set_clearance(9001, 'regress_access_staff', NULL);
SELECT scsm.set_clearance(9001, 'regress_access_staff', 'public');
SELECT scsm.remove_member(9001, 'regress_access_deputy');
SELECT scsm.remove_member(9001, 'regress_access_admin');
SELECT scsm.remove_member(9001, 'regress_access_deputy');
SELECT org_id, role_name, clearance, is_org_admin, granted_by FROM scsm.member ORDER BY role_name;
RESET ROLE;

-- Row-level security refusals have their own wording.
SET ROLE regress_access_staff;
INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, sensitivity)
VALUES (9001, 'internal', 'employee', 'Staff', 'Above clearance', 'internal');
INSERT INTO scsm.site (org_id, name) VALUES (9001, 'Quay 1');
RESET ROLE;

-- Undo everything, and put the identity back where it was.
ROLLBACK;
SELECT setval('scsm.organization_org_id_seq', :org_seq_last, :'org_seq_called') AS restored \gset
SELECT count(*) AS leftover_roles FROM pg_roles WHERE rolname LIKE 'regress\_access\_%';
