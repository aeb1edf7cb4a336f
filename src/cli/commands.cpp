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
  add_train(app);
  add_export(app);
  add_inspect(app);
  add_report(app);
  add_analyze(app);
  add_generate(app);
}

}  // namespace echoelml::cli
