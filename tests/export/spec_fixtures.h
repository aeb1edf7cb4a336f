// Random-weight ModelSpecs shaped like the four app models (small hidden sizes keep tests fast).
#pragma once

#include <random>

#include "echoelml/runtime/evaluate.h"

namespace echoelml::test {

using runtime::Activation;
using runtime::Layer;
using runtime::LayerKind;
using runtime::ModelSpec;
using runtime::Tensor;

inline Tensor random_tensor(std::mt19937& rng, std::vector<std::int64_t> shape, float scale = 0.5f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  Tensor t{shape, std::vector<float>(static_cast<std::size_t>(runtime::element_count(shape)))};
  for (auto& v : t.values) v = u(rng);
  return t;
}

inline Layer dense(std::mt19937& rng, const std::string& name, const std::string& in, const std::string& out,
                   std::int64_t n_in, std::int64_t n_out, Activation act) {
  return Layer{LayerKind::Dense, name, {in}, out, act,
               {random_tensor(rng, {n_out, n_in}), random_tensor(rng, {n_out}, 0.1f)}, 0, 0};
}

inline Layer standardize(std::mt19937& rng, const std::string& in, const std::string& out, std::int64_t n) {
  Tensor s = random_tensor(rng, {n}, 1.0f), b = random_tensor(rng, {n}, 1.0f);
  for (auto& v : s.values) v = 0.2f + std::abs(v);
  return Layer{LayerKind::Scale, "standardize", {in}, out, Activation::Linear, {s, b}, 0, 0};
}

inline ModelSpec genre_spec(unsigned seed, bool confidence_head) {
  std::mt19937 rng(seed);
  ModelSpec s;
  s.name = "GenreClassifier";
  s.inputs = {{"x", {32}, "features"}};
  s.layers = {standardize(rng, "x", "xs", 32), dense(rng, "fc1", "xs", "h1", 32, 16, Activation::Relu),
              dense(rng, "fc2", "h1", "logits", 16, 8, Activation::Linear),
              Layer{LayerKind::Softmax, "softmax", {"logits"}, "probs", Activation::Linear, {}, 0, 0}};
  s.outputs = {{"probs", {8}, "probabilities"}};
  if (confidence_head) {
    s.layers.push_back(dense(rng, "conf", "h1", "conf", 16, 1, Activation::Sigmoid));
    s.outputs.push_back({"conf", {1}, "confidence"});
  }
  s.metadata = {{"author", "test"}, {"version", "0.1"}};
  return s;
}

inline ModelSpec technique_spec(unsigned seed) {
  std::mt19937 rng(seed);
  ModelSpec s;
  s.name = "TechniqueRecognizer";
  s.inputs = {{"x", {4}, ""}};
  s.layers = {standardize(rng, "x", "xs", 4), dense(rng, "fc1", "xs", "h", 4, 12, Activation::Relu),
              dense(rng, "fc2", "h", "t", 12, 20, Activation::Sigmoid)};
  s.outputs = {{"t", {20}, ""}};
  return s;
}

inline ModelSpec pattern_spec(unsigned seed) {
  std::mt19937 rng(seed);
  const std::int64_t H = 6, D = 10;
  auto lstm = [&](const std::string& name, const std::string& in, const std::string& out, std::int64_t n_in) {
    return Layer{LayerKind::Lstm, name, {in}, out, Activation::Linear,
                 {random_tensor(rng, {4 * H, n_in}), random_tensor(rng, {4 * H, H}), random_tensor(rng, {4 * H}, 0.1f)}, 0,
                 static_cast<int>(H)};
  };
  ModelSpec s;
  s.name = "PatternGenerator";
  s.inputs = {{"x", {31}, ""}};
  s.layers = {standardize(rng, "x", "xs", 31), dense(rng, "fc", "xs", "h", 31, D, Activation::Relu),
              Layer{LayerKind::Repeat, "repeat", {"h"}, "seq", Activation::Linear, {}, 64, 0},
              lstm("lstm1", "seq", "l1", D), lstm("lstm2", "l1", "l2", H),
              dense(rng, "td", "l2", "n01", H, 4, Activation::Sigmoid),
              Layer{LayerKind::Scale, "to_midi", {"n01"}, "notes", Activation::Linear,
                    {Tensor{{4}, {127, 127, 16, 4}}, Tensor{{4}, {0, 0, 0, 0.05f}}}, 0, 0}};
  s.outputs = {{"notes", {64, 4}, ""}};
  return s;
}

inline ModelSpec mix_spec(unsigned seed) {
  std::mt19937 rng(seed);
  ModelSpec s;
  s.name = "MixAnalyzer";
  s.inputs = {{"spectrum", {1024}, ""}};
  s.layers = {dense(rng, "fc", "spectrum", "h", 1024, 8, Activation::Relu),
              dense(rng, "bands", "h", "fb", 8, 6, Activation::Sigmoid),
              dense(rng, "levels", "h", "lv", 8, 4, Activation::Linear)};
  s.outputs = {{"fb", {6}, ""}, {"lv", {4}, ""}};
  return s;
}

// The guide's 6-input TechniqueRecognizer, with the input_groups metadata training writes.
inline ModelSpec technique6_spec(unsigned seed) {
  std::mt19937 rng(seed);
  ModelSpec s;
  s.name = "TechniqueRecognizer";
  s.inputs = {{"features", {6}, ""}};
  s.layers = {standardize(rng, "features", "xs", 6), dense(rng, "fc1", "xs", "h", 6, 12, Activation::Relu),
              dense(rng, "techniques", "h", "techniques", 12, 20, Activation::Sigmoid)};
  s.outputs = {{"techniques", {20}, ""}};
  s.metadata["input_groups"] =
      "dynamic_range:1\nstereo_width:1\nspectrum_variance:1\ntemporal_modulation:1\ntransient_strength:1\nharmonic_ratio:1";
  return s;
}

// MixAnalyzer as training writes it: five heads, dynamic range scaled to dB by a Scale layer.
inline ModelSpec mix5_spec(unsigned seed) {
  std::mt19937 rng(seed);
  ModelSpec s;
  s.name = "MixAnalyzer";
  s.inputs = {{"spectrum", {1024}, ""}};
  // Glorot-uniform scale sqrt(6 / (1024 + 8)) as training initialises: +-0.5 weights over 1024
  // inputs would make hidden values (and their 8-bit error) far larger than a trained model's.
  Layer fc{LayerKind::Dense, "fc", {"spectrum"}, "h", Activation::Relu,
           {random_tensor(rng, {8, 1024}, 0.076f), random_tensor(rng, {8}, 0.1f)}, 0, 0};
  s.layers = {fc,
              dense(rng, "freq_balance", "h", "freq_balance", 8, 6, Activation::Sigmoid),
              dense(rng, "dynamic_range", "h", "dr_unit", 8, 1, Activation::Linear),
              Layer{LayerKind::Scale, "dynamic_range_scale", {"dr_unit"}, "dynamic_range", Activation::Linear,
                    {Tensor{{1}, {20}}, Tensor{{1}, {10}}}, 0, 0},
              dense(rng, "stereo_width", "h", "stereo_width", 8, 1, Activation::Sigmoid),
              dense(rng, "peak_level", "h", "peak_level", 8, 1, Activation::Sigmoid),
              dense(rng, "rms_level", "h", "rms_level", 8, 1, Activation::Sigmoid)};
  s.outputs = {{"freq_balance", {6}, ""}, {"dynamic_range", {1}, ""}, {"stereo_width", {1}, ""},
               {"peak_level", {1}, ""}, {"rms_level", {1}, ""}};
  return s;
}

}  // namespace echoelml::test
