// analyze_song end to end on synthetic songs: the numbers equal the feature sets and models run
// directly, and every awkward input (mono, silence, < 1 s, long, corrupt, empty) gets a note
// or a clear error.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis/analysis_fixtures.h"
#include "echoelml/analysis/analyze.h"
#include "echoelml/core/error.h"
#include "echoelml/runtime/evaluate.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;

bool has_note(const SongAnalysis& a, const std::string& word) {
  for (const auto& n : a.notes)
    if (n.find(word) != std::string::npos) return true;
  return false;
}

struct Fixture {
  fs::path dir = test::make_temp_dir("analysis_song");
  ModelSet models = [this] {
    test::write_espec_models(dir / "models");
    return ModelSet::load(dir / "models");
  }();
};

TEST(AnalyzeSong, StereoSongMatchesTheFeatureSetsAndModelsRunDirectly) {
  Fixture fx;
  const auto path = test::write_song(fx.dir / "song.wav", test::song(6.0));
  const SongAnalysis a = analyze_song(path, fx.models, nullptr);
  EXPECT_NEAR(a.duration_s, 6.0, 1e-6);
  EXPECT_EQ(a.channels, 2);
  EXPECT_TRUE(a.notes.empty());

  const auto ref = features::compute_file_features(path, features::kAllSets);
  ASSERT_TRUE(a.genre.has_value()) << a.genre_note;
  const double e = std::exp(0.01 * ref.genre->tempo);
  EXPECT_NEAR(a.genre->probabilities[3], e / (e + 7), 1e-5) << "tempo " << ref.genre->tempo;

  ASSERT_EQ(a.techniques.size(), 20u);
  const auto x = ref.app_technique->to_vector();
  const auto spec = runtime::load_model_spec(fx.dir / "models" / "TechniqueRecognizerApp.espec");
  const auto want = runtime::evaluate(spec, {{spec.inputs[0].name, runtime::Tensor{{4}, {x.begin(), x.end()}}}}).begin()->second;
  for (const auto& t : a.techniques) {
    EXPECT_NEAR(t.score, want.values[static_cast<std::size_t>(t.technique)], 1e-6);
    EXPECT_EQ(t.detected, t.score > 0.5);
  }
  for (std::size_t i = 1; i < a.techniques.size(); ++i) EXPECT_GE(a.techniques[i - 1].score, a.techniques[i].score);

  ASSERT_TRUE(a.mix.has_value()) << a.mix_note;
  EXPECT_NEAR(a.mix->measured.loudness_lufs, ref.mix->loudness_lufs, 1e-9);
  EXPECT_NEAR(a.mix->measured.stereo_width, ref.mix->stereo_width, 1e-12);
  for (int b = 0; b < 6; ++b) EXPECT_NEAR(a.mix->measured.band_balance[b], ref.mix->band_balance[b], 1e-12);
  ASSERT_TRUE(a.mix->predicted.has_value());
  EXPECT_FALSE(a.mix->compared_with.has_value());
  EXPECT_NE(a.mix->comparison_note.find("unavailable"), std::string::npos);
  // The song's RMS is far below 0.3: the app's rule fires.
  ASSERT_FALSE(a.mix->suggestions.empty());
  EXPECT_EQ(a.mix->suggestions.back().text, "Increase overall level");

  const auto j = to_json(a);
  // Hip-Hop wins whenever a tempo was found (logit 0.01 * tempo against 0).
  const std::string want_genre = ref.genre->tempo > 0 ? "Hip-Hop/Trap" : "EDM/Electronic";
  EXPECT_EQ(j["genre"]["genre"], want_genre);
  EXPECT_EQ(j["techniques"]["scores"].size(), 20u);
  EXPECT_TRUE(j["mix"]["predicted"].is_object());
  EXPECT_NE(format_text(a).find("Genre: " + want_genre), std::string::npos);
}

TEST(AnalyzeSong, MonoSongIsNotedAndHasZeroWidth) {
  Fixture fx;
  const SongAnalysis a = analyze_song(test::write_song(fx.dir / "mono.wav", test::song(4.0, 1)), fx.models, nullptr);
  EXPECT_TRUE(has_note(a, "mono"));
  ASSERT_TRUE(a.mix.has_value());
  EXPECT_EQ(a.mix->measured.stereo_width, 0.0);
  EXPECT_EQ(a.techniques.size(), 20u);
}

