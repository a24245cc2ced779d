#!/usr/bin/env bash
# Audits coming due go out on NOTIFY scsm_events as JSON: a listener in one
# session receives one payload per unit due, nothing for units due later.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
db=scsm_audit_notify
echo "1..5"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION scsm' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
SET search_path = public, scsm;
INSERT INTO organization (org_id, name, short_name) VALUES (1, 'Notify Co', 'notify_co');
INSERT INTO site (org_id, site_id, name, kind) VALUES (1, 1, 'Yard', 'yard');
SELECT sync_audit_units(1);
-- 4.1 and 4.2 fall due within 30 days, 4.3 is overdue, everything else much later
UPDATE audit_unit SET in_scope_since = current_date WHERE org_id = 1;
UPDATE audit_unit SET in_scope_since = current_date - interval '1 year' + interval '10 days' WHERE clause IN ('4.1', '4.2');
UPDATE audit_unit SET in_scope_since = current_date - interval '2 years' WHERE clause = '4.3';
SELECT refresh_audit_units(1);
SQL
out=$(psql -X -d $db 2>&1 <<'SQL'
LISTEN scsm_events;
SELECT scsm.notify_audits_due(30) AS sent;
SQL
)
sent=$(printf '%s\n' "$out" | awk '/^ *sent/{getline; getline; print $1}')
printf '%s\n' "$out" | grep -o 'payload ".*" received' | sed 's/^payload "//; s/" received$//' >"${SCSM_TEST_WORK:-/tmp}/audit_notify.json"
n=$(wc -l <"${SCSM_TEST_WORK:-/tmp}/audit_notify.json")
[ "$sent" = 3 ] && echo "ok 1 - notify_audits_due(30) reports 3 units" || echo "not ok 1 - notify_audits_due(30) reports $sent units, want 3"
[ "$n" -eq 3 ] && echo "ok 2 - the listener received 3 notifications" || echo "not ok 2 - the listener received $n notifications"
python3 - "${SCSM_TEST_WORK:-/tmp}/audit_notify.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
clauses = sorted(r.get('clause') for r in rows)
ok = clauses == ['4.1', '4.2', '4.3'] and all(r.get('event') == 'audit_due' and r.get('org_id') == 1 for r in rows)
print(('ok' if ok else 'not ok') + ' 3 - payloads are JSON naming event, organization and the due clauses ' + str(clauses))
over = {r['clause']: r['overdue'] for r in rows}
print(('ok' if over == {'4.1': False, '4.2': False, '4.3': True} else 'not ok') + ' 4 - the overdue unit is flagged overdue ' + str(over))
# any session of the database may LISTEN: ids, dates and codes only, no site
# name and no due reason (which quotes incidents, whatever their sensitivity)
keys = sorted(set(k for r in rows for k in r))
want = sorted(['event', 'org_id', 'unit_id', 'clause', 'site_id', 'next_due', 'overdue', 'planned_for', 'risk_level'])
print(('ok' if keys == want else 'not ok') + ' 5 - payloads hold ids, dates and codes only ' + str(keys))
PY
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
