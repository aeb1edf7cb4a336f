// Genre mix profiles (built from a data folder + feature store, JSON round trip) and the
// suggestions they and the app's rules produce.
#include <gtest/gtest.h>

#include <fstream>

#include "analysis/analysis_fixtures.h"
#include "echoelml/analysis/analyze.h"
#include "echoelml/analysis/mix_profile.h"
#include "echoelml/core/error.h"
#include "echoelml/data/feature_store.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;

TEST(ValueStats, PercentilesInterpolateLinearlyAsNumpy) {
  const ValueStats s = value_stats({4, 1, 3, 2});  // numpy: median 2.5, p25 1.75, p75 3.25
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.p25, 1.75);
  EXPECT_DOUBLE_EQ(s.p75, 3.25);
  EXPECT_EQ(s.n, 4u);
  EXPECT_DOUBLE_EQ(value_stats({7}).median, 7);
  EXPECT_THROW(value_stats({}), ParameterError);
}

TEST(MixValues, BandsAreDecibelsOfTheirShareAndLevelsDbfs) {
  features::MixFeatures m;
  m.band_balance = {0.1, 0.4, 0.2, 0.2, 0.1, 0.0};
  m.peak_level = 0.5, m.rms_level = 0.1, m.loudness_lufs = -14, m.true_peak_dbtp = -0.5;
  const auto v = mix_values(m);
  EXPECT_NEAR(v[0], -10.0, 1e-12);
  EXPECT_NEAR(v[1], 10 * std::log10(0.4), 1e-12);
  EXPECT_EQ(v[5], -100.0);  // empty band floor
  EXPECT_NEAR(v[static_cast<int>(MixValue::PeakDbfs)], 20 * std::log10(0.5), 1e-12);
  EXPECT_NEAR(v[static_cast<int>(MixValue::RmsDbfs)], -20.0, 1e-12);
  EXPECT_EQ(v[static_cast<int>(MixValue::LoudnessLufs)], -14.0);
}

GenreMixProfile flat_profile(double median, double half_iqr) {
  GenreMixProfile p;
  p.files = 5;
  for (auto& v : p.values) v = {median, median - half_iqr, median + half_iqr, 5};
  return p;
}

TEST(Suggestions, LowEndAboveTypicalSaysHowMuchAndWhatToCut) {
  GenreMixProfile p = flat_profile(0.0, 1.0);
  p.values[static_cast<int>(MixValue::BandSub)] = {-20.0, -20.5, -19.5, 5};
  features::MixFeatures m;
  m.band_balance = {std::pow(10.0, -1.6), 0, 0, 0, 0, 0};  // sub at -16 dB: 4 dB above the median
  m.stereo_width = 0.0;
  const auto comps = compare_mix(m, &p);
  const auto& sub = comps[static_cast<int>(MixValue::BandSub)];
  EXPECT_NEAR(sub.delta, 4.0, 1e-9);
  EXPECT_TRUE(sub.outside);  // -16 dB is beyond p75 (-19.5) + the 3 dB band tolerance
  const auto s = profile_suggestions(comps, MusicGenre::HipHop);
  bool found = false;
  for (const auto& x : s)
    if (x.text.rfind("The sub (20-60 Hz) is 4.0 dB above typical Hip-Hop/Trap mixes: cut below 60 Hz", 0) == 0) found = true;
  EXPECT_TRUE(found) << (s.empty() ? "no suggestions" : s[0].text);
}

TEST(Suggestions, ValuesInsideTheTypicalRangeGiveNoAdvice) {
  const GenreMixProfile p = flat_profile(0.0, 1.0);
  features::MixFeatures m;
  m.band_balance = {1, 1, 1, 1, 1, 1};  // 0 dB everywhere = the median
  m.peak_level = 1, m.rms_level = 1;   // 0 dBFS
  m.true_peak_dbtp = 0, m.loudness_lufs = 0, m.loudness_range_lu = 0, m.dynamic_range_db = 0, m.stereo_width = 0;
  const auto comps = compare_mix(m, &p);
  for (const auto& c : comps) EXPECT_FALSE(c.outside) << mix_value_key(c.value);
  EXPECT_TRUE(profile_suggestions(comps, MusicGenre::Jazz).empty());
  for (const auto& c : compare_mix(m, nullptr)) EXPECT_FALSE(c.typical.has_value());
}

TEST(Suggestions, AppRulesUseTheAppsExactThresholdsAndStrings) {
  EXPECT_TRUE(app_suggestions(0.5, 0.3).empty());
  auto s = app_suggestions(0.951, 0.299);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].text, "Increase overall level");
  EXPECT_EQ(s[1].text, "Reduce peaks to avoid clipping");
  EXPECT_EQ(s[0].source, "app");
  EXPECT_TRUE(app_suggestions(0.95, 0.5).empty());  // strictly greater than 0.95
}

TEST(GenreMixProfiles, BuiltFromTheDataFolderEqualTheMediansOfTheFilesMixFeatures) {
  const auto root = test::make_temp_dir("analysis_profiles");
  const auto data = root / "data";
  fs::create_directories(data / "genres" / "hiphop");
  fs::create_directories(data / "genres" / "jazz");
  std::vector<fs::path> hiphop;
  for (int i = 0; i < 3; ++i)
    hiphop.push_back(test::write_song(data / "genres" / "hiphop" / ("h" + std::to_string(i) + ".wav"),
                                      test::song(2.0, 2, 0.2 + 0.2 * i, 44100.0, 10 + i)));
  test::write_song(data / "genres" / "jazz" / "j.wav", test::song(2.0, 1, 0.05));
  std::ofstream(data / "genres" / "jazz" / "broken.wav") << "not audio";

  const auto store = root / "features.db";
  const ProfileBuildReport r = write_genre_mix_profiles(data, store, root);
  EXPECT_EQ(r.computed, 4u);
  EXPECT_EQ(r.from_store, 0u);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("broken.wav"), std::string::npos);
  ASSERT_EQ(r.profiles.genres.size(), 2u);

  // Independent expectation: each file's mix set computed directly, median of three.
  std::vector<double> lufs;
  for (const auto& f : hiphop) lufs.push_back(features::compute_file_features(f, features::kMixSet).mix->loudness_lufs);
  std::sort(lufs.begin(), lufs.end());
  const GenreMixProfile& h = r.profiles.genres.at(MusicGenre::HipHop);
  EXPECT_EQ(h.files, 3u);
  EXPECT_NEAR(h.values[static_cast<int>(MixValue::LoudnessLufs)].median, lufs[1], 1e-9);
  EXPECT_NEAR(h.values[static_cast<int>(MixValue::LoudnessLufs)].p25, (lufs[0] + lufs[1]) / 2, 1e-9);
  EXPECT_EQ(r.profiles.genres.at(MusicGenre::Jazz).values[static_cast<int>(MixValue::StereoWidth)].median, 0.0);

  // Written next to the models, and a rerun takes every file from the store.
  const MixProfiles back = read_mix_profiles(root / kMixProfileFile);
  EXPECT_NEAR(back.genres.at(MusicGenre::HipHop).values[6].median, h.values[6].median, 1e-9);
  const ProfileBuildReport again = build_genre_mix_profiles(data, store);
  EXPECT_EQ(again.from_store, 4u);
  EXPECT_EQ(again.computed, 0u);
  EXPECT_NEAR(again.profiles.genres.at(MusicGenre::HipHop).values[6].median, h.values[6].median, 1e-9);
}

TEST(GenreMixProfiles, NoMeasurableGenreFileIsAParameterError) {
  const auto root = test::make_temp_dir("analysis_profiles_empty");
  fs::create_directories(root / "data" / "genres" / "rock");
  EXPECT_THROW(build_genre_mix_profiles(root / "data", root / "f.db"), ParameterError);
}

TEST(GenreMixProfiles, CorruptProfileFileIsAFormatError) {
  const auto root = test::make_temp_dir("analysis_profiles_bad");
  std::ofstream(root / "p.json") << "{\"version\": 1, \"genres\": {\"Polka\": {}}}";
  EXPECT_THROW(read_mix_profiles(root / "p.json"), FormatError);
  std::ofstream(root / "q.json") << "{ not json";
  EXPECT_THROW(read_mix_profiles(root / "q.json"), FormatError);
  EXPECT_THROW(read_mix_profiles(root / "none.json"), IoError);
}

}  // namespace
}  // namespace echoelml::analysis
