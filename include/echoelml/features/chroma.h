// Chroma from a power spectrogram as librosa 0.10.1 computes it (feature/spectral.py
// chroma_stft, core/pitch.py estimate_tuning/piptrack/pitch_tuning, filters.py chroma).
// Layout is librosa's (bins, frames) with bins = 1 + n_fft/2; n_fft = 2 * (bins - 1).
#pragma once

#include <optional>
#include <span>

#include "echoelml/core/matrix.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::features {

struct TuningParams {
  double resolution = 0.01;  // semitone fraction per histogram bin, in (0, 1)
  int bins_per_octave = 12;  // pitch classes per octave
  double fmin = 150.0;       // Hz, piptrack's lower search limit (inclusive)
  double fmax = 4000.0;      // Hz, upper limit (exclusive), capped at sr / 2
  double threshold = 0.1;    // peaks must exceed threshold * the frame's maximum
};
void validate(const TuningParams& p);

/// librosa.pitch_tuning(frequencies): the left edge of the fullest bin of the histogram of
/// (bins_per_octave * log2(f / 27.5)) mod 1 (shifted to [-0.5, 0.5)) over edges
/// linspace(-0.5, 0.5, ceil(1/resolution) + 1). In fractions of a bin; 0 when no f > 0.
/// The residual is computed in float32 as numpy does for float32 frequencies.
double pitch_tuning(std::span<const float> frequencies, const TuningParams& p = {});

/// librosa.estimate_tuning(S=S, sr=sr, n_fft=2(bins-1), bins_per_octave): piptrack on S
/// (treated as magnitudes; chroma_stft passes the power spectrogram), keeps peaks whose
/// interpolated magnitude is >= the median over all peaks, then pitch_tuning. S must be finite
/// and non-negative.
double estimate_tuning(const Matrix& S, double sr, const TuningParams& p = {});

struct ChromaFilterParams {
  double sr = 22050.0;     // Hz
  int n_fft = 2048;        // FFT size; the bank has 1 + n_fft/2 columns
  int n_chroma = 12;       // rows (pitch classes)
  double tuning = 0.0;     // deviation from A440 in fractions of a chroma bin
  double ctroct = 5.0;     // centre of the octave weighting, in octaves above A0 (27.5 Hz)
  std::optional<double> octwidth = 2.0;  // Gaussian octave-weighting width (octaves); unset: none
  bool base_c = true;      // row 0 is C (else A)
};
void validate(const ChromaFilterParams& p);

/// librosa.filters.chroma(sr, n_fft, tuning, n_chroma, ctroct, octwidth, norm=2, base_c):
/// (n_chroma, 1 + n_fft/2) float32; each column has unit L2 norm before octave weighting.
Matrix chroma_filterbank(const ChromaFilterParams& p);

enum class ChromaNorm { None, Max };  // Max: librosa's default norm=np.inf per frame

struct ChromaParams {
  double sr = 22050.0;                 // Hz
  int n_chroma = 12;                   // pitch classes
  std::optional<double> tuning{};      // unset: estimate_tuning(S) as librosa does
  ChromaNorm norm = ChromaNorm::Max;   // per-frame normalisation
  TuningParams tuning_estimate{};      // used only when tuning is unset
};

/// librosa.feature.chroma_stft(S=power, sr=sr): filterbank(sr, n_fft, tuning) * power, then
/// each frame divided by its maximum (frames whose max < tiny(float32) are left as is).
/// (n_chroma, frames) float32, 0..1. power = |X|^2, finite and non-negative.
Matrix chroma_stft(const Matrix& power, const ChromaParams& p = {});
/// The same from audio: power = |stft(y, stft)|^2.
Matrix chroma_stft(std::span<const float> y, const ChromaParams& p = {},
                   const dsp::StftParams& stft = {});

}  // namespace echoelml::features
