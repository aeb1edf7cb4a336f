#!/usr/bin/env bash
# Builds (if needed) and runs the whole test suite with ctest. Extra arguments go to ctest,
# e.g. `scripts/test.sh -L golden`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package-lock.json ] && [ ! -d node_modules ]; then npm ci --ignore-scripts --no-audit --no-fund; fi
bash scripts/build.sh
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
ctest --test-dir build --output-on-failure -j2 "$@"
