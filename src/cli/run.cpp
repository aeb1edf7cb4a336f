// The shared main() body of `echoelml` and `echoelml-train`: parse, run, map errors to exit codes.
#include <iostream>

#include "cli/commands.h"
#include "echoelml/core/error.h"

namespace echoelml::cli {
namespace {
int g_exit_code = 0;  // the only process-wide state: the status main() returns
}

int exit_code() { return g_exit_code; }
void set_exit_code(int code) { g_exit_code = code; }

int run(int argc, char** argv, void (*register_commands)(CLI::App&)) {
  CLI::App app{"echoelml: train and export the Echoelmusic Core ML models"};
  app.set_version_flag("--version", "echoelml 0.1.0");
  app.require_subcommand(1);
  register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every other command-line error is status 2 (README).
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const ParameterError& e) {
    std::cerr << "echoelml: " << e.what() << '\n';
    return 2;
  } catch (const Error& e) {
    std::cerr << "echoelml: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "echoelml: unexpected error: " << e.what() << '\n';
    return 1;
  }
  return exit_code();
}

}  // namespace echoelml::cli
