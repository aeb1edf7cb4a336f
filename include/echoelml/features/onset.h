// Onset strength as librosa 0.10.1 computes it (onset.py onset_strength/onset_strength_multi
// with lag 1, max_size 1, detrend off, center on).
#pragma once

#include <span>
#include <vector>

#include "echoelml/core/matrix.h"
#include "echoelml/features/mel.h"

namespace echoelml::features {

/// How the per-band differences are combined into one envelope value per frame.
enum class OnsetAggregate {
  Mean,    // librosa's default (onset_strength); the guide's transient_strength
  Median,  // what beat_track passes (aggregate=np.median)
};

struct OnsetStrengthParams {
  MelSpectrogramParams mel{};  // librosa: melspectrogram(y, sr, n_fft, hop, fmax = sr / 2)
  PowerToDbParams db{};        // power_to_db with top_db 80 over the whole clip
  OnsetAggregate aggregate = OnsetAggregate::Mean;
};

/// onset_strength(S=power_to_db(mel_power)): max(0, S[:, t] - S[:, t-1]) aggregated over
/// bands, left-padded with 1 + n_fft / (2 hop) zeros and cut to mel_power.cols frames.
/// float32, like librosa. `p.mel` supplies n_fft, hop and center for the padding.
std::vector<float> onset_strength_from_mel(const Matrix& mel_power,
                                           const OnsetStrengthParams& p = {});

/// Same, computing the mel power spectrogram of y first.
std::vector<float> onset_strength(std::span<const float> y, const OnsetStrengthParams& p = {});

/// Envelopes for both aggregates from one mel spectrogram (beat tracking and
/// transient_strength on the same signal need not compute the spectrogram twice).
struct OnsetEnvelopes {
  std::vector<float> mean;
  std::vector<float> median;
};
OnsetEnvelopes onset_strength_both(const Matrix& mel_power, const OnsetStrengthParams& p = {});

}  // namespace echoelml::features
