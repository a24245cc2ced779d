-- 96_risk_access.sql: access rules of the risk engine that the generic pass
-- of 95_access.sql cannot derive.
-- Preset matrices (org_id NULL) are shared by every organization: any member
-- may read them.  The generic policy (own organizations only) still governs
-- writes and the organizations' own matrices.
CREATE POLICY scsm_preset_read ON scsm.risk_matrix FOR SELECT USING (org_id IS NULL);
