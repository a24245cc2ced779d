-- 85_views.sql: the read side for BI tools and auditors.
--
-- Every view runs with the privileges of the reader (security_invoker), so the
-- row-level security of the register applies to whoever queries it.  Grants are
-- in 95_access.sql.  Column by column documentation: docs/views.md.
--
-- "Today" is current_date of the session; windows of "the last 12 months" are
-- current_date - interval '12 months' (inclusive).  Clause containment uses
-- OPERATOR(scsm.@>) (a clause covers itself and everything below it).

-- ---------------------------------------------------------------------------
-- v_kpi_status (4.5.1): latest measurement of each KPI against its threshold.
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_kpi_status WITH (security_invoker = true) AS
SELECT k.org_id,
       k.kpi_id,
       k.name,
       k.measure_kind,
       k.orientation,
       k.unit,
       k.frequency,
       k.threshold,
       k.direction,
       m.measured_at AS last_measured_at,
       m.value AS last_value,
       m.assessment AS last_assessment,
       CASE
           WHEN m.measured_at IS NULL THEN 'no_data'
           WHEN k.threshold IS NULL OR m.value IS NULL THEN 'not_assessed'
           WHEN (k.direction = 'at_least' AND m.value >= k.threshold)
             OR (k.direction = 'at_most' AND m.value <= k.threshold) THEN 'met'
           ELSE 'breached'
       END AS status,
       (coalesce(m.measured_at, k.created_at) + k.frequency)::date AS next_measurement_due,
       (coalesce(m.measured_at, k.created_at) + k.frequency)::date < current_date AS measurement_overdue,
       n.measurements_12m,
       k.owner AS owner_id,
       p.full_name AS owner_name
  FROM scsm.kpi k
  LEFT JOIN scsm.person p ON p.org_id = k.org_id AND p.person_id = k.owner
  LEFT JOIN LATERAL (
        SELECT x.measured_at, x.value, x.assessment
          FROM scsm.measurement x
         WHERE x.org_id = k.org_id AND x.kpi_id = k.kpi_id
         ORDER BY x.measured_at DESC, x.measurement_id DESC
         LIMIT 1) m ON true
  CROSS JOIN LATERAL (
        SELECT count(*) AS measurements_12m
          FROM scsm.measurement x
         WHERE x.org_id = k.org_id AND x.kpi_id = k.kpi_id
           AND x.measured_at >= current_date - interval '12 months') n;
COMMENT ON VIEW scsm.v_kpi_status IS
    'Each KPI with its latest measurement, whether it meets its threshold, and whether a measurement is overdue by its frequency (4.5.1)';

-- ---------------------------------------------------------------------------
-- v_training_gap (4.4.2): a person currently appointed to a role that requires
-- a competence, without a valid training record for it.
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_training_gap WITH (security_invoker = true) AS
WITH required AS (
    SELECT a.org_id, a.person_id, rc.competence_id,
           array_agg(DISTINCT r.name ORDER BY r.name) AS roles,
           min(a.valid_from) AS required_since
      FROM scsm.appointment a
      JOIN scsm.person p ON p.org_id = a.org_id AND p.person_id = a.person_id AND p.active
      JOIN scsm.role r ON r.org_id = a.org_id AND r.role_id = a.role_id
      JOIN scsm.role_competence rc ON rc.org_id = a.org_id AND rc.role_id = a.role_id
     WHERE a.valid_from <= current_date
       AND (a.valid_until IS NULL OR a.valid_until >= current_date)
     GROUP BY a.org_id, a.person_id, rc.competence_id
), best AS (
    SELECT q.*, c.name AS competence_name, c.kind AS competence_kind,
           t.training_id, t.completed_on, t.valid_until
      FROM required q
      JOIN scsm.competence c ON c.org_id = q.org_id AND c.competence_id = q.competence_id
      LEFT JOIN LATERAL (
            -- the record that stays valid longest (NULL = never expires)
            SELECT tr.training_id, tr.completed_on,
                   coalesce(tr.valid_until, (tr.completed_on + c.validity)::date) AS valid_until
              FROM scsm.training_record tr
             WHERE tr.org_id = q.org_id AND tr.person_id = q.person_id
               AND tr.competence_id = q.competence_id
               AND tr.result <> 'failed' AND tr.completed_on <= current_date
             ORDER BY 3 DESC NULLS FIRST, tr.completed_on DESC, tr.training_id DESC
             LIMIT 1) t ON true
)
SELECT b.org_id,
       b.person_id,
       p.full_name AS person_name,
       b.competence_id,
       b.competence_name,
       b.competence_kind,
       b.roles,
       b.required_since,
       CASE WHEN b.training_id IS NULL THEN 'never_trained' ELSE 'expired' END AS gap,
       b.training_id AS last_training_id,
       b.completed_on AS last_completed_on,
       b.valid_until AS expired_on,
       CASE WHEN b.training_id IS NULL THEN b.required_since
            ELSE greatest(b.valid_until, b.required_since) END AS due_on,
       current_date - CASE WHEN b.training_id IS NULL THEN b.required_since
                           ELSE greatest(b.valid_until, b.required_since) END AS days_overdue
  FROM best b
  LEFT JOIN scsm.person p ON p.org_id = b.org_id AND p.person_id = b.person_id
 WHERE b.training_id IS NULL OR b.valid_until < current_date;
COMMENT ON VIEW scsm.v_training_gap IS
    'Person x competence required by a role the person holds today, with no valid training record (4.4.2)';

-- ---------------------------------------------------------------------------
-- v_document_register (4.4.4, 4.4.5): documents, their approved version,
-- obsolete versions, next review and archive status.
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_document_register WITH (security_invoker = true) AS
SELECT d.org_id,
       d.document_id,
       d.code,
       d.title,
       d.kind,
       d.about_clause,
       d.sensitivity,
       d.owner AS owner_id,
       o.full_name AS owner_name,
       cv.version AS current_version,
       cv.approved_on,
       cv.approved_by,
       ap.full_name AS approved_by_name,
       cv.next_review_due,
       coalesce(d.status = 'active' AND cv.next_review_due < current_date, false) AS review_overdue,
       n.versions,
       n.obsolete_versions,
       n.draft_versions,
       l.locations,
       d.status = 'archived' AS archived,
       d.archive_reason
  FROM scsm.document d
  LEFT JOIN scsm.person o ON o.org_id = d.org_id AND o.person_id = d.owner
  LEFT JOIN scsm.document_version cv
         ON cv.org_id = d.org_id AND cv.document_id = d.document_id AND cv.status = 'approved'
  LEFT JOIN scsm.person ap ON ap.org_id = cv.org_id AND ap.person_id = cv.approved_by
  CROSS JOIN LATERAL (
        SELECT count(*) AS versions,
               count(*) FILTER (WHERE v.status = 'obsolete') AS obsolete_versions,
               count(*) FILTER (WHERE v.status = 'draft') AS draft_versions
          FROM scsm.document_version v
         WHERE v.org_id = d.org_id AND v.document_id = d.document_id) n
  CROSS JOIN LATERAL (
        SELECT count(*) AS locations
          FROM scsm.document_location x
         WHERE x.org_id = d.org_id AND x.document_id = d.document_id) l;
