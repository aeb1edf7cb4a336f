#include "echoelml/dsp/median_filter.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/dsp/lane_median.h"

namespace echoelml::dsp {

std::ptrdiff_t reflect_index(std::ptrdiff_t i, std::ptrdiff_t n) {
  // Half-sample symmetric extension has period 2n: the second half runs backwards.
  const std::ptrdiff_t period = 2 * n;
  std::ptrdiff_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

namespace {

void check_size(int size) {
  if (size < 1 || size % 2 == 0)
    throw ParameterError("median_filter: size must be odd and >= 1, got " + std::to_string(size));
}

}  // namespace

void running_median(std::span<const float> x, int size, std::span<float> out) {
  check_size(size);
  if (out.size() != x.size())
    throw ParameterError("running_median: output size " + std::to_string(out.size()) +
                         " differs from input size " + std::to_string(x.size()));
  const auto n = static_cast<std::ptrdiff_t>(x.size());
  if (n == 0) return;
  const int h = size / 2;
  // Extended signal x[-h .. n + h) laid out once, so the sliding loop never branches on edges.
  std::vector<float> ext(static_cast<std::size_t>(n + 2 * h));
  for (std::ptrdiff_t i = -h; i < n + h; ++i)
    ext[static_cast<std::size_t>(i + h)] =
        (i >= 0 && i < n) ? x[static_cast<std::size_t>(i)] : x[static_cast<std::size_t>(reflect_index(i, n))];
  // Sorted window padded with +inf to a multiple of 8 so the rank counts below are fixed-length
  // loops the compiler vectorises (no data-dependent branches).
  const int padded = (size + 7) / 8 * 8;
  std::vector<float> win(static_cast<std::size_t>(padded) + 1, std::numeric_limits<float>::infinity());
  std::copy(ext.begin(), ext.begin() + size, win.begin());
  std::sort(win.begin(), win.begin() + size);
  float* w = win.data();
  const float* e = ext.data();
  for (std::ptrdiff_t i = 0;; ++i) {
    out[static_cast<std::size_t>(i)] = w[h];
    if (i + 1 == n) break;
    // Slide: drop e[i] (window start) and take e[i + size]. p = rank of the leaving value
    // (its first copy), q = rank of the entering one among the others.
    const float xo = e[i];
    const float xi = e[i + size];
    int p = 0, q = 0;
    for (int k = 0; k < padded; ++k) {
      p += w[k] < xo ? 1 : 0;
      q += w[k] < xi ? 1 : 0;
    }
    if (q > p) {  // xo < xi: values between them move down one place
      q -= 1;     // xo itself was counted below xi
      std::memmove(w + p, w + p + 1, static_cast<std::size_t>(q - p) * sizeof(float));
    } else {
      std::memmove(w + q + 1, w + q, static_cast<std::size_t>(p - q) * sizeof(float));
    }
    w[q] = xi;
  }
}

Matrix transpose(const Matrix& x) {
  Matrix t(x.cols, x.rows);
  constexpr std::size_t kTile = 32;  // keeps both tiles in L1
  for (std::size_t r0 = 0; r0 < x.rows; r0 += kTile)
    for (std::size_t c0 = 0; c0 < x.cols; c0 += kTile) {
      const std::size_t r1 = std::min(x.rows, r0 + kTile), c1 = std::min(x.cols, c0 + kTile);
      for (std::size_t r = r0; r < r1; ++r)
        for (std::size_t c = c0; c < c1; ++c) t.data[c * x.rows + r] = x.data[r * x.cols + c];
    }
  return t;
}

Matrix median_filter(const Matrix& x, int size, FilterAxis axis) {
  check_size(size);
  Matrix out(x.rows, x.cols);
  if (x.rows == 0 || x.cols == 0) return out;
  if (size > 63) {  // beyond median8's stack window: the scalar sorted window
    if (axis == FilterAxis::Cols) return transpose(median_filter(transpose(x), size, FilterAxis::Rows));
    for (std::size_t r = 0; r < x.rows; ++r) running_median(x.row(r), size, out.row(r));
    return out;
  }
  // Eight sequences at a time, interleaved with their reflected edges, through median8.
  // Along rows the lanes are 8 rows; along columns they are 8 adjacent columns, so neither
  // direction needs a transpose.
  const auto h = static_cast<std::ptrdiff_t>(size / 2);
  const bool rows = axis == FilterAxis::Rows;
  const std::size_t n = rows ? x.cols : x.rows;      // steps per sequence
  const std::size_t count = rows ? x.rows : x.cols;  // sequences
  const auto ni = static_cast<std::ptrdiff_t>(n);
  std::vector<float> ext((n + 2 * static_cast<std::size_t>(h)) * kMedianLanes);
  std::vector<float> res(n * kMedianLanes);
  if (!rows && count >= kMedianLanes) {
    // Along columns, 8 adjacent columns are 8 contiguous floats of every row: read them
    // straight from a table of (reflected) row pointers and write the result rows in place.
    std::vector<const float*> table(n + 2 * static_cast<std::size_t>(h));
    for (std::ptrdiff_t s = -h; s < ni + h; ++s)
      table[static_cast<std::size_t>(s + h)] =
          x.data.data() + static_cast<std::size_t>(s >= 0 && s < ni ? s : reflect_index(s, ni)) * x.cols;
    // The last group overlaps the previous one instead of running past the row's end.
    for (std::size_t q0 = 0; q0 < count; q0 += kMedianLanes) {
      const std::size_t c = std::min(q0, count - kMedianLanes);
      median8_rows(table.data(), c, n, size, out.data.data() + c, x.cols);
    }
    return out;
  }
  for (std::size_t q0 = 0; q0 < count; q0 += kMedianLanes) {
    // Lanes past the last sequence repeat it; their results are discarded.
    std::size_t seq[kMedianLanes];
    for (std::size_t j = 0; j < kMedianLanes; ++j) seq[j] = std::min(q0 + j, count - 1);
    for (std::ptrdiff_t s = -h; s < ni + h; ++s) {
      const auto i = static_cast<std::size_t>(s >= 0 && s < ni ? s : reflect_index(s, ni));
      float* dst = ext.data() + static_cast<std::size_t>(s + h) * kMedianLanes;
      for (std::size_t j = 0; j < kMedianLanes; ++j)
        dst[j] = rows ? x.data[seq[j] * x.cols + i] : x.data[i * x.cols + seq[j]];
    }
    median8(ext.data(), n, size, res.data());
    const std::size_t lanes = std::min(kMedianLanes, count - q0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < lanes; ++j) {
        const float v = res[i * kMedianLanes + j];
        if (rows) out.data[(q0 + j) * x.cols + i] = v;
        else out.data[i * x.cols + q0 + j] = v;
      }
  }
  return out;
}

}  // namespace echoelml::dsp
