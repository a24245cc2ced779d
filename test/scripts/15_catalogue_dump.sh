#!/usr/bin/env bash
# The catalogue survives pg_dump/restore: builtin rows come back through
# CREATE EXTENSION, user rows (builtin = false) through the dump, because
# the tables are registered with pg_extension_config_dump('WHERE NOT builtin').
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

echo "1..6"
src=scsm_cat_src_$$
dst=scsm_cat_dst_$$
dump=${SCSM_TEST_WORK:-/tmp}/catalogue_$$.dump
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', want '$2')"; fi; }

psql -X -q -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null
q "$src" "CREATE EXTENSION scsm"
q "$src" "INSERT INTO scsm.edition (edition, title) VALUES ('Site rules 2026', 'Our own site rules');
          INSERT INTO scsm.clause_catalogue (edition, clause, parent, kind, title) VALUES
            ('Site rules 2026', '1', NULL, 'heading', 'Gate'),
            ('Site rules 2026', '1.a', '1', 'item', 'Badge check'),
            ('ISO 28000:2007', '4.4.3.a', '4.4.3', 'item', 'Local addition');
          INSERT INTO scsm.requirement (edition, req_code, clause, statement)
            VALUES ('Site rules 2026', '1-1', '1', 'Check every badge.');"
before=$(q "$src" "SELECT count(*) || '/' || string_agg(edition || ' ' || clause::text, ',' ORDER BY edition, clause)
                     FROM scsm.clause_catalogue")

"$PGBIN/pg_dump" -Fc -f "$dump" "$src"
ok "$?" 0 "pg_dump of a database with catalogue additions"
PGOPTIONS="${PGOPTIONS:-} -c scsm.restore_mode=on" "$PGBIN/pg_restore" -d "$dst" "$dump" 2>"$dump.err"
ok "$?" 0 "pg_restore without errors $(head -c 300 "$dump.err" | tr '\n' ' ')"
after=$(q "$dst" "SELECT count(*) || '/' || string_agg(edition || ' ' || clause::text, ',' ORDER BY edition, clause)
                    FROM scsm.clause_catalogue")
ok "$after" "$before" "catalogue identical after restore (no duplicate builtin rows)"
ok "$(q "$dst" "SELECT count(*) FROM scsm.clause_catalogue WHERE NOT builtin")" 3 "user rows restored as user rows"
ok "$(q "$dst" "SELECT statement FROM scsm.requirement WHERE edition = 'Site rules 2026'")" "Check every badge." \
  "user requirement restored"
ok "$(q "$dst" "SELECT count(*) FROM scsm.requirement WHERE builtin")" \
   "$(q "$src" "SELECT count(*) FROM scsm.requirement WHERE builtin")" "builtin requirements present once"

psql -X -q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst" >/dev/null
rm -f "$dump" "$dump.err"
