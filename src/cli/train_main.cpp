// echoelml-train: the only program that links libtorch. `echoelml train ...` hands over to it
// (train_launcher.cpp), so that every other command starts without libtorch's ~0.4 s of load time.
#include <malloc.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Keep libtorch's large per-step buffers (2 MB gradients of the MixAnalyzer's input layer) in the
  // heap instead of mapping and faulting them in again on every step: 1.6x faster Mix training
  // steps (docs/training.md). A program-wide allocator setting, so it lives here, not in the library.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return echoelml::cli::run(argc, argv, [](CLI::App& app) { echoelml::cli::add_train(app); });
}
