// Report sections that show model outputs: generated patterns (PatternGenerator.espec run per
// genre) and mix predictions against measured values (MixAnalyzer.validation.json).
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "analysis/report_internal.h"
#include "echoelml/core/error.h"
#include "echoelml/runtime/model_file.h"

namespace echoelml::analysis::detail {
namespace {

using nlohmann::json;

double num(const json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

std::string pattern_caption(const PatternRequest& q, const std::vector<ReportNote>& notes) {
  const double beats = 4.0 * q.bars;
  int playable = 0, inside = 0;
  std::set<std::pair<long, long>> distinct;
  for (const ReportNote& n : notes) {
    // The app truncates pitch and velocity with UInt8(x) and needs duration > 0 (app contract §5).
    const bool ok = n.pitch >= 0 && n.pitch < 128 && n.velocity >= 1 && n.velocity < 128 && n.start >= 0 && n.duration > 0;
    playable += ok;
    inside += ok && n.start < beats && n.start + n.duration <= beats + 1.0 / 16;  // metrics.cpp's tolerance
    if (ok) distinct.insert({static_cast<long>(n.pitch), std::lround(n.start * 4.0)});
  }
  return fmt::format("{} &middot; {} BPM &middot; {} bar{} &middot; complexity {:.2f} <span class=\"dim\">({})</span><br>"
                     "{} notes: {} playable, {} inside the bars, {} distinct (pitch, 16th)",
                     html_escape(raw_value(q.technique)), format_number(q.tempo_bpm), q.bars, q.bars == 1 ? "" : "s",
                     q.complexity, html_escape(q.source), notes.size(), playable, inside, distinct.size());
}

std::string musical_table(const json& musical) {
  const json& gen = musical.at("generated");
  std::string out = "<table><tr><th>musical check</th><th class=\"num\">generated</th><th class=\"num\">target</th>"
                    "<th class=\"num\">mean pattern</th></tr>";
  for (auto it = gen.begin(); it != gen.end(); ++it)
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                       html_escape(it.key()), format_number(num(it.value())),
                       format_number(num(musical.value("target", json::object()).value(it.key(), json()))),
                       format_number(num(musical.value("mean_pattern_baseline", json::object()).value(it.key(), json()))));
  return out + "</table>";
}

// Column names of the validation outputs: group names expanded by output_sizes; the mix
// model's freq_balance group gets its band names (app contract §6).
std::vector<std::string> output_columns(const json& v, std::size_t width) {
  static const char* bands[6] = {"sub 20–60 Hz", "bass 60–250 Hz", "low-mid 250–500 Hz", "mid 500 Hz–2 kHz",
                                 "high-mid 2–6 kHz", "high 6–20 kHz"};
  std::vector<std::string> cols;
  const auto names = v.value("output_names", std::vector<std::string>{});
  auto sizes = v.value("output_sizes", std::vector<std::int64_t>{});
  if (sizes.empty() && names.size() == width) sizes.assign(width, 1);
  if (names.size() == sizes.size()) {
    for (std::size_t g = 0; g < names.size(); ++g)
      for (std::int64_t i = 0; i < sizes[g]; ++i) {
        if (sizes[g] == 1)
          cols.push_back(names[g]);
        else if (names[g] == "freq_balance" && sizes[g] == 6)
          cols.push_back(bands[i]);
        else
          cols.push_back(fmt::format("{}[{}]", names[g], i));
      }
  }
  if (cols.size() != width) {
    cols.clear();
    for (std::size_t c = 0; c < width; ++c) cols.push_back(fmt::format("output {}", c));
  }
  for (auto& c : cols)
    if (c == "dynamic_range") c += " (dB)";
  return cols;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  if (a.size() < 2) return std::nan("");
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  for (std::size_t i = 0; i < a.size(); ++i)
    sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : std::nan("");
}

}  // namespace

std::string pattern_section(const Run& run, const ReportParams& params, ReportSummary& summary) {
  const ModelFiles& m = run.pattern;
  std::string out = fmt::format(
      "<section id=\"pattern\"><h2>PatternGenerator: a generated pattern per genre</h2><p class=\"lead\">The exported "
      "weights (<code>PatternGenerator.espec</code>) run once per genre through the reference evaluator, conditioned on "
      "a typical technique, tempo, length and complexity of that genre. Notes are drawn as the app would play them "
      "(pitch truncated to an integer, start and duration in beats, opacity = velocity); the grey area lies after the "
      "last bar.</p>");
  if (!m.espec_exists) {
    out += missing_box(m.espec.filename().string(), "the generated patterns");
  } else {
    out += guarded(m.espec.filename().string(), summary, [&] {
      const runtime::ModelSpec spec = runtime::load_model_spec(m.espec);
      std::vector<PatternRequest> requests;
      std::string note;
      try {
        requests = typical_pattern_requests(m.validation.ok() ? &*m.validation.json : nullptr, params);
      } catch (const std::exception& e) {  // odd validation rows: fall back to the lesson defaults
        const std::string why = m.validation.path.filename().string() + ": " + e.what();
        summary.errors.push_back(why);
        note = error_box(m.validation.path.filename().string(), std::string(e.what()) + " (using the lesson defaults)");
        requests = typical_pattern_requests(nullptr, params);
      }
      std::string s = note + "<div class=\"grid\">";
      for (const PatternRequest& q : requests) {
        const auto notes = generate_report_pattern(spec, q);
        s += fmt::format("<figure data-genre=\"{}\">{}<figcaption>{}</figcaption></figure>", html_escape(raw_value(q.genre)),
                         svg_piano_roll(notes, 4.0 * q.bars, std::string(raw_value(q.genre))), pattern_caption(q, notes));
      }
      return s + "</div>";
    });
  }
  if (m.metrics.ok()) {
    out += guarded(m.metrics.path.filename().string(), summary, [&] {
      const json& report = m.metrics.json->at("report");
      std::string s = "<div class=\"row\"><div><h3>Against the mean train pattern</h3>" + summary_table(report.at("summary")) + "</div>";
      if (report.contains("musical")) s += "<div><h3>Musical checks (validation split)</h3>" + musical_table(report["musical"]) + "</div>";
      return s + "</div>";
    });
  } else {
    out += unusable_box(m.metrics, "the pattern metrics");
  }
  return out + "</section>";
}

std::string mix_section(const Run& run, ReportSummary& summary) {
  const ModelFiles& m = run.mix;
  std::string out =
      "<section id=\"mix\"><h2>MixAnalyzer: predicted against measured</h2><p class=\"lead\">One panel per output on "
      "the validation rows: the value measured on the mix (x) against the model's prediction (y). Points on the dashed "
      "line are exact. The baseline predicts the mean training target for every mix.</p>";
  std::vector<double> baseline;  // per-column MAE of the mean-target baseline, from the metrics
  if (m.metrics.ok()) {
    try {
      for (const json& r : m.metrics.json->at("report").at("summary"))
        if (r.at("metric").get<std::string>().rfind("MAE ", 0) == 0) baseline.push_back(num(r.at("baseline")));
    } catch (const std::exception&) {
      baseline.clear();  // the summary table below reports the problem
    }
  }
  if (!m.validation.ok()) {
    out += unusable_box(m.validation, "the predicted-against-measured panels");
  } else {
    out += guarded(m.validation.path.filename().string(), summary, [&] {
      const json& v = *m.validation.json;
      const auto outputs = v.at("outputs").get<std::vector<std::vector<double>>>();
      const auto targets = v.at("targets").get<std::vector<std::vector<double>>>();
      if (outputs.size() != targets.size())
        throw FormatError(m.validation.path, fmt::format("{} output rows for {} target rows", outputs.size(), targets.size()));
      const std::size_t width = outputs.empty() ? 0 : outputs[0].size();
      for (std::size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].size() != width || targets[i].size() != width)
          throw FormatError(m.validation.path, fmt::format("row {} has {} outputs and {} targets, expected {}", i,
                                                           outputs[i].size(), targets[i].size(), width));
      const auto cols = output_columns(v, width);
      std::string s = fmt::format("<div class=\"grid small\" data-rows=\"{}\">", outputs.size());
      for (std::size_t c = 0; c < width; ++c) {
        std::vector<double> meas, pred;
        double mae = 0;
        for (std::size_t i = 0; i < outputs.size(); ++i)
          meas.push_back(targets[i][c]), pred.push_back(outputs[i][c]), mae += std::abs(outputs[i][c] - targets[i][c]);
        mae /= std::max<double>(1.0, static_cast<double>(outputs.size()));
        std::string caption = fmt::format("MAE {}", format_number(mae));
        if (baseline.size() > c) caption += fmt::format(" (baseline {})", format_number(baseline[c]));
        caption += fmt::format(" &middot; r {} &middot; n {}", format_number(pearson(meas, pred)), meas.size());
        s += fmt::format("<figure data-output=\"{}\">{}<figcaption>{}</figcaption></figure>", html_escape(cols[c]),
                         svg_scatter(meas, pred, cols[c]), caption);
      }
      return s + "</div>";
    });
  }
  if (m.metrics.ok())
    out += guarded(m.metrics.path.filename().string(), summary, [&] {
      return "<h3>Mean absolute error per output</h3>" + summary_table(m.metrics.json->at("report").at("summary"));
    });
  else
    out += unusable_box(m.metrics, "the mix metrics");
  return out + "</section>";
}

}  // namespace echoelml::analysis::detail
