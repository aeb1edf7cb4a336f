// The whole feature sets through the project's own loader against librosa's scalars:
// the golden signals (features.json) and the real files (shared/golden/librosa-real).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "echoelml/features/sets.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::test;

namespace {

// Relative tolerance with an absolute floor for values near zero.
void expect_close(double actual, const nlohmann::json& expected, double rel, double abs_floor,
                  const std::string& what) {
  ASSERT_FALSE(expected.is_null()) << what;
  const double e = expected.get<double>();
  EXPECT_LE(std::abs(actual - e), std::max(abs_floor, rel * std::abs(e)))
      << what << ": got " << actual << ", librosa " << e;
}

void check_genre(const features::GenreFeatures& f, const nlohmann::json& g, bool tonal,
                 const std::string& name) {
  EXPECT_DOUBLE_EQ(f.tempo, g["tempo"].get<double>()) << name;  // exactly
  EXPECT_EQ(f.n_beats, g["n_beats"].get<int>()) << name;
  expect_close(f.spectral_centroid, g["spectral_centroid"]["mean"], 1e-5, 1e-6, name + " centroid");
  expect_close(f.spectral_rolloff, g["spectral_rolloff"]["mean"], 1e-9, 1e-9, name + " rolloff");
  expect_close(f.zero_crossing_rate, g["zero_crossing_rate"]["mean"], 1e-12, 1e-15, name + " zcr");
  expect_close(f.rms, g["rms"]["mean"], 1e-5, 1e-9, name + " rms");
  expect_close(f.spectral_flux, g["spectral_flux"], 1e-4, 1e-6, name + " flux");
  for (int i = 0; i < 13; ++i)
    expect_close(f.mfcc[i], g["mfcc_mean"][i], 0.0, 1e-3, name + " mfcc " + std::to_string(i));
  for (int i = 0; i < 12; ++i)
    expect_close(f.chroma[i], g["chroma_mean"][i], 1e-5, 1e-6, name + " chroma " + std::to_string(i));
  EXPECT_DOUBLE_EQ(f.chroma_tuning, g["chroma_tuning"].get<double>()) << name;
  // Spectral contrast of clean tonal signals sits on the numerical noise floor (up to 4.2 dB
  // under a 1e-6 input perturbation, librosa-algorithms.md); elsewhere it is well conditioned.
  expect_close(f.spectral_contrast, g["spectral_contrast_mean"], tonal ? 0.1 : 1e-4, 1e-3,
               name + " contrast");
}

bool tonal_signal(const std::string& s) {
  return s.rfind("sine", 0) == 0 || s.rfind("chord", 0) == 0 || s.rfind("chirp", 0) == 0 ||
         s.rfind("short", 0) == 0 || s.rfind("synth_song", 0) == 0 || s.rfind("mix_sr", 0) == 0;
}

}  // namespace

class GoldenSets : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenSets, FileFeaturesMatchLibrosaScalars) {
  const auto& sig = GetParam();
  const auto ref = golden_features(sig);
  const auto f = features::compute_file_features(golden_wav(sig), features::kGenreSet | features::kTechniqueSet);
  ASSERT_TRUE(f.genre && f.technique);
  check_genre(*f.genre, ref["genre"], tonal_signal(sig), sig);
  const auto& t = ref["technique"];
  expect_close(f.technique->dynamic_range, t["dynamic_range"], 0, 0, sig + " dynamic_range");
  if (t["stereo_width"].is_null()) EXPECT_FALSE(f.technique->stereo_width.has_value());
  else expect_close(*f.technique->stereo_width, t["stereo_width"], 1e-6, 1e-9, sig + " stereo_width");
  expect_close(f.technique->spectrum_variance, t["spectrum_variance"], 3e-6, 1e-12, sig + " variance");
  if (t["temporal_modulation"].is_null()) EXPECT_FALSE(f.technique->temporal_modulation.has_value());
  else expect_close(*f.technique->temporal_modulation, t["temporal_modulation"], 3e-6, 1e-9, sig + " modulation");
  expect_close(f.technique->transient_strength, t["transient_strength"], 3e-6, 1e-7, sig + " transient");
  expect_close(f.technique->harmonic_ratio, t["harmonic_ratio"], 3e-6, 1e-7, sig + " harmonic_ratio");
}

INSTANTIATE_TEST_SUITE_P(AllSignals, GoldenSets, ::testing::ValuesIn(golden_signals()),
                         [](const auto& info) { return info.param; });

namespace {
std::vector<std::string> real_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(shared_dir() / "golden" / "librosa-real"))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}
std::filesystem::path real_audio(const nlohmann::json& ref) {
  return shared_dir() / "data" / "real-audio" / "audio" / ref["file"].get<std::string>();
}
}  // namespace

class GoldenReal : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenReal, RealFileFeaturesMatchLibrosaScalars) {
  const auto ref = read_json(shared_dir() / "golden" / "librosa-real" / (GetParam() + ".json"));
  const auto f = features::compute_file_features(real_audio(ref), features::kGenreSet | features::kTechniqueSet);
  ASSERT_TRUE(f.genre && f.technique);
  check_genre(*f.genre, ref["genre"], /*tonal=*/false, GetParam());
  const auto& t = ref["technique"];
  expect_close(f.technique->dynamic_range, t["dynamic_range"], 0, 0, "dynamic_range");
  if (t["stereo_width"].is_null()) EXPECT_FALSE(f.technique->stereo_width.has_value());
  else expect_close(*f.technique->stereo_width, t["stereo_width"], 1e-6, 1e-9, "stereo_width");
  expect_close(f.technique->spectrum_variance, t["spectrum_variance"], 3e-6, 1e-12, "variance");
  if (t["temporal_modulation"].is_null()) EXPECT_FALSE(f.technique->temporal_modulation.has_value());
  else expect_close(*f.technique->temporal_modulation, t["temporal_modulation"], 3e-6, 1e-9, "modulation");
  expect_close(f.technique->transient_strength, t["transient_strength"], 3e-6, 1e-7, "transient");
  expect_close(f.technique->harmonic_ratio, t["harmonic_ratio"], 3e-6, 1e-7, "harmonic_ratio");
}

INSTANTIATE_TEST_SUITE_P(RealAudio, GoldenReal, ::testing::ValuesIn(real_files()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });
