// See simd_math.h.
//
// Method (log10 of a positive finite float x, all steps in float64):
//   x = 2^k * m with m in [sqrt(1/2), sqrt(2)), split exactly on the bits of double(x) (float
//   subnormals are normal doubles); s = (m - 1) / (m + 1), |s| <= 0.1716, z = s^2;
//   log10(m) = (2 / ln 10) * atanh(s) = s * sum_{j<=9} c_j z^j with c_j = (2 / ln 10) / (2j + 1)
//   (the first omitted term is below 2^-55 relative; the sum by Estrin's scheme);
//   log10(x) = k * log10(2) + log10(m);
//   then one rounding to float32.
// The float64 result is within a few float64 ulps of log10(x) (m - 1 is exact, the division
// and each polynomial step round once, the k * log10(2) term dominates whenever k != 0), so the
// final rounding is the correctly rounded float32 unless log10(x) is within ~2^-50 relative
// of a float32 midpoint (probability ~2^-26 per value; then it is 1 ulp off at most).
// Exact powers of ten give their exact integer log10 (the error is far below half an ulp).
#include "simd_math.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "echoelml/core/cpu.h"

// The vector builds below run with AVX2 and AVX-512 targets, under which GCC would contract
// a * b + c into an FMA (ISO C++ mode or not): off for the whole file, so every build rounds
// each step as the scalar one does.
#pragma GCC optimize("fp-contract=off")
// log10_core's vector instances are always inlined into the target builds, so GCC's note on
// the vector ABI of a target-less function cannot apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace echoelml::features::detail {
namespace {

bool use_avx2() { return core::use_avx2(); }

constexpr double kLog10e2 = 2.0 * 0.43429448190325182765;  // 2 / ln(10)
constexpr double kLog10of2 = 0.30102999566398119521;
// c_j = (2 / ln 10) / (2j + 1), j = 0..9; the same doubles in both builds.
constexpr double kC[10] = {kLog10e2 / 1,  kLog10e2 / 3,  kLog10e2 / 5,  kLog10e2 / 7,  kLog10e2 / 9,
                           kLog10e2 / 11, kLog10e2 / 13, kLog10e2 / 15, kLog10e2 / 17, kLog10e2 / 19};
// Adding kOffset moves mantissas >= sqrt(2) into the next exponent; kSqrtHalf (the bits of
// sqrt(1/2) rounded down) is added back to the 52 mantissa bits to rebuild m.
constexpr std::uint64_t kSqrtHalf = 0x3fe6a09e667f3bcdULL;
constexpr std::uint64_t kOffset = 0x3ff0000000000000ULL - kSqrtHalf;
constexpr std::uint64_t kMantissa = 0x000fffffffffffffULL;
constexpr std::uint64_t kTwo52Bits = 0x4330000000000000ULL;  // 2^52: exponent field -> double
constexpr double kTwo52Bias = 4503599627370496.0 + 1023.0;

// The float64 steps for positive finite x, written once for every build: D is double (scalar
// build) or a GCC vector of doubles (AVX2: 4, AVX-512: 8), U the unsigned integers of D's
// size; every vector lane does the scalar build's operations in its order.
template <typename D, typename U>
[[gnu::always_inline]] inline D log10_core(D x) {
  const U ix = std::bit_cast<U>(x) + kOffset;
  const D k = std::bit_cast<D>((ix >> 52) | kTwo52Bits) - kTwo52Bias;
  const D m = std::bit_cast<D>((ix & kMantissa) + kSqrtHalf);
  const D s = (m - 1.0) / (m + 1.0);
  // sum c_j z^j by Estrin's scheme (pairs, then z^2, z^4, z^8): a Horner chain of 10
  // dependent steps made the vector loop latency-bound.
  const D z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const D q0 = kC[0] + kC[1] * z, q1 = kC[2] + kC[3] * z, q2 = kC[4] + kC[5] * z;
  const D q3 = kC[6] + kC[7] * z, q4 = kC[8] + kC[9] * z;
  const D p = ((q0 + q1 * z2) + (q2 + q3 * z2) * z4) + q4 * z8;
  return k * kLog10of2 + s * p;
}
using v4d = double __attribute__((vector_size(32)));
using v4u = std::uint64_t __attribute__((vector_size(32)));
using v8d = double __attribute__((vector_size(64)));
using v8u = std::uint64_t __attribute__((vector_size(64)));

// Zero, negative, NaN and +inf: std::log10 gives the exact special value (both builds use this).
float log10_special(float x) { return std::log10(x); }

bool is_special(float x) { return !(x > 0.0f) || x == std::numeric_limits<float>::infinity(); }

float log10_one(float x) {
  return is_special(x) ? log10_special(x) : static_cast<float>(log10_core<double, std::uint64_t>(static_cast<double>(x)));
}

[[gnu::target("avx2"), gnu::always_inline]] inline __m256d log10_core4(__m256d x) {
  return std::bit_cast<__m256d>(log10_core<v4d, v4u>(std::bit_cast<v4d>(x)));
}

// log10 of 8 floats; lanes that are zero, negative, NaN or +inf are redone by log10_special.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256 log10_8(__m256 x) {
  const __m256d lo = log10_core4(_mm256_cvtps_pd(_mm256_castps256_ps128(x)));
  const __m256d hi = log10_core4(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)));
  __m256 r = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
  const __m256 bad = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NGT_UQ),
                                  _mm256_cmp_ps(x, _mm256_set1_ps(std::numeric_limits<float>::infinity()),
                                                _CMP_EQ_OQ));
  if (_mm256_movemask_ps(bad) != 0) {
    alignas(32) float xs[8], rs[8];
    _mm256_store_ps(xs, x);
    _mm256_store_ps(rs, r);
    for (int j = 0; j < 8; ++j)
      if (is_special(xs[j])) rs[j] = log10_special(xs[j]);
    r = _mm256_load_ps(rs);
  }
  return r;
}

