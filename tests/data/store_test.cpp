#include "echoelml/data/feature_store.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/data_test_util.h"

namespace echoelml::data {
namespace {

namespace fs = std::filesystem;

TEST(FeatureStore, RecordsRoundTripExactly) {
  auto dir = test::make_temp_dir("echoelml-store");
  auto f = test::FakeExtractor::make(0x1234567890abcdefull, features::kAllSets);
  {
    FeatureStore store(dir / "s.db");
    std::vector<FeatureRecord> recs;
    for (auto k : {FeatureKind::Genre, FeatureKind::Technique, FeatureKind::AppTechnique, FeatureKind::Mix})
      recs.push_back(encode_features(f, k, 0xfedcba9876543210ull, "x.wav"));  // high bit set
    FeatureRecord bad;
    bad.hash = 7;
    bad.kind = FeatureKind::Mix;
    bad.error = "x.wav: broken";
    bad.source = "x.wav";
    recs.push_back(bad);
    store.put(recs);
  }
  FeatureStore store(dir / "s.db", FeatureStore::Mode::ReadOnly);
  auto g = store.get(0xfedcba9876543210ull, FeatureKind::Genre);
  ASSERT_TRUE(g && g->ok);
  auto expected = f.genre->to_vector();
  ASSERT_EQ(g->vector.size(), 32u);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(g->vector[i], expected[i]);
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(g->json)["tempo"].get<double>(), f.genre->tempo);
  auto m = store.get(0xfedcba9876543210ull, FeatureKind::Mix);
  ASSERT_EQ(m->vector.size(), 1034u);
  EXPECT_EQ(m->vector[1023], f.mix->spectrum[1023]);
  EXPECT_EQ(m->vector[1024], static_cast<float>(f.mix->band_balance[0]));
  EXPECT_EQ(m->vector[1033], static_cast<float>(f.mix->rms_level));
  auto e = store.get(7, FeatureKind::Mix);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->ok);
  EXPECT_EQ(e->error, "x.wav: broken");
  EXPECT_FALSE(store.get(7, FeatureKind::Genre));
  EXPECT_FALSE(store.get(0xfedcba9876543210ull, FeatureKind::Genre, features::kFeatureSetVersion + 1));
  EXPECT_EQ(store.count(), 5u);
  EXPECT_EQ(store.count(true), 4u);
  auto keys = store.keys();
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_FALSE(keys.at({7, FeatureKind::Mix}));
  EXPECT_EQ(store.integrity_check(), "ok");
  fs::remove_all(dir);
}

TEST(FeatureStore, EncodeReportsMissingAndNonFiniteSets) {
  auto f = test::FakeExtractor::make(1, features::kGenreSet);
  auto r = encode_features(f, FeatureKind::Mix, 1, "a.wav");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("no mix features"), std::string::npos);
  f.genre->rms = std::nan("");
  r = encode_features(f, FeatureKind::Genre, 1, "a.wav");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("rms"), std::string::npos);
}

TEST(FeatureStore, HashCacheIsUsedOnlyWhileTheFileIsUnchanged) {
  auto dir = test::make_temp_dir("echoelml-store");
  test::write_text(dir / "a.wav", "first");
  FeatureStore store(dir / "s.db");
  auto st = stamp_file(dir / "a.wav");
  st.hash = 42;  // a deliberately wrong cached hash shows when the cache is used
  store.put({}, st);
  EXPECT_EQ(store.file_hash(dir / "a.wav"), 42u);
  test::write_text(dir / "a.wav", "second, longer");
  EXPECT_EQ(store.file_hash(dir / "a.wav"), hash_file(dir / "a.wav"));
  fs::remove_all(dir);
}

TEST(FeatureStore, NonDatabaseFileIsAFormatError) {
  auto dir = test::make_temp_dir("echoelml-store");
  test::write_text(dir / "junk.db", std::string(4096, 'x'));
  EXPECT_THROW(FeatureStore(dir / "junk.db"), FormatError);
  EXPECT_THROW(FeatureStore(dir / "nope/s.db"), IoError);
  fs::remove_all(dir);
}

TEST(FeatureKinds, NamesAndSectionsArePinned) {
  EXPECT_EQ(vector_names(FeatureKind::Genre).size(), 32u);
  EXPECT_EQ(vector_names(FeatureKind::Technique).size(), 6u);
  EXPECT_EQ(vector_names(FeatureKind::AppTechnique).size(), 4u);
  EXPECT_EQ(vector_names(FeatureKind::Mix).size(), 1034u);
  EXPECT_EQ(vector_names(FeatureKind::Mix)[1024], "freq_balance_0");
  EXPECT_EQ(kinds_for(Section::Technique).size(), 2u);
  EXPECT_TRUE(kinds_for(Section::Pattern).empty());
  EXPECT_EQ(find_feature_kind("technique-app"), FeatureKind::AppTechnique);
}

}  // namespace
}  // namespace echoelml::data
