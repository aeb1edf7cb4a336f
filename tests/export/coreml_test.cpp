// Round trips: ModelSpec -> .mlmodel -> validate -> evaluate, compared with runtime::evaluate.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "echoelml/export/coreml.h"

#include <fstream>

#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "spec_fixtures.h"
#include "support/shared_data.h"

namespace echoelml::exporter {
namespace {

using runtime::Tensor;

struct AppIn {
  std::string name;
  std::int64_t size;  // 0 = Double
};
std::vector<AppIn> app_order(AppModel m) {
  switch (m) {
    case AppModel::GenreClassifier:
      return {{"tempo", 0}, {"spectral_centroid", 0}, {"spectral_rolloff", 0}, {"zero_crossing_rate", 0}, {"rms", 0},
              {"spectral_flux", 0}, {"spectral_contrast", 0}, {"mfcc", 13}, {"chroma", 12}};
    case AppModel::TechniqueRecognizer:
      return {{"dynamic_range", 0}, {"stereo_width", 0}, {"spectrum_variance", 0}, {"temporal_modulation", 0}};
    case AppModel::PatternGenerator:
      return {{"genre", 8}, {"technique", 20}, {"tempo", 0}, {"bars", 0}, {"complexity", 0}};
    case AppModel::MixAnalyzer: return {{"spectrum", 1024}};
  }
  return {};
}

// Random app inputs; `as_arrays` sends scalars as [1] arrays (guide layout).
std::pair<FeatureMap, Tensor> make_inputs(AppModel m, unsigned seed, bool as_arrays = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  FeatureMap fm;
  Tensor all;
  for (const auto& in : app_order(m)) {
    std::int64_t n = std::max<std::int64_t>(in.size, 1);
    std::vector<double> v;
    for (std::int64_t i = 0; i < n; ++i) {
      float x = u(rng);
      all.values.push_back(x);
      v.push_back(x);
    }
    fm[in.name] = (in.size == 0 && !as_arrays) ? FeatureValue::of_double(v[0]) : FeatureValue::of_array({n}, v);
  }
  all.shape = {static_cast<std::int64_t>(all.values.size())};
  return {fm, all};
}

void expect_near_all(const std::vector<double>& got, const std::vector<float>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << "[" << i << "]";
}

void expect_valid(const std::filesystem::path& p) {
  auto r = validate_coreml(p);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_TRUE(r.ok()) << all;
}

class CoreMLRoundTrip : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("coreml"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  bool q8() const { return GetParam(); }
  double tol() const { return q8() ? 2e-2 : 1e-5; }
};

TEST_P(CoreMLRoundTrip, GenreClassifierAppLayoutGivesRawValueLabelAndDoubleConfidence) {
  for (bool head : {false, true}) {
    auto spec = test::genre_spec(3 + head, head);
    auto path = dir_ / "GenreClassifier.mlmodel";
    export_coreml(spec, path, {.quantize_8bit = q8()});
    expect_valid(path);
    for (unsigned s = 0; s < 3; ++s) {
      auto [fm, x] = make_inputs(AppModel::GenreClassifier, s);
      auto want = runtime::evaluate(spec, {{"x", x}});
      auto got = predict_coreml(path, fm);
      ASSERT_EQ(got.at("genre").type, FeatureValue::Type::String);
      ASSERT_EQ(got.at("confidence").type, FeatureValue::Type::Double);
      const auto& p = want.at("probs").values;
      std::size_t arg = std::max_element(p.begin(), p.end()) - p.begin();
      if (!q8()) EXPECT_EQ(got.at("genre").s, raw_value(all_genres()[arg]));
      double conf = head ? want.at("conf").values[0] : p[arg];
      EXPECT_NEAR(got.at("confidence").d, conf, tol());
      for (std::size_t g = 0; g < 8; ++g)
        EXPECT_NEAR(got.at("genre_probs").dict.at(std::string(raw_value(all_genres()[g]))), p[g], tol());
    }
  }
}

TEST_P(CoreMLRoundTrip, TechniqueRecognizerAppLayoutHas20DoublesNamedByRawValue) {
  auto spec = test::technique_spec(5);
  auto path = dir_ / "TechniqueRecognizer.mlmodel";
  export_coreml(spec, path, {.quantize_8bit = q8()});
  expect_valid(path);
  auto [fm, x] = make_inputs(AppModel::TechniqueRecognizer, 1);
  auto want = runtime::evaluate(spec, {{"x", x}}).at("t").values;
  auto got = predict_coreml(path, fm);
  EXPECT_EQ(got.size(), 20u);
  for (int i = 0; i < kNumTechniques; ++i) {
    const auto& f = got.at(std::string(raw_value(all_techniques()[i])));
    ASSERT_EQ(f.type, FeatureValue::Type::Double);
    EXPECT_NEAR(f.d, want[i], tol());
  }
  EXPECT_TRUE(got.count("Tension & Release"));
}

TEST_P(CoreMLRoundTrip, PatternGeneratorGivesRank2NotesInMidiUnits) {
  auto spec = test::pattern_spec(7);
  auto path = dir_ / "PatternGenerator.mlmodel";
  export_coreml(spec, path, {.quantize_8bit = q8()});
  expect_valid(path);
  auto [fm, x] = make_inputs(AppModel::PatternGenerator, 2);
  fm["tempo"].d = 0.7;  // any value; raw units are the spec's business
  x.values[28] = 0.7f;
  auto want = runtime::evaluate(spec, {{"x", x}}).at("notes").values;
  auto got = predict_coreml(path, fm).at("notes");
  EXPECT_EQ(got.shape, (std::vector<std::int64_t>{64, 4}));
  // Compare in the sigmoid's 0-1 units so the 8-bit tolerance means the same for every column.
  const float unit[4] = {127, 127, 16, 4};
  ASSERT_EQ(got.array.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.array[i] / unit[i % 4], want[i] / unit[i % 4], tol()) << i;
}

TEST_P(CoreMLRoundTrip, MixAnalyzerLoadsAndComputesItsOutputs) {
  auto spec = test::mix_spec(9);
  auto path = dir_ / "MixAnalyzer.mlmodel";
  export_coreml(spec, path, {.quantize_8bit = q8()});
  expect_valid(path);
  auto [fm, x] = make_inputs(AppModel::MixAnalyzer, 4);
  auto want = runtime::evaluate(spec, {{"spectrum", x}});
  auto got = predict_coreml(path, fm);
  expect_near_all(got.at("freq_balance").array, want.at("fb").values, tol(), "freq_balance");
  const char* names[4] = {"dynamic_range", "stereo_width", "peak_level", "rms_level"};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(got.at(names[i]).d, want.at("lv").values[i], q8() ? 5e-2 : 1e-5) << names[i];
}

TEST_P(CoreMLRoundTrip, GuideLayoutTakesMultiArrayInputs) {
  auto spec = test::genre_spec(11, true);
  auto path = dir_ / "guide.mlmodel";
  export_coreml(spec, path, {.layout = CoreMLLayout::Guide, .quantize_8bit = q8()});
  expect_valid(path);
  auto [fm, x] = make_inputs(AppModel::GenreClassifier, 3, true);
  auto got = predict_coreml(path, fm);
  auto want = runtime::evaluate(spec, {{"x", x}});
  expect_near_all(got.at("genre").array, want.at("probs").values, tol(), "genre");
  expect_near_all(got.at("confidence").array, want.at("conf").values, tol(), "confidence");
  // The app's Double scalars are refused by a MultiArray input (Core ML's MultiArrayConstraint).
  auto [app_fm, unused] = make_inputs(AppModel::GenreClassifier, 3, false);
  EXPECT_THROW(predict_coreml(path, app_fm), ParameterError);
}

TEST_P(CoreMLRoundTrip, GuideTechniqueRecognizerTakesOneFeaturesArrayOfSix) {
  auto spec = test::technique6_spec(12);
  auto path = dir_ / "guide_technique.mlmodel";
  export_coreml(spec, path, {.layout = CoreMLLayout::Guide, .quantize_8bit = q8()});
  expect_valid(path);
  Tensor x{{6}, {0.9f, 0.2f, 0.01f, 3.5f, 1.2f, 0.6f}};
  auto got = predict_coreml(path, {{"features", FeatureValue::of_array({6}, {x.values.begin(), x.values.end()})}});
  expect_near_all(got.at("techniques").array, runtime::evaluate(spec, {{"features", x}}).at("techniques").values, tol(),
                  "techniques");
  // The app layout needs the 4 inputs the app sends: the 6-input model is refused with the reason.
  try {
    export_coreml(spec, dir_ / "app.mlmodel", {.quantize_8bit = q8()});
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("transient_strength"), std::string::npos) << e.what();
  }
}

TEST_P(CoreMLRoundTrip, MixAnalyzerWithFiveHeadsKeepsThemInBothLayouts) {
  auto spec = test::mix5_spec(14);
  auto [fm, x] = make_inputs(AppModel::MixAnalyzer, 6);
  auto want = runtime::evaluate(spec, {{"spectrum", x}});
  const char* names[4] = {"dynamic_range", "stereo_width", "peak_level", "rms_level"};
  export_coreml(spec, dir_ / "app.mlmodel", {.quantize_8bit = q8()});
  expect_valid(dir_ / "app.mlmodel");
  auto app = predict_coreml(dir_ / "app.mlmodel", fm);
  export_coreml(spec, dir_ / "guide.mlmodel", {.layout = CoreMLLayout::Guide, .quantize_8bit = q8()});
  expect_valid(dir_ / "guide.mlmodel");
  auto guide = predict_coreml(dir_ / "guide.mlmodel", fm);
  expect_near_all(app.at("freq_balance").array, want.at("freq_balance").values, tol(), "freq_balance");
  for (const char* n : names) {
    const double w = want.at(n).values[0], t = tol() * std::max(1.0, std::abs(w));
    EXPECT_NEAR(app.at(n).d, w, n == std::string("dynamic_range") ? 20 * t : t) << n;  // dB head: scale 20
    ASSERT_EQ(guide.at(n).type, FeatureValue::Type::MultiArray) << n;
    EXPECT_NEAR(guide.at(n).array.at(0), app.at(n).d, 1e-9) << n;
  }
}

TEST_P(CoreMLRoundTrip, GuideLayoutPatternGeneratorUsesConcatND) {
  auto spec = test::pattern_spec(13);
  auto path = dir_ / "guide_pattern.mlmodel";
  export_coreml(spec, path, {.layout = CoreMLLayout::Guide, .quantize_8bit = q8()});
  expect_valid(path);
  auto [fm, x] = make_inputs(AppModel::PatternGenerator, 3, true);
  auto want = runtime::evaluate(spec, {{"x", x}}).at("notes").values;
  auto got = predict_coreml(path, fm).at("notes");
  const float unit[4] = {127, 127, 16, 4};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.array[i] / unit[i % 4], want[i] / unit[i % 4], tol()) << i;
}

