// Throughput of the synthetic generator: items per second for short (5 s) clips on 1 and 2
// threads. One iteration = generate_dataset(per_genre=1): 32 items (24 rendered songs with
// their stems and effects, 8 MIDI patterns), written to a fresh temporary folder.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "echoelml/synth/synth.h"

namespace {

void BM_GenerateShortClips(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  std::size_t items = 0;
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto dir = std::filesystem::temp_directory_path() / ("echoelml-bench-synth-" + std::to_string(run++));
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
    echoelml::synth::SynthParams p;
    p.per_genre = 1;
    p.seed = 1;
    p.short_clips = true;
    p.threads = threads;
    p.quiet = true;
    const auto s = echoelml::synth::generate_dataset(dir, p);
    items += s.written;
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["items_per_s"] = benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GenerateShortClips)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
