// The lag-limited blocked autocorrelation (used when max_size is small against the length)
// against the direct sum and against the whole-signal transform it replaces.
#include <gtest/gtest.h>

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
  const auto blocked = autocorrelate(y, 44100);  // 4 * 65536 > 132300 -> not blocked...
  const auto full = autocorrelate(y);
  ASSERT_EQ(blocked.size(), 44100u);
  for (std::size_t k = 0; k < 44100; k += 97) EXPECT_NEAR(blocked[k], full[k], 1e-12 * full[0]);
  // ...so take a longer signal where the blocked path runs (N >= 4 * 65536).
  std::vector<float> z(300000);
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = y[i % y.size()] * (1.0f + 1e-6f * static_cast<float>(i % 7));
  const auto zb = autocorrelate(z, 44100);
  const auto zf = autocorrelate(z);
  for (std::size_t k = 0; k < 44100; k += 97) EXPECT_NEAR(zb[k], zf[k], 1e-12 * zf[0]) << k;
  EXPECT_EQ(*temporal_modulation(z), *std::max_element(zb.begin() + 4410, zb.end()));
}
