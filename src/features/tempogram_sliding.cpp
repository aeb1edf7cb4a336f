// Mean autocorrelation tempogram by a sliding DFT of length L = 2W.
//
// Why it equals librosa's tempogram mean: the mean over frames of each Hann-windowed frame's
// autocorrelation divided by its lag-0 value E_t is IFFT_L(sum_t |F_t|^2 / E_t) / n for any
// L >= 2W - 1 (Wiener-Khinchin; the inverse transform is linear), F_t the L-point DFT of the
// windowed frame. With L = 2W and w = exp(-2 pi i / L):
//  * R_t(f) = sum_{k<W} x[t+k] w^{fk} (the unwindowed frame) obeys
//    R_{t+1}(f) = w^{-f} (R_t(f) - x[t] + (-1)^f x[t+W]), because w^{fW} = (-1)^f;
//  * the periodic Hann window is 0.5 - 0.25 e^{2 pi i k/W} - 0.25 e^{-2 pi i k/W}, and
//    e^{2 pi i k/W} = w^{-2k} shifts the spectrum by 2 bins, so
//    F_t(f) = 0.5 R_t(f) - 0.25 R_t(f-2) - 0.25 R_t(f+2) (bins outside 0..W by conjugate symmetry).
// One complex multiply per bin and frame replaces an FFT per frame; E_t = sum (x w)^2 is still
// summed directly from the samples, so the skip rule (E_t < DBL_MIN) and the scale are unchanged.
//
// Error bound (u = 2^-53; norms over all L bins, divided by sqrt(L)): one step adds at most
// 6u sqrt(U_t) + 8u (|x[t]| + |x[t+W]|) to the state's error b (U_t = sum x^2 over the frame;
// from fl(R + d), the twiddle rounded once from long double, |w~ - w| <= sqrt(2) u, and the
// complex product's sqrt(5) u), and multiplies the old error by at most 1 + 4u. An exact anchor
// (FFTW of the unwindowed frame) restarts b at kFftError u sqrt(U_t); an all-zero frame resets
// the state to exactly 0. The Hann filter does not amplify errors (|F err|^2 <= 0.5 |a|^2 +
// 0.25 |b|^2 + 0.25 |c|^2 by convexity; each bin's weights, guard copies included, sum to its
// multiplicity on the circle) and rounds within 5u sqrt(U_t) (the window's own rounding
// included), so ||F~ - F|| <= beta sqrt(L E_t) with beta = (b + 5u sqrt(U_t)) / sqrt(E_t), and
// the frame's normalised autocorrelation is off by at most 2 beta + beta^2 at every lag (plus
// the ~3u rounding of |F|^2 / E_t that the per-frame FFT has as well).
// A frame whose bound exceeds the tolerance is re-anchored; if its window-edge energy still
// makes the bound too large (U_t >> E_t), it is computed from its windowed samples directly.
#include "features/tempogram_sliding.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>

