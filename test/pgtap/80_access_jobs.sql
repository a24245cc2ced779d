-- The group roles at work: each job can do what it needs and not more.
-- All acting roles are members of organization A, most with clearance
-- restricted, so what stops them here is the privileges of their group.
BEGIN;
\ir ../fixtures/access_orgs.sql

CREATE ROLE tap_job_viewer LOGIN;
CREATE ROLE tap_job_contrib LOGIN;
CREATE ROLE tap_job_auditor LOGIN;
CREATE ROLE tap_job_manager LOGIN;
CREATE ROLE tap_job_admin LOGIN;
CREATE ROLE tap_job_admin2 LOGIN;
GRANT scsm_viewer TO tap_job_viewer;
GRANT scsm_contributor TO tap_job_contrib;
GRANT scsm_auditor TO tap_job_auditor;
GRANT scsm_manager TO tap_job_manager;
GRANT scsm_admin TO tap_job_admin, tap_job_admin2;
SELECT scsm.add_member(:org_a, 'tap_job_viewer', 'restricted') AS m \gset
SELECT scsm.add_member(:org_a, 'tap_job_contrib', 'internal') AS m \gset
SELECT scsm.add_member(:org_a, 'tap_job_auditor', 'restricted') AS m \gset
SELECT scsm.add_member(:org_a, 'tap_job_manager', 'restricted') AS m \gset
SELECT scsm.add_member(:org_a, 'tap_job_admin', 'restricted', true) AS m \gset
SELECT scsm.add_member(:org_a, 'tap_job_admin2', 'restricted', false) AS m \gset

CREATE TEMP TABLE rels AS
SELECT c.relname, NULL::jsonb AS a_row
  FROM pg_class c
 WHERE c.relnamespace = 'scsm'::regnamespace AND c.relkind IN ('r', 'p')
   AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = 'org_id' AND NOT attisdropped);
DO $$
DECLARE
    r record;
    j jsonb;
BEGIN
    FOR r IN SELECT relname FROM rels LOOP
        EXECUTE format('SELECT to_jsonb(t) FROM scsm.%I t WHERE org_id = (SELECT org_id FROM scsm.organization
                                                                          WHERE short_name = ''tap_a'') LIMIT 1',
                       r.relname) INTO j;
        UPDATE rels SET a_row = j WHERE relname = r.relname;
    END LOOP;
END
$$;
GRANT SELECT ON rels TO PUBLIC;

SELECT plan((SELECT 4 * count(*) + 41 FROM rels)::int);

-- Viewer: reads its organization, writes nothing, on every register table.
SET ROLE tap_job_viewer;
SELECT ok(pg_temp.n(format('SELECT 1 FROM scsm.%I', relname)) > 0, format('%s: a viewer reads it', relname))
  FROM rels ORDER BY relname;
SELECT throws_ok(pg_temp.insert_sql(relname, a_row), '42501', format('permission denied for table %s', relname),
                 format('%s: a viewer cannot INSERT', relname))
  FROM rels ORDER BY relname;
SELECT throws_ok(format('UPDATE scsm.%I SET org_id = org_id', relname), '42501',
                 format('permission denied for table %s', relname), format('%s: a viewer cannot UPDATE', relname))
  FROM rels ORDER BY relname;
SELECT throws_ok(format('DELETE FROM scsm.%I', relname), '42501',
                 format('permission denied for table %s', relname), format('%s: a viewer cannot DELETE', relname))
  FROM rels ORDER BY relname;
RESET ROLE;

-- Contributor (clearance internal): operational records and drafts.
UPDATE scsm.emergency_plan SET needs_review = false WHERE org_id = :org_a;
SET ROLE tap_job_contrib;
SELECT lives_ok(format($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, site_id, severity, sensitivity)
                         SELECT %s, 'incident', 'Gate forced', 'Lock broken', now() - interval '1 hour', site_id, 3, 'internal'
                           FROM scsm.site LIMIT 1$$, :org_a),
                'a contributor records an incident');
RESET ROLE;
SELECT is((SELECT count(*) FROM scsm.emergency_plan WHERE org_id = :org_a AND needs_review AND sensitivity = 'restricted'),
          1::bigint, 'the incident flags the site''s emergency plans for review, even those above the contributor''s clearance');
SET ROLE tap_job_contrib;
SELECT lives_ok(format($$INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value)
                         SELECT %s, kpi_id, now(), 4 FROM scsm.kpi LIMIT 1$$, :org_a),
                'a contributor records a measurement');
SELECT lives_ok(format($$INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on)
                         SELECT %s, p.person_id, c.competence_id, current_date FROM scsm.person p, scsm.competence c LIMIT 1$$, :org_a),
                'a contributor records training');
