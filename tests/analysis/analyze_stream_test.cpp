// analyze_song's streamed path (44.1 kHz files with the app's technique inputs): the same
// numbers as the whole-buffer feature functions, and clear errors for files that go bad
// mid-stream.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/analysis_fixtures.h"
#include "echoelml/analysis/analyze.h"
#include "echoelml/core/error.h"
#include "echoelml/features/sets.h"
#include "echoelml/io/audio.h"

#include "support/wav_bytes.h"
#include "support/same_sets.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;

struct StreamFixture {
  fs::path dir = test::make_temp_dir("analysis_stream");
  ModelSet models = [this] {
    test::write_espec_models(dir / "models");
    return ModelSet::load(dir / "models");
  }();
};

const fs::path kSong = "data/real-audio/audio/13_wesnoth-1.16-music__journeys_end.ogg";

TEST(AnalyzeStream, RealSongEqualsTheWholeBufferFeatureSetsExactly) {
  StreamFixture fx;
  ASSERT_EQ(fx.models.technique_inputs(), TechniqueInputs::App);  // the streamed path
  const fs::path song = test::shared_dir() / kSong;
  const SongAnalysis a = analyze_song(song, fx.models, nullptr, {.max_seconds = 20.0});
  const io::AudioBuffer buf = io::load(song, {.sr = 0.0, .mono = false, .duration = 20.0});
  ASSERT_EQ(buf.sr, 44100.0);
  EXPECT_EQ(a.analysed_s, buf.duration_s());

  const auto [app, mix] = features::app_and_mix_features(buf);
  ASSERT_TRUE(a.mix.has_value());
  const features::MixFeatures& m = a.mix->measured;
  test::expect_same(m, mix);

  // Techniques: the model's scores of the whole-buffer app set.
  const auto scores = fx.models.predict_techniques(app.to_vector());
  ASSERT_EQ(a.techniques.size(), scores.size());
  for (const auto& t : a.techniques) EXPECT_EQ(t.score, scores[static_cast<std::size_t>(t.technique)]);

  // Genre: librosa.load(sr=44100, mono, duration=20 s here, the capped song).
  const auto clip = io::load(song, {.sr = 44100.0, .mono = true, .duration = 20.0}).data;
  const auto g = fx.models.predict_genre(features::genre_features(clip));
  ASSERT_TRUE(a.genre.has_value());
  EXPECT_EQ(a.genre->probabilities, g.probabilities);
  fs::remove_all(fx.dir);
}

TEST(AnalyzeStream, NanMidSongIsAFormatErrorWithFileFrameAndChannel) {
  StreamFixture fx;
  io::AudioBuffer a{.sr = 44100.0, .channels = 2, .frames = 50000, .data = std::vector<float>(100000, 0.25f)};
  const fs::path good = fx.dir / "f.wav";
  io::write_wav(good, a, io::WavSubtype::Float32);
  std::vector<char> bytes = test::read_bytes(good);
  test::poison_float_wav(bytes, 40000, 0, 2);  // frame 40000: the 3rd decode block
  const fs::path bad = fx.dir / "nan.wav";
  test::write_bytes_to(bad, bytes);
  try {
    analyze_song(bad, fx.models, nullptr);
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(bad.string()), std::string::npos) << what;
    EXPECT_NE(what.find("non-finite sample (NaN) at frame 40000, channel 0"), std::string::npos) << what;
  }
  fs::remove_all(fx.dir);
}

TEST(AnalyzeStream, CutFlacIsAFormatErrorNamingTheFile) {
  StreamFixture fx;
  const auto src = test::shared_dir() / "data/real-audio/audio/32_sonic-pi-samples__loop_tabla.flac";
  std::vector<char> bytes = test::read_bytes(src);
  bytes.resize(bytes.size() * 6 / 10);
  const fs::path cut = fx.dir / "cut.flac";
  test::write_bytes_to(cut, bytes);
  try {
    analyze_song(cut, fx.models, nullptr);
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(cut.string()), std::string::npos) << e.what();
  }
  fs::remove_all(fx.dir);
}

}  // namespace
}  // namespace echoelml::analysis
