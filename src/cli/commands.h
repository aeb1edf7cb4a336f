// Registration of the subcommands; each add_* lives in its own <name>_command.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace echoelml::cli {

/// The subcommands of `echoelml` (train through add_train_launcher).
void register_all(CLI::App& app);
/// main(): builds the app with register_commands, parses, runs; returns the exit status.
int run(int argc, char** argv, void (*register_commands)(CLI::App&));
/// Exit status set by the subcommand that ran (0 = all good, 1 = some inputs failed).
int exit_code();
void set_exit_code(int code);

void add_features(CLI::App& app);
void add_dataset(CLI::App& app);  // dataset_command.cpp (data stage)
void add_extract(CLI::App& app);  // dataset_command.cpp (data stage)
void add_synth(CLI::App& app);    // synth_command.cpp
void add_train(CLI::App& app);    // train_command.cpp, only in echoelml-train (links libtorch)
void add_train_launcher(CLI::App& app);  // train_launcher.cpp: `echoelml train` execs echoelml-train
void add_export(CLI::App& app);   // export_command.cpp
void add_inspect(CLI::App& app);  // export_command.cpp
void add_report(CLI::App& app);   // report_command.cpp
void add_analyze(CLI::App& app);  // analyze_command.cpp
void add_generate(CLI::App& app); // generate_command.cpp

}  // namespace echoelml::cli
