#!/usr/bin/env bash
# 20_demo.sh: the demo organisation (demo/demo.sql) loads into a fresh
# database, fills every part of the register in the promised amounts, obeys
# every rule of the register, feeds the dashboard, and loads the same way
# every time.  TAP output; run by test/run.sh (PGHOST/PGPORT/PGUSER point at
# the throwaway cluster).
set -uo pipefail
cd "$(dirname "$0")/../.."

db1=scsm_demo_t1
db2=scsm_demo_t2
n=0
failed=0
ok() {  # ok CONDITION-EXIT-STATUS DESCRIPTION [DIAGNOSTIC]
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); [ -n "${3:-}" ] && echo "$3" | sed 's/^/# /'; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1; }
# is DB SQL EXPECTED DESCRIPTION: the query's single value equals EXPECTED
is() {
  local got
  got=$(q "$1" "$2")
  if [ "$got" = "$3" ]; then ok 0 "$4"; else ok 1 "$4" "expected: $3"$'\n'"got: $got"; fi
}

# Per-table row counts promised for the demo (min max).
ranges=$(cat <<'TXT'
organization 1 1
site 2 2
scope 1 3
outsourced_process 2 5
person 20 35
role 10 30
appointment 20 35
policy 1 1
policy_version 2 4
threat 8 12
risk 25 40
control 10 30
risk_control 25 80
legal_requirement 5 15
legal_requirement_risk 10 40
objective 3 8
objective_input 3 20
target 5 15
programme 3 10
programme_measure 8 25
competence 6 15
role_competence 20 60
training_record 30 100
communication 8 20
document 12 30
document_version 20 50
document_location 10 60
procedure 6 15
change_request 2 6
supply_chain_node 12 20
supply_chain_link 12 30
emergency_plan 3 8
exercise 6 15
kpi 6 12
monitoring_equipment 3 8
calibration 6 15
measurement 72 150
evaluation 15 40
incident 20 35
audit 6 15
audit_team_member 3 20
audit_finding 15 40
nonconformity 8 20
corrective_action 12 30
management_review 1 3
management_review_input 8 24
management_review_output 3 12
TXT
)

