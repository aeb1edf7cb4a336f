// The technique pass's vector kernels against the scalar definitions they replace
// (hpss_common.h, stft/istft element steps), bit for bit on random and edge-case inputs:
// whichever build the CPU selects (AVX2 or SSE2) must round every element the same way.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "features/hpss_common.h"
#include "features/technique_simd.h"

using namespace echoelml::features::detail;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

// Includes ties h == p*margin, zeros, values below FLT_MIN (the split case) and |X| == 0. Both
// builds (the selected one and the SSE2 fallback) against the scalar mask_bin.
TEST(TechniqueSimd, HarmonicBinsEqualScalarMaskBitForBit) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const float tiny = std::numeric_limits<float>::min();
  for (std::size_t n : {1u, 7u, 8u, 9u, 1025u}) {
    for (float margin : {1.0f, 2.0f}) {
      for (bool split : {true, false}) {
        std::vector<float> x(2 * n), mag(n), hm(n), pm(n);
        for (std::size_t k = 0; k < n; ++k) {
          const int kind = static_cast<int>(k % 6);
          x[2 * k] = u(rng) - 0.5f;
          x[2 * k + 1] = u(rng) - 0.5f;
          mag[k] = kind == 5 ? 0.0f : abs_c64({x[2 * k], x[2 * k + 1]});
          hm[k] = kind == 1 ? 0.0f : (kind == 3 ? tiny * 0.25f : u(rng) * 3.0f);
          pm[k] = kind == 2 ? hm[k] / margin : (kind == 3 ? tiny * 0.5f : (kind == 4 ? 0.0f : u(rng) * 3.0f));
        }
        std::vector<float> out(2 * n), fb(2 * n);
        harmonic_bins(x.data(), hm.data(), pm.data(), margin, split, n, out.data());
        harmonic_bins_fallback(x.data(), hm.data(), pm.data(), margin, split, n, fb.data());
        for (std::size_t k = 0; k < n; ++k) {
          const float mask = softmask(hm[k], pm[k] * margin, 2.0f, split);
          const auto want = mask_bin({x[2 * k], x[2 * k + 1]}, mask);
          ASSERT_TRUE(same_bits(out[2 * k], want.real())) << "n " << n << " bin " << k << " re";
          ASSERT_TRUE(same_bits(out[2 * k + 1], want.imag())) << "n " << n << " bin " << k << " im";
          ASSERT_TRUE(same_bits(fb[2 * k], want.real())) << "fallback n " << n << " bin " << k << " re";
          ASSERT_TRUE(same_bits(fb[2 * k + 1], want.imag())) << "fallback n " << n << " bin " << k << " im";
          // mask_bin against the library's (|X| * mask) * (X / |X|): float32 rounding apart.
          const auto lib = apply_mask({x[2 * k], x[2 * k + 1]}, mag[k], mask);
          const float tol = 4 * std::numeric_limits<float>::epsilon() * std::abs(mag[k]);
          if (mag[k] != 0.0f) {
            EXPECT_NEAR(want.real(), lib.real(), tol) << k;
            EXPECT_NEAR(want.imag(), lib.imag(), tol) << k;
          }
        }
      }
    }
  }
}

