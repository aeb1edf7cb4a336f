// echoelml train --data-dir DATA --output-dir MODELS [--models genre,technique,pattern,mix] [--epochs N]
//   [--batch-size B] [--seed S] [--threads T] [--resume] [--store PATH] [--groove DIR] [--quiet]
// Extracts missing features into the feature store, builds each model's table, checks every data set
// before the first epoch, trains, prints the reports and writes MODELS/training.json (docs/training.md).
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "echoelml/analysis/mix_profile.h"
#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "echoelml/data/dataset.h"
#include "echoelml/data/extract.h"
#include "echoelml/data/feature_store.h"
#include "echoelml/data/training.h"
#include "echoelml/midi/groove.h"
#include "echoelml/midi/pattern.h"
#if ECHOELML_HAVE_TORCH
#include "echoelml/train/metrics.h"
#include "echoelml/train/trainer.h"
#endif

namespace echoelml::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct TrainOptions {
  std::string data_dir, output_dir, store, groove, models;
  int epochs = 0;  // 0 = the guide's per-model default
  int batch_size = 32;
  std::uint64_t seed = 1;
  int threads = 1;          // torch threads: fixed threads = reproducible weights
  unsigned extract_threads = 0;
  int patience = 10;
  int lstm_units = 512;     // the guide's; smaller only to make tests fast
  bool resume = false;
  bool quiet = false;
};

#if ECHOELML_HAVE_TORCH
using train::ModelKind;

// The requested models in training order; "technique" means both technique variants.
std::vector<ModelKind> parse_models(const std::string& list) {
  std::vector<ModelKind> order = {ModelKind::Genre, ModelKind::Technique, ModelKind::TechniqueApp,
                                  ModelKind::Pattern, ModelKind::Mix};
  if (list.empty()) return order;
  std::vector<bool> want(order.size(), false);
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t end = std::min(list.find(',', pos), list.size());
    std::string item = list.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!item.empty()) {
      ModelKind k = train::parse_model_kind(item);
      want[static_cast<std::size_t>(k)] = true;
      if (item == "technique") want[static_cast<std::size_t>(ModelKind::TechniqueApp)] = true;  // both variants
    }
    pos = end + 1;
  }
  std::vector<ModelKind> out;
  for (std::size_t i = 0; i < order.size(); ++i)
    if (want[i]) out.push_back(order[i]);
  if (out.empty()) throw ParameterError("train: --models lists no model (genre, technique, pattern, mix)");
  return out;
}

data::Section section_of(ModelKind k) {
  switch (k) {
    case ModelKind::Genre: return data::Section::Genre;
    case ModelKind::Technique:
    case ModelKind::TechniqueApp: return data::Section::Technique;
    case ModelKind::Pattern: return data::Section::Pattern;
    case ModelKind::Mix: return data::Section::Mix;
  }
  return data::Section::Genre;
}

// PatternGenerator targets: the source notes looped (LoopShift) to fill the 64 steps; the app plays
// every row, and a repeated loop is heard as the pattern going on, never as stacked duplicates
// (docs/training.md, "Pattern padding").
constexpr train::PatternPadding kPatternPadding = train::PatternPadding::LoopShift;

std::vector<train::PatternNote> notes_of(const float* raw, int n_notes) {
  std::vector<train::PatternNote> notes;
  for (int i = 0; i < n_notes; ++i) {
    const float* r = raw + static_cast<std::ptrdiff_t>(i) * train::kNoteFields;
    notes.push_back({r[0], r[1], r[2], r[3]});
  }
  return notes;
}

// A data-stage table as a trainer data set (raw units both sides).
train::Dataset to_dataset(ModelKind kind, const data::TrainingTable& t) {
  train::Dataset d;
  d.features = t.features;
  d.labels = t.labels;
  d.rel = t.rel;
  if (kind != ModelKind::Pattern) {
    d.targets = t.targets;
    return d;
  }
  d.targets = Matrix(t.size(), static_cast<std::size_t>(train::target_size(kind)));
  d.pattern_beats = t.pattern_beats;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto row = train::pattern_target(notes_of(&t.targets(i, 0), t.pattern_notes[i]), t.pattern_beats[i],
                                     kPatternPadding);
    std::copy(row.begin(), row.end(), d.targets.row(i).begin());
  }
  return d;
}

