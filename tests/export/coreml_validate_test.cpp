// The validator must reject models that break the contract's rules: start from a valid export,
// break one rule, check the error names it.
#include <fstream>

#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/export/coreml.h"
#include "export/coreml_internal.h"
#include "spec_fixtures.h"
#include "support/shared_data.h"

namespace echoelml::exporter {
namespace {

using namespace detail;

class BrokenModels : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("validate");
    export_coreml(test::genre_spec(1, false), dir_ / "g.mlmodel");
    genre_ = read_model(dir_ / "g.mlmodel");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string errors_of(const cml::Model& m) {
    std::string bytes;
    m.SerializeToString(&bytes);
    std::ofstream(dir_ / "b.mlmodel", std::ios::binary) << bytes;
    std::string all;
    for (const auto& e : validate_coreml(dir_ / "b.mlmodel").errors) all += e + "\n";
    return all;
  }
  cml::Pipeline* pipe(cml::Model& m) { return m.mutable_pipelineclassifier()->mutable_pipeline(); }
  std::filesystem::path dir_;
  cml::Model genre_;
};

TEST_F(BrokenModels, UnbrokenExportIsValid) { EXPECT_EQ(errors_of(genre_), ""); }

TEST_F(BrokenModels, StageWithoutSpecificationVersion) {
  pipe(genre_)->mutable_models(2)->set_specificationversion(0);
  EXPECT_NE(errors_of(genre_).find("Model specification version field missing or corrupt."), std::string::npos);
}

TEST_F(BrokenModels, Float32AgainstDoubleIsATypeMismatch) {
  auto* nn_in = pipe(genre_)->mutable_models(1)->mutable_description()->mutable_input(0);
  nn_in->mutable_type()->mutable_multiarraytype()->set_datatype(cml::ArrayFeatureType::FLOAT32);
  EXPECT_NE(errors_of(genre_).find("TYPE_MISMATCH"), std::string::npos);
}

TEST_F(BrokenModels, DoubleInputToANeuralNetworkIsRejected) {
  auto* nn_in = pipe(genre_)->mutable_models(1)->mutable_description()->mutable_input(0);
  nn_in->mutable_type()->mutable_doubletype();
  EXPECT_NE(errors_of(genre_).find("Neural Networks require inputs to be images, MLMultiArray"), std::string::npos);
}

TEST_F(BrokenModels, ClassifierWithInt64PredictionAndStringLabels) {
  auto* d = pipe(genre_)->mutable_models(1)->mutable_description();
  d->mutable_output(0)->mutable_type()->mutable_int64type();
  EXPECT_NE(errors_of(genre_).find("predicted feature must be String"), std::string::npos);
}

TEST_F(BrokenModels, WrongVectorizerDimensionIsCaughtByTheStrictCheck) {
  pipe(genre_)->mutable_models(0)->mutable_featurevectorizer()->mutable_inputlist(7)->set_inputdimensions(12);
  EXPECT_NE(errors_of(genre_).find("(strict) inputDimensions of 'mfcc'"), std::string::npos);
}

TEST_F(BrokenModels, DoubleExtractorNeedsExactlyOneIndex) {
  pipe(genre_)->mutable_models(2)->mutable_arrayfeatureextractor()->add_extractindex(0);
  EXPECT_NE(errors_of(genre_).find("exactly one extractIndex"), std::string::npos);
}

TEST_F(BrokenModels, OptionalOutputAndMissingLabelBlob) {
  genre_.mutable_description()->mutable_output(2)->mutable_type()->set_isoptional(true);
  pipe(genre_)->mutable_models(1)->mutable_neuralnetworkclassifier()->set_labelprobabilitylayername("nope");
  auto e = errors_of(genre_);
  EXPECT_NE(e.find("must not be optional"), std::string::npos) << e;
  EXPECT_NE(e.find("labelProbabilityLayerName 'nope'"), std::string::npos) << e;
}

TEST_F(BrokenModels, QuantizedWeightsNeedSpec3AndRank2OutputsNeedExactMapping) {
  export_coreml(test::genre_spec(1, false), dir_ / "q.mlmodel", {.quantize_8bit = true});
  auto q = read_model(dir_ / "q.mlmodel");
  pipe(q)->mutable_models(1)->set_specificationversion(1);
  EXPECT_NE(errors_of(q).find("below the 3"), std::string::npos);
  export_coreml(test::pattern_spec(1), dir_ / "p.mlmodel");
  auto p = read_model(dir_ / "p.mlmodel");
  p.mutable_pipeline()->mutable_models(1)->mutable_neuralnetwork()->set_arrayinputshapemapping(cml::RANK5_ARRAY_MAPPING);
  EXPECT_NE(errors_of(p).find("require arrayInputShapeMapping = EXACT_ARRAY_MAPPING"), std::string::npos);
}

TEST_F(BrokenModels, PipelineOutputTypeMustMatchItsStage) {
  genre_.mutable_description()->mutable_output(2)->mutable_type()->mutable_multiarraytype()->set_datatype(cml::ArrayFeatureType::DOUBLE);
  EXPECT_NE(errors_of(genre_).find("output 'confidence' TYPE_MISMATCH"), std::string::npos);
}

// Updatable guide GenreClassifier: only the genre path trains, never 8-bit weights.
class BrokenUpdatable : public BrokenModels {
 protected:
  void SetUp() override {
    BrokenModels::SetUp();
    CoreMLOptions opt;
    opt.layout = CoreMLLayout::Guide;
    opt.updatable = true;
    export_coreml(test::genre_spec(2, true), dir_ / "u.mlmodel", opt);
    upd_ = read_model(dir_ / "u.mlmodel");
  }
  cml::NeuralNetworkLayer* layer(const std::string& name) {
    for (auto& l : *upd_.mutable_neuralnetwork()->mutable_layers())
      if (l.name() == name) return &l;
    return nullptr;
  }
  cml::Model upd_;
};

TEST_F(BrokenUpdatable, TheExportIsValidAndTrainsTheGenrePathNotTheConfidenceHead) {
  EXPECT_EQ(errors_of(upd_), "");
  ASSERT_NE(layer("fc2"), nullptr);
  EXPECT_TRUE(layer("fc2")->isupdatable());   // last dense layer before the genre softmax
  EXPECT_FALSE(layer("conf")->isupdatable());  // the last dense layer overall, but not on the loss path
}

TEST_F(BrokenUpdatable, AnUpdatableLayerOffTheLossPathIsRejected) {
  layer("conf")->set_isupdatable(true);
  EXPECT_NE(errors_of(upd_).find("does not feed the loss input 'genre'"), std::string::npos) << errors_of(upd_);
}

TEST_F(BrokenUpdatable, QuantizedUpdatableWeightsAreRejected) {
  auto* w = layer("fc2")->mutable_innerproduct()->mutable_weights();
  std::vector<float> v(w->floatvalue().begin(), w->floatvalue().end());
  w->clear_floatvalue();
  quantize_linear_8bit(v, layer("fc2")->innerproduct().outputchannels(), w);
  EXPECT_NE(errors_of(upd_).find("updatable layers cannot have quantized weights"), std::string::npos);
  CoreMLOptions both;
  both.layout = CoreMLLayout::Guide;
  both.updatable = true;
  both.quantize_8bit = true;
  EXPECT_THROW(export_coreml(test::genre_spec(2, true), dir_ / "x.mlmodel", both), ParameterError);
}

TEST_F(BrokenUpdatable, CrossEntropyNeedsASoftmaxOutput) {
  auto* loss = upd_.mutable_neuralnetwork()->mutable_updateparams()->mutable_losslayers(0);
  loss->mutable_categoricalcrossentropylosslayer()->set_input("confidence");
  EXPECT_NE(errors_of(upd_).find("must be the output of a softmax layer"), std::string::npos);
}

TEST(UpdatableRefusal, NamesModelLayoutAndReason) {
  for (auto m : {AppModel::GenreClassifier, AppModel::TechniqueRecognizer, AppModel::PatternGenerator, AppModel::MixAnalyzer}) {
    auto app = updatable_refusal(m, CoreMLLayout::App);
    ASSERT_TRUE(app.has_value());
    EXPECT_NE(app->find(std::string(to_string(m))), std::string::npos) << *app;
  }
  EXPECT_NE(updatable_refusal(AppModel::GenreClassifier, CoreMLLayout::App)->find("ArrayFeatureExtractor"), std::string::npos);
  EXPECT_FALSE(updatable_refusal(AppModel::GenreClassifier, CoreMLLayout::Guide).has_value());
  EXPECT_FALSE(updatable_refusal(AppModel::TechniqueRecognizer, CoreMLLayout::Guide).has_value());
  EXPECT_NE(updatable_refusal(AppModel::PatternGenerator, CoreMLLayout::Guide)->find("LSTM"), std::string::npos);
  EXPECT_TRUE(updatable_refusal(AppModel::MixAnalyzer, CoreMLLayout::Guide).has_value());
}

}  // namespace
}  // namespace echoelml::exporter
