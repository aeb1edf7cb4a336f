// Harmonic/percussive source separation as librosa 0.10.1 computes it (effects.py hpss ->
// decompose.py hpss -> util/utils.py softmask): median filters across time and frequency of
// the STFT magnitude, soft masks, inverse STFT.
#pragma once

#include <span>
#include <vector>

#include "echoelml/core/matrix.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::features {

struct HpssParams {
  dsp::StftParams stft{};         // librosa.stft defaults (2048 / 512 / centred / zeros)
  int kernel_harmonic = 31;       // median length along time (frames), odd
  int kernel_percussive = 31;     // median length along frequency (bins), odd
  double power = 2.0;             // soft-mask exponent, finite and > 0
  double margin_harmonic = 1.0;   // >= 1; both 1 -> bins where both medians are ~0 get 0.5
  double margin_percussive = 1.0;
};

/// Throws ParameterError for even/non-positive kernels, power <= 0 or non-finite,
/// margins < 1, and invalid stft params.
void validate(const HpssParams& p);

struct HpssMasks {
  Matrix harmonic;    // (bins, frames) float32, in [0, 1]
  Matrix percussive;
};

/// librosa.decompose.hpss(S, mask=True) on a magnitude spectrogram.
HpssMasks hpss_masks(const Matrix& magnitude, const HpssParams& p = {});

struct HpssSpectra {
  ComplexMatrix harmonic;
  ComplexMatrix percussive;
};

/// librosa.decompose.hpss(D): (|D| * mask) * phase, phase = D / |D| (1 where |D| = 0).
HpssSpectra hpss(const ComplexMatrix& D, const HpssParams& p = {});

struct HpssSignals {
  std::vector<float> harmonic;
  std::vector<float> percussive;
};

/// librosa.effects.hpss(y): both signals, each len(y) samples.
HpssSignals hpss(std::span<const float> y, const HpssParams& p = {});

/// librosa.effects.harmonic(y): only the harmonic signal (one inverse STFT instead of two).
std::vector<float> hpss_harmonic(std::span<const float> y, const HpssParams& p = {});

/// The guide's harmonic_ratio: sum|h| / (sum|y| + 1e-6), sums in float64.
double harmonic_ratio(std::span<const float> y, std::span<const float> harmonic);

}  // namespace echoelml::features
