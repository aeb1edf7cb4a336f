// Builds <Name>.validation.json (see validation_file.h).
#include "train/validation_file.h"

#include <fmt/format.h>

#include "echoelml/core/error.h"

namespace echoelml::train::detail {

using nlohmann::json;

std::vector<std::size_t> validation_rows(std::span<const std::size_t> monitor_rows, std::size_t max_rows) {
  const std::size_t n = std::min(max_rows, monitor_rows.size());
  return {monitor_rows.begin(), monitor_rows.begin() + static_cast<std::ptrdiff_t>(n)};
}

namespace {
json row_json(const Matrix& m, std::size_t r) {
  auto row = m.row(r);
  return json(std::vector<float>(row.begin(), row.end()));
}
}  // namespace

json validation_json(ModelKind kind, const Dataset& data, std::span<const std::size_t> rows, const Matrix& outputs,
                     const std::vector<std::string>& output_names, const std::vector<std::int64_t>& output_sizes) {
  if (outputs.rows != rows.size())
    throw ParameterError(fmt::format("validation file {}: {} output rows for {} rows", model_name(kind), outputs.rows,
                                     rows.size()));
  json j = {{"model", std::string(model_name(kind))},
            {"kind", std::string(kind_key(kind))},
            {"input_names", input_names(kind)},
            {"output_names", output_names},
            {"output_sizes", output_sizes}};
  json features = json::array(), out = json::array(), truth = json::array(), rel = json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t r = rows[i];
    features.push_back(row_json(data.features, r));
    out.push_back(row_json(outputs, i));
    if (kind == ModelKind::Genre)
      truth.push_back(data.labels.at(r));
    else
      truth.push_back(row_json(data.targets, r));
    if (!data.rel.empty()) rel.push_back(data.rel.at(r));
  }
  j["features"] = std::move(features);
  j["outputs"] = std::move(out);
  j[kind == ModelKind::Genre ? "labels" : "targets"] = std::move(truth);
  if (!data.rel.empty()) j["rel"] = std::move(rel);
  return j;
}

}  // namespace echoelml::train::detail
