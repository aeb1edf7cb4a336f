// features::MixStream (analyze's streamed app technique and mix sets) against the whole-buffer
// functions: chunked in odd sizes it must give exactly the same numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/features/mix_stream.h"
#include "echoelml/features/sets.h"
#include "echoelml/io/audio.h"
#include "support/shared_data.h"
#include "support/same_sets.h"

namespace echoelml::features {
namespace {

const std::vector<std::size_t> kChunks{1, 7, 4097, 100003, 3, 8192, 12345, 281000};

std::pair<AppTechniqueFeatures, MixFeatures> stream(const io::AudioBuffer& a) {
  std::vector<float> x(a.frames * a.channels);
  for (std::size_t i = 0; i < a.frames; ++i)
    for (std::size_t c = 0; c < a.channels; ++c) x[i * a.channels + c] = a.data[c * a.frames + i];
  MixStream s(a.channels);
  std::size_t at = 0;
  for (std::size_t k = 0; at < a.frames; ++k) {
    const std::size_t n = std::min(kChunks[k % kChunks.size()], a.frames - at);
    s.add_interleaved(x.data() + at * a.channels, n);
    at += n;
  }
  EXPECT_EQ(s.frames(), a.frames);
  return s.finish();
}

using test::expect_same;

void check(const io::AudioBuffer& a) {
  const auto [app_s, mix_s] = stream(a);
  const auto [app_w, mix_w] = app_and_mix_features(a);
  expect_same(app_s, app_w);
  expect_same(mix_s, mix_w);
  // The shared pass equals the two separate calls.
  expect_same(app_w, app_technique_features(a));
  expect_same(mix_w, mix_features(a));
}

io::AudioBuffer with_dc(std::size_t frames, std::size_t channels) {
  io::AudioBuffer a{.sr = 44100.0, .channels = channels, .frames = frames, .data = std::vector<float>(frames * channels)};
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i)
      a.data[c * frames + i] = static_cast<float>(0.3 + 0.2 * std::sin(0.013 * (c + 1) * static_cast<double>(i)));
  return a;
}

TEST(MixStream, RealStereoSongInOddChunksEqualsTheWholeBufferSets) {
  const auto a = io::load(test::shared_dir() / "data/real-audio/audio/13_wesnoth-1.16-music__journeys_end.ogg",
                          {.sr = 0.0, .mono = false, .duration = 20.0});
  ASSERT_EQ(a.sr, 44100.0);
  ASSERT_EQ(a.channels, 2u);
  check(a);
}

TEST(MixStream, MonoThreeChannelAndShortBuffersEqualTheWholeBufferSets) {
  check(with_dc(441000, 1));
  check(with_dc(50000, 3));
  check(with_dc(1500, 2));  // shorter than one Welch frame and than the app's 4096 window
  check(with_dc(5, 2));
}

TEST(MixStream, VarianceWithALargeDcOffsetIsStillAccurate) {
  // x = 0.3 + 0.2 sin(...): variance 0.02 (half of 0.2^2) up to the sine's incomplete last cycle.
  const auto a = with_dc(441000, 1);
  double mean = 0, var = 0;
  for (float v : a.data) mean += v;
  mean /= static_cast<double>(a.frames);
  for (float v : a.data) var += (v - mean) * (v - mean);
  var /= static_cast<double>(a.frames);
  EXPECT_NEAR(stream(a).first.spectrum_variance, var, 1e-12 * var);  // both sums round ~1e-13
  EXPECT_NEAR(var, 0.02, 1e-4);
}

TEST(MixStream, NothingAddedThrows) {
  MixStream s(2);
  EXPECT_THROW(s.finish(), ParameterError);
  EXPECT_THROW(MixStream(0), ParameterError);
}

}  // namespace
}  // namespace echoelml::features
