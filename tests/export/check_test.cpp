// Exported Core ML models against PyTorch (the trained model's framework) on validation rows,
// and <Name>.check.json: its format, and its cases reproduced by predict_coreml.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "echoelml/export/check.h"

#include <fstream>

#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "spec_fixtures.h"
#include "support/shared_data.h"
#include "torch_reference.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Case {
  std::string label;
  runtime::ModelSpec spec;
  AppModel model;
  CoreMLLayout layout;
  double lo = -1.0, hi = 2.0;  // feature range of the random validation rows
};

// Every model in both layouts; MixAnalyzer gets non-negative magnitude spectra as in training.
std::vector<Case> all_cases() {
  using L = CoreMLLayout;
  return {{"GenreApp", test::genre_spec(21, true), AppModel::GenreClassifier, L::App},
          {"GenreAppNoHead", test::genre_spec(22, false), AppModel::GenreClassifier, L::App},
          {"TechniqueApp", test::technique_spec(23), AppModel::TechniqueRecognizer, L::App},
          {"PatternApp", test::pattern_spec(24), AppModel::PatternGenerator, L::App},
          {"MixApp", test::mix5_spec(25), AppModel::MixAnalyzer, L::App, 0.0, 1.0},
          {"GenreGuide", test::genre_spec(26, true), AppModel::GenreClassifier, L::Guide},
          {"TechniqueGuide6", test::technique6_spec(27), AppModel::TechniqueRecognizer, L::Guide},
          {"PatternGuide", test::pattern_spec(28), AppModel::PatternGenerator, L::Guide},
          {"MixGuide5", test::mix5_spec(29), AppModel::MixAnalyzer, L::Guide, 0.0, 1.0}};
}

// Random validation rows of every case with PyTorch's outputs (one python start).
std::vector<ValidationSet> torch_sets(const std::vector<Case>& cases, std::size_t rows, unsigned seed, const fs::path& dir) {
  std::vector<ValidationSet> sets;
  for (const auto& c : cases) sets.push_back(test::random_rows(c.spec, rows, seed, c.lo, c.hi));
  std::vector<std::pair<const runtime::ModelSpec*, ValidationSet*>> jobs;
  for (std::size_t i = 0; i < cases.size(); ++i) jobs.emplace_back(&cases[i].spec, &sets[i]);
  test::torch_fill(jobs, dir);
  return sets;
}

class AgainstTorch : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (test::torch_python().empty()) FAIL() << "python3 with torch not found (Debian python3-torch)";
    dir_ = test::make_temp_dir("check");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// The evaluator runs the exported file; PyTorch runs the same weights independently.
