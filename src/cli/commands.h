// Registration of the subcommands; each add_* lives in its own <name>_command.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace echoelml::cli {

void register_all(CLI::App& app);
/// Exit status set by the subcommand that ran (0 = all good, 1 = some inputs failed).
int exit_code();
void set_exit_code(int code);

void add_features(CLI::App& app);
void add_dataset(CLI::App& app);  // dataset_command.cpp (data stage)
void add_extract(CLI::App& app);  // dataset_command.cpp (data stage)
void add_synth(CLI::App& app);    // synth_command.cpp

}  // namespace echoelml::cli
