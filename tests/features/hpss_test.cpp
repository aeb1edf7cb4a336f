// HPSS on synthetic spectrograms: a steady tone is harmonic, a click is percussive.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "echoelml/core/error.h"
#include "echoelml/features/hpss.h"

using namespace echoelml;
using namespace echoelml::features;

TEST(HpssMasks, HorizontalLineIsHarmonicVerticalLineIsPercussive) {
  Matrix S(101, 101, 0.0f);
  for (std::size_t t = 0; t < S.cols; ++t) S(20, t) = 1.0f;  // a steady partial
  for (std::size_t b = 0; b < S.rows; ++b) S(b, 70) = 1.0f;  // a broadband click
  const auto m = hpss_masks(S);
  EXPECT_FLOAT_EQ(m.harmonic(20, 10), 1.0f);
  EXPECT_FLOAT_EQ(m.percussive(20, 10), 0.0f);
  EXPECT_FLOAT_EQ(m.harmonic(60, 70), 0.0f);
  EXPECT_FLOAT_EQ(m.percussive(60, 70), 1.0f);
  // Both medians are 0 away from the lines: split_zeros gives 0.5 to each.
  EXPECT_FLOAT_EQ(m.harmonic(60, 10), 0.5f);
  EXPECT_FLOAT_EQ(m.percussive(60, 10), 0.5f);
}

TEST(Hpss, SteadySineGoesToTheHarmonicPart) {
  std::vector<float> y(44100);
  for (std::size_t n = 0; n < y.size(); ++n)
    y[n] = 0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * 440.0 * n / 44100.0));
  const auto hp = hpss(y);
  ASSERT_EQ(hp.harmonic.size(), y.size());
  ASSERT_EQ(hp.percussive.size(), y.size());
  EXPECT_GT(harmonic_ratio(y, hp.harmonic), 0.95);
  EXPECT_LT(harmonic_ratio(y, hp.percussive), 0.1);
  EXPECT_EQ(hpss_harmonic(y), hp.harmonic);
}

TEST(Hpss, SilenceGivesSilence) {
  std::vector<float> y(5000, 0.0f);
  const auto h = hpss_harmonic(y);
  for (float v : h) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(harmonic_ratio(y, h), 0.0);
}

TEST(Hpss, InvalidParamsThrow) {
  std::vector<float> y(4096, 0.1f);
  HpssParams p;
  p.kernel_harmonic = 30;
  EXPECT_THROW(hpss(y, p), ParameterError);
  p = {};
  p.power = 0.0;
  EXPECT_THROW(hpss_harmonic(y, p), ParameterError);
  p = {};
  p.margin_percussive = 0.5;
  EXPECT_THROW(hpss_masks(Matrix(3, 3, 1.0f), p), ParameterError);
}

TEST(HpssParams, DefaultsMatchLibrosa) {
  HpssParams p;
  EXPECT_EQ(p.kernel_harmonic, 31);
  EXPECT_EQ(p.kernel_percussive, 31);
  EXPECT_EQ(p.power, 2.0);
  EXPECT_EQ(p.margin_harmonic, 1.0);
  EXPECT_EQ(p.stft.n_fft, 2048);
}
