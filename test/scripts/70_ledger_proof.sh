#!/usr/bin/env bash
# Inclusion proofs checked outside the database by tools/verify_proof.py
# (python3 + hashlib only) against digests that tools/anchor_digest.sh
# appended to a file; tampered proofs and digests must fail.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "${SCSM_TEST_WORK:-}" ]; then work=$SCSM_TEST_WORK/ledger_proof; else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
rm -rf "$work"; mkdir -p "$work"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
n=0 fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail+1)); fi; }
db=lproof
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db "$@"; }
vp() { python3 "$top/tools/verify_proof.py" "$@" >"$work/vp.out" 2>&1; }

echo "1..12"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q >/dev/null <<'SQL'
CREATE EXTENSION scsm;
CREATE TYPE level AS ENUM ('low', 'high');
CREATE TABLE finding (audit text, no int, level level, note text, found date,
                      PRIMARY KEY (audit, no));
SELECT scsm.protect('finding');
INSERT INTO finding SELECT 'A-' || (g % 3), g, CASE WHEN g % 2 = 0 THEN 'low' ELSE 'high' END::level,
                           'note ' || g, date '2024-05-01' + g FROM generate_series(1, 13) g;
SELECT scsm.ledger_seal();
SQL
anchor=$work/digests.log
"$top/tools/anchor_digest.sh" "$anchor" -d $db
"$top/tools/anchor_digest.sh" "$anchor" -d $db
ok "$( [ "$(wc -l <"$anchor")" = 1 ]; echo $?)" "anchor_digest.sh appends a digest once, not again while unchanged"

all=0
for no in $(seq 1 13); do
  q -c "SELECT scsm.ledger_proof('finding', '{\"audit\": \"A-$((no % 3))\", \"no\": $no}')" >"$work/p$no.json"
  vp "$work/p$no.json" "$anchor" || { all=1; cat "$work/vp.out"; }
done
ok $all "proofs of all 13 rows of a 13-leaf block check against the anchored digest"

q -c "INSERT INTO finding VALUES ('A-9', 99, 'low', 'later', '2024-06-01')" -c "SELECT scsm.ledger_seal()" >/dev/null
q -c "INSERT INTO finding VALUES ('A-9', 100, 'low', 'later still', '2024-06-02')" -c "SELECT scsm.ledger_seal()" >/dev/null
"$top/tools/anchor_digest.sh" "$anchor" -d $db
ok "$( [ "$(wc -l <"$anchor")" = 2 ]; echo $?)" "a new sealed block gives a new line in the anchor file"
q -c "SELECT scsm.ledger_proof('finding', '[\"A-1\", 1]', '$(tail -n 1 "$anchor")')" >"$work/old.json"
vp "$work/old.json" "$anchor"; ok $? "a proof for an older block chains forward to the latest anchored digest"
ok "$( [ "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['chain']))" "$work/old.json")" -ge 1 ]; echo $?)" "that proof carries the later block headers"

# tampering with the proof or the digest must fail
python3 - "$work/p5.json" "$work" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); w = sys.argv[2]
def flip(h): return ('0' if h[0] != '0' else '1') + h[1:]
t = dict(p); t['path'] = [flip(p['path'][0])] + p['path'][1:]; json.dump(t, open(w + '/t_path.json', 'w'))
t = dict(p); t['row_hash'] = flip(p['row_hash']); t['row_encoding'] = ''; json.dump(t, open(w + '/t_leaf.json', 'w'))
t = dict(p); e = bytearray.fromhex(p['row_encoding']); e[-1] ^= 1; t['row_encoding'] = e.hex(); json.dump(t, open(w + '/t_enc.json', 'w'))
t = dict(p); t['leaf_index'] = (p['leaf_index'] + 1) % p['tree_size']; json.dump(t, open(w + '/t_index.json', 'w'))
PY
head -n 1 "$anchor" >"$work/first.json"
vp "$work/p5.json" "$work/first.json"; ok $? "control: the untampered proof checks against the digest of its time"
vp "$work/t_path.json" "$work/first.json"; [ $? = 1 ]; ok $? "a proof with an altered path hash fails"
vp "$work/t_leaf.json" "$work/first.json"; [ $? = 1 ]; ok $? "a proof for a different row hash fails"
vp "$work/t_enc.json" "$work/first.json"; [ $? = 1 ]; ok $? "a proof whose row bytes were altered fails"
vp "$work/t_index.json" "$work/first.json"; [ $? = 1 ]; ok $? "a proof with a wrong leaf index fails"
head -n 1 "$anchor" | python3 -c "import json,sys; d=json.load(sys.stdin); h=d['hash']; d['hash']=('0' if h[0]!='0' else '1')+h[1:]; print(json.dumps(d))" >"$work/bad_digest.json"
vp "$work/p5.json" "$work/bad_digest.json"; [ $? = 1 ]; ok $? "a proof against an altered digest fails"
grep -q "differs from the digest" "$work/vp.out" || { n=$((n+1)); echo "not ok $n - wrong failure reason: $(cat "$work/vp.out")"; fail=$((fail+1)); }
vp "$work/p5.json" "$anchor"; [ $? = 1 ]; ok $? "a proof that stops short of the digest's block fails (no chain given)"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
[ "$fail" = 0 ]
