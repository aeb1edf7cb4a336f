// median8 (8 lanes, sorted-window min/max updates) against sorting each window explicitly,
// and the matrix median_filter built on it against the scalar running_median.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "echoelml/dsp/lane_median.h"
#include "echoelml/dsp/median_filter.h"

using namespace echoelml;

TEST(Median8, EqualsSortedWindowPerLane) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int size : {1, 3, 5, 31, 33, 63, 65}) {
    for (std::size_t n : {1u, 2u, 40u, 300u}) {
      std::vector<float> in((n + static_cast<std::size_t>(size) - 1) * 8);
      // Quantised values so ties (duplicates of the leaving value) are frequent.
      for (auto& v : in) v = std::floor(u(rng) * 10.0f) / 10.0f;
      std::vector<float> out(n * 8, -1.0f);
      dsp::median8(in.data(), n, size, out.data());
      std::vector<float> win;
      for (std::size_t j = 0; j < 8; ++j)
        for (std::size_t i = 0; i < n; ++i) {
          win.clear();
          for (int s = 0; s < size; ++s) win.push_back(in[(i + static_cast<std::size_t>(s)) * 8 + j]);
          std::sort(win.begin(), win.end());
          ASSERT_EQ(out[i * 8 + j], win[static_cast<std::size_t>(size / 2)])
              << "size " << size << " n " << n << " lane " << j << " step " << i;
        }
    }
  }
}

TEST(Median8, HandlesInfinityAndZeros) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> in(5 * 8, 0.0f);
  for (std::size_t j = 0; j < 8; ++j) {
    in[0 * 8 + j] = inf;
    in[1 * 8 + j] = inf;
    in[2 * 8 + j] = static_cast<float>(j);
  }
  std::vector<float> out(3 * 8);
  dsp::median8(in.data(), 3, 3, out.data());
  for (std::size_t j = 0; j < 8; ++j) {
    EXPECT_EQ(out[0 * 8 + j], inf);                   // {inf, inf, j}
    EXPECT_EQ(out[1 * 8 + j], static_cast<float>(j)); // {inf, j, 0}
    EXPECT_EQ(out[2 * 8 + j], 0.0f);                  // {j, 0, 0}
  }
}

TEST(MedianFilterMatrix, BothAxesEqualScalarRunningMedian) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{1, 1}, {3, 70}, {13, 9}, {40, 33}}) {
    Matrix x(rows, cols);
    for (auto& v : x.data) v = u(rng);
    for (int size : {1, 31, 65}) {
      const Matrix a = dsp::median_filter(x, size, dsp::FilterAxis::Rows);
      for (std::size_t r = 0; r < rows; ++r) {
        std::vector<float> ref(cols);
        dsp::running_median(x.row(r), size, ref);
        for (std::size_t c = 0; c < cols; ++c) ASSERT_EQ(a(r, c), ref[c]) << rows << "x" << cols << " size " << size;
      }
      const Matrix b = dsp::median_filter(x, size, dsp::FilterAxis::Cols);
      for (std::size_t c = 0; c < cols; ++c) {
        std::vector<float> col(rows), ref(rows);
        for (std::size_t r = 0; r < rows; ++r) col[r] = x(r, c);
        dsp::running_median(col, size, ref);
        for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(b(r, c), ref[r]) << rows << "x" << cols << " size " << size;
      }
    }
  }
}
