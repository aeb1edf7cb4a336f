// ModelSet: loading from training (.espec) and export (.mlmodel) folders, the errors for missing,
// corrupt and misshapen files, and the same answers from both formats.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis/analysis_fixtures.h"
#include "echoelml/analysis/models.h"
#include "echoelml/core/error.h"
#include "echoelml/runtime/evaluate.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;

features::GenreFeatures some_genre_features(double tempo) {
  features::GenreFeatures f;
  f.tempo = tempo;
  f.spectral_centroid = 2000, f.spectral_rolloff = 4000, f.zero_crossing_rate = 0.05, f.rms = 0.1;
  f.spectral_flux = 3, f.spectral_contrast = 20;
  for (int i = 0; i < 13; ++i) f.mfcc[static_cast<std::size_t>(i)] = -100 + 10 * i;
  for (int i = 0; i < 12; ++i) f.chroma[static_cast<std::size_t>(i)] = 0.05 * i;
  return f;
}

features::MixFeatures some_mix_features() {
  features::MixFeatures m;
  m.spectrum.resize(1024);
  for (int k = 0; k < 1024; ++k) m.spectrum[static_cast<std::size_t>(k)] = -20.0f - 0.05f * static_cast<float>(k);
  return m;
}

TEST(ModelSet, MissingFolderIsAnIoError) {
  EXPECT_THROW(ModelSet::load("/nonexistent/models"), IoError);
}

TEST(ModelSet, EmptyFolderLoadsNothingAndPredictionsSayWhatIsMissing) {
  const auto dir = test::make_temp_dir("analysis_empty");
  const ModelSet m = ModelSet::load(dir);
  EXPECT_EQ(m.missing().size(), 4u);
  EXPECT_FALSE(m.genre_model().has_value());
  try {
    m.predict_genre(some_genre_features(120));
    FAIL() << "expected ParameterError";
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("GenreClassifier.espec"), std::string::npos) << e.what();
  }
}

TEST(ModelSet, CorruptEspecIsAFormatErrorNamingTheFile) {
  const auto dir = test::make_temp_dir("analysis_corrupt");
  std::ofstream(dir / "GenreClassifier.espec") << "ECHOSPEC but then garbage";
  try {
    ModelSet::load(dir);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("GenreClassifier.espec"), std::string::npos) << e.what();
  }
}

TEST(ModelSet, ModelsLeftOutAreNeitherReadNorReportedMissing) {
  const auto dir = test::make_temp_dir("analysis_choice");
  std::ofstream(dir / "PatternGenerator.espec") << "ECHOSPEC but then garbage";
  EXPECT_THROW(ModelSet::load(dir), FormatError);  // the full load reads it
  const ModelSet m = ModelSet::load(dir, {.pattern = false});
  EXPECT_FALSE(m.pattern_model().has_value());
  EXPECT_EQ(m.missing().size(), 3u);
  for (const auto& line : m.missing()) EXPECT_EQ(line.find("PatternGenerator"), std::string::npos) << line;
  const ModelSet only_genre = ModelSet::load(dir, {.technique = false, .mix = false, .pattern = false});
  ASSERT_EQ(only_genre.missing().size(), 1u);
  EXPECT_EQ(only_genre.missing()[0].rfind("GenreClassifier", 0), 0u);
}

TEST(ModelSet, CorruptMlmodelIsAFormatError) {
  const auto dir = test::make_temp_dir("analysis_corrupt_ml");
  std::ofstream(dir / "MixAnalyzer.mlmodel") << "not a protobuf \x01\x02\x03 at all";
  EXPECT_THROW(ModelSet::load(dir), FormatError);
}

TEST(ModelSet, WronglyShapedGenreModelIsAFormatError) {
  const auto dir = test::make_temp_dir("analysis_shape");
  runtime::save_model_spec(test::technique_spec(1), dir / "GenreClassifier.espec");  // 4 inputs, not 32
  EXPECT_THROW(ModelSet::load(dir), FormatError);
}

TEST(ModelSet, TempoGenreModelGivesTheAnalyticProbabilities) {
  const auto dir = test::make_temp_dir("analysis_espec");
  test::write_espec_models(dir);
  const ModelSet m = ModelSet::load(dir);
  EXPECT_TRUE(m.missing().empty());
  EXPECT_EQ(m.technique_inputs(), TechniqueInputs::App);
  const double t = 130.0;
  const GenrePrediction p = m.predict_genre(some_genre_features(t));
  const double e = std::exp(0.01 * t);
  EXPECT_EQ(p.genre, MusicGenre::HipHop);
  EXPECT_NEAR(p.probabilities[3], e / (e + 7), 1e-5);
  EXPECT_NEAR(p.probabilities[0], 1 / (e + 7), 1e-5);
  EXPECT_NEAR(p.confidence, 0.5, 1e-6);
}

