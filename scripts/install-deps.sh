#!/usr/bin/env bash
# Installs every system dependency of echoelml from Debian's archive (bookworm).
# Usage: scripts/install-deps.sh [--bench] [--fuzz]
#   --bench    also hyperfine
#   --fuzz     also clang's libFuzzer runtime
set -euo pipefail

extra=()
for arg in "$@"; do
  case "$arg" in
    --bench) extra+=(hyperfine) ;;
    --fuzz) extra+=(clang libclang-rt-14-dev) ;;
    --browser) ;;  # chromium is always installed now (kept for old command lines)
    *) echo "install-deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  # audio I/O and DSP
  libsndfile1-dev libmpg123-dev libsoxr-dev libfftw3-dev libebur128-dev
  # training
  libtorch-dev libopenblas0-openmp
  # export
  protobuf-compiler libprotobuf-dev libonnx-dev
  # data, CLI, logging
  libsqlite3-dev libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  # synthesis: FluidSynth and a General MIDI soundfont
  libfluidsynth-dev timgm6mb-soundfont
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # multi-machine work
  libopenmpi-dev openmpi-bin
  # the report test renders the HTML page in headless Chromium; the export tests run every
  # exported network in PyTorch (Debian's, on the same libtorch) as an independent reference
  chromium chromium-driver python3-torch python3-numpy
)
# ONNX checks in tests use onnxruntime-node from npm. The machine image may already ship
# Node.js with its own npm (which conflicts with Debian's npm package): install only if absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${packages[@]}" "${extra[@]}"

# Debian's libtorch links the generic BLAS/LAPACK; select OpenBLAS (OpenMP build) for both.
arch_triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
  candidate=$(update-alternatives --list "$lib-$arch_triplet" 2>/dev/null | grep openblas-openmp | head -n 1 || true)
  if [ -n "$candidate" ]; then
    $SUDO update-alternatives --set "$lib-$arch_triplet" "$candidate"
  fi
done
