// Running medians of 8 independent sequences at once (one per SIMD lane). HPSS runs ~2.6M
// 31-tap medians per 30 s clip; one scalar sorted-window update costs a binary search and a
// memmove per output, while this keeps each lane's window sorted with branch-free min/max
// updates that run 8 lanes per AVX2 instruction (selected at run time; SSE2 otherwise).
// The result is an exact order statistic, so it equals any other median implementation bit
// for bit.
#pragma once

#include <cstddef>

namespace echoelml::dsp {

inline constexpr std::size_t kMedianLanes = 8;

/// Interleaved input: step s of lane j is in[s * 8 + j], for s in [0, n + size - 1) (the
/// caller has already extended the sequences at both ends, e.g. by reflection).
/// Output: out[i * 8 + j] = median of lane j's steps [i, i + size). size odd, >= 1; n >= 1.
/// Inputs must be NaN-free (a NaN has no rank). No allocation, no throw.
void median8(const float* in, std::size_t n, int size, float* out) noexcept;

}  // namespace echoelml::dsp
