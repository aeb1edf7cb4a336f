#include "train/prep.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include <fmt/format.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"

namespace echoelml::train::detail {

Split split_rows(std::span<const int> strata, double val_split, std::uint64_t seed) {
  if (!(val_split >= 0.0 && val_split < 1.0))
    throw ParameterError(fmt::format("train: val_split must be in [0, 1), got {}", val_split));
  std::map<int, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < strata.size(); ++i) groups[strata[i]].push_back(i);
  std::mt19937_64 rng(seed ^ 0x5eed5011e5ull);
  Split s;
  std::vector<std::size_t>* largest = nullptr;
  std::size_t largest_left = 0;
  for (auto& [stratum, rows] : groups) {
    shuffle_indices(rows, rng);
    auto n_val = static_cast<std::size_t>(std::llround(val_split * static_cast<double>(rows.size())));
    n_val = std::min(n_val, rows.size() > 1 ? rows.size() - 1 : std::size_t{0});
    s.val.insert(s.val.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_val));
    s.train.insert(s.train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_val), rows.end());
    if (rows.size() - n_val > largest_left) {
      largest_left = rows.size() - n_val;
      largest = &rows;
    }
  }
  // Tiny strata round to zero held-out rows; keep early stopping meaningful with one row.
  if (val_split > 0 && s.val.empty() && largest_left >= 2) {
    std::size_t moved = largest->front();
    s.val.push_back(moved);
    s.train.erase(std::find(s.train.begin(), s.train.end(), moved));
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.val.begin(), s.val.end());
  return s;
}

std::vector<int> strata_of(ModelKind kind, const Dataset& d) {
  if (!d.strata.empty()) return d.strata;
  const std::size_t n = d.size();
  std::vector<int> s(n, 0);
  switch (kind) {
    case ModelKind::Genre: return d.labels;
    case ModelKind::Technique:
    case ModelKind::TechniqueApp: {
      // Multi-label rows are stratified by their rarest positive label, so rare techniques
      // appear on both sides of the split whenever they occur twice or more.
      std::vector<std::size_t> count(d.targets.cols, 0);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < d.targets.cols; ++c) count[c] += d.targets(i, c) > 0.5f;
      for (std::size_t i = 0; i < n; ++i) {
        int best = -1;
        for (std::size_t c = 0; c < d.targets.cols; ++c)
          if (d.targets(i, c) > 0.5f && (best < 0 || count[c] < count[static_cast<std::size_t>(best)]))
            best = static_cast<int>(c);
        s[i] = best;
      }
      return s;
    }
    case ModelKind::Pattern:
      for (std::size_t i = 0; i < n; ++i) {
        auto row = d.features.row(i);
        s[i] = static_cast<int>(std::max_element(row.begin(), row.begin() + kNumGenres) - row.begin());
      }
      return s;
    case ModelKind::Mix: return s;
  }
  return s;
}

Standardizer fit_standardizer(const Matrix& x, std::span<const std::size_t> rows, float floor) {
  Standardizer st;
  st.mean.assign(x.cols, 0.0f);
  st.std.assign(x.cols, 1.0f);
  if (rows.empty()) return st;
  for (std::size_t c = 0; c < x.cols; ++c) {
    double sum = 0;
    for (std::size_t r : rows) sum += x(r, c);
    double mean = sum / static_cast<double>(rows.size());
    double ss = 0;
    for (std::size_t r : rows) ss += (x(r, c) - mean) * (x(r, c) - mean);
    double sd = std::sqrt(ss / static_cast<double>(rows.size()));  // population std, as sklearn
    st.mean[c] = static_cast<float>(mean);
    st.std[c] = sd < floor ? 1.0f : static_cast<float>(sd);
  }
  return st;
}

std::uint64_t fnv1a(const void* bytes, std::size_t size, std::uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (std::size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t fingerprint(ModelKind kind, const Dataset& d) {
  auto k = static_cast<int>(kind);
  std::uint64_t h = fnv1a(&k, sizeof k);
  auto add = [&h](const auto& v) { h = fnv1a(v.data(), v.size() * sizeof(v[0]), h); };
  add(d.features.data);
  add(d.labels);
  add(d.targets.data);
  add(d.pattern_beats);
  add(d.strata);
  return h;
}

}  // namespace echoelml::train::detail
