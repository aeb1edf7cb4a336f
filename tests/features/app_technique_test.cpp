// The app's own technique formulas (app-contract §4), checked against hand-derived values.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "echoelml/core/error.h"
#include "echoelml/features/sets.h"

using namespace echoelml;

namespace {
io::AudioBuffer make_buffer(std::size_t channels, std::size_t frames, auto&& fn) {
  io::AudioBuffer a;
  a.sr = 44100;
  a.channels = channels;
  a.frames = frames;
  a.data.resize(channels * frames);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i) a.data[c * frames + i] = fn(c, i);
  return a;
}
}  // namespace

TEST(AppTechniqueFeatures, UnitSineOnBothChannelsGivesWidthOneHalf) {
  // mean(sin^2) = 1/2 over whole periods, so 1 - mean(L*R) = 0.5 (the contract's example).
  auto a = make_buffer(2, 44100, [](std::size_t, std::size_t i) {
    return static_cast<float>(std::sin(2 * std::numbers::pi * 441.0 * i / 44100.0));
  });
  auto f = features::app_technique_features(a);
  ASSERT_TRUE(f.stereo_width.has_value());
  EXPECT_NEAR(*f.stereo_width, 0.5, 1e-6);
  EXPECT_NEAR(f.dynamic_range, 2.0, 1e-3);
  EXPECT_NEAR(f.spectrum_variance, 0.5, 1e-6);  // time-domain variance of a unit sine
}

TEST(AppTechniqueFeatures, SilenceGivesWidthOneAndMonoHasNoWidth) {
  auto st = make_buffer(2, 8192, [](std::size_t, std::size_t) { return 0.0f; });
  EXPECT_DOUBLE_EQ(*features::app_technique_features(st).stereo_width, 1.0);
  auto mono = make_buffer(1, 8192, [](std::size_t, std::size_t) { return 0.25f; });
  auto f = features::app_technique_features(mono);
  EXPECT_FALSE(f.stereo_width.has_value());
  EXPECT_DOUBLE_EQ(f.dynamic_range, 0.0);
  EXPECT_DOUBLE_EQ(f.spectrum_variance, 0.0);
}

TEST(AppTechniqueFeatures, TemporalModulationOfAConstantIsTheWindowedProduct) {
  // x = 0.5 everywhere and N >= 4410 + 4096: every lag sums 4096 products of 0.25 -> 1024,
  // divided by 4096 -> 0.25.
  auto a = make_buffer(1, 44100, [](std::size_t, std::size_t) { return 0.5f; });
  EXPECT_NEAR(features::app_technique_features(a).temporal_modulation, 0.25, 1e-9);
}

TEST(AppTechniqueFeatures, ShortBuffersFollowTheAppsZeroRules) {
  auto a = make_buffer(1, 1000, [](std::size_t, std::size_t i) { return i % 2 ? 0.5f : -0.5f; });
  auto f = features::app_technique_features(a);
  EXPECT_DOUBLE_EQ(f.spectrum_variance, 0.0);     // N < 1024
  EXPECT_DOUBLE_EQ(f.temporal_modulation, 0.0);   // N < 4096
  EXPECT_DOUBLE_EQ(f.dynamic_range, 1.0);
}

TEST(AppTechniqueFeatures, EmptyBufferThrows) {
  io::AudioBuffer a;
  EXPECT_THROW(features::app_technique_features(a), ParameterError);
}
