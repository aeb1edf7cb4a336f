// ML Program packages: ModelSpec -> .mlpackage -> read back, validate, run with our MIL
// evaluator, compare with runtime::evaluate; byte layout of weight.bin and Manifest.json
// checked against the formats in coremltools (StorageFormat.hpp, ModelPackage.cpp).
#include "echoelml/export/mlpackage.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "echoelml/core/error.h"
#include "echoelml/export/inspect.h"
#include "export/mlprogram_internal.h"
#include "spec_fixtures.h"
#include "support/shared_data.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;
using runtime::Tensor;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void spit(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary | std::ios::trunc) << s; }
std::uint32_t u32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}
std::uint64_t u64(const std::string& s, std::size_t at) { return u32(s, at) | (static_cast<std::uint64_t>(u32(s, at + 4)) << 32); }

fs::path weights(const fs::path& pkg) { return pkg / "Data/com.apple.CoreML/weights/weight.bin"; }

// A random raw feature row, the guide-layout inputs built from it, and the spec's input tensor.
struct Case {
  FeatureMap inputs;
  Tensor x;
};
Case make_case(const runtime::ModelSpec& spec, AppModel am, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Case c;
  c.x.shape = spec.inputs[0].shape;
  std::vector<double> row;
  for (std::int64_t i = 0; i < c.x.shape[0]; ++i) {
    c.x.values.push_back(u(rng));
    row.push_back(c.x.values.back());
  }
  c.inputs = coreml_inputs(coreml_input_slots(spec, {.layout = CoreMLLayout::Guide, .model = am}), row);
  return c;
}

void expect_near_all(const FeatureValue& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.type, FeatureValue::Type::MultiArray) << what;
  EXPECT_EQ(got.shape, want.shape) << what;
  ASSERT_EQ(got.array.size(), want.values.size()) << what;
  for (std::size_t i = 0; i < want.values.size(); ++i) EXPECT_NEAR(got.array[i], want.values[i], tol) << what << "[" << i << "]";
}

void expect_valid(const fs::path& pkg) {
  auto r = validate_coreml(pkg);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_TRUE(r.ok()) << all;
  std::vector<std::string> errs;
  detail::validate_mlprogram(detail::read_model(pkg), pkg, "pkg", &errs);
  all.clear();
  for (const auto& e : errs) all += e + "\n";
  EXPECT_TRUE(errs.empty()) << all;
}