TEST_P(AgainstTorch, ExportedModelsMatchTorchOnValidationRows) {
  const bool q8 = GetParam();
  const auto cases = all_cases();
  const auto sets = torch_sets(cases, 16, 7, dir_);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    SCOPED_TRACE(c.label);
    const CoreMLOptions opt{.layout = c.layout, .model = c.model, .quantize_8bit = q8};
    const fs::path file = dir_ / (c.label + ".mlmodel");
    export_coreml(c.spec, file, opt);
    auto dev = compare_with_trained(file, c.spec, opt, sets[i]);
    EXPECT_EQ(dev.rows, 16u);
    EXPECT_LE(dev.max_rel, q8 ? 2e-2 : 1e-4) << "worst output " << dev.worst_output << ", abs " << dev.max_abs;
    if (q8) {
      EXPECT_GT(dev.max_abs, 0.0);  // 8-bit weights do change the outputs a little
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Weights, AgainstTorch, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Quantized8" : "Float"; });

// Builds the Core ML inputs of a check.json case from the interface types alone, as an outside
// checker would.
FeatureMap case_inputs(const json& check, const json& c) {
  FeatureMap fm;
  for (const auto& [name, type] : check["interface"]["inputs"].items()) {
    const auto& v = c["inputs"].at(name);
    if (type == "Double") {
      fm[name] = FeatureValue::of_double(v.get<double>());
    } else {
      auto vals = v.get<std::vector<double>>();
      fm[name] = FeatureValue::of_array({static_cast<std::int64_t>(vals.size())}, vals);
    }
  }
  return fm;
}

void expect_case_reproduced(const fs::path& model, const json& check, double tol) {
  ASSERT_FALSE(check["cases"].empty());
  for (const auto& c : check["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto got = predict_coreml(model, case_inputs(check, c));
    for (const auto& [name, want] : c["expected"].items()) {
      ASSERT_TRUE(got.count(name)) << name;
      const auto& g = got.at(name);
      if (want.is_string()) {
        EXPECT_EQ(g.s, want.get<std::string>()) << name;
      } else if (want.is_number()) {
        EXPECT_NEAR(g.d, want.get<double>(), tol * std::max(1.0, std::abs(want.get<double>()))) << name;
      } else if (want.is_object()) {
        for (const auto& [label, p] : want.items()) EXPECT_NEAR(g.dict.at(label), p.get<double>(), tol) << label;
      } else {
        std::vector<double> flat;
        for (const auto& x : want) {
          if (x.is_array())
            for (const auto& y : x) flat.push_back(y.get<double>());
          else
            flat.push_back(x.get<double>());
        }
        ASSERT_EQ(g.array.size(), flat.size()) << name;
        for (std::size_t i = 0; i < flat.size(); ++i)
          EXPECT_NEAR(g.array[i], flat[i], tol * std::max(1.0, std::abs(flat[i]))) << name << "[" << i << "]";
      }
    }
  }
}

TEST_F(AgainstTorch, CheckJsonHasTheIssuesFormatAndItsCasesAreReproduced) {
  const auto cases = all_cases();
  const auto sets = torch_sets(cases, 8, 3, dir_);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    SCOPED_TRACE(c.label);
    const CoreMLOptions opt{.layout = c.layout, .model = c.model};
    const fs::path file = dir_ / (c.label + ".mlmodel");
    export_coreml(c.spec, file, opt);
    json check = make_check(file, c.spec, opt, sets[i], {.cases = 3});
    ASSERT_TRUE(check.contains("interface") && check.contains("class_labels") && check.contains("cases"));
    EXPECT_EQ(check.size(), 3u);
    EXPECT_EQ(check["cases"].size(), 3u);
    for (const auto& cs : check["cases"]) {
      EXPECT_EQ(cs.size(), 3u);
      EXPECT_TRUE(cs["name"].is_string());
    }
    // Written and parsed again: numbers survive the text round trip.
    std::ofstream(dir_ / "c.json") << check.dump(2);
    std::ifstream in(dir_ / "c.json");
    expect_case_reproduced(file, json::parse(in), 1e-5);
  }
}

TEST_F(AgainstTorch, CheckJsonTypesLabelsAndExpectedValuesOfTheAppLayout) {
  auto spec = test::genre_spec(31, true);
  auto pat = test::pattern_spec(32);
  auto tech = test::technique_spec(33);
  auto val = test::random_rows(spec, 6, 5), pval = test::random_rows(pat, 2, 1), tval = test::random_rows(tech, 2, 1);
  test::torch_fill({{&spec, &val}, {&pat, &pval}, {&tech, &tval}}, dir_);
  export_coreml(spec, dir_ / "g.mlmodel");
  json g = make_check(dir_ / "g.mlmodel", spec, {}, val);
  const auto& in = g["interface"]["inputs"];
  EXPECT_EQ(in["tempo"], "Double");
  EXPECT_EQ(in["mfcc"], "MultiArray<FLOAT32>[13]");
  EXPECT_EQ(in["chroma"], "MultiArray<FLOAT32>[12]");
  EXPECT_EQ(g["interface"]["outputs"]["genre"], "String");
  EXPECT_EQ(g["interface"]["outputs"]["genre_probs"], "Dictionary<String>");
  EXPECT_EQ(g["interface"]["outputs"]["confidence"], "Double");
  ASSERT_EQ(g["class_labels"]["genre"].size(), 8u);
  EXPECT_EQ(g["class_labels"]["genre"][3], "Hip-Hop/Trap");
  // The expected label is the arg-max of the trained probabilities, the confidence its head.
  const auto& c0 = g["cases"][0];
  std::size_t row = 0;
  if (c0["name"] != "validation row 0") row = std::stoul(c0["name"].get<std::string>().substr(15));
  const auto& p = val.outputs[row];
  std::size_t arg = std::max_element(p.begin(), p.begin() + 8) - p.begin();
  EXPECT_EQ(c0["expected"]["genre"], std::string(raw_value(all_genres()[arg])));
  EXPECT_NEAR(c0["expected"]["confidence"].get<double>(), p[8], 1e-12);
  EXPECT_NEAR(c0["expected"]["genre_probs"]["Jazz"].get<double>(), p[1], 1e-12);
  EXPECT_NEAR(c0["inputs"]["tempo"].get<double>(), val.features[row][0], 1e-12);
  EXPECT_EQ(c0["inputs"]["mfcc"].size(), 13u);

  export_coreml(pat, dir_ / "p.mlmodel");
  json pj = make_check(dir_ / "p.mlmodel", pat, {}, pval, {.cases = 1});
  EXPECT_EQ(pj["interface"]["outputs"]["notes"], "MultiArray[64,4]");
  EXPECT_EQ(pj["interface"]["inputs"]["genre"], "MultiArray<FLOAT32>[8]");
  EXPECT_EQ(pj["cases"][0]["expected"]["notes"].size(), 64u);
  EXPECT_EQ(pj["cases"][0]["expected"]["notes"][0].size(), 4u);
  EXPECT_TRUE(pj["class_labels"].empty());

  export_coreml(tech, dir_ / "t.mlmodel");
  json tj = make_check(dir_ / "t.mlmodel", tech, {}, tval);
  EXPECT_EQ(tj["interface"]["outputs"]["Tension & Release"], "Double");
  EXPECT_EQ(tj["interface"]["outputs"].size(), 20u);
}

TEST_F(AgainstTorch, ACheckThatTheModelDoesNotReproduceIsRefused) {
  auto spec = test::technique_spec(41);
  export_coreml(spec, dir_ / "t.mlmodel");
  auto val = test::torch_validation_set(spec, 3, 2, dir_);
  val.outputs[0][5] += 0.01;  // a trained output the exported model does not give
  try {
    make_check(dir_ / "t.mlmodel", spec, {}, val, {.cases = 1});
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Buildup & Drop Structure"), std::string::npos) << e.what();
  }
  val.features[0].pop_back();
  EXPECT_THROW(make_check(dir_ / "t.mlmodel", spec, {}, val), ParameterError);
}

TEST(ValidationSet, ReadsTrainingsFileAndRefusesBrokenOnes) {
  auto dir = test::make_temp_dir("valset");
  std::ofstream(dir / "ok.json") << R"({"model":"TechniqueRecognizerApp","kind":"technique-app",
    "input_names":["a","b"],"output_names":["t"],"features":[[1,2],[3,4]],"outputs":[[0.5],[0.25]],
    "targets":[[1],[0]],"rel":["x.wav","y.wav"]})";
  auto v = load_validation_set(dir / "ok.json");
  EXPECT_EQ(v.model, "TechniqueRecognizerApp");
  EXPECT_EQ(v.features.size(), 2u);
  EXPECT_EQ(v.outputs[1][0], 0.25);
  EXPECT_EQ(v.rel[1], "y.wav");
  EXPECT_THROW(load_validation_set(dir / "missing.json"), IoError);
  std::ofstream(dir / "garbage.json") << "{not json";
  EXPECT_THROW(load_validation_set(dir / "garbage.json"), FormatError);
  std::ofstream(dir / "ragged.json") << R"({"model":"m","kind":"k","input_names":["a","b"],"output_names":[],
    "features":[[1,2],[3]],"outputs":[[1],[2]]})";
  try {
    load_validation_set(dir / "ragged.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("ragged.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "count.json") << R"({"model":"m","kind":"k","input_names":["a"],"output_names":[],
    "features":[[1]],"outputs":[]})";
  EXPECT_THROW(load_validation_set(dir / "count.json"), FormatError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::exporter
