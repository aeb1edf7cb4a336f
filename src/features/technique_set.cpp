// The guide's six TechniqueRecognizer features; the STFT-based three come from one streaming pass.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/autocorr.h"
#include "echoelml/features/sets.h"
#include "technique_simd.h"
#include "technique_stream.h"

namespace echoelml::features {
namespace {

struct SignalStats {
  float lo, hi;    // min and max
  double sum_abs;  // sum |y| in float64
};

// Horizontal sum of 4 double lanes, pairwise.
[[gnu::target("avx2")]] inline double hsum(__m256d v) {
  alignas(32) double l[4];
  _mm256_store_pd(l, v);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

bool use_avx2() { return core::use_avx2(); }

// 8 lanes of min and max and two 4-lane float64 |y| sums per AVX2 step.
[[gnu::target("avx2")]] SignalStats signal_stats_avx2(std::span<const float> y) {
  const std::size_t n = y.size();
  __m256 lo = _mm256_set1_ps(y[0]), hi = lo;
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  const __m256 sign = _mm256_set1_ps(-0.0f);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(y.data() + i);
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
    const __m256 a = _mm256_andnot_ps(sign, v);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
  }
  alignas(32) float l8[8], h8[8];
  _mm256_store_ps(l8, lo);
  _mm256_store_ps(h8, hi);
  SignalStats st{l8[0], h8[0], hsum(_mm256_add_pd(s0, s1))};
  for (int j = 1; j < 8; ++j) {
    st.lo = std::min(st.lo, l8[j]);
    st.hi = std::max(st.hi, h8[j]);
  }
  for (; i < n; ++i) {
    st.lo = std::min(st.lo, y[i]);
    st.hi = std::max(st.hi, y[i]);
    st.sum_abs += std::abs(y[i]);
  }
  return st;
}

// Without AVX2 the same eight |y| lanes (s[j]: lane j % 4 of accumulator j / 4) and the same
// combination, so both paths give the same bits; y is finite (the loader rejects NaN), so the
// extremes do not depend on the order.
SignalStats signal_stats(std::span<const float> y) {
  if (use_avx2()) return signal_stats_avx2(y);
  const std::size_t n = y.size();
  SignalStats st{y[0], y[0], 0.0};
  std::size_t i = 0;
  st.sum_abs = detail::eight_lane_sum(n, i, [&](std::size_t k) { return static_cast<double>(std::abs(y[k])); });
  for (std::size_t k = 0; k < n; ++k) {
    st.lo = std::min(st.lo, y[k]);
    st.hi = std::max(st.hi, y[k]);
  }
  for (; i < n; ++i) st.sum_abs += std::abs(y[i]);
  return st;
}

// Float64 means of both channels, then the three centred sums, 8 samples per AVX2 step.
[[gnu::target("avx2")]] double pearson_avx2(std::span<const float> a, std::span<const float> b) {
  const std::size_t n = a.size();
  __m256d sa0 = _mm256_setzero_pd(), sa1 = _mm256_setzero_pd(), sb0 = _mm256_setzero_pd(), sb1 = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    sa0 = _mm256_add_pd(sa0, _mm256_cvtps_pd(_mm_loadu_ps(a.data() + i)));
    sa1 = _mm256_add_pd(sa1, _mm256_cvtps_pd(_mm_loadu_ps(a.data() + i + 4)));
    sb0 = _mm256_add_pd(sb0, _mm256_cvtps_pd(_mm_loadu_ps(b.data() + i)));
    sb1 = _mm256_add_pd(sb1, _mm256_cvtps_pd(_mm_loadu_ps(b.data() + i + 4)));
  }
  double ta = hsum(_mm256_add_pd(sa0, sa1)), tb = hsum(_mm256_add_pd(sb0, sb1));
  for (std::size_t k = i; k < n; ++k) {
    ta += a[k];
    tb += b[k];
  }
  const double ma = ta / static_cast<double>(n), mb = tb / static_cast<double>(n);
  const __m256d vma = _mm256_set1_pd(ma), vmb = _mm256_set1_pd(mb);
  // Two accumulators per sum: one would wait on the add latency every step.
  __m256d ab[2] = {}, aa[2] = {}, bb[2] = {};
  i = 0;
  for (; i + 8 <= n; i += 8)
    for (int h = 0; h < 2; ++h) {
      const __m256d da = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(a.data() + i + 4 * h)), vma);
      const __m256d db = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(b.data() + i + 4 * h)), vmb);
      ab[h] = _mm256_add_pd(ab[h], _mm256_mul_pd(da, db));
      aa[h] = _mm256_add_pd(aa[h], _mm256_mul_pd(da, da));
      bb[h] = _mm256_add_pd(bb[h], _mm256_mul_pd(db, db));
    }
  double sab = hsum(_mm256_add_pd(ab[0], ab[1])), saa = hsum(_mm256_add_pd(aa[0], aa[1])),
         sbb = hsum(_mm256_add_pd(bb[0], bb[1]));
  for (; i < n; ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);  // NaN for a constant channel, as numpy
}

