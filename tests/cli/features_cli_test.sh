#!/usr/bin/env bash
# `echoelml features`: JSON and CSV output, a bad file among good ones, argument errors.
set -uo pipefail
bin=${ECHOELML_BIN:?}; src=${ECHOELML_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

good="$src/examples/audio/pad_stereo_44k.wav"
"$bin" features "$good" --set genre --format json >"$tmp/out.json" 2>"$tmp/err" || fail "json run exited $?"
grep -q '"spectral_centroid"' "$tmp/out.json" || fail "no spectral_centroid in JSON"
grep -q '"tempo"' "$tmp/out.json" || fail "no tempo in JSON"

"$bin" features "$good" "$src/examples/audio/groove_110bpm_22k.wav" --set genre --format csv >"$tmp/out.csv" 2>/dev/null \
  || fail "csv run failed"
[ "$(wc -l <"$tmp/out.csv")" -eq 3 ] || fail "csv should have a header and 2 rows"
head -1 "$tmp/out.csv" | grep -q 'genre.mfcc_12' || fail "csv header lacks genre.mfcc_12"

printf 'not audio at all' >"$tmp/bad.wav"
"$bin" features "$good" "$tmp/bad.wav" "$tmp/missing.wav" --set technique-app --format json >"$tmp/mixed.json" 2>"$tmp/mixed.err"
status=$?
[ $status -eq 1 ] || fail "a bad file among good ones should exit 1, got $status"
grep -q "bad.wav" "$tmp/mixed.err" || fail "error does not name bad.wav"
grep -q "missing.wav" "$tmp/mixed.err" || fail "error does not name missing.wav"
grep -q '"dynamic_range"' "$tmp/mixed.json" || fail "the good file's features are missing"

"$bin" features "$good" --set nope >/dev/null 2>"$tmp/arg.err"
[ $? -eq 2 ] || fail "an unknown --set should exit 2"
grep -q "genre|technique" "$tmp/arg.err" || fail "the --set error should list the choices"
echo "features CLI: all checks passed"
