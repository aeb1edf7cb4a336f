// See technique_simd.h. The AVX2 functions carry [[gnu::target("avx2")]] and are picked once at
// run time; the others are the baseline SSE2/scalar builds of the same steps. Only the np.abs
// kernels add "fma", for the one fused operation numpy's formula has (dsp/complex_abs.h).
#include "technique_simd.h"

#include <immintrin.h>

#include <cmath>
#include <complex>
#include <limits>

#include "echoelml/core/cpu.h"
#include "dsp/complex_abs_avx2.h"

#include "hpss_common.h"

namespace echoelml::features::detail {
namespace {

bool use_avx2() { return core::use_avx2(); }
// numpy's |z| needs a fused multiply-add; AVX2 machines without FMA take the scalar path.
bool use_avx2_fma() { return core::use_avx2_fma(); }

[[gnu::target("avx2")]] std::size_t window_frame_avx2(const float* src, const double* w, std::size_t n, double* out) {
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4)
    _mm256_storeu_pd(out + k, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(src + k)), _mm256_loadu_pd(w + k)));
  return k;
}

[[gnu::target("avx2")]] std::size_t window_frame2_avx2(const float* src, std::size_t hop, const double* w,
                                                      std::size_t n, double* out0, double* out1) {
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d wk = _mm256_loadu_pd(w + k);
    _mm256_storeu_pd(out0 + k, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(src + k)), wk));
    _mm256_storeu_pd(out1 + k, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(src + hop + k)), wk));
  }
  return k;
}

// Eight bins: rounded to complex64 into x, np.abs into mag; returns mag.
[[gnu::target("avx2,fma"), gnu::always_inline]] inline __m256 complex64_abs8(const double* spec, float* x,
                                                                            float* mag) {
  const __m128 f0 = _mm256_cvtpd_ps(_mm256_loadu_pd(spec));  // re0 im0 re1 im1
  const __m128 f1 = _mm256_cvtpd_ps(_mm256_loadu_pd(spec + 4));
  const __m128 f2 = _mm256_cvtpd_ps(_mm256_loadu_pd(spec + 8));
  const __m128 f3 = _mm256_cvtpd_ps(_mm256_loadu_pd(spec + 12));
  _mm256_storeu_ps(x, _mm256_set_m128(f1, f0));
  _mm256_storeu_ps(x + 8, _mm256_set_m128(f3, f2));
  const __m256 lo = _mm256_set_m128(f2, f0), hi = _mm256_set_m128(f3, f1);  // per 128-bit half
  const __m256 re = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // bins 0-3 | 4-7
  const __m256 im = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
  const __m256 m = dsp::detail::abs_complex64_8(re, im);
  _mm256_storeu_ps(mag, m);
  return m;
}

[[gnu::target("avx2,fma")]] std::size_t to_complex64_and_abs_avx2(const double* spec, std::size_t n, float* x,
                                                                 float* mag) {
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) complex64_abs8(spec + 2 * k, x + 2 * k, mag + k);
  return k;
}

// The same, also summing mag over the first n / 16 * 16 bins exactly as sum_f64_avx2 does
// (accumulator j takes bins 16 i + 4 j .. + 3), so the caller needs no second pass.
[[gnu::target("avx2,fma")]] std::size_t to_complex64_abs_sum_avx2(const double* spec, std::size_t n, float* x,
                                                                 float* mag, double& sum) {
  __m256d a[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16)
    for (std::size_t h = 0; h < 2; ++h) {
      const std::size_t b = k + 8 * h;
      const __m256 m = complex64_abs8(spec + 2 * b, x + 2 * b, mag + b);
      a[2 * h] = _mm256_add_pd(a[2 * h], _mm256_cvtps_pd(_mm256_castps256_ps128(m)));
      a[2 * h + 1] = _mm256_add_pd(a[2 * h + 1], _mm256_cvtps_pd(_mm256_extractf128_ps(m, 1)));
    }
  const __m256d s = _mm256_add_pd(_mm256_add_pd(a[0], a[1]), _mm256_add_pd(a[2], a[3]));
  alignas(32) double l[4];
  _mm256_store_pd(l, s);
  sum = (l[0] + l[1]) + (l[2] + l[3]);
  return k;
}

