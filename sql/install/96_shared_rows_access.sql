-- 96_shared_rows_access.sql: rows shared by every organization.
-- Some configuration tables hold builtin rows with org_id NULL next to an
-- organization's own rows: preset risk matrices, default audit interval rules.
-- Any member may read the shared rows; the generic policy of 95_access.sql
-- (own organizations only) still governs the organizations' own rows and all
-- writes.
CREATE POLICY scsm_shared_read ON scsm.risk_matrix FOR SELECT USING (org_id IS NULL);
CREATE POLICY scsm_shared_read ON scsm.audit_interval_rule FOR SELECT USING (org_id IS NULL);

-- The contents of a risk matrix (versions, levels, cells) have no org_id of
-- their own: they follow the matrix.  A row is visible when its matrix is --
-- the subqueries below run under the policies of risk_matrix, so presets are
-- visible to every member and an organization's own matrices to its members
-- only.  Writes stay with administrators (their grants, 95_access.sql), who
-- keep full access.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['risk_matrix_version', 'risk_level', 'risk_matrix_cell'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE scsm.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('ALTER TABLE scsm.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('CREATE POLICY scsm_admin_all ON scsm.%I TO scsm_admin USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
CREATE POLICY scsm_matrix_visible ON scsm.risk_matrix_version FOR SELECT
  USING (EXISTS (SELECT 1 FROM scsm.risk_matrix m WHERE m.matrix_id = risk_matrix_version.matrix_id));
CREATE POLICY scsm_matrix_visible ON scsm.risk_level FOR SELECT
  USING (EXISTS (SELECT 1 FROM scsm.risk_matrix_version v WHERE v.version_id = risk_level.version_id));
CREATE POLICY scsm_matrix_visible ON scsm.risk_matrix_cell FOR SELECT
  USING (EXISTS (SELECT 1 FROM scsm.risk_matrix_version v WHERE v.version_id = risk_matrix_cell.version_id));
