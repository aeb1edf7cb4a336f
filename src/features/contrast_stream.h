// The candidate stream of spectral contrast's wide bands (contrast_select.cpp, step 2): one
// pass of vector compares over a band's rows of a tile, every value beyond its frame's bound
// packed into a stream of 32-bit words. One build per instruction set: SSE2 (scalar),
// AVX2 (a permutation from a table) and AVX-512 (compress); all write the same words.
#pragma once

#include <cstddef>
#include <cstdint>

#include "spectral_common.h"

namespace echoelml::features::detail::contrast {

// The candidate stream, one 32-bit word per candidate: its offset in the band's
// rows of the tile (16 (k - begin) + frame) in the low half, its slot in the candidate rows
// (16 rank + frame; the peak side from hi_base) in the high half. Both halves fit for bands
// of up to kMaxWide bins (contrast_select.cpp wide_plan).
struct Stream {
  std::uint32_t* word;
  std::size_t m = 0;
  std::uint32_t c_lo[kTileLanes] = {}, c_hi[kTileLanes] = {};  // candidates per frame
};

/// rows: the band's n bin rows of the tile (bin-major, kTileLanes frames); b_lo / b_hi: each
/// frame's valley and peak bounds. Appends every x < b_lo[j] and x > b_hi[j] to s.
void compress_sse2(const float* rows, std::size_t n, const float* b_lo, const float* b_hi,
                   std::uint32_t hi_base, Stream& s);
void compress_avx2(const float* rows, std::size_t n, const float* b_lo, const float* b_hi,
                   std::uint32_t hi_base, Stream& s);  // needs AVX2 and POPCNT
void compress_avx512(const float* rows, std::size_t n, const float* b_lo, const float* b_hi,
                     std::uint32_t hi_base, Stream& s);  // needs AVX-512 F/BW/DQ/VL

}  // namespace echoelml::features::detail::contrast
