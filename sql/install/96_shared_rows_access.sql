-- 96_shared_rows_access.sql: rows shared by every organization.
-- Some configuration tables hold builtin rows with org_id NULL next to an
-- organization's own rows: preset risk matrices, default audit interval rules.
-- Any member may read the shared rows; the generic policy of 95_access.sql
-- (own organizations only) still governs the organizations' own rows and all
-- writes.
CREATE POLICY scsm_shared_read ON scsm.risk_matrix FOR SELECT USING (org_id IS NULL);
CREATE POLICY scsm_shared_read ON scsm.audit_interval_rule FOR SELECT USING (org_id IS NULL);
