// `analyze` of a 3-minute MP3, end to end, and where the time goes (decode, genre set, app
// technique set, mix set, EBU R128 ours vs libebur128, the models). Run on one core:
//   taskset -c 0 build/bench/bench_analyze --benchmark_min_time=1
// The MP3 (44.1 kHz stereo, the first 180 s of a real recording in shared/data/real-audio) and
// random-weight models of the trained sizes are made in a temporary folder at start-up.
#include <benchmark/benchmark.h>
#include <ebur128.h>
#include <sndfile.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "echoelml/analysis/analyze.h"
#include "echoelml/io/audio.h"
#include "echoelml/features/mix_stream.h"
#include "echoelml/features/sets.h"
#include "echoelml/io/loudness.h"
#include "echoelml/io/reader.h"
#include "echoelml/runtime/model_file.h"

namespace {

namespace fs = std::filesystem;
using namespace echoelml;

// The song and the models live in a per-process folder, removed when the benchmark exits.
struct WorkDir {
  fs::path path = fs::temp_directory_path() / ("echoelml_bench_analyze_" + std::to_string(::getpid()));
  WorkDir() { fs::create_directories(path / "models"); }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const fs::path& work_dir() {
  static const WorkDir d;
  return d.path;
}

// 180 s of a 44.1 kHz stereo recording, encoded by libsndfile's MP3 writer (LAME).
const fs::path& mp3_path() {
  static const fs::path p = [] {
    const fs::path src = fs::path(ECHOELML_SHARED_DIR) / "data" / "real-audio" / "audio" /
                         "13_wesnoth-1.16-music__journeys_end.ogg";
    const io::AudioBuffer a = io::load(src, {.sr = 0.0, .mono = false, .duration = 180.0});
    const fs::path out = work_dir() / "song3min.mp3";
    SF_INFO info{};
    info.samplerate = static_cast<int>(a.sr);
    info.channels = static_cast<int>(a.channels);
    info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    SNDFILE* f = sf_open(out.c_str(), SFM_WRITE, &info);
    if (f == nullptr) throw std::runtime_error("cannot write " + out.string() + ": " + sf_strerror(nullptr));
    std::vector<float> inter(a.frames * a.channels);
    for (std::size_t i = 0; i < a.frames; ++i)
      for (std::size_t c = 0; c < a.channels; ++c) inter[i * a.channels + c] = a.data[c * a.frames + i];
    sf_writef_float(f, inter.data(), static_cast<sf_count_t>(a.frames));
    sf_close(f);
    return out;
  }();
  return p;
}

runtime::Layer dense(std::mt19937& rng, const std::string& name, const std::string& in, const std::string& out,
                     std::int64_t n_in, std::int64_t n_out, runtime::Activation act) {
  std::normal_distribution<float> g(0.0f, 0.05f);
  runtime::Tensor w{{n_out, n_in}, std::vector<float>(static_cast<std::size_t>(n_in * n_out))}, b{{n_out}, std::vector<float>(static_cast<std::size_t>(n_out))};
  for (auto& v : w.values) v = g(rng);
  return {runtime::LayerKind::Dense, name, {in}, out, act, {w, b}, 0, 0};
}

// Random weights with the trained architectures (train/models.cpp): the timing is the same.
const fs::path& models_dir() {
  static const fs::path d = [] {
    std::mt19937 rng(1);
    using runtime::Activation;
    const fs::path dir = work_dir() / "models";
    runtime::ModelSpec g;
    g.name = "GenreClassifier";
    g.inputs = {{"features", {32}, ""}};
    g.layers = {dense(rng, "d1", "features", "h1", 32, 256, Activation::Relu), dense(rng, "d2", "h1", "h2", 256, 128, Activation::Relu),
                dense(rng, "d3", "h2", "h3", 128, 64, Activation::Relu), dense(rng, "lg", "h3", "lg", 64, 8, Activation::Linear),
                {runtime::LayerKind::Softmax, "sm", {"lg"}, "genre_probs", Activation::Linear, {}, 0, 0},
                dense(rng, "cf", "h3", "confidence", 64, 1, Activation::Sigmoid)};
    g.outputs = {{"genre_probs", {8}, ""}, {"confidence", {1}, ""}};
    runtime::save_model_spec(g, dir / "GenreClassifier.espec");
    runtime::ModelSpec t;
    t.name = "TechniqueRecognizerApp";
    t.inputs = {{"features", {4}, ""}};
    t.layers = {dense(rng, "d1", "features", "h1", 4, 128, Activation::Relu), dense(rng, "d2", "h1", "h2", 128, 64, Activation::Relu),
                dense(rng, "t", "h2", "techniques", 64, 20, Activation::Sigmoid)};
    t.outputs = {{"techniques", {20}, ""}};
    runtime::save_model_spec(t, dir / "TechniqueRecognizerApp.espec");
    runtime::ModelSpec m;
    m.name = "MixAnalyzer";
    m.inputs = {{"spectrum", {1024}, ""}};
    m.layers = {dense(rng, "d1", "spectrum", "h1", 1024, 512, Activation::Relu), dense(rng, "d2", "h1", "h2", 512, 256, Activation::Relu),
                dense(rng, "d3", "h2", "h3", 256, 128, Activation::Relu), dense(rng, "fb", "h3", "freq_balance", 128, 6, Activation::Sigmoid),
                dense(rng, "lv", "h3", "levels", 128, 4, Activation::Linear)};
    m.outputs = {{"freq_balance", {6}, ""}, {"levels", {4}, ""}};
    runtime::save_model_spec(m, dir / "MixAnalyzer.espec");
    return dir;
  }();
  return d;
}

void BM_AnalyzeMp3ThreeMinutes(benchmark::State& state) {
  const auto song = mp3_path();
  const auto dir = models_dir();
  for (auto _ : state) {
    const auto models = analysis::ModelSet::load(dir);
    auto a = analysis::analyze_song(song, models, nullptr);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_AnalyzeMp3ThreeMinutes)->Unit(benchmark::kMillisecond);

// The same song with the technique and mix sections limited to the genre's 30 s window
// (`analyze --max-seconds 30`): decoding stops after 30 s.
void BM_AnalyzeMp3First30s(benchmark::State& state) {
  const auto song = mp3_path();
  const auto dir = models_dir();
  for (auto _ : state) {
    const auto models = analysis::ModelSet::load(dir);
    auto a = analysis::analyze_song(song, models, nullptr, {.max_seconds = 30.0});
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_AnalyzeMp3First30s)->Unit(benchmark::kMillisecond);

// analyze's feature work without the models, two ways: the whole song decoded into one buffer
// and then the genre, app technique and mix sets (analyze before streaming), and the streamed
// pass analyze runs now (each 16384-frame block feeds every set while it is in cache).
void BM_SetsWholeBuffer3min(benchmark::State& state) {
  for (auto _ : state) {
    const io::AudioBuffer a = io::load(mp3_path(), {.sr = 0.0, .mono = false});
    std::vector<float> mono(std::min<std::size_t>(a.frames, 30 * 44100));
    for (std::size_t i = 0; i < mono.size(); ++i) mono[i] = (a.data[i] + a.data[a.frames + i]) / 2.0f;
    benchmark::DoNotOptimize(features::genre_features(mono));
    benchmark::DoNotOptimize(features::app_and_mix_features(a));
  }
}
BENCHMARK(BM_SetsWholeBuffer3min)->Unit(benchmark::kMillisecond);

void BM_SetsStreamed3min(benchmark::State& state) {
  for (auto _ : state) {
    io::AudioReader r(mp3_path());
    features::MixStream sets(2);
    std::vector<float> block(16384 * 2), mono;
    mono.reserve(30 * 44100);
    while (const std::size_t n = r.read(block.data(), 16384)) {
      for (std::size_t i = 0; i < n && mono.size() < 30 * 44100; ++i) mono.push_back((block[2 * i] + block[2 * i + 1]) / 2.0f);
      sets.add_interleaved(block.data(), n);
    }
    benchmark::DoNotOptimize(features::genre_features(mono));
    benchmark::DoNotOptimize(sets.finish());
  }
}
BENCHMARK(BM_SetsStreamed3min)->Unit(benchmark::kMillisecond);

// Opening the MP3 and reading its header (analyze does it once more than the decode).
void BM_ProbeMp3(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::probe(mp3_path()));
}
BENCHMARK(BM_ProbeMp3)->Unit(benchmark::kMillisecond);

void BM_DecodeMp3Full(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::load(mp3_path(), {.sr = 0.0, .mono = false}));
}
BENCHMARK(BM_DecodeMp3Full)->Unit(benchmark::kMillisecond);

void BM_DecodeMp3First30s(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::load(mp3_path(), {.sr = 0.0, .mono = false, .duration = 30.0}));
}
BENCHMARK(BM_DecodeMp3First30s)->Unit(benchmark::kMillisecond);

const io::AudioBuffer& decoded() {
  static const io::AudioBuffer a = io::load(mp3_path(), {.sr = 0.0, .mono = false});
  return a;
}

void BM_GenreSet30s(benchmark::State& state) {
  const auto& a = decoded();
  std::vector<float> mono(static_cast<std::size_t>(30 * 44100));
  for (std::size_t i = 0; i < mono.size(); ++i) mono[i] = (a.data[i] + a.data[a.frames + i]) / 2.0f;
  for (auto _ : state) benchmark::DoNotOptimize(features::genre_features(mono));
}
BENCHMARK(BM_GenreSet30s)->Unit(benchmark::kMillisecond);

void BM_AppTechniqueSet3min(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::app_technique_features(decoded()));
}
BENCHMARK(BM_AppTechniqueSet3min)->Unit(benchmark::kMillisecond);