#include "echoelml/core/cpu.h"
#include "echoelml/dsp/fft.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::features::detail {
namespace {

constexpr double kU = 0x1p-53;
constexpr double kFftError = kAnchorFftError;

std::size_t round_up4(std::size_t n) { return (n + 3) / 4 * 4; }

// Sums in eight lanes (k % 8, the tail in lane 0) to break the chains of dependent additions;
// the AVX2 build below runs the same lanes in two registers.
[[gnu::always_inline]] inline void energies_body(const float* __restrict x,
                                                 const double* __restrict window, std::size_t n,
                                                 double* e, double* u) {
  double e8[8] = {}, u8[8] = {};
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (std::size_t j = 0; j < 8; ++j) {
      const double v = static_cast<double>(x[k + j]);
      const double y = v * window[k + j];
      e8[j] += y * y;
      u8[j] += v * v;
    }
  for (; k < n; ++k) {
    const double v = static_cast<double>(x[k]);
    const double y = v * window[k];
    e8[0] += y * y;
    u8[0] += v * v;
  }
  *e = ((e8[0] + e8[1]) + (e8[2] + e8[3])) + ((e8[4] + e8[5]) + (e8[6] + e8[7]));
  *u = ((u8[0] + u8[1]) + (u8[2] + u8[3])) + ((u8[4] + u8[5]) + (u8[6] + u8[7]));
}

[[gnu::always_inline]] inline void slide_body(double* __restrict re, double* __restrict im,
                                              const double* __restrict c,
                                              const double* __restrict s, const double* d,
                                              std::size_t n) {
  const double dd[4] = {d[0], d[1], d[0], d[1]};
  for (std::size_t i = 0; i < n; i += 4)
    for (std::size_t j = 0; j < 4; ++j) {
      const double a = re[i + j] + dd[j];
      const double b = im[i + j];
      re[i + j] = a * c[i + j] - b * s[i + j];
      im[i + j] = a * s[i + j] + b * c[i + j];
    }
}

// The Hann filter doubled, 2 F = R[f+2] - 0.5 (R[f] + R[f+4]), with the 1/4 folded into
// inv4 = inv / 4: scaling by powers of two is exact, so this rounds as |F|^2 * inv would.
[[gnu::always_inline]] inline void hann_power_body(const double* __restrict re,
                                                   const double* __restrict im, double inv4,
                                                   double* __restrict acc, std::size_t n) {
  for (std::size_t f = 0; f < n; ++f) {
    const double fr = re[f + 2] - 0.5 * (re[f] + re[f + 4]);
    const double fi = im[f + 2] - 0.5 * (im[f] + im[f + 4]);
    acc[f] += (fr * fr + fi * fi) * inv4;
  }
}

}  // namespace

[[gnu::target("avx2")]] void frame_energies_avx2(const float* x, const double* window,
                                                 std::size_t n, double* e, double* u) {
  __m256d e0 = _mm256_setzero_pd(), e1 = e0, u0 = e0, u1 = e0;
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256d v0 = _mm256_cvtps_pd(_mm_loadu_ps(x + k));
    const __m256d v1 = _mm256_cvtps_pd(_mm_loadu_ps(x + k + 4));
    const __m256d y0 = _mm256_mul_pd(v0, _mm256_loadu_pd(window + k));
    const __m256d y1 = _mm256_mul_pd(v1, _mm256_loadu_pd(window + k + 4));
    e0 = _mm256_add_pd(e0, _mm256_mul_pd(y0, y0));
    e1 = _mm256_add_pd(e1, _mm256_mul_pd(y1, y1));
    u0 = _mm256_add_pd(u0, _mm256_mul_pd(v0, v0));
    u1 = _mm256_add_pd(u1, _mm256_mul_pd(v1, v1));
  }
  alignas(32) double e8[8], u8[8];
  _mm256_store_pd(e8, e0);
  _mm256_store_pd(e8 + 4, e1);
  _mm256_store_pd(u8, u0);
  _mm256_store_pd(u8 + 4, u1);
  for (; k < n; ++k) {
    const double v = static_cast<double>(x[k]);
    const double y = v * window[k];
    e8[0] += y * y;
    u8[0] += v * v;
  }
  *e = ((e8[0] + e8[1]) + (e8[2] + e8[3])) + ((e8[4] + e8[5]) + (e8[6] + e8[7]));
  *u = ((u8[0] + u8[1]) + (u8[2] + u8[3])) + ((u8[4] + u8[5]) + (u8[6] + u8[7]));
}
void frame_energies_sse2(const float* x, const double* window, std::size_t n, double* e,
                         double* u) {
  energies_body(x, window, n, e, u);
}
[[gnu::target("avx2")]] void slide_avx2(double* re, double* im, const double* c, const double* s,
                                        const double* d, std::size_t n) {
  slide_body(re, im, c, s, d, n);
}
void slide_sse2(double* re, double* im, const double* c, const double* s, const double* d,
                std::size_t n) {
  slide_body(re, im, c, s, d, n);
}
[[gnu::target("avx2")]] void add_hann_power_avx2(const double* re, const double* im, double inv4,
                                                 double* acc, std::size_t n) {
  hann_power_body(re, im, inv4, acc, n);
}
void add_hann_power_sse2(const double* re, const double* im, double inv4, double* acc,
                         std::size_t n) {
  hann_power_body(re, im, inv4, acc, n);
}

