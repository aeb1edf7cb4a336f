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
/// Guide: a plain neural network with the guide's ct.TensorType inputs (MultiArray FLOAT32,
///      scalars as [1]; TechniqueRecognizer one `features` [6], MixAnalyzer `spectrum` [1024])
///      and array outputs (genre [8] + confidence [1], techniques [20], notes [64,4],
///      freq_balance [6] + the four level heads [1] each, or levels [4]).
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
  bool updatable = false;         // only where updatable_refusal() is nullopt, else ParameterError;
                                  // not together with quantize_8bit
  UpdateOptions update{};
};

/// Why Core ML cannot make `model` updatable in `layout` (a sentence naming the model, the
/// layout and the reason), or nullopt when it can (guide GenreClassifier and TechniqueRecognizer).
std::optional<std::string> updatable_refusal(AppModel model, CoreMLLayout layout);

/// What the exporters expect of the ModelSpec (training produces it):
///  - GenreClassifier / TechniqueRecognizer / PatternGenerator: one rank-1 input holding the
///    features in training order. The order is metadata["feature_order"] (app input names, one
///    per line), else metadata["input_groups"] ("name:size" per line, as training writes it),
///    else the default order of the contract
///    (Genre: 7 scalars tempo..spectral_contrast, mfcc 13, chroma 12 = 32;
///     Technique: dynamic_range, stereo_width, spectrum_variance, temporal_modulation = 4;
///     Pattern: genre 8, technique 20, tempo, bars, complexity = 31).
///    The app layout needs exactly the app's inputs (TechniqueRecognizerApp's 4 for the
///    technique model); the guide layout also takes the guide's 6-input TechniqueRecognizer.
///    Standardisation must already be a Scale layer in the spec (callers send raw units).
///  - Genre outputs: probabilities [8] (first), optional confidence [1] (second; if absent the
///    exporter adds reduce-max = top probability). Technique: [20] sigmoid. Pattern: [N,4] in
///    MIDI pitch/velocity and beats. Mix: input spectrum [1024]; outputs freq_balance [6] and
///    either a [4] vector or four [1] heads (dynamic_range, stereo_width, peak_level, rms_level).
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

/// One input of an exported model, in the order of the spec's feature row.
struct InputSlot {
  std::string name;        // Core ML input name
  std::int64_t size = 1;   // values it takes from the row
  bool is_double = false;  // a Double scalar (app layout), else a FLOAT32 MultiArray [size]
};
/// How a raw training-order feature row of `spec` maps onto the inputs export_coreml writes
/// for `opt` (layout and model). Throws ParameterError like export_coreml.
std::vector<InputSlot> coreml_input_slots(const runtime::ModelSpec& spec, const CoreMLOptions& opt = {});
/// The Core ML inputs for one feature row; ParameterError if the row length does not fit.
FeatureMap coreml_inputs(const std::vector<InputSlot>& slots, const std::vector<double>& row);

/// Runs an .mlmodel (pipelines, FeatureVectorizer, ArrayFeatureExtractor, GLMRegressor, NN /
/// classifier / regressor with the layers echoelml writes, quantized weights) and ML Program
/// packages (.mlpackage, by echoelml's MIL evaluator for the ops its writer emits). Checks input names, types and shapes first.
/// Throws ParameterError on bad inputs, FormatError on unsupported content.
FeatureMap predict_coreml(const std::filesystem::path& path, const FeatureMap& inputs);

}  // namespace echoelml::exporter
