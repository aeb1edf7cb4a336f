// RealFftFloat against the double RealFft (an independent plan and precision) and a hand-derived
// bin value.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>

#include "echoelml/core/error.h"
#include "echoelml/dsp/fft.h"

namespace echoelml::dsp {
namespace {

TEST(RealFftFloat, MatchesTheDoubleTransformToFloatPrecision) {
  for (int n : {2048, 1000, 7}) {
    RealFftFloat ff(n);
    RealFft fd(n);
    ASSERT_EQ(ff.bins(), n / 2 + 1);
    RealBufferF xf(fft_alloc_realf(n));
    ComplexBufferF yf(fft_alloc_complexf(n / 2 + 1));
    RealBuffer xd(fft_alloc_real(n));
    ComplexBuffer yd(fft_alloc_complex(n / 2 + 1));
    std::mt19937 rng(static_cast<unsigned>(n));
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    double energy = 0;
    for (int i = 0; i < n; ++i) {
      xf[i] = u(rng);
      xd[i] = xf[i];
      energy += xd[i] * xd[i];
    }
    ff.forward(xf.get(), yf.get());
    fd.forward(xd.get(), yd.get());
    // Float FFT error is relative to the frame's norm: a few float ulps of sqrt(n * energy).
    const double tol = 1e-5 * std::sqrt(energy * n);
    for (int k = 0; k < n / 2 + 1; ++k) {
      EXPECT_NEAR(yf[k].real(), yd[k].real(), tol) << "n=" << n << " k=" << k;
      EXPECT_NEAR(yf[k].imag(), yd[k].imag(), tol) << "n=" << n << " k=" << k;
    }
  }
}

TEST(RealFftFloat, CosineAtABinCentreGivesHalfTheLengthTimesTheAmplitude) {
  const int n = 2048, k0 = 100;
  RealFftFloat f(n);
  RealBufferF x(fft_alloc_realf(n));
  ComplexBufferF y(fft_alloc_complexf(n / 2 + 1));
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(0.5 * std::cos(2 * std::numbers::pi * k0 * i / n));
  f.forward(x.get(), y.get());
  EXPECT_NEAR(y[k0].real(), 0.5 * n / 2, 1e-2);
  EXPECT_NEAR(std::abs(y[k0 + 1]), 0.0, 1e-2);
}

TEST(RealFftFloat, RejectsNonPositiveSizes) {
  EXPECT_THROW(RealFftFloat(0), ParameterError);
  EXPECT_THROW(RealFftFloat(-4), ParameterError);
}

}  // namespace
}  // namespace echoelml::dsp
