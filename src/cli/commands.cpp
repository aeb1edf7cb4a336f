#include "cli/commands.h"

namespace echoelml::cli {
namespace {
int g_exit_code = 0;  // the only process-wide state: the status main() returns
}

int exit_code() { return g_exit_code; }
void set_exit_code(int code) { g_exit_code = code; }

void register_all(CLI::App& app) {
  add_features(app);
  add_dataset(app);
  add_extract(app);
  add_synth(app);
}

}  // namespace echoelml::cli
