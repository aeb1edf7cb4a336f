// Training the four models with libtorch behind a torch-free interface (docs/training.md).
// Thread safety: training sets libtorch's process-wide seed and thread count; run one training
// at a time per process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/core/matrix.h"
#include "echoelml/runtime/model_spec.h"
#include "echoelml/train/dataset.h"

namespace echoelml::train {

/// Rows in <Name>.validation.json at most.
inline constexpr std::size_t kValidationFileRows = 256;

/// The guide's epoch count per model: genre 100, technique 80, pattern 150, mix 100.
int default_epochs(ModelKind kind);

struct TrainConfig {
  int epochs = 0;              // total epochs; 0 = default_epochs(kind)
  int batch_size = 32;         // Keras default
  double lr = 1e-3;            // Adam, beta 0.9/0.999, eps 1e-7 (Keras defaults)
  std::uint64_t seed = 1;      // weights, dropout, split and shuffling
  int threads = 1;             // torch::set_num_threads; fixed threads = reproducible
  double val_split = 0.2;      // fraction held out (stratified); 0 = monitor the train loss
  int patience = 10;           // early stopping on validation loss; 0 = never stop early
  bool resume = false;         // continue from out_dir/<Name>.pt if it exists
  bool quiet = false;          // no progress lines on stderr
  int lstm_units = 512;        // PatternGenerator LSTM width (the guide's 512; smaller for tests only)
  float std_floor = 1e-6f;     // a feature whose train std is below this is only centred
};

struct EpochStats {
  int epoch = 0;                // 1-based
  double train_loss = 0;        // mean over the epoch's batches, dropout active
  double val_loss = 0;          // on the held-out split, dropout off
  double val_metric = 0;        // accuracy (genre), micro F1 (technique), MSE (pattern), MAE (mix)
  double seconds = 0;
};

struct TrainResult {
  ModelKind kind = ModelKind::Genre;
  std::vector<EpochStats> history;  // all epochs, including those of a resumed run
  int best_epoch = 0;               // whose weights were kept
  bool stopped_early = false;
  nlohmann::json metrics;           // the report of the best weights on the validation split
  runtime::ModelSpec spec;          // best weights, raw units in and out
  std::filesystem::path checkpoint; // out_dir/<Name>.pt
};

/// Trains `kind` on `data` and writes, atomically, into out_dir (created if missing):
///   <Name>.pt            checkpoint: current and best weights, optimizer, epoch, RNG states,
///                        normalisation, history (rewritten after every epoch)
///   <Name>.espec         the best weights as a runtime::ModelSpec (runtime::save_model_spec)
///   <Name>.metrics.json  the metrics report plus the per-epoch history
///   <Name>.norm.json     input mean/std, output scales, input names and vocabularies
///   <Name>.validation.json  the first kValidationFileRows validation rows (split order): raw
///                        features, predict() outputs of the best weights, labels (genre) or raw
///                        targets, rel when Dataset::rel is set (docs/training.md)
/// Throws ParameterError (bad data or config, or a resume checkpoint from other data/config),
/// IoError/FormatError (checkpoint unreadable).
TrainResult train_model(ModelKind kind, const Dataset& data, const TrainConfig& config,
                        const std::filesystem::path& out_dir);

/// Loads a checkpoint's best weights and runs them on raw features [n, input_size]. Returns raw
/// outputs [n, k] in ModelSpec output order: Genre 8 probabilities + confidence (9), Technique 20
/// probabilities, Pattern 64*4 notes (MIDI pitch, velocity, start and duration in beats), Mix 10.
Matrix predict(const std::filesystem::path& checkpoint, const Matrix& features, int threads = 1);

/// One model with its optimizer on a fixed random batch, for timing training steps (bench_train):
/// no data set, no files. Uses config.batch_size, lr, seed, threads and lstm_units.
class TrainStepper {
 public:
  TrainStepper(ModelKind kind, const TrainConfig& config);
  ~TrainStepper();
  TrainStepper(const TrainStepper&) = delete;
  TrainStepper& operator=(const TrainStepper&) = delete;
  /// One forward + backward + Adam update; returns the loss.
  double step();
  /// Multiply-adds x 2 of one step's matrix products (forward + both backward products,
  /// i.e. 3x the forward), the usual FLOP convention; element-wise work is not counted.
  double flops_per_step() const;
  /// The same for the two LSTM layers only (Pattern; 0 otherwise).
  double lstm_flops_per_step() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The ModelSpec of a checkpoint's best weights (what train_model returned and wrote).
runtime::ModelSpec spec_from_checkpoint(const std::filesystem::path& checkpoint);

}  // namespace echoelml::train
