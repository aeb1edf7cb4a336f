#include <iostream>

#include "cli/commands.h"

namespace echoelml::cli {

void add_features(CLI::App& app) {
  auto* sub = app.add_subcommand("features", "print the guide's audio features of audio files");
  sub->callback([] { std::cerr << "features: not built yet\n"; set_exit_code(1); });
}

}  // namespace echoelml::cli