void BM_MixSet3min(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(features::mix_features(decoded()));
}
BENCHMARK(BM_MixSet3min)->Unit(benchmark::kMillisecond);

void BM_LoudnessOurs3min(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::measure_loudness(decoded()));
}
BENCHMARK(BM_LoudnessOurs3min)->Unit(benchmark::kMillisecond);

// libebur128 with the same measurements (I, S every 100 ms for the LRA, sample and true peak).
void BM_LoudnessLibebur128_3min(benchmark::State& state) {
  const auto& a = decoded();
  const std::size_t hop = 4410;
  std::vector<float> block(hop * 2);
  for (auto _ : state) {
    ebur128_state* st = ebur128_init(2, 44100, EBUR128_MODE_I | EBUR128_MODE_S | EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_TRUE_PEAK);
    double acc = 0;
    for (std::size_t pos = 0; pos < a.frames; pos += hop) {
      const std::size_t n = std::min(hop, a.frames - pos);
      for (std::size_t i = 0; i < n; ++i) block[2 * i] = a.data[pos + i], block[2 * i + 1] = a.data[a.frames + pos + i];
      ebur128_add_frames_float(st, block.data(), n);
      double s = 0;
      if (pos >= 30 * hop && ebur128_loudness_shortterm(st, &s) == EBUR128_SUCCESS) acc += s;
    }
    double i = 0, tp = 0;
    ebur128_loudness_global(st, &i);
    ebur128_true_peak(st, 0, &tp);
    benchmark::DoNotOptimize(acc + i + tp);
    ebur128_destroy(&st);
  }
}
BENCHMARK(BM_LoudnessLibebur128_3min)->Unit(benchmark::kMillisecond);

void BM_ModelsPredict(benchmark::State& state) {
  const auto models = analysis::ModelSet::load(models_dir());
  const auto mix = features::mix_features(decoded());
  features::GenreFeatures g;
  for (auto _ : state) {
    benchmark::DoNotOptimize(models.predict_genre(g));
    benchmark::DoNotOptimize(models.predict_techniques(std::vector<float>(4, 0.1f)));
    benchmark::DoNotOptimize(models.predict_mix(mix));
  }
}
BENCHMARK(BM_ModelsPredict)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
