#!/usr/bin/env bash
# `echoelml generate`: a playable Standard MIDI File (and WAV) from a freshly trained
# PatternGenerator, seeds that repeat, technique lists, and clear errors for bad names,
# missing and corrupt models.
set -uo pipefail
bin=${ECHOELML_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
py=/usr/bin/python3

"$bin" synth --out "$tmp/data" --per-genre 1 --seed 3 --short --quiet >"$tmp/synth.log" 2>&1 \
  || fail "synth failed: $(tail -5 "$tmp/synth.log")"
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/models" --models pattern --epochs 1 --lstm-units 16 --quiet \
  >"$tmp/train.log" 2>&1 || fail "train failed: $(tail -5 "$tmp/train.log")"

gen() { "$bin" generate --models "$tmp/models" "$@"; }
gen --genre hiphop --technique "Rhythmic Layering" --tempo 90 --bars 4 --complexity 0.6 -o "$tmp/p.mid" \
  --audio "$tmp/p.wav" 2>"$tmp/g.err" || fail "generate failed: $(cat "$tmp/g.err")"
grep -q "notes over 4 bars at 90 BPM" "$tmp/g.err" || fail "no summary line: $(cat "$tmp/g.err")"

# The MIDI file: header, tempo 90 BPM, note-ons inside 4 bars of 480 PPQ; the WAV is audible.
$py - "$tmp/p.mid" "$tmp/p.wav" <<'PYEOF' || fail "pattern.mid / pattern.wav"
import struct, sys, wave, array
b = open(sys.argv[1], "rb").read()
assert b[:4] == b"MThd"
fmt, ntrk, ppq = struct.unpack(">HHH", b[8:14])
assert fmt == 1 and ppq == 480, (fmt, ppq)
pos, tempo, ons = 14, None, []
for _ in range(ntrk):
    assert b[pos:pos + 4] == b"MTrk"
    n = struct.unpack(">I", b[pos + 4:pos + 8])[0]; p, end, tick, status = pos + 8, pos + 8 + n, 0, 0
    while p < end:
        d = 0
        while True:
            c = b[p]; p += 1; d = (d << 7) | (c & 0x7F)
            if c < 0x80: break
        tick += d
        if b[p] == 0xFF:
            t, ln = b[p + 1], b[p + 2]
            if t == 0x51: tempo = int.from_bytes(b[p + 3:p + 6], "big")
            p += 3 + ln
        else:
            status = b[p]; p += 1
            ln = 1 if status & 0xF0 in (0xC0, 0xD0) else 2
            if status & 0xF0 == 0x90 and b[p + 1] > 0: ons.append((tick, b[p], b[p + 1]))
            p += ln
    pos = end
assert tempo == 666667, tempo
assert ons and all(0 <= t < 16 * 480 and 0 <= k <= 127 and 1 <= v <= 127 for t, k, v in ons), ons[:5]
w = wave.open(sys.argv[2]); assert w.getnchannels() == 2 and w.getframerate() == 44100
x = array.array("h", w.readframes(w.getnframes()))
assert max(abs(v) for v in x) > 30, "silent render"
PYEOF

# Seeds: the same seed twice gives the same bytes; no seed is the model's own answer.
gen --genre EDM/Electronic --technique sideChainCompression,buildupDropStructure --technique "tension & release" \
  --tempo 128 --bars 2 --complexity 0.5 --seed 42 -o "$tmp/s1.mid" 2>/dev/null || fail "seeded generate failed"
gen --genre edm --technique sideChainCompression,buildupDropStructure --technique "Tension & Release" \
  --tempo 128 --bars 2 --complexity 0.5 --seed 42 -o "$tmp/s2.mid" 2>/dev/null || fail "seeded generate failed"
cmp -s "$tmp/s1.mid" "$tmp/s2.mid" || fail "the same seed gave different files"
gen --genre edm --tempo 128 --bars 2 --complexity 0.5 -o "$tmp/n1.mid" 2>/dev/null || fail "unseeded generate failed"
gen --genre edm --tempo 128 --bars 2 --complexity 0.5 -o "$tmp/n2.mid" 2>/dev/null || fail "unseeded generate failed"
cmp -s "$tmp/n1.mid" "$tmp/n2.mid" || fail "generate without a seed is not deterministic"
gen --genre jazz --tempo 110 --bars 4 --complexity 0.5 --drums -o "$tmp/d.mid" 2>/dev/null || fail "--drums failed"

# Errors: clear, non-zero, nothing written.
gen --genre polka --tempo 90 --bars 4 --complexity 0.5 -o "$tmp/x.mid" 2>"$tmp/e.err" && fail "unknown genre accepted"
grep -qi "hiphop\|Hip-Hop/Trap" "$tmp/e.err" || fail "the error should list the genres: $(cat "$tmp/e.err")"
gen --genre jazz --technique "Fake Technique" --tempo 90 --bars 4 --complexity 0.5 -o "$tmp/x.mid" 2>/dev/null \
  && fail "unknown technique accepted"
gen --genre jazz --tempo 90 --bars 0 --complexity 0.5 -o "$tmp/x.mid" 2>/dev/null && fail "0 bars accepted"
gen --genre jazz --tempo 90 --bars 4 --complexity 2 -o "$tmp/x.mid" 2>/dev/null && fail "complexity 2 accepted"
[ -e "$tmp/x.mid" ] && fail "a failed run wrote a file"
mkdir "$tmp/nomodels"
"$bin" generate --models "$tmp/nomodels" --genre jazz -o "$tmp/x.mid" 2>"$tmp/e.err" && fail "missing model accepted"
grep -q "PatternGenerator" "$tmp/e.err" || fail "missing model not named: $(cat "$tmp/e.err")"
mkdir "$tmp/bad" && printf 'ECHOSPEC\001\000\000\000garbage' >"$tmp/bad/PatternGenerator.espec"
"$bin" generate --models "$tmp/bad" --genre jazz -o "$tmp/x.mid" 2>"$tmp/e.err" && fail "corrupt model accepted"
grep -q "PatternGenerator.espec" "$tmp/e.err" || fail "corrupt model not named: $(cat "$tmp/e.err")"
echo "generate CLI: all checks passed"
