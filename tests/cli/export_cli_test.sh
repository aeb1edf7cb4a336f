#!/usr/bin/env bash
# `echoelml export` and `echoelml inspect` on a freshly trained (1 epoch, small LSTM) model
# folder: four validated models, check.json files in the documented format, ONNX against the
# libtorch outputs of <Name>.validation.json, the 8-bit report, updatable notes, and errors
# that name the missing or broken file while the other models are still exported.
set -uo pipefail
bin=${ECHOELML_BIN:?}; src=${ECHOELML_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
names="GenreClassifier TechniqueRecognizer PatternGenerator MixAnalyzer"

"$bin" synth --out "$tmp/data" --per-genre 1 --seed 5 --short --quiet >"$tmp/synth.log" 2>&1 \
  || fail "synth failed: $(tail -5 "$tmp/synth.log")"
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/models" --epochs 1 --lstm-units 16 --quiet \
  >"$tmp/train.log" 2>&1 || fail "train failed: $(tail -5 "$tmp/train.log")"
for n in $names TechniqueRecognizerApp; do
  [ -s "$tmp/models/$n.espec" ] || fail "training wrote no $n.espec"
  [ -s "$tmp/models/$n.validation.json" ] || fail "training wrote no $n.validation.json"
done

# --- all formats, app layout ---------------------------------------------------------------
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/out" --format all --author "CLI test" \
  >"$tmp/export.log" 2>&1 || fail "export failed: $(cat "$tmp/export.log")"
grep -q "4 of 4 models exported and validated" "$tmp/export.log" || fail "no success line: $(cat "$tmp/export.log")"
for n in $names; do
  for ext in mlmodel onnx check.json; do [ -s "$tmp/out/$n.$ext" ] || fail "missing $n.$ext"; done
done
[ -s "$tmp/out/export-report.json" ] || fail "no export-report.json"

# check.json: exactly the issue's keys and type spellings, labels, cases with trained outputs.
/usr/bin/python3 - "$tmp/out" "$tmp/models" <<'EOF' || fail "check.json format"
import json, sys
out, models = sys.argv[1], sys.argv[2]
g = json.load(open(f"{out}/GenreClassifier.check.json"))
assert set(g) == {"interface", "class_labels", "cases"}, g.keys()
i, o = g["interface"]["inputs"], g["interface"]["outputs"]
assert i["tempo"] == "Double" and i["mfcc"] == "MultiArray<FLOAT32>[13]" and i["chroma"] == "MultiArray<FLOAT32>[12]", i
assert o == {"genre": "String", "genre_probs": "Dictionary<String>", "confidence": "Double"}, o
labels = g["class_labels"]["genre"]
assert labels[0] == "EDM/Electronic" and labels[3] == "Hip-Hop/Trap" and len(labels) == 8, labels
val = json.load(open(f"{models}/GenreClassifier.validation.json"))
for c in g["cases"]:
    assert set(c) == {"name", "inputs", "expected"}
    assert c["expected"]["genre"] in labels and 0 <= c["expected"]["confidence"] <= 1
    assert abs(sum(c["expected"]["genre_probs"].values()) - 1) < 1e-4
    # the expected values are the trained model's outputs for a validation row with these inputs
    row = [c["inputs"][k] for k in ["tempo", "spectral_centroid", "spectral_rolloff", "zero_crossing_rate", "rms",
                                     "spectral_flux", "spectral_contrast"]] + c["inputs"]["mfcc"] + c["inputs"]["chroma"]
    k = min(range(len(val["features"])), key=lambda r: sum(abs(a - b) for a, b in zip(val["features"][r], row)))
    assert max(abs(a - b) for a, b in zip(val["features"][k], row)) < 1e-3 * max(1, max(map(abs, row)))
    probs = val["outputs"][k][:8]
    assert c["expected"]["genre"] == labels[probs.index(max(probs))]
    assert abs(c["expected"]["confidence"] - val["outputs"][k][8]) < 1e-9
t = json.load(open(f"{out}/TechniqueRecognizer.check.json"))
assert len(t["interface"]["inputs"]) == 4 and t["interface"]["outputs"]["Tension & Release"] == "Double"
p = json.load(open(f"{out}/PatternGenerator.check.json"))
assert p["interface"]["outputs"]["notes"] == "MultiArray[64,4]" and p["interface"]["inputs"]["genre"] == "MultiArray<FLOAT32>[8]"
for c in p["cases"]:
    for pitch, vel, start, dur in c["expected"]["notes"]:
        assert 0 <= pitch <= 127 and 0 <= vel <= 127 and dur > 0, (pitch, vel, start, dur)
m = json.load(open(f"{out}/MixAnalyzer.check.json"))
assert m["interface"]["inputs"] == {"spectrum": "MultiArray<FLOAT32>[1024]"} and m["interface"]["outputs"]["rms_level"] == "Double"
EOF

# ONNX against libtorch (the validation outputs training wrote), 1e-4.
[ -f "$src/node_modules/onnxruntime-node/package.json" ] || fail "onnxruntime-node not installed: npm ci --ignore-scripts"
/usr/bin/python3 - "$tmp" "$src" <<'EOF' || fail "ONNX differs from libtorch"
import json, subprocess, sys
tmp, src = sys.argv[1], sys.argv[2]
for name, source, inp in [("GenreClassifier", "GenreClassifier", "features"),
                          ("TechniqueRecognizer", "TechniqueRecognizerApp", "features"),
                          ("PatternGenerator", "PatternGenerator", "features"), ("MixAnalyzer", "MixAnalyzer", "spectrum")]:
    val = json.load(open(f"{tmp}/models/{source}.validation.json"))
    for r in range(min(3, len(val["features"]))):
        row = val["features"][r]
        json.dump({inp: {"dims": [len(row)], "data": row}}, open(f"{tmp}/in.json", "w"))
        res = subprocess.run(["node", f"{src}/tests/export/run_onnx.mjs", f"{tmp}/out/{name}.onnx", f"{tmp}/in.json"],
                             capture_output=True, text=True, check=True)
        got = json.loads(res.stdout)
        flat = [x for o in val["output_names"] for x in got[o]["data"]] if all(o in got for o in val["output_names"]) \
            else [x for t in got.values() for x in t["data"]]
        want = val["outputs"][r]
        assert len(flat) == len(want), (name, len(flat), len(want))
        worst = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(flat, want))
        assert worst <= 1e-4, (name, r, worst)
