// librosa.load parity on the synthetic golden set (shared/golden/librosa, librosa 0.10.1).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "io/io_test_util.h"
#include "support/shared_data.h"

namespace echoelml::io {
namespace {

using test::golden_features;
using test::golden_wav;
using test::load_golden_array;

TEST(LoadParams, DefaultsAreTheProjectsLoadCall) {
  LoadParams p;
  EXPECT_EQ(p.sr, 44100.0);
  EXPECT_TRUE(p.mono);
  EXPECT_EQ(p.offset, 0.0);
  EXPECT_FALSE(p.duration.has_value());
}

// The one resampling golden: 22050 Hz float32 mono -> 44100 Hz, soxr_hq, bit-exact.
TEST(LoadGolden, ResamplingMix22050To44100IsBitExactWithLibrosa) {
  const auto golden = load_golden_array("mix_sr22050_3s", "y_mono_44k");
  const AudioBuffer y = load(golden_wav("mix_sr22050_3s"));
  ASSERT_EQ(y.sr, 44100.0);
  ASSERT_EQ(y.channels, 1u);
  ASSERT_EQ(y.frames, golden.values.size());
  ASSERT_EQ(y.frames, 132300u);
  std::size_t mismatches = 0, first = 0;
  for (std::size_t i = 0; i < y.frames; ++i) {
    if (static_cast<float>(golden.values[i]) != y.data[i]) {
      if (mismatches++ == 0) first = i;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "first mismatch at sample " << first;
}

TEST(LoadGolden, PublicResampleMatchesTheLoadPath) {
  const AudioBuffer native = load(golden_wav("mix_sr22050_3s"), {.sr = 0.0});
  ASSERT_EQ(native.sr, 22050.0);
  const auto golden = load_golden_array("mix_sr22050_3s", "y_mono_44k");
  const auto y = resample(native.data, 22050.0, 44100.0);
  ASSERT_EQ(y.size(), golden.values.size());
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], static_cast<float>(golden.values[i])) << i;
}

// PCM-16 is scaled by 1/32768: check against the raw int16 samples of the WAV, read by hand.
TEST(LoadGolden, Pcm16SamplesAreTheIntegersDividedBy32768) {
  const auto path = golden_wav("chord_cmaj_3s");
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::size_t pos = 12, data_off = 0, data_len = 0;
  while (pos + 8 <= bytes.size()) {
    std::uint32_t len;
    std::memcpy(&len, &bytes[pos + 4], 4);
    if (std::memcmp(&bytes[pos], "data", 4) == 0) {
      data_off = pos + 8, data_len = len;
      break;
    }
    pos += 8 + len + (len & 1);
  }
  ASSERT_GT(data_len, 0u);
  const AudioBuffer y = load(path);
  ASSERT_EQ(y.frames, data_len / 2);
  for (std::size_t i = 0; i < y.frames; ++i) {
    std::int16_t s;
    std::memcpy(&s, &bytes[data_off + 2 * i], 2);
    ASSERT_EQ(y.data[i], static_cast<float>(s) / 32768.0f) << i;
  }
}

// dynamic_range = max(y) - min(y) of the full mono load: a float32-exact check of decoding and,
// for stereo files, of the (L+R)/2 downmix.
TEST(LoadGolden, DynamicRangeOfEveryGoldenSignalMatchesLibrosaExactly) {
  for (const auto& name : test::golden_signals()) {
    const auto f = golden_features(name);
    const AudioBuffer y = load(golden_wav(name));
    const float expected = f["technique"]["dynamic_range"].get<float>();
    EXPECT_EQ(test::dynamic_range(y.data), expected) << name;
  }
}

// genre n_frames = 1 + N/512 for the duration=30 s load (center=True): checks the cut.
TEST(LoadGolden, ThirtySecondCutGivesLibrosasFrameCount) {
  for (const auto& name : test::golden_signals()) {
    const auto f = golden_features(name);
    const AudioBuffer y = load(golden_wav(name), {.duration = 30.0});
    EXPECT_EQ(1 + y.frames / 512, f["genre"]["n_frames"].get<std::size_t>()) << name;
  }
}

TEST(LoadGolden, StereoLoadKeepsChannelsAndMatchesLibrosasCorrcoef) {
  const auto f = golden_features("stereo_partial_3s");
  const AudioBuffer st = load(golden_wav("stereo_partial_3s"), {.mono = false});
  ASSERT_EQ(st.channels, 2u);
  EXPECT_NEAR(test::corrcoef(st.channel(0), st.channel(1)),
              f["technique"]["stereo_corrcoef"].get<double>(), 1e-9);
  // mono is exactly (L+R)/2 of the stereo load.
  const AudioBuffer mono = load(golden_wav("stereo_partial_3s"));
  ASSERT_EQ(mono.frames, st.frames);
  for (std::size_t i = 0; i < mono.frames; ++i)
    ASSERT_EQ(mono.data[i], (st.channel(0)[i] + st.channel(1)[i]) / 2.0f) << i;
}

TEST(LoadGolden, OffsetAndDurationCutAtTheNativeRate) {
  const auto path = golden_wav("mix_sr22050_3s");
  const AudioBuffer full = load(path, {.sr = 0.0});
  // int(0.5 * 22050) = 11025 frames skipped, int(1.00001 * 22050) = 22050 frames read.
  const AudioBuffer part = load(path, {.sr = 0.0, .offset = 0.5, .duration = 1.00001});
  ASSERT_EQ(part.frames, 22050u);
  for (std::size_t i = 0; i < part.frames; ++i) ASSERT_EQ(part.data[i], full.data[11025 + i]);
  // The cut happens before resampling: 22050 native frames -> ceil(22050*2) = 44100 samples.
  const AudioBuffer part44 = load(path, {.offset = 0.5, .duration = 1.00001});
  EXPECT_EQ(part44.frames, 44100u);
  EXPECT_EQ(part44.data, resample(part.data, 22050.0, 44100.0));
}

TEST(LoadGolden, DurationLongerThanTheFileReadsToTheEnd) {
  const AudioBuffer y = load(golden_wav("short_0p1s"), {.duration = 30.0});
  EXPECT_EQ(y.frames, 4410u);
}

TEST(Resample, EqualRatesReturnTheInputUnchanged) {
  const std::vector<float> x{0.1f, -0.2f, 0.3f};
  EXPECT_EQ(resample(x, 44100.0, 44100.0), x);
}

TEST(Resample, OutputLengthIsCeilOfNTimesRatio) {
  std::vector<float> x(1001, 0.25f);
  EXPECT_EQ(resample(x, 44100.0, 22050.0).size(), 501u);   // ceil(500.5)
  EXPECT_EQ(resample(x, 48000.0, 44100.0).size(), 920u);   // ceil(919.6875)
  EXPECT_EQ(resample(x, 22050.0, 44100.0).size(), 2002u);
  EXPECT_TRUE(resample({}, 22050.0, 44100.0).empty());
}

TEST(Resample, ConstantSignalStaysConstantAwayFromTheEdges) {
  std::vector<float> x(48000, 0.5f);
  const auto y = resample(x, 48000.0, 44100.0);
  for (std::size_t i = 2000; i + 2000 < y.size(); ++i) ASSERT_NEAR(y[i], 0.5f, 1e-4f) << i;
}

TEST(Resample, NonPositiveRatesThrow) {
  const std::vector<float> x(10, 0.0f);
  EXPECT_THROW(resample(x, 0.0, 44100.0), ParameterError);
  EXPECT_THROW(resample(x, 44100.0, -1.0), ParameterError);
}

}  // namespace
}  // namespace echoelml::io