// Four independent accumulators of 4 lanes: a single chain would wait on the add latency.
[[gnu::target("avx2")]] double sum_f64_avx2(const float* v, std::size_t n) {
  __m256d a[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 4; ++j) a[j] = _mm256_add_pd(a[j], _mm256_cvtps_pd(_mm_loadu_ps(v + i + 4 * j)));
  const __m256d s = _mm256_add_pd(_mm256_add_pd(a[0], a[1]), _mm256_add_pd(a[2], a[3]));
  alignas(32) double l[4];
  _mm256_store_pd(l, s);
  double r = (l[0] + l[1]) + (l[2] + l[3]);
  for (; i < n; ++i) r += v[i];
  return r;
}

[[gnu::target("avx2")]] double sum_sq_dev_avx2(const float* v, std::size_t n, double mean) {
  const __m256d m = _mm256_set1_pd(mean);
  __m256d a[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 4; ++j) {
      const __m256d d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(v + i + 4 * j)), m);
      a[j] = _mm256_add_pd(a[j], _mm256_mul_pd(d, d));
    }
  const __m256d s = _mm256_add_pd(_mm256_add_pd(a[0], a[1]), _mm256_add_pd(a[2], a[3]));
  alignas(32) double l[4];
  _mm256_store_pd(l, s);
  double r = (l[0] + l[1]) + (l[2] + l[3]);
  for (; i < n; ++i) r += (v[i] - mean) * (v[i] - mean);
  return r;
}

// 8 bins per step. One of h/z and q/z is exactly 1 (z is the larger of the two and >= tiny),
// so with d = min/max (the other ratio, the same division) the mask is 1 / (1 + d^2) when
// h >= q and d^2 / (d^2 + 1) otherwise: the same roundings with one division fewer. The
// masked bin is mask * X (hpss_common.h, mask_bin): |X| and the phase division cancel.
[[gnu::target("avx2")]] std::size_t harmonic_bins_avx2(const float* x, const float* hm, const float* pm,
                                                      float margin, bool split, std::size_t n, float* out) {
  const __m256 one = _mm256_set1_ps(1.0f), tiny = _mm256_set1_ps(std::numeric_limits<float>::min());
  const __m256 vm = _mm256_set1_ps(margin), vsplit = _mm256_set1_ps(split ? 0.5f : 0.0f);
  // Each mask lane multiplies two adjacent floats (re, im) of x: duplicate it in place.
  const __m256i lo_idx = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), hi_idx = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256 h = _mm256_loadu_ps(hm + k), q = _mm256_mul_ps(_mm256_loadu_ps(pm + k), vm);
    const __m256 z = _mm256_max_ps(h, q), lo = _mm256_min_ps(h, q);
    const __m256 is_tiny = _mm256_cmp_ps(z, tiny, _CMP_LT_OQ);
    const __m256 d = _mm256_div_ps(lo, _mm256_blendv_ps(z, one, is_tiny));
    const __m256 dd = _mm256_mul_ps(d, d);
    const __m256 num = _mm256_blendv_ps(dd, one, _mm256_cmp_ps(h, q, _CMP_GE_OQ));
    const __m256 mask = _mm256_blendv_ps(_mm256_div_ps(num, _mm256_add_ps(one, dd)), vsplit, is_tiny);
    const __m256 m0 = _mm256_permutevar8x32_ps(mask, lo_idx), m1 = _mm256_permutevar8x32_ps(mask, hi_idx);
    _mm256_storeu_ps(out + 2 * k, _mm256_mul_ps(m0, _mm256_loadu_ps(x + 2 * k)));
    _mm256_storeu_ps(out + 2 * k + 8, _mm256_mul_ps(m1, _mm256_loadu_ps(x + 2 * k + 8)));
  }
  return k;
}

