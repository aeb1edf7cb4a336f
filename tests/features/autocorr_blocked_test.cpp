// The lag-limited blocked autocorrelation (used when max_size is small against the length)
// against the direct sum and against the whole-signal transform it replaces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "echoelml/features/autocorr.h"

using namespace echoelml::features;

namespace {
double direct_lag(const std::vector<float>& y, std::size_t k) {
  double s = 0.0;
  for (std::size_t i = 0; i + k < y.size(); ++i) s += static_cast<double>(y[i]) * y[i + k];
  return s;
}
}  // namespace

TEST(AutocorrelateBlocked, MatchesDirectSumAcrossBlockBoundaries) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  // keep 3000 -> blocks of 4096: lengths around multiples of the block and a partial tail.
  for (std::size_t n : {16384u, 16385u, 20000u, 40959u}) {
    std::vector<float> y(n);
    for (auto& v : y) v = g(rng);
    const std::size_t keep = 3000;
    const auto r = autocorrelate(y, keep);
    ASSERT_EQ(r.size(), keep);
    const double r0 = direct_lag(y, 0);
    for (std::size_t k : {0u, 1u, 2u, 511u, 2047u, 2999u})
      EXPECT_NEAR(r[k], direct_lag(y, k), 1e-12 * r0) << "n=" << n << " k=" << k;
  }
}

TEST(AutocorrelateBlocked, EqualsTheFullTransformUpToRounding) {
  // A periodic signal plus noise, 3 s at 44.1 kHz, the temporal_modulation lags.
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 0.1f);
  std::vector<float> y(3 * 44100);
  for (std::size_t i = 0; i < y.size(); ++i)
    y[i] = static_cast<float>(std::sin(2 * 3.14159265358979 * 3.0 * i / 44100.0)) + g(rng);
  const auto blocked = autocorrelate(y, 44100);  // 4 * 44800 > 132300 -> not blocked...
  const auto full = autocorrelate(y);
  ASSERT_EQ(blocked.size(), 44100u);
  for (std::size_t k = 0; k < 44100; k += 97) EXPECT_NEAR(blocked[k], full[k], 1e-12 * full[0]);
  // ...so take a longer signal where the blocked path runs (N >= 4 * 44800).
  std::vector<float> z(300000);
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = y[i % y.size()] * (1.0f + 1e-6f * static_cast<float>(i % 7));
  const auto zb = autocorrelate(z, 44100);
  const auto zf = autocorrelate(z);
  for (std::size_t k = 0; k < 44100; k += 97) EXPECT_NEAR(zb[k], zf[k], 1e-12 * zf[0]) << k;
  EXPECT_EQ(*temporal_modulation(z), *std::max_element(zb.begin() + 4410, zb.end()));
}

namespace {
// Independent of both transform paths: a long-double direct sum.
double direct_lag_ld(const std::vector<float>& y, std::size_t k) {
  long double s = 0.0L;
  for (std::size_t i = 0; i + k < y.size(); ++i) s += static_cast<long double>(y[i]) * y[i + k];
  return static_cast<double>(s);
}
}  // namespace

TEST(AutocorrelateBlocked, BlockSizeRule) {
  using echoelml::features::detail::autocorrelate_block_size;
  // The measured fast sizes for 1 s of lags at 22.05 / 44.1 / 88.2 kHz...
  EXPECT_EQ(autocorrelate_block_size(22050), 22400u);
  EXPECT_EQ(autocorrelate_block_size(44100), 44800u);
  EXPECT_EQ(autocorrelate_block_size(88200), 89600u);
  EXPECT_EQ(autocorrelate_block_size(44800), 44800u);
  // ...and otherwise the smallest 7-smooth size >= max(keep, 4096).
  EXPECT_EQ(autocorrelate_block_size(1), 4096u);
  EXPECT_EQ(autocorrelate_block_size(3000), 4096u);
  EXPECT_EQ(autocorrelate_block_size(44801), 45000u);
  EXPECT_EQ(autocorrelate_block_size(48000), 48000u);
  EXPECT_EQ(autocorrelate_block_size(43000), 43008u);  // 2^11 3 7
  auto smooth7 = [](std::size_t m) {
    for (std::size_t f : {2u, 3u, 5u, 7u})
      while (m % f == 0) m /= f;
    return m == 1;
  };
  for (std::size_t keep = 1; keep < 200000; keep += 997) {
    const std::size_t b = autocorrelate_block_size(keep);
    std::size_t s = std::max<std::size_t>(keep, 4096);
    while (!smooth7(s)) ++s;
    EXPECT_TRUE(smooth7(b)) << keep;
    EXPECT_GE(b, s) << keep;            // never below the smallest usable 7-smooth size
    EXPECT_LE(b * 50, s * 51) << keep;  // and at most 2 % above it
  }
}

TEST(AutocorrelateBlocked, EveryPickableBlockSizeMatchesFullTransformAndDirectSums) {
  // One keep per block size the code can pick (the listed fast sizes and the general rule),
  // with inputs of exactly 4 blocks (the shortest blocked input) and 4 blocks plus a partial
  // tail. Reference 1: the whole-signal transform (autocorrelate without max_size, which never
  // blocks); reference 2: long-double direct sums at lags around 0, mid and keep - 1.
  std::mt19937 rng(29);
  std::normal_distribution<float> g(0.0f, 0.3f);
  for (std::size_t keep : {3000u, 22050u, 44100u, 44801u, 88200u}) {
    const std::size_t B = echoelml::features::detail::autocorrelate_block_size(keep);
    for (std::size_t n : {4 * B, 4 * B + B / 3 + 1}) {
      std::vector<float> y(n);
      for (std::size_t i = 0; i < n; ++i)
        y[i] = static_cast<float>(0.5 * std::sin(2 * 3.14159265358979 * 2.5 * i / 44100.0)) + g(rng);
      const auto blocked = autocorrelate(y, keep);
      const auto full = autocorrelate(y);
      ASSERT_EQ(blocked.size(), keep);
      const double r0 = direct_lag_ld(y, 0);
      for (std::size_t k = 0; k < keep; k += 31)
        ASSERT_NEAR(blocked[k], full[k], 1e-12 * r0) << "keep=" << keep << " n=" << n << " k=" << k;
      for (std::size_t k : {std::size_t{0}, std::size_t{1}, keep / 2, keep - 2, keep - 1})
        EXPECT_NEAR(blocked[k], direct_lag_ld(y, k), 1e-12 * r0) << "keep=" << keep << " n=" << n << " k=" << k;
    }
  }
}
