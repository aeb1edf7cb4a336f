// HPSS against librosa 0.10.1 (shared/golden/librosa): the harmonic signal within 3e-6 of
// max |value| where golden stores it, and harmonic_ratio = sum|h| / (sum|y| + 1e-6) for every
// signal (technique input: full length). clicks_120bpm_10s has harmonic_ratio exactly 0: its
// clicks cover at most 9 of any 31 consecutive frames, so every time-median is 0, the
// harmonic mask is 0 wherever the spectrum is non-zero, and h is exactly silent.
#include <gtest/gtest.h>

#include "echoelml/features/hpss.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::test;

namespace {
std::vector<std::string> signals_with_technique() {
  std::vector<std::string> out;
  for (const auto& s : golden_signals())
    if (golden_features(s)["technique"].contains("harmonic_ratio")) out.push_back(s);
  return out;
}
}  // namespace

class GoldenHpss : public ::testing::TestWithParam<std::string> {};
class GoldenHarmonicRatio : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenHpss, HarmonicSignalMatchesLibrosa) {
  const auto h = features::hpss_harmonic(golden_input(GetParam(), false));
  const auto g = load_golden_array(GetParam(), "hpss_harmonic");
  ASSERT_EQ(h.size(), g.values.size());
  EXPECT_LE(max_rel_error(to_double(h), g.values), 3e-6);
}

TEST_P(GoldenHarmonicRatio, MatchesLibrosa) {
  const auto y = golden_input(GetParam(), false);
  const double ratio = features::harmonic_ratio(y, features::hpss_harmonic(y));
  const double expected = golden_features(GetParam())["technique"]["harmonic_ratio"];
  EXPECT_NEAR(ratio, expected, 3e-6 * std::max(expected, 1e-3));
}

INSTANTIATE_TEST_SUITE_P(Signals, GoldenHpss, ::testing::ValuesIn(golden_signals_with("hpss_harmonic")),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Signals, GoldenHarmonicRatio, ::testing::ValuesIn(signals_with_technique()),
                         [](const auto& info) { return info.param; });
