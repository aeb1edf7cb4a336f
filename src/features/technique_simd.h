// Per-bin and per-sample kernels of the streaming technique pass (technique_stream.cpp).
// Each has an AVX2 build chosen at run time and an SSE2/scalar one. Every float32 element is
// rounded exactly as the scalar definitions in hpss_common.h and stft/istft (no FMA: the AVX2
// builds enable only "avx2", so nothing is contracted); only float64 sums change order.
#pragma once

#include <cstddef>

namespace echoelml::features::detail {

/// The combination of eight float64 lanes that the AVX2 sums use (two 4-double accumulators,
/// added, then the halves): s[j] is lane j % 4 of accumulator j / 4.
inline double lanes8_total(const double* s) {
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/// Without AVX2, an AVX2 sum's full 8-sample steps over term(k), k from `k` on: the same lanes
/// and combination, so both builds give the same bits. Advances k past the last full step.
template <typename Term>
double eight_lane_sum(std::size_t n, std::size_t& k, Term term) {
  double s[8] = {};
  for (; k + 8 <= n; k += 8)
    for (std::size_t j = 0; j < 8; ++j) s[j] += term(k + j);
  return lanes8_total(s);
}

/// The tail both builds leave after their 8-sample steps: two lanes, k even and odd.
template <typename Term>
double pair_tail_sum(std::size_t k, std::size_t n, Term term) {
  double a[2] = {};
  for (; k < n; ++k) a[k & 1] += term(k);
  return a[0] + a[1];
}

/// out[k] = double(src[k]) * window[k] for k < n (stft.cpp's framing).
void window_frame(const float* src, const double* window, std::size_t n, double* out);

/// window_frame of two frames hop samples apart (src and src + hop), reading the window once.
void window_frame2(const float* src, std::size_t hop, const double* window, std::size_t n, double* out0,
                   double* out1);

/// Rounds n double-precision bins (interleaved re, im) to complex64 into x and takes np.abs
/// of each into mag (dsp::abs_complex64, numpy's float32 formula).
void to_complex64_and_abs(const double* spec, std::size_t n, float* x, float* mag);

/// to_complex64_and_abs, returning sum_f64(mag, n) (the same bits) from the same pass.
double to_complex64_abs_sum(const double* spec, std::size_t n, float* x, float* mag);

/// sum v[k] and sum (v[k] - mean)^2 in float64, for the merged variance moments.
double sum_f64(const float* v, std::size_t n);
double sum_sq_dev(const float* v, std::size_t n, double mean);

/// mask_bin(x, softmask(h, p * margin, 2, split)) for n bins: x and `out` interleaved complex64
/// (hpss_common.h, power 2).
void harmonic_bins(const float* x, const float* hm, const float* pm, float margin, bool split, std::size_t n,
                   float* out);
/// The SSE2/scalar build of harmonic_bins, whatever the CPU (for the tests' bit comparison).
void harmonic_bins_fallback(const float* x, const float* hm, const float* pm, float margin, bool split,
                            std::size_t n, float* out);

/// ola[k] += (double(f[k]) * scale) * window[k] for k < n (the inverse FFT's 1/n_fft, the
/// synthesis window and the overlap-add; f is the float32 inverse FFT's frame).
void overlap_add(const float* f, const double* window, double scale, std::size_t n, double* ola);

/// ola[k] = (double(f[k]) * scale) * window[k]: overlap_add onto samples no earlier frame
/// reached (0 + v is v; only a zero's sign can differ, and only |.| of the output is used).
void overlap_store(const float* f, const double* window, double scale, std::size_t n, double* ola);

/// overlap_add followed by normalised_abs_sum on samples that this frame completes: the sum
/// over k < n of |float(o / wss[k])| (o where wss[k] <= tiny), o = ola[k] + (double(f[k]) *
/// scale) * window[k]. Nothing is stored. The AVX2 and SSE2 builds give the same bits.
double overlap_add_emit(const float* f, const double* window, double scale, std::size_t n, const double* ola,
                        const double* wss);

/// The SSE2/scalar build of overlap_add_emit, whatever the CPU (for the tests' bit comparison).
double overlap_add_emit_fallback(const float* f, const double* window, double scale, std::size_t n,
                                 const double* ola, const double* wss);

/// sum over k < n of |float(wss[k] > tiny ? ola[k] / wss[k] : ola[k])| in float64
/// (istft's normalisation, the float32 output and np.abs).
double normalised_abs_sum(const double* ola, const double* wss, std::size_t n);

/// MelBank::apply's float32 sums for 8 frames at once: mag8 is [bin][8 lanes]; for band b the
/// non-zero weights are w[b * w_stride + k], k in [lo[b], hi[b]); acc[b * 8 + j] gets lane j's
/// sum in bin order of w * (m * m).
void mel_bands8(const float* w, std::size_t w_stride, const std::size_t* lo, const std::size_t* hi,
                std::size_t bands, const float* mag8, float* acc);

}  // namespace echoelml::features::detail