[[gnu::target("avx2")]] std::size_t log10_avx2(const float* x, std::size_t n, float* out) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, log10_8(_mm256_loadu_ps(x + i)));
  return i;
}

// 8 running maxima (lane j sees i = j mod 8) as v > top ? v : top, reduced in a fixed order;
// the scalar build keeps the same lanes, so both return the same bits.
[[gnu::target("avx2")]] std::size_t power_to_db_avx2(const float* S, std::size_t n, float amin, float ref_db,
                                                     float* out, float* top8) {
  const __m256 va = _mm256_set1_ps(amin), vr = _mm256_set1_ps(ref_db), ten = _mm256_set1_ps(10.0f);
  __m256 top = _mm256_loadu_ps(top8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // max_ps(s, a) is s > a ? s : a: amin for NaN, as std::max(amin, s).
    const __m256 x = _mm256_max_ps(_mm256_loadu_ps(S + i), va);
    const __m256 v = _mm256_sub_ps(_mm256_mul_ps(ten, log10_8(x)), vr);
    _mm256_storeu_ps(out + i, v);
    top = _mm256_max_ps(v, top);
  }
  _mm256_storeu_ps(top8, top);
  return i;
}

// The AVX-512 build: the same float64 operations per value as log10_core4, 8 doubles per
// operation (16 floats per step). On Zen 4 this runs ~25 % faster than the AVX2 build (half the
// instructions for the same flops). AVX-512F has FMA forms, so contraction is switched off here
// explicitly (GCC would contract a * b + c under an FMA-capable target, ISO C++ mode or not).
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
// GCC 12 warns about the undefined pass-through operands inside avx512fintrin.h's own
// unmasked intrinsics once they are inlined (a false positive: those lanes are all written).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#define ECHOELML_AVX512 gnu::target("avx512f,avx512bw,avx512dq,avx512vl")

bool use_avx512() {
  static const bool yes = use_avx2() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vl");
  return yes;
}

[[ECHOELML_AVX512, gnu::always_inline]] inline __m512d log10_core8(__m512d x) {
  return std::bit_cast<__m512d>(log10_core<v8d, v8u>(std::bit_cast<v8d>(x)));
}

