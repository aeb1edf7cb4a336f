// Tempo and beat tracking against librosa 0.10.1 (shared/golden/librosa): tempo, beat frames
// and n_beats exactly; tempogram mean within 3e-6 of its max; the DP's localscore and
// cumscore within 3e-6 relative (shared/docs/librosa-algorithms.md). The input is the golden
// onset_env_median itself, so this checks the tracker alone; onset_test checks the envelope.
#include <gtest/gtest.h>

#include "echoelml/features/beat.h"
#include "echoelml/features/onset.h"
#include "support/shared_data.h"

using namespace echoelml;
using namespace echoelml::test;

namespace {
features::BeatTrackParams at44k() {
  features::BeatTrackParams p;
  p.tempo.sr = 44100.0;
  return p;
}
std::vector<float> golden_envelope(const std::string& sig) {
  const auto g = load_golden_array(sig, "onset_env_median");
  return std::vector<float>(g.values.begin(), g.values.end());  // float32 values, exact
}
}  // namespace

class GoldenBeats : public ::testing::TestWithParam<std::string> {};
class GoldenBeatDp : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenBeats, TempoAndBeatFramesMatchLibrosaExactly) {
  const auto& sig = GetParam();
  const auto r = features::beat_track(golden_envelope(sig), at44k());
  const auto js = golden_features(sig)["genre"];
  EXPECT_EQ(r.tempo, js["tempo"].get<double>());
  EXPECT_EQ(static_cast<int>(r.beats.size()), js["n_beats"].get<int>());
  const auto g = load_golden_array(sig, "beat_frames");
  ASSERT_EQ(r.beats.size(), g.values.size());
  for (std::size_t i = 0; i < r.beats.size(); ++i)
    EXPECT_EQ(static_cast<double>(r.beats[i]), g.values[i]) << "beat " << i;
}

TEST_P(GoldenBeatDp, TempogramLocalscoreCumscoreMatchLibrosa) {
  const auto& sig = GetParam();
  const auto r = features::beat_track(golden_envelope(sig), at44k());
  const auto js = golden_features(sig)["genre"];
  EXPECT_EQ(r.period, js["beat_period_frames"].get<int>());
  EXPECT_EQ(static_cast<int>(r.tempogram_mean.size()), js["tempogram_win_length"].get<int>());
  EXPECT_LE(max_rel_error(r.tempogram_mean, load_golden_array(sig, "tempogram_mean").values), 3e-6);
  EXPECT_LE(max_rel_error(r.localscore, load_golden_array(sig, "beat_localscore").values), 3e-6);
  EXPECT_LE(max_rel_error(r.cumscore, load_golden_array(sig, "beat_cumscore").values), 3e-6);
}

TEST_P(GoldenBeats, FromAudioTempoAndBeatsMatchLibrosa) {
  // The whole chain as the genre set runs it: median onset envelope of y, then beat_track.
  const auto& sig = GetParam();
  features::OnsetStrengthParams op;
  op.mel.mel.sr = 44100.0;
  op.aggregate = features::OnsetAggregate::Median;
  const auto r = features::beat_track(features::onset_strength(golden_input(sig, true), op), at44k());
  const auto g = load_golden_array(sig, "beat_frames");
  EXPECT_EQ(r.tempo, golden_features(sig)["genre"]["tempo"].get<double>());
  ASSERT_EQ(r.beats.size(), g.values.size());
  for (std::size_t i = 0; i < r.beats.size(); ++i) EXPECT_EQ(static_cast<double>(r.beats[i]), g.values[i]);
}

INSTANTIATE_TEST_SUITE_P(Signals, GoldenBeats, ::testing::ValuesIn(golden_signals_with("beat_frames")),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Signals, GoldenBeatDp, ::testing::ValuesIn(golden_signals_with("beat_cumscore")),
                         [](const auto& info) { return info.param; });
