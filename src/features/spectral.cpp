// spectral_centroid, spectral_rolloff, zero_crossing_rate and rms (librosa 0.10.1).
// Loops run over bins in the outer loop and frames in the inner loop: the (bins, frames)
// layout is then read sequentially, and numpy's axis-0 reductions are sequential in that
// same order, so the rounding matches.
#include "echoelml/features/spectral.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "echoelml/core/error.h"
#include "spectral_common.h"

namespace echoelml::features {

namespace detail {

void check_magnitude(const Matrix& S, const char* who) {
  if (S.rows < 2)
    throw ParameterError(std::string(who) + ": spectrogram needs >= 2 frequency bins, got " +
                         std::to_string(S.rows));
  bool bad = false;
  for (float v : S.data) bad |= !(v >= 0.0f && v <= std::numeric_limits<float>::max());
  if (bad)
    throw ParameterError(std::string(who) +
                         ": spectrogram must be finite and non-negative (a magnitude)");
}

void check_audio(std::span<const float> y, const char* who) {
  bool bad = false;
  for (float v : y) bad |= !std::isfinite(v);
  if (bad) throw ParameterError(std::string(who) + ": audio buffer is not finite everywhere");
}

void check_framing(int frame_length, int hop_length, const char* who) {
  if (frame_length < 1)
    throw ParameterError(std::string(who) + ": frame_length must be >= 1, got " +
                         std::to_string(frame_length));
  if (hop_length < 1)
    throw ParameterError(std::string(who) + ": hop_length must be >= 1, got " +
                         std::to_string(hop_length));
}

std::size_t frame_count(std::size_t n, int frame_length, int hop_length, bool center,
                        const char* who) {
  const auto L = static_cast<std::size_t>(frame_length);
  const std::size_t padded = center ? n + 2 * (L / 2) : n;
  if (padded < L)
    throw ParameterError(std::string(who) + ": input is too short (n=" + std::to_string(n) +
                         ") for frame_length=" + std::to_string(frame_length));
  return 1 + (padded - L) / static_cast<std::size_t>(hop_length);
}

}  // namespace detail

std::vector<double> spectral_centroid(const Matrix& S, double sr) {
  if (!(sr > 0)) throw ParameterError("spectral_centroid: sr must be > 0");
  detail::check_magnitude(S, "spectral_centroid");
  const std::size_t K = S.rows, T = S.cols;
  const auto freq = dsp::fft_frequencies(sr, static_cast<int>(2 * (K - 1)));
  // util.normalize(norm=1): the L1 length is summed in float64 over bins, sequentially.
  std::vector<double> length(T, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) length[t] += row[t];
  }
  // Frames below tiny(float32) keep length 1 (fill=None). librosa stores S/length in float32;
  // multiplying by the reciprocal can differ from the division by one float32 ulp at most.
  const double tiny = std::numeric_limits<float>::min();
  for (auto& l : length) l = 1.0 / (l < tiny ? 1.0 : l);
  std::vector<double> out(T, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    const double f = freq[k];
    for (std::size_t t = 0; t < T; ++t)
      out[t] += f * static_cast<double>(static_cast<float>(row[t] * length[t]));
  }
  return out;
}

std::vector<double> spectral_centroid(std::span<const float> y, double sr,
                                      const dsp::StftParams& stft) {
  return spectral_centroid(dsp::stft_magnitude(y, stft), sr);
}

void validate(const RolloffParams& p) {
  if (!(p.sr > 0)) throw ParameterError("spectral_rolloff: sr must be > 0");
  if (!(p.roll_percent > 0.0 && p.roll_percent < 1.0))
    throw ParameterError("spectral_rolloff: roll_percent must lie in (0, 1), got " +
                         std::to_string(p.roll_percent));
}

