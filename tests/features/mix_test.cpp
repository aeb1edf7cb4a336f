// Mix targets against hand-derived values for pure tones and simple stereo images.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "echoelml/core/error.h"
#include "echoelml/features/sets.h"

using namespace echoelml;

namespace {
io::AudioBuffer tone(double hz, double amp, std::size_t channels, double right_sign = 1.0) {
  io::AudioBuffer a;
  a.sr = 44100;
  a.channels = channels;
  a.frames = 44100 * 3;
  a.data.resize(channels * a.frames);
  for (std::size_t i = 0; i < a.frames; ++i) {
    float v = static_cast<float>(amp * std::sin(2 * std::numbers::pi * hz * i / 44100.0));
    a.data[i] = v;
    if (channels == 2) a.data[a.frames + i] = static_cast<float>(right_sign * v);
  }
  return a;
}
}  // namespace

TEST(MixFeatures, ToneEnergyLandsInItsBand) {
  auto f = features::mix_features(tone(1000.0, 0.5, 1));  // mid band: 500 Hz - 2 kHz
  EXPECT_GT(f.band_balance[3], 0.99);
  double sum = 0;
  for (double v : f.band_balance) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  ASSERT_EQ(f.spectrum.size(), 1024u);
  // The spectrum peaks at the bin nearest 1 kHz: 1000 / (44100 / 2048) = 46.4.
  auto peak = std::max_element(f.spectrum.begin(), f.spectrum.end()) - f.spectrum.begin();
  EXPECT_NEAR(static_cast<double>(peak), 46.4, 1.0);
}

TEST(MixFeatures, SineLevelsFollowTheAppsFormulas) {
  auto f = features::mix_features(tone(441.0, 0.95, 1));
  EXPECT_NEAR(f.peak_level, 0.95, 1e-3);
  EXPECT_NEAR(f.rms_level, 0.95 / std::sqrt(2.0), 1e-3);
  // 20 log10(peak / (rms + 1e-4)) = 20 log10(sqrt 2) = 3.01 dB for a sine
  EXPECT_NEAR(f.dynamic_range_db, 3.0103, 2e-3);
  EXPECT_DOUBLE_EQ(f.stereo_width, 0.0);
  // A full-scale-ish sine: BS.1770 gives about -3.0 + 20 log10(0.95) - 0.7 (K-weighting at 441 Hz ~ 0)
  EXPECT_NEAR(f.loudness_lufs, 20 * std::log10(0.95) - 3.01, 1.0);
}

TEST(MixFeatures, StereoWidthIsZeroForIdenticalAndOneForOppositeChannels) {
  EXPECT_NEAR(features::mix_features(tone(300.0, 0.3, 2, 1.0)).stereo_width, 0.0, 1e-12);
  EXPECT_NEAR(features::mix_features(tone(300.0, 0.3, 2, -1.0)).stereo_width, 1.0, 1e-12);
}

TEST(MixFeatures, SilenceIsFiniteAndFlat) {
  auto f = features::mix_features(tone(300.0, 0.0, 2));
  EXPECT_DOUBLE_EQ(f.peak_level, 0.0);
  EXPECT_DOUBLE_EQ(f.dynamic_range_db, 0.0);
  EXPECT_DOUBLE_EQ(f.loudness_lufs, -70.0);
  for (float v : f.spectrum) EXPECT_FLOAT_EQ(v, -100.0f);
}

TEST(MixFeatures, WrongRateThrows) {
  auto a = tone(300.0, 0.3, 1);
  a.sr = 48000;
  EXPECT_THROW(features::mix_features(a), ParameterError);
}
