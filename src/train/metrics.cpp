// Metrics next to trivial baselines; the JSON is the source of truth, format_report renders it.
#include "echoelml/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "echoelml/train/dataset.h"

namespace echoelml::train {
namespace {

using nlohmann::json;

json summary_row(const std::string& metric, double model, double baseline, const std::string& baseline_name,
                 bool higher_is_better) {
  return {{"metric", metric}, {"model", model}, {"baseline", baseline}, {"baseline_name", baseline_name},
          {"higher_is_better", higher_is_better}};
}

// F1 from counts; nullopt-like NaN when the label never occurs and is never predicted.
double f1(double tp, double fp, double fn) {
  double d = 2 * tp + fp + fn;
  return d > 0 ? 2 * tp / d : std::nan("");
}

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double mean_finite(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / n : std::nan("");
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  if (a.size() < 2) return std::nan("");
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= n, mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : std::nan("");
}

// Musical checks on [n, 64*4] raw notes: what the app would play.
json musical_checks(const Matrix& notes, std::span<const float> pattern_beats, std::span<const float> complexity) {
  double in_range = 0, inside = 0, total = 0, span_sum = 0;
  std::vector<double> density, cx;
  for (std::size_t r = 0; r < notes.rows; ++r) {
    const double beats = pattern_beats[r];
    std::set<std::pair<long, long>> distinct;
    double lo = 1e9, hi = -1e9;
    for (int s = 0; s < kPatternSteps; ++s) {
      const float* n = &notes(r, static_cast<std::size_t>(s * kNoteFields));
      // The app truncates with UInt8(x): valid when 0 <= x < 128 and the duration is positive.
      bool valid = n[0] >= 0 && n[0] < 128 && n[1] >= 1 && n[1] < 128 && n[2] >= 0 && n[3] > 0;
      in_range += valid;
      // A 1/16-beat tolerance: sigmoid outputs never hit the bar line exactly.
      inside += n[2] >= 0 && n[2] < beats && n[2] + n[3] <= beats + 1.0 / 16;
      total += 1;
      lo = std::min<double>(lo, n[0]);
      hi = std::max<double>(hi, n[0]);
      distinct.insert({std::lround(n[0]), std::lround(n[2] * 4.0)});  // pitch, 16th-note grid
    }
    span_sum += hi - lo;
    density.push_back(static_cast<double>(distinct.size()) / std::max(beats / 4.0, 1e-9));
    cx.push_back(complexity[r]);
  }
  const double rows = std::max<double>(1.0, static_cast<double>(notes.rows));
  return {{"playable_fraction", total > 0 ? in_range / total : 0.0},
          {"inside_bars_fraction", total > 0 ? inside / total : 0.0},
          {"mean_pitch_span", span_sum / rows},
          {"mean_density_per_bar", mean_finite(density)},
          {"density_complexity_corr", number_or_null(pearson(density, cx))}};
}

}  // namespace

double expected_calibration_error(std::span<const float> confidence, std::span<const int> correct, int bins) {
  if (confidence.size() != correct.size())
    throw ParameterError(fmt::format("ece: {} confidences for {} outcomes", confidence.size(), correct.size()));
  if (bins < 1) throw ParameterError(fmt::format("ece: bins must be >= 1, got {}", bins));
  if (confidence.empty()) return 0.0;
  std::vector<double> conf_sum(bins, 0), acc_sum(bins, 0), count(bins, 0);
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    double c = std::clamp<double>(confidence[i], 0.0, 1.0);
    int b = std::min(bins - 1, static_cast<int>(c * bins));  // (k/bins, (k+1)/bins], 1.0 in the last
    conf_sum[b] += c;
    acc_sum[b] += correct[i] != 0;
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b)
    if (count[b] > 0) ece += count[b] / static_cast<double>(confidence.size()) * std::abs(conf_sum[b] - acc_sum[b]) / count[b];
  return ece;
}