class MLPackage : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("mlprogram"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

constexpr double kTol = 1e-4;  // fp32 weights

TEST_F(MLPackage, GenreClassifierMatchesRuntimeWithAndWithoutConfidenceHead) {
  for (bool head : {false, true}) {
    auto spec = test::genre_spec(11 + head, head);
    auto pkg = dir_ / "GenreClassifier.mlpackage";
    export_mlpackage(spec, pkg, {.layout = CoreMLLayout::Guide});
    expect_valid(pkg);
    for (unsigned s = 0; s < 3; ++s) {
      auto c = make_case(spec, AppModel::GenreClassifier, s);
      auto want = runtime::evaluate(spec, {{"x", c.x}});
      auto got = predict_coreml(pkg, c.inputs);
      ASSERT_EQ(got.size(), 2u);
      expect_near_all(got.at("genre"), want.at("probs"), kTol, "genre");
      const auto& p = want.at("probs").values;
      Tensor conf = head ? want.at("conf") : Tensor{{1}, {*std::max_element(p.begin(), p.end())}};
      expect_near_all(got.at("confidence"), conf, kTol, "confidence");
    }
  }
}

TEST_F(MLPackage, TechniqueRecognizerMatchesRuntime) {
  auto spec = test::technique_spec(13);
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(spec, pkg, {.layout = CoreMLLayout::Guide});
  expect_valid(pkg);
  auto c = make_case(spec, AppModel::TechniqueRecognizer, 4);
  expect_near_all(predict_coreml(pkg, c.inputs).at("techniques"), runtime::evaluate(spec, {{"x", c.x}}).at("t"), kTol, "techniques");
}

TEST_F(MLPackage, PatternGeneratorLstmMatchesRuntime) {
  auto spec = test::pattern_spec(17);
  auto pkg = dir_ / "PatternGenerator.mlpackage";
  export_mlpackage(spec, pkg, {.layout = CoreMLLayout::Guide});
  expect_valid(pkg);
  for (unsigned s = 0; s < 2; ++s) {
    auto c = make_case(spec, AppModel::PatternGenerator, s);
    auto got = predict_coreml(pkg, c.inputs).at("notes");
    EXPECT_EQ(got.shape, (runtime::Shape{64, 4}));
    // Notes are in MIDI units (x127): 1e-4 relative to the sigmoid's 0-1 range.
    auto want = runtime::evaluate(spec, {{"x", c.x}}).at("notes");
    for (std::size_t i = 0; i < want.values.size(); ++i) EXPECT_NEAR(got.array[i], want.values[i], kTol * 127) << i;
  }
  // The LSTMs are MIL lstm ops (not unrolled), with sequence output.
  auto m = detail::read_model(pkg);
  int lstms = 0;
  for (const auto& op : detail::main_block(m, pkg).operations()) lstms += op.type() == "lstm";
  EXPECT_EQ(lstms, 2);
}

TEST_F(MLPackage, MixAnalyzerMatchesRuntimeInBothLayouts) {
  auto spec = test::mix_spec(19);
  for (auto layout : {CoreMLLayout::Guide, CoreMLLayout::App}) {
    auto pkg = dir_ / "MixAnalyzer.mlpackage";
    export_mlpackage(spec, pkg, {.layout = layout});
    expect_valid(pkg);
    auto c = make_case(spec, AppModel::MixAnalyzer, 5);
    auto want = runtime::evaluate(spec, {{"spectrum", c.x}});
    auto got = predict_coreml(pkg, c.inputs);
    expect_near_all(got.at("freq_balance"), want.at("fb"), kTol, "freq_balance");
    expect_near_all(got.at("levels"), want.at("lv"), kTol, "levels");
  }
}

TEST_F(MLPackage, TrainingShapedSpecsKeepTheGuideInterface) {
  // The guide's 6-input TechniqueRecognizer, named through training's input_groups metadata.
  std::mt19937 rng(21);
  auto tech = test::technique_spec(21);
  tech.inputs[0].shape = {6};
  tech.layers[0] = test::standardize(rng, "x", "xs", 6);
  tech.layers[1] = test::dense(rng, "fc1", "xs", "h", 6, 12, test::Activation::Relu);
  tech.metadata["input_groups"] =
      "dynamic_range:1\nstereo_width:1\nspectrum_variance:1\ntemporal_modulation:1\ntransient_strength:1\nharmonic_ratio:1";
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(tech, pkg, {.layout = CoreMLLayout::Guide});
  expect_valid(pkg);
  auto c = make_case(tech, AppModel::TechniqueRecognizer, 2);
  ASSERT_EQ(c.inputs.at("features").shape, (runtime::Shape{6}));
  expect_near_all(predict_coreml(pkg, c.inputs).at("techniques"), runtime::evaluate(tech, {{"x", c.x}}).at("t"), kTol, "techniques");

  // MixAnalyzer with training's five heads keeps them as five outputs.
  auto mix = test::mix_spec(22);
  mix.layers.pop_back();
  mix.outputs.pop_back();
  const char* heads[4] = {"dynamic_range", "stereo_width", "peak_level", "rms_level"};
  for (const char* h : heads) {
    mix.layers.push_back(test::dense(rng, std::string("head_") + h, "h", std::string("o_") + h, 8, 1, test::Activation::Linear));
    mix.outputs.push_back({std::string("o_") + h, {1}, ""});
  }
  auto mpkg = dir_ / "MixAnalyzer.mlpackage";
  export_mlpackage(mix, mpkg, {.layout = CoreMLLayout::Guide});
  expect_valid(mpkg);
  auto mc = make_case(mix, AppModel::MixAnalyzer, 3);
  auto want = runtime::evaluate(mix, {{"spectrum", mc.x}});
  auto got = predict_coreml(mpkg, mc.inputs);
  ASSERT_EQ(got.size(), 5u);
  expect_near_all(got.at("freq_balance"), want.at("fb"), kTol, "freq_balance");
  for (const char* h : heads) expect_near_all(got.at(h), want.at(std::string("o_") + h), kTol, h);
}

TEST_F(MLPackage, AppLayoutIsRefusedWhereAnMLProgramCannotTakeDoubles) {
  for (auto [spec, am] : {std::pair{test::genre_spec(1, true), AppModel::GenreClassifier},
                          std::pair{test::technique_spec(1), AppModel::TechniqueRecognizer},
                          std::pair{test::pattern_spec(1), AppModel::PatternGenerator}}) {
    auto pkg = dir_ / (std::string(to_string(am)) + ".mlpackage");
    try {
      export_mlpackage(spec, pkg);  // default layout: app
      ADD_FAILURE() << to_string(am) << " app layout should be refused";
    } catch (const ParameterError& e) {
      EXPECT_NE(std::string(e.what()).find("Double"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(pkg));
  }
}

TEST_F(MLPackage, PackageStructureAndManifestFollowModelPackageFormat) {
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(test::technique_spec(2), pkg, {.layout = CoreMLLayout::Guide});
  auto j = nlohmann::json::parse(slurp(pkg / "Manifest.json"));
  EXPECT_EQ(j.at("fileFormatVersion"), "1.0.0");
  const auto& items = j.at("itemInfoEntries");
  ASSERT_EQ(items.size(), 2u);
  const auto& root = items.at(j.at("rootModelIdentifier").get<std::string>());
  EXPECT_EQ(root.at("path"), "com.apple.CoreML/model.mlmodel");
  EXPECT_EQ(root.at("name"), "model.mlmodel");
  EXPECT_EQ(root.at("author"), "com.apple.CoreML");
  bool has_weights = false;
  for (const auto& [id, e] : items.items()) {
    EXPECT_EQ(id.size(), 36u) << id;  // UUID shape
    has_weights |= e.at("name") == "weights" && e.at("path") == "com.apple.CoreML/weights";
  }
  EXPECT_TRUE(has_weights);
  auto m = detail::read_model(pkg);
  EXPECT_EQ(m.specificationversion(), 6);
  ASSERT_TRUE(m.has_mlprogram());
  EXPECT_EQ(m.mlprogram().version(), 1);
  const auto& fn = m.mlprogram().functions().at("main");
  EXPECT_EQ(fn.opset(), "CoreML5");
  ASSERT_EQ(fn.inputs_size(), 1);
  EXPECT_EQ(fn.inputs(0).name(), "features");
  EXPECT_EQ(m.description().output(0).type().multiarraytype().datatype(), detail::cml::ArrayFeatureType::FLOAT32);
  // Deterministic: the same spec gives byte-identical files.
  auto pkg2 = dir_ / "again.mlpackage";
  export_mlpackage(test::technique_spec(2), pkg2, {.layout = CoreMLLayout::Guide, .model = AppModel::TechniqueRecognizer});
  EXPECT_EQ(slurp(weights(pkg)), slurp(weights(pkg2)));
  EXPECT_EQ(slurp(pkg / "Data/com.apple.CoreML/model.mlmodel"), slurp(pkg2 / "Data/com.apple.CoreML/model.mlmodel"));
}

TEST_F(MLPackage, WeightFileHasBlobStorageLayoutAndHoldsTheDenseWeights) {
  auto spec = test::technique_spec(3);
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(spec, pkg, {.layout = CoreMLLayout::Guide});
  const std::string w = slurp(weights(pkg));
  // Hand-derived from StorageFormat.hpp: 64-byte header {count, version 2}, then per blob a
  // 64-byte record {0xDEADBEEF, dtype 2 = fp32, size, data offset} with data right after it.
  ASSERT_GE(w.size(), 128u);
  EXPECT_EQ(w.size() % 64, 0u);
  EXPECT_EQ(u32(w, 4), 2u);
  const std::uint32_t count = u32(w, 0);
  // Float consts with >= 10 values: fc1 weight (48) and bias (12), fc2 weight (240) and bias (20);
  // the 4-value standardisation scale/offset stay immediate.
  EXPECT_EQ(count, 4u);
  std::size_t off = 64;
  std::vector<std::uint64_t> sizes;
  for (std::uint32_t i = 0; i < count; ++i) {
    ASSERT_EQ(u32(w, off), 0xDEADBEEFu) << "blob " << i;
    EXPECT_EQ(u32(w, off + 4), 2u);
    std::uint64_t size = u64(w, off + 8), data = u64(w, off + 16);
    EXPECT_EQ(data, off + 64);
    sizes.push_back(size);
    if (i == 0) {  // fc1 weight, row-major [12,4]
      const auto& fc1 = spec.layers[1].params[0].values;
      ASSERT_EQ(size, fc1.size() * 4);
      for (std::size_t k = 0; k < fc1.size(); ++k) {
        std::uint32_t bits = u32(w, data + 4 * k);
        float f;
        std::memcpy(&f, &bits, 4);
        EXPECT_EQ(f, fc1[k]) << k;
      }
    }
    off = (data + size + 63) / 64 * 64;
  }
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{48 * 4, 12 * 4, 240 * 4, 20 * 4}));
  EXPECT_EQ(off, w.size());
}

TEST_F(MLPackage, BlobReaderDecodesHandWrittenFp16AndFp32Blobs) {
  // Built by hand from StorageFormat.hpp: header {count 2, version 2}; blob 0 fp16 (dtype 1)
  // {1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800}; blob 1 fp32 (dtype 2) {3.25}.
  std::string f(64 * 5, '\0');
  auto put = [&](std::size_t at, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) f[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put(0, 2, 4);
  put(4, 2, 4);
  put(64, 0xDEADBEEF, 4), put(68, 1, 4), put(72, 6, 8), put(80, 128, 8);
  put(128, 0x3C00, 2), put(130, 0xC000, 2), put(132, 0x3800, 2);
  put(192, 0xDEADBEEF, 4), put(196, 2, 4), put(200, 4, 8), put(208, 256, 8);
  float v = 3.25f;
  std::uint32_t bits;
  std::memcpy(&bits, &v, 4);
  put(256, bits, 4);
  spit(dir_ / "weight.bin", f);
  detail::BlobFile bf(dir_ / "weight.bin");
  EXPECT_EQ(bf.floats(64, 3), (std::vector<float>{1.0f, -2.0f, 0.5f}));
  EXPECT_EQ(bf.floats(192, 1), (std::vector<float>{3.25f}));
  auto list = bf.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].type, detail::BlobType::Float16);
  EXPECT_EQ(list[1].size_bytes, 4u);
  EXPECT_THROW(bf.floats(64, 4), FormatError);  // size mismatch
  EXPECT_THROW(bf.info(100), FormatError);      // not a record offset
}

