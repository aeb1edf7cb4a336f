// export_models (`echoelml export`): a training folder in, four validated models, check.json
// files and the report out; broken inputs named, the other models still exported.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "echoelml/export/batch.h"

#include <fstream>

#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/runtime/model_file.h"
#include "spec_fixtures.h"
#include "support/shared_data.h"
#include "torch_reference.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

// One training folder for all tests (PyTorch starts once); each test works on its own copy.
class Batch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (test::torch_python().empty()) return;
    source_ = test::make_temp_dir("batch_models");
    auto genre = test::genre_spec(1, true);
    auto tech_app = test::technique_spec(2);
    tech_app.name = "TechniqueRecognizerApp";
    auto tech = test::technique6_spec(3);
    auto pattern = test::pattern_spec(4);
    auto mix = test::mix5_spec(5);
    std::vector<runtime::ModelSpec*> specs{&genre, &tech_app, &tech, &pattern, &mix};
    std::vector<ValidationSet> sets;
    for (auto* s : specs) sets.push_back(test::random_rows(*s, 8, 9, 0.0, s == &mix ? 1.0 : 2.0));
    std::vector<std::pair<const runtime::ModelSpec*, ValidationSet*>> jobs;
    for (std::size_t i = 0; i < specs.size(); ++i) jobs.emplace_back(specs[i], &sets[i]);
    test::torch_fill(jobs, source_);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      runtime::save_model_spec(*specs[i], source_ / (specs[i]->name + ".espec"));
      std::ofstream(source_ / (specs[i]->name + ".validation.json")) << test::validation_json(sets[i], "k").dump();
    }
  }
  static void TearDownTestSuite() { fs::remove_all(source_); }
  void SetUp() override {
    if (test::torch_python().empty()) FAIL() << "python3 with torch not found (Debian python3-torch)";
    dir_ = test::make_temp_dir("batch");
    models_ = dir_ / "models";
    fs::copy(source_, models_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static inline fs::path source_;
  fs::path dir_, models_;
};

TEST_F(Batch, ExportsTheFourModelsValidatedWithChecksAndAReport) {
  const fs::path out = dir_ / "out";
  std::vector<std::string> seen;
  auto res = export_models(models_, out, {.formats = kMlModel | kOnnx},
                           [&](const ModelOutcome& o) { seen.emplace_back(to_string(o.model)); });
  for (const auto& m : res.models)
    for (const auto& e : m.errors) ADD_FAILURE() << e;
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"GenreClassifier", "TechniqueRecognizer", "PatternGenerator", "MixAnalyzer"}));
  for (const char* n : {"GenreClassifier", "TechniqueRecognizer", "PatternGenerator", "MixAnalyzer"}) {
    for (const char* ext : {".mlmodel", ".onnx", ".check.json"}) EXPECT_TRUE(fs::exists(out / (std::string(n) + ext))) << n << ext;
    EXPECT_TRUE(validate_coreml(out / (std::string(n) + ".mlmodel")).ok()) << n;
    EXPECT_EQ(read_json(out / (std::string(n) + ".check.json"))["cases"].size(), 3u) << n;
  }
  // The app layout's technique model is the 4-input one the app feeds.
  EXPECT_EQ(res.models[1].source.filename(), "TechniqueRecognizerApp.espec");
  auto tc = read_json(out / "TechniqueRecognizer.check.json");
  EXPECT_EQ(tc["interface"]["inputs"].size(), 4u);
  EXPECT_EQ(tc["interface"]["inputs"]["stereo_width"], "Double");
  auto report = read_json(res.report);
  EXPECT_EQ(report["layout"], "app");
  EXPECT_EQ(report["models"].size(), 4u);
  EXPECT_EQ(report["models"]["MixAnalyzer"]["weights"], "float32");
}

TEST_F(Batch, GuideLayoutReadsTheSixInputTechniqueModel) {
  auto res = export_models(models_, dir_ / "guide", {.layout = CoreMLLayout::Guide});
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(res.models[1].source.filename(), "TechniqueRecognizer.espec");
  auto tc = read_json(dir_ / "guide" / "TechniqueRecognizer.check.json");
  EXPECT_EQ(tc["interface"]["inputs"]["features"], "MultiArray<FLOAT32>[6]");
  EXPECT_EQ(tc["class_labels"]["techniques"].size(), 20u);
}

