// The "split" step that turns a complex FFT of half the size into a real FFT (and back).
//
// For even n = 2N, the n reals x read as N complex values z[m] = x[2m] + i x[2m+1] have the
// DFT Z = DFT_N(z). With a = Z[k], b = conj(Z[N-k]), s = a + b, d = a - b and the twiddle
// w_k = -i exp(-2 pi i k / n), the real FFT's bins are
//   X[k] = (s + w_k d) / 2,  X[N-k] = conj(s - w_k d) / 2,  X[0] = Re Z0 + Im Z0, X[N] = Re Z0 - Im Z0.
// Computed as X[k] = s/2 + (w_k/2) d (the same values: halving is exact barring subnormals).
// The inverse runs the same pairs backwards with conj(w_k) and no 1/2: Z[k] = s + conj(w_k) d,
// Z[N-k] = conj(s - conj(w_k) d) from a = X[k], b = conj(X[N-k]); then z = IDFT_N(Z) is x
// (unnormalised, as FFTW's c2r). The imaginary parts of X[0] and X[N] are ignored, as FFTW's
// c2r and numpy's irfft do.
//
// Each kernel has an AVX2 build (four float or two double bins a step) and a scalar build that
// performs the same IEEE operations in the same order, so both give the same bits (no FMA:
// the AVX2 functions enable only "avx2").
#pragma once

#include <complex>
#include <vector>

namespace echoelml::dsp::detail {

/// w_k = -i exp(-2 pi i k / n) for k = 0..n/4 (n even), from long-double sin/cos of exactly
/// reduced angles (k and n/4 - k mirror each other, so w_{n/4} = -1 exactly), rounded once.
/// The kernels read two tables made from w, each part stored twice ([re_k, re_k]) so the AVX2
/// loops load them instead of shuffling (they are bound by the shuffle and FP ports):
/// fwd = w / 2 (the forward's halving moved into the twiddle; exact, a power of two) and
/// inv = conj(w).
template <class T>
struct SplitTwiddles {
  std::vector<std::complex<T>> w;
  std::vector<T> fwd_re, fwd_im, inv_re, inv_im;
};
template <class T>
SplitTwiddles<T> split_twiddles(int n);

/// Forward split in place: z[0..N) holds DFT_N of the packed reals; on return z[0..N] holds
/// the n/2+1 real-FFT bins. tw from split_twiddles(2N).
void split_forward(std::complex<float>* z, int N, const SplitTwiddles<float>& tw, bool avx2);
void split_forward(std::complex<double>* z, int N, const SplitTwiddles<double>& tw, bool avx2);

/// Inverse split in place: x[0..N] holds n/2+1 bins; on return x[0..N) holds Z, whose
/// unnormalised inverse DFT_N is the n reals (packed as above).
void split_inverse(std::complex<float>* x, int N, const SplitTwiddles<float>& tw, bool avx2);
void split_inverse(std::complex<double>* x, int N, const SplitTwiddles<double>& tw, bool avx2);

/// Whether this CPU runs the AVX2 kernels (checked once).
bool split_has_avx2();

}  // namespace echoelml::dsp::detail
