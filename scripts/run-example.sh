#!/usr/bin/env bash
# The main job on the built-in example: the features of the bundled clips, then a small
# synthetic labelled data folder, its check report, its feature store (resumable), the four
# models trained briefly on it, their Core ML / ONNX export, and the models at work: a song
# analysed, a pattern generated, the training report.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./build/src/cli/echoelml
out=example-output
mkdir -p "$out"
"$bin" features examples/audio/*.wav --set all --format json > "$out/features.json"
"$bin" features examples/audio/*.wav --set genre --format csv > "$out/genre.csv"
"$bin" synth --out "$out/data" --per-genre 3 --short --seed 1
"$bin" dataset check "$out/data" > "$out/dataset-check.txt" || true
"$bin" extract "$out/data" --out "$out/features.db" --csv "$out/features.csv"
# All four models (five files: the technique model in both input layouts) with the guide's
# architectures, briefly: at most 40 epochs (early stopping) on the tiny data set, reusing the feature store above.
"$bin" train --data-dir "$out/data" --output-dir "$out/models" --store "$out/features.db" --epochs 40 --seed 1 \
  --quiet > "$out/models-report.txt"
# The app layout (what CoreMLModelManager loads) as .mlmodel + ONNX, each with its check.json;
# --format all also writes the ML Program of the one model whose app interface ML Programs can express.
"$bin" export --models-dir "$out/models" --output-dir "$out/export" --format all > "$out/export-report.txt"
"$bin" analyze examples/audio/pad_stereo_44k.wav --models "$out/models" > "$out/analysis.txt"
"$bin" generate --genre "Hip-Hop/Trap" --technique "Rhythmic Layering" --tempo 85 --bars 4 --complexity 0.6 \
  --models "$out/models" -o "$out/pattern.mid" --audio "$out/pattern.wav"
"$bin" report "$out/models" -o "$out/report.html" 2> /dev/null
cat <<EOF
example done, in $out/:
  features.json, genre.csv          features of the bundled clips
  data/, dataset-check.txt          a synthetic labelled data folder and its check report
  features.db, features.csv         its feature store
  models/, models-report.txt        the four models trained briefly (checkpoints, metrics)
  export/                           GenreClassifier, TechniqueRecognizer, PatternGenerator, MixAnalyzer
                                    (.mlmodel for Xcode, .onnx, .check.json each)
  analysis.txt                      examples/audio/pad_stereo_44k.wav analysed with the models
  pattern.mid, pattern.wav          a generated Hip-Hop/Trap pattern, rendered with FluidSynth
  report.html                       the training report (open it in a browser)
EOF
