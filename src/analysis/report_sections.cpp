// Report sections from the metrics files: overview, loss curves, genre confusion, technique F1.
// Field names follow src/train/trainer.cpp ("history", "best_epoch", "split", "report") and
// src/train/metrics.cpp (the "report" of each model kind).
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "analysis/report_internal.h"
#include "echoelml/core/music.h"

namespace echoelml::analysis::detail {
namespace {

using nlohmann::json;

double num(const json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

// The per-epoch validation metric trainer.cpp records (EpochStats::val_metric).
std::string epoch_metric_name(const std::string& model) {
  if (model == "GenreClassifier") return "accuracy";
  if (model == "PatternGenerator") return "MSE";
  if (model == "MixAnalyzer") return "MAE";
  return "micro F1";
}

std::string files_cell(const ModelFiles& m) {
  auto mark = [](const char* what, bool present, bool usable) {
    if (!present) return fmt::format("<span class=\"no\" title=\"missing\">{}</span>", what);
    return usable ? fmt::format("<span>{}</span>", what)
                  : fmt::format("<span class=\"bad\" title=\"unreadable\">{}</span>", what);
  };
  return mark("metrics", m.metrics.exists, m.metrics.ok()) + mark("validation", m.validation.exists, m.validation.ok()) +
         mark("espec", m.espec_exists, true);
}

std::string section_open(const char* id, const std::string& heading, const std::string& lead) {
  return fmt::format("<section id=\"{}\"><h2>{}</h2><p class=\"lead\">{}</p>", id, html_escape(heading), lead);
}

std::string technique_variant(const ModelFiles& m, ReportSummary& summary) {
  std::string out = fmt::format("<div><h3>{} <span class=\"dim\">({})</span></h3>", html_escape(m.name), html_escape(m.title));
  if (!m.metrics.ok()) return out + unusable_box(m.metrics, "the per-technique F1 of " + m.name) + "</div>";
  out += guarded(m.metrics.path.filename().string(), summary, [&] {
    const json& report = m.metrics.json->at("report");
    std::vector<F1Row> rows;
    for (const json& l : report.at("per_label"))
      rows.push_back({l.at("label").get<std::string>(), num(l.at("f1")), num(l.value("f1_frequency_baseline", json())),
                      num(l.value("f1_random_expected", json())), l.value("support", 0L)});
    const long n = report.value("n", 0L);
    std::string s = fmt::format("<figure>{}<figcaption>F1 at threshold 0.5 on {} {} ({}).</figcaption></figure>",
                                svg_f1_bars(rows, "F1 per technique"), n, n == 1 ? "row" : "rows",
                                html_escape(report.value("evaluated_on", std::string("validation split"))));
    return s + summary_table(report.at("summary"));
  });
  return out + "</div>";
}

}  // namespace

std::string overview_section(const Run& run) {
  std::string out = section_open("overview", "Overview",
                                 "Each model next to the trivial baseline of its first metric. The sections below "
                                 "show the details; a model whose files are absent is marked as missing.");
  out += "<table><tr><th>model</th><th>task</th><th>files</th><th class=\"num\">epochs</th><th class=\"num "
         "nowrap\">train / val rows</th><th>headline metric</th><th class=\"num\">model</th><th class=\"num\">baseline</th><th></th></tr>";
  for (const ModelFiles* m : run.all()) {
    std::string epochs = "–", rows = "–", metric = "<span class=\"dim\">no metrics</span>", model = "", base = "",
                verdict = "";
    if (m->metrics.ok()) {
      const json& j = *m->metrics.json;
      try {
        const auto n = j.at("history").size();
        epochs = fmt::format("{} <span class=\"dim\">(best {}{})</span>", n, j.value("best_epoch", 0),
                             j.value("stopped_early", false) ? ", early stop" : "");
        if (j.contains("split"))
          rows = fmt::format("{} / {}", j["split"].value("train", 0L), j["split"].value("validation", 0L));
        const json& first = j.at("report").at("summary").at(0);
        const double mv = num(first.at("model")), bv = num(first.at("baseline"));
        metric = html_escape(first.at("metric").get<std::string>());
        model = format_number(mv), base = format_number(bv);
        if (std::isfinite(mv) && std::isfinite(bv))
          verdict = (first.value("higher_is_better", true) ? mv > bv : mv < bv) ? "<span class=\"ok\">&#10003;</span>"
                                                                               : "<span class=\"bad\">&#10007;</span>";
      } catch (const std::exception&) {
        metric = "<span class=\"bad\">metrics file incomplete</span>";
      }
    }
    out += fmt::format("<tr><td><strong>{}</strong></td><td>{}</td><td class=\"files nowrap\">{}</td><td class=\"num nowrap\">{}</td><td "
                       "class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                       html_escape(m->name), html_escape(m->title), m->any() ? files_cell(*m) : "<span class=\"bad\">missing</span>",
                       epochs, rows, metric, model, base, verdict);
  }
  return out + "</table></section>";
}

std::string loss_section(const Run& run, ReportSummary& summary) {
  std::string out = section_open("losses", "Loss curves",
                                 "Training loss (mean over the epoch's batches, dropout on) and validation loss per "
                                 "epoch; the dashed line marks the epoch whose weights were kept. A logarithmic axis is "
                                 "used when the loss spans more than a factor of 20.");
  out += "<div class=\"grid\">";
  for (const ModelFiles* m : run.all()) {
    if (!m->metrics.ok()) {
      out += "<div>" + unusable_box(m->metrics, "the loss curves of " + m->name) + "</div>";
      continue;
    }
    out += "<figure>" + guarded(m->metrics.path.filename().string(), summary, [&] {
      const json& j = *m->metrics.json;
      Series train{"train", "#2563eb", {}, {}}, val{"validation", "#ea580c", {}, {}};
      const bool has_val = !j.contains("split") || j["split"].value("validation", 1L) > 0;
      if (!has_val) val.name = "monitor (train split)";
      double lo = std::numeric_limits<double>::infinity(), hi = 0, best_metric = std::nan(""), best_val = std::nan("");
      const int best = j.value("best_epoch", 0);
      for (const json& e : j.at("history")) {
        const double ep = num(e.at("epoch"));
        train.x.push_back(ep), train.y.push_back(num(e.at("train_loss")));
        val.x.push_back(ep), val.y.push_back(num(e.at("val_loss")));
        for (double v : {train.y.back(), val.y.back()})
          if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        if (static_cast<int>(ep) == best) best_metric = num(e.value("val_metric", json())), best_val = val.y.back();
      }
      LineChartParams p;
      p.title = m->name;
      p.x_label = "epoch";
      p.y_label = "loss";
      p.log_y = lo > 0 && hi / lo > 20;
      if (best > 0) p.marker_x = best, p.marker_label = fmt::format("best {}", best);
      std::string caption = fmt::format("{} epochs", train.x.size());
      if (best > 0)
        caption += fmt::format("; best epoch {}: {} loss {}, {} {}", best, has_val ? "validation" : "monitor", format_number(best_val),
                               epoch_metric_name(m->name), format_number(best_metric));
      if (j.value("stopped_early", false)) caption += "; stopped early";
      return svg_line_chart({train, val}, p) + "<figcaption>" + html_escape(caption) + "</figcaption>";
    }) + "</figure>";
  }
  return out + "</div></section>";
}

std::string genre_section(const Run& run, ReportSummary& summary) {
  const ModelFiles& m = run.genre;
  std::string out = section_open("genre", "GenreClassifier: confusion matrix",
                                 "Rows are the true genre, columns the predicted one (validation split). The colour "
                                 "of a cell is its share of the row; the diagonal (outlined) holds the correct answers.");
  if (!m.metrics.ok()) return out + unusable_box(m.metrics, "the confusion matrix") + "</section>";
  out += guarded(m.metrics.path.filename().string(), summary, [&] {
    const json& report = m.metrics.json->at("report");
    const auto counts = report.at("confusion").get<std::vector<std::vector<double>>>();
    std::vector<std::string> labels;
    for (const json& c : report.value("per_class", json::array())) labels.push_back(c.at("label").get<std::string>());
    if (labels.size() != counts.size()) {
      labels.clear();
      for (MusicGenre g : all_genres()) labels.emplace_back(raw_value(g));
    }
    std::string s = "<div class=\"row\"><figure>" + svg_confusion(counts, labels) + "</figure><div>";
    s += "<h3>Per genre</h3><table><tr><th>genre</th><th class=\"num\">support</th><th class=\"num\">precision</th>"
         "<th class=\"num\">recall</th><th class=\"num\">F1</th></tr>";
    for (const json& c : report.value("per_class", json::array()))
      s += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
                       "class=\"num\">{}</td></tr>",
                       html_escape(c.at("label").get<std::string>()), format_number(num(c.value("support", json()))),
                       format_number(num(c.value("precision", json()))), format_number(num(c.value("recall", json()))),
                       format_number(num(c.value("f1", json()))));
    s += "</table></div></div><h3>Against the baseline</h3>" + summary_table(report.at("summary"));
    return s;
  });
  return out + "</section>";
}

std::string technique_section(const Run& run, ReportSummary& summary) {
  std::string out = section_open("technique", "TechniqueRecognizer: F1 per technique",
                                 "Both variants: the guide's six features and the four the app really sends. Bars are "
                                 "the model's F1; the black tick is the F1 of predicting a technique whenever its "
                                 "training prevalence exceeds 0.5, the orange diamond the expected F1 of guessing at "
                                 "that prevalence.");
  out += "<div class=\"grid\">";
  out += technique_variant(run.technique, summary);
  out += technique_variant(run.technique_app, summary);
  return out + "</div></section>";
}

}  // namespace echoelml::analysis::detail
