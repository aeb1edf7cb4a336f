// The split kernels of the packed real FFT (src/dsp/fft_split.h): the AVX2 and the scalar builds
// give the same bits, the twiddles are exact where the angle is, and one split step against a
// hand-derived case (n = 4) and a long-double DFT of the packed halves.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <numbers>
#include <random>
#include <vector>

#include "dsp/fft_split.h"

namespace echoelml::dsp::detail {
namespace {

template <class T>
std::vector<std::complex<T>> random_bins(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<T> g(T(0), T(1));
  std::vector<std::complex<T>> v(static_cast<std::size_t>(count));
  for (auto& c : v) c = {g(rng), g(rng)};
  return v;
}

template <class T>
void expect_same_bits_both_ways() {
  if (!split_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::vector<int> halves;
  for (int N = 1; N <= 80; ++N) halves.push_back(N);
  for (int N : {127, 500, 512, 700, 1024, 2048}) halves.push_back(N);
  for (int N : halves) {
    const auto tw = split_twiddles<T>(2 * N);
    for (bool inverse : {false, true}) {
      auto a = random_bins<T>(N + 1, static_cast<unsigned>(N * 2 + inverse));
      auto b = a;
      if (inverse) split_inverse(a.data(), N, tw, true), split_inverse(b.data(), N, tw, false);
      else split_forward(a.data(), N, tw, true), split_forward(b.data(), N, tw, false);
      const std::size_t used = static_cast<std::size_t>(inverse ? N : N + 1);
      EXPECT_EQ(std::memcmp(a.data(), b.data(), used * sizeof(a[0])), 0) << "N=" << N << " inverse=" << inverse;
    }
  }
}

TEST(FftSplit, Avx2AndScalarGiveTheSameBitsFloat) { expect_same_bits_both_ways<float>(); }
TEST(FftSplit, Avx2AndScalarGiveTheSameBitsDouble) { expect_same_bits_both_ways<double>(); }

TEST(FftSplit, TwiddlesAreExactAtTheQuadrantEndsAndAccurateElsewhere) {
  for (int n : {8, 12, 2048, 1000}) {
    const auto tf = split_twiddles<float>(n).w;
    const auto td = split_twiddles<double>(n).w;
    ASSERT_EQ(tf.size(), static_cast<std::size_t>(n / 4 + 1));
    EXPECT_EQ(td[0], std::complex<double>(0.0, -1.0));  // -i
    if (n % 4 == 0) {
      EXPECT_EQ(td[n / 4].real(), -1.0);
      EXPECT_EQ(td[n / 4].imag(), 0.0);
      EXPECT_EQ(tf[n / 4].real(), -1.0f);
      EXPECT_EQ(tf[n / 4].imag(), 0.0f);
    }
    for (std::size_t k = 0; k < td.size(); ++k) {
      // -i exp(-2 pi i k / n) = -sin - i cos, against the double library at a few ulps.
      const double th = 2 * std::numbers::pi * static_cast<double>(k) / n;
      EXPECT_NEAR(td[k].real(), -std::sin(th), 4e-16) << n << " " << k;
      EXPECT_NEAR(td[k].imag(), -std::cos(th), 4e-16) << n << " " << k;
      EXPECT_EQ(tf[k], std::complex<float>(td[k])) << "float twiddles are the double ones rounded once";
    }
  }
}

TEST(FftSplit, FourRealsByHand) {
  // x = (1, 2, 3, 4): z = (1+2i, 3+4i), Z = (4+6i, -2-2i); rfft(x) = (10, -2+2i, -2).
  std::vector<std::complex<double>> z{{4, 6}, {-2, -2}, {99, 99}};
  const auto tw = split_twiddles<double>(4);
  for (bool avx2 : {false, true}) {
    if (avx2 && !split_has_avx2()) continue;
    auto y = z;
    split_forward(y.data(), 2, tw, avx2);
    EXPECT_EQ(y[0], std::complex<double>(10, 0));
    EXPECT_EQ(y[1], std::complex<double>(-2, 2));
    EXPECT_EQ(y[2], std::complex<double>(-2, 0));
    // Back: Z is 2 * DFT_2 of z (the unnormalised inverse gives n x).
    split_inverse(y.data(), 2, tw, avx2);
    EXPECT_EQ(y[0], std::complex<double>(8, 12));
    EXPECT_EQ(y[1], std::complex<double>(-4, -4));
  }
}

TEST(FftSplit, ForwardSplitOfAnExactHalfDftIsTheRealDft) {
  // Z computed by a long-double DFT of the packed samples; the split must give the long-double
  // real DFT to double rounding.
  for (int n : {2, 6, 10, 16, 18, 64, 90}) {
    const int N = n / 2;
    std::mt19937 rng(static_cast<unsigned>(n));
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<double> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = u(rng);
    const long double pi = std::numbers::pi_v<long double>;
    std::vector<std::complex<double>> Z(static_cast<std::size_t>(N + 1));
    for (int k = 0; k < N; ++k) {
      std::complex<long double> acc = 0;
      for (int m = 0; m < N; ++m)
        acc += std::complex<long double>(x[2 * m], x[2 * m + 1]) * std::polar(1.0L, -2 * pi * k * m / N);
      Z[k] = std::complex<double>(acc);
    }
    const auto tw = split_twiddles<double>(n);
    split_forward(Z.data(), N, tw, split_has_avx2());
    for (int k = 0; k <= N; ++k) {
      std::complex<long double> acc = 0;
      for (int j = 0; j < n; ++j) acc += static_cast<long double>(x[j]) * std::polar(1.0L, -2 * pi * k * j / n);
      EXPECT_NEAR(Z[k].real(), static_cast<double>(acc.real()), 1e-14) << n << " " << k;
      EXPECT_NEAR(Z[k].imag(), static_cast<double>(acc.imag()), 1e-14) << n << " " << k;
    }
  }
}

}  // namespace
}  // namespace echoelml::dsp::detail
