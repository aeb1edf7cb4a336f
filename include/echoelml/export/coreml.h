// Core ML export of the four Echoelmusic models, plus a reader, validator and evaluator for
// the .mlmodel files echoelml writes (../shared/docs/app-contract.md, second half).
// protobuf stays inside src/export: nothing here exposes generated types.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/runtime/model_spec.h"

namespace echoelml::exporter {

enum class AppModel { GenreClassifier, TechniqueRecognizer, PatternGenerator, MixAnalyzer };
/// "GenreClassifier" ... ; parse accepts exactly those names, else ParameterError.
std::string_view to_string(AppModel m);
AppModel parse_app_model(std::string_view name);

/// App: the interface CoreMLModelManager really uses (Double scalars, FLOAT32 arrays, string
///      label + Double confidence, 20 Doubles named by raw value, notes [64,4]) as pipelines.
/// Guide: a plain neural network with MultiArray inputs (scalars as FLOAT32 [1]), named as the
///      app's features, and the ModelSpec's array outputs (genre [8], techniques [20], ...).
enum class CoreMLLayout { App, Guide };

struct UpdateOptions {
  std::int64_t epochs = 10;
  double learning_rate = 1e-3;
  std::int64_t mini_batch_size = 16;
  int updatable_dense_layers = 1;  // the last N dense layers become updatable
};

struct CoreMLOptions {
  CoreMLLayout layout = CoreMLLayout::App;
  std::optional<AppModel> model;  // default: parse_app_model(spec.name)
  bool quantize_8bit = false;     // linear per-output-channel 8-bit weights (spec >= 3)
  bool updatable = false;         // only where Core ML allows it (docs/export.md); else ParameterError
  UpdateOptions update{};
};

/// What the exporters expect of the ModelSpec (training produces it):
///  - GenreClassifier / TechniqueRecognizer / PatternGenerator: one rank-1 input holding the
///    features in training order; the order of the app's features is metadata["feature_order"]
///    (newline-separated app input names) or the default order of the contract
///    (Genre: 7 scalars tempo..spectral_contrast, mfcc 13, chroma 12 = 32;
///     Technique: dynamic_range, stereo_width, spectrum_variance, temporal_modulation = 4;
///     Pattern: genre 8, technique 20, tempo, bars, complexity = 31).
///    Standardisation must already be a Scale layer in the spec (callers send raw units).
///  - Genre outputs: probabilities [8] (first), optional confidence [1] (second; if absent the
///    exporter adds reduce-max = top probability). Technique: [20] sigmoid. Pattern: [N,4] in
///    MIDI pitch/velocity and beats. Mix: input spectrum [1024]; outputs freq_balance [6] and a
///    [4] vector (dynamic_range, stereo_width, peak_level, rms_level).
///  - metadata "short_description", "author", "license", "version" fill the model metadata.
/// Writes atomically. Throws ParameterError when the spec does not fit the layout.
void export_coreml(const runtime::ModelSpec& spec, const std::filesystem::path& out,
                   const CoreMLOptions& opt = {});

struct ValidationReport {
  std::vector<std::string> errors;  // each "<stage path>: <rule>"
  bool ok() const { return errors.empty(); }
};
/// Applies Core ML's validation rules (contract list) plus echoelml's stricter pipeline checks
/// (vectorizer sizes, extractor index range). Accepts .mlmodel files and .mlpackage folders.
/// Throws IoError/FormatError when the file cannot be read or parsed.
ValidationReport validate_coreml(const std::filesystem::path& path);

/// A Core ML feature value.
struct FeatureValue {
  enum class Type { Double, Int64, String, MultiArray, Dictionary } type = Type::Double;
  double d = 0.0;
  std::int64_t i = 0;
  std::string s;
  std::vector<std::int64_t> shape;  // MultiArray
  std::vector<double> array;        // MultiArray values, row-major
  std::map<std::string, double> dict;

  static FeatureValue of_double(double v);
  static FeatureValue of_array(std::vector<std::int64_t> shape, std::vector<double> values);
};
using FeatureMap = std::map<std::string, FeatureValue>;

/// Runs an .mlmodel (pipelines, FeatureVectorizer, ArrayFeatureExtractor, GLMRegressor, NN /
/// classifier / regressor with the layers echoelml writes, quantized weights). ML Programs are
/// not evaluated (FormatError). Checks input names, types and shapes first.
/// Throws ParameterError on bad inputs, FormatError on unsupported content.
FeatureMap predict_coreml(const std::filesystem::path& path, const FeatureMap& inputs);

}  // namespace echoelml::exporter
