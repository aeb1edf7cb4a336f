// Per-row means of a float32 matrix, summed in column (frame) order in float64: the order the
// genre set's chroma means document, so tests can compare them bit for bit. Header-only.
#pragma once

#include <vector>

#include "echoelml/core/matrix.h"

namespace echoelml::test {

inline std::vector<double> row_means(const Matrix& c) {
  std::vector<double> out(c.rows, 0.0);
  for (std::size_t r = 0; r < c.rows; ++r) {
    for (std::size_t t = 0; t < c.cols; ++t) out[r] += static_cast<double>(c(r, t));
    out[r] /= static_cast<double>(c.cols);
  }
  return out;
}

}  // namespace echoelml::test
