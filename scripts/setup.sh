#!/usr/bin/env bash
# One command for a new machine: installs every dependency (Debian packages, npm packages),
# builds echoelml and runs the main job on the built-in example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; fi
bash scripts/build.sh
bash scripts/run-example.sh