// log10 of 16 floats; special lanes redone by log10_special as in log10_8.
[[ECHOELML_AVX512, gnu::always_inline]] inline __m512 log10_16(__m512 x) {
  const __m512d lo = log10_core8(_mm512_cvtps_pd(_mm512_castps512_ps256(x)));
  const __m512d hi = log10_core8(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)));
  __m512 r = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
  const __mmask16 bad =
      _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NGT_UQ) |
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(std::numeric_limits<float>::infinity()), _CMP_EQ_OQ);
  if (bad != 0) {
    alignas(64) float xs[16], rs[16];
    _mm512_store_ps(xs, x);
    _mm512_store_ps(rs, r);
    for (int j = 0; j < 16; ++j)
      if (is_special(xs[j])) rs[j] = log10_special(xs[j]);
    r = _mm512_load_ps(rs);
  }
  return r;
}

[[ECHOELML_AVX512]] std::size_t log10_avx512(const float* x, std::size_t n, float* out) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, log10_16(_mm512_loadu_ps(x + i)));
  return i;
}

// As power_to_db_avx2 with 16 running maxima: lanes j and j + 8 both see i = j mod 8, and
// are folded into top8[j]. The maximum of the non-NaN values (NaN never wins v > top) does
// not depend on the order it is searched in, and no value is -0 (10 * log10 is never -0 and
// v - ref_db is +0 for equal operands), so the result is the same bits as the AVX2 build's.
[[ECHOELML_AVX512]] std::size_t power_to_db_avx512(const float* S, std::size_t n, float amin, float ref_db,
                                                   float* out, float* top8) {
  const __m512 va = _mm512_set1_ps(amin), vr = _mm512_set1_ps(ref_db), ten = _mm512_set1_ps(10.0f);
  const __m256 top_in = _mm256_loadu_ps(top8);
  __m512 top = _mm512_insertf32x8(_mm512_castps256_ps512(top_in), top_in, 1);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_max_ps(_mm512_loadu_ps(S + i), va);  // amin for NaN, as std::max
    const __m512 v = _mm512_sub_ps(_mm512_mul_ps(ten, log10_16(x)), vr);
    _mm512_storeu_ps(out + i, v);
    top = _mm512_max_ps(v, top);
  }
  const __m256 a = _mm512_castps512_ps256(top), b = _mm512_extractf32x8_ps(top, 1);
  _mm256_storeu_ps(top8, _mm256_max_ps(b, a));
  return i;
}

#undef ECHOELML_AVX512
#pragma GCC diagnostic pop
#pragma GCC pop_options

}  // namespace

void log10_f32(const float* x, std::size_t n, float* out, bool allow_avx2) {
  std::size_t i = 0;
  if (allow_avx2 && use_avx512()) i = log10_avx512(x, n, out);
  if (allow_avx2 && use_avx2()) i += log10_avx2(x + i, n - i, out + i);
  for (; i < n; ++i) out[i] = log10_one(x[i]);
}

float power_to_db_f32(const float* S, std::size_t n, float amin, float ref_db, float* out, bool allow_avx2) {
  float top8[8];
  std::fill(top8, top8 + 8, -std::numeric_limits<float>::infinity());
  // AVX-512 steps of 16 (on CPUs that have it), then AVX2 steps of 8: i stays a multiple of
  // 8, so every build keeps value i in running maximum i mod 8.
  std::size_t i = 0;
  if (allow_avx2 && use_avx512()) i = power_to_db_avx512(S, n, amin, ref_db, out, top8);
  if (allow_avx2 && use_avx2()) i += power_to_db_avx2(S + i, n - i, amin, ref_db, out + i, top8);
  for (; i < n; ++i) {
    const float v = 10.0f * log10_one(std::max(amin, S[i])) - ref_db;
    out[i] = v;
    float& t = top8[i % 8];
    t = v > t ? v : t;
  }
  float top = top8[0];
  for (int j = 1; j < 8; ++j) top = top8[j] > top ? top8[j] : top;
  return top;
}

}  // namespace echoelml::features::detail
