// <Name>.validation.json: validation rows with the trained model's raw outputs, the reference the
// exporters and the analysis check themselves against (format in docs/training.md). Torch-free.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/train/dataset.h"

namespace echoelml::train::detail {

/// The rows of the file: the first `max_rows` of `monitor_rows` (the validation split in split order).
std::vector<std::size_t> validation_rows(std::span<const std::size_t> monitor_rows, std::size_t max_rows);

/// The file's JSON: model, kind, input/output names, features and outputs per row, genre labels or
/// raw targets, rel when the data set knows its files. `outputs` [rows.size(), sum of output sizes].
nlohmann::json validation_json(ModelKind kind, const Dataset& data, std::span<const std::size_t> rows,
                               const Matrix& outputs, const std::vector<std::string>& output_names,
                               const std::vector<std::int64_t>& output_sizes);

}  // namespace echoelml::train::detail
