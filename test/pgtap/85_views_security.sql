-- The views: column contract, security_invoker, and row-level security seen
-- through them by a non-superuser reader.
BEGIN;
SELECT plan(14);

SELECT columns_are('scsm', 'v_clause_conformance',
    ARRAY['org_id', 'org_name', 'clause', 'title', 'evidence_count', 'evidence', 'last_audit_on',
          'last_audit_result', 'open_nonconformities', 'open_major_nonconformities', 'overdue_items', 'status'],
    'v_clause_conformance has the agreed columns');
SELECT columns_are('scsm', 'v_management_review_input',
    ARRAY['org_id', 'item', 'clause', 'heading', 'since', 'item_count', 'summary'],
    'v_management_review_input has the agreed columns');
SELECT columns_are('scsm', 'v_overdue',
    ARRAY['org_id', 'kind', 'clause', 'ref_table', 'ref_id', 'title', 'due_on', 'days_overdue',
          'owner_id', 'owner_name', 'detail'],
    'v_overdue has the agreed columns (detail added at the end)');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'scsm.v_overdue'::regclass AND attnum > 0 AND NOT attisdropped),
          ARRAY['org_id', 'kind', 'clause', 'ref_table', 'ref_id', 'title', 'due_on', 'days_overdue',
                'owner_id', 'owner_name', 'detail'],
          'v_overdue columns are in the agreed order');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'scsm.v_clause_conformance'::regclass AND attnum > 0 AND NOT attisdropped),
          ARRAY['org_id', 'org_name', 'clause', 'title', 'evidence_count', 'evidence', 'last_audit_on',
                'last_audit_result', 'open_nonconformities', 'open_major_nonconformities', 'overdue_items', 'status'],
          'v_clause_conformance columns are in the agreed order');
SELECT has_view('scsm', v, format('view scsm.%s exists', v))
  FROM unnest(ARRAY['v_training_gap', 'v_document_register', 'v_kpi_status', 'v_clause_evidence']) v;
SELECT is((SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'scsm' AND c.relkind = 'v' AND c.relname LIKE 'v\_%'
              AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)),
          0, 'every scsm.v_* view runs with the reader''s privileges (security_invoker)');

-- A reader role with SELECT on the views only, and later on the tables behind
-- v_overdue's corrective-action branch under a row-level security policy.
CREATE ROLE scsm_views_reader NOLOGIN;
GRANT USAGE ON SCHEMA scsm TO scsm_views_reader;
GRANT SELECT ON scsm.v_overdue, scsm.v_clause_conformance TO scsm_views_reader;

INSERT INTO scsm.organization (org_id, name, short_name) VALUES (930, 'Eta', 'eta_o'), (931, 'Theta', 'theta_o');
INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (930, 1, 'Ann'), (931, 1, 'Bea');
INSERT INTO scsm.corrective_action (org_id, action_id, kind, description, owner, due_on) VALUES
    (930, 1, 'preventive', 'eta late', 1, current_date - 2),
    (931, 1, 'preventive', 'theta late', 1, current_date - 3);

SET LOCAL ROLE scsm_views_reader;
SELECT throws_ok($$SELECT count(*) FROM scsm.v_overdue$$, '42501', NULL,
                 'SELECT on the view alone does not give the reader the tables behind it');
RESET ROLE;

-- The access model proper: the reader becomes a viewer and a member of Eta only.
GRANT scsm_viewer TO scsm_views_reader;
INSERT INTO scsm.member (org_id, role_name, clearance) VALUES (930, 'scsm_views_reader', 'restricted');

SET LOCAL ROLE scsm_views_reader;
SELECT set_eq($$SELECT org_id, title, owner_name FROM scsm.v_overdue WHERE kind = 'corrective_action'$$,
              $$VALUES (930::bigint, 'eta late', 'Ann')$$,
              'row-level security of the reader applies through v_overdue');
SELECT is((SELECT count(*)::int FROM scsm.v_clause_conformance WHERE org_id = 931),
          0, 'and through v_clause_conformance: the other organization is not shown at all');
RESET ROLE;
SELECT is((SELECT overdue_items FROM scsm.v_clause_conformance WHERE org_id = 931 AND clause::text = '4.5.3'),
          1::bigint, 'the superuser (row-level security does not apply) sees the other organization''s action');

SELECT * FROM finish();
ROLLBACK;