std::vector<double> spectral_rolloff(const Matrix& S, const RolloffParams& p) {
  validate(p);
  detail::check_magnitude(S, "spectral_rolloff");
  const std::size_t K = S.rows, T = S.cols;
  const auto freq = dsp::fft_frequencies(p.sr, static_cast<int>(2 * (K - 1)));
  // np.cumsum in float32 along bins; its last entry is the same sequential sum.
  std::vector<float> threshold(T, 0.0f);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) threshold[t] += row[t];
  }
  // roll_percent * total: numpy casts the Python float to float32 and multiplies in float32.
  const float pct = static_cast<float>(p.roll_percent);
  for (auto& v : threshold) v = pct * v;
  // First bin where the running sum is not below the threshold (nanmin over increasing freq).
  std::vector<float> cum(T, 0.0f);
  std::vector<std::size_t> bin(T, K);
  std::size_t remaining = T;
  for (std::size_t k = 0; k < K && remaining > 0; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) {
      cum[t] += row[t];
      if (bin[t] == K && !(cum[t] < threshold[t])) {
        bin[t] = k;
        --remaining;
      }
    }
  }
  std::vector<double> out(T);
  // cum >= 0.85 * total always holds at the last bin, so every frame found a bin.
  for (std::size_t t = 0; t < T; ++t) out[t] = freq[bin[t] < K ? bin[t] : K - 1];
  return out;
}

std::vector<double> spectral_rolloff(std::span<const float> y, const RolloffParams& p,
                                     const dsp::StftParams& stft) {
  validate(p);
  return spectral_rolloff(dsp::stft_magnitude(y, stft), p);
}

void validate(const ZcrParams& p) {
  detail::check_framing(p.frame_length, p.hop_length, "zero_crossing_rate");
  if (!(p.threshold >= 0))
    throw ParameterError("zero_crossing_rate: threshold must be >= 0");
}

std::vector<double> zero_crossing_rate(std::span<const float> y, const ZcrParams& p) {
  validate(p);
  detail::check_audio(y, "zero_crossing_rate");
  if (y.empty()) throw ParameterError("zero_crossing_rate: empty audio buffer");
  const std::size_t n = y.size();
  const std::size_t T =
      detail::frame_count(n, p.frame_length, p.hop_length, p.center, "zero_crossing_rate");
  const std::size_t L = static_cast<std::size_t>(p.frame_length);
  const std::size_t pad = p.center ? L / 2 : 0;
  const std::size_t hop = static_cast<std::size_t>(p.hop_length);
  // Sign of each padded sample (edge padding repeats y[0] / y[n-1]); |x| <= threshold is +0.
  auto negative = [&](std::size_t i) {
    const float x = i < pad ? y.front() : (i - pad < n ? y[i - pad] : y.back());
    return !(std::fabs(x) <= p.threshold) && std::signbit(x);
  };
  // prefix[i] = crossings between padded samples (j-1, j) for j in 1..i.
  const std::size_t padded = n + 2 * pad;
  std::vector<std::uint32_t> prefix(padded, 0);
  bool prev = negative(0);
  for (std::size_t i = 1; i < padded; ++i) {
    const bool cur = negative(i);
    prefix[i] = prefix[i - 1] + (cur != prev ? 1u : 0u);
    prev = cur;
  }
  // The first sample of a frame never counts (pad=False), so frame t sums j in (s, s+L).
  std::vector<double> out(T);
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t s = t * hop;
    out[t] = static_cast<double>(prefix[s + L - 1] - prefix[s]) / static_cast<double>(L);
  }
  return out;
}

void validate(const RmsParams& p) { detail::check_framing(p.frame_length, p.hop_length, "rms"); }

std::vector<float> rms(std::span<const float> y, const RmsParams& p) {
  validate(p);
  detail::check_audio(y, "rms");
  const std::size_t n = y.size();
  const std::size_t T = detail::frame_count(n, p.frame_length, p.hop_length, p.center, "rms");
  const std::size_t L = static_cast<std::size_t>(p.frame_length);
  const std::size_t pad = p.center ? L / 2 : 0;
  const std::size_t hop = static_cast<std::size_t>(p.hop_length);
  // Squares of the padded signal in float32 (np.square), computed once and shared by frames.
  std::vector<float> sq(n + 2 * pad);
  for (std::size_t i = 0; i < sq.size(); ++i) {
    float x;
    if (i < pad) x = p.pad_mode == dsp::PadMode::Edge && n ? y.front() : 0.0f;
    else if (i - pad < n) x = y[i - pad];
    else x = p.pad_mode == dsp::PadMode::Edge && n ? y.back() : 0.0f;
    sq[i] = x * x;
  }
  std::vector<float> out(T);
  const float count = static_cast<float>(L);
  for (std::size_t t = 0; t < T; ++t)
    out[t] = std::sqrt(detail::pairwise_sum(sq.data() + t * hop, L) / count);
  return out;
}

}  // namespace echoelml::features
