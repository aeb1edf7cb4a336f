// Mel spectrogram, decibels and MFCC as librosa 0.10.1 computes them (feature/spectral.py,
// core/spectrum.py power_to_db).
#pragma once

#include <optional>
#include <span>

#include "echoelml/core/matrix.h"
#include "echoelml/dsp/filters.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::features {

struct PowerToDbParams {
  double ref = 1.0;                  // 0 dB reference
  double amin = 1e-10;               // floor before the log
  std::optional<double> top_db = 80.0;  // clamp at max - top_db over the whole matrix
};

/// librosa.power_to_db(S): 10 log10(max(amin, S)) - 10 log10(max(amin, ref)), then clamped
/// at (max over the whole matrix) - top_db. float32 in and out.
Matrix power_to_db(const Matrix& S, const PowerToDbParams& p = {});
/// The same for float64 data (spectral_contrast's peaks and valleys are float64).
MatrixD power_to_db(const MatrixD& S, const PowerToDbParams& p = {});

struct MelSpectrogramParams {
  dsp::StftParams stft{};
  dsp::MelParams mel{};  // mel.sr is the sample rate; mel.n_fft must equal stft.n_fft
};

/// librosa.feature.melspectrogram(S=power, sr=...): (n_mels, frames) from a power spectrogram.
Matrix melspectrogram(const Matrix& power, const dsp::MelParams& p);
/// librosa.feature.melspectrogram(y=y, sr=...) with power 2.
Matrix melspectrogram(std::span<const float> y, const MelSpectrogramParams& p);

struct MfccParams {
  int n_mfcc = 20;                 // librosa's default; the guide uses 13
  PowerToDbParams db{};
};

/// librosa.feature.mfcc(S=power_to_db(mel)): orthonormal DCT-II over the bands, first n_mfcc
/// rows, computed in float32 like scipy.fftpack.dct on float32 input. (n_mfcc, frames).
Matrix mfcc_from_mel_db(const Matrix& mel_db, const MfccParams& p = {});

}  // namespace echoelml::features
