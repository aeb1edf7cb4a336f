// echoelml export --models-dir MODELS --output-dir OUT [--format mlmodel|mlpackage|onnx|all]
//                 [--quantize 8] [--updatable] [--layout app|guide] [--author A] [--license L]
//                 [--version V] [--cases N] [--report-rows N]
// echoelml inspect FILE...
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "echoelml/core/error.h"
#include "echoelml/export/batch.h"
#include "echoelml/export/inspect.h"

namespace echoelml::cli {
namespace {

namespace fs = std::filesystem;
using exporter::AppModel;

constexpr bool kWithMlPackage = true;  // the ML Program exporter (mlpackage.h) is part of echoelml_export

struct ExportOptions {
  std::string models_dir, output_dir;
  std::string format = "mlmodel";
  int quantize = 0;
  bool updatable = false;
  std::string layout = "app";
  std::string author, license, version;  // empty: training's metadata, else echoelml's defaults
  std::size_t cases = 3;
  std::size_t report_rows = 0;
};

exporter::CoreMLLayout parse_layout(const std::string& s) {
  if (s == "app") return exporter::CoreMLLayout::App;
  if (s == "guide") return exporter::CoreMLLayout::Guide;
  throw ParameterError("--layout '" + s + "' is not one of app|guide");
}

std::string human_bytes(double b) {
  return b >= 1 << 20 ? fmt::format("{:.2f} MiB", b / (1 << 20)) : fmt::format("{:.1f} KiB", b / 1024);
}

void print_outcome(const exporter::ModelOutcome& o) {
  const std::string name(exporter::to_string(o.model));
  if (o.written.empty()) {
    std::cout << fmt::format("{}: FAILED\n", name);
  } else {
    std::string files;
    for (const auto& w : o.written) files += (files.empty() ? "" : ", ") + w.filename().string();
    std::cout << fmt::format("{}: {} (from {})\n", name, files, o.source.filename().string());
  }
  const auto& r = o.report;
  if (r.contains("quantization")) {
    const auto& q = r["quantization"];
    std::cout << fmt::format("  8-bit: {} -> {} ({:.1f}% smaller)", human_bytes(q["float32_bytes"].get<double>()),
                             human_bytes(q["int8_bytes"].get<double>()), 100.0 * (1.0 - q["size_ratio"].get<double>()));
    if (q.contains("int8_vs_trained")) {
      const auto& d = q["int8_vs_trained"];
      std::cout << fmt::format("; largest output change on {} validation rows: {:.4g} ({:.4g} relative, output '{}')",
                               d["rows"].get<std::size_t>(), d["max_abs_change"].get<double>(),
                               d["max_rel_change"].get<double>(), d["worst_output"].get<std::string>());
    }
    std::cout << "\n";
  }
  for (const auto& n : o.notes) std::cout << "  note: " << n << "\n";
  for (const auto& e : o.errors) std::cerr << "echoelml: export " << name << ": " << e << "\n";
}

void run_export(const ExportOptions& opt) {
  exporter::BatchOptions b;
  b.layout = parse_layout(opt.layout);
  b.formats = exporter::parse_export_format(opt.format, kWithMlPackage);
  if (opt.quantize != 0 && opt.quantize != 8)
    throw ParameterError("--quantize " + std::to_string(opt.quantize) + " is not supported (only 8: linear 8-bit weights)");
  b.quantize_8bit = opt.quantize == 8;
  b.updatable = opt.updatable;
  if (!opt.author.empty()) b.metadata["author"] = opt.author;
  if (!opt.license.empty()) b.metadata["license"] = opt.license;
  if (!opt.version.empty()) b.metadata["version"] = opt.version;
  b.check_cases = opt.cases;
  b.report_rows = opt.report_rows;
  auto res = exporter::export_models(opt.models_dir, opt.output_dir, b, print_outcome);
  int ok = 0;
  for (const auto& m : res.models) ok += m.ok();
  std::cout << fmt::format("export: {} of 4 models exported and validated -> {} (report {})\n", ok, opt.output_dir,
                           res.report.filename().string());
  if (!res.ok()) set_exit_code(1);
}

}  // namespace

void add_export(CLI::App& app) {
  auto opt = std::make_shared<ExportOptions>();
  auto* sub = app.add_subcommand("export", "write the four app models as Core ML / ONNX files (docs/export.md)");
  sub->add_option("--models-dir", opt->models_dir, "folder written by `echoelml train` (*.espec, *.validation.json)")->required();
  sub->add_option("--output-dir", opt->output_dir, "folder for <Name>.mlmodel/.onnx/.check.json")->required();
  sub->add_option("--format", opt->format, "mlmodel|mlpackage|onnx|all")->capture_default_str();
  sub->add_option("--quantize", opt->quantize, "8 = linear 8-bit weights per output channel (Core ML)");
  sub->add_flag("--updatable", opt->updatable, "mark the last dense layers updatable where Core ML allows it");
  sub->add_option("--layout", opt->layout, "app (what CoreMLModelManager sends and reads) or guide")->capture_default_str();
  sub->add_option("--author", opt->author, "model author (default: training's metadata, else echoelml)");
  sub->add_option("--license", opt->license, "model license (default: training's metadata, else GPL-3.0)");
  sub->add_option("--version", opt->version, "model version string (default: training's metadata, else 1.0)");
  sub->add_option("--cases", opt->cases, "validation cases per <Name>.check.json")->capture_default_str();
  sub->add_option("--report-rows", opt->report_rows, "validation rows for the 8-bit comparison (0 = all)")
      ->capture_default_str();
  sub->callback([opt] { run_export(*opt); });
}

void add_inspect(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand("inspect", "print interface, layers, weights and metadata of .mlmodel/.mlpackage/.onnx files");
  sub->add_option("files", *files, "model files")->required();
  sub->callback([files] {
    bool first = true;
    for (const auto& f : *files) {
      try {
        const std::string text = exporter::inspect(f);
        std::cout << (first ? "" : "\n") << "== " << f << "\n" << text;
        first = false;
      } catch (const Error& e) {
        std::cerr << "echoelml: inspect: " << e.what() << "\n";
        set_exit_code(1);
      }
    }
  });
}

}  // namespace echoelml::cli
