#!/usr/bin/env bash
# Docs are kept true by running them: every ```sql block of every docs/*.md
# page runs, in page order, in a fresh database that has scsm and the demo
# organisation loaded (template scsm_docs_tpl).  A page passes when all its
# blocks run without error.  The database has search_path "$user", public, scsm
# as docs/getting-started.md recommends.  Blocks whose info string is anything other than
# plain "sql" (e.g. ```text, ```sh) are not run.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

shopt -s nullglob
pages=(docs/*.md)
echo "1..${#pages[@]}"

psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS scsm_docs_tpl' >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE scsm_docs_tpl' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d scsm_docs_tpl -c 'CREATE EXTENSION scsm' \
  -c 'ALTER DATABASE scsm_docs_tpl SET search_path = "$user", public, scsm' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d scsm_docs_tpl -f demo/demo.sql >/dev/null 2>"$SCSM_TEST_WORK/docs_tpl.err" \
  || { echo "# demo failed to load:"; sed 's/^/# /' "$SCSM_TEST_WORK/docs_tpl.err"; }

n=0
for page in "${pages[@]}"; do
  n=$((n + 1))
  sqlfile=$SCSM_TEST_WORK/doc_$n.sql
  awk '
    /^```/ { if (inblock) { inblock = 0; print ""; next }
             if ($0 == "```sql") { inblock = 1; printf "-- %s:%d\n", FILENAME, NR; next } }
    inblock { print }
  ' "$page" >"$sqlfile"
  if ! grep -qv '^--' "$sqlfile"; then
    echo "ok $n - $page # SKIP no sql examples"
    continue
  fi
  db=scsm_doc_$n
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE scsm_docs_tpl" \
    -c "ALTER DATABASE $db SET search_path = \"\$user\", public, scsm" >/dev/null
  if out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$sqlfile" 2>&1 >/dev/null); then
    echo "ok $n - $page: its SQL examples run"
  else
    echo "not ok $n - $page: its SQL examples run"
    printf '%s\n' "$out" | head -20 | sed 's/^/# /'
  fi
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS scsm_docs_tpl' >/dev/null 2>&1
