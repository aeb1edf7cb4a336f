#!/usr/bin/env bash
# Builds the MIDI libFuzzer target with clang and runs it for N seconds (default 60), seeded
# with the real MIDI files in ../shared/data. Usage: scripts/fuzz-midi.sh [seconds] [jobs]
# Crashes land in build-fuzz/midi-artifacts/; the evolving corpus in build-fuzz/midi-corpus/.
set -euo pipefail
seconds="${1:-60}"
jobs="${2:-1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${ECHOELML_SHARED_DIR:-$root/../shared}"
build="$root/build-fuzz"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DECHOELML_FUZZ=ON -DECHOELML_BUILD_TESTS=OFF -DECHOELML_BUILD_BENCH=OFF -DECHOELML_WITH_TORCH=OFF >/dev/null
cmake --build "$build" -j2 --target midi_fuzz

# Seeds: every real MIDI file (copied flat; libFuzzer writes new inputs into the first folder).
corpus="$build/midi-corpus"
seeds="$build/midi-seeds"
mkdir -p "$corpus" "$seeds" "$build/midi-artifacts"
find "$shared/data/groove-midi" "$shared/data/freedoom-midi" -name '*.mid' -print0 |
  while IFS= read -r -d '' f; do cp -n "$f" "$seeds/$(echo "$f" | md5sum | cut -c1-16).mid"; done

# -max_len 262144: above the largest real seed (~152 KiB) so seeds are not cut;
# -timeout 10: a single input taking longer counts as a hang.
parallel=()
if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
"$build/fuzz/midi_fuzz" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=262144 -timeout=10 \
  -rss_limit_mb=2048 "${parallel[@]}" -artifact_prefix="$build/midi-artifacts/" -print_final_stats=1
