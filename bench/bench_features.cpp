// The guide's feature sets on the golden 30 s clip (synth_song_32s), single thread, audio
// already loaded: the figures docs/benchmarks.md compares with librosa (0.88 s genre set,
// 2.9 s technique set on this kind of machine).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <numeric>

#include "echoelml/features/beat.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/onset.h"
#include "echoelml/features/sets.h"
#include "echoelml/features/spectral.h"
#include "bench_clip.h"
#include "echoelml/io/audio.h"

namespace {

using echoelml::bench::clip_mono;
using echoelml::bench::clip_stereo;

void BM_GenreSet30s(benchmark::State& state) {
  const auto& y = clip_mono();
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::features::genre_features(y.data));
}
BENCHMARK(BM_GenreSet30s)->Unit(benchmark::kMillisecond);

// The same 32 values composed from the public per-feature functions, as the genre set was
// computed before its fused pass (one shared |STFT| matrix, then one function per feature):
// the side-by-side reference for BM_GenreSet30s.
void BM_GenreSet30sPerFeature(benchmark::State& state) {
  using namespace echoelml;
  using namespace echoelml::features;
  const auto& y = clip_mono().data;
  const double sr = kAnalysisSr;
  auto mean = [](auto v) {
    double a = 0;
    for (auto x : v) a += static_cast<double>(x);
    return v.empty() ? 0.0 : a / static_cast<double>(v.size());
  };
  for (auto _ : state) {
    GenreFeatures f;
    const Matrix S = dsp::stft_magnitude(y);
    const Matrix P = dsp::square(S);
    const Matrix mel = melspectrogram(P, dsp::MelParams{.sr = sr});
    const auto mfcc = mfcc_from_mel_db(power_to_db(mel), {.n_mfcc = 13});
    for (int c = 0; c < 13; ++c) f.mfcc[c] = mean(mfcc.row(c));
    OnsetStrengthParams onset{};
    onset.mel.mel.sr = sr;
    onset.aggregate = OnsetAggregate::Median;
    BeatTrackParams beat{};
    beat.tempo.sr = sr;
    f.tempo = beat_track(onset_strength_from_mel(mel, onset), beat).tempo;
    f.spectral_centroid = mean(std::span<const double>(spectral_centroid(S, sr)));
    f.spectral_rolloff = mean(std::span<const double>(spectral_rolloff(S, {.sr = sr})));
    f.zero_crossing_rate = mean(std::span<const double>(zero_crossing_rate(y)));
    f.rms = mean(std::span<const float>(rms(y)));
    f.chroma_tuning = estimate_tuning(P, sr);
    const auto chroma = chroma_stft(P, ChromaParams{.sr = sr, .tuning = f.chroma_tuning});
    for (int c = 0; c < 12; ++c) f.chroma[c] = mean(chroma.row(c));
    const auto contrast = spectral_contrast(S, ContrastParams{.sr = sr});
    f.spectral_contrast = mean(std::span<const double>(contrast.data));
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_GenreSet30sPerFeature)->Unit(benchmark::kMillisecond);

void BM_TechniqueSet30s(benchmark::State& state) {
  const auto& y = clip_mono();
  const auto& st = clip_stereo();
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::features::technique_features(y, &st));
}
BENCHMARK(BM_TechniqueSet30s)->Unit(benchmark::kMillisecond);

void BM_AppTechniqueSet30s(benchmark::State& state) {
  const auto& st = clip_stereo();
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::features::app_technique_features(st));
}
BENCHMARK(BM_AppTechniqueSet30s)->Unit(benchmark::kMillisecond);

void BM_MixSet30s(benchmark::State& state) {
  const auto& st = clip_stereo();
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::features::mix_features(st));
}
BENCHMARK(BM_MixSet30s)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
