// The trainer's checkpoint: everything needed to resume bit-exactly or to predict (private;
// torch). Written atomically after every epoch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "echoelml/train/trainer.h"
#include "train/models.h"

namespace echoelml::train::detail {

// Everything a checkpoint holds besides the module and optimizer archives.
struct State {
  ModelKind kind = ModelKind::Genre;
  int n_in = 0;
  int lstm_units = 512;
  std::vector<float> in_mean, in_std, out_scale, out_bias;
  std::uint64_t fingerprint = 0;
  int epoch = 0;  // epochs completed
  double best_loss = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  int wait = 0;
  bool stopped = false;
  std::vector<EpochStats> history;
  std::string shuffle_rng;
  torch::Tensor torch_rng;
  std::vector<torch::Tensor> best;  // parameters() order
};

torch::Tensor vec_to_tensor(const std::vector<float>& v);
std::vector<float> tensor_to_vec(const torch::Tensor& t);
torch::Tensor matrix_to_tensor(const Matrix& m);
Matrix tensor_to_matrix(const torch::Tensor& t);

/// Writes state, current weights, best weights and optimizer state (write_file_atomic).
void save_checkpoint(const std::filesystem::path& path, const State& s, Net& net, torch::optim::Adam& opt);
/// Reads the state and best weights; `net`/`opt`, when given, get the current weights and the
/// optimizer state (the net must match kind/n_in/lstm_units). IoError if missing, FormatError if
/// unreadable.
State load_state(const std::filesystem::path& path, Net* net, torch::optim::Adam* opt);

}  // namespace echoelml::train::detail