// The SSE2 build: hpss_common.h's operations in their order, 4 bins per step (z = max(h, q)
// only decides the tiny case and divides, so a signed-zero difference from std::max cannot
// matter), with selects instead of branches.
void harmonic_bins_sse(const float* x, const float* hm, const float* pm, float margin, bool split, std::size_t k0,
                       std::size_t n, float* out) {
  const __m128 one = _mm_set1_ps(1.0f), tiny = _mm_set1_ps(std::numeric_limits<float>::min());
  const __m128 vm = _mm_set1_ps(margin), vsplit = _mm_set1_ps(split ? 0.5f : 0.0f);
  auto select = [](__m128 mask, __m128 a, __m128 b) {  // mask ? a : b
    return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
  };
  std::size_t k = k0;
  for (; k + 4 <= n; k += 4) {
    const __m128 h = _mm_loadu_ps(hm + k), q = _mm_mul_ps(_mm_loadu_ps(pm + k), vm);
    const __m128 z = _mm_max_ps(h, q);
    const __m128 is_tiny = _mm_cmplt_ps(z, tiny);
    const __m128 zz = select(is_tiny, one, z);
    const __m128 a = _mm_div_ps(h, zz), b = _mm_div_ps(q, zz);
    const __m128 ma = _mm_mul_ps(a, a), mr = _mm_mul_ps(b, b);
    const __m128 mask = select(is_tiny, vsplit, _mm_div_ps(ma, _mm_add_ps(ma, mr)));
    _mm_storeu_ps(out + 2 * k, _mm_mul_ps(_mm_unpacklo_ps(mask, mask), _mm_loadu_ps(x + 2 * k)));
    _mm_storeu_ps(out + 2 * k + 4, _mm_mul_ps(_mm_unpackhi_ps(mask, mask), _mm_loadu_ps(x + 2 * k + 4)));
  }
  for (; k < n; ++k) {
    const auto v = mask_bin({x[2 * k], x[2 * k + 1]}, softmask(hm[k], pm[k] * margin, 2.0f, split));
    out[2 * k] = v.real();
    out[2 * k + 1] = v.imag();
  }
}

[[gnu::target("avx2")]] std::size_t overlap_add_avx2(const float* f, const double* w, double scale, std::size_t n,
                                                    double* ola) {
  const __m256d sc = _mm256_set1_pd(scale);
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d fk = _mm256_cvtps_pd(_mm_loadu_ps(f + k));
    const __m256d v = _mm256_mul_pd(_mm256_mul_pd(fk, sc), _mm256_loadu_pd(w + k));
    _mm256_storeu_pd(ola + k, _mm256_add_pd(_mm256_loadu_pd(ola + k), v));
  }
  return k;
}

// |float(w > tiny ? o / w : o)| for 4 samples, widened back to double for the sum.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d normalised_abs4(const double* ola, const double* wss) {
  const __m256d vt = _mm256_set1_pd(std::numeric_limits<float>::min());
  const __m256d o = _mm256_loadu_pd(ola), w = _mm256_loadu_pd(wss);
  const __m256d v = _mm256_blendv_pd(o, _mm256_div_pd(o, w), _mm256_cmp_pd(w, vt, _CMP_GT_OQ));
  return _mm256_cvtps_pd(_mm_andnot_ps(_mm_set1_ps(-0.0f), _mm256_cvtpd_ps(v)));
}

[[gnu::target("avx2")]] double normalised_abs_sum_avx2(const double* ola, const double* wss, std::size_t n,
                                                       std::size_t& done) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    a0 = _mm256_add_pd(a0, normalised_abs4(ola + k, wss + k));
    a1 = _mm256_add_pd(a1, normalised_abs4(ola + k + 4, wss + k + 4));
  }
  alignas(32) double l[4];
  _mm256_store_pd(l, _mm256_add_pd(a0, a1));
  done = k;
  return (l[0] + l[1]) + (l[2] + l[3]);
}

[[gnu::target("avx2")]] std::size_t overlap_store_avx2(const float* f, const double* w, double scale, std::size_t n,
                                                      double* ola) {
  const __m256d sc = _mm256_set1_pd(scale);
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4)
    _mm256_storeu_pd(ola + k, _mm256_mul_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(f + k)), sc),
                                            _mm256_loadu_pd(w + k)));
  return k;
}

// overlap_add's sum for 4 samples, then normalised_abs4's value of it (nothing stored: the
// samples are final).
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d add_emit4(const float* f, const double* w, __m256d sc,
                                                                     const double* ola, const double* wss) {
  const __m256d vt = _mm256_set1_pd(std::numeric_limits<float>::min());
  const __m256d v = _mm256_mul_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(f)), sc), _mm256_loadu_pd(w));
  const __m256d o = _mm256_add_pd(_mm256_loadu_pd(ola), v), d = _mm256_loadu_pd(wss);
  const __m256d q = _mm256_blendv_pd(o, _mm256_div_pd(o, d), _mm256_cmp_pd(d, vt, _CMP_GT_OQ));
  return _mm256_cvtps_pd(_mm_andnot_ps(_mm_set1_ps(-0.0f), _mm256_cvtpd_ps(q)));
}

