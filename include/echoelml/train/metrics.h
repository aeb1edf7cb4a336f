// Evaluation metrics of the four models, each next to a trivial baseline, as JSON plus a readable
// table. Torch-free: they read predictions in raw units (what the exported model outputs).
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/core/matrix.h"

namespace echoelml::train {

inline constexpr int kCalibrationBins = 10;

/// Expected calibration error: sum over equal-width confidence bins of
/// |bin| / n * |mean(confidence) - mean(correct)|. confidence in [0, 1], correct 0/1.
double expected_calibration_error(std::span<const float> confidence, std::span<const int> correct,
                                  int bins = kCalibrationBins);

/// Genre: accuracy, per-class precision/recall/support, confusion matrix (rows = truth), ECE of
/// the confidence head and of the top softmax probability; baseline = the train majority class
/// with confidence = its train prevalence. probs [n, 8], confidence [n].
nlohmann::json genre_metrics(std::span<const int> truth, const Matrix& probs,
                             std::span<const float> confidence, std::span<const int> train_labels);

/// Technique: per-label precision/recall/F1 (threshold 0.5), micro/macro F1; baselines =
/// "predict label if its train prevalence > 0.5" and the expected F1 of predicting each label at
/// random with its train prevalence (2pq / (p + q) per label, expected counts for micro).
/// truth and probs [n, 20]; train_prevalence [20].
nlohmann::json technique_metrics(const Matrix& truth, const Matrix& probs,
                                 std::span<const double> train_prevalence);

/// Pattern: MSE in the training target units (pitch/127, velocity/127, start/B, duration/D with
/// B = beats_scale and D = duration_scale, 0 = B) and MAE per field in raw units, against the mean
/// train pattern; plus musical checks on the generated notes: pitch range, notes inside the bars,
/// density (distinct notes per bar) and its correlation with complexity. truth, pred,
/// mean_pattern [.., 64*4] raw units; pattern_beats [n]; complexity [n].
nlohmann::json pattern_metrics(const Matrix& truth, const Matrix& pred, std::span<const float> mean_pattern,
                               float beats_scale, std::span<const float> pattern_beats,
                               std::span<const float> complexity, float duration_scale = 0);

/// Mix: MAE per output column in raw units against the mean train target. [n, 10].
nlohmann::json mix_metrics(const Matrix& truth, const Matrix& pred, std::span<const float> train_mean);

/// A fixed-width text rendering of any report above (model + baseline columns).
std::string format_report(const nlohmann::json& report);

}  // namespace echoelml::train
