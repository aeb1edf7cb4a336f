// Training the four models on small synthetic data: each must beat its trivial baseline
// clearly; checkpoints reload and resume bit-exactly; the exported ModelSpec evaluates (torch-free
// runtime) to the torch outputs.
#include "echoelml/train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "echoelml/core/error.h"
#include "echoelml/runtime/evaluate.h"
#include "echoelml/train/metrics.h"
#include "echoelml/runtime/model_file.h"
#include "support/shared_data.h"
#include "train/prep.h"
#include "train/synthetic.h"

namespace echoelml::train {
namespace {

TrainConfig quick(int epochs) {
  TrainConfig c;
  c.epochs = epochs;
  c.quiet = true;
  return c;
}

double summary(const nlohmann::json& report, const std::string& metric, const char* which) {
  for (const auto& row : report.at("summary"))
    if (row.at("metric") == metric) return row.at(which).get<double>();
  ADD_FAILURE() << "no metric " << metric;
  return NAN;
}

// Runs the spec with the torch-free runtime, row by row, outputs concatenated in spec order.
Matrix run_spec(const runtime::ModelSpec& spec, const Matrix& x) {
  Matrix out;
  for (std::size_t i = 0; i < x.rows; ++i) {
    runtime::Tensor in{{static_cast<std::int64_t>(x.cols)}, {x.row(i).begin(), x.row(i).end()}};
    auto res = runtime::evaluate(spec, {{spec.inputs.at(0).name, in}});
    std::vector<float> row;
    for (const auto& o : spec.outputs) row.insert(row.end(), res.at(o.name).values.begin(), res.at(o.name).values.end());
    if (i == 0) out = Matrix(x.rows, row.size());
    std::copy(row.begin(), row.end(), out.row(i).begin());
  }
  return out;
}

// max |a - b| / max(1, |b|): absolute for unit-range outputs, relative for MIDI/dB ones.
double max_scaled_diff(const Matrix& a, const Matrix& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  double m = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    m = std::max(m, std::abs(double(a.data[i]) - b.data[i]) / std::max(1.0, std::abs(double(b.data[i]))));
  return m;
}

Matrix first_rows(const Matrix& m, std::size_t n) {
  Matrix out(n, m.cols);
  std::copy_n(m.data.begin(), n * m.cols, out.data.begin());
  return out;
}

TEST(TrainConfig, DefaultsFollowTheGuideAndKeras) {
  TrainConfig c;
  EXPECT_EQ(c.epochs, 0);
  EXPECT_EQ(c.batch_size, 32);
  EXPECT_DOUBLE_EQ(c.lr, 1e-3);
  EXPECT_EQ(c.threads, 1);
  EXPECT_DOUBLE_EQ(c.val_split, 0.2);
  EXPECT_EQ(c.patience, 10);
  EXPECT_EQ(c.lstm_units, 512);
  EXPECT_EQ(default_epochs(ModelKind::Genre), 100);
  EXPECT_EQ(default_epochs(ModelKind::Technique), 80);
  EXPECT_EQ(default_epochs(ModelKind::TechniqueApp), 80);
  EXPECT_EQ(default_epochs(ModelKind::Pattern), 150);
  EXPECT_EQ(default_epochs(ModelKind::Mix), 100);
}

TEST(TrainModel, GenreClassifierBeatsTheMajorityClassAndWritesItsFiles) {
  auto dir = test::make_temp_dir("train_genre");
  auto data = test::genre_data(240);
  auto res = train_model(ModelKind::Genre, data, quick(25), dir);
  const auto& r = res.metrics;
  double acc = summary(r, "accuracy", "model"), base = summary(r, "accuracy", "baseline");
  EXPECT_NEAR(base, 0.25, 0.05);  // 4 balanced classes, stratified split
  EXPECT_GT(acc, 0.9) << format_report(r);
  // A confidence head that learned correctness is close to calibrated on easy data.
  EXPECT_LT(summary(r, "ECE(confidence)", "model"), 0.15) << format_report(r);
  EXPECT_EQ(r.at("confusion").size(), 8u);
  EXPECT_EQ(res.history.size(), 25u);
  for (const char* ext : {".pt", ".espec", ".metrics.json", ".norm.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / (std::string("GenreClassifier") + ext))) << ext;
  auto spec = runtime::load_model_spec(dir / "GenreClassifier.espec");
  EXPECT_EQ(spec.outputs.at(0).name, "genre_probs");
  EXPECT_EQ(spec.outputs.at(1).name, "confidence");
  EXPECT_EQ(spec.layers.front().kind, runtime::LayerKind::Scale);
  EXPECT_NE(spec.metadata.at("class_labels").find("Hip-Hop/Trap"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(TrainModel, TechniqueRecognizerBeatsFrequencyAndRandomBaselines) {
  auto dir = test::make_temp_dir("train_tech");
  auto res = train_model(ModelKind::Technique, test::technique_data(400), quick(40), dir);
  const auto& r = res.metrics;
  double micro = summary(r, "micro F1", "model");
  EXPECT_GT(micro, 0.85) << format_report(r);
  EXPECT_GT(micro, summary(r, "micro F1", "baseline") + 0.2) << format_report(r);
  EXPECT_GT(micro, summary(r, "micro F1 ", "baseline") + 0.2) << format_report(r);
  std::filesystem::remove_all(dir);
}

TEST(TrainModel, TechniqueAppVariantTakesTheFourAppInputs) {
  auto dir = test::make_temp_dir("train_tech_app");
  auto res = train_model(ModelKind::TechniqueApp, test::technique_data(300, 4), quick(30), dir);
  EXPECT_EQ(res.spec.inputs.at(0).shape, (std::vector<std::int64_t>{4}));
  EXPECT_GT(summary(res.metrics, "micro F1", "model"), summary(res.metrics, "micro F1", "baseline") + 0.2)
      << format_report(res.metrics);
  EXPECT_THROW(train_model(ModelKind::TechniqueApp, test::technique_data(50, 6), quick(1), dir), ParameterError);
  std::filesystem::remove_all(dir);
}

TEST(TrainModel, MixAnalyzerBeatsTheMeanTarget) {
  auto dir = test::make_temp_dir("train_mix");
  auto res = train_model(ModelKind::Mix, test::mix_data(400), quick(30), dir);
  const auto& r = res.metrics;
  EXPECT_LT(summary(r, "MAE mean of 0-1 outputs", "model"), 0.6 * summary(r, "MAE mean of 0-1 outputs", "baseline"))
      << format_report(r);
  EXPECT_LT(summary(r, "MAE dynamic_range (dB)", "model"), 0.8 * summary(r, "MAE dynamic_range (dB)", "baseline"))
      << format_report(r);
  std::filesystem::remove_all(dir);
}

TEST(TrainModel, PatternGeneratorBeatsTheMeanPatternWithPlayableNotes) {
  auto dir = test::make_temp_dir("train_pattern");
  // The real 512-unit LSTMs on tiny data (about 15 s on one thread).
  auto cfg = quick(16);
  cfg.batch_size = 4;
  auto res = train_model(ModelKind::Pattern, test::pattern_data(20), cfg, dir);
  const auto& r = res.metrics;
  EXPECT_LT(summary(r, "MSE (training units)", "model"), 0.5 * summary(r, "MSE (training units)", "baseline"))
      << format_report(r);
  EXPECT_LT(summary(r, "MAE pitch (MIDI)", "model"), 0.5 * summary(r, "MAE pitch (MIDI)", "baseline"))
      << format_report(r);
  EXPECT_DOUBLE_EQ(r.at("musical").at("generated").at("playable_fraction").get<double>(), 1.0);
  EXPECT_EQ(res.spec.outputs.at(0).shape, (std::vector<std::int64_t>{64, 4}));
  EXPECT_EQ(res.spec.layers.back().kind, runtime::LayerKind::Scale);
  // Hand-derived scales of pattern_data: the longest pattern is 2 bars = 8 beats; every note lasts
  // 0.5 beat, so durations get their own scale 0.5 instead of sharing the 8-beat time scale.
  EXPECT_EQ(res.spec.metadata.at("beats_scale"), "8");
  EXPECT_EQ(res.spec.metadata.at("duration_scale"), "0.5");
  EXPECT_LT(summary(r, "MAE duration (beats)", "model"), 0.1) << format_report(r);
  std::filesystem::remove_all(dir);
}

TEST(TrainModel, ReloadedCheckpointReproducesTheInMemoryReport) {
  auto dir = test::make_temp_dir("train_reload");
  auto data = test::mix_data(120);
  auto res = train_model(ModelKind::Mix, data, quick(4), dir);
  auto split = detail::split_rows(detail::strata_of(ModelKind::Mix, data), 0.2, 1);
  Matrix x(split.val.size(), data.features.cols), y(split.val.size(), data.targets.cols);
  for (std::size_t i = 0; i < split.val.size(); ++i) {
    std::copy_n(data.features.row(split.val[i]).begin(), x.cols, x.row(i).begin());
    std::copy_n(data.targets.row(split.val[i]).begin(), y.cols, y.row(i).begin());
  }
  Matrix pred = predict(res.checkpoint, x);
  std::vector<float> mean(10, 0.0f);
  for (auto r : split.train)
    for (int c = 0; c < 10; ++c) mean[c] += data.targets(r, c) / float(split.train.size());
  auto again = mix_metrics(y, pred, mean);
  for (std::size_t k = 0; k < again["summary"].size(); ++k)
    EXPECT_DOUBLE_EQ(again["summary"][k]["model"].get<double>(), res.metrics["summary"][k]["model"].get<double>());
  Matrix pred2 = predict(res.checkpoint, x);
  EXPECT_EQ(pred.data, pred2.data);
  std::filesystem::remove_all(dir);
}

void expect_resume_is_bit_exact(ModelKind kind, const Dataset& data, TrainConfig cfg) {
  auto full = test::make_temp_dir("train_full"), part = test::make_temp_dir("train_part");
  cfg.epochs = 6;
  cfg.patience = 0;
  auto a = train_model(kind, data, cfg, full);
  cfg.epochs = 3;  // the "interrupted" run: its checkpoint after epoch 3 is what a kill leaves
  train_model(kind, data, cfg, part);
  cfg.epochs = 6;
  cfg.resume = true;
  auto b = train_model(kind, data, cfg, part);
  ASSERT_EQ(a.history.size(), 6u);
  ASSERT_EQ(b.history.size(), 6u);
  for (int e = 0; e < 6; ++e) {
    EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(a.history[e].val_loss, b.history[e].val_loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  ASSERT_EQ(a.spec.layers.size(), b.spec.layers.size());
  for (std::size_t l = 0; l < a.spec.layers.size(); ++l)
    for (std::size_t p = 0; p < a.spec.layers[l].params.size(); ++p)
      EXPECT_EQ(a.spec.layers[l].params[p].values, b.spec.layers[l].params[p].values) << a.spec.layers[l].name;
  auto x = first_rows(data.features, 8);
  EXPECT_EQ(predict(a.checkpoint, x).data, predict(b.checkpoint, x).data);
  std::filesystem::remove_all(full);
  std::filesystem::remove_all(part);
}

TEST(TrainModel, ResumeAfterThreeEpochsEqualsAnUninterruptedSixEpochRun) {
  expect_resume_is_bit_exact(ModelKind::Genre, test::genre_data(100), quick(6));
}

TEST(TrainModel, PatternResumeIsBitExactWithLstmAndDropout) {
  auto cfg = quick(6);
  cfg.batch_size = 4;
  cfg.lstm_units = 16;  // resume logic is size-independent; the 512 default is covered above
  expect_resume_is_bit_exact(ModelKind::Pattern, test::pattern_data(12), cfg);
}

TEST(TrainModel, ResumeRefusesACheckpointOfOtherData) {
  auto dir = test::make_temp_dir("train_resume_other");
  train_model(ModelKind::Genre, test::genre_data(60, 1), quick(1), dir);
  auto cfg = quick(2);
  cfg.resume = true;
  EXPECT_THROW(train_model(ModelKind::Genre, test::genre_data(60, 2), cfg, dir), ParameterError);
  std::filesystem::remove_all(dir);
}

TEST(TrainModel, SameSeedGivesIdenticalWeights) {
  auto d1 = test::make_temp_dir("train_det1"), d2 = test::make_temp_dir("train_det2");
  auto data = test::technique_data(80);
  auto a = train_model(ModelKind::Technique, data, quick(3), d1);
  auto b = train_model(ModelKind::Technique, data, quick(3), d2);
  auto c = train_model(ModelKind::Technique, data, [] { auto k = quick(3); k.seed = 2; return k; }(), d2);
  EXPECT_EQ(a.spec.layers[1].params[0].values, b.spec.layers[1].params[0].values);
  EXPECT_NE(a.spec.layers[1].params[0].values, c.spec.layers[1].params[0].values);
  std::filesystem::remove_all(d1);
  std::filesystem::remove_all(d2);
}

// The exported ModelSpec, run by the torch-free runtime on raw features, equals torch.
void expect_spec_matches_torch(ModelKind kind, const Dataset& data, TrainConfig cfg) {
  auto dir = test::make_temp_dir("train_spec");
  auto res = train_model(kind, data, cfg, dir);
  auto x = first_rows(data.features, std::min<std::size_t>(6, data.size()));
  Matrix torch_out = predict(res.checkpoint, x);
  EXPECT_LT(max_scaled_diff(run_spec(res.spec, x), torch_out), 1e-4) << model_name(kind);
  auto from_file = runtime::load_model_spec(dir / (std::string(model_name(kind)) + ".espec"));
  EXPECT_LT(max_scaled_diff(run_spec(from_file, x), torch_out), 1e-4) << model_name(kind);
  auto from_ckpt = spec_from_checkpoint(res.checkpoint);
  EXPECT_EQ(from_ckpt.layers.size(), res.spec.layers.size());
  std::filesystem::remove_all(dir);
}

TEST(ModelSpecExport, GenreSpecEvaluatesToTheTorchOutput) {
  expect_spec_matches_torch(ModelKind::Genre, test::genre_data(60), quick(2));
}
TEST(ModelSpecExport, TechniqueSpecEvaluatesToTheTorchOutput) {
  expect_spec_matches_torch(ModelKind::Technique, test::technique_data(60), quick(2));
}
TEST(ModelSpecExport, MixSpecEvaluatesToTheTorchOutput) {
  expect_spec_matches_torch(ModelKind::Mix, test::mix_data(60), quick(2));
}
TEST(ModelSpecExport, PatternSpecWithTheReal512UnitLstmsEvaluatesToTheTorchOutput) {
  auto cfg = quick(1);
  cfg.batch_size = 8;
  expect_spec_matches_torch(ModelKind::Pattern, test::pattern_data(10), cfg);
}

TEST(TrainModel, BadDataIsRefusedBeforeTraining) {
  auto dir = test::make_temp_dir("train_bad");
  auto cfg = quick(1);
  Dataset empty;
  empty.features = Matrix(0, 32);
  EXPECT_THROW(train_model(ModelKind::Genre, empty, cfg, dir), ParameterError);
  auto single = test::genre_data(20);
  std::fill(single.labels.begin(), single.labels.end(), 2);
  EXPECT_THROW(train_model(ModelKind::Genre, single, cfg, dir), ParameterError);
  auto nan = test::genre_data(20);
  nan.features(3, 5) = NAN;
  EXPECT_THROW(train_model(ModelKind::Genre, nan, cfg, dir), ParameterError);
  auto vocab = test::genre_data(20);
  vocab.labels[4] = 8;
  EXPECT_THROW(train_model(ModelKind::Genre, vocab, cfg, dir), ParameterError);
  auto shape = test::mix_data(10);
  shape.targets = Matrix(10, 9);
  EXPECT_THROW(train_model(ModelKind::Mix, shape, cfg, dir), ParameterError);
  auto bad_cfg = quick(1);
  bad_cfg.batch_size = 0;
  EXPECT_THROW(train_model(ModelKind::Genre, test::genre_data(20), bad_cfg, dir), ParameterError);
  EXPECT_FALSE(std::filesystem::exists(dir / "GenreClassifier.pt"));
  std::filesystem::remove_all(dir);
}

TEST(Predict, CorruptOrMissingCheckpointNamesTheFile) {
  auto dir = test::make_temp_dir("train_corrupt");
  EXPECT_THROW(predict(dir / "nope.pt", Matrix(1, 32)), IoError);
  std::ofstream(dir / "bad.pt") << "not a checkpoint";
  try {
    predict(dir / "bad.pt", Matrix(1, 32));
    ADD_FAILURE() << "no throw";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.pt"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::train