INSTANTIATE_TEST_SUITE_P(Weights, CoreMLRoundTrip, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Quantized8" : "Float"; });

TEST(CoreMLExport, QuantizedFileIsSmallerAndDeclaresSpec3) {
  auto dir = test::make_temp_dir("coreml");
  auto spec = test::mix_spec(1);
  export_coreml(spec, dir / "f.mlmodel");
  export_coreml(spec, dir / "q.mlmodel", {.quantize_8bit = true});
  EXPECT_LT(std::filesystem::file_size(dir / "q.mlmodel") * 3, std::filesystem::file_size(dir / "f.mlmodel"));
  std::filesystem::remove_all(dir);
}

TEST(CoreMLExport, WrongSpecShapesAreRefusedWithTheReason) {
  auto dir = test::make_temp_dir("coreml");
  auto spec = test::technique_spec(1);
  spec.name = "GenreClassifier";
  try {
    export_coreml(spec, dir / "x.mlmodel");
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("input must be [32]"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.mlmodel"));
  EXPECT_THROW(export_coreml(test::technique_spec(1), dir / "u.mlmodel", {.updatable = true}), ParameterError);
  std::filesystem::remove_all(dir);
}

TEST(CoreMLExport, UpdatableGuideModelsValidate) {
  auto dir = test::make_temp_dir("coreml");
  export_coreml(test::technique_spec(2), dir / "t.mlmodel", {.layout = CoreMLLayout::Guide, .updatable = true});
  expect_valid(dir / "t.mlmodel");
  export_coreml(test::genre_spec(2, false), dir / "g.mlmodel",
                {.layout = CoreMLLayout::Guide, .updatable = true, .update = {.updatable_dense_layers = 2}});
  expect_valid(dir / "g.mlmodel");
  EXPECT_THROW(export_coreml(test::pattern_spec(2), dir / "p.mlmodel", {.layout = CoreMLLayout::Guide, .updatable = true}),
               ParameterError);
  std::filesystem::remove_all(dir);
}

TEST(CoreMLRead, GarbageAndMissingFilesGiveClearErrors) {
  auto dir = test::make_temp_dir("coreml");
  std::ofstream(dir / "junk.mlmodel") << "\xff\xff\xff\xff this is not protobuf";
  EXPECT_THROW(validate_coreml(dir / "junk.mlmodel"), FormatError);
  EXPECT_THROW(predict_coreml(dir / "missing.mlmodel", {}), IoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::exporter

#include "echoelml/export/inspect.h"
#include "echoelml/export/onnx.h"

namespace echoelml::exporter {
namespace {

TEST(Inspect, DescribesInterfaceLayersWeightsAndMetadata) {
  auto dir = test::make_temp_dir("inspect");
  export_coreml(test::genre_spec(1, false), dir / "GenreClassifier.mlmodel", {.quantize_8bit = true});
  auto text = inspect(dir / "GenreClassifier.mlmodel");
  for (const char* s : {"pipelineClassifier with 3 stages", "input  tempo: Double", "input  mfcc: MultiArray FLOAT32 [13]",
                        "output genre: String", "output confidence: Double", "\"Hip-Hop/Trap\"", "uint8 (8-bit linear",
                        "author test", "specificationVersion 3"})
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  export_onnx(test::technique_spec(1), dir / "t.onnx");
  auto onnx_text = inspect(dir / "t.onnx");
  EXPECT_NE(onnx_text.find("input  x: float32 [4]"), std::string::npos) << onnx_text;
  EXPECT_NE(onnx_text.find("MatMul"), std::string::npos) << onnx_text;
  std::ofstream(dir / "bad.onnx") << "garbage";
  EXPECT_THROW(inspect(dir / "bad.onnx"), FormatError);
  std::ofstream(dir / "x.txt") << "x";
  EXPECT_THROW(inspect(dir / "x.txt"), FormatError);
  EXPECT_THROW(inspect(dir / "none.mlmodel"), IoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::exporter
