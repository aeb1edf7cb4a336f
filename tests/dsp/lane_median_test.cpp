// median8 (8 lanes; sorted-window min/max updates, and shared-core blocks for sizes 15 and 31)
// against sorting each window explicitly, and the matrix median_filter built on it against the
// scalar running_median.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <sys/mman.h>
#include <unistd.h>

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

namespace {

// Lane j's median of steps [i, i + size), by sorting the window.
float sorted_window_median(const float* in, std::size_t i, std::size_t j, int size) {
  std::vector<float> win;
  for (int s = 0; s < size; ++s) win.push_back(in[(i + static_cast<std::size_t>(s)) * 8 + j]);
  std::sort(win.begin(), win.end());
  return win[static_cast<std::size_t>(size / 2)];
}

}  // namespace

// The block kernels work on groups of 8 or 16 outputs and blocks shifted by one step: every
// output count around those boundaries, with ties, infinities and negative values.
TEST(Median8, BlockSizesEqualSortedWindowForEveryLength) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const float inf = std::numeric_limits<float>::infinity();
  for (int size : {15, 31}) {
    for (std::size_t n = 1; n <= 70; ++n) {
      for (int pattern = 0; pattern < 3; ++pattern) {
        std::vector<float> in((n + static_cast<std::size_t>(size) - 1) * 8);
        for (auto& v : in) {
          if (pattern == 0) v = u(rng);
          else if (pattern == 1) v = std::floor(u(rng) * 3.0f) / 3.0f;  // heavy ties
          else v = u(rng) > 0.6f ? inf : (u(rng) > 0.5f ? -inf : 0.0f);
        }
        std::vector<float> out(n * 8, -7.0f);
        dsp::median8(in.data(), n, size, out.data());
        for (std::size_t j = 0; j < 8; ++j)
          for (std::size_t i = 0; i < n; ++i)
            ASSERT_EQ(out[i * 8 + j], sorted_window_median(in.data(), i, j, size))
                << "size " << size << " n " << n << " pattern " << pattern << " lane " << j << " step " << i;
      }
    }
  }
}

// The kernel must read only steps [0, n + size - 1): the input is placed flush against an
// inaccessible page on either side, so a read outside it faults.
TEST(Median8, ReadsOnlyItsInput) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  for (int size : {15, 31}) {
    for (std::size_t n : {1u, 17u, 100u}) {
      const std::size_t bytes = (n + static_cast<std::size_t>(size) - 1) * 8 * sizeof(float);
      const std::size_t span = (bytes + page - 1) / page * page;
      auto* base = static_cast<char*>(mmap(nullptr, span + 2 * page, PROT_READ | PROT_WRITE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      ASSERT_NE(base, MAP_FAILED);
      ASSERT_EQ(mprotect(base, page, PROT_NONE), 0);
      ASSERT_EQ(mprotect(base + page + span, page, PROT_NONE), 0);
      std::vector<float> out(n * 8);
      for (float* in : {reinterpret_cast<float*>(base + page),                   // against the front guard
                        reinterpret_cast<float*>(base + page + span - bytes)}) {  // against the back guard
        for (std::size_t k = 0; k < bytes / sizeof(float); ++k) in[k] = static_cast<float>((k * 37) % 101);
        dsp::median8(in, n, size, out.data());
        for (std::size_t j = 0; j < 8; ++j)
          for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i * 8 + j], sorted_window_median(in, i, j, size));
      }
      munmap(base, span + 2 * page);
    }
  }
}

// median8_rows reads each step from its own row (at a column offset) and writes with a
// stride: the same medians as median8 on the gathered interleaved copy.
TEST(Median8, RowTableEqualsInterleaved) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int size : {5, 15, 31, 65}) {
    for (std::size_t n : {1u, 16u, 33u, 130u}) {
      const std::size_t steps = n + static_cast<std::size_t>(size) - 1, width = 40, offset = 24;
      std::vector<std::vector<float>> rows(steps, std::vector<float>(width));
      std::vector<const float*> table;
      std::vector<float> in(steps * 8);
      for (std::size_t s = 0; s < steps; ++s) {
        for (auto& v : rows[s]) v = std::floor(u(rng) * 20.0f);
        table.push_back(rows[s].data());
        for (std::size_t j = 0; j < 8; ++j) in[s * 8 + j] = rows[s][offset + j];
      }
      std::vector<float> expect(n * 8), got(n * width, -1.0f);
      dsp::median8(in.data(), n, size, expect.data());
      dsp::median8_rows(table.data(), offset, n, size, got.data() + offset, width);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < 8; ++j)
          ASSERT_EQ(got[i * width + offset + j], expect[i * 8 + j]) << "size " << size << " n " << n;
      for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(got[i * width], -1.0f);  // nothing outside the lanes
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