COMMENT ON VIEW scsm.v_document_register IS
    'Controlled documents with their approved version, version counts, next review and archive status (4.4.4, 4.4.5)';

-- ---------------------------------------------------------------------------
-- v_overdue: everything past its due date, one row per item.
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_overdue WITH (security_invoker = true) AS
WITH cfg AS (
    -- the audit-loop settings, once per organization
    SELECT o.org_id, c.nc_raise_within, c.action_raise_within
      FROM scsm.organization o
      CROSS JOIN LATERAL scsm.audit_config(o.org_id) c
), item (org_id, kind, clause, ref_table, ref_id, title, due_on, owner_id, detail) AS (
    -- 4.3.4 targets past their due date and still open
    SELECT t.org_id, 'target', '4.3.4'::scsm.clause, 'target', t.target_id, t.title, t.due_date, t.owner,
           jsonb_build_object('objective_id', t.objective_id, 'metric', t.metric,
                              'target_value', t.target_value, 'direction', t.direction)
      FROM scsm.target t
     WHERE t.status = 'open' AND t.due_date < current_date
    UNION ALL
    -- 4.3.4 open targets not reviewed within their interval
    SELECT t.org_id, 'target_review', '4.3.4'::scsm.clause, 'target', t.target_id, t.title,
           (t.last_reviewed_on + t.review_interval)::date, t.owner,
           jsonb_build_object('last_reviewed_on', t.last_reviewed_on, 'review_interval', t.review_interval::text)
      FROM scsm.target t
     WHERE t.status = 'open' AND (t.last_reviewed_on + t.review_interval)::date < current_date
    UNION ALL
    -- 4.3.5 programmes past their due date and not completed
    SELECT g.org_id, 'programme', '4.3.5'::scsm.clause, 'programme', g.programme_id, g.title, g.due_date, g.responsible,
           jsonb_build_object('status', g.status, 'objective_id', g.objective_id)
      FROM scsm.programme g
     WHERE g.status IN ('planned', 'active') AND g.due_date < current_date
    UNION ALL
    -- 4.3.5 programme reviews
    SELECT g.org_id, 'programme_review', '4.3.5'::scsm.clause, 'programme', g.programme_id, g.title,
           (g.last_reviewed_on + g.review_interval)::date, g.responsible,
           jsonb_build_object('last_reviewed_on', g.last_reviewed_on, 'review_interval', g.review_interval::text)
      FROM scsm.programme g
     WHERE g.status IN ('planned', 'active') AND (g.last_reviewed_on + g.review_interval)::date < current_date
    UNION ALL
    -- 4.5.3 corrective, preventive and mitigating actions not verified, closed or cancelled
    SELECT c.org_id, 'corrective_action', '4.5.3'::scsm.clause, 'corrective_action', c.action_id, c.description, c.due_on, c.owner,
           jsonb_build_object('action_kind', c.kind, 'status', c.status, 'nc_id', c.nc_id,
                              'incident_id', c.incident_id, 'review_output_id', c.review_output_id)
      FROM scsm.corrective_action c
     WHERE c.status NOT IN ('verified', 'closed', 'cancelled') AND c.due_on < current_date
    UNION ALL
    -- 4.5.3 nonconformity findings of a completed audit with no nonconformity
    -- entered within the organization's nc_raise_within (default 14 days)
    SELECT f.org_id, 'nonconformity_to_raise', '4.5.3'::scsm.clause, 'audit_finding', f.finding_id,
           format('%s: %s', f.clause, f.description), (a.performed_on + cfg.nc_raise_within)::date, a.lead_auditor,
           jsonb_build_object('audit_id', a.audit_id, 'finding_kind', f.kind, 'performed_on', a.performed_on)
      FROM scsm.audit_finding f
      JOIN scsm.audit a ON a.org_id = f.org_id AND a.audit_id = f.audit_id
      JOIN cfg ON cfg.org_id = f.org_id
     WHERE f.kind IN ('minor_nc', 'major_nc') AND a.status = 'completed'
       AND (a.performed_on + cfg.nc_raise_within)::date < current_date
       AND NOT EXISTS (SELECT 1 FROM scsm.nonconformity nc
                        WHERE nc.org_id = f.org_id AND nc.finding_id = f.finding_id)
    UNION ALL
    -- 4.5.3 open nonconformities with no live corrective action within the
    -- organization's action_raise_within (default 30 days) of being raised
    SELECT nc.org_id, 'corrective_action_to_raise', '4.5.3'::scsm.clause, 'nonconformity', nc.nc_id,
           nc.description, (nc.raised_on + cfg.action_raise_within)::date, NULL::bigint,
           jsonb_build_object('severity', nc.severity, 'source', nc.source, 'raised_on', nc.raised_on,
                              'finding_id', nc.finding_id, 'incident_id', nc.incident_id)
      FROM scsm.nonconformity nc
      JOIN cfg ON cfg.org_id = nc.org_id
     WHERE nc.closed_on IS NULL AND (nc.raised_on + cfg.action_raise_within)::date < current_date
       AND NOT EXISTS (SELECT 1 FROM scsm.corrective_action c
                        WHERE c.org_id = nc.org_id AND c.nc_id = nc.nc_id AND c.status <> 'cancelled')
    UNION ALL
    -- 4.2 current policy version past its review date
    SELECT v.org_id, 'policy_review', '4.2'::scsm.clause, 'policy', v.policy_id, format('%s (version %s)', p.title, v.version),
           v.next_review_due, v.endorsed_by,
           jsonb_build_object('version', v.version, 'effective_from', v.effective_from)
      FROM scsm.policy_version v
      JOIN scsm.policy p ON p.org_id = v.org_id AND p.policy_id = v.policy_id
     WHERE v.status = 'current' AND v.next_review_due < current_date
    UNION ALL
    -- 4.3.3 active objectives not reviewed within their interval
    SELECT o.org_id, 'objective_review', '4.3.3'::scsm.clause, 'objective', o.objective_id, o.title,
           (o.last_reviewed_on + o.review_interval)::date, o.owner,
           jsonb_build_object('last_reviewed_on', o.last_reviewed_on, 'review_interval', o.review_interval::text)
      FROM scsm.objective o
     WHERE o.status = 'active' AND (o.last_reviewed_on + o.review_interval)::date < current_date
    UNION ALL
    -- 4.3.2 legal requirements not reviewed within their interval
    SELECT l.org_id, 'legal_review', '4.3.2'::scsm.clause, 'legal_requirement', l.legal_id, l.title,
           (l.last_reviewed_on + l.review_interval)::date, l.owner,
           jsonb_build_object('reference', l.reference, 'last_reviewed_on', l.last_reviewed_on)
      FROM scsm.legal_requirement l
     WHERE l.active AND (l.last_reviewed_on + l.review_interval)::date < current_date
    UNION ALL
    -- 4.3.1 risks past their next review date
    SELECT r.org_id, 'risk_review', '4.3.1'::scsm.clause, 'risk', r.risk_id, r.title, r.next_review_due, r.owner,
           jsonb_build_object('assessed_on', r.assessed_on, 'needs_review', r.needs_review)
      FROM scsm.risk r
     WHERE r.status <> 'closed' AND r.next_review_due < current_date
    UNION ALL
    -- 4.4.5 approved version of an active document past its review date
    SELECT d.org_id, 'document_review', '4.4.5'::scsm.clause, 'document', d.document_id,
           format('%s %s (version %s)', d.code, d.title, v.version), v.next_review_due, d.owner,
           jsonb_build_object('version', v.version, 'approved_on', v.approved_on)
      FROM scsm.document_version v
      JOIN scsm.document d ON d.org_id = v.org_id AND d.document_id = v.document_id
     WHERE v.status = 'approved' AND d.status = 'active' AND v.next_review_due < current_date
    UNION ALL
    -- 4.5.1 equipment in service whose latest calibration has run out, or that
    -- was never calibrated (due from the day it was registered)
    SELECT e.org_id, 'calibration', '4.5.1'::scsm.clause, 'monitoring_equipment', e.equipment_id, e.name,
           coalesce(c.next_due, e.created_at::date), NULL::bigint,
           jsonb_build_object('last_calibrated_on', c.performed_on, 'last_result', c.result,
                              'serial_number', e.serial_number)
      FROM scsm.monitoring_equipment e
      LEFT JOIN LATERAL (
            SELECT x.performed_on, x.result, x.next_due
              FROM scsm.calibration x
             WHERE x.org_id = e.org_id AND x.equipment_id = e.equipment_id AND x.kind = 'calibration'
             ORDER BY x.performed_on DESC, x.calibration_id DESC
             LIMIT 1) c ON true
     WHERE e.in_service AND coalesce(c.next_due, e.created_at::date) < current_date
    UNION ALL
    -- 4.4.7 exercises past their due date and not held
    SELECT x.org_id, 'exercise', '4.4.7'::scsm.clause, 'exercise', x.exercise_id, format('%s: %s', ep.title, x.kind),
           x.due_on, ep.owner,
           jsonb_build_object('plan_id', x.plan_id, 'exercise_kind', x.kind)
      FROM scsm.exercise x
      JOIN scsm.emergency_plan ep ON ep.org_id = x.org_id AND ep.plan_id = x.plan_id
     WHERE x.held_on IS NULL AND x.due_on < current_date
    UNION ALL
    -- 4.4.7 emergency plans past their review interval, or flagged for review
    -- after an incident (due from the first such incident since the last review)
    SELECT ep.org_id, 'emergency_plan_review', '4.4.7'::scsm.clause, 'emergency_plan', ep.plan_id, ep.title,
           least((ep.last_reviewed_on + ep.review_interval)::date,
                 CASE WHEN ep.needs_review THEN coalesce(i.first_on, current_date) END),
           ep.owner,
           jsonb_build_object('last_reviewed_on', ep.last_reviewed_on, 'needs_review', ep.needs_review,
                              'first_incident_on', i.first_on)
      FROM scsm.emergency_plan ep
      CROSS JOIN LATERAL (
            SELECT min(y.occurred_at::date) AS first_on
              FROM scsm.incident y
             WHERE y.org_id = ep.org_id AND y.kind IN ('incident', 'emergency')
               AND (ep.site_id IS NULL OR y.site_id = ep.site_id)
               AND y.occurred_at::date >= ep.last_reviewed_on) i
     WHERE ep.needs_review OR (ep.last_reviewed_on + ep.review_interval)::date < current_date
    UNION ALL
    -- 4.4.2 training gaps: ref_id is the competence, owner the person
    SELECT g.org_id, 'training', '4.4.2'::scsm.clause, 'competence', g.competence_id,
           format('%s: %s', g.person_name, g.competence_name), g.due_on, g.person_id,
           jsonb_build_object('person_id', g.person_id, 'gap', g.gap, 'roles', to_jsonb(g.roles),
                              'last_training_id', g.last_training_id, 'expired_on', g.expired_on)
      FROM scsm.v_training_gap g
     WHERE g.due_on < current_date
    UNION ALL
    -- 4.6 the latest management review's next review date has passed
    SELECT m.org_id, 'management_review', '4.6'::scsm.clause, 'management_review', m.review_id,
           format('Management review after %s', m.held_on), m.next_review_due, m.chair,
           jsonb_build_object('last_held_on', m.held_on)
      FROM (SELECT DISTINCT ON (r.org_id) r.*
              FROM scsm.management_review r
             ORDER BY r.org_id, r.held_on DESC, r.review_id DESC) m
     WHERE m.next_review_due < current_date
    UNION ALL
    -- 4.6 no management review at all, 12 months after the organization was registered
    SELECT o.org_id, 'management_review', '4.6'::scsm.clause, 'organization', o.org_id,
           'First management review', (o.created_at + interval '12 months')::date, NULL::bigint,
           jsonb_build_object('last_held_on', NULL)
      FROM scsm.organization o
     WHERE (o.created_at + interval '12 months')::date < current_date
       AND NOT EXISTS (SELECT 1 FROM scsm.management_review r WHERE r.org_id = o.org_id)
    UNION ALL
    -- 4.6 action outputs of a review past due with no action raised to carry them out
    SELECT w.org_id, 'review_output', '4.6'::scsm.clause, 'management_review_output', w.output_id, w.description,
           w.due_on, w.owner,
           jsonb_build_object('review_id', w.review_id, 'subject', w.subject)
      FROM scsm.management_review_output w
     WHERE w.kind = 'action' AND w.due_on < current_date
       AND NOT EXISTS (SELECT 1 FROM scsm.corrective_action c
                        WHERE c.org_id = w.org_id AND c.review_output_id = w.output_id
                          AND c.status <> 'cancelled')
    UNION ALL
    -- 4.4.3 communications awaiting a response past its due date
    SELECT k.org_id, 'communication_response', '4.4.3'::scsm.clause, 'communication', k.communication_id, k.subject,
           k.response_due, NULL::bigint,
           jsonb_build_object('party', k.party, 'party_kind', k.party_kind, 'is_complaint', k.is_complaint)
      FROM scsm.communication k
     WHERE k.responded_on IS NULL AND k.response_due < current_date
    UNION ALL
    -- 4.5.1 KPIs not measured within their frequency
    SELECT s.org_id, 'kpi_measurement', '4.5.1'::scsm.clause, 'kpi', s.kpi_id, s.name, s.next_measurement_due, s.owner_id,
           jsonb_build_object('last_measured_at', s.last_measured_at, 'frequency', s.frequency::text)
      FROM scsm.v_kpi_status s
     WHERE s.measurement_overdue
)
SELECT i.org_id,
       i.kind,
       i.clause,
       i.ref_table,
       i.ref_id,
       i.title,
       i.due_on,
       current_date - i.due_on AS days_overdue,
       i.owner_id,
       p.full_name AS owner_name,
       i.detail
  FROM item i
  LEFT JOIN scsm.person p ON p.org_id = i.org_id AND p.person_id = i.owner_id;
