// PyTorch (libtorch) outputs of a ModelSpec: the "trained model" the exported files are compared
// with. Runs tests/export/torch_reference.py with Debian's python3-torch.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/export/check.h"
#include "echoelml/runtime/model_file.h"

namespace echoelml::test {

// The interpreter that has torch: Debian's python3 (python3-torch), which a pyenv shim may hide.
inline std::string torch_python() {
  for (const char* py : {"/usr/bin/python3", "python3"})
    if (std::system((std::string(py) + " -c 'import torch' > /dev/null 2>&1").c_str()) == 0) return py;
  return {};
}

inline nlohmann::json spec_json(const runtime::ModelSpec& s) {
  nlohmann::json j;
  for (const auto& i : s.inputs) j["inputs"].push_back({{"name", i.name}, {"shape", i.shape}});
  for (const auto& o : s.outputs) j["outputs"].push_back({{"name", o.name}, {"shape", o.shape}});
  for (const auto& l : s.layers) {
    nlohmann::json p = nlohmann::json::array();
    for (const auto& t : l.params) p.push_back({{"shape", t.shape}, {"values", t.values}});
    j["layers"].push_back({{"kind", runtime::to_string(l.kind)}, {"inputs", l.inputs}, {"output", l.output},
                           {"activation", runtime::to_string(l.activation)}, {"params", p},
                           {"repeats", l.repeats}, {"hidden", l.hidden}});
  }
  return j;
}

/// `n` random rows in [lo, hi) (float32 values, as the app sends) for the spec's single input.
inline exporter::ValidationSet random_rows(const runtime::ModelSpec& spec, std::size_t n, unsigned seed, double lo = -1.0,
                                           double hi = 2.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  exporter::ValidationSet v;
  v.model = spec.name;
  const auto n_in = static_cast<std::size_t>(runtime::element_count(spec.inputs.at(0).shape));
  for (std::size_t i = 0; i < n_in; ++i) v.input_names.push_back("x" + std::to_string(i));
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<double> row(n_in);
    for (auto& x : row) x = static_cast<float>(u(rng));
    v.features.push_back(row);
  }
  return v;
}

/// Fills each set's outputs with PyTorch's, in one python start; throws std::runtime_error if
/// torch is unavailable or the script fails.
inline void torch_fill(const std::vector<std::pair<const runtime::ModelSpec*, exporter::ValidationSet*>>& jobs,
                       const std::filesystem::path& dir) {
  const std::string py = torch_python();
  if (py.empty()) throw std::runtime_error("python3 with torch (Debian python3-torch) not found");
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [spec, v] : jobs) j.push_back({{"spec", spec_json(*spec)}, {"rows", v->features}});
  std::ofstream(dir / "jobs.json") << j.dump();
  const std::string cmd = py + " '" + std::string(ECHOELML_SOURCE_DIR) + "/tests/export/torch_reference.py' '" +
                          (dir / "jobs.json").string() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error("torch_reference.py failed: " + out);
  auto res = nlohmann::json::parse(out);
  for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].second->outputs = res.at(i).get<std::vector<std::vector<double>>>();
}

/// A validation set as training writes it: random rows and the PyTorch outputs on them.
inline exporter::ValidationSet torch_validation_set(const runtime::ModelSpec& spec, std::size_t n, unsigned seed,
                                                    const std::filesystem::path& dir, double lo = -1.0, double hi = 2.0) {
  auto v = random_rows(spec, n, seed, lo, hi);
  torch_fill({{&spec, &v}}, dir);
  return v;
}

inline nlohmann::json validation_json(const exporter::ValidationSet& v, const std::string& kind) {
  return {{"model", v.model}, {"kind", kind}, {"input_names", v.input_names}, {"output_names", v.output_names},
          {"features", v.features}, {"outputs", v.outputs}};
}

}  // namespace echoelml::test
