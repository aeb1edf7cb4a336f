#!/usr/bin/env bash
# `echoelml report`: a real (tiny) training run rendered to one self-contained HTML page and opened
# in headless Chromium. The screenshot must not be blank, the DOM must hold every section and no
# error box, and the page must load nothing from the network. Missing models and bad arguments
# give a clear result. Chromium is required: without it the test FAILS (Debian: chromium).
set -uo pipefail
bin=${ECHOELML_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser) ||
  fail "chromium is not installed (apt-get install --no-install-recommends chromium chromium-driver)"

# 1. A training run: synthetic data, two epochs of every model (small LSTM to stay fast).
"$bin" synth --out "$tmp/data" --per-genre 1 --seed 5 --short --quiet >"$tmp/synth.log" 2>&1 ||
  fail "synth failed: $(tail -5 "$tmp/synth.log")"
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/models" --epochs 2 --lstm-units 16 --quiet \
  >"$tmp/train.log" 2>&1 || fail "train failed: $(tail -5 "$tmp/train.log")"
for name in GenreClassifier TechniqueRecognizer TechniqueRecognizerApp PatternGenerator MixAnalyzer; do
  [ -s "$tmp/models/$name.metrics.json" ] || fail "train wrote no $name.metrics.json"
done

# 2. The report of the full run.
"$bin" report "$tmp/models" -o "$tmp/report.html" >"$tmp/report.log" 2>&1 || fail "report failed: $(cat "$tmp/report.log")"
grep -q "5 of 5 models" "$tmp/report.log" || fail "summary line: $(cat "$tmp/report.log")"
html="$tmp/report.html"
for id in overview losses genre technique pattern mix; do
  grep -q "<section id=\"$id\"" "$html" || fail "section $id missing from the page"
done
grep -q 'class="error"' "$html" && fail "the full run shows an error box: $(grep -o 'class="error"[^<]*<[^<]*<[^<]*' "$html" | head -3)"
grep -qi '<script\|<link\|src=\|@import\|url(' "$html" && fail "the page is not self-contained"
[ "$(grep -o '<svg' "$html" | wc -l)" -eq 26 ] || fail "expected 26 charts, found $(grep -o '<svg' "$html" | wc -l)"
[ "$(grep -o 'data-genre=' "$html" | wc -l)" -eq 8 ] || fail "expected a piano roll per genre"
grep -q 'data-pitch=' "$html" || fail "the piano rolls hold no playable note"

# 3. Headless Chromium with every host unresolvable: screenshot and DOM.
chrome=("$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
        --user-data-dir="$tmp/chrome" --host-resolver-rules="MAP * ~NOTFOUND")
"${chrome[@]}" --screenshot="$tmp/shot.png" --window-size=1280,4000 "file://$html" >"$tmp/chrome.log" 2>&1 ||
  fail "chromium screenshot failed: $(tail -5 "$tmp/chrome.log")"
[ -s "$tmp/shot.png" ] || fail "chromium wrote no screenshot"
"${chrome[@]}" --dump-dom "file://$html" >"$tmp/dom.html" 2>"$tmp/dom.log" || fail "chromium --dump-dom failed"
grep -q '<section id="mix"' "$tmp/dom.html" || fail "the DOM lacks the last section (page did not load?)"
grep -q 'class="error"' "$tmp/dom.html" && fail "the DOM shows an error box"
grep -qi 'ERR_\|This site can' "$tmp/dom.html" && fail "chromium shows an error page"

# Not blank: decode the PNG (zlib + scanline filters) and count non-white pixels and colours.
python3 - "$tmp/shot.png" <<'EOF' || fail "screenshot check failed"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), f"unexpected PNG format depth {depth} type {ctype}"
        bpp = 4 if ctype == 6 else 3
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
nonwhite = 0
colours = set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride): line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:  # every 4th row is plenty for the statistics
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            if px != b"\xff\xff\xff":
                nonwhite += 1
            colours.add(px)
    prev = line
share = nonwhite / (w * ((h + 3) // 4))
print(f"screenshot {w}x{h}: {share:.1%} non-white, {len(colours)} colours")
assert share > 0.2, "the page looks blank"
assert len(colours) > 50, "too few colours for charts"
EOF

# 4. Missing models are shown as missing, not a crash.
mkdir -p "$tmp/partial"
cp "$tmp/models/GenreClassifier.metrics.json" "$tmp/partial/"
printf '{ broken' >"$tmp/partial/MixAnalyzer.validation.json"
"$bin" report "$tmp/partial" -o "$tmp/partial.html" >"$tmp/partial.log" 2>&1 || fail "report of a partial run failed"
grep -q 'data-missing="PatternGenerator.espec"' "$tmp/partial.html" || fail "missing pattern model not shown as missing"
grep -q 'data-error="MixAnalyzer.validation.json"' "$tmp/partial.html" || fail "corrupt mix file not shown as an error"
grep -q "missing PatternGenerator.espec" "$tmp/partial.log" || fail "stderr does not name the missing files"

# 5. Bad input: a clear message and a non-zero exit.
"$bin" report "$tmp/nope" -o "$tmp/x.html" >"$tmp/e1" 2>&1 && fail "a missing folder must fail"
grep -q "nope" "$tmp/e1" || fail "the error does not name the folder: $(cat "$tmp/e1")"
mkdir -p "$tmp/empty"
"$bin" report "$tmp/empty" -o "$tmp/x.html" >"$tmp/e2" 2>&1 && fail "a folder without a run must fail"
grep -q "no training run" "$tmp/e2" || fail "empty folder message: $(cat "$tmp/e2")"
"$bin" report "$tmp/models" --bars 0 -o "$tmp/x.html" >"$tmp/e3" 2>&1
[ $? -eq 2 ] || fail "--bars 0 must be a parameter error (exit 2): $(cat "$tmp/e3")"
[ -e "$tmp/x.html" ] && fail "a failed report must not leave a file"
echo "report CLI: all checks passed"