// The Groove MIDI Dataset as PatternGenerator data: genre from the style (midi/groove.h), no
// techniques (drum performances carry none of the app's labels), tempo from info.csv, bars = the
// length of the note window (the pattern the targets describe), complexity estimated.
train::Dataset groove_dataset(const fs::path& root, std::vector<data::SkippedFile>& skipped) {
  const auto entries = midi::read_groove_info(root / "info.csv");
  train::Dataset d;
  d.features = Matrix(0, static_cast<std::size_t>(train::input_size(ModelKind::Pattern)));
  d.targets = Matrix(0, static_cast<std::size_t>(train::target_size(ModelKind::Pattern)));
  for (const auto& e : entries) {
    const std::string rel = e.midi_filename.generic_string();
    auto genre = midi::find_groove_genre(e.style);
    if (!genre) {
      skipped.push_back({rel, fmt::format("style '{}' maps to no app genre", e.style)});
      continue;
    }
    midi::PatternTarget target;
    midi::PatternStats stats;
    try {
      auto m = midi::read_midi(root / e.midi_filename);
      target = midi::prepare_pattern(m);
      stats = midi::estimate_pattern_stats(m);
    } catch (const std::exception& ex) {
      skipped.push_back({rel, ex.what()});
      continue;
    }
    if (target.n_notes == 0) {
      skipped.push_back({rel, "the MIDI file has no notes"});
      continue;
    }
    std::vector<float> x(d.features.cols, 0.0f);
    x[static_cast<std::size_t>(*genre)] = 1.0f;
    x[28] = static_cast<float>(e.bpm);
    x[29] = static_cast<float>(std::max(1.0, std::round(target.window_beats / target.beats_per_bar)));
    x[30] = static_cast<float>(stats.complexity);
    auto y = train::pattern_target(notes_of(target.raw.data(), target.n_notes),
                                   static_cast<float>(target.window_beats), kPatternPadding);
    d.features.data.insert(d.features.data.end(), x.begin(), x.end());
    d.targets.data.insert(d.targets.data.end(), y.begin(), y.end());
    ++d.features.rows, ++d.targets.rows;
    d.pattern_beats.push_back(static_cast<float>(target.window_beats));
    d.rel.push_back(rel);
  }
  return d;
}

struct Job {
  ModelKind kind;
  train::Dataset data;
  std::string source;  // where the rows came from, for messages
  std::vector<data::SkippedFile> skipped;
};

json skipped_json(const std::vector<data::SkippedFile>& s) {
  json a = json::array();
  for (const auto& f : s) a.push_back({{"file", f.rel}, {"reason", f.reason}});
  return a;
}

