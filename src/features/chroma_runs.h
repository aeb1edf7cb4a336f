// The 12-row chroma filterbank as runs of bins that share the same kept rows, and the AVX-512
// kernel that applies it to one power tile with the 12 x 16-lane sums in registers (private
// to src/features; used by chroma.cpp's tile_means).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echoelml::features::detail {

inline constexpr std::size_t kChromaRunRows = 12;

/// Weights below this fraction of their column's largest weight are skipped when applying the
/// bank. A skipped weight w < eps * max_c W[c,k] changes any chroma value by at most
/// eps * sum_c raw[c] <= n_chroma * eps of the frame maximum, i.e. <= 1.2e-7 after the
/// per-frame max normalisation: below float32 resolution. It drops ~40% of the products.
inline constexpr double kChromaSkipRelative = 1e-8;

/// Whether weight w of a bank column whose largest weight is colmax is applied.
inline bool chroma_weight_kept(float w, float colmax) {
  return w > 0.0f && w >= kChromaSkipRelative * colmax;
}

/// Bins [begin, end) whose kept rows all lie in the cyclic range first, first + 1, ...,
/// first + count - 1 (mod 12).
struct ChromaRun {
  std::uint32_t begin = 0, end = 0;
  std::uint8_t first = 0, count = 0;
};

struct ChromaRunTable {
  std::vector<ChromaRun> runs;  // in bin order, covering bins [0, K)
  /// Per bin in order, its run's count weights (rows first, first + 1, ... mod 12); a row of
  /// the range whose weight is skipped holds 0 (none does on the librosa banks: there the
  /// kept rows of every bin are one cyclic range).
  std::vector<float> weights;
};

/// The runs of `kept` ((K, 12) bin-major: the kept weights, 0 where skipped). Each bin gets
/// the shortest cyclic range of rows holding all its kept weights (count 0 for a bin without
/// any), and consecutive bins with the same range share a run.
ChromaRunTable chroma_run_table(const float* kept, std::size_t K);

/// Whether chroma_run_sums_avx512 can run here (AVX-512F and VL).
bool chroma_runs_avx512_supported();

/// For one power tile (bin k, lane j at tile[k * 16 + j]): acc[c * acc_stride + j] =
/// sum over the bins in order of W[c][k] * tile[k * 16 + j] in float32 (products rounded, no
/// fused multiply-add), for the 12 rows c and 16 lanes j, where only the rows of each bin's
/// range are added. Skipping a row adds nothing where the old dense form added 0 * p = +-0 to
/// a sum that started at +0, so for finite power both equal the sparse sums of the kept
/// weights. Returns the lanes (bit j) where any of the 12 sums is inf or NaN (non-finite
/// power in a bin with kept weights, or an overflow): there a skipped row inside a range
/// would add 0 * inf = NaN, so the caller redoes such frames the sparse way.
std::uint32_t chroma_run_sums_avx512(const ChromaRunTable& table, const float* tile, float* acc,
                                     std::size_t acc_stride);

}  // namespace echoelml::features::detail
