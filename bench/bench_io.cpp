// Audio I/O speed and memory. Run: build/bench/bench_io --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true ; results go to docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "echoelml/io/audio.h"
#include "echoelml/io/loudness.h"

namespace {

namespace fs = std::filesystem;
namespace io = echoelml::io;

const fs::path kShared = ECHOELML_SHARED_DIR;
const fs::path kMp3 = kShared / "data/real-audio/audio/24_asc-music__machine_wars.mp3";  // 22.05 kHz stereo
const fs::path kWav = kShared / "golden/librosa/wav/synth_song_32s.wav";                // 44.1 kHz stereo PCM-16

// librosa.load(mp3, sr=44100, duration=30): MP3 decode + downmix + soxr_hq 22.05 -> 44.1 kHz.
void BM_LoadMp3_30s_To44kMono(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::load(kMp3, {.duration = 30.0}).data.data());
  state.SetLabel("22.05k stereo MP3 -> 44.1k mono");
}
BENCHMARK(BM_LoadMp3_30s_To44kMono)->Unit(benchmark::kMillisecond);

// The decode part alone (native rate, both channels).
void BM_DecodeMp3_30s_Native(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(io::load(kMp3, {.sr = 0.0, .mono = false, .duration = 30.0}).data.data());
}
BENCHMARK(BM_DecodeMp3_30s_Native)->Unit(benchmark::kMillisecond);

// The resampling part alone: 30 s mono 22.05 -> 44.1 kHz.
void BM_Resample_30s_22kTo44k(benchmark::State& state) {
  const auto y = io::load(kMp3, {.sr = 0.0, .duration = 30.0});
  for (auto _ : state) benchmark::DoNotOptimize(io::resample(y.data, 22050.0, 44100.0).data());
}
BENCHMARK(BM_Resample_30s_22kTo44k)->Unit(benchmark::kMillisecond);

// librosa.load(wav, sr=44100, duration=30) of a 44.1 kHz stereo PCM-16 WAV (no resampling).
void BM_LoadWav_30s_44kMono(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::load(kWav, {.duration = 30.0}).data.data());
}
BENCHMARK(BM_LoadWav_30s_44kMono)->Unit(benchmark::kMillisecond);

void BM_Loudness_30s_Stereo44k(benchmark::State& state) {
  const auto a = io::load(kWav, {.sr = 0.0, .mono = false, .duration = 30.0});
  for (auto _ : state) benchmark::DoNotOptimize(io::measure_loudness(a).integrated_lufs);
}
BENCHMARK(BM_Loudness_30s_Stereo44k)->Unit(benchmark::kMillisecond);

// Peak memory: VmHWM is reset (clear_refs "5") before each load, so the counter is the load's
// own high-water mark above the resident set it started from.
long status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string k;
  long v = 0;
  while (in >> k) {
    if (k == key) {
      in >> v;
      return v;
    }
    in.ignore(1 << 12, '\n');
  }
  return -1;
}

const fs::path& ten_minute_wav() {
  static const fs::path p = [] {
    const std::size_t frames = 44100 * 600;
    io::AudioBuffer a{.sr = 44100.0, .channels = 2, .frames = frames, .data = std::vector<float>(2 * frames)};
    for (std::size_t i = 0; i < frames; ++i) {
      a.data[i] = static_cast<float>(0.3 * std::sin(0.0627 * static_cast<double>(i)));
      a.data[frames + i] = static_cast<float>(0.3 * std::sin(0.0411 * static_cast<double>(i)));
    }
    fs::path out = fs::temp_directory_path() / ("echoelml_bench_10min_" + std::to_string(::getpid()) + ".wav");
    io::write_wav(out, a);
    return out;
  }();
  return p;
}

// Arg: 0 = mono 44.1k (the genre/technique load), 1 = stereo 44.1k, 2 = stereo resampled to 48k.
void BM_PeakRss_Load10MinStereo(benchmark::State& state) {
  const auto& path = ten_minute_wav();
  io::LoadParams p;
  if (state.range(0) >= 1) p.mono = false;
  if (state.range(0) == 2) p.sr = 48000.0;
  const double decoded_mb = 44100.0 * 600 * 2 * sizeof(float) / 1048576.0;
  double peak_mb = 0;
  for (auto _ : state) {
    std::ofstream("/proc/self/clear_refs") << "5";
    const long before = status_kb("VmRSS:");
    {
      auto a = io::load(path, p);
      benchmark::DoNotOptimize(a.data.data());
    }
    peak_mb = std::max(peak_mb, (status_kb("VmHWM:") - before) / 1024.0);
  }
  state.counters["decoded_MB"] = decoded_mb;
  state.counters["peak_extra_MB"] = peak_mb;
  state.counters["ratio"] = peak_mb / decoded_mb;
}
BENCHMARK(BM_PeakRss_Load10MinStereo)->Arg(0)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove(fs::temp_directory_path() / ("echoelml_bench_10min_" + std::to_string(::getpid()) + ".wav"), ec);
  return 0;
}
