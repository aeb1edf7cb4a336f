// The AVX2+FMA build of dsp::abs_complex64 (include/echoelml/dsp/complex_abs.h) for eight values,
// shared by the array form and the technique pass's fused kernel. Call it only from functions
// with the "avx2,fma" target, after core::use_avx2_fma().
#pragma once

#include <immintrin.h>

#include <limits>

namespace echoelml::dsp::detail {

// numpy's L * sqrt(fma(S / L, S / L, 1)) with its special cases: a zero larger part gives 0, a
// NaN part a quiet NaN, an infinite part +inf. The fma is the formula's own; no product feeds
// a sum anywhere else (GCC may contract a * b + c under the fma target).
[[gnu::target("avx2,fma"), gnu::always_inline]] inline __m256 abs_complex64_8(__m256 re, __m256 im) {
  const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  const __m256 a = _mm256_andnot_ps(sign, re), b = _mm256_andnot_ps(sign, im);
  const __m256 larger = _mm256_max_ps(a, b), smaller = _mm256_min_ps(a, b);
  const __m256 ratio = _mm256_div_ps(smaller, larger);
  __m256 m = _mm256_mul_ps(_mm256_sqrt_ps(_mm256_fmadd_ps(ratio, ratio, one)), larger);
  m = _mm256_andnot_ps(_mm256_cmp_ps(larger, _mm256_setzero_ps(), _CMP_EQ_OQ), m);
  m = _mm256_blendv_ps(m, _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN()),
                       _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
  return _mm256_blendv_ps(m, inf, _mm256_or_ps(_mm256_cmp_ps(a, inf, _CMP_EQ_OQ), _mm256_cmp_ps(b, inf, _CMP_EQ_OQ)));
}

}  // namespace echoelml::dsp::detail