TEST_F(MLPackage, CorruptOrTruncatedWeightFileGivesFormatError) {
  auto spec = test::technique_spec(4);
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(spec, pkg, {.layout = CoreMLLayout::Guide});
  auto c = make_case(spec, AppModel::TechniqueRecognizer, 1);
  const std::string good = slurp(weights(pkg));
  auto expect_format_error = [&](const std::string& bytes, const std::string& needle) {
    spit(weights(pkg), bytes);
    try {
      predict_coreml(pkg, c.inputs);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("weight.bin"), std::string::npos) << e.what();
    }
    std::vector<std::string> errs;
    detail::validate_mlprogram(detail::read_model(pkg), pkg, "pkg", &errs);
    EXPECT_FALSE(errs.empty()) << needle;
  };
  expect_format_error(good.substr(0, good.size() - 100), "beyond the end of the file");
  expect_format_error(good.substr(0, 20), "too short");
  std::string bad = good;
  bad[64] = 0;  // first sentinel
  expect_format_error(bad, "sentinel");
  bad = good;
  bad[4] = 1;  // storage version
  expect_format_error(bad, "version");
  spit(weights(pkg), good);
  EXPECT_NO_THROW(predict_coreml(pkg, c.inputs));
}

TEST_F(MLPackage, CorruptOrTruncatedManifestGivesFormatError) {
  auto spec = test::mix_spec(6);
  auto pkg = dir_ / "MixAnalyzer.mlpackage";
  export_mlpackage(spec, pkg, {.layout = CoreMLLayout::Guide});
  auto c = make_case(spec, AppModel::MixAnalyzer, 1);
  const std::string good = slurp(pkg / "Manifest.json");
  auto j = nlohmann::json::parse(good);
  auto wrong_root = j;
  wrong_root["rootModelIdentifier"] = "nope";
  auto missing_item = j;
  for (auto& [id, e] : missing_item["itemInfoEntries"].items()) e["path"] = "com.apple.CoreML/missing.bin";
  for (auto [text, needle] : {std::pair<std::string, std::string>{good.substr(0, good.size() / 2), "not a valid JSON"},
                              {wrong_root.dump(), "names no item"},
                              {missing_item.dump(), "does not exist"},
                              {"[]", "not a valid JSON object"}}) {
    spit(pkg / "Manifest.json", text);
    for (int which = 0; which < 2; ++which) {
      try {
        if (which == 0) predict_coreml(pkg, c.inputs);
        else inspect(pkg);
        ADD_FAILURE() << "no error for " << needle;
      } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("Manifest.json"), std::string::npos) << e.what();
      }
    }
  }
  fs::remove(pkg / "Manifest.json");
  EXPECT_THROW(predict_coreml(pkg, c.inputs), FormatError);
}