[[gnu::target("avx2")]] double overlap_add_emit_avx2(const float* f, const double* w, double scale, std::size_t n,
                                                     const double* ola, const double* wss, std::size_t& done) {
  const __m256d sc = _mm256_set1_pd(scale);
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    a0 = _mm256_add_pd(a0, add_emit4(f + k, w + k, sc, ola + k, wss + k));
    a1 = _mm256_add_pd(a1, add_emit4(f + k + 4, w + k + 4, sc, ola + k + 4, wss + k + 4));
  }
  alignas(32) double l[4];
  _mm256_store_pd(l, _mm256_add_pd(a0, a1));
  done = k;
  return (l[0] + l[1]) + (l[2] + l[3]);
}

[[gnu::target("avx2")]] void mel_bands8_avx2(const float* w, std::size_t w_stride, const std::size_t* lo,
                                            const std::size_t* hi, std::size_t bands, const float* mag8,
                                            float* acc) {
  for (std::size_t b = 0; b < bands; ++b) {
    const float* wr = w + b * w_stride;
    __m256 s = _mm256_setzero_ps();
    for (std::size_t k = lo[b]; k < hi[b]; ++k) {
      const __m256 m = _mm256_loadu_ps(mag8 + k * 8);
      s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_set1_ps(wr[k]), _mm256_mul_ps(m, m)));
    }
    _mm256_storeu_ps(acc + b * 8, s);
  }
}

}  // namespace

void window_frame(const float* src, const double* window, std::size_t n, double* out) {
  std::size_t k = use_avx2() ? window_frame_avx2(src, window, n, out) : 0;
  for (; k < n; ++k) out[k] = static_cast<double>(src[k]) * window[k];
}

void window_frame2(const float* src, std::size_t hop, const double* window, std::size_t n, double* out0,
                   double* out1) {
  std::size_t k = use_avx2() ? window_frame2_avx2(src, hop, window, n, out0, out1) : 0;
  for (; k < n; ++k) {
    out0[k] = static_cast<double>(src[k]) * window[k];
    out1[k] = static_cast<double>(src[hop + k]) * window[k];
  }
}

void to_complex64_and_abs(const double* spec, std::size_t n, float* x, float* mag) {
  std::size_t k = use_avx2_fma() ? to_complex64_and_abs_avx2(spec, n, x, mag) : 0;
  for (; k < n; ++k) {
    const float re = static_cast<float>(spec[2 * k]), im = static_cast<float>(spec[2 * k + 1]);
    x[2 * k] = re;
    x[2 * k + 1] = im;
    mag[k] = abs_c64({re, im});
  }
}

double to_complex64_abs_sum(const double* spec, std::size_t n, float* x, float* mag) {
  if (!use_avx2_fma()) {
    to_complex64_and_abs(spec, n, x, mag);
    return sum_f64(mag, n);
  }
  double r = 0;
  const std::size_t k = to_complex64_abs_sum_avx2(spec, n, x, mag, r);
  to_complex64_and_abs(spec + 2 * k, n - k, x + 2 * k, mag + k);
  for (std::size_t i = k; i < n; ++i) r += mag[i];  // sum_f64_avx2's tail
  return r;
}

namespace {

// The AVX2 sums' lanes without AVX2: s[4j + l] is lane l of accumulator j, combined as the
// AVX2 builds combine them, so both paths give the same bits.
template <typename Term>
double sum16_lanes(std::size_t n, Term term) {
  double s[16] = {};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (std::size_t j = 0; j < 16; ++j) s[j] += term(i + j);
  double t[4];
  for (std::size_t l = 0; l < 4; ++l) t[l] = (s[l] + s[4 + l]) + (s[8 + l] + s[12 + l]);
  double r = (t[0] + t[1]) + (t[2] + t[3]);
  for (; i < n; ++i) r += term(i);
  return r;
}

}  // namespace