// np.corrcoef(L, R)[0, 1] in float64: means, then the three centred sums in one pass. Without
// AVX2 the same eight lanes (s[j]: lane j % 4 of accumulator j / 4) and the same combination,
// so both paths give the same bits.
double pearson(std::span<const float> a, std::span<const float> b) {
  if (use_avx2()) return pearson_avx2(a, b);
  const std::size_t n = a.size();
  using detail::lanes8_total;
  std::size_t i = 0, ib = 0;
  double ta = detail::eight_lane_sum(n, i, [&](std::size_t k) { return static_cast<double>(a[k]); });
  double tb = detail::eight_lane_sum(n, ib, [&](std::size_t k) { return static_cast<double>(b[k]); });
  for (std::size_t k = i; k < n; ++k) ta += a[k], tb += b[k];
  const double ma = ta / static_cast<double>(n), mb = tb / static_cast<double>(n);
  double ab[8] = {}, aa[8] = {}, bb[8] = {};
  for (i = 0; i + 8 <= n; i += 8)
    for (std::size_t j = 0; j < 8; ++j) {
      const double da = a[i + j] - ma, db = b[i + j] - mb;
      ab[j] += da * db, aa[j] += da * da, bb[j] += db * db;
    }
  double sab = lanes8_total(ab), saa = lanes8_total(aa), sbb = lanes8_total(bb);
  for (; i < n; ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db, saa += da * da, sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);  // NaN for a constant channel, as numpy
}

}  // namespace

TechniqueFeatures technique_features(const io::AudioBuffer& mono, const io::AudioBuffer* stereo) {
  if (mono.channels != 1 || mono.frames == 0)
    throw ParameterError("technique features: expected a non-empty mono buffer");
  TechniqueFeatures f;
  const std::span<const float> y = mono.channel(0);

  // float32 max - min, as numpy computes it on the float32 signal; one pass that also sums
  // |y| for harmonic_ratio.
  const SignalStats st = signal_stats(y);
  f.dynamic_range = static_cast<double>(st.hi - st.lo);

  if (stereo && stereo->channels >= 2) {
    // A constant channel (digital silence) has no defined correlation: numpy gives NaN, which
    // the golden set records as null. Report it as missing rather than as a number.
    const double r = pearson(stereo->channel(0), stereo->channel(1));
    if (std::isfinite(r)) f.stereo_width = 1.0 - r;
  }

  f.temporal_modulation = temporal_modulation(y, kAnalysisSr);

  // STFT, onset envelope, HPSS and inverse STFT in one pass over bounded chunks of frames:
  // the whole-file complex spectra librosa builds would take ~13x the signal's size.
  const auto pass = detail::technique_spectral_pass(y, kAnalysisSr);
  f.spectrum_variance = pass.spectrum_variance;
  f.transient_strength = pass.transient_strength;
  f.harmonic_ratio = pass.harmonic_sum / (st.sum_abs + 1e-6);  // as harmonic_ratio() in hpss.cpp
  return f;
}

}  // namespace echoelml::features
