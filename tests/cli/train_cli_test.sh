#!/usr/bin/env bash
# `echoelml train` end to end on a tiny synthetic data folder: all five model files of every model,
# training.json, the validation files, error messages before training, and a run killed with
# SIGKILL mid-training that `--resume` finishes with the same weights as an uninterrupted run.
set -uo pipefail
bin=${ECHOELML_BIN:?}
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open('$1')); $2" || fail "$1: $2"; }

# 1. Data: one short item of each kind per genre.
"$bin" synth --out "$tmp/data" --per-genre 1 --short --seed 2 --quiet >"$tmp/synth.log" 2>&1 ||
  fail "synth failed: $(cat "$tmp/synth.log")"

# 1b. `echoelml train` hands over to echoelml-train; without it the error names the missing program.
out=$(ECHOELML_TRAIN_BIN="$tmp/no-such-trainer" "$bin" train --data-dir "$tmp/data" --output-dir "$tmp/x" 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "a missing trainer gave exit status $rc, not 1"
echo "$out" | grep -q "no-such-trainer.*trainer program is missing" || fail "unclear missing-trainer error: $out"
"$bin" train --help | grep -q -- "--lstm-units" || fail "echoelml train --help does not list the trainer's options"

# 2. All models, 2 epochs, small LSTM (the default 512 is exercised by test_train).
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/m" --epochs 2 --batch-size 4 --lstm-units 16 \
  >"$tmp/train.out" 2>"$tmp/train.err" || fail "train failed: $(tail -5 "$tmp/train.err")"
for name in GenreClassifier TechniqueRecognizer TechniqueRecognizerApp PatternGenerator MixAnalyzer; do
  for ext in .pt .espec .metrics.json .norm.json .validation.json; do
    [ -s "$tmp/m/$name$ext" ] || fail "missing $name$ext"
  done
  grep -q "^$name (best epoch" "$tmp/train.out" || fail "no report for $name on stdout"
done
grep -q "baseline" "$tmp/train.out" || fail "the reports do not show the baselines"
grep -q "GenreClassifier epoch 2/2 loss" "$tmp/train.err" || fail "no per-epoch progress line"
grep -q "left" "$tmp/train.err" || fail "progress lines do not show the time left"
[ -s "$tmp/m/features.db" ] || fail "the default feature store is not MODELS/features.db"
json "$tmp/m/genre_mix_profiles.json" "assert len(d['genres']) == 8, d.keys()"
json "$tmp/m/training.json" "assert d['complete'] and d['seed'] == 1 and len(d['models']) == 5
assert [m['model'] for m in d['models']] == ['GenreClassifier','TechniqueRecognizer','TechniqueRecognizerApp','PatternGenerator','MixAnalyzer']
assert all(m['epochs_run'] == 2 and m['examples'] > 0 for m in d['models'])
assert d['extract']['computed'] > 0 and d['pattern_padding'] == 'loop-shift'"
json "$tmp/m/TechniqueRecognizerApp.validation.json" "assert len(d['input_names']) == 4 and len(d['features'][0]) == 4
assert len(d['outputs'][0]) == 20 and len(d['targets'][0]) == 20 and d['kind'] == 'technique-app'"
json "$tmp/m/GenreClassifier.validation.json" "assert len(d['features'][0]) == 32 and all(0 <= l < 8 for l in d['labels'])
assert d['rel'][0].startswith('genres/') and abs(sum(d['outputs'][0][:8]) - 1) < 1e-4"
# Pattern targets have no all-zero rows and their notes are playable (app contract §5).
json "$tmp/m/PatternGenerator.validation.json" "
for t in d['targets']:
  notes = [t[i:i+4] for i in range(0, 256, 4)]
  assert all(0 <= p <= 127 and 0 <= v <= 127 and s >= 0 and du > 0 for p, v, s, du in notes)
  starts = [n[2] for n in notes]
  assert starts == sorted(starts), 'loop-shift padding keeps the notes in time order'"

# 3. A second run reuses the store and, for the same seed and threads, gives the same weights.
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/m2" --store "$tmp/m/features.db" --models genre,mix --batch-size 4 \
  --epochs 2 --quiet >/dev/null 2>"$tmp/m2.err" || fail "second run failed: $(cat "$tmp/m2.err")"
json "$tmp/m2/training.json" "assert d['extract']['computed'] == 0 and d['extract']['reused'] > 0"
cmp -s "$tmp/m/GenreClassifier.espec" "$tmp/m2/GenreClassifier.espec" || fail "same seed, different weights"

# 4. Kill mid-training, resume, compare with an uninterrupted run.
epochs=300
args=(train --data-dir "$tmp/data" --store "$tmp/m/features.db" --models genre --epochs $epochs --patience 0)
"$bin" "${args[@]}" --output-dir "$tmp/full" --quiet >/dev/null 2>&1 || fail "uninterrupted run failed"
"$bin" "${args[@]}" --output-dir "$tmp/cut" >/dev/null 2>"$tmp/cut.err" &
pid=$!
for _ in $(seq 1 200); do [ -f "$tmp/cut/GenreClassifier.pt" ] && break; sleep 0.05; done
sleep 0.5
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
last=$(grep -o 'GenreClassifier epoch [0-9]*/' "$tmp/cut.err" | tail -1 | tr -dc 0-9)
[ -n "$last" ] || fail "no epoch finished before the kill"
[ "$last" -lt $epochs ] || fail "training finished before the kill; raise epochs in this test"
[ ! -f "$tmp/cut/GenreClassifier.espec" ] || fail "an interrupted run should not have written the final files"
# A temporary file a killed writer left behind (pid 2^22+1 does not exist) is cleaned up on resume.
: >"$tmp/cut/.GenreClassifier.pt.tmp.4194305.0"
"$bin" "${args[@]}" --output-dir "$tmp/cut" --resume >/dev/null 2>"$tmp/resume.err" ||
  fail "resume failed: $(tail -3 "$tmp/resume.err")"
grep -q "resuming after epoch" "$tmp/resume.err" || fail "resume did not continue the checkpoint"
[ ! -e "$tmp/cut/.GenreClassifier.pt.tmp.4194305.0" ] || fail "a stale temporary file was left in MODELS"
cmp -s "$tmp/full/GenreClassifier.espec" "$tmp/cut/GenreClassifier.espec" ||
  fail "killed at epoch $last and resumed: weights differ from the uninterrupted run"
json "$tmp/cut/GenreClassifier.metrics.json" "assert len(d['history']) == $epochs"

# 5. Errors before training, naming the problem.
mkdir -p "$tmp/empty"
"$bin" train --data-dir "$tmp/empty" --output-dir "$tmp/e1" --quiet >/dev/null 2>"$tmp/e1.err"
[ $? -eq 2 ] || fail "empty data dir: expected exit status 2"
grep -q "empty" "$tmp/e1.err" && grep -q "genres" "$tmp/e1.err" || fail "empty data dir: unclear error: $(cat "$tmp/e1.err")"
[ ! -f "$tmp/e1/GenreClassifier.pt" ] || fail "empty data dir: training started"
mkdir -p "$tmp/one/genres"
cp -r "$tmp/data/genres/jazz" "$tmp/one/genres/"
"$bin" train --data-dir "$tmp/one" --output-dir "$tmp/e2" --models genre --quiet >/dev/null 2>"$tmp/e2.err"
[ $? -eq 2 ] && grep -q "single class" "$tmp/e2.err" || fail "single class: unclear error: $(cat "$tmp/e2.err")"
mkdir -p "$tmp/bad/techniques"
cp -r "$tmp/data/techniques/audio" "$tmp/bad/techniques/"
sed '2s/,[^,]*$/,Cowbell Overdrive/' "$tmp/data/techniques/labels.csv" >"$tmp/bad/techniques/labels.csv"
"$bin" train --data-dir "$tmp/bad" --output-dir "$tmp/e3" --models technique --quiet >/dev/null 2>"$tmp/e3.err"
[ $? -eq 2 ] && grep -q "outside the app's vocabulary" "$tmp/e3.err" && grep -q "Cowbell" "$tmp/e3.err" ||
  fail "unknown technique label: unclear error: $(cat "$tmp/e3.err")"
"$bin" train --data-dir "$tmp/data" --output-dir "$tmp/e4" --models genre,drums >/dev/null 2>"$tmp/e4.err"
[ $? -eq 2 ] && grep -q "drums" "$tmp/e4.err" || fail "unknown model: unclear error: $(cat "$tmp/e4.err")"
# 6. --groove: a few Groove MIDI performances (when the shared data is there); rock -> Rock/Alternative
#    (index 5), jazz -> Jazz (index 1) as docs/midi.md; bars = the length of the note window.
groove=${ECHOELML_SHARED_DIR:-}/data/groove-midi
if [ -f "$groove/info.csv" ]; then
  python3 - "$groove" "$tmp/groove" <<'PY' || fail "could not build the small Groove folder"
import csv, os, shutil, sys
src, dst = sys.argv[1:]
with open(os.path.join(src, "info.csv"), newline="") as f:
    reader = csv.DictReader(f)
    rows = list(reader)
    header = reader.fieldnames
pick = [r for r in rows if r["style"] == "rock"][:5] + [r for r in rows if r["style"] == "jazz"][:5]
os.makedirs(dst)
with open(os.path.join(dst, "info.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    for r in pick:
        w.writerow(r)
        os.makedirs(os.path.join(dst, os.path.dirname(r["midi_filename"])), exist_ok=True)
        shutil.copy(os.path.join(src, r["midi_filename"]), os.path.join(dst, r["midi_filename"]))
PY
  "$bin" train --groove "$tmp/groove" --output-dir "$tmp/g" --models pattern --epochs 1 --lstm-units 16 \
    --batch-size 4 --quiet >/dev/null 2>"$tmp/g.err" || fail "--groove failed: $(cat "$tmp/g.err")"
  json "$tmp/g/training.json" "m = d['models'][0]; assert m['examples'] == 10 and m['source'].endswith('info.csv')"
  json "$tmp/g/PatternGenerator.validation.json" "
for x, rel in zip(d['features'], d['rel']):
  genre = x[:8].index(1.0)
  assert genre == (5 if '_rock_' in rel else 1), (rel, genre)
  assert x[28] == float(rel.split('_')[2]), 'tempo = the bpm of info.csv'
  assert x[29] >= 1 and x[29] == int(x[29])"
fi
echo "train CLI: all checks passed"
