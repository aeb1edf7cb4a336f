// `echoelml train`: replaces this process with echoelml-train (installed beside echoelml), which
// parses the options itself. Keeping libtorch out of `echoelml` saves every other command its
// start-up cost (docs/benchmarks.md); exec keeps the process id, so signals reach the trainer.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "echoelml/core/error.h"

namespace echoelml::cli {
namespace {

namespace fs = std::filesystem;

fs::path trainer_path() {
  if (const char* env = std::getenv("ECHOELML_TRAIN_BIN"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw IoError("/proc/self/exe", "cannot locate the echoelml program: " + ec.message());
  return self.parent_path() / "echoelml-train";
}

[[noreturn]] void exec_trainer(const std::vector<std::string>& args) {
  const fs::path bin = trainer_path();
  if (!fs::exists(bin))
    throw IoError(bin, "the trainer program is missing (echoelml was built without libtorch, or "
                       "echoelml-train was not installed beside echoelml)");
  // argv[0] "echoelml": help and messages name the command the user typed.
  std::vector<std::string> storage{"echoelml", "train"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  throw IoError(bin, std::string("cannot start the trainer: ") + std::strerror(errno));
}

}  // namespace

void add_train_launcher(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "train the app's models from a data folder (docs/training.md; "
                                          "`echoelml train --help` lists the options)");
  // Everything after `train`, --help included, belongs to echoelml-train.
  sub->prefix_command();
  sub->set_help_flag();
  sub->allow_extras();
  sub->callback([sub] { exec_trainer(sub->remaining()); });
}

}  // namespace echoelml::cli
