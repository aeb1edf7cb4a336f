// Filterbanks and frequency scales as librosa 0.10.1 builds them (filters.py, core/convert.py).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "echoelml/core/matrix.h"

namespace echoelml::dsp {

enum class MelNorm { None, Slaney };

struct MelParams {
  double sr = 22050.0;
  int n_fft = 2048;
  int n_mels = 128;
  double fmin = 0.0;
  std::optional<double> fmax{};  // default sr / 2
  bool htk = false;              // false = Slaney's auditory-toolbox scale
  MelNorm norm = MelNorm::Slaney;
};

void validate(const MelParams& p);

double hz_to_mel(double hz, bool htk = false);
double mel_to_hz(double mel, bool htk = false);
/// n mel-spaced frequencies (Hz) between fmin and fmax inclusive (librosa.mel_frequencies).
std::vector<double> mel_frequencies(int n, double fmin, double fmax, bool htk = false);

/// librosa.filters.mel(...) as float32, (n_mels, 1 + n_fft/2).
Matrix mel_filterbank(const MelParams& p);

/// The same filterbank stored by its non-zero run per band: applying it costs
/// O(bins) per frame instead of O(n_mels * bins). Built once, shared across threads.
class MelBank {
 public:
  explicit MelBank(const MelParams& p);
  /// out = W * power, power is (1 + n_fft/2, frames); out is (n_mels, frames).
  Matrix apply(const Matrix& power) const;
  const Matrix& dense() const { return dense_; }

 private:
  Matrix dense_;
  std::vector<std::size_t> lo_, hi_;  // band m covers bins [lo_[m], hi_[m])
};

/// A cached MelBank for these parameters (librosa memoises filters.mel the same way).
const MelBank& cached_mel_bank(const MelParams& p);

}  // namespace echoelml::dsp
