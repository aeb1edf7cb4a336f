// Per-bin and per-sample kernels of the streaming technique pass (technique_stream.cpp).
// Each has an AVX2 build chosen at run time and an SSE2/scalar one. Every float32 element is
// rounded exactly as the scalar definitions in hpss_common.h and stft/istft (no FMA: the AVX2
// builds enable only "avx2", so nothing is contracted); only float64 sums change order.
#pragma once

#include <cstddef>

namespace echoelml::features::detail {

/// out[k] = double(src[k]) * window[k] for k < n (stft.cpp's framing).
void window_frame(const float* src, const double* window, std::size_t n, double* out);

/// Rounds n double-precision bins (interleaved re, im) to complex64 into x and takes np.abs
/// of each into mag: the double sqrt of the exact double squares, rounded once (hypotf).
void to_complex64_and_abs(const double* spec, std::size_t n, float* x, float* mag);

/// sum v[k] and sum (v[k] - mean)^2 in float64, for the merged variance moments.
double sum_f64(const float* v, std::size_t n);
double sum_sq_dev(const float* v, std::size_t n, double mean);

/// softmask(h, p * margin, 2, split) applied to x (complex64, magnitude mag) with magphase's
/// phase, for n bins, into interleaved complex64 `out` (hpss_common.h, power 2).
void harmonic_bins(const float* x, const float* mag, const float* hm, const float* pm, float margin, bool split,
                   std::size_t n, float* out);

/// ola[k] += (double(f[k]) * scale) * window[k] for k < n (the inverse FFT's 1/n_fft, the
/// synthesis window and the overlap-add; f is the float32 inverse FFT's frame).
void overlap_add(const float* f, const double* window, double scale, std::size_t n, double* ola);

/// sum over k < n of |float(wss[k] > tiny ? ola[k] / wss[k] : ola[k])| in float64
/// (istft's normalisation, the float32 output and np.abs).
double normalised_abs_sum(const double* ola, const double* wss, std::size_t n);

/// MelBank::apply's float32 sums for 8 frames at once: mag8 is [bin][8 lanes]; for band b the
/// non-zero weights are w[b * w_stride + k], k in [lo[b], hi[b]); acc[b * 8 + j] gets lane j's
/// sum in bin order of w * (m * m).
void mel_bands8(const float* w, std::size_t w_stride, const std::size_t* lo, const std::size_t* hi,
                std::size_t bands, const float* mag8, float* acc);

}  // namespace echoelml::features::detail
