// to_complex64_and_abs (technique_simd.h) against its definition, bit for bit: after rounding
// the complex128 bins to complex64, np.abs as numpy computes it with SIMD (L * sqrt(fma(S/L,
// S/L, 1)) in float32, dsp/complex_abs.h). The inputs aim at the weak spots of vector builds:
// |X| next to a float32 rounding midpoint, exact squares, zeros, subnormal and huge components,
// overflow to inf, inf and NaN, in every lane of a group.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "features/technique_simd.h"

using echoelml::features::detail::to_complex64_and_abs;

namespace {

// numpy's steps (loops_unary_complex simd_cabsolute): an infinite part makes both inf, a NaN
// part both NaN, then the ratio of the smaller to the larger (0 where the larger is 0 or the
// smaller inf), and larger * sqrt(ratio * ratio + 1) with one rounding for the fma.
float direct_abs(float re, float im) {
  float a = std::fabs(re), b = std::fabs(im);
  const float inf = std::numeric_limits<float>::infinity();
  if (a == inf || b == inf) a = b = inf;
  if (std::isnan(a) || std::isnan(b)) a = b = std::numeric_limits<float>::quiet_NaN();
  const float larger = std::fmax(a, b), smaller = std::fmin(a, b);
  const float ratio = (larger == 0.0f || smaller == inf) ? 0.0f : smaller / larger;
  return larger * std::sqrt(std::fma(ratio, ratio, 1.0f));
}

// Runs the kernel on spec (interleaved re, im) and counts bins whose bits differ.
std::size_t count_differences(const std::vector<double>& spec) {
  const std::size_t n = spec.size() / 2;
  std::vector<float> x(2 * n), mag(n);
  to_complex64_and_abs(spec.data(), n, x.data(), mag.data());
  std::size_t bad = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const float re = static_cast<float>(spec[2 * k]), im = static_cast<float>(spec[2 * k + 1]);
    const float want = direct_abs(re, im);
    const bool same_mag = std::isnan(want) ? std::isnan(mag[k]) : std::memcmp(&mag[k], &want, 4) == 0;
    const bool ok = std::memcmp(&x[2 * k], &re, 4) == 0 && std::memcmp(&x[2 * k + 1], &im, 4) == 0 && same_mag;
    if (!ok && bad++ < 5)
      ADD_FAILURE() << "bin " << k << ": re " << re << " im " << im << " got " << mag[k] << " want " << want;
  }
  return bad;
}

float random_bits_float(std::mt19937& rng, std::uint32_t max_bits) {
  std::uniform_int_distribution<std::uint32_t> b(0, max_bits);
  std::uniform_int_distribution<int> sign(0, 1);
  const float v = std::bit_cast<float>(b(rng));
  return sign(rng) ? -v : v;
}

}  // namespace

TEST(SimdAbs, RandomBinsBitForBit) {
  std::mt19937 rng(77);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<double> spec(2 * (1u << 20) + 6);  // an odd tail of 3 bins for the scalar loop
  for (int round = 0; round < 4; ++round) {
    for (double& v : spec) v = g(rng) * std::pow(10.0, round * 3 - 3);  // 1e-3 .. 1e6 scales
    EXPECT_EQ(count_differences(spec), 0u) << round;
  }
  // Components over all finite float bit patterns (ratios from 1 to 2^254, subnormals, sums
  // that overflow float32), and the same exponent with random mantissas.
  for (double& v : spec) v = random_bits_float(rng, 0x7f7fffffu);
  EXPECT_EQ(count_differences(spec), 0u);
  std::uniform_real_distribution<double> u(1.0, 2.0);
  for (double& v : spec) v = u(rng);
  EXPECT_EQ(count_differences(spec), 0u);
}

// |X| within a few float64 ulps of a float32 midpoint: re = s (a float), im^2 ~ m^2 - s^2 for
// the midpoint m = s + ulp(s) / 2, with im nudged by a few float ulps either way; also exact
// midpoints of 25-bit values reachable as sums, exact squares (Pythagorean triples scaled by
// powers of two) and im == 0 (|X| = |re| exactly).
TEST(SimdAbs, NearMidpointsAndExactSquaresBitForBit) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(1.0f, 2.0f);
  std::uniform_int_distribution<int> e(-60, 60), nudge(-3, 3);
  std::vector<double> spec;
  for (int i = 0; i < (1 << 20); ++i) {
    const float s = std::ldexp(u(rng), e(rng));
    const double m = (static_cast<double>(s) + static_cast<double>(std::nextafter(s, 2 * s))) / 2;
    const double im2 = m * m - static_cast<double>(s) * s;
    float im = static_cast<float>(std::sqrt(im2));
    const int steps = nudge(rng);
    for (int j = 0; j < std::abs(steps); ++j) im = std::nextafter(im, steps > 0 ? 2 * im : 0.0f);
    spec.push_back(s);
    spec.push_back(i % 2 ? im : -im);
  }
  EXPECT_EQ(count_differences(spec), 0u);
  spec.clear();
  const int triples[][2] = {{3, 4}, {5, 12}, {8, 15}, {7, 24}, {20, 21}, {4095, 8388600}, {1, 0}, {0, 1}};
  for (int sc = -140; sc <= 120; ++sc)
    for (const auto& t : triples) {
      spec.push_back(std::ldexp(static_cast<double>(t[0]), sc));
      spec.push_back(std::ldexp(static_cast<double>(t[1]), sc));
    }
  EXPECT_EQ(count_differences(spec), 0u);
}

// Zeros (the float32 sum is below FLT_MIN), subnormal components, float32 overflow, inf and
// NaN: each placed at every lane of an 8-bin group, among ordinary bins.
TEST(SimdAbs, SpecialValuesInEveryLaneBitForBit) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const double specials[][2] = {{0.0, 0.0},   {-0.0, 0.0},     {0x1p-149, 0.0}, {0x1p-140, 0x1p-149},
                                {0x1p-64, 0.0}, {0x1p-63, 0x1p-70}, {3e38, 3e38},   {3e38, 0.0},
                                {1e39, 1.0},  {inf, 1.0},      {1.0, -inf},     {nan, 1.0},
                                {inf, nan},   {0x1p63, 0x1p63}, {0x1.fffffep63, 1.0}};
  for (const auto& sp : specials)
    for (int lane = 0; lane < 8; ++lane) {
      std::vector<double> spec;
      for (int k = 0; k < 16; ++k) {
        spec.push_back(k == lane ? sp[0] : 0.25 * (k + 1));
        spec.push_back(k == lane ? sp[1] : -0.5 * k);
      }
      EXPECT_EQ(count_differences(spec), 0u) << sp[0] << " " << sp[1] << " lane " << lane;
    }
}
