// <Name>.validation.json: the rows are the validation split (first 256, split order), the outputs
// are exactly what predict() gives for them, and labels/targets/rel are the data set's.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "echoelml/train/trainer.h"
#include "support/shared_data.h"
#include "train/prep.h"
#include "train/synthetic.h"

namespace echoelml::train {
namespace {

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in.good()) << p;
  return nlohmann::json::parse(in);
}

Matrix rows_of(const nlohmann::json& arr) {
  Matrix m(arr.size(), arr.at(0).size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    EXPECT_EQ(arr[i].size(), m.cols);
    for (std::size_t c = 0; c < m.cols; ++c) m(i, c) = arr[i][c].get<float>();
  }
  return m;
}

TrainConfig quick(int epochs) {
  TrainConfig c;
  c.epochs = epochs;
  c.quiet = true;
  return c;
}

TEST(ValidationFile, GenreHoldsTheValidationRowsLabelsAndPredictOutputs) {
  auto dir = test::make_temp_dir("train_vfile_genre");
  auto data = test::genre_data(100);
  auto res = train_model(ModelKind::Genre, data, quick(2), dir);
  auto j = read_json(dir / "GenreClassifier.validation.json");
  EXPECT_EQ(j.at("model"), "GenreClassifier");
  EXPECT_EQ(j.at("kind"), "genre");
  EXPECT_EQ(j.at("input_names"), nlohmann::json(input_names(ModelKind::Genre)));
  EXPECT_EQ(j.at("output_names"), nlohmann::json({"genre_probs", "confidence"}));
  EXPECT_EQ(j.at("output_sizes"), nlohmann::json({8, 1}));
  EXPECT_FALSE(j.contains("targets"));
  EXPECT_FALSE(j.contains("rel"));  // the synthetic data set does not know its files

  // Independent expectation: the split the trainer documents (seed 1, val 0.2, strata = labels).
  auto split = detail::split_rows(detail::strata_of(ModelKind::Genre, data), 0.2, 1);
  ASSERT_EQ(j.at("features").size(), split.val.size());
  ASSERT_EQ(j.at("labels").size(), split.val.size());
  Matrix x = rows_of(j.at("features"));
  for (std::size_t i = 0; i < split.val.size(); ++i) {
    EXPECT_EQ(j["labels"][i].get<int>(), data.labels[split.val[i]]);
    for (std::size_t c = 0; c < x.cols; ++c) ASSERT_EQ(x(i, c), data.features(split.val[i], c)) << i << "," << c;
  }
  Matrix out = rows_of(j.at("outputs"));
  ASSERT_EQ(out.cols, 9u);
  EXPECT_EQ(out.data, predict(res.checkpoint, x).data);  // bit-exact after the JSON round trip
  for (std::size_t i = 0; i < out.rows; ++i) {
    double sum = 0;
    for (int c = 0; c < kNumGenres; ++c) sum += out(i, c);
    EXPECT_NEAR(sum, 1.0, 1e-5);  // softmax probabilities, not logits
  }
  std::filesystem::remove_all(dir);
}

TEST(ValidationFile, MixKeepsAtMost256RowsWithRawTargetsAndRel) {
  auto dir = test::make_temp_dir("train_vfile_mix");
  auto data = test::mix_data(1400);  // 280 validation rows
  for (std::size_t i = 0; i < data.size(); ++i) data.rel.push_back("audio/" + std::to_string(i) + ".wav");
  auto res = train_model(ModelKind::Mix, data, quick(1), dir);
  auto j = read_json(dir / "MixAnalyzer.validation.json");
  EXPECT_EQ(j.at("kind"), "mix");
  auto split = detail::split_rows(detail::strata_of(ModelKind::Mix, data), 0.2, 1);
  ASSERT_EQ(split.val.size(), 280u);
  ASSERT_EQ(j.at("features").size(), kValidationFileRows);
  ASSERT_EQ(j.at("targets").size(), kValidationFileRows);
  ASSERT_EQ(j.at("rel").size(), kValidationFileRows);
  EXPECT_FALSE(j.contains("labels"));
  Matrix t = rows_of(j.at("targets"));
  for (std::size_t i = 0; i < kValidationFileRows; ++i) {
    EXPECT_EQ(j["rel"][i].get<std::string>(), data.rel[split.val[i]]);
    for (std::size_t c = 0; c < t.cols; ++c) ASSERT_EQ(t(i, c), data.targets(split.val[i], c));
  }
  Matrix out = rows_of(j.at("outputs"));
  EXPECT_EQ(out.cols, 10u);
  EXPECT_EQ(out.data, predict(res.checkpoint, rows_of(j.at("features"))).data);
  // dynamic_range comes out in dB (trailing Scale layer), not standardised units.
  double mean_db = 0;
  for (std::size_t i = 0; i < out.rows; ++i) mean_db += out(i, 6) / double(out.rows);
  EXPECT_GT(mean_db, 3.0);
  std::filesystem::remove_all(dir);
}

TEST(ValidationFile, RelOfTheWrongLengthIsRefused) {
  auto dir = test::make_temp_dir("train_vfile_bad");
  auto data = test::genre_data(20);
  data.rel = {"a.wav"};
  EXPECT_THROW(train_model(ModelKind::Genre, data, quick(1), dir), ParameterError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::train
