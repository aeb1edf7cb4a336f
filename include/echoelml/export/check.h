// Self-contained checks of exported Core ML models: `<Name>.check.json` (interface, class
// labels and validation cases with the trained model's outputs) and the 8-bit report.
// Anyone can re-run the cases with coremltools or in Xcode, without this project.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/export/coreml.h"
#include "echoelml/runtime/model_spec.h"

namespace echoelml::exporter {

/// <Name>.validation.json as training writes it (notes/contracts.md): validation rows in raw
/// units and the outputs of the trained (libtorch) model on them.
struct ValidationSet {
  std::string model;  // "GenreClassifier", "TechniqueRecognizerApp", ...
  std::string kind;   // "genre", "technique", "technique-app", "pattern", "mix"
  std::vector<std::string> input_names, output_names;
  std::vector<std::vector<double>> features;  // [rows][inputs], raw units
  std::vector<std::vector<double>> outputs;   // [rows][outputs], spec output order, flattened
  std::vector<std::string> rel;               // source file per row, may be empty
};
/// Throws IoError if unreadable, FormatError (file and reason) if it is not such a file or the
/// rows have inconsistent lengths.
ValidationSet load_validation_set(const std::filesystem::path& path);

struct CheckOptions {
  std::size_t cases = 3;    // validation rows written as cases (the first rows that fit)
  double tolerance = 1e-4;  // allowed |evaluator - trained model| / max(1, |expected|, unit)
};

/// Builds the check.json document of an exported Core ML model file (`model_file`, written by
/// export_coreml from `spec` with `opt`):
///   {"interface": {"inputs": {name: type}, "outputs": {name: type}},
///      type: "Double", "Int64", "String", "Dictionary<String>", "MultiArray<FLOAT32>[13]",
///      "MultiArray[64,4]" (DOUBLE, the default data type, is not spelled out)
///    "class_labels": {output: [label, ...]},
///    "cases": [{"name", "inputs": {name: number | list}, "expected": {name: number | list
///               (nested for rank 2) | label string | {label: probability}}}]}
/// Expected values are the trained model's outputs from `val`. Every case is first run through
/// predict_coreml and must match within the tolerance (a unit is the scale of a trailing Scale
/// layer, e.g. 127 for MIDI pitch); otherwise Error naming the model, case and output.
/// Throws ParameterError if `val` does not fit the spec (input/output sizes).
nlohmann::json make_check(const std::filesystem::path& model_file, const runtime::ModelSpec& spec,
                          const CoreMLOptions& opt, const ValidationSet& val, const CheckOptions& check = {});

/// How far an exported model's outputs are from the trained model's on validation rows.
struct OutputDeviation {
  std::size_t rows = 0;
  double max_abs = 0;                      // largest |exported - trained|, raw output units
  double max_rel = 0;                      // the same divided by max(1, |trained|, unit)
  std::string worst_output;                // Core ML output name of max_rel
  std::map<std::string, double> per_output;  // largest |difference| per Core ML output
};
/// Runs `model_file` (export_coreml of `spec` with `opt`) on the first `max_rows` rows of `val`
/// (0 = all) and compares with the trained outputs.
OutputDeviation compare_with_trained(const std::filesystem::path& model_file, const runtime::ModelSpec& spec,
                                     const CoreMLOptions& opt, const ValidationSet& val, std::size_t max_rows = 0);

}  // namespace echoelml::exporter