SELECT lives_ok(format($$INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject)
                         VALUES (%s, 'inbound', 'customer', 'Shipper', 'Complaint about seals')$$, :org_a),
                'a contributor records a communication');
SELECT lives_ok(format($$INSERT INTO scsm.calibration (org_id, equipment_id, performed_on, result, next_due, performed_by)
                         SELECT %s, equipment_id, current_date, 'pass', current_date + 365, 'Lab' FROM scsm.monitoring_equipment LIMIT 1$$, :org_a),
                'a contributor records a calibration');
SELECT lives_ok(format($$INSERT INTO scsm.document_version (org_id, document_id, version, content)
                         SELECT %s, document_id, 99, 'New draft' FROM scsm.document WHERE code = 'PROC-1'$$, :org_a),
                'a contributor writes a draft document version');
SELECT throws_ok($$UPDATE scsm.document_version SET status = 'approved', approved_on = current_date,
                          approved_by = (SELECT min(person_id) FROM scsm.person) WHERE version = 99$$,
                 '42501', 'new row violates row-level security policy "scsm_approval_update" for table "document_version"',
                 'a contributor cannot approve a document version');
SELECT lives_ok($$UPDATE scsm.incident SET mitigation = 'Lock replaced' WHERE title = 'Gate forced'$$,
                'a contributor updates an incident');
SELECT throws_ok($$DELETE FROM scsm.incident WHERE title = 'Gate forced'$$, '42501', NULL,
                 'a contributor cannot delete an incident (a record)');
SELECT throws_ok(format($$INSERT INTO scsm.risk (org_id, threat_id, title, owner, likelihood, consequence)
                          SELECT %s, threat_id, 'x', (SELECT min(person_id) FROM scsm.person), 1, 1 FROM scsm.threat LIMIT 1$$, :org_a),
                 '42501', 'permission denied for table risk', 'a contributor cannot write risks');
SELECT throws_ok(format($$INSERT INTO scsm.policy (org_id, title) VALUES (%s, 'x')$$, :org_a),
                 '42501', 'permission denied for table policy', 'a contributor cannot write the policy');
SELECT throws_ok($$UPDATE scsm.audit_finding SET description = 'x'$$,
                 '42501', 'permission denied for table audit_finding', 'a contributor cannot write audit findings');
RESET ROLE;

-- Auditor: audits, findings, nonconformities, evaluations.
SET ROLE tap_job_auditor;
SELECT lives_ok(format($$INSERT INTO scsm.audit_finding (org_id, audit_id, clause, kind, description)
                         SELECT %s, audit_id, '4.4.6', 'major_nc', 'No gate log' FROM scsm.audit LIMIT 1$$, :org_a),
                'an auditor records a finding');
SELECT lives_ok(format($$INSERT INTO scsm.nonconformity (org_id, source, finding_id, severity, description)
                         SELECT %s, 'audit', finding_id, 'major', 'No gate log' FROM scsm.audit_finding
                          WHERE description = 'No gate log'$$, :org_a),
                'an auditor raises a nonconformity');
SELECT lives_ok(format($$INSERT INTO scsm.evaluation (org_id, kind, subject, performed_on, performed_by, conforming, findings)
                         SELECT %s, 'test', 'Alarm test', current_date, min(person_id), true, 'Works' FROM scsm.person$$, :org_a),
                'an auditor records an evaluation');
SELECT lives_ok($$UPDATE scsm.audit SET conclusion = 'Mostly conforming'$$, 'an auditor updates an audit');
SELECT throws_ok(format($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, severity)
                          VALUES (%s, 'incident', 'x', 'x', now(), 1)$$, :org_a),
                 '42501', 'permission denied for table incident', 'an auditor cannot record incidents');
SELECT throws_ok($$UPDATE scsm.risk SET likelihood = 1$$, '42501', 'permission denied for table risk',
                 'an auditor cannot change risks');
SELECT throws_ok($$DELETE FROM scsm.audit_finding$$, '42501', 'permission denied for table audit_finding',
                 'an auditor cannot delete findings');
RESET ROLE;

-- Manager: policy, objectives, risks, approvals; not audit findings.
SELECT person_id AS b_clerk FROM scsm.person WHERE org_id = :org_b AND full_name = 'Clerk' \gset
SELECT policy_id AS b_policy FROM scsm.policy WHERE org_id = :org_b \gset
SET ROLE tap_job_manager;
SELECT throws_ok(format($$INSERT INTO scsm.policy_version (org_id, policy_id, version, body, status, commits_to_improvement,
                                                          commits_to_compliance, endorsed_by, endorsed_on)
                          VALUES (%s, %s, 50, 'x', 'current', true, true, %s, current_date)$$, :org_b, :b_policy, :b_clerk),
                 '42501', 'new row violates row-level security policy for table "policy_version"',
                 'a rule trigger of another organization gives no answer (is that person top management of B?)');