COMMENT ON VIEW scsm.v_overdue IS
    'Everything past its due date (targets, programmes, actions, reviews, calibrations, exercises, training, management review), one row per item';

-- ---------------------------------------------------------------------------
-- v_clause_evidence: the evidence mapping, one row per organization x source.
-- Each branch names the clause it serves and a source key; a heading counts
-- every source at or below it (4.4 counts the sources of 4.4.1 ... 4.4.7).
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_clause_evidence WITH (security_invoker = true) AS
SELECT o.org_id, e.clause, e.source, e.evidence_count
  FROM scsm.organization o
  CROSS JOIN LATERAL (
    -- 4.1 scope approved, outsourced processes under control
    SELECT '4.1'::scsm.clause AS clause, 'approved_scope_revisions'::text AS source,
           (SELECT count(*) FROM scsm.scope x WHERE x.org_id = o.org_id AND x.approved_on IS NOT NULL) AS evidence_count
    UNION ALL
    SELECT '4.1'::scsm.clause, 'controlled_outsourced_processes',
           (SELECT count(*) FROM scsm.outsourced_process x WHERE x.org_id = o.org_id AND x.active)
    UNION ALL
    -- 4.2 policy versions in force (endorsed by top management)
    SELECT '4.2'::scsm.clause, 'current_policy_versions',
           (SELECT count(*) FROM scsm.policy_version x WHERE x.org_id = o.org_id AND x.status = 'current')
    UNION ALL
    -- 4.3.1 threats identified; open risks with at least one control not retired
    SELECT '4.3.1'::scsm.clause, 'threats',
           (SELECT count(*) FROM scsm.threat x WHERE x.org_id = o.org_id)
    UNION ALL
    SELECT '4.3.1'::scsm.clause, 'risks_with_controls',
           (SELECT count(*) FROM scsm.risk x
             WHERE x.org_id = o.org_id AND x.status <> 'closed'
               AND EXISTS (SELECT 1 FROM scsm.risk_control rc
                             JOIN scsm.control c ON c.org_id = rc.org_id AND c.control_id = rc.control_id
                            WHERE rc.org_id = x.org_id AND rc.risk_id = x.risk_id AND c.status <> 'retired'))
    UNION ALL
    -- 4.3.2 active legal requirements reviewed within their interval
    SELECT '4.3.2'::scsm.clause, 'legal_requirements_reviewed',
           (SELECT count(*) FROM scsm.legal_requirement x
             WHERE x.org_id = o.org_id AND x.active AND (x.last_reviewed_on + x.review_interval)::date >= current_date)
    UNION ALL
    -- 4.3.3 objectives active or achieved
    SELECT '4.3.3'::scsm.clause, 'objectives',
           (SELECT count(*) FROM scsm.objective x WHERE x.org_id = o.org_id AND x.status IN ('active', 'achieved'))
    UNION ALL
    -- 4.3.4 targets not withdrawn
    SELECT '4.3.4'::scsm.clause, 'targets',
           (SELECT count(*) FROM scsm.target x WHERE x.org_id = o.org_id AND x.status <> 'withdrawn')
    UNION ALL
    -- 4.3.5 programmes not cancelled
    SELECT '4.3.5'::scsm.clause, 'programmes',
           (SELECT count(*) FROM scsm.programme x WHERE x.org_id = o.org_id AND x.status <> 'cancelled')
    UNION ALL
    -- 4.4.1 appointments valid today
    SELECT '4.4.1'::scsm.clause, 'current_appointments',
           (SELECT count(*) FROM scsm.appointment x
             WHERE x.org_id = o.org_id AND x.valid_from <= current_date
               AND (x.valid_until IS NULL OR x.valid_until >= current_date))
    UNION ALL
    -- 4.4.2 training records valid today (not failed, not expired)
    SELECT '4.4.2'::scsm.clause, 'valid_training_records',
           (SELECT count(*) FROM scsm.training_record x
              JOIN scsm.competence c ON c.org_id = x.org_id AND c.competence_id = x.competence_id
             WHERE x.org_id = o.org_id AND x.result <> 'failed' AND x.completed_on <= current_date
               AND coalesce(x.valid_until, (x.completed_on + c.validity)::date, current_date) >= current_date)
    UNION ALL
    -- 4.4.3 communications in the last 12 months
    SELECT '4.4.3'::scsm.clause, 'communications_12m',
           (SELECT count(*) FROM scsm.communication x
             WHERE x.org_id = o.org_id AND x.occurred_on >= current_date - interval '12 months')
    UNION ALL
    -- 4.4.4 active documents of the documentation system
    SELECT '4.4.4'::scsm.clause, 'active_documents',
           (SELECT count(*) FROM scsm.document x WHERE x.org_id = o.org_id AND x.status = 'active')
    UNION ALL
    -- 4.4.5 approved versions of active documents within their review date
    SELECT '4.4.5'::scsm.clause, 'approved_versions_in_review',
           (SELECT count(*) FROM scsm.document_version x
              JOIN scsm.document d ON d.org_id = x.org_id AND d.document_id = x.document_id
             WHERE x.org_id = o.org_id AND x.status = 'approved' AND d.status = 'active'
               AND (x.next_review_due IS NULL OR x.next_review_due >= current_date))
    UNION ALL
    -- 4.4.6 procedures, risk-assessed changes, suppliers told our requirements
    SELECT '4.4.6'::scsm.clause, 'procedures',
           (SELECT count(*) FROM scsm.procedure x WHERE x.org_id = o.org_id)
    UNION ALL
    SELECT '4.4.6'::scsm.clause, 'assessed_changes',
           (SELECT count(*) FROM scsm.change_request x WHERE x.org_id = o.org_id AND x.risk_assessed_on IS NOT NULL)
    UNION ALL
    SELECT '4.4.6'::scsm.clause, 'informed_suppliers',
           (SELECT count(*) FROM scsm.supply_chain_node x
             WHERE x.org_id = o.org_id AND x.position <> 'own' AND x.requirements_sent_on IS NOT NULL)
    UNION ALL
    -- 4.4.7 emergency plans; exercises held in the last 12 months
    SELECT '4.4.7'::scsm.clause, 'emergency_plans',
           (SELECT count(*) FROM scsm.emergency_plan x WHERE x.org_id = o.org_id)
    UNION ALL
    SELECT '4.4.7'::scsm.clause, 'exercises_held_12m',
           (SELECT count(*) FROM scsm.exercise x
             WHERE x.org_id = o.org_id AND x.held_on >= current_date - interval '12 months')
    UNION ALL
    -- 4.5.1 measurements in the last 12 months; equipment in service and in calibration
    SELECT '4.5.1'::scsm.clause, 'measurements_12m',
           (SELECT count(*) FROM scsm.measurement x
             WHERE x.org_id = o.org_id AND x.measured_at >= current_date - interval '12 months')
    UNION ALL
    SELECT '4.5.1'::scsm.clause, 'calibrated_equipment',
           (SELECT count(*) FROM scsm.monitoring_equipment e
             WHERE e.org_id = o.org_id AND e.in_service
               AND (SELECT x.next_due >= current_date AND x.result <> 'fail'
                      FROM scsm.calibration x
                     WHERE x.org_id = e.org_id AND x.equipment_id = e.equipment_id AND x.kind = 'calibration'
                     ORDER BY x.performed_on DESC, x.calibration_id DESC
                     LIMIT 1))
    UNION ALL
    -- 4.5.2 evaluations in the last 12 months
    SELECT '4.5.2'::scsm.clause, 'evaluations_12m',
           (SELECT count(*) FROM scsm.evaluation x
             WHERE x.org_id = o.org_id AND x.performed_on >= current_date - interval '12 months')
    UNION ALL
    -- 4.5.3 incidents investigated and actions found effective in the last 12 months
    SELECT '4.5.3'::scsm.clause, 'investigated_incidents_12m',
           (SELECT count(*) FROM scsm.incident x
             WHERE x.org_id = o.org_id AND x.investigated_on >= current_date - interval '12 months')
    UNION ALL
    SELECT '4.5.3'::scsm.clause, 'effective_actions_12m',
           (SELECT count(*) FROM scsm.corrective_action x
             WHERE x.org_id = o.org_id AND x.effective
               AND x.effectiveness_checked_on >= current_date - interval '12 months')
    UNION ALL
    -- 4.5.4 records written in the last 12 months (training, calibration,
    -- measurement, evaluation, audit finding, management review)
    SELECT '4.5.4'::scsm.clause, 'records_12m',
           (SELECT count(*) FROM scsm.training_record x
             WHERE x.org_id = o.org_id AND x.recorded_at >= current_date - interval '12 months')
         + (SELECT count(*) FROM scsm.calibration x
             WHERE x.org_id = o.org_id AND x.recorded_at >= current_date - interval '12 months')
         + (SELECT count(*) FROM scsm.measurement x
             WHERE x.org_id = o.org_id AND x.recorded_at >= current_date - interval '12 months')
         + (SELECT count(*) FROM scsm.evaluation x
             WHERE x.org_id = o.org_id AND x.recorded_at >= current_date - interval '12 months')
         + (SELECT count(*) FROM scsm.audit_finding x
             WHERE x.org_id = o.org_id AND x.recorded_at >= current_date - interval '12 months')
         + (SELECT count(*) FROM scsm.management_review x
             WHERE x.org_id = o.org_id AND x.recorded_at >= current_date - interval '12 months')
    UNION ALL
    -- 4.5.5 audits of the system completed in the last 12 months
    SELECT '4.5.5'::scsm.clause, 'completed_audits_12m',
           (SELECT count(*) FROM scsm.audit x
             WHERE x.org_id = o.org_id AND x.status = 'completed' AND x.kind <> 'supplier'
               AND x.performed_on >= current_date - interval '12 months')
    UNION ALL
    -- 4.6 management reviews held in the last 12 months
    SELECT '4.6'::scsm.clause, 'management_reviews_12m',
           (SELECT count(*) FROM scsm.management_review x
             WHERE x.org_id = o.org_id AND x.held_on >= current_date - interval '12 months')
  ) e;
