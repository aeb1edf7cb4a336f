#!/usr/bin/env bash
# The main job on the built-in example: the features of the bundled clips, then a small
# synthetic labelled data folder, its check report, its feature store (resumable), and the four
# models trained briefly on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./build/src/cli/echoelml
out=example-output
mkdir -p "$out"
"$bin" features examples/audio/*.wav --set all --format json > "$out/features.json"
"$bin" features examples/audio/*.wav --set genre --format csv > "$out/genre.csv"
"$bin" synth --out "$out/data" --per-genre 1 --short --seed 1
"$bin" dataset check "$out/data" > "$out/dataset-check.txt" || true
"$bin" extract "$out/data" --out "$out/features.db" --csv "$out/features.csv"
# All four models (five files: the technique model in both input layouts) with the guide's
# architectures, briefly: 10 epochs on the tiny data set, reusing the feature store above.
"$bin" train --data-dir "$out/data" --output-dir "$out/models" --store "$out/features.db" --epochs 10 --seed 1 \
  --quiet > "$out/models-report.txt"
echo "example done: $out/features.json, $out/genre.csv, $out/data (synthetic), $out/dataset-check.txt, $out/features.db, $out/features.csv, $out/models/ ($out/models-report.txt)"
