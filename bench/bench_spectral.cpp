// Spectral features on the first 30 s of shared/golden/librosa/wav/synth_song_32s.wav (mono
// mean, 44.1 kHz, 2584 frames), single thread, from a precomputed |STFT| (and power for
// chroma), as the genre set computes them. The STFT itself is timed for scale.
// Run: build/bench/bench_spectral [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <filesystem>

#include "echoelml/dsp/stft.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/spectral.h"
#include "echoelml/io/audio.h"

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

}  // namespace

BENCHMARK(BM_StftMagnitude)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpectralCentroid)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpectralRolloff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZeroCrossingRate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rms)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpectralContrast)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EstimateTuning)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChromaStftKnownTuning)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChromaStft)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AllSpectralFeatures)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
