// echoelml synth --out DATA --per-genre N --seed S [--short] [--seconds X] [--threads T]
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "echoelml/synth/synth.h"

namespace echoelml::cli {

void add_synth(CLI::App& app) {
  auto opt = std::make_shared<synth::SynthParams>();
  auto out = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "synth", "render a labelled synthetic data folder for all four models (docs/synth.md)");
  sub->add_option("--out", *out, "data folder to create or complete")->required();
  sub->add_option("--per-genre", opt->per_genre, "items of each kind per genre")->capture_default_str();
  sub->add_option("--seed", opt->seed, "random seed (fixes every item)")->capture_default_str();
  sub->add_option("--seconds", opt->clip_seconds, "length of audio items")->capture_default_str();
  sub->add_flag("--short", opt->short_clips, "5 s clips, for fast tests and examples");
  sub->add_option("--threads", opt->threads, "worker threads (0 = all cores)");
  sub->add_option("--soundfont", opt->soundfont, "General MIDI .sf2 (default: Debian's)");
  sub->add_flag("--quiet", opt->quiet, "no progress bar");
  sub->callback([opt, out] {
    const auto s = synth::generate_dataset(*out, *opt);
    std::cout << fmt::format("synth: {} items ({} written, {} already there, {} failed) in {:.1f} s -> {}\n",
                             s.items, s.written, s.skipped, s.failed, s.seconds, *out);
    for (const auto& e : s.errors) std::cerr << "echoelml: " << e << '\n';
    if (s.failed > 0) set_exit_code(1);
  });
}

}  // namespace echoelml::cli
