// echoelml: the command-line program. Each subcommand lives in its own file (commands.h).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "echoelml/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"echoelml: train and export the Echoelmusic Core ML models"};
  app.set_version_flag("--version", "echoelml 0.1.0");
  app.require_subcommand(1);
  echoelml::cli::register_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const echoelml::ParameterError& e) {
    std::cerr << "echoelml: " << e.what() << '\n';
    return 2;
  } catch (const echoelml::Error& e) {
    std::cerr << "echoelml: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "echoelml: unexpected error: " << e.what() << '\n';
    return 1;
  }
  return echoelml::cli::exit_code();
}
