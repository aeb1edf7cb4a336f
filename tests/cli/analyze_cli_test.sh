#!/usr/bin/env bash
# `echoelml analyze` on freshly trained (1 epoch) models, from the .espec folder and from the
# Core ML export of it: text and JSON output, the genre comparison with a profile file, and
# clear messages (no crash) for mono, silence, < 1 s, corrupt, missing files and missing models.
set -uo pipefail
bin=${ECHOELML_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
py=/usr/bin/python3

"$bin" synth --out "$tmp/data" --per-genre 1 --seed 7 --short --quiet >"$tmp/synth.log" 2>&1 \
  || fail "synth failed: $(tail -5 "$tmp/synth.log")"
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/models" --epochs 1 --lstm-units 16 --quiet \
  >"$tmp/train.log" 2>&1 || fail "train failed: $(tail -5 "$tmp/train.log")"
rm -f "$tmp/models/genre_mix_profiles.json"   # the profile case below brings its own
song=$(find "$tmp/data/genres" -name '*.wav' | sort | head -1)
[ -n "$song" ] || fail "synth wrote no genre wav"

# Edge-case inputs, written with Python's wave module (16-bit PCM).
$py - "$tmp" <<'PYEOF' || fail "could not write the edge-case wavs"
import math, struct, sys, wave
d = sys.argv[1]
def write(name, ch, frames, f):
    w = wave.open(f"{d}/{name}", "wb"); w.setnchannels(ch); w.setsampwidth(2); w.setframerate(44100)
    w.writeframes(b"".join(struct.pack("<h", int(32767 * f(i, c))) for i in range(frames) for c in range(ch))); w.close()
write("mono.wav", 1, 44100 * 3, lambda i, c: 0.3 * math.sin(2 * math.pi * 220 * i / 44100))
write("silence.wav", 2, 44100 * 2, lambda i, c: 0.0)
write("short.wav", 2, 8820, lambda i, c: 0.5 * math.sin(2 * math.pi * 440 * i / 44100))
open(f"{d}/corrupt.wav", "wb").write(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
PYEOF

# --- text output ---------------------------------------------------------------------------
"$bin" analyze "$song" --models "$tmp/models" >"$tmp/a.txt" 2>"$tmp/a.err" || fail "analyze failed: $(cat "$tmp/a.err")"
for want in "Genre: " "Techniques (" "integrated loudness" "true peak" "Suggestions:" "genre comparison unavailable"; do
  grep -q "$want" "$tmp/a.txt" || fail "text output lacks '$want': $(cat "$tmp/a.txt")"
done

# --- JSON output: every section, app vocabularies, probabilities summing to 1 ---------------
"$bin" analyze "$song" --models "$tmp/models" --json >"$tmp/a.json" 2>"$tmp/a.err" || fail "analyze --json failed"
$py - "$tmp/a.json" <<'PYEOF' || fail "JSON output"
import json, sys
j = json.load(open(sys.argv[1]))
genres = ["EDM/Electronic", "Jazz", "Classical", "Hip-Hop/Trap", "Ambient/Soundscape", "Rock/Alternative", "World Music", "Experimental"]
s = j["songs"][0]
g = s["genre"]
assert g["genre"] in genres and 0 <= g["confidence"] <= 1, g
assert sorted(g["probabilities"]) == sorted(genres) and abs(sum(g["probabilities"].values()) - 1) < 1e-4, g
t = s["techniques"]
assert t["inputs"] == "app" and len(t["scores"]) == 20, t
assert all((x["score"] > 0.5) == x["detected"] for x in t["scores"])
m = s["mix"]
for k in ["loudness_lufs", "loudness_range_lu", "true_peak_dbtp", "dynamic_range_db", "stereo_width", "peak_level", "rms_level"]:
    assert k in m["measured"], k
assert len(m["measured"]["band_balance"]) == 6 and m["predicted"] is not None
assert m["compared_with"] is None and "unavailable" in m["comparison_note"]
assert len(m["comparison"]) == 13
PYEOF

# --- a profile with an absurdly quiet typical sub band gives a concrete suggestion ------------
$py - "$tmp/profile.json" <<'PYEOF' || fail "could not write a profile"
import json, sys
keys = ["band_sub_db", "band_bass_db", "band_low_mid_db", "band_mid_db", "band_high_mid_db", "band_high_db", "loudness_lufs",
        "loudness_range_lu", "true_peak_dbtp", "dynamic_range_db", "stereo_width", "peak_dbfs", "rms_dbfs"]
vals = {k: {"median": 0.0, "p25": -200.0, "p75": 200.0, "n": 3} for k in keys}
vals["band_sub_db"] = {"median": -90.0, "p25": -91.0, "p75": -89.0, "n": 3}
json.dump({"version": 1, "source": "test", "genres": {"Hip-Hop/Trap": {"files": 3, "values": vals}}}, open(sys.argv[1], "w"))
PYEOF
"$bin" analyze "$song" --models "$tmp/models" --profiles "$tmp/profile.json" --genre hiphop >"$tmp/p.txt" 2>&1 \
  || fail "analyze with a profile failed: $(cat "$tmp/p.txt")"
grep -q "dB above typical Hip-Hop/Trap mixes: cut below 60 Hz" "$tmp/p.txt" || fail "no sub suggestion: $(cat "$tmp/p.txt")"

# --- the Core ML export gives the same genre probabilities ----------------------------------
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/out" --format mlmodel >"$tmp/export.log" 2>&1 \
  || fail "export failed: $(tail -5 "$tmp/export.log")"
"$bin" analyze "$song" --models "$tmp/out" --json >"$tmp/c.json" 2>"$tmp/c.err" || fail "analyze (Core ML) failed: $(cat "$tmp/c.err")"
$py - "$tmp/a.json" "$tmp/c.json" <<'PYEOF' || fail "Core ML and espec disagree"
import json, sys
a, c = (json.load(open(p))["songs"][0] for p in sys.argv[1:3])
assert a["genre"]["genre"] == c["genre"]["genre"], (a["genre"], c["genre"])
for k, v in a["genre"]["probabilities"].items():
    assert abs(v - c["genre"]["probabilities"][k]) < 1e-3, (k, v, c["genre"]["probabilities"][k])
sa = {x["technique"]: x["score"] for x in a["techniques"]["scores"]}
sc = {x["technique"]: x["score"] for x in c["techniques"]["scores"]}
assert all(abs(sa[k] - sc[k]) < 1e-3 for k in sa), (sa, sc)
PYEOF

# --- awkward inputs: notes, not crashes; bad files are named and the rest still analysed ----
"$bin" analyze "$tmp/mono.wav" "$tmp/silence.wav" "$tmp/short.wav" --models "$tmp/models" >"$tmp/e.txt" 2>"$tmp/e.err" \
  || fail "edge cases failed: $(cat "$tmp/e.err")"
grep -q "note: mono file" "$tmp/e.txt" || fail "no mono note"
grep -q "note: digital silence" "$tmp/e.txt" || fail "no silence note"
grep -q "note: very short input" "$tmp/e.txt" || fail "no short-input note"
"$bin" analyze "$tmp/corrupt.wav" "$tmp/nope.wav" "$song" --models "$tmp/models" >"$tmp/f.txt" 2>"$tmp/f.err"
rc=$?
[ $rc -eq 1 ] || fail "bad files: exit $rc, expected 1"
grep -q "corrupt.wav" "$tmp/f.err" || fail "corrupt file not named: $(cat "$tmp/f.err")"
grep -q "nope.wav" "$tmp/f.err" || fail "missing file not named: $(cat "$tmp/f.err")"
grep -q "Genre: " "$tmp/f.txt" || fail "the good song after the bad ones was not analysed"

# --- missing and broken models --------------------------------------------------------------
"$bin" analyze "$song" --models "$tmp/none" >/dev/null 2>"$tmp/m.err" && fail "missing models folder accepted"
grep -q "models folder does not exist" "$tmp/m.err" || fail "unclear message: $(cat "$tmp/m.err")"
mkdir "$tmp/empty"
"$bin" analyze "$song" --models "$tmp/empty" >/dev/null 2>"$tmp/m.err" && fail "empty models folder accepted"
grep -q "no models here" "$tmp/m.err" || fail "unclear message: $(cat "$tmp/m.err")"
mkdir "$tmp/partial" && cp "$tmp/models/MixAnalyzer.espec" "$tmp/partial/"
"$bin" analyze "$song" --models "$tmp/partial" >"$tmp/g.txt" 2>"$tmp/g.err" || fail "partial models failed"
grep -q "warning: GenreClassifier: no GenreClassifier.espec" "$tmp/g.err" || fail "missing genre model not reported"
grep -q "Genre: unavailable" "$tmp/g.txt" || fail "genre section should say unavailable"
head -c 100 "$tmp/models/GenreClassifier.espec" >"$tmp/partial/GenreClassifier.espec"
"$bin" analyze "$song" --models "$tmp/partial" >/dev/null 2>"$tmp/h.err" && fail "truncated model accepted"
grep -q "GenreClassifier.espec" "$tmp/h.err" || fail "truncated model not named: $(cat "$tmp/h.err")"
echo "analyze CLI: all checks passed"