# Rules of the register, checked again on the loaded data: each query
# counts the rows that break the rule.
rules=$(cat <<'TXT'
a current policy version is endorsed by an appointed top-management member|SELECT count(*) FROM scsm.policy_version WHERE status = 'current' AND NOT coalesce(scsm.holds_role(org_id, endorsed_by, endorsed_on, 'top_management'), false)
every policy has exactly one current version|SELECT count(*) FROM scsm.policy p WHERE (SELECT count(*) FROM scsm.policy_version v WHERE v.org_id = p.org_id AND v.policy_id = p.policy_id AND v.status = 'current') <> 1
objectives derive from a policy in force|SELECT count(*) FROM scsm.objective o WHERE NOT EXISTS (SELECT 1 FROM scsm.policy_version v WHERE v.org_id = o.org_id AND v.policy_id = o.policy_id AND v.status = 'current')
open targets belong to active objectives and are measurable|SELECT count(*) FROM scsm.target t JOIN scsm.objective o USING (org_id, objective_id) WHERE t.status = 'open' AND (o.status <> 'active' OR btrim(t.metric) = '' OR t.target_value IS NULL OR t.due_date IS NULL)
implemented actions were risk-reviewed first, unless an emergency|SELECT count(*) FROM scsm.corrective_action WHERE status IN ('implemented', 'verified', 'closed') AND NOT emergency AND (risk_reviewed_on IS NULL OR implemented_on IS NULL OR risk_reviewed_on > implemented_on)
an emergency action carries its justification|SELECT count(*) FROM scsm.corrective_action WHERE emergency AND coalesce(btrim(emergency_justification), '') = ''
verified and closed actions had their effectiveness checked; closed ones were effective|SELECT count(*) FROM scsm.corrective_action WHERE (status IN ('verified', 'closed') AND effectiveness_checked_on IS NULL) OR (status = 'closed' AND effective IS NOT TRUE)
closed nonconformities have no open action and at least one verified|SELECT count(*) FROM scsm.nonconformity n WHERE closed_on IS NOT NULL AND (EXISTS (SELECT 1 FROM scsm.corrective_action a WHERE a.org_id = n.org_id AND a.nc_id = n.nc_id AND a.status NOT IN ('verified', 'closed', 'cancelled')) OR NOT EXISTS (SELECT 1 FROM scsm.corrective_action a WHERE a.org_id = n.org_id AND a.nc_id = n.nc_id AND a.status IN ('verified', 'closed')))
nonconformities from audits match their finding's severity|SELECT count(*) FROM scsm.nonconformity n JOIN scsm.audit_finding f USING (org_id, finding_id) WHERE f.kind NOT IN ('minor_nc', 'major_nc') OR (f.kind = 'major_nc') <> (n.severity = 'major')
approved or implemented changes were risk-assessed first|SELECT count(*) FROM scsm.change_request WHERE status IN ('approved', 'implemented') AND (risk_assessed_on IS NULL OR risk_assessed_on > coalesce(implemented_on, risk_assessed_on))
measurements with equipment were taken while it was in calibration|SELECT count(*) FROM scsm.measurement m WHERE m.equipment_id IS NOT NULL AND NOT coalesce((SELECT c.result <> 'fail' AND c.next_due >= m.measured_at::date FROM scsm.calibration c WHERE c.org_id = m.org_id AND c.equipment_id = m.equipment_id AND c.kind = 'calibration' AND c.performed_on <= m.measured_at::date ORDER BY c.performed_on DESC, c.calibration_id DESC LIMIT 1), false)
management reviews are chaired by top management|SELECT count(*) FROM scsm.management_review WHERE NOT scsm.holds_role(org_id, chair, held_on, 'top_management')
no auditor audits a site they are responsible for|SELECT count(*) FROM scsm.audit a JOIN (SELECT org_id, audit_id, lead_auditor AS person_id FROM scsm.audit UNION SELECT org_id, audit_id, person_id FROM scsm.audit_team_member) t USING (org_id, audit_id) JOIN scsm.appointment ap ON ap.org_id = a.org_id AND ap.person_id = t.person_id AND ap.valid_from <= a.planned_for AND (ap.valid_until IS NULL OR ap.valid_until >= a.planned_for) JOIN scsm.role r ON r.org_id = ap.org_id AND r.role_id = ap.role_id WHERE r.site_id = a.site_id
findings belong to audits under way or completed|SELECT count(*) FROM scsm.audit_finding f JOIN scsm.audit a USING (org_id, audit_id) WHERE a.status NOT IN ('in_progress', 'completed')
one system lead at a time|SELECT count(*) FROM scsm.appointment a JOIN scsm.appointment b ON a.org_id = b.org_id AND a.role_id = b.role_id AND a.appointment_id < b.appointment_id JOIN scsm.role r ON r.org_id = a.org_id AND r.role_id = a.role_id WHERE r.is_sms_lead AND daterange(a.valid_from, a.valid_until, '[]') && daterange(b.valid_from, b.valid_until, '[]')
obsolete document versions are older than the approved one|SELECT count(*) FROM scsm.document_version o JOIN scsm.document_version a USING (org_id, document_id) WHERE o.status = 'obsolete' AND a.status = 'approved' AND o.version > a.version
likelihood, consequence and their residuals are on the 1-5 scale, residual not above inherent|SELECT count(*) FROM scsm.risk WHERE likelihood NOT BETWEEN 1 AND 5 OR consequence NOT BETWEEN 1 AND 5 OR residual_likelihood NOT BETWEEN 1 AND likelihood OR residual_consequence NOT BETWEEN 1 AND consequence OR residual_likelihood IS NULL
every risk states its consequence in the six dimensions, each 1-5, the worst one being the consequence|SELECT count(*) FROM scsm.risk r WHERE (SELECT count(*) FROM jsonb_each(r.consequences) e WHERE e.key IN ('people', 'assets', 'continuity', 'stakeholder', 'legal', 'environment') AND (e.value)::int BETWEEN 1 AND 5) <> 6 OR (SELECT max((e.value)::int) FROM jsonb_each(r.consequences) e) <> r.consequence
risks treated by control have a control linked|SELECT count(*) FROM scsm.risk r WHERE r.treatment = 'control' AND NOT EXISTS (SELECT 1 FROM scsm.risk_control rc WHERE rc.org_id = r.org_id AND rc.risk_id = r.risk_id)
nothing happened in the future|SELECT (SELECT count(*) FROM scsm.incident WHERE occurred_at > now() OR closed_on > current_date OR investigated_on > current_date) + (SELECT count(*) FROM scsm.measurement WHERE measured_at > now()) + (SELECT count(*) FROM scsm.corrective_action WHERE implemented_on > current_date OR effectiveness_checked_on > current_date) + (SELECT count(*) FROM scsm.audit WHERE performed_on > current_date) + (SELECT count(*) FROM scsm.training_record WHERE completed_on > current_date)
TXT
)

