// Helpers shared by the spectral and chroma features (private to src/features).
#pragma once

#include <cstddef>
#include <span>

#include "echoelml/core/matrix.h"

namespace echoelml::features::detail {

/// Throws ParameterError (prefixed by `who`) unless S has >= 2 bins and every entry is finite
/// and >= 0.
void check_magnitude(const Matrix& S, const char* who);
/// Throws ParameterError if any sample is NaN or infinite (librosa's valid_audio).
void check_audio(std::span<const float> y, const char* who);
void check_framing(int frame_length, int hop_length, const char* who);
/// Frames util.frame yields for n samples (padded by frame_length/2 per side when centred);
/// throws ParameterError when the (padded) input is shorter than one frame.
std::size_t frame_count(std::size_t n, int frame_length, int hop_length, bool center,
                        const char* who);

/// numpy's float32 pairwise summation (what np.sum / np.mean use along a contiguous axis):
/// blocks of <= 128 values summed with 8 interleaved accumulators, halves split at multiples
/// of 8, fewer than 8 values summed sequentially.
inline float pairwise_sum(const float* a, std::size_t n) {
  if (n < 8) {
    float s = 0.0f;
    for (std::size_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  std::size_t half = n / 2;
  half -= half % 8;
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

}  // namespace echoelml::features::detail