double sum_f64(const float* v, std::size_t n) {
  if (use_avx2()) return sum_f64_avx2(v, n);
  return sum16_lanes(n, [&](std::size_t i) { return static_cast<double>(v[i]); });
}

double sum_sq_dev(const float* v, std::size_t n, double mean) {
  if (use_avx2()) return sum_sq_dev_avx2(v, n, mean);
  return sum16_lanes(n, [&](std::size_t i) {
    const double d = static_cast<double>(v[i]) - mean;
    return d * d;
  });
}

void harmonic_bins(const float* x, const float* hm, const float* pm, float margin, bool split, std::size_t n,
                   float* out) {
  const std::size_t done = use_avx2() ? harmonic_bins_avx2(x, hm, pm, margin, split, n, out) : 0;
  harmonic_bins_sse(x, hm, pm, margin, split, done, n, out);
}

void harmonic_bins_fallback(const float* x, const float* hm, const float* pm, float margin, bool split,
                            std::size_t n, float* out) {
  harmonic_bins_sse(x, hm, pm, margin, split, 0, n, out);
}

void overlap_add(const float* f, const double* window, double scale, std::size_t n, double* ola) {
  std::size_t k = use_avx2() ? overlap_add_avx2(f, window, scale, n, ola) : 0;
  for (; k < n; ++k) ola[k] += static_cast<double>(f[k]) * scale * window[k];
}

double normalised_abs_sum(const double* ola, const double* wss, std::size_t n) {
  const double tiny = std::numeric_limits<float>::min();
  auto term = [&](std::size_t k) {
    const double v = wss[k] > tiny ? ola[k] / wss[k] : ola[k];
    return static_cast<double>(std::abs(static_cast<float>(v)));
  };
  std::size_t k = 0;
  const double acc = use_avx2() ? normalised_abs_sum_avx2(ola, wss, n, k) : eight_lane_sum(n, k, term);
  return acc + pair_tail_sum(k, n, term);
}

void overlap_store(const float* f, const double* window, double scale, std::size_t n, double* ola) {
  std::size_t k = use_avx2() ? overlap_store_avx2(f, window, scale, n, ola) : 0;
  for (; k < n; ++k) ola[k] = static_cast<double>(f[k]) * scale * window[k];
}

namespace {

// overlap_add_emit without AVX2 (avx2 false) or after the AVX2 build's full 8-sample steps.
double overlap_add_emit_impl(const float* f, const double* window, double scale, std::size_t n, const double* ola,
                             const double* wss, bool avx2) {
  const double tiny = std::numeric_limits<float>::min();
  auto term = [&](std::size_t k) {
    const double o = ola[k] + static_cast<double>(f[k]) * scale * window[k];
    return static_cast<double>(std::abs(static_cast<float>(wss[k] > tiny ? o / wss[k] : o)));
  };
  std::size_t k = 0;
  const double r = avx2 ? overlap_add_emit_avx2(f, window, scale, n, ola, wss, k) : eight_lane_sum(n, k, term);
  return r + pair_tail_sum(k, n, term);
}

}  // namespace

double overlap_add_emit(const float* f, const double* window, double scale, std::size_t n, const double* ola,
                        const double* wss) {
  return overlap_add_emit_impl(f, window, scale, n, ola, wss, use_avx2());
}

double overlap_add_emit_fallback(const float* f, const double* window, double scale, std::size_t n,
                                 const double* ola, const double* wss) {
  return overlap_add_emit_impl(f, window, scale, n, ola, wss, false);
}

void mel_bands8(const float* w, std::size_t w_stride, const std::size_t* lo, const std::size_t* hi,
                std::size_t bands, const float* mag8, float* acc) {
  if (use_avx2()) return mel_bands8_avx2(w, w_stride, lo, hi, bands, mag8, acc);
  for (std::size_t b = 0; b < bands; ++b) {
    float s[8] = {};
    const float* wr = w + b * w_stride;
    for (std::size_t k = lo[b]; k < hi[b]; ++k)
      for (std::size_t j = 0; j < 8; ++j) s[j] += wr[k] * (mag8[k * 8 + j] * mag8[k * 8 + j]);
    for (std::size_t j = 0; j < 8; ++j) acc[b * 8 + j] = s[j];
  }
}

}  // namespace echoelml::features::detail
