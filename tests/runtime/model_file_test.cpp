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

// The checksums as the header documents them, written out independently of the reader.
std::uint64_t fnv1a_bytes(const std::string& s, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}
std::uint64_t documented_v2_checksum(const std::string& blob) {
  std::uint64_t lane[4];
  for (std::uint64_t k = 0; k < 4; ++k) lane[k] = 0xcbf29ce484222325ull ^ k;
  std::size_t words = blob.size() / 32 * 4;
  for (std::size_t w = 0; w < words; ++w) {
    std::uint64_t x = 0;
    for (int b = 7; b >= 0; --b) x = (x << 8) | static_cast<unsigned char>(blob[8 * w + static_cast<std::size_t>(b)]);
    lane[w % 4] = (lane[w % 4] ^ x) * 0x100000001b3ull;
  }
  for (std::size_t i = words * 8; i < blob.size(); ++i)
    lane[0] = (lane[0] ^ static_cast<unsigned char>(blob[i])) * 0x100000001b3ull;
  std::string fold;
  for (std::uint64_t v : {lane[0], lane[1], lane[2], lane[3], static_cast<std::uint64_t>(blob.size())})
    for (int b = 0; b < 8; ++b) fold.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  return fnv1a_bytes(fold);
}
std::uint64_t u64_at(const std::string& s, std::size_t at) {
  std::uint64_t v = 0;
  for (int b = 7; b >= 0; --b) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(b)]);
  return v;
}
void put_u64(std::string& s, std::size_t at, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) s[at + static_cast<std::size_t>(b)] = static_cast<char>((v >> (8 * b)) & 0xff);
}

TEST(ModelFile, ChecksumIsTheDocumentedOneAndEveryWeightByteCounts) {
  auto dir = test::make_temp_dir("espec");
  ModelSpec big = sample();
  big.layers[2].params[0].values = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};  // blob: 96 bytes
  save_model_spec(big, dir / "m.espec");
  const auto bytes = slurp(dir / "m.espec");
  const std::size_t blob_len = u64_at(bytes, 20), blob_at = bytes.size() - blob_len;
  EXPECT_EQ(u64_at(bytes, 28), documented_v2_checksum(bytes.substr(blob_at)));
  for (std::size_t i = blob_at; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x01;
    dump(dir / "bad.espec", bad);
    EXPECT_THROW(load_model_spec(dir / "bad.espec"), FormatError) << "byte " << i;
  }
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, VersionOneFilesWithTheirByteChecksumStillLoad) {
  auto dir = test::make_temp_dir("espec");
  save_model_spec(sample(), dir / "m.espec");
  auto bytes = slurp(dir / "m.espec");
  const std::size_t blob_len = u64_at(bytes, 20);
  bytes[8] = 1, bytes[9] = bytes[10] = bytes[11] = 0;
  put_u64(bytes, 28, fnv1a_bytes(bytes.substr(bytes.size() - blob_len), 1469598103934665603ull));
  dump(dir / "v1.espec", bytes);
  EXPECT_EQ(load_model_spec(dir / "v1.espec").layers[0].params[0].values, sample().layers[0].params[0].values);
  bytes[bytes.size() - 1] ^= 0x10;
  dump(dir / "v1bad.espec", bytes);
  EXPECT_THROW(load_model_spec(dir / "v1bad.espec"), FormatError);
  bytes[8] = 3;
  dump(dir / "v3.espec", bytes);
  EXPECT_THROW(load_model_spec(dir / "v3.espec"), FormatError);
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
