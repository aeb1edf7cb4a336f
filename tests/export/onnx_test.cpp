// ONNX round trips: export, then run with onnxruntime-node (npm devDependency) and compare
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
// with runtime::evaluate. Needs `npm ci --ignore-scripts` at the repository root.
#include "echoelml/export/onnx.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "echoelml/core/error.h"
#include "spec_fixtures.h"
#include "support/shared_data.h"
#include "torch_reference.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;

bool have_onnxruntime() {
  return fs::exists(fs::path(ECHOELML_SOURCE_DIR) / "node_modules" / "onnxruntime-node" / "package.json") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

nlohmann::json run_ort(const fs::path& model, const nlohmann::json& inputs, const fs::path& dir) {
  std::ofstream(dir / "inputs.json") << inputs.dump();
  std::string cmd = "node '" + std::string(ECHOELML_SOURCE_DIR) + "/tests/export/run_onnx.mjs' '" + model.string() + "' '" +
                    (dir / "inputs.json").string() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("onnxruntime failed: " + out);
  return nlohmann::json::parse(out);
}

void compare(const runtime::ModelSpec& spec, const std::map<std::string, runtime::Tensor>& in, double tol) {
  auto dir = test::make_temp_dir("onnx");
  export_onnx(spec, dir / "m.onnx");
  nlohmann::json feeds;
  for (const auto& [k, t] : in) feeds[k] = {{"dims", t.shape}, {"data", t.values}};
  auto got = run_ort(dir / "m.onnx", feeds, dir);
  for (const auto& [name, want] : runtime::evaluate(spec, in)) {
    ASSERT_TRUE(got.contains(name)) << name;
    EXPECT_EQ(got[name]["dims"].get<std::vector<std::int64_t>>(), want.shape) << name;
    auto v = got[name]["data"].get<std::vector<double>>();
    ASSERT_EQ(v.size(), want.values.size());
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], want.values[i], tol * std::max(1.0, std::abs(double(want.values[i])))) << name << "[" << i << "]";
  }
  fs::remove_all(dir);
}

class OnnxRuntime : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_onnxruntime()) FAIL() << "onnxruntime-node not installed: run `npm ci --ignore-scripts` at the repo root (scripts/test.sh does)";
  }
};

TEST_F(OnnxRuntime, GenreSpecWithSoftmaxAndReduceMaxMatches) {
  auto spec = test::genre_spec(1, false);
  spec.layers.push_back({runtime::LayerKind::ReduceMax, "top", {"probs"}, "top", runtime::Activation::Linear, {}, 0, 0});
  spec.outputs.push_back({"top", {1}, ""});
  std::mt19937 rng(1);
  compare(spec, {{"x", test::random_tensor(rng, {32}, 2.0f)}}, 1e-4);
}

TEST_F(OnnxRuntime, TechniqueSpecMatches) {
  std::mt19937 rng(2);
  compare(test::technique_spec(2), {{"x", test::random_tensor(rng, {4}, 2.0f)}}, 1e-4);
}

TEST_F(OnnxRuntime, PatternSpecWithTwoLstmsMatches) {
  std::mt19937 rng(3);
  compare(test::pattern_spec(3), {{"x", test::random_tensor(rng, {31}, 2.0f)}}, 1e-4);
}

TEST_F(OnnxRuntime, MixSpecWithTwoOutputsMatches) {
  std::mt19937 rng(4);
  compare(test::mix_spec(4), {{"spectrum", test::random_tensor(rng, {1024}, 1.0f)}}, 1e-4);
}

TEST_F(OnnxRuntime, ConcatOfTwoInputsMatches) {
  runtime::ModelSpec s;
  s.name = "cat";
  s.inputs = {{"a", {3}, ""}, {"b", {2}, ""}};
  s.layers = {{runtime::LayerKind::Concat, "cat", {"b", "a"}, "y", runtime::Activation::Linear, {}, 0, 0},
              {runtime::LayerKind::Activation, "t", {"y"}, "z", runtime::Activation::Tanh, {}, 0, 0}};
  s.outputs = {{"z", {5}, ""}};
  std::mt19937 rng(5);
  compare(s, {{"a", test::random_tensor(rng, {3})}, {"b", test::random_tensor(rng, {2})}}, 1e-4);
}

// onnxruntime against PyTorch (the trained model's framework) on validation-like rows.
TEST_F(OnnxRuntime, MatchesTorchOnValidationRowsOfAllFourModels) {
  if (test::torch_python().empty()) FAIL() << "python3 with torch not found (Debian python3-torch)";
  auto dir = test::make_temp_dir("onnx_torch");
  const std::vector<runtime::ModelSpec> specs{test::genre_spec(51, true), test::technique6_spec(52), test::pattern_spec(53),
                                              test::mix5_spec(54)};
  std::vector<ValidationSet> sets;
  std::vector<std::pair<const runtime::ModelSpec*, ValidationSet*>> jobs;
  for (const auto& spec : specs) sets.push_back(test::random_rows(spec, 3, 11, 0.0, 2.0));
  for (std::size_t i = 0; i < specs.size(); ++i) jobs.emplace_back(&specs[i], &sets[i]);
  test::torch_fill(jobs, dir);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    const auto& spec = specs[k];
    const auto& val = sets[k];
    SCOPED_TRACE(spec.name);
    export_onnx(spec, dir / "m.onnx");
    std::size_t at_row = 0;
    for (const auto& row : val.features) {
      const auto& in = spec.inputs.at(0);
      auto got = run_ort(dir / "m.onnx", {{in.name, {{"dims", in.shape}, {"data", row}}}}, dir);
      std::vector<double> flat;
      for (const auto& o : spec.outputs)
        for (double v : got.at(o.name)["data"].get<std::vector<double>>()) flat.push_back(v);
      const auto& want = val.outputs[at_row++];
      ASSERT_EQ(flat.size(), want.size());
      for (std::size_t i = 0; i < flat.size(); ++i)
        EXPECT_NEAR(flat[i], want[i], 1e-4 * std::max(1.0, std::abs(want[i]))) << "row " << at_row - 1 << " output " << i;
    }
  }
  fs::remove_all(dir);
}

TEST(OnnxExport, InvalidSpecIsRefusedAndNothingWritten) {
  auto dir = test::make_temp_dir("onnx");
  auto spec = test::technique_spec(1);
  spec.layers[1].params[0].shape = {3, 3};
  EXPECT_THROW(export_onnx(spec, dir / "m.onnx"), ParameterError);
  EXPECT_FALSE(fs::exists(dir / "m.onnx"));
  EXPECT_THROW(export_onnx(test::technique_spec(1), dir / "m.onnx", {.opset = 9}), ParameterError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::exporter
