// Unit tests for spectral_centroid, spectral_rolloff, zero_crossing_rate, rms and
// spectral_contrast: analytic cases, invalid parameters, pinned librosa defaults.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/features/spectral.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {
constexpr double kSr = 22050.0;
constexpr double kBinHz = kSr / 2048.0;

Matrix filled(std::size_t bins, std::size_t frames, float v) { return Matrix(bins, frames, v); }
}  // namespace

TEST(SpectralCentroid, SingleBinSpectrumGivesThatBinsFrequency) {
  Matrix S = filled(1025, 3, 0.0f);
  for (std::size_t t = 0; t < 3; ++t) S(5 + t, t) = 2.5f;
  const auto c = spectral_centroid(S, kSr);
  ASSERT_EQ(c.size(), 3u);
  for (std::size_t t = 0; t < 3; ++t) EXPECT_NEAR(c[t], (5 + t) * kBinHz, 1e-9);
}

TEST(SpectralCentroid, TwoEqualBinsGiveTheirMidpointAndSilenceGivesZero) {
  Matrix S = filled(1025, 2, 0.0f);
  S(10, 0) = 1.0f;
  S(30, 0) = 1.0f;
  const auto c = spectral_centroid(S, kSr);
  EXPECT_NEAR(c[0], 20 * kBinHz, 1e-9);
  EXPECT_EQ(c[1], 0.0);  // all-zero frame: left unnormalised, sum is 0
}

TEST(SpectralCentroid, NegativeOrNonFiniteMagnitudeThrows) {
  EXPECT_THROW(spectral_centroid(filled(9, 3, -1.0f), kSr), ParameterError);
  EXPECT_THROW(spectral_centroid(filled(9, 3, NAN), kSr), ParameterError);
  EXPECT_THROW(spectral_centroid(filled(1, 3, 1.0f), kSr), ParameterError);
  EXPECT_THROW(spectral_centroid(filled(9, 3, 1.0f), 0.0), ParameterError);
}

TEST(SpectralCentroid, AudioOverloadFindsASinesFrequency) {
  // A sine exactly on bin 64: the Hann-windowed spectrum is symmetric around it.
  std::vector<float> y(22050);
  for (std::size_t n = 0; n < y.size(); ++n)
    y[n] = static_cast<float>(std::sin(2 * std::numbers::pi * 64 * kBinHz * n / kSr));
  const auto c = spectral_centroid(y, kSr);
  EXPECT_NEAR(c[c.size() / 2], 64 * kBinHz, 0.5);
}

TEST(SpectralRolloff, FlatSpectrumRollsOffAt85PercentOfTheBins) {
  // 100 equal bins (0..99): the running sum reaches 0.85 * 100 at bin 84.
  Matrix S = filled(1025, 2, 0.0f);
  for (std::size_t k = 0; k < 100; ++k) S(k, 0) = 1.0f;
  const auto r = spectral_rolloff(S, {.sr = kSr});
  EXPECT_DOUBLE_EQ(r[0], 84 * kBinHz);
  EXPECT_EQ(r[1], 0.0);  // silent frame: 0 Hz
  const auto r50 = spectral_rolloff(S, {.sr = kSr, .roll_percent = 0.5});
  EXPECT_DOUBLE_EQ(r50[0], 49 * kBinHz);
}

TEST(SpectralRolloff, InvalidParametersThrow) {
  const Matrix S = filled(9, 2, 1.0f);
  EXPECT_THROW(spectral_rolloff(S, {.sr = kSr, .roll_percent = 0.0}), ParameterError);
  EXPECT_THROW(spectral_rolloff(S, {.sr = kSr, .roll_percent = 1.0}), ParameterError);
  EXPECT_THROW(spectral_rolloff(S, {.sr = -1.0}), ParameterError);
  EXPECT_THROW(spectral_rolloff(filled(9, 2, -1.0f), {}), ParameterError);
}

TEST(ZeroCrossingRate, AlternatingSignalCrossesAtEverySample) {
  std::vector<float> y(8192);
  for (std::size_t n = 0; n < y.size(); ++n) y[n] = n % 2 ? -0.5f : 0.5f;
  const auto z = zero_crossing_rate(y);
  ASSERT_EQ(z.size(), 1 + y.size() / 512);
  // Interior frames: 2047 crossings (the first sample of a frame never counts).
  EXPECT_DOUBLE_EQ(z[4], 2047.0 / 2048.0);
  // Frame 0 is 1024 edge copies of y[0] = 0.5, then y[0..1023]: y[0] continues the padding,
  // so there are 1023 crossings.
  EXPECT_DOUBLE_EQ(z[0], 1023.0 / 2048.0);
}

TEST(ZeroCrossingRate, ZeroCountsAsPositiveAndTinyValuesAsZero) {
  // 0, -0, +1e-12, -1e-12 all count as non-negative, so a constant-sign signal of them has
  // no crossings; -1 after them crosses once.
  std::vector<float> y = {0.0f, -0.0f, 1e-12f, -1e-12f, 0.0f, -1.0f, -1.0f, -1.0f};
  const auto z = zero_crossing_rate(y, {.frame_length = 8, .hop_length = 8, .center = false});
  ASSERT_EQ(z.size(), 1u);
  EXPECT_DOUBLE_EQ(z[0], 1.0 / 8.0);
}