TEST(ModelSet, GuideTechniqueModelReadsSixFeatures) {
  const auto dir = test::make_temp_dir("analysis_guide_tech");
  std::mt19937 rng(3);
  runtime::ModelSpec s;
  s.name = "TechniqueRecognizer";
  s.inputs = {{"features", {6}, ""}};
  s.layers = {test::dense(rng, "fc", "features", "techniques", 6, 20, runtime::Activation::Sigmoid)};
  s.outputs = {{"techniques", {20}, ""}};
  runtime::save_model_spec(s, dir / "TechniqueRecognizer.espec");
  const ModelSet m = ModelSet::load(dir);
  ASSERT_TRUE(m.technique_model().has_value());
  EXPECT_EQ(m.technique_inputs(), TechniqueInputs::Guide);
  const std::vector<float> x{0.5f, 0.1f, 0.01f, 3.0f, 2.0f, 0.4f};
  const auto scores = m.predict_techniques(x);
  const auto ref = runtime::evaluate(s, {{"features", runtime::Tensor{{6}, x}}}).at("techniques");
  for (int i = 0; i < 20; ++i) EXPECT_NEAR(scores[static_cast<std::size_t>(i)], ref.values[static_cast<std::size_t>(i)], 1e-6);
  EXPECT_THROW(m.predict_techniques(std::vector<float>(4, 0.0f)), ParameterError);
}

// The Core ML evaluator and the runtime are independent implementations: the same models in
// both formats must agree (both Core ML layouts).
class CoreMLFolder : public ::testing::TestWithParam<exporter::CoreMLLayout> {};

TEST_P(CoreMLFolder, PredictionsMatchTheEspecModels) {
  const auto espec_dir = test::make_temp_dir("analysis_cmp_espec");
  const auto ml_dir = test::make_temp_dir("analysis_cmp_ml");
  test::write_espec_models(espec_dir);
  test::write_coreml_models(ml_dir, GetParam());
  const ModelSet a = ModelSet::load(espec_dir), b = ModelSet::load(ml_dir);
  ASSERT_TRUE(b.missing().empty());
  EXPECT_EQ(b.genre_model()->format, ModelFormat::CoreML);
  EXPECT_EQ(b.technique_inputs(), TechniqueInputs::App);

  const auto ga = a.predict_genre(some_genre_features(97)), gb = b.predict_genre(some_genre_features(97));
  EXPECT_EQ(ga.genre, gb.genre);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(ga.probabilities[static_cast<std::size_t>(i)], gb.probabilities[static_cast<std::size_t>(i)], 1e-5);
  EXPECT_NEAR(ga.confidence, gb.confidence, 1e-5);

  const std::vector<float> x{1.2f, 0.7f, 0.02f, 0.3f};
  const auto ta = a.predict_techniques(x), tb = b.predict_techniques(x);
  for (int i = 0; i < 20; ++i) EXPECT_NEAR(ta[static_cast<std::size_t>(i)], tb[static_cast<std::size_t>(i)], 1e-5);

  const auto ma = a.predict_mix(some_mix_features()), mb = b.predict_mix(some_mix_features());
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(ma.band_balance[static_cast<std::size_t>(i)], mb.band_balance[static_cast<std::size_t>(i)], 1e-4);
  EXPECT_NEAR(ma.dynamic_range_db, mb.dynamic_range_db, 1e-3);
  EXPECT_NEAR(ma.rms_level, mb.rms_level, 1e-3);

  const PatternInputs in{MusicGenre::Jazz, {ProductionTechnique::CallAndResponse}, 110, 4, 0.6};
  const auto pa = a.predict_pattern(in), pb = b.predict_pattern(in);
  ASSERT_EQ(pa.size(), 64u);
  ASSERT_EQ(pb.size(), 64u);
  for (std::size_t r = 0; r < 64; ++r)
    for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(pa[r][k], pb[r][k], 1e-3) << r << "," << k;
}

INSTANTIATE_TEST_SUITE_P(Layouts, CoreMLFolder,
                         ::testing::Values(exporter::CoreMLLayout::App, exporter::CoreMLLayout::Guide));

TEST(ModelSet, EspecWinsOverMlmodelInTheSameFolder) {
  const auto dir = test::make_temp_dir("analysis_both");
  test::write_coreml_models(dir, exporter::CoreMLLayout::App);
  runtime::save_model_spec(test::tempo_genre_spec(), dir / "GenreClassifier.espec");
  const ModelSet m = ModelSet::load(dir);
  EXPECT_EQ(m.genre_model()->format, ModelFormat::Espec);
  EXPECT_EQ(m.mix_model()->format, ModelFormat::CoreML);
}

}  // namespace
}  // namespace echoelml::analysis
