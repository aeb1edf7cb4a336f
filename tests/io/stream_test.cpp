// Streaming decode (io::AudioReader) and streaming R128 (io::LoudnessMeter) against their
// whole-buffer counterparts: fed in odd chunk sizes they must give exactly the same numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"
#include "echoelml/io/loudness.h"
#include "echoelml/io/reader.h"
#include "support/shared_data.h"
#include "support/wav_bytes.h"
#include "support/expect_error.h"

namespace echoelml::io {
namespace {

namespace fs = std::filesystem;

const fs::path kSong = "data/real-audio/audio/13_wesnoth-1.16-music__journeys_end.ogg";

// Chunk sizes that cross every internal boundary at odd places (decode blocks, 100 ms
// segments, 256-sample peak blocks, R128 windows).
const std::vector<std::size_t> kChunks{1, 7, 4097, 100003, 3, 65536, 12345, 281000};

std::vector<float> interleave(const AudioBuffer& a) {
  std::vector<float> x(a.frames * a.channels);
  for (std::size_t i = 0; i < a.frames; ++i)
    for (std::size_t c = 0; c < a.channels; ++c) x[i * a.channels + c] = a.data[c * a.frames + i];
  return x;
}

AudioBuffer tones(std::size_t frames, std::size_t channels, double sr) {
  AudioBuffer a{.sr = sr, .channels = channels, .frames = frames, .data = std::vector<float>(frames * channels)};
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i) {
      const double t = static_cast<double>(i) / sr;
      // Loudness that changes over time, so the gates and the range have work to do.
      const double env = 0.05 + 0.4 * (0.5 + 0.5 * std::sin(2 * M_PI * 0.07 * t));
      a.data[c * frames + i] = static_cast<float>(env * std::sin(2 * M_PI * (220.0 * (c + 1)) * t + c));
    }
  return a;
}

void expect_same(const Loudness& a, const Loudness& b) {
  EXPECT_EQ(a.integrated_lufs, b.integrated_lufs);
  EXPECT_EQ(a.range_lu, b.range_lu);
  EXPECT_EQ(a.true_peak_dbtp, b.true_peak_dbtp);
  EXPECT_EQ(a.sample_peak_dbfs, b.sample_peak_dbfs);
}

TEST(AudioReader, OddChunksGiveExactlyTheSamplesOfLoad) {
  const fs::path p = test::shared_dir() / kSong;
  const AudioBuffer ref = load(p, {.sr = 0.0, .mono = false, .duration = 20.0});
  const std::vector<float> want = interleave(ref);
  AudioReader reader(p, 20.0);
  EXPECT_EQ(reader.info().sr, ref.sr);
  ASSERT_EQ(reader.info().channels, ref.channels);
  std::vector<float> got, block;
  for (std::size_t k = 0;; ++k) {
    const std::size_t want_n = kChunks[k % kChunks.size()];
    block.resize(want_n * ref.channels);
    const std::size_t n = reader.read(block.data(), want_n);
    if (n == 0) break;
    got.insert(got.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * ref.channels));
  }
  EXPECT_EQ(reader.frames_read(), ref.frames);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got, want);  // bit-identical
}

// Reads everything in 100-frame chunks (the errors must carry file positions, not chunk ones).
void read_all(const fs::path& p) {
  AudioReader r(p);
  std::vector<float> block(100 * r.info().channels);
  while (r.read(block.data(), 100) > 0) {
  }
}

using test::expect_error;

class ReaderErrors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("echoelml_io_stream"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ReaderErrors, NanMidStreamNamesTheFileFrameAndChannel) {
  const auto good = dir_ / "f.wav";
  write_wav(good, tones(1000, 2, 8000.0), WavSubtype::Float32);
  std::vector<char> bytes = test::read_bytes(good);
  test::poison_float_wav(bytes, 523, 1, 2);  // frame 523: the 6th 100-frame chunk
  const auto p = dir_ / "nan.wav";
  test::write_bytes_to(p, bytes);
  expect_error<FormatError>([&] { read_all(p); }, p, "non-finite sample (NaN) at frame 523, channel 1");
}

