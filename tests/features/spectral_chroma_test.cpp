// Unit tests for pitch_tuning, estimate_tuning, chroma_filterbank and chroma_stft: analytic
// cases, invalid parameters, pinned librosa defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/chroma.h"

using namespace echoelml;
using namespace echoelml::features;

TEST(PitchTuning, InTuneFrequenciesGiveZero) {
  const std::vector<float> f = {440.0f, 220.0f, 261.6255653f, 329.6275569f, 880.0f};
  EXPECT_EQ(pitch_tuning(f), 0.0 * 0.01 - 0.0);  // the bin [0, 0.01) has left edge 0
}

TEST(PitchTuning, DetunedFrequenciesGiveTheHistogramLeftEdge) {
  // 0.253 semitone sharp of A4 and A3 -> residual ~0.253, bin [0.25, 0.26).
  const float up = static_cast<float>(440.0 * std::pow(2.0, 0.253 / 12));
  const std::vector<float> f = {up, up / 2, up * 2, 300.0f};
  EXPECT_NEAR(pitch_tuning(f), 0.25, 1e-12);
  // 0.3 semitone flat -> residual -0.3 (not 0.7), bin [-0.30, -0.29).
  const float down = static_cast<float>(440.0 * std::pow(2.0, -0.295 / 12));
  EXPECT_NEAR(pitch_tuning(std::vector<float>{down, down}), -0.30, 1e-12);
}

TEST(PitchTuning, EmptyOrNonPositiveSetGivesZero) {
  EXPECT_EQ(pitch_tuning(std::vector<float>{}), 0.0);
  EXPECT_EQ(pitch_tuning(std::vector<float>{0.0f, -3.0f}), 0.0);
  EXPECT_THROW(pitch_tuning(std::vector<float>{440.0f}, {.resolution = 0.0}), ParameterError);
  EXPECT_THROW(pitch_tuning(std::vector<float>{440.0f}, {.bins_per_octave = 0}), ParameterError);
}

TEST(EstimateTuning, DetunedSineIsFoundWithinTheResolution) {
  // A sine 0.2 semitone above A4: piptrack's parabolic interpolation of the power spectrum
  // lands within a few hundredths of a semitone.
  const double sr = 22050.0, f0 = 440.0 * std::pow(2.0, 0.2 / 12);
  std::vector<float> y(22050);
  for (std::size_t n = 0; n < y.size(); ++n)
    y[n] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * f0 * n / sr));
  const Matrix P = dsp::square(dsp::stft_magnitude(y));
  EXPECT_NEAR(estimate_tuning(P, sr), 0.2, 0.06);
  EXPECT_EQ(estimate_tuning(Matrix(1025, 4, 0.0f), sr), 0.0);  // silence: no peaks
  EXPECT_THROW(estimate_tuning(P, 0.0), ParameterError);
  EXPECT_THROW(estimate_tuning(P, sr, {.fmin = 500.0, .fmax = 100.0}), ParameterError);
}

TEST(ChromaFilterbank, ColumnsPeakAtTheirPitchClassAndRowZeroIsC) {
  const Matrix W = chroma_filterbank({.sr = 44100.0, .n_fft = 8192});
  ASSERT_EQ(W.rows, 12u);
  ASSERT_EQ(W.cols, 4097u);
  auto argmax_at = [&](double hz) {
    const auto k = static_cast<std::size_t>(std::lround(hz * 8192 / 44100.0));
    std::size_t best = 0;
    for (std::size_t c = 1; c < 12; ++c)
      if (W(c, k) > W(best, k)) best = c;
    return best;
  };
  EXPECT_EQ(argmax_at(261.63), 0u);  // C4
  EXPECT_EQ(argmax_at(440.0), 9u);   // A4
  EXPECT_EQ(argmax_at(783.99), 7u);  // G5
  EXPECT_THROW(chroma_filterbank({.n_fft = 7}), ParameterError);
  EXPECT_THROW(chroma_filterbank({.n_chroma = 0}), ParameterError);
  EXPECT_THROW(chroma_filterbank({.octwidth = 0.0}), ParameterError);
}

TEST(ChromaFilterbank, UnweightedColumnsHaveUnitL2Norm) {
  const Matrix W = chroma_filterbank({.sr = 22050.0, .n_fft = 2048, .octwidth = std::nullopt});
  for (std::size_t k = 0; k < W.cols; ++k) {
    double ss = 0;
    for (std::size_t c = 0; c < 12; ++c) ss += double(W(c, k)) * W(c, k);
    EXPECT_NEAR(ss, 1.0, 1e-6) << "bin " << k;
  }
}

TEST(ChromaStft, ASineLightsItsPitchClassAndFramesAreMaxNormalised) {
  const double sr = 22050.0;
  std::vector<float> y(11025);
  for (std::size_t n = 0; n < y.size(); ++n)
    y[n] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 392.0 * n / sr));  // G4
  const Matrix C = chroma_stft(y, {.sr = sr, .tuning = 0.0});
  ASSERT_EQ(C.rows, 12u);
  for (std::size_t t = 0; t < C.cols; ++t) {
    float mx = 0;
    std::size_t arg = 0;
    for (std::size_t c = 0; c < 12; ++c)
      if (C(c, t) > mx) mx = C(c, arg = c);
    EXPECT_FLOAT_EQ(mx, 1.0f);
    EXPECT_EQ(arg, 7u) << "frame " << t;
  }
  const Matrix Z = chroma_stft(Matrix(1025, 3, 0.0f), {.sr = sr});  // silence stays 0
  for (float v : Z.data) EXPECT_EQ(v, 0.0f);
  EXPECT_THROW(chroma_stft(Matrix(1025, 3, -1.0f), {.sr = sr}), ParameterError);
  EXPECT_THROW(chroma_stft(Matrix(1025, 3, 1.0f), {.sr = 0.0}), ParameterError);
}

TEST(ChromaParams, DefaultsMatchLibrosa) {
  ChromaParams c;
  EXPECT_EQ(c.sr, 22050.0);
  EXPECT_EQ(c.n_chroma, 12);
  EXPECT_FALSE(c.tuning.has_value());
  EXPECT_EQ(c.norm, ChromaNorm::Max);
  ChromaFilterParams f;
  EXPECT_EQ(f.n_fft, 2048);
  EXPECT_EQ(f.tuning, 0.0);
  EXPECT_EQ(f.ctroct, 5.0);
  EXPECT_EQ(f.octwidth, 2.0);
  EXPECT_TRUE(f.base_c);
  TuningParams t;
  EXPECT_EQ(t.resolution, 0.01);
  EXPECT_EQ(t.bins_per_octave, 12);
  EXPECT_EQ(t.fmin, 150.0);
  EXPECT_EQ(t.fmax, 4000.0);
  EXPECT_EQ(t.threshold, 0.1);
}
