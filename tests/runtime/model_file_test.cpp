#include "echoelml/runtime/model_file.h"

#include <fstream>

#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/runtime/evaluate.h"
#include "support/shared_data.h"

namespace echoelml::runtime {
namespace {

ModelSpec sample() {
  ModelSpec s;
  s.name = "PatternGenerator";
  s.metadata = {{"author", "me"}, {"class_labels", "a\nb"}};
  s.inputs = {{"features", {3}, "raw units"}};
  s.layers = {
      Layer{.kind = LayerKind::Dense, .name = "fc", .inputs = {"features"}, .output = "h",
            .activation = Activation::Relu, .params = {{{2, 3}, {1, 2, 3, 4, 5, 6}}, {{2}, {-1, 1}}}},
      Layer{.kind = LayerKind::Repeat, .name = "rep", .inputs = {"h"}, .output = "seq", .repeats = 4},
      Layer{.kind = LayerKind::Lstm, .name = "lstm", .inputs = {"seq"}, .output = "o",
            .params = {{{4, 2}, std::vector<float>(8, 0.25f)}, {{4, 1}, {1, 2, 3, 4}}, {{4}, {0, 0, 0, 0}}},
            .hidden = 1}};
  s.outputs = {{"o", {4, 1}, "hidden"}};
  return s;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void dump(const std::filesystem::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

TEST(ModelFile, RoundTripKeepsEverything) {
  auto dir = test::make_temp_dir("espec");
  auto s = sample();
  save_model_spec(s, dir / "m.espec");
  auto r = load_model_spec(dir / "m.espec");
  EXPECT_EQ(r.name, s.name);
  EXPECT_EQ(r.metadata, s.metadata);
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers[0].activation, Activation::Relu);
  EXPECT_EQ(r.layers[0].params[1].values, (std::vector<float>{-1, 1}));
  EXPECT_EQ(r.layers[1].repeats, 4);
  EXPECT_EQ(r.layers[2].hidden, 1);
  EXPECT_EQ(r.outputs[0].description, "hidden");
  Tensor x{{3}, {0.1f, -0.2f, 0.3f}};
  EXPECT_EQ(evaluate(r, {{"features", x}}).at("o").values, evaluate(s, {{"features", x}}).at("o").values);
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, FlippedWeightByteIsDetected) {
  auto dir = test::make_temp_dir("espec");
  save_model_spec(sample(), dir / "m.espec");
  auto bytes = slurp(dir / "m.espec");
  bytes[bytes.size() - 3] ^= 0x40;
  dump(dir / "bad.espec", bytes);
  EXPECT_THROW(load_model_spec(dir / "bad.espec"), FormatError);
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, TruncatedAndForeignFilesGiveFormatErrors) {
  auto dir = test::make_temp_dir("espec");
  save_model_spec(sample(), dir / "m.espec");
  auto bytes = slurp(dir / "m.espec");
  dump(dir / "short.espec", bytes.substr(0, bytes.size() - 5));
  dump(dir / "tiny.espec", bytes.substr(0, 10));
  dump(dir / "foreign.espec", "hello world, this is not a model spec at all");
  for (auto n : {"short.espec", "tiny.espec", "foreign.espec"}) {
    try {
      load_model_spec(dir / n);
      FAIL() << n;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, CorruptJsonHeaderIsAFormatError) {
  auto dir = test::make_temp_dir("espec");
  save_model_spec(sample(), dir / "m.espec");
  auto bytes = slurp(dir / "m.espec");
  bytes[40] = '}';  // inside the JSON header
  dump(dir / "j.espec", bytes);
  EXPECT_THROW(load_model_spec(dir / "j.espec"), FormatError);
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, MissingFileIsAnIoErrorAndBadSpecIsNotWritten) {
  EXPECT_THROW(load_model_spec("/nonexistent/x.espec"), IoError);
  auto dir = test::make_temp_dir("espec");
  auto s = sample();
  s.layers[0].params[0].shape = {3, 3};
  EXPECT_THROW(save_model_spec(s, dir / "m.espec"), ParameterError);
  EXPECT_FALSE(std::filesystem::exists(dir / "m.espec"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::runtime
