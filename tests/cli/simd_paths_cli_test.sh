#!/usr/bin/env bash
# Every AVX2 kernel has an SSE2 build that must give the same bits (core/cpu.h). This runs
# `echoelml features --set all` on the golden signals and the real audio files twice, the
# second time with ECHOELML_NO_AVX2=1 (the SSE2 builds), and requires byte-identical output:
# every genre, technique, app technique and mix value of 23 files.
set -uo pipefail
bin=${ECHOELML_BIN:?}
shared=${ECHOELML_SHARED_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

files=("$shared"/golden/librosa/wav/*.wav "$shared"/data/real-audio/audio/*)
[ "${#files[@]}" -ge 20 ] || fail "expected the golden and real audio files under $shared, found ${#files[@]}"
if grep -qw avx2 /proc/cpuinfo; then
  echo "comparing the AVX2 kernels with their SSE2 builds on ${#files[@]} files"
else
  echo "this CPU has no AVX2: both runs use the SSE2 builds (the comparison still runs)"
fi

"$bin" features --set all --format json --quiet --threads 1 "${files[@]}" >"$tmp/avx2.json" 2>"$tmp/avx2.err"
rc1=$?
ECHOELML_NO_AVX2=1 "$bin" features --set all --format json --quiet --threads 1 "${files[@]}" >"$tmp/sse2.json" 2>"$tmp/sse2.err"
rc2=$?
[ "$rc1" -eq "$rc2" ] || fail "exit codes differ: $rc1 with AVX2, $rc2 without ($(cat "$tmp/sse2.err"))"
n=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/avx2.json") \
  || fail "AVX2 run wrote no JSON: $(cat "$tmp/avx2.err")"
[ "$n" -eq "${#files[@]}" ] || fail "features for $n of ${#files[@]} files: $(cat "$tmp/avx2.err")"
if ! cmp -s "$tmp/avx2.json" "$tmp/sse2.json"; then
  diff <(tr ',' '\n' <"$tmp/avx2.json") <(tr ',' '\n' <"$tmp/sse2.json") | head -20
  fail "the SSE2 builds give other values than the AVX2 kernels"
fi
echo "identical: $n files, $(wc -c <"$tmp/avx2.json") bytes of features"
