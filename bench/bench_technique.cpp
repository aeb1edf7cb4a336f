// Where the technique set's time goes, single thread, on the same 30 s clip as
// bench_features (audio already loaded): the streaming STFT/onset/HPSS pass, the lag-limited
// autocorrelation, and HPSS's two 31-tap median filters on a (1025, 2584) magnitude.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "echoelml/dsp/median_filter.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/autocorr.h"
#include "bench_clip.h"
#include "echoelml/io/audio.h"
#include "features/technique_stream.h"

namespace {

using echoelml::bench::clip_mono;

void BM_TechniqueSpectralPass30s(benchmark::State& state) {
  const auto& y = clip_mono();
  for (auto _ : state)
    benchmark::DoNotOptimize(echoelml::features::detail::technique_spectral_pass(y.data, 44100.0));
}
BENCHMARK(BM_TechniqueSpectralPass30s)->Unit(benchmark::kMillisecond);

void BM_TemporalModulation30s(benchmark::State& state) {
  const auto& y = clip_mono();
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::features::temporal_modulation(y.data, 44100.0));
}
BENCHMARK(BM_TemporalModulation30s)->Unit(benchmark::kMillisecond);

void BM_HpssMedianFilters30s(benchmark::State& state) {
  static const auto S = echoelml::dsp::stft_magnitude(clip_mono().data);
  for (auto _ : state) {
    benchmark::DoNotOptimize(echoelml::dsp::median_filter(S, 31, echoelml::dsp::FilterAxis::Rows));
    benchmark::DoNotOptimize(echoelml::dsp::median_filter(S, 31, echoelml::dsp::FilterAxis::Cols));
  }
}
BENCHMARK(BM_HpssMedianFilters30s)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