COMMENT ON VIEW scsm.v_clause_evidence IS
    'Evidence mapping: per organization, how many register rows of each source serve which clause';

-- ---------------------------------------------------------------------------
-- v_clause_conformance: one row per organization x heading of its edition.
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_clause_conformance WITH (security_invoker = true) AS
WITH heading AS (
    SELECT o.org_id, o.name AS org_name, c.clause, c.title
      FROM scsm.organization o
      JOIN scsm.clause_catalogue c ON c.edition = o.edition
     WHERE c.kind = 'heading' AND scsm.clause_depth(c.clause) > 1
), ev AS (
    SELECT h.org_id, h.clause,
           sum(e.evidence_count)::bigint AS evidence_count,
           jsonb_object_agg(e.source, e.evidence_count) AS evidence
      FROM heading h
      JOIN scsm.v_clause_evidence e ON e.org_id = h.org_id AND h.clause OPERATOR(scsm.@>) e.clause
     GROUP BY h.org_id, h.clause
), last_audit AS (
    SELECT DISTINCT ON (h.org_id, h.clause) h.org_id, h.clause, a.audit_id, a.performed_on
      FROM heading h
      JOIN scsm.audit a ON a.org_id = h.org_id AND a.status = 'completed' AND a.kind <> 'supplier'
     WHERE EXISTS (SELECT 1 FROM unnest(a.clauses) ac WHERE ac OPERATOR(scsm.@>) h.clause)
     ORDER BY h.org_id, h.clause, a.performed_on DESC, a.audit_id DESC
), audit_result AS (
    -- result as a rank (0 conforming .. 4 major_nc), named once at the end
    SELECT la.org_id, la.clause, la.performed_on,
           coalesce(max(CASE f.kind WHEN 'major_nc' THEN 4 WHEN 'minor_nc' THEN 3
                                    WHEN 'observation' THEN 2 WHEN 'opportunity' THEN 1
                                    ELSE 0 END), 0) AS rank
      FROM last_audit la
      LEFT JOIN scsm.audit_finding f
             ON f.org_id = la.org_id AND f.audit_id = la.audit_id AND la.clause OPERATOR(scsm.@>) f.clause
     GROUP BY la.org_id, la.clause, la.performed_on
), rolled AS (
    -- a heading with sub-headings (4.3, 4.4, 4.5) is audited once all of
    -- them are: as of the oldest of their last audits, with the worst result
    SELECT p.org_id, p.clause,
           CASE WHEN count(*) = count(ar.performed_on) THEN min(ar.performed_on) END AS performed_on,
           max(ar.rank) AS rank
      FROM heading p
      JOIN heading c ON c.org_id = p.org_id AND scsm.clause_parent(c.clause) = p.clause
      LEFT JOIN audit_result ar ON ar.org_id = c.org_id AND ar.clause = c.clause
     GROUP BY p.org_id, p.clause
), audited AS (
    -- the later of a direct audit of the heading and the roll-up
    SELECT coalesce(ar.org_id, r.org_id) AS org_id, coalesce(ar.clause, r.clause) AS clause,
           CASE WHEN r.performed_on > ar.performed_on OR ar.performed_on IS NULL
                THEN r.performed_on ELSE ar.performed_on END AS performed_on,
           CASE WHEN r.performed_on > ar.performed_on OR ar.performed_on IS NULL
                THEN r.rank ELSE ar.rank END AS rank
      FROM audit_result ar
      FULL JOIN (SELECT * FROM rolled WHERE performed_on IS NOT NULL) r
             ON r.org_id = ar.org_id AND r.clause = ar.clause
), nc AS (
    SELECT h.org_id, h.clause,
           count(*) AS open_nc,
           count(*) FILTER (WHERE n.severity = 'major') AS open_major
      FROM heading h
      JOIN scsm.nonconformity n ON n.org_id = h.org_id AND n.closed_on IS NULL
                               AND h.clause OPERATOR(scsm.@>) n.clause
     GROUP BY h.org_id, h.clause
), od AS (
    SELECT h.org_id, h.clause, count(*) AS overdue_items
      FROM heading h
      JOIN scsm.v_overdue v ON v.org_id = h.org_id AND h.clause OPERATOR(scsm.@>) v.clause
     GROUP BY h.org_id, h.clause
)
SELECT h.org_id,
       h.org_name,
       h.clause,
       h.title,
       coalesce(ev.evidence_count, 0) AS evidence_count,
       coalesce(ev.evidence, '{}'::jsonb) AS evidence,
       ar.performed_on AS last_audit_on,
       CASE ar.rank WHEN 4 THEN 'major_nc' WHEN 3 THEN 'minor_nc' WHEN 2 THEN 'observation'
                    WHEN 1 THEN 'opportunity' WHEN 0 THEN 'conforming' END AS last_audit_result,
       coalesce(nc.open_nc, 0) AS open_nonconformities,
       coalesce(nc.open_major, 0) AS open_major_nonconformities,
       coalesce(od.overdue_items, 0) AS overdue_items,
       CASE
           WHEN coalesce(nc.open_major, 0) > 0 THEN 'nonconforming'
           WHEN coalesce(nc.open_nc, 0) > 0
             OR coalesce(od.overdue_items, 0) > 0
             OR ar.performed_on IS NULL
             OR ar.performed_on < current_date - interval '12 months' THEN 'attention'
           WHEN coalesce(ev.evidence_count, 0) = 0 THEN 'no_evidence'
           ELSE 'conforming'
       END AS status
  FROM heading h
  LEFT JOIN ev ON ev.org_id = h.org_id AND ev.clause = h.clause
  LEFT JOIN audited ar ON ar.org_id = h.org_id AND ar.clause = h.clause
  LEFT JOIN nc ON nc.org_id = h.org_id AND nc.clause = h.clause
  LEFT JOIN od ON od.org_id = h.org_id AND od.clause = h.clause;