TEST(ZeroCrossingRate, InvalidInputThrows) {
  std::vector<float> y(100, 0.1f);
  EXPECT_THROW(zero_crossing_rate(y, {.frame_length = 0}), ParameterError);
  EXPECT_THROW(zero_crossing_rate(y, {.hop_length = 0}), ParameterError);
  EXPECT_THROW(zero_crossing_rate(y, {.center = false}), ParameterError);  // shorter than a frame
  EXPECT_THROW(zero_crossing_rate(std::vector<float>{}), ParameterError);
  y[3] = INFINITY;
  EXPECT_THROW(zero_crossing_rate(y), ParameterError);
}

TEST(Rms, ConstantSignalGivesItsAbsoluteValueAwayFromTheEdges) {
  std::vector<float> y(8192, -0.25f);
  const auto r = rms(y);
  ASSERT_EQ(r.size(), 1 + y.size() / 512);
  EXPECT_FLOAT_EQ(r[5], 0.25f);
  // Frame 0 is half zero padding: sqrt(0.5) * 0.25.
  EXPECT_NEAR(r[0], std::sqrt(0.5) * 0.25, 1e-7);
  const auto re = rms(y, {.pad_mode = dsp::PadMode::Edge});
  EXPECT_FLOAT_EQ(re[0], 0.25f);
}

TEST(Rms, SineHasRmsOfAmplitudeOverRootTwo) {
  std::vector<float> y(44100);
  for (std::size_t n = 0; n < y.size(); ++n)
    y[n] = static_cast<float>(0.8 * std::sin(2 * std::numbers::pi * 441.0 * n / 44100.0));
  // 2000-sample frames hold exactly 20 periods, so the mean of sin^2 is exactly 1/2.
  const auto r = rms(y, {.frame_length = 2000, .hop_length = 500});
  EXPECT_NEAR(r[40], 0.8 / std::sqrt(2.0), 1e-6);
}

TEST(Rms, InvalidInputThrows) {
  std::vector<float> y(4096, 0.1f);
  EXPECT_THROW(rms(y, {.frame_length = -1}), ParameterError);
  EXPECT_THROW(rms(y, {.hop_length = 0}), ParameterError);
  y[0] = NAN;
  EXPECT_THROW(rms(y), ParameterError);
}

TEST(SpectralContrast, FlatSpectrumHasZeroContrastAndLinearModeSubtracts) {
  const Matrix S = filled(1025, 4, 0.3f);
  const MatrixD c = spectral_contrast(S, {.sr = kSr});
  ASSERT_EQ(c.rows, 7u);
  ASSERT_EQ(c.cols, 4u);
  for (double v : c.data) EXPECT_EQ(v, 0.0);
}

TEST(SpectralContrast, PeakAndValleyAreMeansOfTheExtremeBins) {
  // Band 6 at sr 44100 (6400 Hz .. Nyquist): bins 297..1024 (728 values), q = rint(14.56) = 15.
  // Put 15 bins at 4 and 15 at 0.25 in it, the rest at 1: contrast = 10 log10(4 / 0.25).
  Matrix S = filled(1025, 1, 1.0f);
  for (std::size_t i = 0; i < 15; ++i) {
    S(400 + i, 0) = 4.0f;
    S(800 + i, 0) = 0.25f;
  }
  const MatrixD c = spectral_contrast(S, {.sr = 44100.0});
  EXPECT_NEAR(c(6, 0), 10.0 * std::log10(16.0), 1e-9);
  for (std::size_t b = 0; b < 6; ++b) EXPECT_EQ(c(b, 0), 0.0) << "band " << b;
  const MatrixD lin = spectral_contrast(S, {.sr = 44100.0, .linear = true});
  EXPECT_NEAR(lin(6, 0), 3.75, 1e-9);
}

TEST(SpectralContrast, InvalidParametersThrow) {
  const Matrix S = filled(1025, 2, 1.0f);
  EXPECT_THROW(spectral_contrast(S, {.sr = kSr, .fmin = 0.0}), ParameterError);
  EXPECT_THROW(spectral_contrast(S, {.sr = kSr, .n_bands = 0}), ParameterError);
  EXPECT_THROW(spectral_contrast(S, {.sr = kSr, .quantile = 1.0}), ParameterError);
  EXPECT_THROW(spectral_contrast(S, {.sr = kSr, .n_bands = 8}), ParameterError);  // > Nyquist
  EXPECT_THROW(spectral_contrast(filled(9, 2, 1.0f), {.sr = kSr}), ParameterError);  // empty band
}

TEST(SpectralParams, DefaultsMatchLibrosa) {
  RolloffParams ro;
  EXPECT_EQ(ro.sr, 22050.0);
  EXPECT_EQ(ro.roll_percent, 0.85);
  ZcrParams z;
  EXPECT_EQ(z.frame_length, 2048);
  EXPECT_EQ(z.hop_length, 512);
  EXPECT_TRUE(z.center);
  EXPECT_EQ(z.threshold, 1e-10f);
  RmsParams r;
  EXPECT_EQ(r.frame_length, 2048);
  EXPECT_EQ(r.hop_length, 512);
  EXPECT_TRUE(r.center);
  EXPECT_EQ(r.pad_mode, dsp::PadMode::Constant);
  ContrastParams c;
  EXPECT_EQ(c.sr, 22050.0);
  EXPECT_EQ(c.fmin, 200.0);
  EXPECT_EQ(c.n_bands, 6);
  EXPECT_EQ(c.quantile, 0.02);
  EXPECT_FALSE(c.linear);
}
