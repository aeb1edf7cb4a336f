// The TechniqueRecognizer features exactly as the app computes them at inference
// (CoreMLIntegration.swift, app-contract §4), so a model trained on them sees the same numbers.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/sets.h"
#include "features/app_technique_sums.h"

namespace echoelml::features {
namespace detail {

namespace {
// sum x[i] * y[i] over n samples, in double.
double dot(const float* x, const float* y, std::size_t n) {
  Sum4 acc;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) acc.add_products(x + i, y + i);
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(x[i]) * y[i];
  return acc.total() + tail;
}
}  // namespace

namespace {
// The sums' 8-frame main loop; Stereo adds the L*R products in the same pass.
template <bool Stereo>
std::size_t add_main(const float* x0, const float* x1, std::size_t n, double shift, Sum8& sum, Sum8& sq, Sum8& dot,
                     float& lo, float& hi) {
  float lo8[8], hi8[8];
  for (int k = 0; k < 8; ++k) lo8[k] = lo, hi8[k] = hi;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 4; ++k) {
      const Double2 x{x0[i + 2 * k], x0[i + 2 * k + 1]};
      const Double2 d = x - shift;
      sum.v[k] += d;
      sq.v[k] += d * d;
      if constexpr (Stereo) dot.v[k] += x * Double2{x1[i + 2 * k], x1[i + 2 * k + 1]};
    }
    for (int k = 0; k < 8; ++k) lo8[k] = std::min(lo8[k], x0[i + k]), hi8[k] = std::max(hi8[k], x0[i + k]);
  }
  for (int k = 0; k < 8; ++k) lo = std::min(lo, lo8[k]), hi = std::max(hi, hi8[k]);
  return i;
}

// The same loop with 4 doubles per register: lanes 0-3 and 4-7 of each Sum8 live in a and b,
// so every lane sees the same samples and operations as above (separate multiply and add: no
// FMA). min_ps(x, lo) is std::min(lo, x) and max_ps(x, hi) is std::max(hi, x), ties included.
template <bool Stereo>
[[gnu::target("avx2")]] std::size_t add_main_avx2(const float* x0, const float* x1, std::size_t n, double shift,
                                                  Sum8& sum, Sum8& sq, Sum8& dot, float& lo, float& hi) {
  __m256d sa = lanes_load(sum, 0), sb = lanes_load(sum, 1), qa = lanes_load(sq, 0), qb = lanes_load(sq, 1), da = lanes_load(dot, 0), db = lanes_load(dot, 1);
  const __m256d sh = _mm256_set1_pd(shift);
  __m256 lo8 = _mm256_set1_ps(lo), hi8 = _mm256_set1_ps(hi);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(x0 + i);
    const __m256d xa = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), xb = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    const __m256d ea = _mm256_sub_pd(xa, sh), eb = _mm256_sub_pd(xb, sh);
    sa = _mm256_add_pd(sa, ea), sb = _mm256_add_pd(sb, eb);
    qa = _mm256_add_pd(qa, _mm256_mul_pd(ea, ea)), qb = _mm256_add_pd(qb, _mm256_mul_pd(eb, eb));
    if constexpr (Stereo) {
      const __m256 y = _mm256_loadu_ps(x1 + i);
      const __m256d ya = _mm256_cvtps_pd(_mm256_castps256_ps128(y)), yb = _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1));
      da = _mm256_add_pd(da, _mm256_mul_pd(xa, ya)), db = _mm256_add_pd(db, _mm256_mul_pd(xb, yb));
    }
    lo8 = _mm256_min_ps(x, lo8), hi8 = _mm256_max_ps(x, hi8);
  }
  lanes_store(sum, 0, sa), lanes_store(sum, 1, sb), lanes_store(sq, 0, qa), lanes_store(sq, 1, qb), lanes_store(dot, 0, da), lanes_store(dot, 1, db);
  alignas(32) float l8[8], h8[8];
  _mm256_store_ps(l8, lo8), _mm256_store_ps(h8, hi8);
  for (int k = 0; k < 8; ++k) lo = std::min(lo, l8[k]), hi = std::max(hi, h8[k]);
  return i;
}

