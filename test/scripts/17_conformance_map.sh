#!/usr/bin/env bash
# 17_conformance_map.sh: the conformance matrix stays true.
#  - every requirement and every item of ISO 28000:2007 has exactly one row
#    of scsm.conformance_map, and no row points at nothing;
#  - every object named in served_by exists in the installed extension
#    (tables, columns, constraints, indexes, triggers, functions, views, types);
#  - every test path exists in the repository and every '#' fragment occurs
#    in its file;
#  - docs/conformance-matrix.md equals a fresh rendering
#    (tools/conformance_matrix.py).
# Counts per status are printed as TAP diagnostics.
# Run by test/run.sh (PGHOST/PGPORT/PGUSER of the throwaway cluster set).
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$PWD

edition='ISO 28000:2007'
db=scsm_conform_$$
dst=scsm_conform_dst_$$
. test/lib.sh
echo "1..17"
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got '$1', want '$2'"; fi; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1" 2>&1; }
diag() { sed 's/^/#   /'; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
dump=${SCSM_TEST_WORK:-/tmp}/conform_$$.dump
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1; rm -f "$dump"' EXIT
ok "$(q 'CREATE EXTENSION scsm' && echo done)" "done" "the extension installs with its conformance map"

# 2. one row per requirement and per item, the 180 of the edition
want=$(q "SELECT (SELECT count(*) FROM scsm.requirement WHERE edition = '$edition')
               + (SELECT count(*) FROM scsm.clause_catalogue WHERE edition = '$edition' AND kind = 'item')")
ok "$want" "180" "the catalogue has 67 requirements and 113 items to map"
ok "$(q "SELECT count(*) FROM scsm.conformance_map WHERE edition = '$edition'")" "$want" \
   "the map has as many rows as there are requirements and items"
unmapped=$(q "SELECT string_agg(ref_kind || ' ' || ref, ', ' ORDER BY sort_order)
                FROM scsm.v_requirement_coverage WHERE edition = '$edition' AND status = 'unmapped'")
ok "$unmapped" "" "every requirement and every item has a map row"
# exactly one: a row is keyed by (edition, ref_kind, ref); count the join per ref
dup=$(q "SELECT string_agg(ref, ', ') FROM (SELECT ref FROM scsm.v_requirement_coverage
          WHERE edition = '$edition' GROUP BY ref_kind, ref HAVING count(*) <> 1) d")
ok "$dup" "" "no requirement or item has more than one map row"
orphans=$(q "SELECT string_agg(m.ref_kind || ' ' || m.ref, ', ')
               FROM scsm.conformance_map m
              WHERE NOT EXISTS (SELECT 1 FROM scsm.v_requirement_coverage v
                                 WHERE v.edition = m.edition AND v.ref_kind = m.ref_kind AND v.ref = m.ref)")
ok "$orphans" "" "no map row names a requirement or item that does not exist"

# 7. every named object resolves inside the extension
unresolved=$(q "SELECT string_agg(ref || ': ' || object || ' (' || problem || ')', E'\n')
                  FROM scsm.conformance_map_unresolved('$edition')")
ok "$unresolved" "" "every object named in served_by exists in the installed extension"
[ -n "$unresolved" ] && printf '%s\n' "$unresolved" | diag

# 8. ... and the check does find what is wrong (a user row, rolled back)
bad=$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<SQL
BEGIN;
INSERT INTO scsm.conformance_map (edition, ref_kind, ref, status, served_by, note)
VALUES ('$edition', 'item', 'bogus', 'partial',
        ARRAY['table:scsm.no_such_table', 'column:scsm.risk.no_such_column', 'trigger:scsm.risk.no_such_trigger',
              'function:scsm.no_such_function', 'table:pg_catalog.pg_class', 'view:scsm.risk', 'table:scsm.risk',
              'index:scsm.no_such_index', 'constraint:scsm.risk.no_such_constraint', 'type:scsm.no_such_type',
              'table:scsm.risk.risk_id', 'column:scsm.risk'],
        'negative test');
SELECT string_agg(object || '=' || problem, ';' ORDER BY object)
  FROM scsm.conformance_map_unresolved('$edition') WHERE ref = 'bogus';
ROLLBACK;
SQL
)
ok "$bad" "column:scsm.risk=no such column;column:scsm.risk.no_such_column=no such column;constraint:scsm.risk.no_such_constraint=no such constraint;function:scsm.no_such_function=no such function;index:scsm.no_such_index=no such index;table:pg_catalog.pg_class=not part of extension scsm;table:scsm.no_such_table=no such table;table:scsm.risk.risk_id=no such table;trigger:scsm.risk.no_such_trigger=no such trigger;type:scsm.no_such_type=no such type;view:scsm.risk=no such view" \
   "conformance_map_unresolved names missing objects, wrong kinds and objects outside the extension"

# the table refuses rows that would make the matrix dishonest or unreadable
checks=$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<'SQL'
BEGIN;
CREATE TEMP TABLE outcome (name text, result text);
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
        ('served without tests', $q$VALUES ('served', ARRAY['table:scsm.risk'], '{}'::text[], NULL::int)$q$),
        ('partial without objects', $q$VALUES ('partial', '{}'::text[], '{}'::text[], NULL::int)$q$),
        ('object without kind', $q$VALUES ('partial', ARRAY['scsm.risk'], '{}'::text[], NULL::int)$q$),
        ('object of unknown kind', $q$VALUES ('partial', ARRAY['rule:scsm.risk'], '{}'::text[], NULL::int)$q$),
        ('test path with spaces', $q$VALUES ('served', ARRAY['table:scsm.risk'], ARRAY['My Tests.sql'], NULL::int)$q$),
        ('pending issue on a served row', $q$VALUES ('served', ARRAY['table:scsm.risk'], ARRAY['sql/x.sql#y'], 5)$q$),
        ('valid partial row', $q$VALUES ('partial', ARRAY['table:scsm.risk', 'column:scsm.risk.level'], ARRAY['sql/x.sql#a b'], 5)$q$)
      ) v(name, src)
    LOOP
        BEGIN
            EXECUTE format('INSERT INTO scsm.conformance_map (edition, ref_kind, ref, status, served_by, tests, pending_issue, note)
                            SELECT %L, %L, %L, s.* , %L FROM (%s) s',
                           'ISO 28000:2007', 'item', 'check ' || c.name, 'a note', c.src);
            INSERT INTO outcome VALUES (c.name, 'accepted');
        EXCEPTION WHEN check_violation THEN
            INSERT INTO outcome VALUES (c.name, 'refused');
        END;
    END LOOP;
END
$$;
SELECT string_agg(name || '=' || result, '; ' ORDER BY name) FROM outcome;
ROLLBACK;
SQL
)
ok "$checks" "object of unknown kind=refused; object without kind=refused; partial without objects=refused; pending issue on a served row=refused; served without tests=refused; test path with spaces=refused; valid partial row=accepted" \
   "conformance_map refuses served rows without tests, partial rows without objects and malformed names"

# 9-10. every test path exists; every fragment occurs in its file
missing_files= missing_frags= checked=0
while IFS= read -r t; do
  [ -z "$t" ] && continue
  checked=$((checked + 1))
  path=${t%%#*}
  if [ ! -f "$top/$path" ]; then missing_files+="$t"$'\n'; continue; fi
  if [ "$path" != "$t" ]; then
    frag=${t#*#}
    grep -qF -- "$frag" "$top/$path" || missing_frags+="$t"$'\n'
  fi
done < <(q "SELECT DISTINCT unnest(tests) FROM scsm.conformance_map WHERE edition = '$edition' ORDER BY 1")
[ "$checked" -ge 50 ] || missing_files+="only $checked test references read from the map"$'\n'
ok "$missing_files" "" "every test named in the map exists in the repository ($checked references)"
[ -n "$missing_files" ] && printf '%s' "$missing_files" | diag
ok "$missing_frags" "" "every quoted test text occurs in its file"
[ -n "$missing_frags" ] && printf '%s' "$missing_frags" | diag

# 11. the auditors' view runs with the reader's privileges
ok "$(q "SELECT 'security_invoker=true' = ANY (reloptions) FROM pg_class WHERE oid = 'scsm.v_requirement_coverage'::regclass")" \
   "t" "v_requirement_coverage runs with the reader's privileges (security_invoker)"

# 12. user rows survive pg_dump, builtin ones come back with CREATE EXTENSION
ok "$(q "SELECT c.extcondition[array_position(c.extconfig, 'scsm.conformance_map'::regclass::oid)]
           FROM pg_extension c WHERE c.extname = 'scsm'")" "WHERE NOT builtin" \
   "conformance_map is registered for pg_dump with WHERE NOT builtin"

# counts per status, as diagnostics
echo "# conformance matrix, $edition: status requirements items total"
q "SELECT format('%s %s %s %s', status,
                 count(*) FILTER (WHERE ref_kind = 'requirement'),
                 count(*) FILTER (WHERE ref_kind = 'item'), count(*))
     FROM scsm.v_requirement_coverage WHERE edition = '$edition'
    GROUP BY status ORDER BY array_position(ARRAY['served', 'partial', 'organizational', 'not_served'], status)" | diag

# 13. the committed page is the rendering of the rows
if out=$(python3 tools/conformance_matrix.py -d "$db" --check 2>&1); then
  ok same same "docs/conformance-matrix.md equals a fresh rendering of the map"
else
  ok stale same "docs/conformance-matrix.md equals a fresh rendering of the map (run tools/conformance_matrix.py)"
  printf '%s\n' "$out" | head -40 | diag
fi

# 14-16. register rows and user map rows survive pg_dump and restore; builtin
# map rows come back once, through CREATE EXTENSION (4.4.5 f, 4.5.4)
q "INSERT INTO scsm.organization (org_id, name, short_name) VALUES (7001, 'Dump Test Ltd', 'dump_test');
   INSERT INTO scsm.person (org_id, person_id, full_name) VALUES (7001, 1, 'Ada Keeper');
   WITH c AS (INSERT INTO scsm.competence (org_id, name) VALUES (7001, 'Seal checks') RETURNING competence_id)
   INSERT INTO scsm.training_record (org_id, person_id, competence_id, completed_on)
     SELECT 7001, 1, c.competence_id, '2026-01-15' FROM c;
   INSERT INTO scsm.edition (edition, title) VALUES ('Site rules 2026', 'Our own site rules');
   INSERT INTO scsm.clause_catalogue (edition, clause, parent, kind, title) VALUES
     ('Site rules 2026', '1', NULL, 'heading', 'Gate'), ('Site rules 2026', '1.a', '1', 'item', 'Badge check');
   INSERT INTO scsm.conformance_map (edition, ref_kind, ref, status, served_by, note)
     VALUES ('Site rules 2026', 'item', '1.a', 'organizational', ARRAY['table:scsm.training_record'],
             'Guards check badges; training records show who was briefed.')" | diag
psql -X -q -d postgres -c "CREATE DATABASE $dst" >/dev/null
"$PGBIN/pg_dump" -Fc -f "$dump" "$db" 2>/dev/null && PGOPTIONS="${PGOPTIONS:-} -c scsm.restore_mode=on" "$PGBIN/pg_restore" -d "$dst" "$dump" 2>"$dump.err"
rc=$?
ok "$rc" 0 "pg_dump and pg_restore of a database with register rows and a user map row"
[ "$rc" -ne 0 ] && head -c 600 "$dump.err" | diag
rm -f "$dump.err"
ok "$(psql -X -qAt -d "$dst" -c "SELECT p.full_name || '/' || t.completed_on FROM scsm.person p
                                   JOIN scsm.training_record t USING (org_id, person_id) WHERE p.org_id = 7001" 2>&1)" \
   "Ada Keeper/2026-01-15" "register rows survive pg_dump and restore"
ok "$(psql -X -qAt -d "$dst" -c "SELECT count(*) FILTER (WHERE builtin) || '/' || string_agg(status, ',') FILTER (WHERE NOT builtin)
                                   FROM scsm.conformance_map" 2>&1)" \
   "$want/organizational" "the builtin map comes back once and the user map row is restored as a user row"
