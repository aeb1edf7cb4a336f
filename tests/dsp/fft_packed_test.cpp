// The packed real FFT (complex FFT of n/2 points + split) against FFTW's own r2c/c2r: float
// against FFTW's double transform, double against a long-double DFT, on random and structured
// inputs of many sizes (odd sizes take FFTW's path), with errors bounded by a small multiple of
// eps * ||x|| * log2 n; the round trip; and the inverse's convention for the imaginary parts of
// the DC and Nyquist bins (ignored, as FFTW's c2r and numpy's irfft do).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <complex>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/dsp/fft.h"

namespace echoelml::dsp {
namespace {

using detail::FftMethod;

const std::vector<int> kSizes{2, 4, 6, 8, 10, 12, 14, 16, 30, 64, 100, 126, 1000, 1400, 2048, 4096, 1, 3, 7, 1001};
const std::vector<std::string> kKinds{"uniform", "gauss", "impulse0", "impulse1", "constant", "alternating", "cosine"};

std::vector<double> make_input(const std::string& kind, int n) {
  std::mt19937 rng(static_cast<unsigned>(n) * 31u + static_cast<unsigned>(kind.size()));
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(static_cast<std::size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) {
    auto& v = x[static_cast<std::size_t>(i)];
    if (kind == "uniform") v = u(rng);
    else if (kind == "gauss") v = 1000 * g(rng);
    else if (kind == "impulse0") v = i == 0;
    else if (kind == "impulse1") v = i == std::min(1, n - 1);
    else if (kind == "constant") v = 0.25;
    else if (kind == "alternating") v = i % 2 ? -1.0 : 1.0;
    else v = std::cos(2 * std::numbers::pi * (n / 3) * i / n);
    v = static_cast<float>(v);  // exactly representable in both precisions
  }
  return x;
}

double norm(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return std::sqrt(s);
}

double log2n(int n) { return std::max(1.0, std::log2(static_cast<double>(n))); }

// FFTW's double r2c of x: the float transforms' reference.
std::vector<std::complex<double>> reference_rfft(const std::vector<double>& x) {
  const int n = static_cast<int>(x.size());
  RealFft f(n, FftMethod::fftw_real);
  RealBuffer in(fft_alloc_real(x.size()));
  ComplexBuffer out(fft_alloc_complex(x.size() / 2 + 1));
  std::copy(x.begin(), x.end(), in.get());
  f.forward(in.get(), out.get());
  return {out.get(), out.get() + n / 2 + 1};
}

// Long-double DFT with exactly reduced angles (j k mod n): the double transforms' reference.
std::vector<std::complex<double>> exact_rfft(const std::vector<double>& x) {
  const auto n = static_cast<long>(x.size());
  std::vector<std::complex<long double>> w(static_cast<std::size_t>(n));
  for (long j = 0; j < n; ++j) w[static_cast<std::size_t>(j)] = std::polar(1.0L, -2 * std::numbers::pi_v<long double> * j / n);
  std::vector<std::complex<double>> X(static_cast<std::size_t>(n / 2 + 1));
  for (long k = 0; k <= n / 2; ++k) {
    std::complex<long double> acc = 0;
    for (long j = 0; j < n; ++j) acc += static_cast<long double>(x[static_cast<std::size_t>(j)]) * w[static_cast<std::size_t>(j * k % n)];
    X[static_cast<std::size_t>(k)] = std::complex<double>(acc);
  }
  return X;
}

template <class T, class Fft>
std::vector<std::complex<double>> run_forward(const Fft& f, const std::vector<double>& x) {
  using C = std::complex<T>;
  T* rin;
  C* cout;
  if constexpr (std::is_same_v<T, float>) rin = fft_alloc_realf(x.size()), cout = fft_alloc_complexf(x.size() / 2 + 1);
  else rin = fft_alloc_real(x.size()), cout = fft_alloc_complex(x.size() / 2 + 1);
  for (std::size_t i = 0; i < x.size(); ++i) rin[i] = static_cast<T>(x[i]);
  f.forward(rin, cout);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(rin[i], static_cast<T>(x[i])) << "forward keeps its input";
  std::vector<std::complex<double>> out(cout, cout + x.size() / 2 + 1);
  if constexpr (std::is_same_v<T, float>) fftf_free(rin), fftf_free(cout);
  else fft_free(rin), fft_free(cout);
  return out;
}

double max_error(const std::vector<std::complex<double>>& a, const std::vector<std::complex<double>>& b) {
  double e = 0;
  for (std::size_t k = 0; k < a.size(); ++k) e = std::max(e, std::abs(a[k] - b[k]));
  return e;
}

TEST(PackedRealFft, FloatForwardMatchesFftwDoubleWithinEpsNormLog2n) {
  // FFTW's own float r2c reaches 2.1 eps ||x|| log2 n here (a cosine at n = 4096); 3 leaves room.
  const double eps = std::numeric_limits<float>::epsilon();
  double worst_packed = 0, worst_fftw = 0;  // as multiples of eps ||x|| log2 n
  for (int n : kSizes)
    for (const auto& kind : kKinds) {
      const auto x = make_input(kind, n);
      const auto ref = reference_rfft(x);
      const double scale = eps * norm(x) * log2n(n);
      const auto got = run_forward<float>(RealFftFloat(n), x);
      const double e = max_error(got, ref);
      EXPECT_LE(e, 3 * scale) << "n=" << n << " " << kind;
      worst_packed = std::max(worst_packed, e / scale);
      worst_fftw = std::max(worst_fftw, max_error(run_forward<float>(RealFftFloat(n, FftMethod::fftw_real), x), ref) / scale);
    }
  std::cout << "float forward: worst error / (eps ||x|| log2 n): default " << worst_packed << ", FFTW r2c " << worst_fftw
            << "\n";
}

TEST(PackedRealFft, DoubleForwardMatchesALongDoubleDft) {
  const double eps = std::numeric_limits<double>::epsilon();
  for (int n : kSizes) {
    if (n % 2) continue;
    for (const auto& kind : kKinds) {
      const auto x = make_input(kind, n);
      const auto ref = exact_rfft(x);
      const double scale = eps * norm(x) * log2n(n);
      EXPECT_LE(max_error(run_forward<double>(RealFft(n, FftMethod::packed_complex), x), ref), 2 * scale)
          << "n=" << n << " " << kind;
      EXPECT_LE(max_error(run_forward<double>(RealFft(n, FftMethod::fftw_real), x), ref), 2 * scale)
          << "n=" << n << " " << kind;
    }
  }
}

TEST(PackedRealFft, FloatPackedForcedAtSmallEvenSizesMatchesFftw) {
  const double eps = std::numeric_limits<float>::epsilon();
  for (int n : kSizes) {
    if (n % 2) continue;
    for (const auto& kind : kKinds) {
      const auto x = make_input(kind, n);
      const double scale = eps * norm(x) * log2n(n);
      EXPECT_LE(max_error(run_forward<float>(RealFftFloat(n, FftMethod::packed_complex), x), reference_rfft(x)),
                3 * scale)
          << "n=" << n << " " << kind;
    }
  }
}

// Hermitian half spectrum with non-zero imaginary DC and Nyquist parts; returns it and the
// same spectrum with those parts zeroed.
template <class T>
std::vector<std::complex<T>> random_half_spectrum(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<std::complex<T>> X(static_cast<std::size_t>(n / 2 + 1));
  for (auto& c : X) c = {u(rng), u(rng)};
  return X;
}

template <class T, class Fft>
std::vector<double> run_inverse(const Fft& f, int n, const std::vector<std::complex<T>>& X) {
  T* rout;
  std::complex<T>* cin;
  if constexpr (std::is_same_v<T, float>) rout = fft_alloc_realf(n), cin = fft_alloc_complexf(X.size());
  else rout = fft_alloc_real(n), cin = fft_alloc_complex(X.size());
  std::copy(X.begin(), X.end(), cin);
  f.inverse(cin, rout);
  std::vector<double> out(rout, rout + n);
  if constexpr (std::is_same_v<T, float>) fftf_free(rout), fftf_free(cin);
  else fft_free(rout), fft_free(cin);
  return out;
}

template <class T>
using FftOf = std::conditional_t<std::is_same_v<T, float>, RealFftFloat, RealFft>;

// Inverse against FFTW's double c2r, with the imaginary DC/Nyquist parts set: both must ignore
// them (bit for bit for our transform), then the round trip.
template <class T>
void check_inverse(FftMethod method) {
  const double eps = std::numeric_limits<T>::epsilon();
  for (int n : kSizes) {
    if (method == FftMethod::packed_complex && n % 2) continue;
    const FftOf<T> f(n, method);
    const auto X = random_half_spectrum<T>(n, static_cast<unsigned>(n) + 17u);
    auto Xz = X;
    Xz.front().imag(0);
    if (n % 2 == 0) Xz.back().imag(0);
    ASSERT_NE(X.front().imag(), 0);
    const RealFft ref_fft(n, FftMethod::fftw_real);
    const auto ref = run_inverse<double>(ref_fft, n, std::vector<std::complex<double>>(Xz.begin(), Xz.end()));
    const auto ref_raw = run_inverse<double>(ref_fft, n, std::vector<std::complex<double>>(X.begin(), X.end()));
    double full = 0;  // squared norm of the whole n-point spectrum
    for (std::size_t k = 0; k < Xz.size(); ++k) {
      const bool once = k == 0 || (n % 2 == 0 && k + 1 == Xz.size());
      full += (once ? 1 : 2) * std::norm(std::complex<double>(Xz[k]));
    }
    const double tol = 2 * eps * std::sqrt(full) * log2n(n);
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(ref_raw[static_cast<std::size_t>(i)], ref[static_cast<std::size_t>(i)], 4e-15 * std::sqrt(full))
          << "FFTW's c2r ignores Im X[0] and Im X[n/2]; n=" << n;
    const auto got = run_inverse<T>(f, n, X);
    EXPECT_EQ(got, run_inverse<T>(f, n, Xz)) << "n=" << n;
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(got[static_cast<std::size_t>(i)], ref[static_cast<std::size_t>(i)], tol) << "n=" << n << " i=" << i;
    // Round trip: inverse(forward(x)) / n = x.
    const auto x = make_input("gauss", n);
    const auto spec = run_forward<T>(f, x);
    std::vector<std::complex<T>> spec_t(spec.begin(), spec.end());
    const auto back = run_inverse<T>(f, n, spec_t);
    const double rt_tol = 4 * eps * norm(x) * log2n(n) / std::sqrt(static_cast<double>(n)) + 4 * eps * 1000;
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(back[static_cast<std::size_t>(i)] / n, x[static_cast<std::size_t>(i)], rt_tol) << "n=" << n;
  }
}

TEST(PackedRealFft, FloatInverseDefault) { check_inverse<float>(FftMethod::automatic); }
TEST(PackedRealFft, FloatInversePackedForced) { check_inverse<float>(FftMethod::packed_complex); }
TEST(PackedRealFft, DoubleInverseDefault) { check_inverse<double>(FftMethod::automatic); }
TEST(PackedRealFft, DoubleInversePackedForced) { check_inverse<double>(FftMethod::packed_complex); }

TEST(PackedRealFft, PackedMethodRejectsOddSizes) {
  EXPECT_THROW(RealFftFloat(7, FftMethod::packed_complex), ParameterError);
  EXPECT_THROW(RealFft(7, FftMethod::packed_complex), ParameterError);
  EXPECT_THROW(RealFftFloat(0, FftMethod::packed_complex), ParameterError);
  EXPECT_NO_THROW(RealFftFloat(7));  // the default falls back to FFTW's r2c/c2r
}

TEST(PackedRealFft, MovedTransformsKeepThePlans) {
  RealFftFloat a(2048);
  RealFftFloat b(std::move(a));
  EXPECT_EQ(b.size(), 2048);
  const auto x = make_input("uniform", 2048);
  EXPECT_EQ(run_forward<float>(b, x), run_forward<float>(RealFftFloat(2048), x));
}

}  // namespace
}  // namespace echoelml::dsp
