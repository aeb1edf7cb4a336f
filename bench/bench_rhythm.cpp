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
#include "echoelml/dsp/stft.h"
#include "features/spectral_common.h"
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

// The sliding-DFT tempogram alone with its SSE2 kernels (BM_Tempo runs the AVX-512VL ones).
static void BM_TempogramSse2(benchmark::State& state) {
  features::detail::SlidingOptions opt;
  opt.avx2 = false;
  for (auto _ : state)
    benchmark::DoNotOptimize(features::detail::tempogram_mean_sliding(median_envelope(), 689, opt));
}
BENCHMARK(BM_TempogramSse2)->Unit(benchmark::kMillisecond);

// The same with the AVX2 kernels (CPUs without AVX-512VL).
static void BM_TempogramAvx2(benchmark::State& state) {
  features::detail::SlidingOptions opt;
  opt.avx512 = false;
  for (auto _ : state)
    benchmark::DoNotOptimize(features::detail::tempogram_mean_sliding(median_envelope(), 689, opt));
}
BENCHMARK(BM_TempogramAvx2)->Unit(benchmark::kMillisecond);

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

// ---- The genre set's stages after its STFT (genre_set.cpp), each with its old build where
// one is kept, so old and new run side by side in one binary.

namespace {
// |STFT|^2 of the clip in the genre set's tiles: tile i = (bins, kTileLanes) bin-major.
struct PowerTiles {
  std::vector<float> data;
  std::size_t K = 0, T = 0;
};
const PowerTiles& power_tiles() {
  static const PowerTiles t = [] {
    const Matrix S = dsp::stft_magnitude(clip());
    constexpr std::size_t L = features::detail::kTileLanes;
    PowerTiles p{{}, S.rows, S.cols};
    p.data.assign((p.T + L - 1) / L * p.K * L, 0.0f);
    for (std::size_t k = 0; k < p.K; ++k)
      for (std::size_t t = 0; t < p.T; ++t)
        p.data[(t / L) * p.K * L + k * L + t % L] = S(k, t) * S(k, t);
    return p;
  }();
  return t;
}
}  // namespace

// The chroma filterbank product and means from the genre set's power tiles. Arg: cold (1: the
// power is evicted from the caches first, as in the genre set, where it was written ~10 ms
// before and other buffers went through the caches since).
static void BM_ChromaMeansFromTiles(benchmark::State& state) {
  const auto& p = power_tiles();
  std::vector<float> evict(state.range(0) ? (64u << 20) / sizeof(float) : 0);
  for (auto _ : state) {
    if (!evict.empty()) {
      state.PauseTiming();
      for (std::size_t i = 0; i < evict.size(); i += 16) evict[i] += 1.0f;
      benchmark::ClobberMemory();
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(features::detail::chroma_means_from_tiles(
        p.data.data(), p.K, p.T, features::ChromaParams{.sr = 44100.0}, 0.0));
  }
}
BENCHMARK(BM_ChromaMeansFromTiles)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// check_audio + zero_crossing_rate + rms of the clip: the three passes the genre set made
// (old) and the fused pass (arg: avx2; clip_stats uses it on AVX2 machines).
static void BM_ClipStatsSeparate(benchmark::State& state) {
  const auto& y = clip();
  for (auto _ : state) {
    features::detail::check_audio(y, "bench");
    benchmark::DoNotOptimize(features::detail::zero_crossing_rate_checked(y));
    benchmark::DoNotOptimize(features::detail::rms_checked(y));
  }
}
BENCHMARK(BM_ClipStatsSeparate)->Unit(benchmark::kMillisecond);

static void BM_ClipStats(benchmark::State& state) {
  const auto& y = clip();
  for (auto _ : state)
    benchmark::DoNotOptimize(features::detail::clip_stats_fused(y, "bench", state.range(0) != 0));
}
BENCHMARK(BM_ClipStats)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
