// The validator must reject models that break the contract's rules: start from a valid export,
// break one rule, check the error names it.
#include <fstream>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace echoelml::exporter
