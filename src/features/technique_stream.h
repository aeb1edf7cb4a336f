// The STFT-based half of the guide's technique set in one streaming pass over the frames:
// spectrum_variance, transient_strength and harmonic_ratio. Memory stays bounded by a few
// hundred frames (plus the 128-band mel spectrogram the global top_db clamp needs) instead of
// the whole file's complex spectrum, magnitude, medians and HPSS spectra.
#pragma once

#include <span>

#include "echoelml/features/hpss.h"

namespace echoelml::features::detail {

struct SpectralPassResult {
  double spectrum_variance = 0;   // np.var(np.abs(stft(y)))
  double transient_strength = 0;  // mean(onset_strength(y, sr)), mean aggregation
  double harmonic_sum = 0;        // sum |effects.harmonic(y)|, float64
};

/// y non-empty; sr is the mel filterbank's sample rate; `hpss` uses the stft params of the
/// technique set (librosa defaults; n_fft must be 2048 for the mel bank of onset_strength).
/// Equal to stft + hpss + istft + onset_strength on the whole signal up to float rounding
/// order (tests/features/technique_stream_test.cpp).
SpectralPassResult technique_spectral_pass(std::span<const float> y, double sr,
                                           const HpssParams& hpss = {});

}  // namespace echoelml::features::detail