TEST_F(Batch, MissingAndCorruptFilesAreNamedAndTheOthersStillExported) {
  fs::remove(models_ / "TechniqueRecognizerApp.espec");
  std::ofstream(models_ / "PatternGenerator.espec", std::ios::trunc) << "ECHOSPEC but not really";
  fs::remove(models_ / "MixAnalyzer.validation.json");
  const fs::path out = dir_ / "out";
  auto res = export_models(models_, out, {});
  EXPECT_FALSE(res.ok());
  ASSERT_EQ(res.models.size(), 4u);
  EXPECT_TRUE(res.models[0].ok());
  ASSERT_FALSE(res.models[1].errors.empty());
  EXPECT_NE(res.models[1].errors[0].find("TechniqueRecognizerApp.espec"), std::string::npos) << res.models[1].errors[0];
  ASSERT_FALSE(res.models[2].errors.empty());
  EXPECT_NE(res.models[2].errors[0].find("PatternGenerator.espec"), std::string::npos) << res.models[2].errors[0];
  // No validation set: the model is still exported, only its check.json is missing.
  ASSERT_FALSE(res.models[3].errors.empty());
  EXPECT_NE(res.models[3].errors[0].find("MixAnalyzer.validation.json"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "GenreClassifier.mlmodel"));
  EXPECT_TRUE(fs::exists(out / "MixAnalyzer.mlmodel"));
  EXPECT_FALSE(fs::exists(out / "MixAnalyzer.check.json"));
  EXPECT_FALSE(fs::exists(out / "TechniqueRecognizer.mlmodel"));
  EXPECT_FALSE(fs::exists(out / "PatternGenerator.mlmodel"));
  EXPECT_EQ(read_json(res.report)["models"]["PatternGenerator"]["errors"].size(), 1u);
  EXPECT_THROW(export_models(dir_ / "nope", out, {}), IoError);
}

TEST_F(Batch, EightBitReportsSizeAndLargestOutputChange) {
  auto res = export_models(models_, dir_ / "q8", {.quantize_8bit = true});
  EXPECT_TRUE(res.ok());
  auto report = read_json(res.report);
  for (const char* n : {"GenreClassifier", "TechniqueRecognizer", "PatternGenerator", "MixAnalyzer"}) {
    SCOPED_TRACE(n);
    const auto& q = report["models"][n]["quantization"];
    EXPECT_LT(q["int8_bytes"].get<double>(), q["float32_bytes"].get<double>());
    EXPECT_EQ(q["int8_bytes"], fs::file_size(dir_ / "q8" / (std::string(n) + ".mlmodel")));
    EXPECT_EQ(q["int8_vs_trained"]["rows"], 8);
    EXPECT_GT(q["int8_vs_trained"]["max_abs_change"].get<double>(), 0.0);
    EXPECT_LE(q["int8_vs_trained"]["max_rel_change"].get<double>(), 2e-2);
    EXPECT_LE(q["float32_vs_trained"]["max_rel_change"].get<double>(), 1e-4);
  }
  // The float model written for the size comparison is gone again.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_ / "q8")) ++files;
  EXPECT_EQ(files, 4u * 2 + 1);
}

TEST_F(Batch, UpdatableWhereCoreMLAllowsItAndANoteElsewhere) {
  auto app = export_models(models_, dir_ / "app", {.updatable = true});
  EXPECT_TRUE(app.ok());
  for (const auto& m : app.models) {
    ASSERT_EQ(m.notes.size(), 1u);
    EXPECT_NE(m.notes[0].find(std::string(to_string(m.model))), std::string::npos) << m.notes[0];
  }
  auto guide = export_models(models_, dir_ / "guide", {.layout = CoreMLLayout::Guide, .updatable = true});
  EXPECT_TRUE(guide.ok());
  auto report = read_json(guide.report);
  EXPECT_TRUE(report["models"]["GenreClassifier"]["updatable"].get<bool>());
  EXPECT_TRUE(report["models"]["TechniqueRecognizer"]["updatable"].get<bool>());
  EXPECT_FALSE(report["models"]["PatternGenerator"]["updatable"].get<bool>());
  EXPECT_NE(guide.models[2].notes.at(0).find("LSTM"), std::string::npos);
  EXPECT_NE(guide.models[3].notes.at(0).find("loss"), std::string::npos);
  EXPECT_THROW(export_models(models_, dir_ / "x", {.quantize_8bit = true, .updatable = true}), ParameterError);
}

TEST(ExportFormat, ParsesTheChoicesAndListsThemOnError) {
  EXPECT_EQ(parse_export_format("mlmodel", true), kMlModel);
  EXPECT_EQ(parse_export_format("all", false), kMlModel | kOnnx);
  EXPECT_EQ(parse_export_format("all", true), kMlModel | kOnnx | kMlPackage);
  try {
    parse_export_format("mlpackage", false);
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("mlmodel|onnx|all"), std::string::npos);
  }
  EXPECT_EQ(source_name(AppModel::TechniqueRecognizer, CoreMLLayout::App), "TechniqueRecognizerApp");
  EXPECT_EQ(source_name(AppModel::TechniqueRecognizer, CoreMLLayout::Guide), "TechniqueRecognizer");
}

}  // namespace
}  // namespace echoelml::exporter
