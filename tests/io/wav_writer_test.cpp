// write_wav: round trips through load, subtypes, clipping, atomicity and refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "support/shared_data.h"

namespace echoelml::io {
namespace {

namespace fs = std::filesystem;

class WavWriter : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("echoelml_io_wav"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// Values on the PCM-16 grid (k/32768), different per channel, covering both extremes.
AudioBuffer grid_signal(std::size_t frames, std::size_t channels, double sr) {
  AudioBuffer a{.sr = sr, .channels = channels, .frames = frames, .data = std::vector<float>(frames * channels)};
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i) {
      const long k = static_cast<long>((i * 7919 + c * 104729) % 65536) - 32768;  // -32768..32767
      a.data[c * frames + i] = static_cast<float>(k) / 32768.0f;
    }
  return a;
}

TEST_F(WavWriter, Pcm16RoundTripIsExactOnThe16BitGrid) {
  const AudioBuffer a = grid_signal(70000, 2, 44100.0);  // > several write blocks
  const auto p = dir_ / "a.wav";
  write_wav(p, a);
  const AudioInfo info = probe(p);
  EXPECT_EQ(info.format, "WAV");
  EXPECT_EQ(info.subtype, "PCM_16");
  EXPECT_EQ(info.channels, 2u);
  EXPECT_EQ(info.frames, 70000u);
  const AudioBuffer b = load(p, {.sr = 0.0, .mono = false});
  EXPECT_EQ(b.sr, 44100.0);
  ASSERT_EQ(b.channels, 2u);
  EXPECT_EQ(b.data, a.data);
}

TEST_F(WavWriter, Pcm24AndFloat32RoundTrip) {
  AudioBuffer a{.sr = 48000.0, .channels = 1, .frames = 1000, .data = std::vector<float>(1000)};
  for (std::size_t i = 0; i < a.frames; ++i) a.data[i] = static_cast<float>(0.9 * std::sin(0.05 * i));
  write_wav(dir_ / "f.wav", a, WavSubtype::Float32);
  EXPECT_EQ(probe(dir_ / "f.wav").subtype, "FLOAT");
  EXPECT_EQ(load(dir_ / "f.wav", {.sr = 0.0}).data, a.data);

  write_wav(dir_ / "p24.wav", a, WavSubtype::Pcm24);
  EXPECT_EQ(probe(dir_ / "p24.wav").subtype, "PCM_24");
  const AudioBuffer b = load(dir_ / "p24.wav", {.sr = 0.0});
  ASSERT_EQ(b.frames, a.frames);
  for (std::size_t i = 0; i < a.frames; ++i) {
    EXPECT_NEAR(b.data[i], a.data[i], 0.5 / 8388608.0 + 1e-9) << i;  // half a 24-bit step
    EXPECT_EQ(b.data[i] * 8388608.0f, std::round(b.data[i] * 8388608.0f)) << i;  // on the grid
  }
}

TEST_F(WavWriter, Pcm16RoundsToNearestAndClipsOutOfRange) {
  AudioBuffer a{.sr = 8000.0, .channels = 1, .frames = 5,
                .data = {1.5f, -2.0f, 1.0f, 0.3f / 32768.0f, 0.7f / 32768.0f}};
  write_wav(dir_ / "c.wav", a);
  const AudioBuffer b = load(dir_ / "c.wav", {.sr = 0.0});
  const std::vector<float> expected{32767.0f / 32768.0f, -1.0f, 32767.0f / 32768.0f, 0.0f, 1.0f / 32768.0f};
  EXPECT_EQ(b.data, expected);
}

TEST_F(WavWriter, ZeroFramesWritesAValidEmptyFile) {
  AudioBuffer a{.sr = 22050.0, .channels = 2, .frames = 0, .data = {}};
  write_wav(dir_ / "e.wav", a);
  EXPECT_EQ(probe(dir_ / "e.wav").frames, 0u);
  EXPECT_EQ(load(dir_ / "e.wav").frames, 0u);
}

TEST_F(WavWriter, OverwritesAtomicallyAndLeavesNoTemporaryFiles) {
  const auto p = dir_ / "x.wav";
  write_wav(p, grid_signal(100, 1, 8000.0));
  write_wav(p, grid_signal(200, 1, 8000.0));
  EXPECT_EQ(probe(p).frames, 200u);
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
  EXPECT_EQ(n, 1u);
}

TEST_F(WavWriter, BadBuffersThrowParameterErrorAndWriteNothing) {
  const auto p = dir_ / "bad.wav";
  AudioBuffer nan{.sr = 8000.0, .channels = 1, .frames = 2, .data = {0.0f, std::numeric_limits<float>::quiet_NaN()}};
  EXPECT_THROW(write_wav(p, nan), ParameterError);
  EXPECT_THROW(write_wav(p, AudioBuffer{.sr = 8000.0, .channels = 0, .frames = 0, .data = {}}), ParameterError);
  EXPECT_THROW(write_wav(p, AudioBuffer{.sr = 0.0, .channels = 1, .frames = 1, .data = {0.0f}}), ParameterError);
  EXPECT_THROW(write_wav(p, AudioBuffer{.sr = 8000.5, .channels = 1, .frames = 1, .data = {0.0f}}), ParameterError);
  EXPECT_THROW(write_wav(p, AudioBuffer{.sr = 8000.0, .channels = 2, .frames = 2, .data = {0.0f}}), ParameterError);
  EXPECT_FALSE(fs::exists(p));
}

TEST_F(WavWriter, UnwritableFolderThrowsIoError) {
  const auto p = dir_ / "no_such_folder" / "x.wav";
  EXPECT_THROW(write_wav(p, grid_signal(10, 1, 8000.0)), IoError);
}

}  // namespace
}  // namespace echoelml::io
