#!/usr/bin/env bash
# Group roles are shared by every database of a cluster: CREATE EXTENSION
# must work in a second database and again after DROP EXTENSION, and the
# memberships stay per database.  Prints TAP.
set -u
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }

echo "1..8"
q -d postgres -c 'DROP DATABASE IF EXISTS scsm_acc1' -c 'DROP DATABASE IF EXISTS scsm_acc2' \
  -c 'CREATE DATABASE scsm_acc1' -c 'CREATE DATABASE scsm_acc2' >/dev/null
q -d postgres -c 'DROP ROLE IF EXISTS scsm_acc_user' -c 'CREATE ROLE scsm_acc_user LOGIN' >/dev/null

out=$(q -d scsm_acc1 -c 'CREATE EXTENSION scsm'); ok $? "CREATE EXTENSION in a first database ($out)"
out=$(q -d scsm_acc2 -c 'CREATE EXTENSION scsm'); ok $? "CREATE EXTENSION in a second database, the roles existing ($out)"
r=$(q -d scsm_acc2 -c "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'scsm\_%' AND rolname IN
      ('scsm_viewer','scsm_contributor','scsm_auditor','scsm_manager','scsm_admin') AND NOT rolcanlogin")
[ "$r" = 5 ]; ok $? "the five group roles exist once, NOLOGIN (got $r)"

q -d postgres -c 'GRANT scsm_contributor TO scsm_acc_user' >/dev/null
q -d scsm_acc1 -c "SELECT scsm.create_organization('One', 'acc_one')" \
  -c "SELECT scsm.add_member(org_id, 'scsm_acc_user', 'internal') FROM scsm.organization" \
  -c "INSERT INTO scsm.site (org_id, name) SELECT org_id, 'Quay' FROM scsm.organization" >/dev/null
q -d scsm_acc2 -c "SELECT scsm.create_organization('Two', 'acc_two')" \
  -c "INSERT INTO scsm.site (org_id, name) SELECT org_id, 'Dock' FROM scsm.organization" >/dev/null
r1=$(q -d scsm_acc1 -c 'SET ROLE scsm_acc_user' -c 'SELECT count(*) FROM scsm.site')
r2=$(q -d scsm_acc2 -c 'SET ROLE scsm_acc_user' -c 'SELECT count(*) FROM scsm.site')
[ "$r1" = 1 ]; ok $? "a member in the first database sees its site there (got $r1)"
[ "$r2" = 0 ]; ok $? "and nothing in the second database, where it is no member (got $r2)"

out=$(q -d scsm_acc2 -c 'DROP EXTENSION scsm CASCADE' -c 'CREATE EXTENSION scsm'); ok $? "DROP and CREATE EXTENSION again ($out)"
r=$(q -d scsm_acc1 -c 'SET ROLE scsm_acc_user' -c 'SELECT count(*) FROM scsm.site')
[ "$r" = 1 ]; ok $? "the first database is unaffected (got $r)"
r=$(q -d scsm_acc2 -c "SELECT string_agg(DISTINCT grantee::regrole::text, ',')
                         FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = 'scsm.incident'::regclass
                          AND grantee <> c.relowner")
[ "$r" = "scsm_contributor,scsm_viewer" ]; ok $? "privileges are granted again after re-creation (got $r)"

q -d postgres -c 'DROP DATABASE scsm_acc1' -c 'DROP DATABASE scsm_acc2' -c 'DROP ROLE scsm_acc_user' >/dev/null
