// Rhythm and decomposition features on the first 30 s of synth_song_32s (the golden set's
// realistic clip), single thread. Run: build/bench/bench_rhythm. Results go to
// docs/benchmarks.md with the machine they came from.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <vector>

#include <sndfile.h>

#include "echoelml/features/autocorr.h"
#include "echoelml/features/beat.h"
#include "echoelml/features/hpss.h"
#include "echoelml/features/onset.h"
#include "features/tempogram_sliding.h"

using namespace echoelml;

namespace {
// First 30 s of the clip, downmixed (L+R)/2 in float32 as librosa.load does.
const std::vector<float>& clip() {
  static const std::vector<float> y = [] {
    const auto path = std::filesystem::path(ECHOELML_SHARED_DIR) / "golden/librosa/wav/synth_song_32s.wav";
    SF_INFO info{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
    if (!f) throw std::runtime_error(path.string() + ": cannot open");
    const sf_count_t frames = std::min<sf_count_t>(info.frames, 30 * 44100);
    std::vector<float> inter(static_cast<std::size_t>(frames * info.channels));
    sf_readf_float(f, inter.data(), frames);
    sf_close(f);
    std::vector<float> mono(static_cast<std::size_t>(frames));
    for (sf_count_t i = 0; i < frames; ++i) {
      float s = 0.0f;
      for (int c = 0; c < info.channels; ++c) s += inter[static_cast<std::size_t>(i * info.channels + c)];
      mono[static_cast<std::size_t>(i)] = s / static_cast<float>(info.channels);
    }
    return mono;
  }();
  return y;
}

features::OnsetStrengthParams onset_params() {
  features::OnsetStrengthParams p;
  p.mel.mel.sr = 44100.0;
  p.aggregate = features::OnsetAggregate::Median;
  return p;
}

const std::vector<float>& median_envelope() {
  static const auto env = features::onset_strength(clip(), onset_params());
  return env;
}

features::BeatTrackParams beat_params() {
  features::BeatTrackParams p;
  p.tempo.sr = 44100.0;
  return p;
}
}  // namespace

static void BM_OnsetStrength(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::onset_strength(clip(), onset_params()));
}
BENCHMARK(BM_OnsetStrength)->Unit(benchmark::kMillisecond);

static void BM_OnsetFromMel(benchmark::State& state) {
  const auto M = features::melspectrogram(clip(), onset_params().mel);
  for (auto _ : state) benchmark::DoNotOptimize(features::onset_strength_both(M, onset_params()));
}
BENCHMARK(BM_OnsetFromMel)->Unit(benchmark::kMillisecond);

static void BM_Tempo(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::tempo(median_envelope(), beat_params().tempo));
}
BENCHMARK(BM_Tempo)->Unit(benchmark::kMillisecond);

// The sliding-DFT tempogram alone with its SSE2 kernels (BM_Tempo runs the AVX2 ones).
static void BM_TempogramSse2(benchmark::State& state) {
  features::detail::SlidingOptions opt;
  opt.avx2 = false;
  for (auto _ : state)
    benchmark::DoNotOptimize(features::detail::tempogram_mean_sliding(median_envelope(), 689, opt));
}
BENCHMARK(BM_TempogramSse2)->Unit(benchmark::kMillisecond);

static void BM_TempogramReference(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::tempogram_mean_reference(median_envelope(), 689));
}
BENCHMARK(BM_TempogramReference)->Unit(benchmark::kMillisecond);

static void BM_BeatTrack(benchmark::State& state) {  // includes tempo estimation
  for (auto _ : state) benchmark::DoNotOptimize(features::beat_track(median_envelope(), beat_params()));
}
BENCHMARK(BM_BeatTrack)->Unit(benchmark::kMillisecond);

static void BM_HpssHarmonic(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::hpss_harmonic(clip()));
}
BENCHMARK(BM_HpssHarmonic)->Unit(benchmark::kMillisecond);

static void BM_HpssMedianFilters(benchmark::State& state) {
  const auto S = dsp::stft_magnitude(clip());
  for (auto _ : state) benchmark::DoNotOptimize(features::hpss_masks(S));
}
BENCHMARK(BM_HpssMedianFilters)->Unit(benchmark::kMillisecond);

static void BM_Autocorrelate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::temporal_modulation(clip(), 44100.0));
}
BENCHMARK(BM_Autocorrelate)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
