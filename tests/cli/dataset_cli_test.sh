#!/usr/bin/env bash
# `echoelml dataset check` and `echoelml extract` on a small data folder built from the
# bundled examples: counts, a bad file reported by name, a resumable store and its CSV.
set -uo pipefail
bin=${ECHOELML_BIN:?}; src=${ECHOELML_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

data="$tmp/data"
mkdir -p "$data/genres/edm" "$data/genres/ambient" "$data/mixes"
cp "$src/examples/audio/groove_110bpm_22k.wav" "$data/genres/edm/groove.wav"
cp "$src/examples/audio/pad_stereo_44k.wav" "$data/genres/ambient/pad.wav"
cp "$src/examples/audio/pad_stereo_44k.wav" "$data/genres/ambient/pad_copy.wav"
printf 'garbage' >"$data/genres/edm/broken.wav"
cp "$src/examples/audio/pad_stereo_44k.wav" "$data/mixes/pad.wav"

"$bin" dataset check "$data" >"$tmp/check.txt" 2>&1
grep -q "broken.wav" "$tmp/check.txt" || fail "check does not name the unreadable file"
grep -qi "duplicate" "$tmp/check.txt" || fail "check does not report the duplicate pair"
"$bin" dataset check "$data" --json >"$tmp/check.json" 2>/dev/null
python3 -c "import json,sys; json.load(open('$tmp/check.json'))" || fail "check --json is not JSON"

"$bin" extract "$data" --out "$tmp/store.db" --quiet >"$tmp/x1.txt" 2>&1
grep -q "broken.wav" "$tmp/x1.txt" || fail "extract summary does not list the failed file"
"$bin" extract "$data" --out "$tmp/store.db" --quiet --csv "$tmp/features.csv" >"$tmp/x2.txt" 2>&1
[ -s "$tmp/features.csv" ] || fail "no CSV export"
head -1 "$tmp/features.csv" | grep -q "genre.tempo" || fail "CSV lacks genre.tempo"
echo "dataset CLI: all checks passed"