COMMENT ON VIEW scsm.v_clause_conformance IS
    'Where each organization stands against each heading of clause 4: evidence, last audit, open nonconformities, overdue items and a status';

-- ---------------------------------------------------------------------------
-- v_management_review_input: the input pack of 4.6 a)-h), computed from the
-- register since the last management review (or the last 12 months).
-- ---------------------------------------------------------------------------
CREATE VIEW scsm.v_management_review_input WITH (security_invoker = true) AS
WITH org AS (
    SELECT o.org_id, o.edition, lr.review_id AS last_review_id, lr.held_on AS last_review_on,
           coalesce(lr.held_on, (current_date - interval '12 months')::date) AS since
      FROM scsm.organization o
      LEFT JOIN LATERAL (
            SELECT r.review_id, r.held_on
              FROM scsm.management_review r
             WHERE r.org_id = o.org_id
             ORDER BY r.held_on DESC, r.review_id DESC
             LIMIT 1) lr ON true
), pack (org_id, edition, item, label, since, item_count, summary) AS (
    -- a) audits completed and compliance evaluations performed since
    SELECT g.org_id, g.edition, 'a', 'Audit and compliance evaluation results', g.since,
           x.audits + x.evaluations,
           jsonb_build_object('audits_completed', x.audits,
                              'findings', x.findings,
                              'compliance_evaluations', x.evaluations,
                              'compliance_evaluations_not_conforming', x.evaluations_nc)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT (SELECT count(*) FROM scsm.audit a
                     WHERE a.org_id = g.org_id AND a.status = 'completed' AND a.performed_on >= g.since) AS audits,
                   (SELECT jsonb_build_object(
                               'major_nc', count(*) FILTER (WHERE f.kind = 'major_nc'),
                               'minor_nc', count(*) FILTER (WHERE f.kind = 'minor_nc'),
                               'observation', count(*) FILTER (WHERE f.kind = 'observation'),
                               'opportunity', count(*) FILTER (WHERE f.kind = 'opportunity'),
                               'conformity', count(*) FILTER (WHERE f.kind = 'conformity'))
                      FROM scsm.audit_finding f
                      JOIN scsm.audit a ON a.org_id = f.org_id AND a.audit_id = f.audit_id
                     WHERE f.org_id = g.org_id AND a.status = 'completed' AND a.performed_on >= g.since) AS findings,
                   (SELECT count(*) FROM scsm.evaluation e
                     WHERE e.org_id = g.org_id AND e.performed_on >= g.since
                       AND e.kind IN ('legal_compliance', 'best_practice', 'policy_conformance')) AS evaluations,
                   (SELECT count(*) FROM scsm.evaluation e
                     WHERE e.org_id = g.org_id AND e.performed_on >= g.since AND NOT e.conforming
                       AND e.kind IN ('legal_compliance', 'best_practice', 'policy_conformance')) AS evaluations_nc
           ) x
    UNION ALL
    -- b) inbound communications from anyone but employees, incl. complaints
    SELECT g.org_id, g.edition, 'b', 'Communications from outside parties, complaints', g.since,
           x.n,
           jsonb_build_object('external_communications', x.n, 'complaints', x.complaints,
                              'complaints_unanswered', x.unanswered, 'by_party_kind', x.by_party)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT count(*) AS n,
                   count(*) FILTER (WHERE c.is_complaint) AS complaints,
                   count(*) FILTER (WHERE c.is_complaint AND c.responded_on IS NULL) AS unanswered,
                   coalesce((SELECT jsonb_object_agg(party_kind, k)
                               FROM (SELECT c2.party_kind, count(*) AS k
                                       FROM scsm.communication c2
                                      WHERE c2.org_id = g.org_id AND c2.direction = 'inbound'
                                        AND c2.party_kind <> 'employee' AND c2.occurred_on >= g.since
                                      GROUP BY c2.party_kind) s), '{}'::jsonb) AS by_party
              FROM scsm.communication c
             WHERE c.org_id = g.org_id AND c.direction = 'inbound' AND c.party_kind <> 'employee'
               AND c.occurred_on >= g.since) x
    UNION ALL
    -- c) security performance: KPI status today, measurements and incidents since
    SELECT g.org_id, g.edition, 'c', 'Security performance', g.since,
           x.measurements + x.incidents,
           jsonb_build_object('measurements', x.measurements, 'incidents', x.incidents,
                              'incidents_by_kind', x.by_kind, 'kpis', x.kpis)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT (SELECT count(*) FROM scsm.measurement m
                     WHERE m.org_id = g.org_id AND m.measured_at >= g.since) AS measurements,
                   i.n AS incidents, i.by_kind,
                   (SELECT jsonb_build_object(
                               'met', count(*) FILTER (WHERE s.status = 'met'),
                               'breached', count(*) FILTER (WHERE s.status = 'breached'),
                               'not_assessed', count(*) FILTER (WHERE s.status = 'not_assessed'),
                               'no_data', count(*) FILTER (WHERE s.status = 'no_data'),
                               'measurement_overdue', count(*) FILTER (WHERE s.measurement_overdue))
                      FROM scsm.v_kpi_status s WHERE s.org_id = g.org_id) AS kpis
              FROM (SELECT count(*) AS n,
                           jsonb_build_object(
                               'incident', count(*) FILTER (WHERE y.kind = 'incident'),
                               'emergency', count(*) FILTER (WHERE y.kind = 'emergency'),
                               'failure', count(*) FILTER (WHERE y.kind = 'failure'),
                               'near_miss', count(*) FILTER (WHERE y.kind = 'near_miss'),
                               'false_alarm', count(*) FILTER (WHERE y.kind = 'false_alarm')) AS by_kind
                      FROM scsm.incident y
                     WHERE y.org_id = g.org_id AND y.occurred_at >= g.since) i) x
    UNION ALL
    -- d) targets due since or still open, by status; objectives by status
    SELECT g.org_id, g.edition, 'd', 'Objectives and targets achieved', g.since,
           x.n,
           jsonb_build_object('targets_met', x.met, 'targets_open', x.open, 'targets_missed', x.missed,
                              'targets_open_past_due', x.open_past_due,
                              'objectives_active', x.obj_active, 'objectives_achieved', x.obj_achieved)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT count(*) AS n,
                   count(*) FILTER (WHERE t.status = 'met') AS met,
                   count(*) FILTER (WHERE t.status = 'open') AS open,
                   count(*) FILTER (WHERE t.status = 'missed') AS missed,
                   count(*) FILTER (WHERE t.status = 'open' AND t.due_date < current_date) AS open_past_due,
                   (SELECT count(*) FROM scsm.objective o
                     WHERE o.org_id = g.org_id AND o.status = 'active') AS obj_active,
                   (SELECT count(*) FROM scsm.objective o
                     WHERE o.org_id = g.org_id AND o.status = 'achieved') AS obj_achieved
              FROM scsm.target t
             WHERE t.org_id = g.org_id AND t.status <> 'withdrawn'
               AND (t.status = 'open' OR t.due_date >= g.since)) x
    UNION ALL
    -- e) corrective, preventive and mitigating actions still open or raised since
    SELECT g.org_id, g.edition, 'e', 'Corrective and preventive action status', g.since,
           x.n,
           jsonb_build_object('by_status', x.by_status, 'by_kind', x.by_kind,
                              'overdue', x.overdue, 'found_not_effective', x.not_effective)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT count(*) AS n,
                   jsonb_build_object(
                       'proposed', count(*) FILTER (WHERE c.status = 'proposed'),
                       'risk_reviewed', count(*) FILTER (WHERE c.status = 'risk_reviewed'),
                       'implemented', count(*) FILTER (WHERE c.status = 'implemented'),
                       'verified', count(*) FILTER (WHERE c.status = 'verified'),
                       'closed', count(*) FILTER (WHERE c.status = 'closed'),
                       'cancelled', count(*) FILTER (WHERE c.status = 'cancelled')) AS by_status,
                   jsonb_build_object(
                       'corrective', count(*) FILTER (WHERE c.kind = 'corrective'),
                       'preventive', count(*) FILTER (WHERE c.kind = 'preventive'),
                       'mitigation', count(*) FILTER (WHERE c.kind = 'mitigation')) AS by_kind,
                   count(*) FILTER (WHERE c.status NOT IN ('verified', 'closed', 'cancelled')
                                      AND c.due_on < current_date) AS overdue,
                   count(*) FILTER (WHERE c.effective = false) AS not_effective
              FROM scsm.corrective_action c
             WHERE c.org_id = g.org_id
               AND (c.status NOT IN ('verified', 'closed', 'cancelled') OR c.created_at >= g.since)) x
    UNION ALL
    -- f) outputs of the last review, and action outputs of earlier reviews not done yet
    SELECT g.org_id, g.edition, 'f', 'Follow-up of earlier reviews', g.since,
           x.n,
           jsonb_build_object('last_review_id', g.last_review_id, 'last_review_on', g.last_review_on,
                              'decisions', x.decisions, 'actions', x.actions, 'improvements', x.improvements,
                              'actions_done', x.done, 'actions_in_progress', x.in_progress,
                              'actions_without_follow_up', x.no_follow_up, 'actions_past_due', x.past_due)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT count(*) AS n,
                   count(*) FILTER (WHERE w.kind = 'decision') AS decisions,
                   count(*) FILTER (WHERE w.kind = 'action') AS actions,
                   count(*) FILTER (WHERE w.kind = 'improvement') AS improvements,
                   count(*) FILTER (WHERE w.kind = 'action' AND w.done) AS done,
                   count(*) FILTER (WHERE w.kind = 'action' AND NOT w.done AND w.linked) AS in_progress,
                   count(*) FILTER (WHERE w.kind = 'action' AND NOT w.linked) AS no_follow_up,
                   count(*) FILTER (WHERE w.kind = 'action' AND NOT w.done AND w.due_on < current_date) AS past_due
              FROM (SELECT w0.*,
                           EXISTS (SELECT 1 FROM scsm.corrective_action c
                                    WHERE c.org_id = w0.org_id AND c.review_output_id = w0.output_id
                                      AND c.status <> 'cancelled') AS linked,
                           EXISTS (SELECT 1 FROM scsm.corrective_action c
                                    WHERE c.org_id = w0.org_id AND c.review_output_id = w0.output_id
                                      AND c.status IN ('verified', 'closed')) AS done
                      FROM scsm.management_review_output w0
                     WHERE w0.org_id = g.org_id) w
             WHERE w.review_id = g.last_review_id OR (w.kind = 'action' AND NOT w.done)) x
    UNION ALL
    -- g) changing circumstances since: legal requirements new or re-reviewed,
    -- change requests, new threats, new or re-assessed risks
    SELECT g.org_id, g.edition, 'g', 'Changing circumstances', g.since,
           x.legal_new + x.legal_reviewed + x.changes + x.threats_new + x.risks_new + x.risks_reassessed,
           jsonb_build_object('legal_requirements_new', x.legal_new,
                              'legal_requirements_reviewed', x.legal_reviewed,
                              'change_requests', x.changes, 'change_requests_by_status', x.changes_by_status,
                              'threats_new', x.threats_new, 'risks_new', x.risks_new,
                              'risks_reassessed', x.risks_reassessed,
                              'risks_flagged_for_review', x.risks_flagged)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT (SELECT count(*) FROM scsm.legal_requirement l
                     WHERE l.org_id = g.org_id AND l.created_at >= g.since) AS legal_new,
                   (SELECT count(*) FROM scsm.legal_requirement l
                     WHERE l.org_id = g.org_id AND l.created_at < g.since
                       AND l.last_reviewed_on >= g.since) AS legal_reviewed,
                   ch.n AS changes, ch.by_status AS changes_by_status,
                   (SELECT count(*) FROM scsm.threat t
                     WHERE t.org_id = g.org_id AND t.identified_on >= g.since) AS threats_new,
                   (SELECT count(*) FROM scsm.risk r
                     WHERE r.org_id = g.org_id AND r.created_at >= g.since) AS risks_new,
                   (SELECT count(*) FROM scsm.risk r
                     WHERE r.org_id = g.org_id AND r.created_at < g.since AND r.assessed_on >= g.since) AS risks_reassessed,
                   (SELECT count(*) FROM scsm.risk r
                     WHERE r.org_id = g.org_id AND r.needs_review AND r.status <> 'closed') AS risks_flagged
              FROM (SELECT count(*) AS n,
                           jsonb_build_object(
                               'proposed', count(*) FILTER (WHERE c.status = 'proposed'),
                               'assessed', count(*) FILTER (WHERE c.status = 'assessed'),
                               'approved', count(*) FILTER (WHERE c.status = 'approved'),
                               'implemented', count(*) FILTER (WHERE c.status = 'implemented'),
                               'rejected', count(*) FILTER (WHERE c.status = 'rejected')) AS by_status
                      FROM scsm.change_request c
                     WHERE c.org_id = g.org_id AND c.created_at >= g.since) ch) x
    UNION ALL
    -- h) recommendations for improvement: audit opportunities, lessons learned,
    -- improvement outputs of reviews held since
    SELECT g.org_id, g.edition, 'h', 'Recommendations for improvement', g.since,
           x.opportunities + x.lessons + x.improvements,
           jsonb_build_object('audit_opportunities', x.opportunities, 'lessons_learned', x.lessons,
                              'review_improvements', x.improvements)
      FROM org g
      CROSS JOIN LATERAL (
            SELECT (SELECT count(*) FROM scsm.audit_finding f
                      JOIN scsm.audit a ON a.org_id = f.org_id AND a.audit_id = f.audit_id
                     WHERE f.org_id = g.org_id AND f.kind = 'opportunity'
                       AND coalesce(a.performed_on, f.recorded_at::date) >= g.since) AS opportunities,
                   (SELECT count(*) FROM scsm.evaluation e
                     WHERE e.org_id = g.org_id AND e.performed_on >= g.since
                       AND (e.kind = 'lessons_learned' OR e.procedure_change_needed)) AS lessons,
                   (SELECT count(*) FROM scsm.management_review_output w
                      JOIN scsm.management_review r ON r.org_id = w.org_id AND r.review_id = w.review_id
                     WHERE w.org_id = g.org_id AND w.kind = 'improvement' AND r.held_on >= g.since) AS improvements
           ) x
)
SELECT p.org_id,
       p.item,
       ('4.6.' || p.item)::scsm.clause AS clause,
       coalesce(c.title, p.label) AS heading,
       p.since,
       p.item_count,
       p.summary
  FROM pack p
  LEFT JOIN scsm.clause_catalogue c
         ON c.edition = p.edition AND c.clause = ('4.6.' || p.item)::scsm.clause;