TEST_F(ReaderErrors, CutFilesAreFormatErrorsNamingTheFile) {
  for (const char* name : {"32_sonic-pi-samples__loop_tabla.flac", "24_asc-music__machine_wars.mp3"}) {
    const auto src = test::shared_dir() / "data/real-audio/audio" / name;
    std::vector<char> bytes = test::read_bytes(src);
    bytes.resize(bytes.size() * 6 / 10);
    const auto p = dir_ / (std::string("cut_") + name);
    test::write_bytes_to(p, bytes);
    // FLAC knows its length: the cut is an error. An MP3's length is an estimate, so a cut MP3
    // reads as a shorter song, as io::load does; either way the reader must agree with load.
    bool load_failed = false;
    std::size_t load_frames = 0;
    try {
      load_frames = load(p, {.sr = 0.0, .mono = false}).frames;
    } catch (const FormatError& e) {
      load_failed = true;
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
    try {
      AudioReader r(p);
      std::vector<float> block(4096 * r.info().channels);
      while (r.read(block.data(), 4096) > 0) {
      }
      EXPECT_FALSE(load_failed) << name;
      EXPECT_EQ(r.frames_read(), load_frames) << name;
    } catch (const FormatError& e) {
      EXPECT_TRUE(load_failed) << name << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
    if (std::string(name).ends_with(".flac")) {
      EXPECT_TRUE(load_failed);
    }
  }
}

TEST(AudioReader, BadDurationIsAParameterError) {
  const fs::path p = test::shared_dir() / kSong;
  EXPECT_THROW(AudioReader(p, -1.0), ParameterError);
  EXPECT_THROW(AudioReader("/nonexistent/x.wav"), IoError);
}

enum class Feed { Planar, Interleaved, Reserved };

// Feeds `a` to a meter in kChunks-sized pieces: planar, interleaved, or written into the
// meter's own buffer (reserve/commit, reserving more than is committed).
Loudness stream(const AudioBuffer& a, Feed feed, const LoudnessParams& p = {}) {
  LoudnessMeter m(a.sr, a.channels, p);
  const std::vector<float> x = interleave(a);
  std::size_t at = 0;
  for (std::size_t k = 0; at < a.frames; ++k) {
    const std::size_t n = std::min(kChunks[k % kChunks.size()], a.frames - at);
    if (feed == Feed::Interleaved) {
      m.add_interleaved(x.data() + at * a.channels, n);
    } else if (feed == Feed::Planar) {
      std::vector<const float*> ch(a.channels);
      for (std::size_t c = 0; c < a.channels; ++c) ch[c] = a.data.data() + c * a.frames + at;
      m.add(ch.data(), n);
    } else {
      float* const* room = m.reserve(n + 7);
      for (std::size_t c = 0; c < a.channels; ++c)
        std::copy_n(a.data.data() + c * a.frames + at, n, room[c]);
      m.commit(n);
    }
    at += n;
  }
  EXPECT_EQ(m.frames(), a.frames);
  return m.finish();
}

TEST(LoudnessMeter, RealSongInOddChunksEqualsTheWholeBuffer) {
  const AudioBuffer a = load(test::shared_dir() / kSong, {.sr = 0.0, .mono = false, .duration = 20.0});
  const Loudness whole = measure_loudness(a);
  ASSERT_TRUE(std::isfinite(whole.integrated_lufs));
  for (Feed f : {Feed::Planar, Feed::Interleaved, Feed::Reserved}) expect_same(stream(a, f), whole);
}

TEST(LoudnessMeter, MonoSurroundAndOtherRatesEqualTheWholeBuffer) {
  for (const auto& [ch, sr, seconds] : std::vector<std::tuple<std::size_t, double, double>>{
           {1, 48000.0, 15.0}, {6, 44100.0, 8.0}, {2, 96000.0, 7.0}, {3, 22050.0, 0.3}, {2, 44100.0, 0.05}}) {
    const AudioBuffer a = tones(static_cast<std::size_t>(sr * seconds), ch, sr);
    SCOPED_TRACE(std::to_string(ch) + " ch at " + std::to_string(sr));
    const Loudness whole = measure_loudness(a);
    for (Feed f : {Feed::Planar, Feed::Interleaved, Feed::Reserved}) expect_same(stream(a, f), whole);
    const Loudness quick = stream(a, Feed::Interleaved, {.range = false, .true_peak = false});
    EXPECT_EQ(quick.integrated_lufs, whole.integrated_lufs);
    EXPECT_TRUE(std::isnan(quick.range_lu) && std::isnan(quick.true_peak_dbtp));
  }
}

TEST(LoudnessMeter, NothingAddedAndBadSetupsThrow) {
  LoudnessMeter m(44100.0, 2);
  EXPECT_THROW(m.finish(), ParameterError);
  EXPECT_THROW(LoudnessMeter(44100.0, 0), ParameterError);
  EXPECT_THROW(LoudnessMeter(44100.5, 2), ParameterError);
  m.reserve(10);
  EXPECT_THROW(m.commit(11), ParameterError);  // more than reserved
}

}  // namespace
}  // namespace echoelml::io
