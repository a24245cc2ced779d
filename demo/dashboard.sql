-- demo/dashboard.sql: the conformance dashboard, for every organisation the
-- current user can see.
--
--   psql -X -d scsm_demo -f demo/dashboard.sql
--
-- Reads scsm.v_clause_conformance (one row per organisation and clause of
-- ISO 28000:2007 clause 4), scsm.v_overdue and scsm.v_management_review_input.
-- A view that is not installed is skipped with a note, so the script also
-- runs against an older scsm.

\set QUIET 1
\pset footer off
\pset null '-'
\pset border 1

SELECT pg_catalog.to_regclass('scsm.v_clause_conformance') IS NOT NULL AS has_conformance,
       pg_catalog.to_regclass('scsm.v_overdue') IS NOT NULL AS has_overdue,
       pg_catalog.to_regclass('scsm.v_management_review_input') IS NOT NULL AS has_review_input,
       pg_catalog.to_regclass('scsm.v_risk_register') IS NOT NULL AS has_risk_register
\gset

\echo
\echo '== The register at a glance'
SELECT o.name AS organisation,
       (SELECT count(*) FROM scsm.site s WHERE s.org_id = o.org_id AND s.in_scope) AS sites,
       (SELECT count(*) FROM scsm.person p WHERE p.org_id = o.org_id AND p.active) AS people,
       (SELECT count(*) FROM scsm.risk r WHERE r.org_id = o.org_id AND r.status <> 'closed') AS risks,
       (SELECT count(*) FROM scsm.incident i WHERE i.org_id = o.org_id
                                              AND i.occurred_at >= current_date - 365) AS "incidents (12 months)",
       (SELECT count(*) FROM scsm.nonconformity n WHERE n.org_id = o.org_id AND n.closed_on IS NULL) AS "open NCs",
       (SELECT count(*) FROM scsm.corrective_action a WHERE a.org_id = o.org_id
                                                       AND a.status NOT IN ('verified', 'closed', 'cancelled')) AS "open actions",
       (SELECT count(*) FROM scsm.audit a WHERE a.org_id = o.org_id AND a.status = 'completed'
                                           AND a.performed_on >= current_date - 365) AS "audits (12 months)"
  FROM scsm.organization o
 ORDER BY o.name, o.org_id;

\if :has_conformance
\echo '== Conformance per clause of ISO 28000:2007 clause 4'
SELECT c.org_name AS organisation, c.clause, c.title,
       c.evidence_count AS evidence,
       c.last_audit_on AS "last audit",
       c.last_audit_result AS "audit result",
       c.open_nonconformities AS "open NCs",
       c.open_major_nonconformities AS "open major",
       c.overdue_items AS overdue,
       upper(c.status) AS status
  FROM scsm.v_clause_conformance c
 ORDER BY c.org_name, c.org_id, c.clause;

\echo '== Clauses per status'
SELECT c.org_name AS organisation,
       count(*) FILTER (WHERE c.status = 'conforming') AS conforming,
       count(*) FILTER (WHERE c.status = 'attention') AS attention,
       count(*) FILTER (WHERE c.status = 'nonconforming') AS nonconforming,
       count(*) FILTER (WHERE c.status = 'no_evidence') AS "no evidence",
       count(*) AS clauses
  FROM scsm.v_clause_conformance c
 GROUP BY c.org_id, c.org_name
 ORDER BY c.org_name, c.org_id;
\else
\echo '(scsm.v_clause_conformance is not installed: no conformance table)'
\endif

\if :has_overdue
\echo '== Overdue, by kind'
SELECT o.name AS organisation, v.kind, v.clause, count(*) AS items, max(v.days_overdue) AS "most days overdue"
  FROM scsm.v_overdue v
  JOIN scsm.organization o USING (org_id)
 GROUP BY o.name, v.org_id, v.kind, v.clause
 ORDER BY o.name, v.org_id, v.clause, v.kind;

\echo '== The ten items longest overdue'
SELECT o.name AS organisation, v.kind, v.clause, left(v.title, 60) AS item, v.due_on AS due, v.days_overdue AS days,
       v.owner_name AS owner
  FROM scsm.v_overdue v
  JOIN scsm.organization o USING (org_id)
 ORDER BY v.days_overdue DESC, v.kind, v.ref_id
 LIMIT 10;
\else
\echo '(scsm.v_overdue is not installed: no overdue list)'
\endif

\if :has_review_input
\echo '== Input pack for the next management review (4.6 a-h)'
-- summary may be text or a jsonb object: an object shows its scalar fields.
SELECT o.name AS organisation, m.item, m.heading, m.since, m.item_count AS items,
       left(coalesce((SELECT string_agg(e.key || ' ' || e.value, ', ' ORDER BY e.key)
                        FROM pg_catalog.jsonb_each(s.j) e
                       WHERE pg_catalog.jsonb_typeof(s.j) = 'object'
                         AND pg_catalog.jsonb_typeof(e.value) IN ('number', 'string', 'boolean')),
                     s.j #>> '{}'), 100) AS summary
  FROM scsm.v_management_review_input m
  JOIN scsm.organization o USING (org_id)
 CROSS JOIN LATERAL (SELECT pg_catalog.to_jsonb(m.summary) AS j) s
 ORDER BY o.name, m.org_id, m.item;
\else
\echo '(scsm.v_management_review_input is not installed: no review input pack)'
\endif

\if :has_risk_register
\echo '== Risk register: risks per level, inherent and residual (4.3.1)'
SELECT o.name AS organisation, lvl.level,
       count(*) FILTER (WHERE r.inherent_level = lvl.level) AS inherent,
       count(*) FILTER (WHERE r.residual_level = lvl.level) AS residual,
       count(*) FILTER (WHERE r.residual_level = lvl.level AND r.appetite_breach) AS "above appetite"
  FROM scsm.organization o
  JOIN scsm.v_risk_register r USING (org_id)
  JOIN LATERAL (SELECT DISTINCT x AS level FROM unnest(ARRAY[r.inherent_level, r.residual_level]) x
                 WHERE x IS NOT NULL) lvl ON true
  LEFT JOIN scsm.risk_level rl ON rl.version_id = r.matrix_version_id AND rl.level_code = lvl.level
 GROUP BY o.name, lvl.level
 ORDER BY o.name, max(rl.rank) DESC NULLS LAST, lvl.level;
\echo '== The five highest residual risks'
SELECT o.name AS organisation, r.title, r.site_name AS site, r.inherent_level AS inherent,
       r.residual_level AS residual, r.classification, r.treatment_due AS "treat by"
  FROM scsm.organization o JOIN scsm.v_risk_register r USING (org_id)
 ORDER BY o.name, r.residual_likelihood * r.residual_consequence DESC NULLS LAST, r.risk_id
 LIMIT 5;
\else
\echo '(scsm.v_risk_register is not installed: no risk register)'
\endif