COMMENT ON VIEW scsm.v_management_review_input IS
    'Input pack for the next management review, items a)-h) of 4.6, computed from the register since the last review';

-- Column descriptions for BI tools (full text: docs/views.md).
COMMENT ON COLUMN scsm.v_clause_conformance.clause IS 'Heading of clause 4 (4.1 ... 4.6)';
COMMENT ON COLUMN scsm.v_clause_conformance.evidence_count IS 'Register rows serving the heading or a heading below it (sum of evidence)';
COMMENT ON COLUMN scsm.v_clause_conformance.evidence IS 'Per-source evidence counts, see scsm.v_clause_evidence';
COMMENT ON COLUMN scsm.v_clause_conformance.last_audit_on IS 'Latest completed audit of the system whose clauses contain the heading';
COMMENT ON COLUMN scsm.v_clause_conformance.last_audit_result IS 'Worst finding of that audit at or below the heading: major_nc, minor_nc, observation, opportunity or conforming';
COMMENT ON COLUMN scsm.v_clause_conformance.open_nonconformities IS 'Nonconformities not closed, at or below the heading';
COMMENT ON COLUMN scsm.v_clause_conformance.open_major_nonconformities IS 'Major ones among the open nonconformities';
COMMENT ON COLUMN scsm.v_clause_conformance.overdue_items IS 'Rows of scsm.v_overdue at or below the heading';
COMMENT ON COLUMN scsm.v_clause_conformance.status IS
    'nonconforming (open major NC), else attention (open NC, overdue item, never audited or audited over 12 months ago), else no_evidence, else conforming';
