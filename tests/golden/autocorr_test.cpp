// autocorrelate against librosa 0.10.1 (shared/golden/librosa): the first 44100 lags within
// 3e-6 relative to max |value| (lag 0), and temporal_modulation = max over lags 4410..44099,
// null for inputs under 0.1 s (short_0p1s). Technique input: full length.
#include <gtest/gtest.h>

#include "echoelml/features/autocorr.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::test;


class GoldenAutocorr : public ::testing::TestWithParam<std::string> {};
class GoldenTemporalModulation : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenAutocorr, FirstSecondOfLagsMatchesLibrosa) {
  const auto g = load_golden_array(GetParam(), "autocorr_0_to_sr");
  const auto r = features::autocorrelate(golden_input(GetParam(), false), g.values.size());
  ASSERT_EQ(r.size(), g.values.size());
  // Silence: both all zero (max_rel_error is 0 then); otherwise relative to lag 0.
  EXPECT_LE(max_rel_error(r, g.values), 3e-6);
}

TEST_P(GoldenTemporalModulation, MatchesLibrosaOrIsNull) {
  const auto y = golden_input(GetParam(), false);
  const auto m = features::temporal_modulation(y, 44100.0);
  const auto js = golden_features(GetParam())["technique"]["temporal_modulation"];
  if (js.is_null()) {
    EXPECT_FALSE(m.has_value());
    return;
  }
  ASSERT_TRUE(m.has_value());
  // Relative to lag 0 (the scale of the autocorrelation's rounding), as for the array.
  const auto r0 = features::autocorrelate(y, 1);
  EXPECT_NEAR(*m, js.get<double>(), 3e-6 * std::max(r0[0], 1e-12));
}

INSTANTIATE_TEST_SUITE_P(Signals, GoldenAutocorr, ::testing::ValuesIn(golden_signals_with("autocorr_0_to_sr")),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(AllSignals, GoldenTemporalModulation, ::testing::ValuesIn(golden_signals()),
                         [](const auto& info) { return info.param; });
