// Spectral features on the first 30 s of shared/golden/librosa/wav/synth_song_32s.wav (mono
// mean, 44.1 kHz, 2584 frames), single thread, from a precomputed |STFT| (and power for
// chroma), as the genre set computes them. The STFT itself is timed for scale.
// Run: build/bench/bench_spectral [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "echoelml/dsp/stft.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/spectral.h"
#include "echoelml/features/mel.h"
#include "echoelml/io/audio.h"
#include "features/simd_math.h"
#include "features/spectral_common.h"
#include "features/technique_simd.h"

using namespace echoelml;

namespace {

struct Clip {
  std::vector<float> y;
  Matrix S, P;
  double sr = 44100.0;
};

const Clip& clip() {
  static const Clip c = [] {
    const auto path = std::filesystem::path(ECHOELML_SHARED_DIR) / "golden" / "librosa" / "wav" /
                      "synth_song_32s.wav";
    io::LoadParams lp;
    lp.sr = 44100.0;
    lp.duration = 30.0;
    const io::AudioBuffer a = io::load(path, lp);
    Clip out;
    out.y = a.data;  // mono load
    out.S = dsp::stft_magnitude(out.y);
    out.P = dsp::square(out.S);
    return out;
  }();
  return c;
}

void BM_StftMagnitude(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(dsp::stft_magnitude(c.y));
}
void BM_SpectralCentroid(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::spectral_centroid(c.S, c.sr));
}
void BM_SpectralRolloff(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::spectral_rolloff(c.S, {.sr = c.sr}));
}
void BM_ZeroCrossingRate(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::zero_crossing_rate(c.y));
}
void BM_Rms(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::rms(c.y));
}
void BM_SpectralContrast(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::spectral_contrast(c.S, {.sr = c.sr}));
}
// spectral_contrast's peak/valley selection alone (ContrastSelector, the genre set's kernel)
// on the clip's tiles of 16 frames, per instruction set (arg: 0 SSE2, 1 AVX2, 2 AVX-512; -1:
// the tile copies alone). Each tile is first copied into one working tile, as the genre set's
// STFT writes it, so the selection reads it from cache as it does there.
void BM_ContrastSelectTiles(benchmark::State& st) {
  using features::detail::ContrastIsa;
  using features::detail::ContrastSelector;
  constexpr std::size_t L = features::detail::kTileLanes;
  const bool select = st.range(0) >= 0;
  const auto isa = static_cast<ContrastIsa>(std::max<std::int64_t>(0, st.range(0)));
  if (!ContrastSelector::supported(isa)) return st.SkipWithError("instruction set not available");
  const auto& c = clip();
  const std::size_t K = c.S.rows, T = c.S.cols, n_tiles = (T + L - 1) / L;
  std::vector<float> tiles(n_tiles * K * L, 0.0f), tile(K * L);
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t t = 0; t < T; ++t) tiles[(t / L) * K * L + k * L + t % L] = c.S(k, t);
  ContrastSelector sel(features::detail::contrast_bands(K, {.sr = c.sr}), L);
  std::vector<float> valley(sel.n_bands() * L), peak(sel.n_bands() * L);
  for (auto _ : st)
    for (std::size_t i = 0; i < n_tiles; ++i) {
      std::copy_n(tiles.data() + i * K * L, K * L, tile.data());
      benchmark::DoNotOptimize(tile.data());
      if (select)
        sel.run_isa(isa, tile.data(), std::min(L, T - i * L), valley.data(), peak.data());
      benchmark::DoNotOptimize(valley.data());
      benchmark::DoNotOptimize(peak.data());
    }
}
void BM_EstimateTuning(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::estimate_tuning(c.P, c.sr));
}
void BM_ChromaStftKnownTuning(benchmark::State& st) {
  const auto& c = clip();
  for (auto _ : st)
    benchmark::DoNotOptimize(features::chroma_stft(c.P, {.sr = c.sr, .tuning = -0.11}));
}
void BM_ChromaStft(benchmark::State& st) {  // estimate_tuning + filterbank product + norm
  const auto& c = clip();
  for (auto _ : st) benchmark::DoNotOptimize(features::chroma_stft(c.P, {.sr = c.sr}));
}
// The genre set's chroma: per-row means of the chroma of the clip's power stored in tiles of
// 16 frames (detail::chroma_means_from_tiles), 2584 frames x 1025 bins = 10.6 MB of tiles.
// Arg 0: the same tiles every time (from cache); arg 1: four copies in turn (42 MB, more than
// the L3 cache), so the tiles come from DRAM as in the genre set (whose STFT writes them with
// streaming stores).
void BM_ChromaMeansFromTiles(benchmark::State& st) {
  constexpr std::size_t L = features::detail::kTileLanes;
  const auto& c = clip();
  const std::size_t K = c.P.rows, T = c.P.cols;
  const std::size_t size = (T + L - 1) / L * K * L, copies = st.range(0) == 0 ? 1 : 4;
  std::vector<float> tiles(copies * size, 0.0f);
  for (std::size_t i = 0; i < copies; ++i)
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t t = 0; t < T; ++t) tiles[i * size + (t / L) * K * L + k * L + t % L] = c.P(k, t);
  const features::ChromaParams p{.sr = c.sr};
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(
        features::detail::chroma_means_from_tiles(tiles.data() + i * size, K, T, p, -0.11));
    i = (i + 1) % copies;
  }
}
void BM_AllSpectralFeatures(benchmark::State& st) {  // everything above except the STFT
  const auto& c = clip();
  for (auto _ : st) {
    benchmark::DoNotOptimize(features::spectral_centroid(c.S, c.sr));
    benchmark::DoNotOptimize(features::spectral_rolloff(c.S, {.sr = c.sr}));
    benchmark::DoNotOptimize(features::zero_crossing_rate(c.y));
    benchmark::DoNotOptimize(features::rms(c.y));
    benchmark::DoNotOptimize(features::spectral_contrast(c.S, {.sr = c.sr}));
    benchmark::DoNotOptimize(features::chroma_stft(c.P, {.sr = c.sr}));
  }
}

