// Running medians of 8 independent sequences at once (one per SIMD lane). HPSS runs ~2.6M
// 31-tap medians per 30 s clip. Sizes 15 and 31 share sorting work between neighbouring
// windows (sorted blocks and a merge-selection tree, ~38 min/max vector operations per output
// for size 31); other sizes keep each lane's window sorted with branch-free min/max updates.
// Both run 8 lanes per AVX2 instruction (selected at run time; SSE2 otherwise; sizes 15 and 31
// use an AVX-512VL build where the CPU has one). The result is
// an exact order statistic, so it equals any other median implementation bit for bit.
#pragma once

#include <cstddef>

namespace echoelml::dsp {

inline constexpr std::size_t kMedianLanes = 8;

/// Interleaved input: step s of lane j is in[s * 8 + j], for s in [0, n + size - 1) (the
/// caller has already extended the sequences at both ends, e.g. by reflection).
/// Output: out[i * 8 + j] = median of lane j's steps [i, i + size). size odd, >= 1; n >= 1.
/// Inputs must be NaN-free (a NaN has no rank). No allocation, no throw.
void median8(const float* in, std::size_t n, int size, float* out) noexcept;

/// The same with step s's 8 lane values read from rows[s] + offset (s in [0, n + size - 1))
/// and output i written to out + i * out_stride: medians along a list of rows without
/// copying them into one interleaved array first.
void median8_rows(const float* const* rows, std::size_t offset, std::size_t n, int size, float* out,
                  std::size_t out_stride) noexcept;

namespace detail {

enum class MedianIsa { kSse2, kAvx2, kAvx512 };

/// median8 through one given build (tests compare the builds); false, with `out` untouched,
/// when the CPU lacks it or ECHOELML_NO_AVX2 rules out kAvx2/kAvx512.
bool median8_isa(MedianIsa isa, const float* in, std::size_t n, int size, float* out) noexcept;

}  // namespace detail

}  // namespace echoelml::dsp