# Things the demo promises to show (each query must return true).
features=$(cat <<'TXT'
threats cover all eight threat categories a-h|SELECT count(DISTINCT category) = 8 FROM scsm.threat
the policy has an endorsed current version and a superseded one|SELECT bool_or(status = 'current') AND bool_or(status = 'superseded') FROM scsm.policy_version
roles include top management, a system lead and site roles|SELECT bool_or(is_top_management) AND bool_or(is_sms_lead) AND bool_or(site_id IS NOT NULL) FROM scsm.role
every legal requirement bears on at least one risk|SELECT bool_and(EXISTS (SELECT 1 FROM scsm.legal_requirement_risk x WHERE x.org_id = l.org_id AND x.legal_id = l.legal_id)) FROM scsm.legal_requirement l
every legal requirement had a compliance evaluation in the last year|SELECT bool_and(EXISTS (SELECT 1 FROM scsm.evaluation e WHERE e.org_id = l.org_id AND e.legal_id = l.legal_id AND e.kind = 'legal_compliance' AND e.performed_on >= current_date - 365)) FROM scsm.legal_requirement l
programmes have measures with costs|SELECT count(*) >= 3 AND bool_and(cost > 0) FROM scsm.programme_measure
training gaps show: at least three required competences without a valid record|SELECT count(*) >= 3 FROM (SELECT DISTINCT a.org_id, a.person_id, rc.competence_id FROM scsm.appointment a JOIN scsm.role_competence rc USING (org_id, role_id) WHERE a.valid_until IS NULL OR a.valid_until >= current_date) need WHERE NOT EXISTS (SELECT 1 FROM scsm.training_record t WHERE t.org_id = need.org_id AND t.person_id = need.person_id AND t.competence_id = need.competence_id AND t.result = 'passed' AND (t.valid_until IS NULL OR t.valid_until >= current_date))
a complaint was received|SELECT count(*) >= 1 FROM scsm.communication WHERE is_complaint
some document versions are obsolete|SELECT count(*) >= 3 FROM scsm.document_version WHERE status = 'obsolete'
one change was implemented after its assessment and one is pending|SELECT bool_or(status = 'implemented' AND risk_assessed_on < implemented_on) AND bool_or(status IN ('proposed', 'assessed')) FROM scsm.change_request
supply-chain nodes sit upstream, own and downstream|SELECT count(DISTINCT position) = 3 FROM scsm.supply_chain_node
an exercise is overdue|SELECT count(*) >= 1 FROM scsm.exercise WHERE held_on IS NULL AND due_on < current_date
an equipment calibration has expired|SELECT count(*) >= 1 FROM scsm.monitoring_equipment e WHERE in_service AND (SELECT c.next_due FROM scsm.calibration c WHERE c.org_id = e.org_id AND c.equipment_id = e.equipment_id AND c.kind = 'calibration' ORDER BY c.performed_on DESC LIMIT 1) < current_date
measurements cover twelve months, some with calibrated equipment|SELECT count(DISTINCT date_trunc('month', measured_at)) >= 12 AND count(equipment_id) >= 12 FROM scsm.measurement
incidents span the year and include every kind|SELECT min(occurred_at) >= current_date - 400 AND max(occurred_at) >= current_date - 30 AND count(DISTINCT kind) = 5 FROM scsm.incident
an open major nonconformity from an audit|SELECT count(*) >= 1 FROM scsm.nonconformity WHERE severity = 'major' AND source = 'audit' AND closed_on IS NULL
actions in at least five states, one of them an emergency|SELECT count(DISTINCT status) >= 5 AND bool_or(emergency) FROM scsm.corrective_action
audits over the year: completed, under way and planned|SELECT bool_or(status = 'completed') AND bool_or(status = 'in_progress') AND bool_or(status = 'planned') FROM scsm.audit
the latest management review covers inputs a-h and has outputs|SELECT (SELECT count(DISTINCT item) FROM scsm.management_review_input i WHERE i.org_id = r.org_id AND i.review_id = r.review_id) = 8 AND EXISTS (SELECT 1 FROM scsm.management_review_output o WHERE o.org_id = r.org_id AND o.review_id = r.review_id) FROM scsm.management_review r ORDER BY held_on DESC LIMIT 1
TXT
)

