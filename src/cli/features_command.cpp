// echoelml features FILE... [--set genre|technique|technique-app|mix|all] [--format json|csv]
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "echoelml/core/error.h"
#include "echoelml/core/parallel.h"
#include "echoelml/core/progress.h"
#include "echoelml/features/serialize.h"
#include "echoelml/features/sets.h"

namespace echoelml::cli {
namespace {

struct FeaturesOptions {
  std::vector<std::string> files;
  std::string set = "all";
  std::string format = "json";
  unsigned threads = 0;
  bool quiet = false;
};

unsigned parse_set(const std::string& s) {
  if (s == "genre") return features::kGenreSet;
  if (s == "technique") return features::kTechniqueSet;
  if (s == "technique-app") return features::kAppTechniqueSet;
  if (s == "mix") return features::kMixSet;
  if (s == "all") return features::kAllSets;
  throw ParameterError("--set '" + s + "' is not one of genre|technique|technique-app|mix|all");
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double v) { return std::isnan(v) ? "" : fmt::format("{:.9g}", v); }

struct Outcome {
  std::optional<features::FileFeatures> features;
  std::string error;
};

void run_features(const FeaturesOptions& opt) {
  const unsigned sets = parse_set(opt.set);
  if (opt.format != "json" && opt.format != "csv")
    throw ParameterError("--format '" + opt.format + "' is not one of json|csv");
  std::vector<Outcome> results(opt.files.size());
  Progress progress("features", opt.files.size(), opt.quiet || opt.files.size() < 2);
  std::mutex err_mutex;
  parallel_for(opt.files.size(), opt.threads, [&](std::size_t i) {
    try {
      results[i].features = features::compute_file_features(opt.files[i], sets);
      progress.advance();
    } catch (const std::exception& e) {
      results[i].error = e.what();
      {
        std::lock_guard lock(err_mutex);
        std::cerr << "\nechoelml: " << e.what() << '\n';
      }
      progress.advance(1, true);
    }
  });
  progress.finish();

  std::size_t failed = 0;
  if (opt.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < results.size(); ++i) {
      nlohmann::json j{{"file", opt.files[i]}};
      if (results[i].features) {
        j.update(features::to_json(*results[i].features));
      } else {
        j["error"] = results[i].error;
        ++failed;
      }
      out.push_back(std::move(j));
    }
    std::cout << out.dump(2) << '\n';
  } else {
    features::FileFeatures empty;
    auto header = features::flatten(empty, sets);
    std::cout << "file,error";
    for (const auto& [name, v] : header) std::cout << ',' << name;
    std::cout << '\n';
    for (std::size_t i = 0; i < results.size(); ++i) {
      std::cout << csv_escape(opt.files[i]) << ',' << csv_escape(results[i].error);
      const auto cols = features::flatten(results[i].features ? *results[i].features : empty, sets);
      for (const auto& [name, v] : cols) std::cout << ',' << (results[i].features ? csv_number(v) : "");
      std::cout << '\n';
      if (!results[i].features) ++failed;
    }
  }
  if (failed > 0) {
    std::cerr << fmt::format("echoelml: {} of {} files failed\n", failed, results.size());
    set_exit_code(1);
  }
}

}  // namespace

void add_features(CLI::App& app) {
  auto opt = std::make_shared<FeaturesOptions>();
  auto* sub = app.add_subcommand("features", "print the guide's audio features of audio files");
  sub->add_option("files", opt->files, "audio files (WAV, FLAC, OGG, Opus, MP3)")->required();
  sub->add_option("--set", opt->set, "genre|technique|technique-app|mix|all")
      ->capture_default_str();
  sub->add_option("--format", opt->format, "json|csv")->capture_default_str();
  sub->add_option("--threads", opt->threads, "worker threads (0 = all cores)");
  sub->add_flag("--quiet", opt->quiet, "no progress bar");
  sub->callback([opt] { run_features(*opt); });
}

}  // namespace echoelml::cli
