#!/usr/bin/env bash
# Render scsm.risk_heatmap_svg() in headless Chromium and check the pixels:
# every cell shows the colour of its level (read from the tables, not from
# the SVG), cells with a count show text, cells without one are plain, and
# the legend shows every level.  Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "1..0 # SKIP chromium is not installed (Debian package chromium; test/deps.sh installs it)"
  exit 0
fi

work=${SCSM_TEST_WORK:-$(mktemp -d)}/heatmap
rm -rf "$work"; mkdir -p "$work"
db=scsm_heatmap
export PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning"
psql -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null || { echo "Bail out! cannot create $db"; exit 1; }
trap 'psql -X -q -c "DROP DATABASE IF EXISTS '$db'" >/dev/null 2>&1' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION scsm" >/dev/null || { echo "Bail out! CREATE EXTENSION failed"; exit 1; }

# NIST SP 800-30 Rev. 1 preset (version 3): 12 inherent and 12 residual points
psql -X -At -v ON_ERROR_STOP=1 -d $db >"$work/heatmap.svg" <<'SQL' || { echo "Bail out! SVG query failed"; exit 1; }
SELECT scsm.risk_heatmap_svg(3,
	'{5,5,5,4,4,3,3,3,2,1,1,1}', '{5,5,4,3,1,2,2,5,3,1,1,4}',
	'{3,3,2,2,2,1,1,1,1,1,1,1}', '{4,3,3,2,1,2,2,4,3,1,1,4}',
	'Heat map render test');
SQL
# the level colour of every cell, straight from the tables
psql -X -At -F' ' -v ON_ERROR_STOP=1 -d $db >"$work/colours.txt" <<'SQL' || { echo "Bail out! colour query failed"; exit 1; }
SELECT c.likelihood, c.consequence, l.colour FROM scsm.risk_matrix_cell c
  JOIN scsm.risk_level l USING (version_id, level_code) WHERE c.version_id = 3;
SQL
psql -X -At -F' ' -v ON_ERROR_STOP=1 -d $db -c "SELECT level_code, colour FROM scsm.risk_level WHERE version_id = 3" >"$work/levels.txt"

size=$(sed -n 's/^<svg [^>]*width="\([0-9]*\)" height="\([0-9]*\)".*/\1 \2/p' "$work/heatmap.svg")
w=${size% *}; h=${size#* }
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium-profile" --force-device-scale-factor=1 --hide-scrollbars \
  --screenshot="$work/heatmap.png" --window-size=$((w + 40)),$((h + 40)) \
  "file://$work/heatmap.svg" >"$work/chromium.log" 2>&1

python3 - "$work" <<'PY'
import re, struct, sys, zlib

work = sys.argv[1]
n = 0
def tap(ok, name, diag=None):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, name))
    if diag and not ok:
        for line in str(diag).splitlines():
            print("# " + line)

print("1..8")
svg = open(work + "/heatmap.svg").read()
tap(svg.startswith("<svg ") and svg.rstrip().endswith("</svg>"), "the function returns an SVG document")

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    wid, hei, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, "unsupported PNG %r" % (hdr,)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = wid * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(hei):
        f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return wid, hei, lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])

try:
    W, H, px = read_png(work + "/heatmap.png")
    png_ok = True
except Exception as e:
    png_ok = False
    tap(False, "headless Chromium renders the SVG to a PNG", "%s\n%s" % (e, open(work + "/chromium.log").read()[-2000:]))
if png_ok:
    m = re.search(r'width="(\d+)" height="(\d+)"', svg)
    tap(W >= int(m.group(1)) and H >= int(m.group(2)), "headless Chromium renders the SVG to a PNG (%dx%d)" % (W, H))

hexrgb = lambda s: tuple(int(s[i:i + 2], 16) for i in (1, 3, 5))
close = lambda a, b: all(abs(p - q) <= 3 for p, q in zip(a, b))
colour = {}
for line in open(work + "/colours.txt"):
    l, c, col = line.split()
    colour[(int(l), int(c))] = hexrgb(col)
