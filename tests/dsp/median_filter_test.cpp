// Running median with scipy.ndimage "reflect" edges against a brute-force reference that
// builds each window explicitly and sorts it.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "echoelml/core/error.h"
#include "echoelml/dsp/median_filter.h"

using namespace echoelml;

namespace {
std::vector<float> brute_median(const std::vector<float>& x, int size) {
  const auto n = static_cast<std::ptrdiff_t>(x.size());
  const int h = size / 2;
  std::vector<float> out(x.size()), win;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    win.clear();
    for (std::ptrdiff_t j = i - h; j <= i + h; ++j) {
      // Explicit half-sample mirror, unrolled by repeated reflection (independent of
      // reflect_index's modular form).
      std::ptrdiff_t k = j;
      while (k < 0 || k >= n) k = k < 0 ? -k - 1 : 2 * n - 1 - k;
      win.push_back(x[static_cast<std::size_t>(k)]);
    }
    std::sort(win.begin(), win.end());
    out[static_cast<std::size_t>(i)] = win[static_cast<std::size_t>(h)];
  }
  return out;
}
}  // namespace

TEST(ReflectIndex, MirrorsAboutTheHalfSample) {
  // d c b a | a b c d | d c b a
  EXPECT_EQ(dsp::reflect_index(-1, 4), 0);
  EXPECT_EQ(dsp::reflect_index(-4, 4), 3);
  EXPECT_EQ(dsp::reflect_index(-5, 4), 3);
  EXPECT_EQ(dsp::reflect_index(4, 4), 3);
  EXPECT_EQ(dsp::reflect_index(7, 4), 0);
  EXPECT_EQ(dsp::reflect_index(8, 4), 0);
  EXPECT_EQ(dsp::reflect_index(5, 1), 0);
}

TEST(RunningMedian, MatchesBruteForceOnRandomDataIncludingBorders) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int n : {1, 2, 5, 14, 15, 16, 31, 40, 300}) {
    for (int size : {1, 3, 31}) {
      std::vector<float> x(static_cast<std::size_t>(n));
      for (auto& v : x) v = u(rng);
      if (n > 3) x[2] = x[1];  // ties
      std::vector<float> out(x.size());
      dsp::running_median(x, size, out);
      EXPECT_EQ(out, brute_median(x, size)) << "n=" << n << " size=" << size;
    }
  }
}

TEST(RunningMedian, HandlesQuantisedDataWithManyTies) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(0, 4);
  std::vector<float> x(500);
  for (auto& v : x) v = static_cast<float>(d(rng));
  std::vector<float> out(x.size());
  dsp::running_median(x, 31, out);
  EXPECT_EQ(out, brute_median(x, 31));
}

TEST(MedianFilter, ColumnsAxisEqualsFilteringTheTranspose) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Matrix m(37, 23);
  for (auto& v : m.data) v = u(rng);
  const Matrix byc = dsp::median_filter(m, 5, dsp::FilterAxis::Cols);
  for (std::size_t c = 0; c < m.cols; ++c) {
    std::vector<float> col(m.rows);
    for (std::size_t r = 0; r < m.rows; ++r) col[r] = m(r, c);
    const auto ref = brute_median(col, 5);
    for (std::size_t r = 0; r < m.rows; ++r) ASSERT_EQ(byc(r, c), ref[r]);
  }
  const Matrix byr = dsp::median_filter(m, 7, dsp::FilterAxis::Rows);
  for (std::size_t r = 0; r < m.rows; ++r) {
    std::vector<float> row(m.row(r).begin(), m.row(r).end());
    const auto ref = brute_median(row, 7);
    for (std::size_t c = 0; c < m.cols; ++c) ASSERT_EQ(byr(r, c), ref[c]);
  }
}

TEST(MedianFilter, EvenOrNonPositiveSizeThrows) {
  Matrix m(3, 3, 1.0f);
  EXPECT_THROW(dsp::median_filter(m, 4, dsp::FilterAxis::Rows), ParameterError);
  EXPECT_THROW(dsp::median_filter(m, 0, dsp::FilterAxis::Cols), ParameterError);
  std::vector<float> x(3), out(2);
  EXPECT_THROW(dsp::running_median(x, 3, out), ParameterError);
}
