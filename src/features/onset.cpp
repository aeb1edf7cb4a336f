#include "echoelml/features/onset.h"

#include <algorithm>
#include <string>

#include "echoelml/core/error.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

// Zeros librosa puts before the first difference: lag + n_fft // (2 hop) when centred.
std::size_t leading_pad(const dsp::StftParams& s) {
  return 1 + (s.center ? static_cast<std::size_t>(s.n_fft / (2 * s.hop_length)) : 0);
}

// Positive first differences of the dB spectrogram, band-major like librosa's (bands, T-1).
Matrix positive_differences_db(const Matrix& S) {
  const std::size_t B = S.rows, T = S.cols;
  Matrix d(B, T > 0 ? T - 1 : 0);
  for (std::size_t b = 0; b < B; ++b) {
    const float* s = S.data.data() + b * T;
    float* o = d.data.data() + b * d.cols;
    for (std::size_t t = 0; t + 1 < T; ++t) o[t] = std::max(0.0f, s[t + 1] - s[t]);
  }
  return d;
}

Matrix positive_differences(const Matrix& mel_power, const OnsetStrengthParams& p) {
  dsp::validate(p.mel.stft);
  if (mel_power.rows == 0) throw ParameterError("onset_strength: mel spectrogram has no bands");
  return positive_differences_db(power_to_db(mel_power, p.db));
}

// np.mean over the band axis of a C-ordered (bands, frames) float32 array: numpy adds the
// rows one after another in float32, then divides by the band count.
std::vector<float> band_mean(const Matrix& d) {
  std::vector<float> acc(d.cols, 0.0f);
  for (std::size_t b = 0; b < d.rows; ++b) {
    const float* r = d.data.data() + b * d.cols;
    for (std::size_t t = 0; t < d.cols; ++t) acc[t] += r[t];
  }
  const float n = static_cast<float>(d.rows);
  for (auto& v : acc) v /= n;
  return acc;
}

// np.median over bands: the middle value, or the float32 mean of the two middle values.
std::vector<float> band_median(const Matrix& d) {
  const std::size_t B = d.rows, T = d.cols;
  std::vector<float> out(T), col(B);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t b = 0; b < B; ++b) col[b] = d.data[b * T + t];
    const std::size_t mid = B / 2;
    std::nth_element(col.begin(), col.begin() + static_cast<std::ptrdiff_t>(mid), col.end());
    const float hi = col[mid];
    if (B % 2 == 1) {
      out[t] = hi;
    } else {
      const float lo = *std::max_element(col.begin(), col.begin() + static_cast<std::ptrdiff_t>(mid));
      out[t] = (lo + hi) / 2.0f;
    }
  }
  return out;
}

// Left pad with zeros and cut to the frame count (librosa pads, then trims when centred).
std::vector<float> finish(const std::vector<float>& agg, std::size_t frames,
                          const dsp::StftParams& s) {
  std::vector<float> env(leading_pad(s), 0.0f);
  env.insert(env.end(), agg.begin(), agg.end());
  if (s.center || env.size() > frames) env.resize(frames, 0.0f);
  return env;
}

}  // namespace

std::vector<float> onset_strength_from_mel(const Matrix& mel_power, const OnsetStrengthParams& p) {
  const Matrix d = positive_differences(mel_power, p);
  const auto agg = p.aggregate == OnsetAggregate::Mean ? band_mean(d) : band_median(d);
  return finish(agg, mel_power.cols, p.mel.stft);
}

std::vector<float> onset_strength(std::span<const float> y, const OnsetStrengthParams& p) {
  return onset_strength_from_mel(melspectrogram(y, p.mel), p);
}

std::vector<float> detail::onset_strength_from_mel_db(const Matrix& mel_db,
                                                      OnsetAggregate aggregate,
                                                      const dsp::StftParams& stft) {
  const Matrix d = positive_differences_db(mel_db);
  const auto agg = aggregate == OnsetAggregate::Mean ? band_mean(d) : band_median(d);
  return finish(agg, mel_db.cols, stft);
}

OnsetEnvelopes onset_strength_both(const Matrix& mel_power, const OnsetStrengthParams& p) {
  const Matrix d = positive_differences(mel_power, p);
  return {finish(band_mean(d), mel_power.cols, p.mel.stft),
          finish(band_median(d), mel_power.cols, p.mel.stft)};
}

}  // namespace echoelml::features
