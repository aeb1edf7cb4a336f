// Paths to ../shared (golden set, real audio, MIDI) and small helpers for golden comparisons.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/core/matrix.h"

namespace echoelml::test {

/// ../shared, or $ECHOELML_SHARED_DIR when set.
std::filesystem::path shared_dir();
std::filesystem::path golden_dir();  // shared/golden/librosa
/// A fresh empty temporary folder, removed by the OS eventually (tests also remove it).
std::filesystem::path make_temp_dir(const std::string& prefix);

nlohmann::json read_json(const std::filesystem::path& path);

/// A golden array: values converted to double, with its shape.
struct GoldenArray {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
  std::size_t rows() const { return shape.empty() ? 0 : static_cast<std::size_t>(shape[0]); }
  std::size_t cols() const { return shape.size() < 2 ? 1 : static_cast<std::size_t>(shape[1]); }
};

/// Loads arrays.<name> of a golden signal's features.json (dtype float32/float64/int64).
/// Throws std::runtime_error when the signal has no such array.
GoldenArray load_golden_array(const std::string& signal, const std::string& name);
bool has_golden_array(const std::string& signal, const std::string& name);
nlohmann::json golden_features(const std::string& signal);
std::filesystem::path golden_wav(const std::string& signal);
/// Names of all golden signals, in index.json order.
std::vector<std::string> golden_signals();
/// The golden signals whose features.json holds arrays.<array>, in index.json order.
std::vector<std::string> golden_signals_with(const std::string& array);

/// max |a - b| / max |b| (0 when both are zero). Sizes must match.
double max_rel_error(const std::vector<double>& actual, const std::vector<double>& expected);
double max_abs_error(const std::vector<double>& actual, const std::vector<double>& expected);

template <typename T>
std::vector<double> to_double(const BasicMatrix<T>& m) {
  return std::vector<double>(m.data.begin(), m.data.end());
}
template <typename T>
std::vector<double> to_double(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace echoelml::test

namespace echoelml::test {

/// The mono float32 signal librosa analysed for a golden signal, read independently of the
/// project's loader (libsndfile + mean over channels): `genre` = first 30 s, else full
/// length. For mix_sr22050_3s (22.05 kHz) it returns the golden y_mono_44k array.
std::vector<float> golden_input(const std::string& signal, bool genre);
/// Both channels of a golden WAV at its native rate (channel-major), for stereo tests.
std::vector<std::vector<float>> golden_channels(const std::string& signal);

}  // namespace echoelml::test
