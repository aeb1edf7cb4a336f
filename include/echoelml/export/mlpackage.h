// Core ML ML Program packages (.mlpackage, specification version 6 / iOS 15): the guide's
// `ct.convert(..., convert_to='mlprogram')` target, written from a runtime::ModelSpec.
// The package holds Manifest.json, Data/com.apple.CoreML/model.mlmodel (a Model whose
// mlProgram is a MIL program, opset CoreML5) and Data/com.apple.CoreML/weights/weight.bin
// (Core ML's blob storage format, fp32). See docs/mlprogram.md.
#pragma once

#include <filesystem>
#include <optional>

#include "echoelml/export/coreml.h"
#include "echoelml/runtime/model_spec.h"

namespace echoelml::exporter {

struct MLPackageOptions {
  CoreMLLayout layout = CoreMLLayout::App;
  std::optional<AppModel> model{};  // default: parse_app_model(spec.name)
};

/// Writes `out_dir` (e.g. OUT/GenreClassifier.mlpackage) atomically: the package is built in a
/// temporary folder beside it and renamed, so it is complete or absent. An existing package
/// at `out_dir` is replaced.
/// Same ModelSpec expectations as export_coreml (coreml.h). Layouts (docs/mlprogram.md):
///  - Guide: MultiArray FLOAT32 inputs named as the app's features (scalars as [1]), array
///    outputs as in the guide (genre [8] + confidence [1], techniques [20], notes [64,4],
///    freq_balance [6] + levels [4]).
///  - App: only where an ML Program can express the app's interface; otherwise ParameterError
///    saying why (an ML Program's inputs and outputs are tensors: no Double or String features,
///    and names must be identifiers).
/// Throws ParameterError when the spec does not fit, IoError when writing fails.
void export_mlpackage(const runtime::ModelSpec& spec, const std::filesystem::path& out_dir,
                      const MLPackageOptions& opt = {});

}  // namespace echoelml::exporter
