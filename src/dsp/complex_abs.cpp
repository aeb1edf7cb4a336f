// np.abs of complex64 arrays (complex_abs.h): an AVX2+FMA build, eight values per division and
// square root, and the scalar definition for the rest and for CPUs without AVX2 or FMA. Both
// do the same correctly rounded steps, so they give the same bits.
#include "echoelml/dsp/complex_abs.h"

#include <immintrin.h>

#include <limits>

#include "echoelml/core/cpu.h"

namespace echoelml::dsp {
namespace {

bool use_avx2_fma() {
  static const bool v = core::use_avx2() && __builtin_cpu_supports("fma");
  return v;
}

// No product here feeds a sum (GCC may contract a * b + c under the fma target), apart from
// the formula's own fma.
[[gnu::target("avx2,fma")]] std::size_t abs_complex64_avx2(const std::complex<float>* z, std::size_t n, float* out) {
  const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  const __m256 nan = _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN());
  const auto* f = reinterpret_cast<const float*>(z);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256 lo = _mm256_loadu_ps(f + 2 * k), hi = _mm256_loadu_ps(f + 2 * k + 8);
    // (re, im) pairs of values 0-3 | 4-7 -> per 128-bit half: re0 re1 re4 re5 | re2 re3 re6 re7
    const __m256 re = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 im = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    const __m256 a = _mm256_andnot_ps(sign, re), b = _mm256_andnot_ps(sign, im);
    const __m256 larger = _mm256_max_ps(a, b), smaller = _mm256_min_ps(a, b);
    const __m256 ratio = _mm256_div_ps(smaller, larger);
    __m256 m = _mm256_mul_ps(_mm256_sqrt_ps(_mm256_fmadd_ps(ratio, ratio, one)), larger);
    m = _mm256_andnot_ps(_mm256_cmp_ps(larger, _mm256_setzero_ps(), _CMP_EQ_OQ), m);
    m = _mm256_blendv_ps(m, nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
    m = _mm256_blendv_ps(m, inf, _mm256_or_ps(_mm256_cmp_ps(a, inf, _CMP_EQ_OQ), _mm256_cmp_ps(b, inf, _CMP_EQ_OQ)));
    // back to value order 0..7 (64-bit lanes 0 2 1 3)
    const __m256d ordered = _mm256_permute4x64_pd(_mm256_castps_pd(m), _MM_SHUFFLE(3, 1, 2, 0));
    _mm256_storeu_ps(out + k, _mm256_castpd_ps(ordered));
  }
  return k;
}

}  // namespace

void abs_complex64(const std::complex<float>* z, std::size_t n, float* out) {
  std::size_t k = use_avx2_fma() ? abs_complex64_avx2(z, n, out) : 0;
  for (; k < n; ++k) out[k] = abs_complex64(z[k].real(), z[k].imag());
}

}  // namespace echoelml::dsp