nranges=$(grep -c . <<<"$ranges")
nrules=$(grep -c . <<<"$rules")
nfeatures=$(grep -c . <<<"$features")
echo "1..$((3 + nranges + nrules + nfeatures + 6 + 4))"

# -- load into a fresh database
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db1" -c "DROP DATABASE IF EXISTS $db2" >/dev/null 2>&1
q postgres "CREATE DATABASE $db1" >/dev/null
out=$(q "$db1" "CREATE EXTENSION scsm")
ok $? "CREATE EXTENSION scsm in a fresh database" "$out"
out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db1" -f demo/demo.sql 2>&1)
ok $? "demo/demo.sql loads without error" "$out"
is "$db1" "SELECT count(*) FROM scsm.organization WHERE short_name = 'brackwater'" 1 "the demo organisation exists"

# -- counts per table
while read -r t lo hi; do
  c=$(q "$db1" "SELECT count(*) FROM scsm.$t WHERE org_id = (SELECT org_id FROM scsm.organization WHERE short_name = 'brackwater')")
  if [[ "$c" =~ ^[0-9]+$ ]] && [ "$c" -ge "$lo" ] && [ "$c" -le "$hi" ]; then r=0; else r=1; fi
  ok $r "scsm.$t holds $lo to $hi rows (has $c)"
done <<<"$ranges"

# -- rules
while IFS='|' read -r what sql; do
  is "$db1" "$sql" 0 "rule: $what"
done <<<"$rules"

# -- features
while IFS='|' read -r what sql; do
  is "$db1" "$sql" t "demo shows: $what"
done <<<"$features"

# -- dashboard
out=$(psql -X -v ON_ERROR_STOP=1 -d "$db1" -f demo/dashboard.sql 2>&1)
ok $? "demo/dashboard.sql runs" "$out"
if [ "$(q "$db1" "SELECT to_regclass('scsm.v_clause_conformance') IS NOT NULL")" = t ]; then
  is "$db1" "SELECT count(*) FILTER (WHERE n <> 23) || '/' || count(*) FROM (SELECT org_id, count(*) AS n FROM scsm.v_clause_conformance GROUP BY org_id) x" \
     "0/1" "v_clause_conformance has 23 rows for the demo organisation"
  is "$db1" "SELECT count(*) FROM scsm.v_clause_conformance WHERE status IS NULL OR status NOT IN ('conforming', 'attention', 'nonconforming', 'no_evidence')" \
     0 "v_clause_conformance statuses are within the documented set"
  is "$db1" "SELECT count(*) > 0 AND bool_and(open_nonconformities >= open_major_nonconformities) FROM scsm.v_clause_conformance" \
     t "v_clause_conformance counts open major nonconformities among the open ones"
