// Bad files and bad parameters: a clear IoError/FormatError/ParameterError naming the file, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "support/wav_bytes.h"
#include "support/shared_data.h"
#include "support/expect_error.h"

namespace echoelml::io {
namespace {

namespace fs = std::filesystem;

class LoadErrors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("echoelml_io_err"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write_bytes(const std::string& name, const std::vector<char>& bytes) {
    auto p = dir_ / name;
    test::write_bytes_to(p, bytes);
    return p;
  }
  fs::path dir_;
};

using test::expect_error;

AudioBuffer sine(std::size_t frames, std::size_t channels, double sr) {
  AudioBuffer a{.sr = sr, .channels = channels, .frames = frames, .data = std::vector<float>(frames * channels)};
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i)
      a.data[c * frames + i] = static_cast<float>(0.5 * std::sin(0.01 * (c + 1) * static_cast<double>(i)));
  return a;
}

TEST_F(LoadErrors, MissingFileThrowsIoError) {
  const auto p = dir_ / "nope.wav";
  expect_error<IoError>([&] { load(p); }, p, "no such file");
  expect_error<IoError>([&] { probe(p); }, p, "no such file");
}

TEST_F(LoadErrors, DirectoryThrowsIoError) {
  expect_error<IoError>([&] { load(dir_); }, dir_, "directory");
}

TEST_F(LoadErrors, EmptyFileThrowsFormatError) {
  const auto p = write_bytes("empty.wav", {});
  expect_error<FormatError>([&] { load(p); }, p, "empty");
}

TEST_F(LoadErrors, RandomBytesThrowFormatError) {
  std::mt19937 rng(7);
  std::vector<char> bytes(4096);
  for (auto& b : bytes) b = static_cast<char>(rng());
  const auto p = write_bytes("noise.bin", bytes);
  expect_error<FormatError>([&] { load(p); }, p, "not a readable audio file");
}

TEST_F(LoadErrors, TextFileRenamedToWavThrowsFormatError) {
  const std::string text = "this is not audio, just a text file with a .wav name\n";
  const auto p = write_bytes("text.wav", {text.begin(), text.end()});
  expect_error<FormatError>([&] { load(p); }, p, "not a readable audio file");
}

TEST_F(LoadErrors, WavWithItsDataCutOffThrowsTruncated) {
  const auto good = dir_ / "good.wav";
  write_wav(good, sine(10000, 2, 44100.0));
  std::vector<char> bytes = test::read_bytes(good);
  bytes.resize(bytes.size() - 5000);  // cut in the middle of the data chunk
  const auto p = write_bytes("cut.wav", bytes);
  expect_error<FormatError>([&] { load(p); }, p, "truncated WAV");
  expect_error<FormatError>([&] { probe(p); }, p, "truncated WAV");
}

TEST_F(LoadErrors, FlacWithItsFramesCutOffThrowsTruncated) {
  // Real FLAC from shared data, cut to 60 %: STREAMINFO promises more frames than decode.
  const auto src = test::shared_dir() / "data/real-audio/audio/32_sonic-pi-samples__loop_tabla.flac";
  std::vector<char> bytes = test::read_bytes(src);
  bytes.resize(bytes.size() * 6 / 10);
  const auto p = write_bytes("cut.flac", bytes);
  try {
    load(p);
    ADD_FAILURE() << "cut FLAC loaded without error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
}

TEST_F(LoadErrors, OggVorbisCutOffThrowsFormatError) {
  // Without its final page libsndfile cannot tell the length (it reports SF_COUNT_MAX).
  const auto src = test::shared_dir() / "data/real-audio/audio/37_lmms-common__nord_ambient01.ogg";
  std::vector<char> bytes = test::read_bytes(src);
  bytes.resize(bytes.size() / 3);
  const auto p = write_bytes("cut.ogg", bytes);
  expect_error<FormatError>([&] { load(p); }, p, "cannot determine the length");
}

TEST_F(LoadErrors, FloatWavContainingNanThrowsWithFrameAndChannel) {
  // Written as raw bytes: write_wav itself refuses NaN.
  const auto good = dir_ / "f.wav";
  write_wav(good, sine(1000, 2, 8000.0), WavSubtype::Float32);
  std::vector<char> bytes = test::read_bytes(good);
  test::poison_float_wav(bytes, 123, 1, 2);  // frame 123, channel 1
  const auto p = write_bytes("nan.wav", bytes);
  expect_error<FormatError>([&] { load(p); }, p, "non-finite sample (NaN) at frame 123, channel 1");
  expect_error<FormatError>([&] { load(p, {.mono = false}); }, p, "NaN");
  // A cut that ends before the bad frame loads fine: the check covers what is read.
  EXPECT_EQ(load(p, {.sr = 0.0, .duration = 0.01}).frames, 80u);
}

TEST_F(LoadErrors, FloatWavContainingInfThrows) {
  AudioBuffer a = sine(100, 1, 8000.0);
  const auto good = dir_ / "f.wav";
  write_wav(good, a, WavSubtype::Float32);
  std::vector<char> bytes = test::read_bytes(good);
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(&bytes[bytes.size() - 4], &inf, 4);  // data is the last chunk: last sample
  const auto p = write_bytes("inf.wav", bytes);
  expect_error<FormatError>([&] { load(p); }, p, "non-finite sample (inf) at frame 99");
}

TEST_F(LoadErrors, BadParametersThrowParameterError) {
  const auto p = dir_ / "ok.wav";
  write_wav(p, sine(1000, 1, 8000.0));
  EXPECT_THROW(load(p, {.sr = -1.0}), ParameterError);
  EXPECT_THROW(load(p, {.offset = -0.5}), ParameterError);
  EXPECT_THROW(load(p, {.duration = -1.0}), ParameterError);
  EXPECT_THROW(load(p, {.sr = std::nan("")}), ParameterError);
  EXPECT_THROW(load(p, {.offset = 10.0}), ParameterError);  // past the end (1000 frames)
}

TEST_F(LoadErrors, ZeroDurationAndOffsetAtTheEndGiveAnEmptyBuffer) {
  const auto p = dir_ / "ok.wav";
  write_wav(p, sine(1000, 2, 8000.0));
  const AudioBuffer a = load(p, {.duration = 0.0});
  EXPECT_EQ(a.frames, 0u);
  EXPECT_EQ(a.channels, 1u);
  EXPECT_EQ(load(p, {.sr = 0.0, .offset = 0.125}).frames, 0u);  // offset = exactly 1000 frames
}

TEST(AudioBuffer, ChannelIndexOutOfRangeThrows) {
  AudioBuffer a{.sr = 8000.0, .channels = 2, .frames = 3, .data = std::vector<float>(6)};
  EXPECT_EQ(a.channel(1).size(), 3u);
  EXPECT_THROW((void)a.channel(2), ParameterError);
}

}  // namespace
}  // namespace echoelml::io
