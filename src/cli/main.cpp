// echoelml: the command-line program. Each subcommand lives in its own file (commands.h).
#include "cli/commands.h"

int main(int argc, char** argv) { return echoelml::cli::run(argc, argv, echoelml::cli::register_all); }
