// Mix targets against hand-derived values for pure tones and simple stereo images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "echoelml/core/error.h"
#include "echoelml/features/sets.h"
#include "support/same_sets.h"

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

// The spectrum's scale and window by hand: a sine of amplitude A centred on bin k0 gives
// |X(k0)| = A/2 * sum(hann) = A/2 * 1024 in every 2048-sample frame, and the periodic Hann
// window puts exactly half that in bins k0 +- 1 (-6.02 dB); bins far away hold nothing.
TEST(MixFeatures, SpectrumIsTheWelchMeanOfHannFramesOfTheMidChannel) {
  const double A = 0.4, k0 = 100;
  const double hz = k0 * 44100.0 / 2048.0;
  auto a = tone(hz, A, 2, -1.0);  // L = -R: the mid channel is silent
  auto silent_mid = features::mix_features(a);
  EXPECT_LT(*std::max_element(silent_mid.spectrum.begin(), silent_mid.spectrum.end()), -95.0f);
  for (std::size_t i = 0; i < a.frames; ++i) a.data[a.frames + i] = a.data[i];  // L = R: mid = L
  const auto f = features::mix_features(a);
  const double top = 20.0 * std::log10(A / 2.0 * 1024.0);
  EXPECT_NEAR(f.spectrum[100], top, 0.01);
  EXPECT_NEAR(f.spectrum[99], top - 20.0 * std::log10(2.0), 0.01);
  EXPECT_NEAR(f.spectrum[101], top - 20.0 * std::log10(2.0), 0.01);
  EXPECT_LT(f.spectrum[300], top - 100.0);
}

TEST(MixFeatures, ClipShorterThanOneFrameIsOneZeroPaddedFrame) {
  io::AudioBuffer a{.sr = 44100, .channels = 1, .frames = 1000, .data = std::vector<float>(1000, 0.0f)};
  a.data[500] = 1.0f;  // an impulse: |X(k)| = hann[500] = 0.5 - 0.5 cos(2 pi 500 / 2048) in every bin
  const auto f = features::mix_features(a);
  const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * 500.0 / 2048.0);
  for (int k : {0, 17, 512, 1023}) EXPECT_NEAR(f.spectrum[k], 20.0 * std::log10(w), 1e-4) << k;
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

// analyze's shared pass must give exactly what the two public functions give on their own.
TEST(MixFeatures, SharedPassWithTheAppSetEqualsTheSeparateCalls) {
  for (std::size_t channels : {1u, 2u}) {
    io::AudioBuffer a{.sr = 44100, .channels = channels, .frames = 100003, .data = {}};
    a.data.resize(channels * a.frames);
    std::uint32_t state = 12345;
    for (float& v : a.data) {
      state = state * 1664525u + 1013904223u;  // a fixed pseudo-random sequence
      v = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
    }
    const auto [app, mix] = features::app_and_mix_features(a);
    const auto app1 = features::app_technique_features(a);
    const auto mix1 = features::mix_features(a);
    test::expect_same(app, app1);
    test::expect_same(mix, mix1);
    // And the app values are the formulas: the variance of a uniform [-0.5, 0.5) sequence ~ 1/12.
    EXPECT_NEAR(app.spectrum_variance, 1.0 / 12.0, 2e-3);
  }
}