// Reads every requested model's data and checks it, so bad data stops the run before any epoch.
std::vector<Job> prepare_jobs(const TrainOptions& opt, const std::vector<ModelKind>& kinds, json& summary) {
  std::vector<Job> jobs;
  const bool want_audio = std::any_of(kinds.begin(), kinds.end(), [](ModelKind k) { return k != ModelKind::Pattern; });
  const bool patterns_from_groove = !opt.groove.empty();
  std::optional<data::DatasetIndex> index;
  if (want_audio || !patterns_from_groove) {
    if (opt.data_dir.empty()) throw ParameterError("train: --data-dir is required (only --models pattern --groove DIR can do without)");
    index = data::scan_dataset(opt.data_dir);
    // A label outside the app's vocabulary in a section we train on is an error: the file would
    // silently drop out (or, for techniques, lose a label). Other scan problems are warnings.
    std::vector<std::string> bad_labels;
    for (const auto& p : index->problems) {
      summary["data_problems"].push_back(p.format());
      const std::string rel = p.file.lexically_relative(index->root).generic_string();
      const bool trained = std::any_of(kinds.begin(), kinds.end(), [&](ModelKind k) {
        return !(k == ModelKind::Pattern && patterns_from_groove) &&
               rel.rfind(std::string(data::section_dir(section_of(k))) + "/", 0) == 0;
      });
      if (p.kind == data::ProblemKind::UnknownLabel && trained) bad_labels.push_back(p.format());
      else std::cerr << "echoelml: warning: " << p.format() << '\n';
    }
    if (!bad_labels.empty()) {
      std::string all;
      for (const auto& b : bad_labels) all += "\n  " + b;
      throw ParameterError(fmt::format("train: {} label(s) outside the app's vocabulary; fix or remove them before "
                                       "training:{}", bad_labels.size(), all));
    }
  }
  if (want_audio) {
    // Only the sections the requested models read are extracted; stored features are reused.
    data::DatasetIndex needed;
    needed.root = index->root;
    for (const auto& e : index->entries)
      for (ModelKind k : kinds)
        if (k != ModelKind::Pattern && section_of(k) == e.section) {
          needed.entries.push_back(e);
          break;
        }
    data::ExtractParams params;
    params.threads = opt.extract_threads;
    params.quiet = opt.quiet;
    auto s = data::extract_features(needed, opt.store, params);
    if (!opt.quiet) std::cerr << data::format_summary(s);
    summary["extract"] = {{"files", s.files}, {"computed", s.computed}, {"reused", s.reused}, {"failed", s.failed}};
  }
  std::unique_ptr<data::FeatureStore> store;
  if (want_audio) store = std::make_unique<data::FeatureStore>(opt.store, data::FeatureStore::Mode::ReadOnly);
  for (ModelKind k : kinds) {
    Job job{k, {}, {}, {}};
    if (k == ModelKind::Pattern && patterns_from_groove) {
      job.source = (fs::path(opt.groove) / "info.csv").string();
      job.data = groove_dataset(opt.groove, job.skipped);
    } else {
      job.source = (fs::path(opt.data_dir) / std::string(data::section_dir(section_of(k)))).string() + "/";
      data::TrainingTable t;
      switch (k) {
        case ModelKind::Genre: t = data::load_genre_table(*index, *store); break;
        case ModelKind::Technique: t = data::load_technique_table(*index, *store, false); break;
        case ModelKind::TechniqueApp: t = data::load_technique_table(*index, *store, true); break;
        case ModelKind::Pattern: t = data::load_pattern_table(*index); break;
        case ModelKind::Mix: t = data::load_mix_table(*index, *store); break;
      }
      job.skipped = t.skipped;
      if (t.size() > 0) job.data = to_dataset(k, t);
      else job.data.features = Matrix(0, static_cast<std::size_t>(train::input_size(k)));
    }
    for (const auto& s : job.skipped)
      std::cerr << fmt::format("echoelml: warning: {}: skipped {}: {}\n", train::model_name(k), s.rel, s.reason);
    try {
      train::validate_dataset(k, job.data);
    } catch (const ParameterError& e) {
      std::string why = job.data.size() == 0 ? fmt::format(" (no usable file in {}; {} skipped)", job.source,
                                                           job.skipped.size())
                                             : fmt::format(" (data from {})", job.source);
      throw ParameterError(std::string(e.what()) + why +
                           (opt.models.empty() ? "; use --models to train only some models" : ""));
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

// The headline rows (first summary row: model vs baseline) of a report, for training.json.
json headline(const json& report) {
  json out = json::array();
  if (report.contains("summary"))
    for (const auto& row : report.at("summary")) out.push_back(row);
  return out;
}

// A run killed while writing leaves its hidden temporary file (core/atomic_file.h names them
// ".<file>.tmp.<pid>.<n>"); remove those of processes that no longer exist.
void remove_stale_temp_files(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const auto at = name.find(".tmp.");
    if (name.empty() || name[0] != '.' || at == std::string::npos || !e.is_regular_file()) continue;
    const long pid = std::strtol(name.c_str() + at + 5, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ec;
      fs::remove(e.path(), ec);
    }
  }
}

void run_train(TrainOptions opt) {
  const auto kinds = parse_models(opt.models);
  if (opt.output_dir.empty()) throw ParameterError("train: --output-dir is required");
  fs::create_directories(opt.output_dir);
  remove_stale_temp_files(opt.output_dir);
  if (opt.store.empty()) opt.store = (fs::path(opt.output_dir) / "features.db").string();
  const fs::path summary_path = fs::path(opt.output_dir) / "training.json";

  json summary = {{"data_dir", opt.data_dir},   {"output_dir", opt.output_dir}, {"store", opt.store},
                  {"seed", opt.seed},           {"threads", opt.threads},       {"batch_size", opt.batch_size},
                  {"epochs", opt.epochs},       {"patience", opt.patience},     {"lstm_units", opt.lstm_units},
                  {"resume", opt.resume},       {"pattern_padding", "loop-shift"},
                  {"data_problems", json::array()}, {"models", json::array()}, {"complete", false}};
  if (!opt.groove.empty()) summary["groove_dir"] = opt.groove;
  auto jobs = prepare_jobs(opt, kinds, summary);

  train::TrainConfig cfg;
  cfg.epochs = opt.epochs;
  cfg.batch_size = opt.batch_size;
  cfg.seed = opt.seed;
  cfg.threads = opt.threads;
  cfg.patience = opt.patience;
  cfg.lstm_units = opt.lstm_units;
  cfg.resume = opt.resume;
  cfg.quiet = opt.quiet;
  for (const auto& job : jobs) {
    const std::string name(train::model_name(job.kind));
    if (!opt.quiet)
      std::cerr << fmt::format("== {}: {} examples from {} ({} skipped), {} epochs at most\n", name, job.data.size(),
                               job.source, job.skipped.size(),
                               opt.epochs > 0 ? opt.epochs : train::default_epochs(job.kind));
    auto res = train::train_model(job.kind, job.data, cfg, opt.output_dir);
    std::cout << fmt::format("\n{} (best epoch {} of {}{})\n", name, res.best_epoch, res.history.size(),
                             res.stopped_early ? ", stopped early" : "")
              << train::format_report(res.metrics) << std::flush;
    json files = json::array();
    for (const char* ext : {".pt", ".espec", ".metrics.json", ".norm.json", ".validation.json"})
      files.push_back(name + ext);
    summary["models"].push_back({{"model", name},
                                 {"kind", std::string(train::kind_key(job.kind))},
                                 {"source", job.source},
                                 {"examples", job.data.size()},
                                 {"epochs_run", res.history.size()},
                                 {"best_epoch", res.best_epoch},
                                 {"stopped_early", res.stopped_early},
                                 {"files", files},
                                 {"summary", headline(res.metrics)},
                                 {"skipped", skipped_json(job.skipped)}});
    // Rewritten after every model, so an interrupted run still says what it finished.
    write_file_atomic(summary_path, summary.dump(2));
  }
  // The typical mix values per genre that `echoelml analyze` compares songs with (trained with the
  // genre or mix model). A data folder without genre songs has none; that is not a training failure.
  const bool wants_profiles = std::any_of(kinds.begin(), kinds.end(), [](ModelKind k) {
    return k == ModelKind::Genre || k == ModelKind::Mix;
  });
  if (wants_profiles && !opt.data_dir.empty() && fs::is_directory(fs::path(opt.data_dir) / "genres")) {
    try {
      auto rep = analysis::write_genre_mix_profiles(opt.data_dir, opt.store, opt.output_dir);
      summary["genre_mix_profiles"] = {{"file", std::string(analysis::kMixProfileFile)},
                                       {"genres", rep.profiles.genres.size()},
                                       {"failures", rep.failures}};
      if (!opt.quiet)
        std::cerr << fmt::format("train: typical mix values of {} genre(s) written to {}\n",
                                 rep.profiles.genres.size(),
                                 (fs::path(opt.output_dir) / analysis::kMixProfileFile).string());
    } catch (const std::exception& e) {
      summary["genre_mix_profiles"] = {{"error", e.what()}};
      std::cerr << fmt::format("train: warning: no genre mix profiles: {}\n", e.what());
    }
  }
  summary["complete"] = true;
  write_file_atomic(summary_path, summary.dump(2));
  if (!opt.quiet) std::cerr << fmt::format("train: {} model(s) written to {}\n", jobs.size(), opt.output_dir);
}
#endif

}  // namespace

void add_train(CLI::App& app) {
  auto opt = std::make_shared<TrainOptions>();
  auto* sub = app.add_subcommand("train", "train the app's models from a data folder (docs/training.md)");
  sub->add_option("--data-dir", opt->data_dir, "data folder (docs/data.md layout)")->check(CLI::ExistingDirectory);
  sub->add_option("--output-dir", opt->output_dir, "where the models, reports and training.json go")->required();
  sub->add_option("--models", opt->models, "comma list of genre, technique (both variants), technique-app, "
                                            "pattern, mix (default: all)");
  sub->add_option("--epochs", opt->epochs, "epochs per model (0 = the guide's 100/80/150/100)")->capture_default_str();
  sub->add_option("--batch-size", opt->batch_size, "minibatch size")->capture_default_str();
  sub->add_option("--seed", opt->seed, "seed of weights, dropout, split and shuffling")->capture_default_str();
  sub->add_option("--threads", opt->threads, "libtorch threads (results are reproducible at a fixed count)")
      ->capture_default_str();
  sub->add_option("--extract-threads", opt->extract_threads, "feature extraction threads (0 = all cores)");
  sub->add_option("--patience", opt->patience, "early-stopping patience in epochs (0 = never stop early)")
      ->capture_default_str();
  sub->add_option("--store", opt->store, "feature store (default: OUTPUT_DIR/features.db)");
  sub->add_option("--groove", opt->groove, "train the PatternGenerator on a Groove MIDI Dataset folder (info.csv) "
                                           "instead of DATA/patterns")->check(CLI::ExistingDirectory);
  sub->add_option("--lstm-units", opt->lstm_units, "PatternGenerator LSTM width; the guide's 512 is the default, "
                                                   "smaller values are for tests")->capture_default_str();
  sub->add_flag("--resume", opt->resume, "continue from the checkpoints in OUTPUT_DIR");
  sub->add_flag("--quiet", opt->quiet, "no progress lines");
#if ECHOELML_HAVE_TORCH
  sub->callback([opt] { run_train(*opt); });
#else
  sub->callback([] { throw ParameterError("train: this echoelml was built without libtorch (ECHOELML_WITH_TORCH=OFF)"); });
#endif
}

}  // namespace echoelml::cli
