#!/usr/bin/env bash
# The main job on the built-in example: feature extraction over the bundled example audio.
set -euo pipefail
cd "$(dirname "$0")/.."
out=example-output
mkdir -p "$out"
./build/src/cli/echoelml features examples/audio/*.wav --set all --format json > "$out/features.json"
./build/src/cli/echoelml features examples/audio/*.wav --set genre --format csv > "$out/genre.csv"
echo "features of $(ls examples/audio/*.wav | wc -l) example files written to $out/features.json and $out/genre.csv"
