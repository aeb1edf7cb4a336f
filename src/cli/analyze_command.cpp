// echoelml analyze SONG... [--models DIR] [--json] [--genre G] [--max-seconds S]
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "echoelml/analysis/analyze.h"
#include "echoelml/core/error.h"

namespace echoelml::cli {
namespace {

namespace fs = std::filesystem;

struct AnalyzeOptions {
  std::vector<std::string> songs;
  std::string models = "models";
  std::string profiles;  // default MODELS/genre_mix_profiles.json
  std::string genre;
  double max_seconds = 600.0;
  bool json = false;
};

void run_analyze(const AnalyzeOptions& opt) {
  const auto models = analysis::ModelSet::load(opt.models, {.pattern = false});
  if (!models.genre_model() && !models.technique_model() && !models.mix_model())
    throw IoError(opt.models, "no models here: expected <Name>.espec (a training folder) or <Name>.mlmodel (an export "
                              "folder) for GenreClassifier, TechniqueRecognizer, MixAnalyzer");
  for (const auto& m : models.missing()) std::cerr << "echoelml analyze: warning: " << m << '\n';

  analysis::AnalyzeParams p;
  p.max_seconds = opt.max_seconds;
  if (!opt.genre.empty()) p.compare_genre = parse_genre(opt.genre);
  const fs::path prof_path = opt.profiles.empty() ? fs::path(opt.models) / analysis::kMixProfileFile : fs::path(opt.profiles);
  std::optional<analysis::MixProfiles> profiles;
  std::error_code ec;
  if (fs::exists(prof_path, ec)) {
    try {
      profiles = analysis::read_mix_profiles(prof_path);
    } catch (const Error& e) {
      std::cerr << "echoelml analyze: warning: ignoring the genre mix profiles: " << e.what() << '\n';
    }
  } else if (!opt.profiles.empty()) {
    throw IoError(prof_path, "genre mix profiles not found");
  }

  nlohmann::json out{{"models", opt.models}, {"missing_models", models.missing()},
                     {"profiles", profiles ? nlohmann::json(prof_path.string()) : nlohmann::json(nullptr)},
                     {"songs", nlohmann::json::array()}};
  bool first = true;
  for (const auto& song : opt.songs) {
    try {
      const auto a = analysis::analyze_song(song, models, profiles ? &*profiles : nullptr, p);
      if (opt.json) {
        out["songs"].push_back(analysis::to_json(a));
      } else {
        std::cout << (first ? "" : "\n") << analysis::format_text(a);
        first = false;
      }
    } catch (const Error& e) {
      std::cerr << "echoelml analyze: " << e.what() << '\n';
      if (opt.json) out["songs"].push_back({{"file", song}, {"error", e.what()}});
      set_exit_code(1);
    }
  }
  if (opt.json) std::cout << out.dump(2) << '\n';
}

}  // namespace

void add_analyze(CLI::App& app) {
  auto opt = std::make_shared<AnalyzeOptions>();
  auto* sub = app.add_subcommand("analyze", "genre, techniques and a mix report with suggestions for songs");
  sub->add_option("songs", opt->songs, "audio files (wav, flac, ogg, mp3 ...)")->required();
  sub->add_option("--models", opt->models, "training folder (*.espec) or export folder (*.mlmodel)")->capture_default_str();
  sub->add_flag("--json", opt->json, "print JSON instead of text");
  sub->add_option("--genre", opt->genre, "compare the mix with this genre's typical mixes instead of the predicted one");
  sub->add_option("--profiles", opt->profiles, "genre mix profiles (default MODELS/genre_mix_profiles.json)");
  sub->add_option("--max-seconds", opt->max_seconds, "analyse at most this much of each song (techniques, mix)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->callback([opt] { run_analyze(*opt); });
}

}  // namespace echoelml::cli
