// Metrics against hand-computed values.
#include "echoelml/train/metrics.h"

#include <gtest/gtest.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"

namespace echoelml::train {
namespace {

TEST(ExpectedCalibrationError, HandComputedBins) {
  // Bin 9 holds {0.95, 0.95} with 1 correct: |0.95 - 0.5| * 2/4; bin 2 holds {0.25, 0.25}, both
  // wrong: |0.25 - 0| * 2/4. ECE = 0.225 + 0.125.
  std::vector<float> conf = {0.95f, 0.95f, 0.25f, 0.25f};
  std::vector<int> ok = {1, 0, 0, 0};
  EXPECT_NEAR(expected_calibration_error(conf, ok), 0.35, 1e-6);
  std::vector<float> perfect = {1.0f, 0.0f};
  std::vector<int> po = {1, 0};
  EXPECT_NEAR(expected_calibration_error(perfect, po), 0.0, 1e-9);
  EXPECT_THROW(expected_calibration_error(conf, po), ParameterError);
}

TEST(GenreMetrics, AccuracyConfusionAndMajorityBaseline) {
  std::vector<int> truth = {0, 0, 1, 1};
  Matrix probs(4, kNumGenres, 0.0f);
  probs(0, 0) = 1, probs(1, 1) = 1, probs(2, 1) = 1, probs(3, 1) = 1;  // 3 of 4 right
  std::vector<float> conf = {1, 1, 1, 1};
  std::vector<int> train = {1, 1, 1, 0};
  auto r = genre_metrics(truth, probs, conf, train);
  EXPECT_DOUBLE_EQ(r["summary"][0]["model"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(r["summary"][0]["baseline"].get<double>(), 0.5);  // always class 1
  EXPECT_EQ(r["confusion"][0][1].get<int>(), 1);
  EXPECT_EQ(r["confusion"][1][1].get<int>(), 2);
  EXPECT_DOUBLE_EQ(r["per_class"][1]["precision"].get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r["per_class"][0]["recall"].get<double>(), 0.5);
  EXPECT_NEAR(r["summary"][2]["model"].get<double>(), 0.25, 1e-6);    // conf 1, accuracy 0.75
  EXPECT_NEAR(r["summary"][2]["baseline"].get<double>(), 0.25, 1e-6); // conf 0.75, accuracy 0.5
  EXPECT_NE(format_report(r).find("accuracy"), std::string::npos);
}

TEST(TechniqueMetrics, F1AndBothBaselines) {
  Matrix truth(4, kNumTechniques, 0.0f), probs(4, kNumTechniques, 0.0f);
  truth(0, 0) = truth(1, 0) = truth(2, 0) = 1;   // label 0: 3 of 4
  probs(0, 0) = probs(1, 0) = probs(3, 0) = 0.9f; // tp 2, fp 1, fn 1 -> F1 2/3
  std::vector<double> prev(kNumTechniques, 0.0);
  prev[0] = 0.75;
  auto r = technique_metrics(truth, probs, prev);
  EXPECT_NEAR(r["per_label"][0]["f1"].get<double>(), 2.0 / 3.0, 1e-12);
  // Frequency baseline predicts label 0 everywhere: tp 3, fp 1 -> 6/7.
  EXPECT_NEAR(r["per_label"][0]["f1_frequency_baseline"].get<double>(), 6.0 / 7.0, 1e-12);
  // Random at p = 0.75 with q = 0.75: 2pq / (p + q) = 0.75.
  EXPECT_NEAR(r["per_label"][0]["f1_random_expected"].get<double>(), 0.75, 1e-12);
  EXPECT_TRUE(r["per_label"][1]["f1"].is_null());  // never true, never predicted
  EXPECT_NEAR(r["summary"][0]["model"].get<double>(), 2.0 / 3.0, 1e-12);  // micro = label 0 only
}

TEST(MixMetrics, MaePerOutputAgainstTheMeanTarget) {
  Matrix truth(2, 10, 0.5f), pred(2, 10, 0.5f);
  pred(0, 6) = 8.0f, truth(0, 6) = 10.0f, truth(1, 6) = 12.0f, pred(1, 6) = 12.0f;
  std::vector<float> mean(10, 0.4f);
  mean[6] = 11.0f;
  auto r = mix_metrics(truth, pred, mean);
  EXPECT_NEAR(r["summary"][6]["model"].get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(r["summary"][6]["baseline"].get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(r["summary"][0]["baseline"].get<double>(), 0.1, 1e-6);
  EXPECT_NEAR(r["summary"][10]["model"].get<double>(), 0.0, 1e-9);
}

TEST(PatternMetrics, MusicalChecksCountNotesOutsideTheBars) {
  Matrix truth(1, 256), pred(1, 256);
  for (int s = 0; s < 64; ++s) {
    float t[4] = {60, 100, float(s % 4), 0.5f};
    float p[4] = {60, 100, s < 48 ? float(s % 4) : 6.0f, 0.5f};  // 16 steps start after 4 beats
    std::copy(t, t + 4, &truth(0, s * 4));
    std::copy(p, p + 4, &pred(0, s * 4));
  }
  std::vector<float> beats = {4.0f}, cx = {0.5f};
  auto r = pattern_metrics(truth, pred, truth.data, 8.0f, beats, cx);
  EXPECT_DOUBLE_EQ(r["musical"]["generated"]["inside_bars_fraction"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(r["musical"]["target"]["inside_bars_fraction"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["musical"]["target"]["mean_density_per_bar"].get<double>(), 4.0);  // 4 distinct in 1 bar
  EXPECT_DOUBLE_EQ(r["summary"][0]["baseline"].get<double>(), 0.0);  // mean pattern = truth here
  // 16 of 256 cells off by (6 - 3)/8 on average: compute exactly.
  double se = 0;
  for (int s = 48; s < 64; ++s) se += (6.0 - s % 4) / 8.0 * (6.0 - s % 4) / 8.0;
  EXPECT_NEAR(r["summary"][0]["model"].get<double>(), se / 256.0, 1e-9);
}

}  // namespace
}  // namespace echoelml::train
