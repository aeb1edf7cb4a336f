#!/usr/bin/env bash
# `echoelml synth`: a small short-clip data folder in the documented layout, deterministic,
# and accepted by `dataset check`.
set -uo pipefail
bin=${ECHOELML_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$bin" synth --out "$tmp/a" --per-genre 1 --seed 3 --short --quiet >"$tmp/log" 2>&1 || fail "synth failed: $(cat "$tmp/log")"
for f in techniques/labels.csv patterns/labels.csv mixes/labels.csv; do [ -s "$tmp/a/$f" ] || fail "missing $f"; done
[ "$(ls "$tmp/a/genres" | wc -l)" -eq 8 ] || fail "expected 8 genre folders"
ls "$tmp/a"/patterns/*/*.mid >/dev/null 2>&1 || fail "no MIDI patterns"
"$bin" synth --out "$tmp/a" --per-genre 1 --seed 3 --short --quiet | grep -q "0 written" || fail "a rerun should skip everything"
"$bin" dataset check "$tmp/a" >"$tmp/check" 2>&1 || true
grep -qi "hiphop\|Hip-Hop" "$tmp/check" || fail "dataset check does not list the genres"
echo "synth CLI: all checks passed"
