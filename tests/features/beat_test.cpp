// tempo / tempogram / beat_track on synthetic click-train envelopes with known periods, the
// fast tempogram against the per-frame reference, and parameter errors.
#include <gtest/gtest.h>

#include <random>

#include "echoelml/core/error.h"
#include "echoelml/features/beat.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {
// An onset envelope with a unit pulse every `period` frames starting at `phase`.
std::vector<float> click_envelope(std::size_t n, int period, int phase) {
  std::vector<float> env(n, 0.0f);
  for (std::size_t t = static_cast<std::size_t>(phase); t < n; t += static_cast<std::size_t>(period))
    env[t] = 1.0f;
  return env;
}
TempoParams at44k() {
  TempoParams p;
  p.sr = 44100.0;
  return p;
}
}  // namespace

TEST(TempogramMean, FastFormulationMatchesPerFrameReference) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.0f, 3.0f);
  std::vector<float> env(700);
  for (auto& v : env) v = u(rng) < 2.0f ? 0.0f : u(rng);  // sparse, like onset envelopes
  for (std::size_t t = 300; t < 340; ++t) env[t] = 0.0f;  // a silent stretch
  for (int W : {689, 64, 7}) {
    const auto fast = tempogram_mean(env, W);
    const auto ref = tempogram_mean_reference(env, W);
    ASSERT_EQ(fast.size(), static_cast<std::size_t>(W));
    for (int k = 0; k < W; ++k) EXPECT_NEAR(fast[k], ref[k], 1e-12) << "W=" << W << " k=" << k;
  }
  // Lag 0 of every normalised frame is 1 and no frame is silent here.
  EXPECT_NEAR(tempogram_mean(env, 689)[0], 1.0, 1e-12);
}

TEST(TempogramMean, AllZeroFramesContributeZero) {
  const auto tg = tempogram_mean(std::vector<float>(50, 0.0f), 9);
  for (double v : tg) EXPECT_EQ(v, 0.0);
}

TEST(Tempo, ClickTrainEveryFortyThreeFramesGives120Bpm) {
  const auto est = tempo(click_envelope(2000, 43, 5), at44k());
  EXPECT_EQ(est.best_lag, 43);
  EXPECT_DOUBLE_EQ(est.bpm, 60.0 * 44100.0 / (512.0 * 43));
  EXPECT_EQ(est.tempogram_mean.size(), 689u);
}

TEST(Tempo, FrequenciesAndWindowLength) {
  EXPECT_EQ(tempogram_win_length(at44k()), 689);
  EXPECT_EQ(tempogram_win_length(TempoParams{}), 344);  // 22050 Hz default
  const auto f = tempo_frequencies(4, 44100.0, 512);
  EXPECT_TRUE(std::isinf(f[0]));
  EXPECT_DOUBLE_EQ(f[2], 60.0 * 44100.0 / 1024.0);
}

TEST(BeatTrack, ClickTrainBeatsLandOnTheClicks) {
  const int period = 52, phase = 10;
  const auto env = click_envelope(1500, period, phase);
  BeatTrackParams p;
  p.tempo = at44k();
  const auto r = beat_track(env, p);
  EXPECT_EQ(r.period, period);
  EXPECT_NEAR(r.tempo, 60.0 * 44100.0 / 512.0 / period, 1e-9);
  ASSERT_GE(r.beats.size(), 20u);
  for (std::size_t i = 0; i < r.beats.size(); ++i) {
    EXPECT_EQ((r.beats[i] - phase) % period, 0) << "beat " << i << " at " << r.beats[i];
    if (i > 0) EXPECT_EQ(r.beats[i] - r.beats[i - 1], period);
  }
  // The trim slice drops the last valid beat, so the final click is never reported.
  EXPECT_LT(r.beats.back(), 1500 - period);
}

TEST(BeatTrack, GivenBpmSkipsTempoEstimation) {
  BeatTrackParams p;
  p.tempo = at44k();
  p.bpm = 60.0 * 44100.0 / 512.0 / 40.0;
  const auto r = beat_track(click_envelope(1200, 40, 0), p);
  EXPECT_EQ(r.period, 40);
  EXPECT_TRUE(r.tempogram_mean.empty());
  EXPECT_FALSE(r.beats.empty());
}

TEST(BeatTrack, AllZeroEnvelopeGivesNoTempoAndNoBeats) {
  const auto r = beat_track(std::vector<float>(500, 0.0f), {});
  EXPECT_EQ(r.tempo, 0.0);
  EXPECT_TRUE(r.beats.empty());
  EXPECT_TRUE(r.localscore.empty());
}

TEST(BeatTrack, InvalidParamsThrow) {
  const auto env = click_envelope(300, 20, 0);
  BeatTrackParams p;
  p.tightness = 0;
  EXPECT_THROW(beat_track(env, p), ParameterError);
  p = {};
  p.bpm = -1.0;
  EXPECT_THROW(beat_track(env, p), ParameterError);
  p = {};
  p.tempo.hop_length = 0;
  EXPECT_THROW(beat_track(env, p), ParameterError);
  p = {};
  p.tempo.start_bpm = 0;
  EXPECT_THROW(tempo(env, p.tempo), ParameterError);
  EXPECT_THROW(tempo(std::vector<float>{}, at44k()), ParameterError);
}

TEST(LocalMax, StrictOnTheLeftInclusiveOnTheRight) {
  const std::vector<double> x{1, 1, 2, 2, 1, 3};
  const auto m = localmax(x);
  EXPECT_EQ(m, (std::vector<bool>{false, false, true, false, false, true}));
}

TEST(BeatTrackParams, DefaultsMatchLibrosa) {
  BeatTrackParams p;
  EXPECT_EQ(p.tightness, 100.0);
  EXPECT_TRUE(p.trim);
  EXPECT_EQ(p.tempo.start_bpm, 120.0);
  EXPECT_EQ(p.tempo.std_bpm, 1.0);
  EXPECT_EQ(p.tempo.ac_size, 8.0);
  EXPECT_EQ(p.tempo.max_tempo, 320.0);
  EXPECT_EQ(p.tempo.hop_length, 512);
}