json genre_metrics(std::span<const int> truth, const Matrix& probs, std::span<const float> confidence,
                   std::span<const int> train_labels) {
  const std::size_t n = truth.size();
  if (probs.rows != n || probs.cols != static_cast<std::size_t>(kNumGenres) || confidence.size() != n)
    throw ParameterError("genre_metrics: shapes of truth, probs [n, 8] and confidence [n] disagree");
  std::vector<int> train_count(kNumGenres, 0);
  for (int l : train_labels) train_count[l]++;
  const int majority = static_cast<int>(std::max_element(train_count.begin(), train_count.end()) - train_count.begin());
  const double majority_prev = train_labels.empty() ? 0.0 : double(train_count[majority]) / double(train_labels.size());

  std::vector<std::vector<int>> confusion(kNumGenres, std::vector<int>(kNumGenres, 0));
  std::vector<int> correct(n), base_correct(n);
  std::vector<float> top_prob(n), base_conf(n, static_cast<float>(majority_prev));
  for (std::size_t i = 0; i < n; ++i) {
    auto row = probs.row(i);
    int pred = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
    confusion[truth[i]][pred]++;
    correct[i] = pred == truth[i];
    base_correct[i] = majority == truth[i];
    top_prob[i] = row[pred];
  }
  double acc = 0, base_acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += correct[i], base_acc += base_correct[i];
  acc /= std::max<double>(1, n), base_acc /= std::max<double>(1, n);

  json per_class = json::array();
  std::vector<double> f1s, base_f1s;
  for (int c = 0; c < kNumGenres; ++c) {
    double tp = confusion[c][c], fp = 0, fn = 0, support = 0;
    for (int k = 0; k < kNumGenres; ++k) {
      support += confusion[c][k];
      if (k != c) fp += confusion[k][c], fn += confusion[c][k];
    }
    double precision = tp + fp > 0 ? tp / (tp + fp) : std::nan("");
    double recall = support > 0 ? tp / support : std::nan("");
    f1s.push_back(f1(tp, fp, fn));
    // Majority baseline: predicts class `majority` for every row.
    base_f1s.push_back(c == majority ? f1(support, double(n) - support, 0) : f1(0, 0, support));
    per_class.push_back({{"label", std::string(raw_value(static_cast<MusicGenre>(c)))},
                         {"support", static_cast<long>(support)},
                         {"precision", number_or_null(precision)},
                         {"recall", number_or_null(recall)},
                         {"f1", number_or_null(f1s.back())}});
  }
  const double ece = expected_calibration_error(confidence, correct);
  const double base_ece = expected_calibration_error(base_conf, base_correct);
  std::string base_name = fmt::format("majority class ({})", raw_value(static_cast<MusicGenre>(majority)));
  return {{"model", "GenreClassifier"},
          {"n", n},
          {"summary",
           {summary_row("accuracy", acc, base_acc, base_name, true),
            summary_row("macro F1", mean_finite(f1s), mean_finite(base_f1s), base_name, true),
            summary_row("ECE(confidence)", ece, base_ece, base_name + " at its train prevalence", false),
            summary_row("ECE(top softmax prob)", expected_calibration_error(top_prob, correct), base_ece,
                        base_name + " at its train prevalence", false)}},
          {"per_class", per_class},
          {"confusion", confusion}};
}

