// Real FFTs through FFTW3 (double) and FFTW3f (float). Plans are made once per size and shared; execution is thread-safe.
//
// Double precision on purpose: librosa runs numpy's double FFT and rounds each bin to
// complex64, so every bin carries a *relative* float32 error. A float32 FFT's error is relative
// to the frame's energy instead, which moved mel_db near the top_db floor by 1e-5 of full
// scale on the golden set (the budget is 3e-6); the double FFT gives 1.6e-7 (docs/benchmarks.md).
#pragma once

#include <complex>
#include <cstddef>
#include <memory>

namespace echoelml::dsp {

namespace detail {
/// How a real FFT is computed. `automatic` is what the one-argument constructors use; the
/// others exist so tests and benchmarks can compare the two on the same sizes.
enum class FftMethod {
  automatic,
  fftw_real,       ///< FFTW's own r2c/c2r plans.
  packed_complex,  ///< even n only: FFTW's complex FFT of n/2 points plus our split (src/dsp/fft_split.h).
};
}  // namespace detail

class RealFft {
 public:
  /// n > 0. Creating a plan for a new size takes a lock; later instances reuse it.
  explicit RealFft(int n);
  /// As above with an explicit method (tests, benchmarks); packed_complex needs an even n.
  RealFft(int n, detail::FftMethod method);
  ~RealFft();
  RealFft(RealFft&&) noexcept;
  RealFft& operator=(RealFft&&) noexcept;

  int size() const noexcept { return n_; }
  int bins() const noexcept { return n_ / 2 + 1; }
  /// Forward transform of n reals into n/2+1 bins (unnormalised, like numpy.fft.rfft).
  /// Pointers must come from fft_alloc_* (FFTW's SIMD alignment).
  void forward(double* in, std::complex<double>* out) const;
  /// Inverse of n/2+1 bins into n reals, unnormalised (multiply by 1/n for numpy.fft.irfft).
  /// Destroys `in`. The imaginary parts of the DC and Nyquist bins are ignored, as numpy does.
  void inverse(std::complex<double>* in, double* out) const;

 private:
  int n_;
  struct Plans;
  std::shared_ptr<Plans> plans_;
};

/// Single-precision real FFT (FFTW3f) for features that are this project's own definitions and
/// need no librosa parity (the mix spectrum), and for the technique pass's inverse, where only
/// sum |h| is used (docs/features.md). Same plan cache and wisdom machinery as RealFft;
/// its wisdom is kept in its own file (the double cache's path + "-float"). For even n >= 64
/// it runs FFTW's complex FFT of n/2 points plus an AVX2 split (twice as fast as FFTW's float
/// r2c at 2048); other sizes use FFTW's r2c/c2r.
class RealFftFloat {
 public:
  /// n > 0. Creating a plan for a new size takes a lock; later instances reuse it.
  explicit RealFftFloat(int n);
  /// As above with an explicit method (tests, benchmarks); packed_complex needs an even n.
  RealFftFloat(int n, detail::FftMethod method);
  ~RealFftFloat();
  RealFftFloat(RealFftFloat&&) noexcept;
  RealFftFloat& operator=(RealFftFloat&&) noexcept;

  int size() const noexcept { return n_; }
  int bins() const noexcept { return n_ / 2 + 1; }
  /// Forward transform of n reals into n/2+1 bins (unnormalised). Pointers from fft_alloc_*f.
  void forward(float* in, std::complex<float>* out) const;
  /// Inverse of n/2+1 bins into n reals, unnormalised, like RealFft::inverse (destroys `in`).
  /// Its rounding error is relative to the frame's norm, not to each sample.
  void inverse(std::complex<float>* in, float* out) const;

 private:
  int n_;
  struct Plans;
  std::shared_ptr<Plans> plans_;
};

/// SIMD-aligned buffers for RealFft.
double* fft_alloc_real(std::size_t n);
std::complex<double>* fft_alloc_complex(std::size_t n);
void fft_free(void* p);
/// SIMD-aligned buffers for RealFftFloat; free with fftf_free.
float* fft_alloc_realf(std::size_t n);
std::complex<float>* fft_alloc_complexf(std::size_t n);
void fftf_free(void* p);

struct FftFree {
  void operator()(void* p) const { fft_free(p); }
};
using RealBuffer = std::unique_ptr<double[], FftFree>;
using ComplexBuffer = std::unique_ptr<std::complex<double>[], FftFree>;
struct FftfFree {
  void operator()(void* p) const { fftf_free(p); }
};
using RealBufferF = std::unique_ptr<float[], FftfFree>;
using ComplexBufferF = std::unique_ptr<std::complex<float>[], FftfFree>;

}  // namespace echoelml::dsp
