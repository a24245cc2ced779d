-- Organizations and access: the membership functions and their error paths.
-- Roles are cluster-wide, so they are named regress_access_* and dropped at
-- the end.  Organization ids are made deterministic by restarting the identity.
\set SHOW_CONTEXT never
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

-- Clean up (roles are shared by every database of the cluster).
DELETE FROM scsm.member WHERE org_id = 9001;
DELETE FROM scsm.organization WHERE org_id = 9001;
DROP ROLE regress_access_admin, regress_access_deputy, regress_access_staff, regress_access_outsider;