COMMENT ON COLUMN scsm.v_overdue.kind IS 'What is overdue: target, programme, corrective_action, nonconformity_to_raise, corrective_action_to_raise, policy_review, calibration, training, ...';
COMMENT ON COLUMN scsm.v_overdue.ref_table IS 'Table (schema scsm) of the row to act on';
COMMENT ON COLUMN scsm.v_overdue.ref_id IS 'Key of that row within the organization';
COMMENT ON COLUMN scsm.v_overdue.due_on IS 'When it was due';
COMMENT ON COLUMN scsm.v_overdue.days_overdue IS 'current_date - due_on';
COMMENT ON COLUMN scsm.v_overdue.owner_id IS 'Person who should act (for training: the person lacking the competence)';
COMMENT ON COLUMN scsm.v_overdue.detail IS 'Extra facts per kind';
COMMENT ON COLUMN scsm.v_management_review_input.item IS 'Input a) ... h) of 4.6';
COMMENT ON COLUMN scsm.v_management_review_input.since IS 'Start of the window: last management review, else 12 months back';
COMMENT ON COLUMN scsm.v_management_review_input.item_count IS 'Register rows the item summarizes';
COMMENT ON COLUMN scsm.v_management_review_input.summary IS 'Figures of the item (keys in docs/views.md)';