TEST(AnalyzeSong, SilenceSkipsTheRecognisersAndStillMeasuresTheMix) {
  Fixture fx;
  io::AudioBuffer s{.sr = 44100.0, .channels = 2, .frames = 88200, .data = std::vector<float>(176400, 0.0f)};
  const SongAnalysis a = analyze_song(test::write_song(fx.dir / "silence.wav", s), fx.models, nullptr);
  EXPECT_TRUE(has_note(a, "silence"));
  EXPECT_FALSE(a.genre.has_value());
  EXPECT_NE(a.genre_note.find("silent"), std::string::npos);
  EXPECT_TRUE(a.techniques.empty());
  ASSERT_TRUE(a.mix.has_value());
  EXPECT_EQ(a.mix->measured.loudness_lufs, -70.0);
  ASSERT_EQ(a.mix->suggestions.size(), 1u);
  EXPECT_EQ(a.mix->suggestions[0].text, "Increase overall level");
  EXPECT_TRUE(to_json(a)["mix"]["measured"]["loudness_lufs"].is_number());
}

TEST(AnalyzeSong, VeryShortInputIsNotedAndDoesNotThrow) {
  Fixture fx;
  for (double sec : {0.5, 0.05, 0.001}) {
    const SongAnalysis a = analyze_song(test::write_song(fx.dir / "short.wav", test::song(sec)), fx.models, nullptr);
    EXPECT_TRUE(has_note(a, "very short")) << sec;
    // Each section either ran or says why not.
    EXPECT_TRUE(a.genre.has_value() || !a.genre_note.empty()) << sec;
    EXPECT_TRUE(a.mix.has_value() || !a.mix_note.empty()) << sec;
    EXPECT_FALSE(format_text(a).empty());
  }
}

TEST(AnalyzeSong, LongInputIsCutAtMaxSecondsWithANote) {
  Fixture fx;
  const auto path = test::write_song(fx.dir / "long.wav", test::song(5.0));
  const SongAnalysis a = analyze_song(path, fx.models, nullptr, {.max_seconds = 2.0});
  EXPECT_NEAR(a.duration_s, 5.0, 1e-6);
  EXPECT_NEAR(a.analysed_s, 2.0, 1e-3);
  EXPECT_TRUE(has_note(a, "first"));
}

TEST(AnalyzeSong, OtherSampleRatesAreResampledLikeTraining) {
  Fixture fx;
  const auto path = test::write_song(fx.dir / "sr48.wav", test::song(4.0, 2, 0.3, 48000.0));
  const SongAnalysis a = analyze_song(path, fx.models, nullptr);
  const auto ref = features::compute_file_features(path, features::kGenreSet | features::kMixSet);
  ASSERT_TRUE(a.genre && a.mix);
  const double e = std::exp(0.01 * ref.genre->tempo);
  EXPECT_NEAR(a.genre->probabilities[3], e / (e + 7), 1e-5);
  EXPECT_NEAR(a.mix->measured.loudness_lufs, ref.mix->loudness_lufs, 1e-9);
}

TEST(AnalyzeSong, CorruptAndEmptyFilesAreClearErrors) {
  Fixture fx;
  std::ofstream(fx.dir / "junk.wav") << "RIFF....WAVEfmt garbage that is not audio";
  EXPECT_THROW(analyze_song(fx.dir / "junk.wav", fx.models, nullptr), FormatError);
  io::write_wav(fx.dir / "empty.wav", io::AudioBuffer{.sr = 44100.0, .channels = 2, .frames = 0, .data = {}});
  try {
    analyze_song(fx.dir / "empty.wav", fx.models, nullptr);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("empty.wav"), std::string::npos) << e.what();
  }
  EXPECT_THROW(analyze_song(fx.dir / "missing.wav", fx.models, nullptr), IoError);
}

TEST(AnalyzeSong, WithoutModelsOnlyTheMeasuredMixRemains) {
  Fixture fx;
  const ModelSet none = ModelSet::load(test::make_temp_dir("analysis_nomodels"));
  const SongAnalysis a = analyze_song(test::write_song(fx.dir / "s.wav", test::song(3.0)), none, nullptr);
  EXPECT_FALSE(a.genre.has_value());
  EXPECT_NE(a.genre_note.find("GenreClassifier"), std::string::npos);
  EXPECT_TRUE(a.techniques.empty());
  ASSERT_TRUE(a.mix.has_value());
  EXPECT_FALSE(a.mix->predicted.has_value());
}

}  // namespace
}  // namespace echoelml::analysis
