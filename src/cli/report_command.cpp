// echoelml report MODELS [-o report.html] [--title T] [--tempo BPM] [--bars N] [--complexity C]
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "echoelml/analysis/report.h"

namespace echoelml::cli {

namespace {
struct ReportOptions {
  std::string models;
  std::string out;  // empty = MODELS/report.html
  analysis::ReportParams params;
  double tempo = 0, complexity = 0;
  int bars = 0;
  bool has_tempo = false, has_bars = false, has_complexity = false;
};

void run_report(const ReportOptions& o) {
  analysis::ReportParams p = o.params;
  if (o.has_tempo) p.tempo_bpm = o.tempo;
  if (o.has_bars) p.bars = o.bars;
  if (o.has_complexity) p.complexity = o.complexity;
  const std::filesystem::path out = o.out.empty() ? std::filesystem::path(o.models) / "report.html" : std::filesystem::path(o.out);
  const auto s = analysis::write_report(o.models, out, p);
  std::cout << fmt::format("report: {} of 5 models, {} missing file{}, {} unreadable -> {}\n", s.models_found,
                           s.missing.size(), s.missing.size() == 1 ? "" : "s", s.errors.size(), out.string());
  for (const auto& m : s.missing) std::cerr << "echoelml: report: missing " << m << '\n';
  for (const auto& e : s.errors) std::cerr << "echoelml: report: " << e << '\n';
}
}  // namespace

void add_report(CLI::App& app) {
  auto opt = std::make_shared<ReportOptions>();
  auto* sub = app.add_subcommand(
      "report", "one self-contained HTML page of a training run: losses, confusion, F1, patterns, mix (docs/report.md)");
  sub->add_option("models", opt->models, "models folder written by `echoelml train`")->required();
  sub->add_option("-o,--out", opt->out, "HTML file to write (default MODELS/report.html)");
  sub->add_option("--title", opt->params.title, "page title")->capture_default_str();
  auto* tempo = sub->add_option("--tempo", opt->tempo, "tempo (BPM) of the generated patterns (default: typical per genre)");
  auto* bars = sub->add_option("--bars", opt->bars, "bars of the generated patterns (default: typical per genre)");
  auto* complexity = sub->add_option("--complexity", opt->complexity, "complexity 0-1 of the generated patterns (default: typical)");
  sub->callback([opt, tempo, bars, complexity] {
    opt->has_tempo = tempo->count() > 0, opt->has_bars = bars->count() > 0, opt->has_complexity = complexity->count() > 0;
    run_report(*opt);
  });
}

}  // namespace echoelml::cli