template <bool Stereo>
std::size_t add_main_dispatch(const float* x0, const float* x1, std::size_t n, double shift, Sum8& sum, Sum8& sq,
                              Sum8& dot, float& lo, float& hi) {
  static const bool avx2 = core::use_avx2();
  return avx2 ? add_main_avx2<Stereo>(x0, x1, n, shift, sum, sq, dot, lo, hi)
              : add_main<Stereo>(x0, x1, n, shift, sum, sq, dot, lo, hi);
}
}  // namespace

void AppTechniqueSums::add(const float* x0, const float* x1, std::size_t n) {
  if (n == 0) return;
  if (!any_) lo_ = hi_ = x0[0], shift_ = x0[0], any_ = true;
  if (prefix_.size() < kPrefix) prefix_.insert(prefix_.end(), x0, x0 + std::min(n, kPrefix - prefix_.size()));
  n_ += n;
  const std::size_t i = x1 != nullptr ? add_main_dispatch<true>(x0, x1, n, shift_, sum_, sq_, dot_, lo_, hi_)
                                      : add_main_dispatch<false>(x0, x1, n, shift_, sum_, sq_, dot_, lo_, hi_);
  for (std::size_t j = i; j < n; ++j) {
    const double d = x0[j] - shift_;
    sum_tail_ += d, sq_tail_ += d * d, lo_ = std::min(lo_, x0[j]), hi_ = std::max(hi_, x0[j]);
    if (x1 != nullptr) dot_tail_ += static_cast<double>(x0[j]) * x1[j];
  }
}

AppTechniqueFeatures AppTechniqueSums::finish(bool stereo) const {
  AppTechniqueFeatures f;
  const std::size_t n = n_;
  f.dynamic_range = static_cast<double>(hi_) - static_cast<double>(lo_);

  // 1 - mean(L*R): not a correlation coefficient (L = R = unit sine gives 0.5).
  if (stereo) f.stereo_width = 1.0 - (dot_.total() + dot_tail_) / static_cast<double>(n);

  // "spectrum_variance" in the app is the variance of the time-domain samples.
  if (n >= 1024) {
    const double mean_d = (sum_.total() + sum_tail_) / static_cast<double>(n);
    f.spectrum_variance = std::max(0.0, (sq_.total() + sq_tail_) / static_cast<double>(n) - mean_d * mean_d);
  }

  // Lags of 0.1 s steps at 44.1 kHz sample counts (4410 ... 39690), each summed over at most
  // 4096 products, normalised by 4096.
  if (n >= kWindow) {
    const float* x = prefix_.data();
    double best = 0;
    for (std::size_t lag = 4410; lag <= kMaxLag; lag += 4410) {
      if (lag >= n) break;
      const std::size_t len = std::min(n - lag, kWindow);
      best = std::max(best, std::abs(dot(x, x + lag, len)));
    }
    f.temporal_modulation = best / static_cast<double>(kWindow);
  }
  return f;
}

}  // namespace detail

AppTechniqueFeatures app_technique_features(const io::AudioBuffer& audio) {
  if (audio.channels == 0 || audio.frames == 0)
    throw ParameterError("app technique features: the buffer is empty");
  if (audio.data.size() != audio.channels * audio.frames)
    throw ParameterError("app technique features: data holds " + std::to_string(audio.data.size()) +
                         " samples, expected channels*frames");
  detail::AppTechniqueSums sums;
  sums.add(audio.channel(0).data(), audio.channels >= 2 ? audio.channel(1).data() : nullptr, audio.frames);
  return sums.finish(audio.channels >= 2);
}

std::array<float, 4> AppTechniqueFeatures::to_vector() const {
  return {static_cast<float>(dynamic_range), static_cast<float>(stereo_width.value_or(0.0)),
          static_cast<float>(spectrum_variance), static_cast<float>(temporal_modulation)};
}

const std::array<std::string_view, 4>& AppTechniqueFeatures::vector_names() {
  static const std::array<std::string_view, 4> kNames{"dynamic_range", "stereo_width",
                                                      "spectrum_variance", "temporal_modulation"};
  return kNames;
}

}  // namespace echoelml::features
