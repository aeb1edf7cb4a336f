// Torch-free data preparation shared by the trainer and the tests: the stratified validation
// split, the train-split standardisation, and a fingerprint that ties a checkpoint to its data.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "echoelml/train/dataset.h"

namespace echoelml::train::detail {

struct Split {
  std::vector<std::size_t> train;  // ascending row indices
  std::vector<std::size_t> val;
};

/// The rows of each stratum are shuffled with the seed and round(val_split * count) of them held
/// out; at least one validation row overall when val_split > 0 (and n >= 2).
Split split_rows(std::span<const int> strata, double val_split, std::uint64_t seed);
/// Dataset::strata, or the kind's default (see Dataset::strata).
std::vector<int> strata_of(ModelKind kind, const Dataset& data);

/// Per-column mean and std over `rows` (double accumulation); a std below `floor` becomes 1 so
/// constant columns are only centred and never blown up at inference.
struct Standardizer {
  std::vector<float> mean;
  std::vector<float> std;
};
Standardizer fit_standardizer(const Matrix& x, std::span<const std::size_t> rows, float floor);

/// FNV-1a over bytes, chainable.
std::uint64_t fnv1a(const void* bytes, std::size_t size, std::uint64_t h = 1469598103934665603ull);
std::uint64_t fingerprint(ModelKind kind, const Dataset& data);

/// Deterministic Fisher-Yates with a 64-bit Mersenne twister, the same on every platform.
template <typename Rng>
void shuffle_indices(std::vector<std::size_t>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace echoelml::train::detail
