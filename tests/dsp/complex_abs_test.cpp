// dsp::abs_complex64: the array form (AVX2+FMA build where the CPU has it) gives the scalar
// definition's bits for every value, and the scalar definition is numpy's formula, checked on
// values whose result is known exactly.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "echoelml/dsp/complex_abs.h"

namespace echoelml::dsp {
namespace {

TEST(ComplexAbs, KnownValues) {
  EXPECT_EQ(abs_complex64(3.0f, 4.0f), 5.0f);
  EXPECT_EQ(abs_complex64(-6.0f, 8.0f), 10.0f);  // ratio 0.75: every step exact
  EXPECT_EQ(abs_complex64(0.0f, -0.0f), 0.0f);
  EXPECT_EQ(abs_complex64(-2.5f, 0.0f), 2.5f);  // ratio 0: exactly |re|
  EXPECT_EQ(abs_complex64(0x1p-149f, 0.0f), 0x1p-149f);
  EXPECT_EQ(abs_complex64(3e38f, 3e38f), std::numeric_limits<float>::infinity());  // overflows
  EXPECT_EQ(abs_complex64(1.0f, -std::numeric_limits<float>::infinity()), std::numeric_limits<float>::infinity());
  EXPECT_EQ(abs_complex64(std::numeric_limits<float>::infinity(), std::nanf("")),
            std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(abs_complex64(std::nanf(""), 1.0f)));
  // 1 and 1: ratio 1, fma(1, 1, 1) = 2, sqrt(2) rounded once, times 1.
  EXPECT_EQ(abs_complex64(1.0f, 1.0f), std::sqrt(2.0f));
  // where numpy's formula and hypotf differ: 0.1 + 0.2i rounds to different neighbours
  const float re = 0.1f, im = 0.2f, ratio = re / im;
  EXPECT_EQ(abs_complex64(re, im), std::sqrt(std::fma(ratio, ratio, 1.0f)) * im);
}

TEST(ComplexAbs, ArrayGivesTheScalarBits) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::uniform_int_distribution<std::uint32_t> bits(0, 0xffffffffu);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::complex<float>> z;
  for (int i = 0; i < 200000; ++i) z.emplace_back(g(rng) * 1e-3f, g(rng));
  for (int i = 0; i < 200000; ++i) z.emplace_back(std::bit_cast<float>(bits(rng)), std::bit_cast<float>(bits(rng)));
  const float specials[] = {0.0f, -0.0f, 0x1p-149f, 1e-40f, 3e38f, inf, -inf, nan, 1.0f};
  for (float a : specials)
    for (float b : specials)
      for (int lane = 0; lane < 8; ++lane) {
        for (int k = 0; k < 8; ++k) z.emplace_back(k == lane ? a : 0.5f * k, k == lane ? b : -0.25f * k);
      }
  for (std::size_t n : {z.size(), z.size() - 3, std::size_t{7}, std::size_t{0}}) {
    std::vector<float> out(n, -1.0f);
    abs_complex64(z.data(), n, out.data());
    std::size_t bad = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const float want = abs_complex64(z[k].real(), z[k].imag());
      const bool ok = std::isnan(want) ? std::isnan(out[k]) : std::memcmp(&want, &out[k], 4) == 0;
      if (!ok && bad++ < 5) ADD_FAILURE() << k << ": " << z[k] << " got " << out[k] << " want " << want;
    }
    EXPECT_EQ(bad, 0u) << n;
  }
}

}  // namespace
}  // namespace echoelml::dsp
