// RealFftFloat::inverse against the double RealFft's inverse (an independent plan and precision)
// and a hand-derived signal, and the round trip forward -> inverse / n.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>
#include <algorithm>

#include "echoelml/dsp/fft.h"

namespace echoelml::dsp {
namespace {

TEST(RealFftFloatInverse, MatchesTheDoubleInverseRelativeToTheFrameNorm) {
  for (int n : {2048, 1000, 7}) {
    const int bins = n / 2 + 1;
    RealFftFloat ff(n);
    RealFft fd(n);
    ComplexBufferF xf(fft_alloc_complexf(bins));
    ComplexBuffer xd(fft_alloc_complex(bins));
    RealBufferF yf(fft_alloc_realf(n));
    RealBuffer yd(fft_alloc_real(n));
    std::mt19937 rng(static_cast<unsigned>(n) + 5u);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int k = 0; k < bins; ++k) {
      xf[k] = {u(rng), u(rng)};
      xd[k] = std::complex<double>(xf[k]);
    }
    ff.inverse(xf.get(), yf.get());
    fd.inverse(xd.get(), yd.get());
    double norm2 = 0;
    for (int i = 0; i < n; ++i) norm2 += yd[i] * yd[i];
    // The float transform's error is a few float32 ulps (6e-8) times log2(n) of the output's
    // rms; 1e-6 of the rms leaves room for that and no more than a 16th of a float digit.
    const double tol = 1e-6 * std::sqrt(norm2 / n);
    double worst = 0;
    for (int i = 0; i < n; ++i) worst = std::max(worst, std::abs(yf[i] - yd[i]));
    EXPECT_LE(worst, tol) << "n=" << n;
    EXPECT_GT(norm2, 0.0);
  }
}

TEST(RealFftFloatInverse, OneBinGivesACosineOfTwiceItsAmplitude) {
  // irfft of a single bin k0 with value a (unnormalised): 2a cos(2 pi k0 i / n) for 0 < k0 < n/2.
  const int n = 2048, k0 = 37;
  RealFftFloat f(n);
  ComplexBufferF x(fft_alloc_complexf(n / 2 + 1));
  RealBufferF y(fft_alloc_realf(n));
  for (int k = 0; k <= n / 2; ++k) x[k] = 0.0f;
  x[k0] = 0.25f;
  f.inverse(x.get(), y.get());
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(y[i], 0.5 * std::cos(2 * std::numbers::pi * k0 * i / n), 1e-6) << i;
}

TEST(RealFftFloatInverse, RoundTripReturnsTheSignalTimesN) {
  const int n = 512;
  RealFftFloat f(n);
  RealBufferF a(fft_alloc_realf(n)), b(fft_alloc_realf(n));
  ComplexBufferF s(fft_alloc_complexf(n / 2 + 1));
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (int i = 0; i < n; ++i) a[i] = g(rng);
  std::vector<float> keep(a.get(), a.get() + n);
  f.forward(a.get(), s.get());
  f.inverse(s.get(), b.get());
  for (int i = 0; i < n; ++i) EXPECT_NEAR(b[i] / n, keep[i], 1e-5) << i;
}

}  // namespace
}  // namespace echoelml::dsp
