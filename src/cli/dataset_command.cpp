// echoelml dataset check DATA [--json] ; echoelml extract DATA --out STORE [--csv FILE]
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "echoelml/data/check.h"
#include "echoelml/data/dataset.h"
#include "echoelml/data/extract.h"
#include "echoelml/data/feature_store.h"
#include "echoelml/data/training.h"

namespace echoelml::cli {
namespace {

struct DatasetCheckOptions {
  std::string data;
  bool json = false;
  unsigned threads = 0;
  double imbalance = data::kImbalanceWarnRatio;
};

struct ExtractOptions {
  std::string data;
  std::string out;
  std::string csv;
  unsigned threads = 0;
  bool quiet = false;
  bool retry_failed = false;
  std::size_t max_files = 0;
};

void run_dataset_check(const DatasetCheckOptions& opt) {
  auto report = data::check_dataset(opt.data, opt.threads, opt.imbalance);
  std::cout << (opt.json ? data::report_json(report) + "\n" : data::format_report(report));
  if (!report.clean()) set_exit_code(1);
}

void run_extract(const ExtractOptions& opt) {
  auto index = data::scan_dataset(opt.data);
  for (const auto& p : index.problems) std::cerr << "echoelml: warning: " << p.format() << '\n';
  data::ExtractParams params;
  params.threads = opt.threads;
  params.quiet = opt.quiet;
  params.retry_failed = opt.retry_failed;
  params.max_files = opt.max_files;
  auto summary = data::extract_features(index, opt.out, params);
  std::cerr << data::format_summary(summary);
  if (!opt.csv.empty()) {
    data::FeatureStore store(opt.out, data::FeatureStore::Mode::ReadOnly);
    data::export_csv(index, store, opt.csv);
  }
  if (summary.failed > 0) set_exit_code(1);
}

}  // namespace

void add_dataset(CLI::App& app) {
  auto* ds = app.add_subcommand("dataset", "inspect a training data folder (docs/data.md)");
  ds->require_subcommand(1);
  auto opt = std::make_shared<DatasetCheckOptions>();
  auto* check = ds->add_subcommand("check", "count labels; find unreadable, mislabelled and duplicate files");
  check->add_option("data", opt->data, "data folder")->required()->check(CLI::ExistingDirectory);
  check->add_flag("--json", opt->json, "print the report as JSON");
  check->add_option("--threads", opt->threads, "worker threads (0 = all cores)");
  check->add_option("--imbalance", opt->imbalance, "warn when largest/smallest class exceeds this")
      ->capture_default_str();
  check->callback([opt] { run_dataset_check(*opt); });
}

void add_extract(CLI::App& app) {
  auto opt = std::make_shared<ExtractOptions>();
  auto* sub = app.add_subcommand("extract", "compute every model's features of a data folder into a feature store");
  sub->add_option("data", opt->data, "data folder")->required()->check(CLI::ExistingDirectory);
  sub->add_option("--out", opt->out, "feature store (SQLite), created or resumed")->required();
  sub->add_option("--csv", opt->csv, "also export the store's rows for this data folder as CSV");
  sub->add_option("--threads", opt->threads, "worker threads (0 = all cores)");
  sub->add_option("--max-files", opt->max_files, "stop after computing this many files (0 = all)");
  sub->add_flag("--retry-failed", opt->retry_failed, "recompute files that failed before");
  sub->add_flag("--quiet", opt->quiet, "no progress bar");
  sub->callback([opt] { run_extract(*opt); });
}

}  // namespace echoelml::cli