// Elementwise kernels (simd_math.h, technique_simd.h) on the genre set's and the technique
// set's sizes; power_to_db next to the glibc form it replaced.
// power_to_db of a (128 mels, 2584 frames) power matrix: glibc log10f per value ("Libm") vs
// the vectorised log10 (power_to_db_f32), both into a preallocated matrix, clamp included.
Matrix mel_power() {
  Matrix m(128, 2584);
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> e(-12.0, 3.0);
  for (auto& v : m.data) v = static_cast<float>(std::pow(10.0, e(rng)));
  return m;
}
void BM_PowerToDbLibm(benchmark::State& st) {
  const Matrix S = mel_power();
  Matrix out(S.rows, S.cols);
  for (auto _ : st) {
    float top = -std::numeric_limits<float>::infinity();
    for (std::size_t i = 0; i < S.data.size(); ++i) {
      const float v = 10.0f * std::log10(std::max(1e-10f, S.data[i]));
      out.data[i] = v;
      top = std::max(top, v);
    }
    for (auto& v : out.data) v = std::max(v, top - 80.0f);
    benchmark::DoNotOptimize(out.data.data());
  }
}
void BM_PowerToDb(benchmark::State& st) {
  const Matrix S = mel_power();
  Matrix out(S.rows, S.cols);
  for (auto _ : st) {
    const float top = features::detail::power_to_db_f32(S.data.data(), S.data.size(), 1e-10f, 0.0f, out.data.data());
    for (auto& v : out.data) v = std::max(v, top - 80.0f);
    benchmark::DoNotOptimize(out.data.data());
  }
}

// |X| of complex128 spectra rounded to complex64 (to_complex64_and_abs), 1292 frames of 1025
// bins (the technique set's 30 s), cycling over 4 frames that stay in cache as in the pass.
void BM_Complex64Abs(benchmark::State& st) {
  std::vector<double> s(4 * 2050);
  std::mt19937 rng(2);
  std::normal_distribution<double> g(0.0, 10.0);
  for (auto& v : s) v = g(rng);
  std::vector<float> x(2 * 1025), mag(1025);
  for (auto _ : st)
    for (std::size_t t = 0; t < 1292; ++t) {
      features::detail::to_complex64_and_abs(s.data() + (t % 4) * 2050, 1025, x.data(), mag.data());
      benchmark::DoNotOptimize(mag.data());
    }
}

// double(src) * window (window_frame) for the 2581 full frames of 2048 samples (hop 512) of
// the clip, frame buffer and window hot in L1 (16 + 16 + 8 KiB); in the STFT the FFT between
// frames evicts them, which costs about as much again (see docs/features.md).
void BM_WindowFrame(benchmark::State& st) {
  const auto& c = clip();
  std::vector<double> w(2048), frame(2048);
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = 0.5 - 0.5 * std::cos(2.0 * 3.141592653589793 * k / 2048);
  const std::size_t frames = (c.y.size() - 2048) / 512;
  for (auto _ : st)
    for (std::size_t t = 0; t < frames; ++t) {
      features::detail::window_frame(c.y.data() + t * 512, w.data(), 2048, frame.data());
      benchmark::DoNotOptimize(frame.data());
    }
}

}  // namespace

BENCHMARK(BM_StftMagnitude)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpectralCentroid)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpectralRolloff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZeroCrossingRate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rms)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpectralContrast)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ContrastSelectTiles)->Arg(-1)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EstimateTuning)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChromaStftKnownTuning)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChromaStft)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChromaMeansFromTiles)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AllSpectralFeatures)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PowerToDbLibm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PowerToDb)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Complex64Abs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WindowFrame)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
