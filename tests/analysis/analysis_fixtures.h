// Shared helpers for the analysis tests: synthetic songs written as WAV, and model folders of
// small hand-made ModelSpecs (tests/export/spec_fixtures.h shapes) as .espec or Core ML files.
#pragma once

#include <cmath>
#include <filesystem>
#include <numbers>
#include <random>
#include <string>

#include "echoelml/export/coreml.h"
#include "echoelml/io/audio.h"
#include "echoelml/runtime/model_file.h"
#include "export/spec_fixtures.h"
#include "support/shared_data.h"

namespace echoelml::test {

/// A song-like stereo signal: a 55 Hz bass pulsing at 120 BPM, a 440 Hz tone panned left, noise hats every 1/8
/// s. `level` scales everything; channels = 1 gives the mono mix.
inline io::AudioBuffer song(double seconds, std::size_t channels = 2, double level = 0.3, double sr = 44100.0,
                            unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const auto n = static_cast<std::size_t>(seconds * sr);
  io::AudioBuffer a{.sr = sr, .channels = channels, .frames = n, .data = std::vector<float>(channels * n)};
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / sr;
    const double kick = 0.3 + 0.7 * std::exp(-20.0 * std::fmod(t, 0.5));  // a beat every 0.5 s (120 BPM)
    const double bass = 0.6 * kick * std::sin(2 * std::numbers::pi * 55.0 * t);
    const double tone = 0.3 * std::sin(2 * std::numbers::pi * 440.0 * t);
    const double hat = std::fmod(t, 0.125) < 0.01 ? 0.2 * g(rng) : 0.0;
    if (channels == 1) {
      a.data[i] = static_cast<float>(level * (bass + 0.5 * tone + hat));
    } else {
      a.data[i] = static_cast<float>(level * (bass + tone + hat));
      a.data[n + i] = static_cast<float>(level * (bass + 0.2 * tone - hat));
      for (std::size_t c = 2; c < channels; ++c) a.data[c * n + i] = a.data[i];
    }
  }
  return a;
}

inline std::filesystem::path write_song(const std::filesystem::path& path, const io::AudioBuffer& a) {
  io::write_wav(path, a, io::WavSubtype::Float32);
  return path;
}

/// A GenreClassifier whose answer is known: logit[Hip-Hop] = 0.01 * tempo, all others 0, so
/// p(Hip-Hop) = e^(0.01 t) / (e^(0.01 t) + 7) and confidence = sigmoid(0) = 0.5.
inline runtime::ModelSpec tempo_genre_spec() {
  runtime::ModelSpec s;
  s.name = "GenreClassifier";
  s.inputs = {{"features", {32}, ""}};
  runtime::Tensor w{{8, 32}, std::vector<float>(8 * 32, 0.0f)}, b{{8}, std::vector<float>(8, 0.0f)};
  w.values[3 * 32 + 0] = 0.01f;
  runtime::Tensor wc{{1, 32}, std::vector<float>(32, 0.0f)}, bc{{1}, {0.0f}};
  s.layers = {{runtime::LayerKind::Dense, "logits", {"features"}, "logits", runtime::Activation::Linear, {w, b}, 0, 0},
              {runtime::LayerKind::Softmax, "probs", {"logits"}, "genre_probs", runtime::Activation::Linear, {}, 0, 0},
              {runtime::LayerKind::Dense, "conf", {"features"}, "confidence", runtime::Activation::Sigmoid, {wc, bc}, 0, 0}};
  s.outputs = {{"genre_probs", {8}, ""}, {"confidence", {1}, ""}};
  return s;
}

/// Writes GenreClassifier (the tempo model), TechniqueRecognizerApp, MixAnalyzer and
/// PatternGenerator (spec_fixtures.h, random weights) as .espec files into dir.
inline void write_espec_models(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  runtime::save_model_spec(tempo_genre_spec(), dir / "GenreClassifier.espec");
  auto t = technique_spec(11);
  t.name = "TechniqueRecognizerApp";
  runtime::save_model_spec(t, dir / "TechniqueRecognizerApp.espec");
  runtime::save_model_spec(mix_spec(12), dir / "MixAnalyzer.espec");
  runtime::save_model_spec(pattern_spec(13), dir / "PatternGenerator.espec");
}

/// The same four models exported as Core ML (.mlmodel, the given layout) into dir.
inline void write_coreml_models(const std::filesystem::path& dir, exporter::CoreMLLayout layout) {
  std::filesystem::create_directories(dir);
  exporter::CoreMLOptions o;
  o.layout = layout;
  exporter::export_coreml(tempo_genre_spec(), dir / "GenreClassifier.mlmodel", o);
  exporter::export_coreml(technique_spec(11), dir / "TechniqueRecognizer.mlmodel", o);
  exporter::export_coreml(mix_spec(12), dir / "MixAnalyzer.mlmodel", o);
  exporter::export_coreml(pattern_spec(13), dir / "PatternGenerator.mlmodel", o);
}

}  // namespace echoelml::test