EOF

# --- inspect -------------------------------------------------------------------------------
"$bin" inspect "$tmp/out/GenreClassifier.mlmodel" "$tmp/out/MixAnalyzer.onnx" >"$tmp/inspect.txt" 2>&1 \
  || fail "inspect failed: $(cat "$tmp/inspect.txt")"
grep -q "pipelineClassifier with 3 stages" "$tmp/inspect.txt" || fail "inspect: no pipeline"
grep -q "author CLI test" "$tmp/inspect.txt" || fail "inspect: --author not in the metadata"
grep -q "MatMul" "$tmp/inspect.txt" || fail "inspect: no ONNX nodes"
printf 'garbage' >"$tmp/bad.mlmodel"
"$bin" inspect "$tmp/bad.mlmodel" "$tmp/out/TechniqueRecognizer.mlmodel" >"$tmp/i2.txt" 2>"$tmp/i2.err"
[ $? -eq 1 ] || fail "inspect of a corrupt file should exit 1"
grep -q "bad.mlmodel" "$tmp/i2.err" || fail "inspect error does not name the file"
grep -q "Tension & Release" "$tmp/i2.txt" || fail "inspect skipped the good file after a bad one"

# --- 8-bit ---------------------------------------------------------------------------------
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/q8" --quantize 8 >"$tmp/q8.log" 2>&1 \
  || fail "8-bit export failed: $(cat "$tmp/q8.log")"
grep -q "8-bit: .* smaller.*largest output change" "$tmp/q8.log" || fail "no 8-bit size/change line: $(cat "$tmp/q8.log")"
/usr/bin/python3 - "$tmp/q8/export-report.json" <<'EOF' || fail "8-bit report"
import json, sys
r = json.load(open(sys.argv[1]))
for n, m in r["models"].items():
    q = m["quantization"]
    assert q["int8_bytes"] < q["float32_bytes"], n
    assert q["int8_vs_trained"]["max_rel_change"] <= 2e-2, (n, q["int8_vs_trained"])
    assert q["float32_vs_trained"]["max_rel_change"] <= 1e-4, (n, q["float32_vs_trained"])
EOF

# --- updatable -----------------------------------------------------------------------------
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/upd" --updatable >"$tmp/upd.log" 2>&1 \
  || fail "updatable app export failed: $(cat "$tmp/upd.log")"
[ "$(grep -c "note: .*cannot be updatable" "$tmp/upd.log")" -eq 4 ] || fail "app layout: expected 4 notes: $(cat "$tmp/upd.log")"
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/updg" --layout guide --updatable >"$tmp/updg.log" 2>&1 \
  || fail "updatable guide export failed: $(cat "$tmp/updg.log")"
grep -q "note: .*PatternGenerator cannot be updatable" "$tmp/updg.log" || fail "guide: no PatternGenerator note"
grep -q "note: .*GenreClassifier" "$tmp/updg.log" && fail "guide: GenreClassifier should be updatable"
"$bin" inspect "$tmp/updg/GenreClassifier.mlmodel" | grep -qi "updatable" || fail "guide GenreClassifier not marked updatable"

# --- errors --------------------------------------------------------------------------------
"$bin" export --models-dir "$tmp/nope" --output-dir "$tmp/x" >/dev/null 2>"$tmp/e1"
[ $? -eq 1 ] || fail "a missing models folder should exit 1"
grep -q "nope" "$tmp/e1" || fail "the error does not name the missing folder"
cp -r "$tmp/models" "$tmp/m2"
rm "$tmp/m2/TechniqueRecognizerApp.espec"
printf 'ECHOSPEC garbage' >"$tmp/m2/MixAnalyzer.espec"
"$bin" export --models-dir "$tmp/m2" --output-dir "$tmp/o2" >"$tmp/o2.log" 2>"$tmp/o2.err"
[ $? -eq 1 ] || fail "missing/corrupt specs should exit 1"
grep -q "TechniqueRecognizerApp.espec" "$tmp/o2.err" || fail "error does not name TechniqueRecognizerApp.espec"
grep -q "MixAnalyzer.espec" "$tmp/o2.err" || fail "error does not name MixAnalyzer.espec"
[ -s "$tmp/o2/GenreClassifier.mlmodel" ] && [ -s "$tmp/o2/PatternGenerator.mlmodel" ] || fail "the good models were not exported"
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/x" --format coreml >/dev/null 2>"$tmp/e3"
[ $? -eq 2 ] || fail "an unknown --format should exit 2"
grep -q "mlmodel|" "$tmp/e3" || fail "the --format error should list the choices"
"$bin" export --models-dir "$tmp/models" --output-dir "$tmp/x" --quantize 8 --updatable >/dev/null 2>"$tmp/e4"
[ $? -eq 2 ] || fail "--quantize 8 with --updatable should exit 2"
echo "export CLI: all checks passed"
