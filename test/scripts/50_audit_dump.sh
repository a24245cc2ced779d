#!/usr/bin/env bash
# The audit programme survives pg_dump/restore: units, auditors,
# competences, programme and planned audits come back through the dump,
# built-in interval rules once (through CREATE EXTENSION), an organization's
# own rule through the dump; the restored programme still checks clean and
# new rows get fresh ids (sequences dumped too).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..6"
src=scsm_audit_src_$$
dst=scsm_audit_dst_$$
dump=${SCSM_TEST_WORK:-/tmp}/audit_$$.dump
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', want '$2')"; fi; }

psql -X -q -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null
q "$src" "CREATE EXTENSION scsm"
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
SET search_path = public, scsm;
INSERT INTO organization (name, short_name) VALUES ('Dump Co', 'dump_co');
INSERT INTO site (org_id, name, kind) SELECT org_id, 'Pier', 'port' FROM organization;
INSERT INTO person (org_id, full_name) SELECT org_id, 'Auditor ' || i FROM organization, generate_series(1, 2) i;
INSERT INTO auditor (org_id, person_id, is_lead, monthly_capacity) SELECT org_id, person_id, true, 10 FROM person;
INSERT INTO auditor_competence (org_id, person_id, clause) SELECT org_id, person_id, '4' FROM person;
INSERT INTO auditor_unavailability (org_id, person_id, during) SELECT org_id, min(person_id), '[2027-03-01,2027-03-10)' FROM person GROUP BY org_id;
INSERT INTO audit_interval_rule (org_id, risk_level, rank, max_interval, tightened_interval, relaxed_interval)
SELECT org_id, 'medium', 2, '9 mons', '4 mons', '1 year' FROM organization;
SELECT plan_audit_programme_id(org_id, '2027-01-01', '2 years') FROM organization;
SQL
summary="SELECT (SELECT count(*) FROM scsm.audit_unit) || '/' || (SELECT count(*) FROM scsm.auditor) || '/' ||
                (SELECT count(*) FROM scsm.auditor_competence) || '/' || (SELECT count(*) FROM scsm.auditor_unavailability) || '/' ||
                (SELECT count(*) FROM scsm.audit_programme) || '/' || (SELECT count(*) FROM scsm.planned_audit) || '/' ||
                (SELECT count(*) FROM scsm.audit_unit_due_log) || '/' || (SELECT string_agg(DISTINCT interval_months::text, ',') FROM scsm.audit_unit)"
before=$(q "$src" "$summary")
"$PGBIN/pg_dump" -Fc -f "$dump" "$src" 2>"$dump.log"
ok "$?" 0 "pg_dump of a database with an audit programme"
"$PGBIN/pg_restore" -d "$dst" "$dump" 2>"$dump.err"
ok "$?" 0 "pg_restore without errors $(head -c 300 "$dump.err" | tr '\n' ' ')"
ok "$(q "$dst" "$summary")" "$before" "units, auditors, competences, absences, programme, planned audits and due log restored"
ok "$(q "$dst" "SELECT count(*) FILTER (WHERE builtin) || '/' || count(*) FILTER (WHERE NOT builtin) FROM scsm.audit_interval_rule")" \
   "4/1" "built-in interval rules once, the organization's own rule restored"
ok "$(q "$dst" "SELECT count(*) FROM scsm.check_audit_programme((SELECT org_id FROM scsm.organization))")" 0 \
   "the restored programme checks clean"
q "$dst" "SELECT scsm.plan_audit_programme_id(org_id, '2027-01-01', '2 years') FROM scsm.organization" >/dev/null
ok "$(q "$dst" "SELECT count(DISTINCT programme_id) || '/' || count(*) FILTER (WHERE status = 'current') FROM scsm.audit_programme")" \
   "2/1" "planning again after the restore gets a fresh programme id"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
rm -f "$dump" "$dump.err" "$dump.log"
