// Onset strength envelopes against librosa 0.10.1 (shared/golden/librosa). Tolerance from
// shared/docs/librosa-algorithms.md: <= 3e-6 of max |value|. onset_env_median is the genre
// input (first 30 s) that beat_track uses; onset_env_mean is on the full-length technique
// input, and its mean is the technique set's transient_strength.
#include <gtest/gtest.h>

#include "echoelml/features/onset.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::test;

namespace {
features::OnsetStrengthParams at44k(features::OnsetAggregate agg) {
  features::OnsetStrengthParams p;
  p.mel.mel.sr = 44100.0;
  p.aggregate = agg;
  return p;
}
}  // namespace

class GoldenOnsetMedian : public ::testing::TestWithParam<std::string> {};
class GoldenOnsetMean : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOnsetMedian, EnvelopeMatchesLibrosa) {
  const auto env = features::onset_strength(golden_input(GetParam(), true),
                                            at44k(features::OnsetAggregate::Median));
  const auto g = load_golden_array(GetParam(), "onset_env_median");
  ASSERT_EQ(env.size(), g.values.size());
  EXPECT_LE(max_rel_error(to_double(env), g.values), 3e-6);
}

TEST_P(GoldenOnsetMean, EnvelopeAndTransientStrengthMatchLibrosa) {
  const auto env = features::onset_strength(golden_input(GetParam(), false),
                                            at44k(features::OnsetAggregate::Mean));
  const auto g = load_golden_array(GetParam(), "onset_env_mean");
  ASSERT_EQ(env.size(), g.values.size());
  EXPECT_LE(max_rel_error(to_double(env), g.values), 4e-6);
  double mean = 0;
  for (float v : env) mean += v;
  mean /= static_cast<double>(env.size());
  const double expected = golden_features(GetParam())["technique"]["transient_strength"];
  EXPECT_NEAR(mean, expected, 3e-6 * std::max(1.0, std::abs(expected)));
}

class GoldenOnsetFromMel : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOnsetFromMel, BothEnvelopesFromLibrosasMelPowerMatch) {
  // mel_power and onset_env_median share the genre input; onset_env_mean is on the full
  // length, the same samples for every signal of 30 s or less.
  const auto& sig = GetParam();
  const auto gm = load_golden_array(sig, "mel_power");
  Matrix M(gm.rows(), gm.cols());
  for (std::size_t i = 0; i < M.data.size(); ++i) M.data[i] = static_cast<float>(gm.values[i]);
  const auto both = features::onset_strength_both(M, at44k(features::OnsetAggregate::Mean));
  EXPECT_LE(max_rel_error(to_double(both.median), load_golden_array(sig, "onset_env_median").values), 3e-6);
  EXPECT_LE(max_rel_error(to_double(both.mean), load_golden_array(sig, "onset_env_mean").values), 3e-6);
}

namespace {
std::vector<std::string> signals_up_to_30s() {
  std::vector<std::string> out;
  for (const auto& s : golden_signals_with("mel_power"))
    if (golden_features(s)["genre_input_samples"] == golden_features(s)["technique_input_samples"])
      out.push_back(s);
  return out;
}
}  // namespace

INSTANTIATE_TEST_SUITE_P(Signals, GoldenOnsetFromMel, ::testing::ValuesIn(signals_up_to_30s()),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Signals, GoldenOnsetMedian,
                         ::testing::ValuesIn(golden_signals_with("onset_env_median")),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Signals, GoldenOnsetMean,
                         ::testing::ValuesIn(golden_signals_with("onset_env_mean")),
                         [](const auto& info) { return info.param; });