TEST_F(MLPackage, InspectListsSignatureOpsAndWeightBlobs) {
  auto pkg = dir_ / "PatternGenerator.mlpackage";
  export_mlpackage(test::pattern_spec(8), pkg, {.layout = CoreMLLayout::Guide});
  const std::string t = inspect(pkg);
  for (const char* s : {"specificationVersion 6", "function main (opset CoreML5)", "input  genre: fp32 [8]", "input  tempo: fp32 [1]",
                        "lstm", "linear", "tile", "concat", "outputs: notes (fp32 [64,4])", "weights/weight.bin:", "blob @64: fp32, 124 bytes <- standardize_scale fp32 [31]"})
    EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
}

TEST_F(MLPackage, ValidatorRejectsDoubleIoAndSignatureMismatch) {
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(test::technique_spec(9), pkg, {.layout = CoreMLLayout::Guide});
  const auto good = detail::read_model(pkg);
  auto check = [&](const detail::cml::Model& m, const std::string& needle) {
    std::vector<std::string> errs;
    detail::validate_mlprogram(m, pkg, "pkg", &errs);
    std::string all;
    for (const auto& e : errs) all += e + "\n";
    EXPECT_NE(all.find(needle), std::string::npos) << "wanted '" << needle << "' in:\n" << all;
  };
  auto m = good;
  m.mutable_description()->mutable_input(0)->mutable_type()->mutable_multiarraytype()->set_datatype(detail::cml::ArrayFeatureType::DOUBLE);
  check(m, "data type does not match");
  m = good;
  m.mutable_description()->mutable_input(0)->mutable_type()->mutable_doubletype();
  check(m, "must be MultiArray");
  m = good;
  m.mutable_description()->mutable_output(0)->set_name("Tension & Release");
  check(m, "in the description but");
  m = good;
  m.set_specificationversion(5);
  check(m, "specificationVersion >= 6");
  m = good;
  auto& block = (*(*m.mutable_mlprogram()->mutable_functions())["main"].mutable_block_specializations())["CoreML5"];
  block.set_outputs(0, "undefined_value");
  check(m, "Undefined value 'undefined_value'");
}

TEST_F(MLPackage, ExportIsAtomicAndReplacesAnExistingPackage) {
  auto pkg = dir_ / "TechniqueRecognizer.mlpackage";
  export_mlpackage(test::technique_spec(1), pkg, {.layout = CoreMLLayout::Guide});
  const std::string first = slurp(weights(pkg));
  export_mlpackage(test::technique_spec(2), pkg, {.layout = CoreMLLayout::Guide});
  EXPECT_NE(slurp(weights(pkg)), first);
  // A spec that does not fit throws before anything is written; the old package stays whole.
  auto bad = test::technique_spec(3);
  bad.inputs[0].shape = {5};
  bad.layers[0].params[0].shape = {5};
  bad.layers[0].params[0].values.resize(5);
  bad.layers[0].params[1].shape = {5};
  bad.layers[0].params[1].values.resize(5);
  EXPECT_THROW(export_mlpackage(bad, pkg, {.layout = CoreMLLayout::Guide}), ParameterError);
  expect_valid(pkg);
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "TechniqueRecognizer.mlpackage");  // no temp folders left behind
  }
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace echoelml::exporter
