// Export of the four app models from a training output folder (`echoelml export`).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/export/coreml.h"

namespace echoelml::exporter {

enum ExportFormat : unsigned { kMlModel = 1u, kMlPackage = 2u, kOnnx = 4u };

/// "mlmodel" | "mlpackage" | "onnx" | "all" -> ExportFormat bits; ParameterError listing the
/// choices otherwise. `with_mlpackage` = false leaves mlpackage out of the choices.
unsigned parse_export_format(const std::string& s, bool with_mlpackage);

struct BatchOptions {
  CoreMLLayout layout = CoreMLLayout::App;
  unsigned formats = kMlModel;
  bool quantize_8bit = false;  // Core ML files only (ONNX stays float32)
  bool updatable = false;      // where updatable_refusal() allows it; a note for the others
  UpdateOptions update{};
  // Replaces training's metadata: "author", "license", "version", "short_description".
  std::map<std::string, std::string> metadata;
  std::size_t check_cases = 3;  // cases per <Name>.check.json
  std::size_t report_rows = 0;  // validation rows for the 8-bit comparison (0 = all)
};

struct ModelOutcome {
  AppModel model = AppModel::GenreClassifier;
  std::filesystem::path source;                 // the .espec read
  std::vector<std::filesystem::path> written;   // files/folders written and validated
  std::vector<std::string> notes;               // e.g. why a model is not updatable
  std::vector<std::string> errors;              // each names the file and the reason
  nlohmann::json report;                        // this model's part of export-report.json
  bool ok() const { return errors.empty(); }
};

struct BatchResult {
  std::vector<ModelOutcome> models;  // GenreClassifier, TechniqueRecognizer, PatternGenerator, MixAnalyzer
  std::filesystem::path report;      // out_dir/export-report.json
  bool ok() const;
};

/// The training output a layout reads for a model: <Name>.espec, except the app layout's
/// TechniqueRecognizer, which reads TechniqueRecognizerApp.espec (the 4 inputs the app sends).
std::string source_name(AppModel model, CoreMLLayout layout);

/// Exports GenreClassifier, TechniqueRecognizer, PatternGenerator and MixAnalyzer from
/// models_dir (what training writes) into out_dir as <Name>.mlmodel / .mlpackage / .onnx plus
/// <Name>.check.json (Core ML, from <Source>.validation.json). Every written model is read back
/// and validated (validate_coreml; ONNX: checker at write time and a re-parse). With 8-bit
/// weights the report holds the float and 8-bit sizes and the largest output change against
/// the trained model on the validation rows. A failing model is reported in its outcome and
/// the others are still exported. Writes out_dir/export-report.json. `on_model` is called
/// after each model. Throws IoError if models_dir is not a folder or out_dir cannot be made.
BatchResult export_models(const std::filesystem::path& models_dir, const std::filesystem::path& out_dir,
                          const BatchOptions& opt, const std::function<void(const ModelOutcome&)>& on_model = {});

}  // namespace echoelml::exporter
