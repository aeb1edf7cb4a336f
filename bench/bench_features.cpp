// The guide's feature sets on the golden 30 s clip (synth_song_32s), single thread, audio
// already loaded: the figures docs/benchmarks.md compares with librosa (0.88 s genre set,
// 2.9 s technique set on this kind of machine).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "echoelml/features/sets.h"
#include "echoelml/io/audio.h"

namespace {

const std::filesystem::path kClip =
    std::filesystem::path(ECHOELML_SHARED_DIR) / "golden/librosa/wav/synth_song_32s.wav";

const echoelml::io::AudioBuffer& clip_mono() {
  static const auto a = echoelml::io::load(kClip, {.sr = 44100.0, .mono = true, .duration = 30.0});
  return a;
}
const echoelml::io::AudioBuffer& clip_stereo() {
  static const auto a = echoelml::io::load(kClip, {.sr = 44100.0, .mono = false, .duration = 30.0});
  return a;
}

void BM_GenreSet30s(benchmark::State& state) {
  const auto& y = clip_mono();
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::features::genre_features(y.data));
}
BENCHMARK(BM_GenreSet30s)->Unit(benchmark::kMillisecond);

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
