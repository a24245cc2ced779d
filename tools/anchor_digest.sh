#!/usr/bin/env bash
# Append each new scsm ledger digest to a file outside the database cluster.
#
#   tools/anchor_digest.sh FILE [psql options...]        once (e.g. from cron)
#   SCSM_ANCHOR_EVERY=30 tools/anchor_digest.sh FILE ... loop, every 30 s
#
# FILE gets one JSON line per new sealed block seen (scsm.ledger_digest()),
# written with O_APPEND semantics; a digest equal to the last line is not
# repeated.  Keep FILE somewhere the database administrators cannot rewrite
# (another host, a WORM bucket, a partner's inbox) -- that is what makes
# verification against it meaningful (docs/ledger.md, "Anchoring digests").
# Connection settings come from the psql options or PGHOST/PGPORT/PGDATABASE.
set -euo pipefail
file=${1:?usage: anchor_digest.sh FILE [psql options...]}
shift
every=${SCSM_ANCHOR_EVERY:-0}

anchor_once() {
  local d last
  d=$(psql -X -A -t -q -v ON_ERROR_STOP=1 "$@" -c 'SELECT scsm.ledger_digest()')
  [ -n "$d" ] || { echo "anchor_digest: empty digest" >&2; return 1; }
  last=$(tail -n 1 "$file" 2>/dev/null || true)
  if [ "$d" != "$last" ]; then
    printf '%s\n' "$d" >>"$file"
  fi
}

if [ "$every" -gt 0 ]; then
  while :; do
    anchor_once "$@" || true
    sleep "$every"
  done
else
  anchor_once "$@"
fi
