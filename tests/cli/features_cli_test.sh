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
# FFTW's measured plans are cached as wisdom for later processes, and the features do not change
# when the plans come from the cache.
ECHOELML_FFTW_WISDOM="$tmp/cache/wisdom" "$bin" features "$good" --set genre --format json >"$tmp/w1.json" ||
  fail "features with a wisdom cache failed"
grep -q "fftw_wisdom" "$tmp/cache/wisdom" || fail "no FFTW wisdom cache was written"
ECHOELML_FFTW_WISDOM="$tmp/cache/wisdom" "$bin" features "$good" --set genre --format json >"$tmp/w2.json" ||
  fail "features reading the wisdom cache failed"
python3 - "$tmp/w1.json" "$tmp/w2.json" <<'PY' || fail "features differ between measured and cached FFT plans"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
def walk(x, y):
    if isinstance(x, dict): return all(walk(x[k], y[k]) for k in x)
    if isinstance(x, list): return all(walk(u, v) for u, v in zip(x, y))
    if isinstance(x, float): return abs(x - y) <= 1e-9 * max(1.0, abs(x))
    return x == y
sys.exit(0 if walk(a, b) else 1)
PY
printf 'garbage' >"$tmp/cache/wisdom"
ECHOELML_FFTW_WISDOM="$tmp/cache/wisdom" "$bin" features "$good" --set genre >/dev/null ||
  fail "a damaged wisdom cache must not break feature extraction"

echo "features CLI: all checks passed"