// slide_body for bins [i, i+4), leaving the new values in r and m too.
[[gnu::target("avx2"), gnu::always_inline]] inline void slide4_avx2(
    double* re, double* im, const double* c, const double* s, const __m256d& dd, std::size_t i,
    __m256d& r, __m256d& m) {
  const __m256d a = _mm256_add_pd(_mm256_loadu_pd(re + i), dd);
  const __m256d b = _mm256_loadu_pd(im + i);
  const __m256d cc = _mm256_loadu_pd(c + i), ss = _mm256_loadu_pd(s + i);
  r = _mm256_sub_pd(_mm256_mul_pd(a, cc), _mm256_mul_pd(b, ss));
  m = _mm256_add_pd(_mm256_mul_pd(a, ss), _mm256_mul_pd(b, cc));
  _mm256_storeu_pd(re + i, r);
  _mm256_storeu_pd(im + i, m);
}

// Both passes in one: bins [i, i+4) are slid, then the previous four filtered from the two
// registers (the +2 bins are the 128-bit halves in between), so the state is read once.
[[gnu::target("avx2")]] void slide_add_hann_power_avx2(double* re, double* im, const double* c,
                                                       const double* s, const double* d,
                                                       double inv4, double* acc, std::size_t n) {
  const __m256d dd = _mm256_setr_pd(d[0], d[1], d[0], d[1]);
  const __m256d half = _mm256_set1_pd(0.5), vinv = _mm256_set1_pd(inv4);
  __m256d r0, m0, r1, m1;
  slide4_avx2(re, im, c, s, dd, 0, r0, m0);
  for (std::size_t i = 4; i < n; i += 4) {
    slide4_avx2(re, im, c, s, dd, i, r1, m1);
    const __m256d fr = _mm256_sub_pd(_mm256_permute2f128_pd(r0, r1, 0x21),
                                     _mm256_mul_pd(half, _mm256_add_pd(r0, r1)));
    const __m256d fi = _mm256_sub_pd(_mm256_permute2f128_pd(m0, m1, 0x21),
                                     _mm256_mul_pd(half, _mm256_add_pd(m0, m1)));
    const __m256d p = _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(fr, fr), _mm256_mul_pd(fi, fi)), vinv);
    _mm256_storeu_pd(acc + i - 4, _mm256_add_pd(_mm256_loadu_pd(acc + i - 4), p));
    r0 = r1;
    m0 = m1;
  }
}
void slide_add_hann_power_sse2(double* re, double* im, const double* c, const double* s,
                               const double* d, double inv4, double* acc, std::size_t n) {
  slide_body(re, im, c, s, d, n);
  hann_power_body(re, im, inv4, acc, n - 4);
}

std::vector<float> linear_ramp_pad(std::span<const float> env, int half) {
  // each side ramps from 0 at the outer end towards the edge value,
  // numpy linspace(0, edge, half, endpoint=False), computed in double and stored as float32
  const std::size_t n = env.size(), h = static_cast<std::size_t>(half);
  std::vector<float> out(n + 2 * h);
  const double step_l = static_cast<double>(env.front()) / half;
  const double step_r = static_cast<double>(env.back()) / half;
  for (std::size_t j = 0; j < h; ++j) {
    out[j] = static_cast<float>(static_cast<double>(j) * step_l);
    out[n + 2 * h - 1 - j] = static_cast<float>(static_cast<double>(j) * step_r);
  }
  std::copy(env.begin(), env.end(), out.begin() + static_cast<std::ptrdiff_t>(h));
  return out;
}

