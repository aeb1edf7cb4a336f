#include "cli/commands.h"

namespace echoelml::cli {
void register_all(CLI::App& app) {
  add_features(app);
  add_dataset(app);
  add_extract(app);
  add_synth(app);
  add_train_launcher(app);
  add_export(app);
  add_inspect(app);
  add_report(app);
  add_analyze(app);
  add_generate(app);
}

}  // namespace echoelml::cli
