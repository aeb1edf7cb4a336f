#include "echoelml/data/check.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/data_test_util.h"
#include "echoelml/data/hash.h"

namespace echoelml::data {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Published FNV-1a 64 test vectors (Fowler/Noll/Vo reference values).
TEST(Fnv1a64, MatchesReferenceVectors) {
  EXPECT_EQ(fnv1a64(bytes("")), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64(bytes("a")), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64(bytes("foobar")), 0x85944171f73967e8ull);
  EXPECT_EQ(fnv1a64(bytes("bar"), fnv1a64(bytes("foo"))), fnv1a64(bytes("foobar")));  // streaming
  EXPECT_EQ(hash_hex(0xaf63dc4c8601ec8cull), "af63dc4c8601ec8c");
}

TEST(HashFile, EqualsTheInMemoryHashAcrossBlockBoundaries) {
  auto dir = test::make_temp_dir("echoelml-hash");
  std::string big(3 * (1u << 20) + 17, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) ^ (i >> 9));
  test::write_text(dir / "big.bin", big);
  EXPECT_EQ(hash_file(dir / "big.bin"), fnv1a64(bytes(big)));
  EXPECT_THROW(hash_file(dir / "missing.bin"), IoError);
  fs::remove_all(dir);
}

class CheckDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    root = test::make_temp_dir("echoelml-check");
    for (int i = 0; i < 4; ++i) test::write_tone(root / ("genres/edm/e" + std::to_string(i) + ".wav"), 200 + 50 * i);
    test::write_tone(root / "genres/jazz/j0.wav", 700);
    fs::copy_file(root / "genres/edm/e1.wav", root / "genres/jazz/copy_of_e1.wav");
    test::write_text(root / "genres/jazz/broken.wav", "RIFF not really a wav file");
    test::write_tone(root / "techniques/t.wav", 300);
    test::write_text(root / "techniques/labels.csv", "file,techniques\nt.wav,stereoWidening;bogus\n");
    test::write_text(root / "patterns/rock/bad.mid", "MThd garbage");
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
};

TEST_F(CheckDataset, CountsLabelsAndFindsUnreadableDuplicateAndMislabelledFiles) {
  auto r = check_dataset(root, 2);
  const auto& genres = r.sections[0];
  EXPECT_EQ(genres.files, 7u);
  EXPECT_EQ(genres.counts[static_cast<int>(MusicGenre::Edm)].count, 4u);
  EXPECT_EQ(genres.counts[static_cast<int>(MusicGenre::Jazz)].count, 3u);
  EXPECT_EQ(genres.counts[static_cast<int>(MusicGenre::Edm)].label, "EDM/Electronic");
  EXPECT_EQ(genres.missing_labels.size(), 6u);
  EXPECT_DOUBLE_EQ(genres.imbalance_ratio, 4.0 / 3.0);
  EXPECT_FALSE(genres.imbalanced);

  ASSERT_EQ(r.unreadable.size(), 2u);
  EXPECT_EQ(r.unreadable[0].rel, "genres/jazz/broken.wav");
  EXPECT_EQ(r.unreadable[1].rel, "patterns/rock/bad.mid");
  ASSERT_EQ(r.duplicates.size(), 1u);
  EXPECT_EQ(r.duplicates[0].files,
            (std::vector<std::string>{"genres/edm/e1.wav", "genres/jazz/copy_of_e1.wav"}));
  EXPECT_EQ(r.duplicates[0].hash, hash_file(root / "genres/edm/e1.wav"));
  EXPECT_EQ(r.mislabelled, 1u);  // t.wav's "bogus"
  EXPECT_FALSE(r.clean());

  auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(j["sections"]["genres"]["counts"]["Jazz"], 3);
  EXPECT_EQ(j["duplicates"][0]["files"].size(), 2u);
  EXPECT_EQ(j["unreadable"].size(), 2u);
  EXPECT_EQ(j["mislabelled"], 1);
  auto text = format_report(r);
  EXPECT_NE(text.find("copy_of_e1.wav"), std::string::npos);
  EXPECT_NE(text.find("result: problems found"), std::string::npos);
}

TEST_F(CheckDataset, ImbalanceAboveTheThresholdIsFlagged) {
  auto r = check_dataset(root, 1, 1.2);
  EXPECT_TRUE(r.sections[0].imbalanced);
  EXPECT_NE(format_report(r).find("class imbalance 1.3x"), std::string::npos);
}

TEST(CheckDatasetClean, AHealthyFolderIsClean) {
  auto root = test::make_temp_dir("echoelml-clean");
  test::write_tone(root / "genres/rock/a.wav", 440);
  test::write_tone(root / "genres/world/b.wav", 550);
  auto r = check_dataset(root);
  EXPECT_TRUE(r.clean()) << format_report(r);
  EXPECT_DOUBLE_EQ(r.sections[0].imbalance_ratio, 1.0);
  fs::remove_all(root);
}

}  // namespace
}  // namespace echoelml::data
