// Helpers shared by the io tests: statistics librosa's golden scalars are defined by.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

namespace echoelml::test {

/// np.max(y) - np.min(y) on a float32 array: the subtraction happens in float32.
inline float dynamic_range(std::span<const float> y) {
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  return *hi - *lo;
}

/// Pearson correlation in double (np.corrcoef of two float32 rows).
inline double corrcoef(std::span<const float> a, std::span<const float> b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= n, mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db, saa += da * da, sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace echoelml::test
