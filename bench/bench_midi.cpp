// MIDI parse speed on real files: one Groove MIDI drum performance and one Freedoom GM song
// (from memory, so disk I/O is not measured), plus serialisation and the pattern statistics.
// Run: build/bench/bench_midi (results go to docs/benchmarks.md with the command line).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "echoelml/midi/midi.h"
#include "echoelml/midi/pattern.h"

namespace {

namespace fs = std::filesystem;
using echoelml::midi::MidiFile;

const fs::path kShared = ECHOELML_SHARED_DIR;
// 86.7 s funk groove, 1 track; and a 9-track GM arrangement (format 1).
const fs::path kGroove = kShared / "data/groove-midi/drummer1/session1/1_funk_80_beat_4-4.mid";
const fs::path kFreedoom = kShared / "data/freedoom-midi/freedoom1_D_E1M1.mid";

std::vector<std::uint8_t> load(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void parse_file(benchmark::State& state, const fs::path& path) {
  const auto bytes = load(path);
  if (bytes.empty()) {
    state.SkipWithError(("cannot read " + path.string()).c_str());
    return;
  }
  std::size_t notes = 0;
  for (auto _ : state) {
    MidiFile m = echoelml::midi::parse_midi(bytes, path);
    notes = m.notes.size();
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["notes"] = static_cast<double>(notes);
  state.counters["notes/s"] = benchmark::Counter(static_cast<double>(notes * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_ParseGrooveMidi(benchmark::State& state) { parse_file(state, kGroove); }
void BM_ParseFreedoomMidi(benchmark::State& state) { parse_file(state, kFreedoom); }

void BM_SerializeFreedoomMidi(benchmark::State& state) {
  const MidiFile m = echoelml::midi::read_midi(kFreedoom);
  for (auto _ : state) benchmark::DoNotOptimize(echoelml::midi::serialize_midi(m));
}

void BM_PatternStatsGroove(benchmark::State& state) {
  const MidiFile m = echoelml::midi::read_midi(kGroove);
  for (auto _ : state) {
    benchmark::DoNotOptimize(echoelml::midi::estimate_pattern_stats(m));
    benchmark::DoNotOptimize(echoelml::midi::prepare_pattern(m));
  }
}

BENCHMARK(BM_ParseGrooveMidi)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseFreedoomMidi)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SerializeFreedoomMidi)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PatternStatsGroove)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