json technique_metrics(const Matrix& truth, const Matrix& probs, std::span<const double> prevalence) {
  const std::size_t n = truth.rows, k = truth.cols;
  if (probs.rows != n || probs.cols != k || prevalence.size() != k)
    throw ParameterError("technique_metrics: shapes of truth, probs and prevalence disagree");
  json per_label = json::array();
  std::vector<double> f1s, freq_f1s, rand_f1s;
  double tp_all = 0, fp_all = 0, fn_all = 0, ftp = 0, ffp = 0, ffn = 0, rtp = 0, rfp = 0, rfn = 0;
  for (std::size_t c = 0; c < k; ++c) {
    double tp = 0, fp = 0, fn = 0, pos = 0;
    const bool freq_pred = prevalence[c] > 0.5;
    double btp = 0, bfp = 0, bfn = 0;
    for (std::size_t i = 0; i < n; ++i) {
      bool t = truth(i, c) > 0.5f, p = probs(i, c) > 0.5f;
      pos += t;
      tp += t && p, fp += !t && p, fn += t && !p;
      btp += t && freq_pred, bfp += !t && freq_pred, bfn += t && !freq_pred;
    }
    // Random at prevalence p: expected TP = n q p, FP = n (1-q) p, FN = n q (1-p), q = val rate.
    const double p = prevalence[c], q = n ? pos / double(n) : 0.0;
    const double etp = double(n) * q * p, efp = double(n) * (1 - q) * p, efn = double(n) * q * (1 - p);
    tp_all += tp, fp_all += fp, fn_all += fn, ftp += btp, ffp += bfp, ffn += bfn, rtp += etp, rfp += efp, rfn += efn;
    f1s.push_back(f1(tp, fp, fn));
    freq_f1s.push_back(f1(btp, bfp, bfn));
    rand_f1s.push_back(f1(etp, efp, efn));
    per_label.push_back({{"label", std::string(raw_value(static_cast<ProductionTechnique>(c)))},
                         {"train_prevalence", p},
                         {"support", static_cast<long>(pos)},
                         {"precision", number_or_null(tp + fp > 0 ? tp / (tp + fp) : std::nan(""))},
                         {"recall", number_or_null(pos > 0 ? tp / pos : std::nan(""))},
                         {"f1", number_or_null(f1s.back())},
                         {"f1_frequency_baseline", number_or_null(freq_f1s.back())},
                         {"f1_random_expected", number_or_null(rand_f1s.back())}});
  }
  const double micro = f1(tp_all, fp_all, fn_all);
  return {{"model", "TechniqueRecognizer"},
          {"n", n},
          {"summary",
           {summary_row("micro F1", micro, f1(ftp, ffp, ffn), "label frequency (prevalence > 0.5)", true),
            summary_row("macro F1", mean_finite(f1s), mean_finite(freq_f1s), "label frequency (prevalence > 0.5)", true),
            summary_row("micro F1 ", micro, f1(rtp, rfp, rfn), "random at train prevalence (expected)", true),
            summary_row("macro F1 ", mean_finite(f1s), mean_finite(rand_f1s), "random at train prevalence (expected)", true)}},
          {"per_label", per_label},
          {"note", "macro F1 averages the labels with a defined F1 (a label never true and never predicted is skipped)"}};
}

json pattern_metrics(const Matrix& truth, const Matrix& pred, std::span<const float> mean_pattern, float beats_scale,
                     std::span<const float> pattern_beats, std::span<const float> complexity, float duration_scale) {
  if (duration_scale <= 0) duration_scale = beats_scale;
  const std::size_t n = truth.rows, w = static_cast<std::size_t>(kPatternSteps * kNoteFields);
  if (truth.cols != w || pred.rows != n || pred.cols != w || mean_pattern.size() != w || pattern_beats.size() != n ||
      complexity.size() != n)
    throw ParameterError("pattern_metrics: shapes of truth, pred [n, 256], mean [256], beats and complexity [n] disagree");
  const double scale[kNoteFields] = {127.0, 127.0, beats_scale, duration_scale};
  double mse = 0, base_mse = 0;
  double mae[kNoteFields] = {}, base_mae[kNoteFields] = {};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < w; ++j) {
      const std::size_t f = j % kNoteFields;
      double e = (pred(i, j) - truth(i, j)) / scale[f], b = (mean_pattern[j] - truth(i, j)) / scale[f];
      mse += e * e, base_mse += b * b;
      mae[f] += std::abs(e) * scale[f], base_mae[f] += std::abs(b) * scale[f];
    }
  const double cells = std::max<double>(1.0, double(n * w)), notes = std::max<double>(1.0, double(n) * kPatternSteps);
  const std::string base = "mean train pattern";
  json summary = {summary_row("MSE (training units)", mse / cells, base_mse / cells, base, false)};
  const char* names[kNoteFields] = {"pitch (MIDI)", "velocity (MIDI)", "start (beats)", "duration (beats)"};
  for (int f = 0; f < kNoteFields; ++f)
    summary.push_back(summary_row(fmt::format("MAE {}", names[f]), mae[f] / notes, base_mae[f] / notes, base, false));
  Matrix base_rows(n, w);
  for (std::size_t i = 0; i < n; ++i) std::copy(mean_pattern.begin(), mean_pattern.end(), base_rows.row(i).begin());
  return {{"model", "PatternGenerator"},
          {"n", n},
          {"beats_scale", beats_scale},
          {"duration_scale", duration_scale},
          {"summary", summary},
          {"musical",
           {{"generated", musical_checks(pred, pattern_beats, complexity)},
            {"target", musical_checks(truth, pattern_beats, complexity)},
            {"mean_pattern_baseline", musical_checks(base_rows, pattern_beats, complexity)}}}};
}

