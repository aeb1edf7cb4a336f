// Frame-wise spectral and temporal descriptors as librosa 0.10.1 computes them
// (feature/spectral.py spectral_centroid, spectral_rolloff, spectral_contrast, rms,
// zero_crossing_rate). Spectrogram inputs are magnitudes |X| in librosa's (bins, frames)
// layout with bins = 1 + n_fft/2; n_fft is inferred as 2 * (bins - 1), as librosa does.
// The rounding of each reduction (float32 vs float64, sequential vs pairwise) follows numpy,
// so rolloff and ZCR are bit-identical to librosa and the rest agree to float32 rounding.
#pragma once

#include <span>
#include <vector>

#include "echoelml/core/matrix.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::features {

/// librosa.feature.spectral_centroid(S=S, sr=sr)[0]: per frame sum_k f_k * S[k,t] / sum_k S[k,t]
/// in Hz, float64. Frames whose L1 norm is below tiny(float32) are left unnormalised (silence
/// gives 0). S must be non-negative and finite, with >= 2 bins. Output length = S.cols.
std::vector<double> spectral_centroid(const Matrix& S, double sr);
/// The same from audio: |stft(y, stft)| first (librosa's _spectrogram with power 1).
std::vector<double> spectral_centroid(std::span<const float> y, double sr,
                                      const dsp::StftParams& stft = {});

struct RolloffParams {
  double sr = 22050.0;          // Hz, librosa's default; the guide passes 44100
  double roll_percent = 0.85;   // fraction of the frame's magnitude sum, in (0, 1)
};
void validate(const RolloffParams& p);

/// librosa.feature.spectral_rolloff(S=S, sr, roll_percent)[0]: per frame the lowest bin
/// frequency (Hz) whose float32 running sum over bins reaches float32(roll_percent) * total.
/// A silent frame gives 0 Hz. Output length = S.cols, float64.
std::vector<double> spectral_rolloff(const Matrix& S, const RolloffParams& p = {});
std::vector<double> spectral_rolloff(std::span<const float> y, const RolloffParams& p = {},
                                     const dsp::StftParams& stft = {});

struct ZcrParams {
  int frame_length = 2048;   // samples per frame
  int hop_length = 512;      // samples between frames
  bool center = true;        // pad frame_length/2 on each side by repeating the end samples
  float threshold = 1e-10f;  // |x| <= threshold counts as 0 (positive sign)
};
void validate(const ZcrParams& p);

/// librosa.feature.zero_crossing_rate(y)[0]: per frame (number of i in 1..frame_length-1 with
/// signbit(x[i-1]) != signbit(x[i])) / frame_length. Frames: 1 + n/hop when centred.
/// Throws ParameterError for non-finite samples or (uncentred) y shorter than a frame.
std::vector<double> zero_crossing_rate(std::span<const float> y, const ZcrParams& p = {});

struct RmsParams {
  int frame_length = 2048;                       // samples per frame
  int hop_length = 512;                          // samples between frames
  bool center = true;                            // pad frame_length/2 on each side
  dsp::PadMode pad_mode = dsp::PadMode::Constant;  // librosa's default: zeros
};
void validate(const RmsParams& p);

/// librosa.feature.rms(y=y)[0]: sqrt(mean(x^2)) per frame, linear full scale, float32. The
/// mean uses numpy's float32 pairwise summation, so results are bit-identical to librosa.
std::vector<float> rms(std::span<const float> y, const RmsParams& p = {});

struct ContrastParams {
  double sr = 22050.0;      // Hz
  double fmin = 200.0;      // Hz: upper edge of band 0; band k>0 spans [fmin 2^(k-1), fmin 2^k]
  int n_bands = 6;          // octave bands above fmin; the output has n_bands + 1 rows
  double quantile = 0.02;   // share of a band's bins averaged for peak and valley, in (0, 1)
  bool linear = false;      // true: peak - valley (magnitude); false: difference in dB
};
void validate(const ContrastParams& p);

/// librosa.feature.spectral_contrast(S=S, sr, fmin, n_bands, quantile, linear): (n_bands + 1,
/// frames) float64. With linear=false each entry is power_to_db(peak) - power_to_db(valley)
/// (10 log10 of magnitudes, top_db 80 applied over the whole peak matrix and over the whole
/// valley matrix separately), in dB. Peak/valley = float32 mean of the q largest/smallest
/// bins of the band, q = max(1, rint(quantile * band size)).
MatrixD spectral_contrast(const Matrix& S, const ContrastParams& p = {});
MatrixD spectral_contrast(std::span<const float> y, const ContrastParams& p = {},
                          const dsp::StftParams& stft = {});

}  // namespace echoelml::features
