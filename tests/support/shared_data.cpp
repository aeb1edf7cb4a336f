#include "support/shared_data.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace echoelml::test {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("ECHOELML_SHARED_DIR"); env && *env) return env;
  return ECHOELML_SHARED_DIR;
}

std::filesystem::path golden_dir() { return shared_dir() / "golden" / "librosa"; }

std::filesystem::path make_temp_dir(const std::string& prefix) {
  auto base = std::filesystem::temp_directory_path();
  std::string tmpl = (base / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
  return std::filesystem::path(buf.data());
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

nlohmann::json golden_features(const std::string& signal) {
  return read_json(golden_dir() / "out" / signal / "features.json");
}

std::filesystem::path golden_wav(const std::string& signal) {
  return golden_dir() / "wav" / (signal + ".wav");
}

std::vector<std::string> golden_signals() {
  auto index = read_json(golden_dir() / "index.json");
  std::vector<std::string> names;
  for (const auto& s : index["signals"]) names.push_back(s["name"].get<std::string>());
  return names;
}

std::vector<std::string> golden_signals_with(const std::string& array) {
  std::vector<std::string> out;
  for (const auto& s : golden_signals())
    if (has_golden_array(s, array)) out.push_back(s);
  return out;
}

bool has_golden_array(const std::string& signal, const std::string& name) {
  auto f = golden_features(signal);
  return f.contains("arrays") && f["arrays"].contains(name);
}

GoldenArray load_golden_array(const std::string& signal, const std::string& name) {
  auto f = golden_features(signal);
  if (!f.contains("arrays") || !f["arrays"].contains(name))
    throw std::runtime_error("golden signal " + signal + " has no array " + name);
  const auto& a = f["arrays"][name];
  GoldenArray out;
  out.shape = a["shape"].get<std::vector<std::int64_t>>();
  std::size_t n = 1;
  for (auto d : out.shape) n *= static_cast<std::size_t>(d);
  auto path = golden_dir() / "out" / signal / a["file"].get<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::string dtype = a["dtype"].get<std::string>();
  out.values.resize(n);
  auto read_as = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> raw(n);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(n * sizeof(T)));
    if (static_cast<std::size_t>(in.gcount()) != n * sizeof(T))
      throw std::runtime_error("short read of " + path.string());
    std::transform(raw.begin(), raw.end(), out.values.begin(),
                   [](T v) { return static_cast<double>(v); });
  };
  if (dtype == "float32") read_as(float{});
  else if (dtype == "float64") read_as(double{});
  else if (dtype == "int64") read_as(std::int64_t{});
  else throw std::runtime_error("unknown dtype " + dtype + " in " + path.string());
  return out;
}

double max_abs_error(const std::vector<double>& actual, const std::vector<double>& expected) {
  if (actual.size() != expected.size())
    throw std::runtime_error("size mismatch: " + std::to_string(actual.size()) + " vs " +
                             std::to_string(expected.size()));
  double err = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    double d = std::abs(actual[i] - expected[i]);
    if (std::isnan(d)) return INFINITY;
    err = std::max(err, d);
  }
  return err;
}

double max_rel_error(const std::vector<double>& actual, const std::vector<double>& expected) {
  double err = max_abs_error(actual, expected);
  double scale = 0;
  for (double v : expected) scale = std::max(scale, std::abs(v));
  if (scale == 0) return err;
  return err / scale;
}

}  // namespace echoelml::test
