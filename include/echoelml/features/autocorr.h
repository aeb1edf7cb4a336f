// Autocorrelation as librosa 0.10.1 computes it (core/audio.py autocorrelate) and the guide's
// temporal_modulation built on it.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace echoelml::features {

/// librosa.autocorrelate(y, max_size): r[k] = sum_n y[n] y[n+k] for k < min(max_size, N),
/// unnormalised, float64. Computed as irfft(|rfft(y, L)|^2) with L the power of two >= 2N-1
/// (any L >= 2N-1 gives the same lags, up to rounding), or, when max_size is small against N,
/// block by block with transforms of 2B points, B >= max_size (same sums, other rounding
/// order; bounded memory). Empty input gives an empty result.
std::vector<double> autocorrelate(std::span<const float> y,
                                  std::optional<std::size_t> max_size = std::nullopt);

/// The guide's temporal_modulation: max(autocorrelate(y)[sr/10 : sr]) with integer slice
/// bounds int(sr) // 10 and int(sr). nullopt where that slice is empty (inputs shorter than
/// sr/10 + 1 samples; the guide's code raises there). Throws ParameterError for sr < 1.
std::optional<double> temporal_modulation(std::span<const float> y, double sr = 44100.0);

namespace detail {
/// The block length B autocorrelate uses for lags < max_size (exposed for tests: the blocked
/// path runs once the input has at least 4 B samples).
std::size_t autocorrelate_block_size(std::size_t max_size);
}  // namespace detail

}  // namespace echoelml::features
