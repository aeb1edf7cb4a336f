// Where the technique set's time goes, single thread, on the same 30 s clip as
// bench_features (audio already loaded): the streaming STFT/onset/HPSS pass, the lag-limited
// autocorrelation, and HPSS's two 31-tap median filters on a (1025, 2584) magnitude.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "echoelml/dsp/lane_median.h"
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

// The two lane-median kernels alone, in the technique stream's shapes on that magnitude: along
// frequency (median8, 8 frames interleaved, 1025 bins) and along time (median8_rows, chunks of
// 128 frames of 8 adjacent bins, rows from a ring of 162 frames as the stream keeps them).
void BM_HpssLaneMedians30s(benchmark::State& state) {
  static const auto S = echoelml::dsp::stft_magnitude(clip_mono().data);
  const std::size_t bins = S.rows, T = S.cols, stride = (bins + 7) / 8 * 8, ring = 162, chunk = 128;
  std::vector<float> mag(ring * stride, 0.0f), ext((bins + 30) * 8), res(bins * 8), H(chunk * stride);
  for (std::size_t r = 0; r < ring; ++r)
    for (std::size_t b = 0; b < bins; ++b) mag[r * stride + b] = S(b, r % T);
  for (std::size_t s = 0; s < bins + 30; ++s)
    for (std::size_t j = 0; j < 8; ++j) ext[s * 8 + j] = S(s < 15 ? 15 - s : s - 15 < bins ? s - 15 : 2 * bins - s + 13, j);
  std::vector<const float*> rows(T + 30);
  for (std::size_t s = 0; s < rows.size(); ++s) rows[s] = mag.data() + (s % ring) * stride;
  for (auto _ : state) {
    for (std::size_t g = 0; g < T; g += 8) echoelml::dsp::median8(ext.data(), bins, 31, res.data());
    for (std::size_t t0 = 0; t0 < T; t0 += chunk)
      for (std::size_t c = 0; c < stride; c += 8)
        echoelml::dsp::median8_rows(rows.data() + t0, c, std::min(chunk, T - t0), 31, H.data() + c, stride);
    benchmark::DoNotOptimize(res.data());
    benchmark::DoNotOptimize(H.data());
  }
}
BENCHMARK(BM_HpssLaneMedians30s)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