else
  skip "v_clause_conformance has 23 rows for the demo organisation" "views not installed"
  skip "v_clause_conformance statuses are within the documented set" "views not installed"
  skip "v_clause_conformance counts open major nonconformities among the open ones" "views not installed"
fi
if [ "$(q "$db1" "SELECT to_regclass('scsm.v_overdue') IS NOT NULL")" = t ]; then
  is "$db1" "SELECT count(*) > 0 AND bool_and(days_overdue > 0) FROM scsm.v_overdue" t "v_overdue lists the demo's overdue items"
else
  skip "v_overdue lists the demo's overdue items" "views not installed"
fi
if [ "$(q "$db1" "SELECT to_regclass('scsm.v_management_review_input') IS NOT NULL")" = t ]; then
  is "$db1" "SELECT count(DISTINCT item) FROM scsm.v_management_review_input WHERE item BETWEEN 'a' AND 'h'" 8 \
     "v_management_review_input covers items a-h"
else
  skip "v_management_review_input covers items a-h" "views not installed"
fi

# -- deterministic: a second fresh database gets the same rows.  Compared:
# every column of every register table except those the database fills in
# at load time (timestamps with a default such as now(), the same in the
# history tables of versioned records, and row hashes or other ledger
# bookkeeping, which may cover those timestamps).
fingerprint() {
  q "$1" "
    SELECT string_agg(c.relname || ':' || x.h, ' ' ORDER BY c.relname)
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
      CROSS JOIN LATERAL (SELECT coalesce(array_agg(z.attname::text), '{}') AS skip
                            FROM pg_catalog.pg_attribute z
                           WHERE z.attrelid = c.oid AND z.attnum > 0 AND NOT z.attisdropped
                             AND ((z.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype)
                                   AND (z.atthasdef
                                        -- history tables of versioned records (ledger): the old
                                        -- versions' load-time stamps, with no default of their own
                                        OR c.relname IN (SELECT lt.history_table FROM scsm.ledger_table lt)))
                                  OR z.atttypid = 'bytea'::regtype
                                  OR z.attname ~ '(hash|digest|seal|block|chain|ledger|xid|lsn)')) k
      CROSS JOIN LATERAL (SELECT (xpath('/row/h/text()', query_to_xml(format(
             'SELECT md5(coalesce(string_agg(j::text, %L ORDER BY j::text), %L)) AS h
                FROM (SELECT to_jsonb(t) - %L::text[] AS j FROM scsm.%I t) y',
             E'\\n', '', k.skip, c.relname), false, true, '')))[1]::text AS h) x
     WHERE s.nspname = 'scsm' AND c.relkind = 'r'"
}
q postgres "CREATE DATABASE $db2" >/dev/null
out=$(q "$db2" "CREATE EXTENSION scsm" && psql -X -q -v ON_ERROR_STOP=1 -d "$db2" -f demo/demo.sql 2>&1)
ok $? "demo/demo.sql loads into a second fresh database" "$out"
f1=$(fingerprint "$db1")
f2=$(fingerprint "$db2")
if [ -n "$f1" ] && [ "$f1" = "$f2" ]; then r=0; else r=1; fi
ok $r "both loads hold the same rows in every register table" "$(diff <(tr ' ' '\n' <<<"$f1") <(tr ' ' '\n' <<<"$f2"))"

# -- loading twice into one database fails as a whole and changes nothing
before=$(fingerprint "$db1")
psql -X -q -v ON_ERROR_STOP=1 -d "$db1" -f demo/demo.sql >/dev/null 2>&1
r=$?
[ "$r" -ne 0 ]; ok $? "loading the demo twice into one database is refused"
after=$(fingerprint "$db1")
[ "$before" = "$after" ]; ok $? "the refused second load leaves the first one intact"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db1" -c "DROP DATABASE IF EXISTS $db2" >/dev/null 2>&1
[ "$failed" -eq 0 ]
