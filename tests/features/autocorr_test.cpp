// autocorrelate against the direct O(N^2) sum; temporal_modulation's slice rules.
#include <gtest/gtest.h>

#include <random>

#include "echoelml/core/error.h"
#include "echoelml/features/autocorr.h"

using namespace echoelml::features;

TEST(Autocorrelate, MatchesDirectSum) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (std::size_t n : {1u, 2u, 3u, 100u, 1000u, 1025u}) {
    std::vector<float> y(n);
    for (auto& v : y) v = g(rng);
    const auto r = autocorrelate(y);
    ASSERT_EQ(r.size(), n);
    double r0 = 0;
    for (float v : y) r0 += static_cast<double>(v) * v;
    for (std::size_t k = 0; k < n; ++k) {
      double s = 0.0;
      for (std::size_t i = 0; i + k < n; ++i) s += static_cast<double>(y[i]) * y[i + k];
      ASSERT_NEAR(r[k], s, 1e-12 * r0) << "n=" << n << " k=" << k;
    }
  }
}

TEST(Autocorrelate, MaxSizeKeepsLeadingLagsAndEmptyStaysEmpty) {
  std::vector<float> y{1, 2, 3};
  const auto r = autocorrelate(y, 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], 14.0, 1e-12);
  EXPECT_NEAR(r[1], 8.0, 1e-12);
  EXPECT_TRUE(autocorrelate(std::vector<float>{}).empty());
  EXPECT_EQ(autocorrelate(y, 10).size(), 3u);
}

TEST(TemporalModulation, MaxOverLagsTenthToOneSecond) {
  // Impulses 5000 samples apart at sr 44100: the best lag in [4410, 44100) is 5000, where
  // 9 of the 10 impulse pairs line up.
  std::vector<float> y(50000, 0.0f);
  for (int i = 0; i < 10; ++i) y[static_cast<std::size_t>(i) * 5000] = 1.0f;
  const auto m = temporal_modulation(y, 44100.0);
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(*m, 9.0, 1e-9);
}

TEST(TemporalModulation, EmptySliceIsNullopt) {
  EXPECT_FALSE(temporal_modulation(std::vector<float>(4410, 1.0f), 44100.0).has_value());
  EXPECT_TRUE(temporal_modulation(std::vector<float>(4411, 1.0f), 44100.0).has_value());
  EXPECT_THROW(temporal_modulation(std::vector<float>(10, 1.0f), 0.0), echoelml::ParameterError);
}
