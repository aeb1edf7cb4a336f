// echoelml-train: the only program that links libtorch. `echoelml train ...` hands over to it
// (train_launcher.cpp), so that every other command starts without libtorch's ~0.4 s of load time.
#include "cli/commands.h"

int main(int argc, char** argv) {
  return echoelml::cli::run(argc, argv, [](CLI::App& app) { echoelml::cli::add_train(app); });
}
