// Every file of shared/data/real-audio against librosa 0.10.1's values for it
// (shared/golden/librosa-real/*.json: `input`, sample counts, dynamic_range, stereo_corrcoef).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "echoelml/io/audio.h"
#include "io/io_test_util.h"
#include "support/shared_data.h"

namespace echoelml::io {
namespace {

namespace fs = std::filesystem;

struct RealFile {
  fs::path audio;
  nlohmann::json golden;
};

std::vector<RealFile> real_files() {
  std::vector<RealFile> out;
  const auto audio_dir = test::shared_dir() / "data" / "real-audio" / "audio";
  for (const auto& e : fs::directory_iterator(test::shared_dir() / "golden" / "librosa-real")) {
    if (e.path().extension() != ".json") continue;
    auto j = test::read_json(e.path());
    out.push_back({audio_dir / j["file"].get<std::string>(), j});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.audio < b.audio; });
  return out;
}

TEST(RealAudio, EveryFileHasAGoldenEntry) {
  std::size_t n_audio = 0;
  for (const auto& e : fs::directory_iterator(test::shared_dir() / "data" / "real-audio" / "audio"))
    n_audio += e.is_regular_file();
  EXPECT_EQ(real_files().size(), n_audio);
  EXPECT_GE(n_audio, 13u);
}

TEST(RealAudio, ProbeReportsTheHeaderSoundfileSaw) {
  for (const auto& f : real_files()) {
    const auto& in = f.golden["input"];
    const AudioInfo info = probe(f.audio);
    EXPECT_EQ(info.channels, in["channels"].get<std::size_t>()) << f.audio;
    EXPECT_EQ(info.sr, in["samplerate"].get<double>()) << f.audio;
    EXPECT_EQ(info.frames, in["frames"].get<std::size_t>()) << f.audio;
    EXPECT_EQ(info.subtype, in["subtype"].get<std::string>()) << f.audio;
  }
}

// Full mono load at 44.1 kHz: sample count and max-min equal librosa's exactly (this covers
// Vorbis, MP3, 16/24-bit FLAC, 96 kHz and 22.05 kHz resampling, and the downmix).
TEST(RealAudio, FullMonoLoadMatchesLibrosasLengthAndDynamicRange) {
  for (const auto& f : real_files()) {
    const AudioBuffer y = load(f.audio);
    EXPECT_EQ(y.frames, f.golden["technique_input_samples"].get<std::size_t>()) << f.audio;
    EXPECT_EQ(test::dynamic_range(y.data), f.golden["technique"]["dynamic_range"].get<float>()) << f.audio;
  }
}

TEST(RealAudio, ThirtySecondLoadHasLibrosasLength) {
  for (const auto& f : real_files()) {
    const AudioBuffer y = load(f.audio, {.duration = 30.0});
    EXPECT_EQ(y.frames, f.golden["genre_input_samples"].get<std::size_t>()) << f.audio;
    EXPECT_EQ(1 + y.frames / 512, f.golden["genre"]["n_frames"].get<std::size_t>()) << f.audio;
  }
}

// Stereo load (mono=false, each channel resampled alone): Pearson L/R correlation as librosa's.
TEST(RealAudio, StereoLoadMatchesLibrosasChannelCorrelation) {
  for (const auto& f : real_files()) {
    const auto& t = f.golden["technique"];
    // null for mono files and for all-zero stereo (corrcoef undefined).
    if (!t.contains("stereo_corrcoef") || t["stereo_corrcoef"].is_null()) continue;
    const auto& c = t["stereo_corrcoef"];
    const AudioBuffer st = load(f.audio, {.mono = false});
    ASSERT_EQ(st.channels, 2u) << f.audio;
    EXPECT_NEAR(test::corrcoef(st.channel(0), st.channel(1)), c.get<double>(), 1e-6) << f.audio;
  }
}

}  // namespace
}  // namespace echoelml::io
