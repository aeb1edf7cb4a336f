// np.abs of complex64 arrays (complex_abs.h): an AVX2+FMA build, eight values per division and
// square root, and the scalar definition for the rest and for CPUs without AVX2 or FMA. Both
// do the same correctly rounded steps, so they give the same bits.
#include "echoelml/dsp/complex_abs.h"

#include <immintrin.h>

#include "echoelml/core/cpu.h"
#include "dsp/complex_abs_avx2.h"

namespace echoelml::dsp {
namespace {

// Eight values per step; the shuffles put (re, im) pairs 0-3 | 4-7 into re0 re1 re4 re5 |
// re2 re3 re6 re7 per 128-bit half, and the permute restores the value order.
[[gnu::target("avx2,fma")]] std::size_t abs_complex64_avx2(const std::complex<float>* z, std::size_t n, float* out) {
  const auto* f = reinterpret_cast<const float*>(z);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256 lo = _mm256_loadu_ps(f + 2 * k), hi = _mm256_loadu_ps(f + 2 * k + 8);
    const __m256 m = detail::abs_complex64_8(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)),
                                             _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
    const __m256d ordered = _mm256_permute4x64_pd(_mm256_castps_pd(m), _MM_SHUFFLE(3, 1, 2, 0));
    _mm256_storeu_ps(out + k, _mm256_castpd_ps(ordered));
  }
  return k;
}

}  // namespace

void abs_complex64(const std::complex<float>* z, std::size_t n, float* out) {
  std::size_t k = core::use_avx2_fma() ? abs_complex64_avx2(z, n, out) : 0;
  for (; k < n; ++k) out[k] = abs_complex64(z[k].real(), z[k].imag());
}

}  // namespace echoelml::dsp