SELECT throws_ok(format($$INSERT INTO scsm.objective (org_id, policy_id, title, owner) VALUES (%s, 999999, 'x', %s)$$,
                        :org_b, :b_clerk),
                 '42501', 'new row violates row-level security policy for table "objective"',
                 'nor does the objective rule (does B have a policy in force?)');
SELECT lives_ok(format($$INSERT INTO scsm.risk (org_id, threat_id, title, owner, likelihood, consequence)
                         SELECT %s, min(threat_id), 'Theft from yard', (SELECT min(person_id) FROM scsm.person), 4, 5
                           FROM scsm.threat$$, :org_a),
                'a manager records a risk');
SELECT lives_ok(format($$INSERT INTO scsm.objective (org_id, policy_id, title, owner)
                         SELECT %s, policy_id, 'Zero thefts', (SELECT min(person_id) FROM scsm.person) FROM scsm.policy$$, :org_a),
                'a manager sets an objective');
SELECT lives_ok(format($$INSERT INTO scsm.document_version (org_id, document_id, version, content)
                         SELECT %s, document_id, 98, 'Managed draft' FROM scsm.document WHERE code = 'PROC-1'$$, :org_a),
                'a manager writes a draft');
SELECT lives_ok($$UPDATE scsm.document_version SET status = 'approved', approved_on = current_date,
                         approved_by = (SELECT min(person_id) FROM scsm.person) WHERE version = 98$$,
                'a manager approves a document version');
SELECT lives_ok(format($$INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, severity)
                         VALUES (%s, 'near_miss', 'Tailgating', 'Visitor followed truck', now(), 1)$$, :org_a),
                'a manager can do what a contributor does');
SELECT throws_ok(format($$INSERT INTO scsm.audit_finding (org_id, audit_id, clause, kind, description)
                          SELECT %s, audit_id, '4.4.6', 'observation', 'x' FROM scsm.audit LIMIT 1$$, :org_a),
                 '42501', 'permission denied for table audit_finding', 'a manager cannot write audit findings');
SELECT throws_ok($$DELETE FROM scsm.risk$$, '42501', 'permission denied for table risk', 'a manager cannot delete risks');
SELECT throws_ok($$UPDATE scsm.organization SET name = 'x'$$, '42501', 'permission denied for table organization',
                 'a manager cannot change the organization');
SELECT throws_ok(format($$SELECT scsm.add_member(%s, 'tap_job_viewer', 'public')$$, :org_a), '42501',
                 'permission denied for function add_member', 'a manager cannot manage members');
SELECT throws_ok($$SELECT scsm.create_organization('X', 'tap_x')$$, '42501',
                 'permission denied for function create_organization', 'a manager cannot create organizations');
RESET ROLE;
SELECT is((SELECT array_agg(version ORDER BY version) FROM scsm.document_version
            WHERE org_id = :org_a AND status = 'approved'), '{98}'::int[],
          'after approval exactly one version of the document is approved');

-- Admin: the organization row, for administrators of that organization only.
SET ROLE tap_job_admin;
SELECT is(pg_temp.try($$UPDATE scsm.organization SET name = 'Tap Port A Ltd'$$), 'ok:1',
          'an administrator of A renames A (and only A)');
RESET ROLE;
SET ROLE tap_job_admin2;
SELECT is(pg_temp.try($$UPDATE scsm.organization SET name = 'Hijacked'$$), 'ok:0',
          'an scsm_admin who is not an administrator of A cannot rename it');
SELECT lives_ok(format($$INSERT INTO scsm.audit (org_id, clauses, planned_for, lead_auditor)
                         SELECT %s, ARRAY['4.5.5']::scsm.clause[], current_date + 30, min(person_id) FROM scsm.person$$, :org_a),
                'an admin plans an audit (as a manager may)');
RESET ROLE;
SELECT is((SELECT name FROM scsm.organization WHERE org_id = :org_a), 'Tap Port A Ltd', 'the rename took effect');

-- Configuration tables without org_id: read-only catalogue.
SET ROLE tap_job_admin;
SELECT throws_ok($$UPDATE scsm.clause_catalogue SET title = 'x'$$, '42501', 'permission denied for table clause_catalogue',
                 'nobody but the owner changes the clause catalogue');
SELECT throws_ok($$INSERT INTO scsm.access_grant VALUES ('relation', 'incident', 'scsm_viewer', '{DELETE}')$$, '42501',
                 'permission denied for table access_grant', 'an scsm_admin cannot change the access rules');
SELECT is((SELECT count(*) FROM scsm.threat_category), 8::bigint, 'the threat categories are readable');
SELECT throws_ok($$SELECT scsm.apply_access()$$, '42501', 'permission denied for function apply_access',
                 'only the owner re-applies the access rules');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