cells = [dict(re.findall(r'([\w-]+)="([^"]*)"', r)) for r in re.findall(r'<rect class="cell"[^>]*/>', svg)]
counts = {(t[0], int(t[1]), int(t[2])): int(t[3]) for t in
          re.findall(r'<text class="count" data-panel="(\w+)" data-l="(\d+)" data-c="(\d+)"[^>]*>(\d+)<', svg)}

# the SVG claims the level colour of each cell (from the tables)
bad = [(r["data-panel"], r["data-l"], r["data-c"]) for r in cells
       if hexrgb(r["fill"]) != colour[(int(r["data-l"]), int(r["data-c"]))]]
tap(len(cells) == 50 and not bad, "the SVG has 2 x 25 cells filled with their level's colour", "cells=%d bad=%r" % (len(cells), bad))

# the counts are those of the points given
def expect(ls, cs):
    d = {}
    for l, c in zip(ls, cs): d[(l, c)] = d.get((l, c), 0) + 1
    return d
want = {("inherent",) + k: v for k, v in expect([5,5,5,4,4,3,3,3,2,1,1,1], [5,5,4,3,1,2,2,5,3,1,1,4]).items()}
want.update({("residual",) + k: v for k, v in expect([3,3,2,2,2,1,1,1,1,1,1,1], [4,3,3,2,1,2,2,4,3,1,1,4]).items()})
tap(counts == want, "the SVG counts the points per cell", "have %r\nwant %r" % (counts, want))

if png_ok:
    # pixel near the top-left corner inside each cell (clear of the 2px border and of the count)
    wrong = []
    for r in cells:
        x, y = int(r["x"]) + 8, int(r["y"]) + 8
        exp = colour[(int(r["data-l"]), int(r["data-c"]))]
        if not close(px(x, y), exp):
            wrong.append((r["data-panel"], r["data-l"], r["data-c"], px(x, y), exp))
    tap(not wrong, "every rendered cell shows its level's colour", wrong)

    # cells with a count have text pixels in their centre; cells without are plain
    texty, plain = [], []
    for r in cells:
        x0, y0 = int(r["x"]), int(r["y"])
        fill = hexrgb(r["fill"])
        diff = sum(1 for x in range(x0 + 16, x0 + 40) for y in range(y0 + 16, y0 + 40) if not close(px(x, y), fill))
        has = (r["data-panel"], int(r["data-l"]), int(r["data-c"])) in counts
        if has and diff < 10: texty.append((r["data-panel"], r["data-l"], r["data-c"], diff))
        if not has and diff > 0: plain.append((r["data-panel"], r["data-l"], r["data-c"], diff))
    tap(not texty and not plain, "counts are drawn in their cells and nowhere else in the grid",
        "counts missing: %r\nstray pixels: %r" % (texty, plain))

    # the legend shows every level's colour
    levels = dict(line.split() for line in open(work + "/levels.txt"))
    legend = [dict(re.findall(r'([\w-]+)="([^"]*)"', r)) for r in re.findall(r'<rect class="legend"[^>]*/>', svg)]
    lbad = [(g["data-level"], px(int(g["x"]) + 8, int(g["y"]) + 8)) for g in legend
            if not close(px(int(g["x"]) + 8, int(g["y"]) + 8), hexrgb(levels[g["data-level"]]))]
    tap(sorted(g["data-level"] for g in legend) == sorted(levels) and not lbad,
        "the legend shows every level in its colour", lbad)

    # outside the grid the page is white (title area, top-left corner)
    corners = [px(2, 2), px(W - 3, 2), px(2, H - 3), px(W - 3, H - 3)]
    tap(all(close(p, (255, 255, 255)) for p in corners), "the background is white", corners)
else:
    for name in ("every rendered cell shows its level's colour", "counts are drawn in their cells",
                 "the legend shows every level", "the background is white"):
        tap(False, name)
PY