json mix_metrics(const Matrix& truth, const Matrix& pred, std::span<const float> train_mean) {
  const std::size_t n = truth.rows, k = truth.cols;
  if (pred.rows != n || pred.cols != k || train_mean.size() != k || k != static_cast<std::size_t>(kMixTargetSize))
    throw ParameterError("mix_metrics: shapes of truth, pred [n, 10] and train_mean [10] disagree");
  static const char* cols[kMixTargetSize] = {"freq_sub", "freq_bass", "freq_low_mid", "freq_mid", "freq_high_mid",
                                             "freq_high", "dynamic_range (dB)", "stereo_width", "peak_level", "rms_level"};
  json summary = json::array();
  double all = 0, base_all = 0;
  for (std::size_t c = 0; c < k; ++c) {
    double mae = 0, base = 0;
    for (std::size_t i = 0; i < n; ++i) mae += std::abs(pred(i, c) - truth(i, c)), base += std::abs(train_mean[c] - truth(i, c));
    mae /= std::max<double>(1, n), base /= std::max<double>(1, n);
    all += mae, base_all += base;
    summary.push_back(summary_row(fmt::format("MAE {}", cols[c]), mae, base, "mean train target", false));
  }
  // dynamic_range is in dB, the rest in 0-1; the mean over columns excludes it to stay unit-consistent.
  double dr = summary[6]["model"].get<double>(), dr_base = summary[6]["baseline"].get<double>();
  summary.push_back(summary_row("MAE mean of 0-1 outputs", (all - dr) / (k - 1), (base_all - dr_base) / (k - 1),
                                "mean train target", false));
  return {{"model", "MixAnalyzer"}, {"n", n}, {"summary", summary}};
}

std::string format_report(const json& r) {
  std::string out = fmt::format("{} (validation rows: {})\n", r.value("model", "?"), r.value("n", 0));
  out += fmt::format("  {:<28} {:>10} {:>10}  {}\n", "metric", "model", "baseline", "baseline is");
  auto num = [](const json& v) {
    if (v.is_number_integer()) return fmt::format("{}", v.get<long>());
    return v.is_number() ? fmt::format("{:.4f}", v.get<double>()) : std::string("-");
  };
  for (const json& s : r.at("summary"))
    out += fmt::format("  {:<28} {:>10} {:>10}  {}\n", s.at("metric").get<std::string>(), num(s.at("model")),
                       num(s.at("baseline")), s.at("baseline_name").get<std::string>());
  if (r.contains("per_class")) {
    out += fmt::format("  {:<22} {:>8} {:>9} {:>7} {:>7}\n", "class", "support", "precision", "recall", "f1");
    for (const json& c : r["per_class"])
      out += fmt::format("  {:<22} {:>8} {:>9} {:>7} {:>7}\n", c["label"].get<std::string>(), num(c["support"]),
                         num(c["precision"]), num(c["recall"]), num(c["f1"]));
    out += "  confusion (rows = truth, columns = predicted, MusicGenre order):\n";
    for (const json& row : r["confusion"]) {
      out += "   ";
      for (const json& v : row) out += fmt::format(" {:>5}", v.get<int>());
      out += "\n";
    }
  }
  if (r.contains("per_label")) {
    out += fmt::format("  {:<26} {:>6} {:>7} {:>7} {:>7} {:>7}\n", "technique", "prev", "support", "f1", "f1 freq",
                       "f1 rand");
    for (const json& c : r["per_label"])
      out += fmt::format("  {:<26} {:>6} {:>7} {:>7} {:>7} {:>7}\n", c["label"].get<std::string>(),
                         num(c["train_prevalence"]), num(c["support"]), num(c["f1"]), num(c["f1_frequency_baseline"]),
                         num(c["f1_random_expected"]));
  }
  if (r.contains("musical")) {
    out += fmt::format("  {:<26} {:>10} {:>10} {:>10}\n", "musical check", "generated", "target", "mean pat.");
    const json& m = r["musical"];
    for (auto& [key, v] : m["generated"].items())
      out += fmt::format("  {:<26} {:>10} {:>10} {:>10}\n", key, num(v), num(m["target"][key]),
                         num(m["mean_pattern_baseline"][key]));
  }
  return out;
}

}  // namespace echoelml::train
