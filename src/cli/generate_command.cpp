// echoelml generate --genre G --technique T --tempo BPM --bars N --complexity C [--seed S]
//                   -o pattern.mid [--audio pattern.wav] [--models DIR]
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "echoelml/analysis/generate.h"
#include "echoelml/core/error.h"
#include "echoelml/io/audio.h"

namespace echoelml::cli {
namespace {

struct GenerateOptions {
  std::string models = "models";
  std::string genre;
  std::vector<std::string> techniques;  // repeated and/or comma-separated
  double tempo = 120;
  int bars = 4;
  double complexity = 0.5;
  std::optional<std::uint64_t> seed;
  double variation = 0.15;
  int channel = 1;  // 1-based on the command line, as MIDI tools count
  bool drums = false;
  int program = 0;
  std::string out;
  std::string audio;
};

std::vector<ProductionTechnique> parse_techniques(const std::vector<std::string>& items) {
  std::vector<ProductionTechnique> out;
  for (const auto& item : items) {
    std::size_t pos = 0;
    while (pos <= item.size()) {
      const auto comma = item.find(',', pos);
      std::string name = item.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      if (!name.empty()) {
        const auto t = parse_technique(name);
        if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return out;
}

void run_generate(const GenerateOptions& opt) {
  analysis::GenerateParams p;
  p.inputs.genre = parse_genre(opt.genre);
  p.inputs.techniques = parse_techniques(opt.techniques);
  p.inputs.tempo_bpm = opt.tempo;
  p.inputs.bars = opt.bars;
  p.inputs.complexity = opt.complexity;
  p.seed = opt.seed;
  p.variation = opt.variation;
  if (opt.channel < 1 || opt.channel > 16) throw ParameterError("--channel must be 1..16, got " + std::to_string(opt.channel));
  p.channel = opt.drums ? 9 : opt.channel - 1;
  p.program = opt.program;
  const auto models = analysis::ModelSet::load(opt.models, {.genre = false, .technique = false, .mix = false});
  const auto g = analysis::generate_pattern(models, p);
  const auto midi_file = analysis::pattern_midi(g, opt.tempo);
  midi::write_midi(opt.out, midi_file);
  std::cerr << fmt::format("echoelml generate: {} notes over {} bars at {} BPM -> {}", g.notes.size(), opt.bars,
                           opt.tempo, opt.out);
  if (g.dropped) std::cerr << fmt::format(" ({} repeated model rows merged)", g.dropped);
  if (g.folded) std::cerr << fmt::format(" ({} starts past the end folded into the loop)", g.folded);
  if (opt.seed) std::cerr << fmt::format(" [seed {}: complexity sent {:.3f}]", *opt.seed, g.complexity_sent);
  std::cerr << '\n';
  if (!opt.audio.empty()) {
    io::write_wav(opt.audio, analysis::render_pattern(g, opt.tempo));
    std::cerr << "echoelml generate: rendered -> " << opt.audio << '\n';
  }
}

}  // namespace

void add_generate(CLI::App& app) {
  auto opt = std::make_shared<GenerateOptions>();
  auto* sub = app.add_subcommand("generate", "a MIDI pattern from the PatternGenerator (optionally rendered)");
  sub->add_option("--genre", opt->genre, "genre: raw value (\"Hip-Hop/Trap\") or case name (hiphop)")->required();
  sub->add_option("--technique", opt->techniques,
                  "technique(s): raw value or case name; repeat or separate with commas (the app sends one)");
  sub->add_option("--tempo", opt->tempo, "tempo in BPM")->capture_default_str();
  sub->add_option("--bars", opt->bars, "length in bars (4/4), 1-64")->capture_default_str();
  sub->add_option("--complexity", opt->complexity, "complexity 0-1")->capture_default_str();
  sub->add_option("--seed", opt->seed, "variation seed: moves the complexity sent by up to --variation and "
                                       "jitters velocities by up to 8; same seed, same file");
  sub->add_option("--variation", opt->variation, "complexity offset range for --seed (0-1)")->capture_default_str();
  sub->add_option("--channel", opt->channel, "MIDI channel 1-16")->capture_default_str();
  sub->add_flag("--drums", opt->drums, "put the notes on channel 10 (GM drums)");
  sub->add_option("--program", opt->program, "GM program 0-127")->capture_default_str();
  sub->add_option("--models", opt->models, "folder with PatternGenerator.espec or PatternGenerator.mlmodel")
      ->capture_default_str();
  sub->add_option("-o,--out", opt->out, "Standard MIDI File to write")->required();
  sub->add_option("--audio", opt->audio, "also render to this WAV with FluidSynth (GM SoundFont)");
  sub->callback([opt] { run_generate(*opt); });
}

}  // namespace echoelml::cli
