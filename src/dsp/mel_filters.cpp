#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "echoelml/core/error.h"
#include "echoelml/dsp/filters.h"
#include "echoelml/dsp/stft.h"

namespace echoelml::dsp {
namespace {
// Slaney's scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
constexpr double kFSp = 200.0 / 3.0;
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = kMinLogHz / kFSp;  // 15
const double kLogStep = std::log(6.4) / 27.0;
}  // namespace

void validate(const MelParams& p) {
  if (!(p.sr > 0)) throw ParameterError("mel: sr must be > 0");
  if (p.n_fft < 2) throw ParameterError("mel: n_fft must be >= 2, got " + std::to_string(p.n_fft));
  if (p.n_mels < 1) throw ParameterError("mel: n_mels must be >= 1, got " + std::to_string(p.n_mels));
  double fmax = p.fmax.value_or(p.sr / 2);
  if (p.fmin < 0 || fmax <= p.fmin)
    throw ParameterError("mel: need 0 <= fmin < fmax, got fmin " + std::to_string(p.fmin) +
                         ", fmax " + std::to_string(fmax));
}

double hz_to_mel(double hz, bool htk) {
  if (htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz >= kMinLogHz) return kMinLogMel + std::log(hz / kMinLogHz) / kLogStep;
  return hz / kFSp;
}

double mel_to_hz(double mel, bool htk) {
  if (htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= kMinLogMel) return kMinLogHz * std::exp(kLogStep * (mel - kMinLogMel));
  return kFSp * mel;
}

std::vector<double> mel_frequencies(int n, double fmin, double fmax, bool htk) {
  const double lo = hz_to_mel(fmin, htk), hi = hz_to_mel(fmax, htk);
  std::vector<double> f(static_cast<std::size_t>(n));
  // numpy.linspace: start + i * step, with the end point set exactly.
  const double step = n > 1 ? (hi - lo) / (n - 1) : 0.0;
  for (int i = 0; i < n; ++i) f[i] = mel_to_hz(i == n - 1 && n > 1 ? hi : lo + i * step, htk);
  return f;
}

Matrix mel_filterbank(const MelParams& p) {
  validate(p);
  const auto fft_f = fft_frequencies(p.sr, p.n_fft);
  const auto mel_f = mel_frequencies(p.n_mels + 2, p.fmin, p.fmax.value_or(p.sr / 2), p.htk);
  Matrix w(static_cast<std::size_t>(p.n_mels), fft_f.size());
  for (int m = 0; m < p.n_mels; ++m) {
    const double d_lo = mel_f[m + 1] - mel_f[m], d_hi = mel_f[m + 2] - mel_f[m + 1];
    const double enorm = p.norm == MelNorm::Slaney ? 2.0 / (mel_f[m + 2] - mel_f[m]) : 1.0;
    for (std::size_t k = 0; k < fft_f.size(); ++k) {
      const double lower = -(mel_f[m] - fft_f[k]) / d_lo;
      const double upper = (mel_f[m + 2] - fft_f[k]) / d_hi;
      const double v = std::max(0.0, std::min(lower, upper));
      // librosa stores the triangle in float32, then scales the float32 row.
      w(m, k) = static_cast<float>(static_cast<float>(v) * enorm);
    }
  }
  return w;
}

MelBank::MelBank(const MelParams& p) : dense_(mel_filterbank(p)) {
  lo_.resize(dense_.rows);
  hi_.resize(dense_.rows);
  for (std::size_t m = 0; m < dense_.rows; ++m) {
    auto row = dense_.row(m);
    std::size_t lo = 0, hi = row.size();
    while (lo < hi && row[lo] == 0.0f) ++lo;
    while (hi > lo && row[hi - 1] == 0.0f) --hi;
    lo_[m] = lo;
    hi_[m] = hi;
  }
}

Matrix MelBank::apply(const Matrix& power) const {
  if (power.rows != dense_.cols)
    throw ParameterError("melspectrogram: spectrum has " + std::to_string(power.rows) +
                         " bins, the filterbank expects " + std::to_string(dense_.cols));
  Matrix out(dense_.rows, power.cols);
  const std::size_t T = power.cols;
  for (std::size_t m = 0; m < dense_.rows; ++m) {
    float* dst = out.data.data() + m * T;
    for (std::size_t k = lo_[m]; k < hi_[m]; ++k) {
      const float w = dense_(m, k);
      if (w == 0.0f) continue;
      const float* src = power.data.data() + k * T;
      for (std::size_t t = 0; t < T; ++t) dst[t] += w * src[t];
    }
  }
  return out;
}

const MelBank& cached_mel_bank(const MelParams& p) {
  using Key = std::tuple<double, int, int, double, double, bool, int>;
  static std::mutex mutex;
  static auto* cache = new std::map<Key, std::unique_ptr<MelBank>>();  // lives for the process
  Key key{p.sr, p.n_fft, p.n_mels, p.fmin, p.fmax.value_or(p.sr / 2), p.htk,
          static_cast<int>(p.norm)};
  std::lock_guard lock(mutex);
  auto& slot = (*cache)[key];
  if (!slot) slot = std::make_unique<MelBank>(p);
  return *slot;
}

}  // namespace echoelml::dsp