TEST(TechniqueSimd, ElementKernelsEqualScalarSteps) {
  std::mt19937 rng(12);
  std::normal_distribution<double> g(0.0, 1.0);
  const std::size_t n = 1027;
  std::vector<float> src(n);
  std::vector<double> w(n), spec(2 * n), ola(n);
  std::vector<float> f(n);  // the float32 inverse FFT's frame
  for (std::size_t k = 0; k < n; ++k) {
    src[k] = static_cast<float>(g(rng));
    w[k] = std::abs(g(rng));
    spec[2 * k] = g(rng) * 100.0;
    spec[2 * k + 1] = k % 5 == 0 ? 0.0 : g(rng) * 100.0;
    ola[k] = g(rng);
    f[k] = static_cast<float>(g(rng) * 1000.0);
  }
  std::vector<double> framed(n);
  window_frame(src.data(), w.data(), n, framed.data());
  for (std::size_t k = 0; k < n; ++k) ASSERT_TRUE(same_bits(framed[k], static_cast<double>(src[k]) * w[k])) << k;

  std::vector<float> x(2 * n), mag(n);
  to_complex64_and_abs(spec.data(), n, x.data(), mag.data());
  for (std::size_t k = 0; k < n; ++k) {
    const std::complex<float> c{static_cast<float>(spec[2 * k]), static_cast<float>(spec[2 * k + 1])};
    ASSERT_EQ(x[2 * k], c.real());
    ASSERT_EQ(x[2 * k + 1], c.imag());
    ASSERT_EQ(mag[k], abs_c64(c)) << k;
  }

  std::vector<double> acc = ola;
  overlap_add(f.data(), w.data(), 1.0 / 2048, n, acc.data());
  for (std::size_t k = 0; k < n; ++k) ASSERT_TRUE(same_bits(acc[k], ola[k] + static_cast<double>(f[k]) * (1.0 / 2048) * w[k])) << k;

  std::vector<double> stored(n, 12345.0);
  overlap_store(f.data(), w.data(), 1.0 / 2048, n, stored.data());
  for (std::size_t k = 0; k < n; ++k) ASSERT_TRUE(same_bits(stored[k], static_cast<double>(f[k]) * (1.0 / 2048) * w[k])) << k;

  // The sums only change float64 order: equal to a plain loop within rounding.
  double plain = 0, sq = 0;
  for (float v : mag) plain += v;
  const double mean = plain / static_cast<double>(n);
  for (float v : mag) sq += (v - mean) * (v - mean);
  EXPECT_NEAR(sum_f64(mag.data(), n), plain, 1e-12 * plain);
  EXPECT_NEAR(sum_sq_dev(mag.data(), n, mean), sq, 1e-12 * sq);

  std::vector<double> wss(n);
  double want = 0;
  for (std::size_t k = 0; k < n; ++k) {
    wss[k] = k % 7 == 0 ? 0.0 : w[k];  // some samples take the un-normalised branch
    const double v = wss[k] > std::numeric_limits<float>::min() ? ola[k] / wss[k] : ola[k];
    want += std::abs(static_cast<float>(v));
  }
  EXPECT_NEAR(normalised_abs_sum(ola.data(), wss.data(), n), want, 1e-12 * want);

  // overlap_add then normalised_abs_sum, fused (ola left as it was).
  double fused_want = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double o = ola[k] + static_cast<double>(f[k]) * (1.0 / 2048) * w[k];
    fused_want += std::abs(static_cast<float>(wss[k] > std::numeric_limits<float>::min() ? o / wss[k] : o));
  }
  const std::vector<double> ola_before = ola;
  EXPECT_NEAR(overlap_add_emit(f.data(), w.data(), 1.0 / 2048, n, ola.data(), wss.data()), fused_want,
              1e-12 * fused_want);
  EXPECT_EQ(ola, ola_before);
  for (std::size_t len : {n, std::size_t{512}, std::size_t{13}, std::size_t{5}}) {  // both builds, bit for bit
    const double a = overlap_add_emit(f.data(), w.data(), 1.0 / 2048, len, ola.data(), wss.data());
    const double b = overlap_add_emit_fallback(f.data(), w.data(), 1.0 / 2048, len, ola.data(), wss.data());
    EXPECT_TRUE(same_bits(a, b)) << len;
  }
}

// The fused pass gives to_complex64_and_abs's elements and sum_f64's sum, to the bit, for
// lengths with and without a partial 16-bin block.
TEST(TechniqueSimd, AbsSumEqualsSeparatePasses) {
  std::mt19937 rng(13);
  std::normal_distribution<double> g(0.0, 1.0);
  for (std::size_t n : {1u, 3u, 15u, 16u, 17u, 33u, 1025u, 1030u}) {
    std::vector<double> spec(2 * n);
    for (auto& v : spec) v = g(rng) * 50.0;
    std::vector<float> x(2 * n), mag(n), x2(2 * n), mag2(n);
    const double sum = to_complex64_abs_sum(spec.data(), n, x.data(), mag.data());
    to_complex64_and_abs(spec.data(), n, x2.data(), mag2.data());
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_TRUE(same_bits(mag[k], mag2[k])) << n << " " << k;
      ASSERT_TRUE(same_bits(x[2 * k], x2[2 * k]) && same_bits(x[2 * k + 1], x2[2 * k + 1])) << n << " " << k;
    }
    EXPECT_TRUE(same_bits(sum, sum_f64(mag2.data(), n))) << n;
  }
}