std::vector<double> tempogram_mean_sliding(std::span<const float> env, int W,
                                           const SlidingOptions& opt, SlidingStats* stats) {
  SlidingStats local;
  SlidingStats& st = stats ? *stats : local;
  st = {};
  const std::size_t n = env.size(), w = static_cast<std::size_t>(W);
  const int L = 2 * W;
  const auto padded = linear_ramp_pad(env, W / 2);
  const auto window = dsp::hann_periodic(W);

  // State bins f = -2 .. P-3 at index i = f + 2: 0..W, two guard bins each side for the Hann
  // filter, and padding to whole vectors. All are true DFT bins, carried by the same
  // recursion with their own twiddles (|R(-f)| = |R(f)|, so the bound covers the guards).
  const std::size_t Q = round_up4(w + 1);  // filtered bins (0..W used)
  const std::size_t P = Q + 4;
  std::vector<double> re(P), im(P), c(P), s(P), acc(Q, 0.0);
  // w^{-g} = e^{2 pi i g / L} for g in 0..W: computed for g <= W/2, the rest exactly by
  // e^{2 pi i (W - g) / L} = -conj(e^{2 pi i g / L}). For g <= W/2, 4g = m L + r with
  // |r| <= L/2 (integers), so the angle is m pi/2 + theta, theta = pi r / (2L) in [-pi/4, pi/4]:
  // long double cos/sin need no argument reduction there, and rounding to double keeps each
  // part within u of the exact value (the bound assumes that).
  std::vector<double> tc(w + 1), ts(w + 1);
  for (std::size_t g = 0; g <= w; ++g) {
    if (2 * g > w) {
      tc[g] = -tc[w - g];
      ts[g] = ts[w - g];
      continue;
    }
    const long m = (8 * static_cast<long>(g) + L) / (2 * static_cast<long>(L));
    const long r = 4 * static_cast<long>(g) - m * L;
    const long double theta = std::numbers::pi_v<long double> * static_cast<long double>(r) / (2.0L * L);
    const double ct = static_cast<double>(std::cos(theta)), sn = static_cast<double>(std::sin(theta));
    switch (m) {  // 0 or 1: g <= W/2 means an angle <= pi/2
      case 0: tc[g] = ct; ts[g] = sn; break;
      default: tc[g] = -sn; ts[g] = ct; break;
    }
  }
  // Bin f's value and twiddle by L-periodicity and conjugate symmetry: bin g = f mod L, or the
  // conjugate of bin L - g when g > W.
  std::vector<std::size_t> src_bin(P);
  std::vector<bool> conj(P);
  for (std::size_t i = 0; i < P; ++i) {
    const long f = static_cast<long>(i) - 2;
    const long g = ((f % L) + L) % L;
    src_bin[i] = static_cast<std::size_t>(g <= W ? g : L - g);
    conj[i] = g > W;
    c[i] = tc[src_bin[i]];
    s[i] = conj[i] ? -ts[src_bin[i]] : ts[src_bin[i]];
  }

  dsp::RealFft fft(L);
  dsp::RealBuffer frame(dsp::fft_alloc_real(static_cast<std::size_t>(L)));
  dsp::ComplexBuffer spec(dsp::fft_alloc_complex(w + 1));

  static const bool cpu_avx2 = core::use_avx2();
  const bool avx2 = opt.avx2 && cpu_avx2;
  const double tiny = std::numeric_limits<double>::min();
  double b = 0.0;  // bound on the state's error (norm over L bins / sqrt(L))
  double prev_u = 0.0;

  // Both write the frame zero-padded to L (the zeros again each time: an FFT may use its input
  // as scratch).
  auto anchor = [&](const float* x, double u) {
    for (std::size_t k = 0; k < w; ++k) frame[k] = static_cast<double>(x[k]);
    std::fill(frame.get() + w, frame.get() + L, 0.0);
    fft.forward(frame.get(), spec.get());
    for (std::size_t i = 0; i < P; ++i) {
      const auto v = spec[src_bin[i]];
      re[i] = v.real();
      im[i] = conj[i] ? -v.imag() : v.imag();
    }
    b = kFftError * kU * std::sqrt(u);
    ++st.anchors;
  };
  auto direct = [&](const float* x, double inv) {
    for (std::size_t k = 0; k < w; ++k) frame[k] = static_cast<double>(x[k]) * window[k];
    std::fill(frame.get() + w, frame.get() + L, 0.0);
    fft.forward(frame.get(), spec.get());
    for (std::size_t f = 0; f <= w; ++f) acc[f] += std::norm(spec[f]) * inv;
    ++st.direct_frames;
  };
  // 2 beta + beta^2 for the state error b (see the top of the file)
  auto bound = [&](double state_error, double u, double e) {
    const double beta = (state_error + 5.0 * kU * std::sqrt(u)) / std::sqrt(e);
    return 2.0 * beta + beta * beta;
  };

  for (std::size_t t = 0; t < n; ++t) {
    const float* x = padded.data() + t;
    double e = 0.0, u = 0.0;
    if (avx2) frame_energies_avx2(x, window.data(), w, &e, &u);
    else frame_energies_sse2(x, window.data(), w, &e, &u);
    const double inv = 1.0 / e, inv4 = 0.25 * inv;

    bool fresh = false;  // state exact up to the anchor's error at this frame
    if (u == 0.0) {      // all-zero frame: its spectrum is exactly 0
      std::fill(re.begin(), re.end(), 0.0);
      std::fill(im.begin(), im.end(), 0.0);
      b = 0.0;
      ++st.zero_resets;
      fresh = true;
    } else if (t == 0) {
      anchor(x, u);
      fresh = true;
    } else {
      const double x0 = static_cast<double>(x[-1]), xw = static_cast<double>(x[w - 1]);
      const double d[2] = {xw - x0, -xw - x0};  // even and odd f: (-1)^f x[t-1+W] - x[t-1]
      b = b * (1.0 + 4.0 * kU) + 6.0 * kU * std::sqrt(prev_u) +
          8.0 * kU * (std::abs(x0) + std::abs(xw));
      const double err = e >= tiny ? bound(b, u, e) : std::numeric_limits<double>::infinity();
      if (err <= opt.tolerance) {  // the common case: slide and add this frame in one pass
        st.max_bound = std::max(st.max_bound, err);
        if (avx2) slide_add_hann_power_avx2(re.data(), im.data(), c.data(), s.data(), d, inv4, acc.data(), P);
        else slide_add_hann_power_sse2(re.data(), im.data(), c.data(), s.data(), d, inv4, acc.data(), P);
        prev_u = u;
        continue;
      }
      if (avx2) slide_avx2(re.data(), im.data(), c.data(), s.data(), d, P);
      else slide_sse2(re.data(), im.data(), c.data(), s.data(), d, P);
    }
    prev_u = u;
    if (e < tiny) continue;  // librosa leaves such a frame unscaled: it is ~0 anyway

    double err = bound(b, u, e);
    if (err > opt.tolerance && !fresh && bound(kFftError * kU * std::sqrt(u), u, e) <= opt.tolerance) {
      anchor(x, u);  // drift, not the window's edges: an exact spectrum fixes it
      err = bound(b, u, e);
    }
    if (err > opt.tolerance) {
      direct(x, inv);
      continue;
    }
    st.max_bound = std::max(st.max_bound, err);
    if (avx2) add_hann_power_avx2(re.data(), im.data(), inv4, acc.data(), Q);
    else add_hann_power_sse2(re.data(), im.data(), inv4, acc.data(), Q);
  }

  for (std::size_t f = 0; f <= w; ++f) spec[f] = {acc[f], 0.0};
  fft.inverse(spec.get(), frame.get());
  std::vector<double> tg(w);
  const double scale = 1.0 / (static_cast<double>(L) * static_cast<double>(n));
  for (std::size_t k = 0; k < w; ++k) tg[k] = frame[k] * scale;
  return tg;
}

}  // namespace echoelml::features::detail
