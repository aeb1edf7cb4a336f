#include "contrast_stream.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ECHOELML_CONTRAST_X86 1
#endif

namespace echoelml::features::detail::contrast {
namespace {
constexpr std::size_t kLanes = kTileLanes;

#if defined(ECHOELML_CONTRAST_X86)
// Byte i of entry mask = the index of the i-th set bit of mask (the rest 0).
struct PackTable {
  std::uint64_t idx[256] = {};
  constexpr PackTable() {
    for (unsigned m = 0; m < 256; ++m) {
      std::uint64_t e = 0;
      unsigned o = 0;
      for (unsigned b = 0; b < 8; ++b)
        if (m & (1u << b)) e |= static_cast<std::uint64_t>(b) << (8 * o++);
      idx[m] = e;
    }
  }
};
constexpr PackTable kPack;
#endif
}  // namespace

void compress_sse2(const float* rows, std::size_t n, const float* b_lo, const float* b_hi,
                   std::uint32_t hi_base, Stream& s) {
  std::size_t m = 0;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < kLanes; ++j) {
      const float x = rows[k * kLanes + j];
      const std::uint32_t in_lo = x < b_lo[j] ? 1 : 0, in_hi = x > b_hi[j] ? 1 : 0;
      const auto off = static_cast<std::uint32_t>(k * kLanes + j);
      const std::uint32_t slot = in_hi ? hi_base + s.c_hi[j] * 16 + static_cast<std::uint32_t>(j)
                                       : s.c_lo[j] * 16 + static_cast<std::uint32_t>(j);
      s.word[m] = off | slot << 16;
      m += in_lo | in_hi;
      s.c_lo[j] += in_lo;
      s.c_hi[j] += in_hi;
    }
  s.m = m;
}



#if defined(ECHOELML_CONTRAST_X86)
[[gnu::target("avx2,popcnt")]] void compress_avx2(const float* rows, std::size_t n,
                                                  const float* b_lo, const float* b_hi,
                                                  std::uint32_t hi_base, Stream& s) {
  const __m256i step = _mm256_set1_epi32(16 << 16), sixteen = _mm256_set1_epi32(16);
  __m256i off[2], a_lo[2], a_hi[2];
  __m256 vb_lo[2], vb_hi[2];
  for (int h = 0; h < 2; ++h) {
    off[h] = _mm256_setr_epi32(8 * h, 8 * h + 1, 8 * h + 2, 8 * h + 3, 8 * h + 4, 8 * h + 5,
                               8 * h + 6, 8 * h + 7);
    a_lo[h] = _mm256_slli_epi32(off[h], 16);
    a_hi[h] = _mm256_add_epi32(a_lo[h], _mm256_set1_epi32(static_cast<int>(hi_base << 16)));
    vb_lo[h] = _mm256_loadu_ps(b_lo + 8 * h);
    vb_hi[h] = _mm256_loadu_ps(b_hi + 8 * h);
  }
  std::size_t m = 0;
  for (std::size_t k = 0; k < n; ++k)
    for (int h = 0; h < 2; ++h) {
      const __m256 x = _mm256_loadu_ps(rows + k * kLanes + 8 * h);
      const __m256 in_lo = _mm256_cmp_ps(x, vb_lo[h], _CMP_LT_OQ);
      const __m256 in_hi = _mm256_cmp_ps(x, vb_hi[h], _CMP_GT_OQ);
      const auto mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_or_ps(in_lo, in_hi)));
      const __m256i perm =
          _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kPack.idx[mask])));
      const __m256i slot = _mm256_castps_si256(_mm256_blendv_ps(
          _mm256_castsi256_ps(a_lo[h]), _mm256_castsi256_ps(a_hi[h]), in_hi));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(s.word + m),
                          _mm256_permutevar8x32_epi32(_mm256_or_si256(slot, off[h]), perm));
      m += static_cast<std::size_t>(_mm_popcnt_u32(mask));
      a_lo[h] = _mm256_add_epi32(a_lo[h], _mm256_and_si256(_mm256_castps_si256(in_lo), step));
      a_hi[h] = _mm256_add_epi32(a_hi[h], _mm256_and_si256(_mm256_castps_si256(in_hi), step));
      off[h] = _mm256_add_epi32(off[h], sixteen);
    }
  for (int h = 0; h < 2; ++h) {
    alignas(32) std::uint32_t al[8], ah[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(al), a_lo[h]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(ah), a_hi[h]);
    for (int j = 0; j < 8; ++j) {
      s.c_lo[8 * h + j] = (al[j] >> 16) / 16;
      s.c_hi[8 * h + j] = ((ah[j] >> 16) - hi_base) / 16;
    }
  }
  s.m = m;
}

[[gnu::target("avx512f,avx512bw,avx512dq,avx512vl,popcnt")]] void compress_avx512(
    const float* rows, std::size_t n, const float* b_lo, const float* b_hi, std::uint32_t hi_base,
    Stream& s) {
  const __m512i step = _mm512_set1_epi32(16 << 16), sixteen = _mm512_set1_epi32(16);
  __m512i off = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i a_lo = _mm512_slli_epi32(off, 16);
  __m512i a_hi = _mm512_add_epi32(a_lo, _mm512_set1_epi32(static_cast<int>(hi_base << 16)));
  const __m512 vb_lo = _mm512_loadu_ps(b_lo), vb_hi = _mm512_loadu_ps(b_hi);
  std::size_t m = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const __m512 x = _mm512_loadu_ps(rows + k * kLanes);
    const __mmask16 in_lo = _mm512_cmp_ps_mask(x, vb_lo, _CMP_LT_OQ);
    const __mmask16 in_hi = _mm512_cmp_ps_mask(x, vb_hi, _CMP_GT_OQ);
    const auto in = static_cast<__mmask16>(in_lo | in_hi);
    const __m512i word = _mm512_or_si512(_mm512_mask_blend_epi32(in_hi, a_lo, a_hi), off);
    _mm512_storeu_si512(s.word + m, _mm512_maskz_compress_epi32(in, word));
    m += static_cast<std::size_t>(_mm_popcnt_u32(in));
    a_lo = _mm512_mask_add_epi32(a_lo, in_lo, a_lo, step);
    a_hi = _mm512_mask_add_epi32(a_hi, in_hi, a_hi, step);
    off = _mm512_add_epi32(off, sixteen);
  }
  alignas(64) std::uint32_t al[kLanes], ah[kLanes];
  _mm512_store_si512(al, a_lo);
  _mm512_store_si512(ah, a_hi);
  for (std::size_t j = 0; j < kLanes; ++j) {
    s.c_lo[j] = (al[j] >> 16) / 16;
    s.c_hi[j] = ((ah[j] >> 16) - hi_base) / 16;
  }
  s.m = m;
}
#endif

}  // namespace echoelml::features::detail::contrast
