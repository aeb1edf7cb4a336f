// The guide's six TechniqueRecognizer features, sharing one complex STFT of the full signal.
#include <algorithm>
#include <cmath>

#include "echoelml/core/error.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/autocorr.h"
#include "echoelml/features/hpss.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/onset.h"
#include "echoelml/features/sets.h"

namespace echoelml::features {
namespace {

// np.corrcoef(L, R)[0, 1] in float64.
double pearson(std::span<const float> a, std::span<const float> b) {
  const std::size_t n = a.size();
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= static_cast<double>(n);
  mb /= static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);  // NaN for a constant channel, as numpy
}

}  // namespace

TechniqueFeatures technique_features(const io::AudioBuffer& mono, const io::AudioBuffer* stereo) {
  if (mono.channels != 1 || mono.frames == 0)
    throw ParameterError("technique features: expected a non-empty mono buffer");
  TechniqueFeatures f;
  const std::span<const float> y = mono.channel(0);

  // float32 max - min, as numpy computes it on the float32 signal.
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  f.dynamic_range = static_cast<double>(*hi - *lo);

  if (stereo && stereo->channels >= 2) {
    // A constant channel (digital silence) has no defined correlation: numpy gives NaN, which
    // the golden set records as null. Report it as missing rather than as a number.
    const double r = pearson(stereo->channel(0), stereo->channel(1));
    if (std::isfinite(r)) f.stereo_width = 1.0 - r;
  }

  const ComplexMatrix D = dsp::stft(y);
  {
    // np.var(np.abs(D)), population variance over every bin and frame.
    Matrix S(D.rows, D.cols);
    double sum = 0;
    for (std::size_t i = 0; i < D.data.size(); ++i) {
      const float re = D.data[i].real(), im = D.data[i].imag();
      S.data[i] = std::sqrt(re * re + im * im);
      sum += S.data[i];
    }
    const double mean = sum / static_cast<double>(S.size());
    double var = 0;
    for (float v : S.data) var += (v - mean) * (v - mean);
    f.spectrum_variance = var / static_cast<double>(S.size());

    OnsetStrengthParams onset{};
    onset.mel.mel.sr = kAnalysisSr;
    onset.aggregate = OnsetAggregate::Mean;
    const auto env = onset_strength_from_mel(melspectrogram(dsp::square(S), onset.mel.mel), onset);
    double acc = 0;
    for (float v : env) acc += v;
    f.transient_strength = env.empty() ? 0.0 : acc / static_cast<double>(env.size());
  }

  f.temporal_modulation = temporal_modulation(y, kAnalysisSr);

  const auto spectra = hpss(D);
  const auto harmonic = dsp::istft(spectra.harmonic, y.size());
  f.harmonic_ratio = harmonic_ratio(y, harmonic);
  return f;
}

}  // namespace echoelml::features
