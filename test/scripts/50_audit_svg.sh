#!/usr/bin/env bash
# The audit calendar SVG rendered by headless Chromium: the cells of a
# planned, a done and an overdue audit and an empty cell have the colours of
# the legend, read back from the PNG (decoded with zlib, no PIL).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
echo "1..6"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  for i in 1 2 3 4 5 6; do echo "ok $i # SKIP chromium is not installed (apt-get install chromium)"; done
  exit 0
fi
db=scsm_audit_svg
work=${SCSM_TEST_WORK:-$(mktemp -d)}/audit_svg
mkdir -p "$work"; chmod 777 "$work"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION scsm' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
SET search_path = public, scsm;
INSERT INTO organization (org_id, name, short_name) VALUES (1, 'Svg Port', 'svg_port');
INSERT INTO site (org_id, site_id, name, kind) VALUES (1, 1, 'Harbour', 'port'), (1, 2, 'Inland', 'depot');
INSERT INTO person (org_id, person_id, full_name) VALUES (1, 1, 'A'), (1, 2, 'B');
INSERT INTO auditor (org_id, person_id, is_lead, monthly_capacity) VALUES (1, 1, true, 30), (1, 2, true, 30);
INSERT INTO auditor_competence (org_id, person_id, clause) VALUES (1, 1, '4'), (1, 2, '4');
SELECT sync_audit_units(1);
-- in scope for a year already, so the programme starting three months ago has past months
UPDATE audit_unit SET in_scope_since = (date_trunc('month', current_date) - interval '10 months')::date;
SELECT plan_audit_programme_id(1, (date_trunc('month', current_date) - interval '3 months')::date, '1 year');
-- one planned audit of a past month is carried out: done
INSERT INTO audit (org_id, audit_id, site_id, clauses, planned_for, lead_auditor, status, performed_on, conclusion)
SELECT 1, 1, u.site_id, ARRAY[u.clause], pa.period + 2, pa.lead_auditor, 'completed', pa.period + 2, 'ok'
  FROM planned_audit pa JOIN audit_unit u USING (org_id, unit_id)
 WHERE pa.period < date_trunc('month', current_date) ORDER BY pa.period DESC, u.unit_id DESC LIMIT 1;
SQL
psql -X -q -A -t -d $db -c "SELECT scsm.audit_calendar_svg(1, (date_trunc('month', current_date) - interval '3 months')::date, 12)" >"$work/cal.svg"
# expected colour per cell: the status of one cell of each kind, with its row and column
psql -X -q -A -t -F' ' -d $db >"$work/cells.txt" <<'SQL'
WITH units AS (
    SELECT u.unit_id, row_number() OVER (ORDER BY s.name, u.site_id, u.clause) - 1 AS row
      FROM scsm.audit_unit u JOIN scsm.site s USING (org_id, site_id) WHERE u.org_id = 1 AND u.in_scope),
cal AS (
    SELECT c.status, u.row, (scsm.audit_month_index(c.month) - scsm.audit_month_index((date_trunc('month', current_date) - interval '3 months')::date)) AS col
      FROM scsm.v_audit_calendar c JOIN units u USING (unit_id) WHERE c.org_id = 1)
(SELECT 'planned', row, col FROM cal WHERE status = 'planned' ORDER BY row, col LIMIT 1)
UNION ALL (SELECT 'done', row, col FROM cal WHERE status = 'done' ORDER BY row, col LIMIT 1)
UNION ALL (SELECT 'overdue', row, col FROM cal WHERE status = 'overdue' ORDER BY row, col LIMIT 1)
UNION ALL (SELECT 'empty', u.row, k FROM units u CROSS JOIN generate_series(0, 11) k
            WHERE NOT EXISTS (SELECT 1 FROM cal WHERE cal.row = u.row AND cal.col = k) ORDER BY 2, 3 LIMIT 1);
SQL
size=$(sed -n 's/^<svg[^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' "$work/cal.svg")
profile=$(mktemp -d)
chmod 777 "$profile"
timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --force-device-scale-factor=1 --hide-scrollbars \
  --screenshot="$work/cal.png" --window-size="$size" "file://$work/cal.svg" >"$work/chromium.log" 2>&1
rm -rf "$profile"
[ -s "$work/cal.png" ] && echo "ok 1 - chromium rendered the calendar ($size) to PNG" || { echo "not ok 1 - chromium rendered the calendar"; sed 's/^/# /' "$work/chromium.log" | tail -5; }
python3 - "$work/cal.png" "$work/cells.txt" <<'PY'
import sys, zlib, struct
png, cells = sys.argv[1], sys.argv[2]
def decode(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, typ = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b'IHDR':
            w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and inter == 0 and ctype in (2, 6), (depth, ctype, inter)
            bpp = 3 if ctype == 2 else 4
        elif typ == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, bpp, rows
w, h, bpp, rows = decode(png)
def px(x, y):
    r = rows[y]; return tuple(r[x * bpp:x * bpp + 3])
want = {'planned': (0x2b, 0x6c, 0xb0), 'done': (0x2f, 0x85, 0x5a), 'overdue': (0xc5, 0x30, 0x30), 'empty': (0xed, 0xf2, 0xf7)}
n = 2
found = {}
for line in open(cells):
    if not line.strip(): continue
    status, row, col = line.split()
    found[status] = (int(row), int(col))
for status in ('planned', 'done', 'overdue', 'empty'):
    if status not in found:
        print(f"not ok {n} - a {status} cell exists in the calendar"); n += 1; continue
    row, col = found[status]
    x, y = 220 + col * 24 + 11, 40 + row * 16 + 7
    got = px(x, y)
    ok = all(abs(g - e) <= 6 for g, e in zip(got, want[status]))
    print(f"{'ok' if ok else 'not ok'} {n} - {status} cell (row {row}, month {col}) is #{''.join('%02x' % v for v in want[status])} (got #{''.join('%02x' % v for v in got)})")
    n += 1
# the legend: its first swatch (planned) sits below the grid
units = max(r for r, c in found.values())
ly = h - 40 + 12 + 7 - 0
legend = None
for y in range(h - 40, h):
    if all(abs(g - e) <= 6 for g, e in zip(px(11, y), want['planned'])):
        legend = y; break
print(f"{'ok' if legend is not None else 'not ok'} {n} - the legend's planned swatch is drawn below the grid")
PY
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
