// Short-time Fourier transform as librosa 0.10.1 computes it (core/spectrum.py stft/istft):
// periodic Hann window, centred frames with zero padding by default, (bins, frames) layout.
#pragma once

#include <complex>
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "echoelml/core/matrix.h"

namespace echoelml::dsp {

/// np.pad modes used by librosa's framing: zeros (stft/rms), edge repetition (zcr).
enum class PadMode { Constant, Edge };

struct StftParams {
  int n_fft = 2048;                        // samples per frame (window length = n_fft)
  int hop_length = 512;                    // samples between frame starts
  bool center = true;                      // pad n_fft/2 samples on each side
  PadMode pad_mode = PadMode::Constant;    // librosa >= 0.10 pads with zeros
};

/// Throws ParameterError for n_fft < 2, odd n_fft, hop_length < 1.
void validate(const StftParams& p);

/// Frames librosa produces for n samples: 1 + n / hop when centred, else 1 + (n - n_fft) / hop
/// (0 if n < n_fft).
std::size_t n_frames(std::size_t n_samples, const StftParams& p);

/// scipy.signal.get_window("hann", n, fftbins=True): 0.5 - 0.5 cos(2 pi k / n).
std::vector<double> hann_periodic(int n);

/// Bin centre frequencies k * sr / n_fft for k = 0..n_fft/2 (librosa.fft_frequencies).
std::vector<double> fft_frequencies(double sr, int n_fft);

/// librosa.stft(y): complex spectrum, (1 + n_fft/2, n_frames).
ComplexMatrix stft(std::span<const float> y, const StftParams& p = {});

/// The double-precision spectra of librosa.stft(y) before their rounding to complex64, handed
/// to `sink(t0, count, spectra)` in blocks of up to `block` frames (frames t0 .. t0+count-1,
/// frame j's bins at spectra[j * bins + k]). Lets callers consume frames while they are in
/// cache instead of materialising the (bins, frames) matrix. `spectra` is valid only during
/// the call.
using StftBlockSink =
    std::function<void(std::size_t t0, std::size_t count, const std::complex<double>* spectra)>;
void stft_blocks(std::span<const float> y, const StftParams& p, std::size_t block,
                 const StftBlockSink& sink);

/// |librosa.stft(y)| (float32 magnitudes of the complex64-rounded spectrum) in tiles of `lanes`
/// frames, bin-major. The magnitude is sqrt(re^2 + im^2) in float32, not np.abs's formula
/// (complex_abs.h, which stft_magnitude uses): the division it needs cost the genre set ~1 ms,
/// and the two differ only in the last bit (about a third of the values); sink(t0, count, tile)
/// gets tile[k * lanes + j] = |X[k, t0 + j]| for j < count, and 0 in lanes past count. `lanes`
/// must be a multiple of 4. For n_fft = 2 * 4^L (2048 among them) four or eight frames go
/// through the FFT at once, one per vector lane
/// (dsp/stft_lanes.h); other sizes use the one-frame FFT. The tile is valid during the call.
using StftTileSink = std::function<void(std::size_t t0, std::size_t count, const float* tile)>;
void stft_magnitude_tiles(std::span<const float> y, const StftParams& p, std::size_t lanes,
                          const StftTileSink& sink);

/// |librosa.stft(y)| without keeping the complex matrix: (1 + n_fft/2, n_frames), with np.abs's
/// float32 formula (complex_abs.h).
Matrix stft_magnitude(std::span<const float> y, const StftParams& p = {});

/// Elementwise x^2 in float32, as np.abs(X)**2 gives the power spectrogram.
Matrix square(const Matrix& magnitude);

/// librosa.istft(X, length=length): inverse with periodic Hann synthesis window, window-sum
/// normalisation where the sum exceeds tiny(float32), centre trimming, zero-fill to length.
std::vector<float> istft(const ComplexMatrix& X, std::size_t length, const StftParams& p = {});

}  // namespace echoelml::dsp
