// librosa 0.10.1 hpss: magphase, two scipy "reflect" median filters, softmask, istft.
// Elementwise steps run in float32 in numpy's order so the masks round as librosa's do.
#include "echoelml/features/hpss.h"

#include <cmath>
#include <complex>
#include <limits>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/dsp/median_filter.h"
#include "hpss_common.h"

namespace echoelml::features {
namespace {

using detail::softmask;

struct Medians {
  Matrix harm, perc;
};

Medians medians(const Matrix& mag, const HpssParams& p) {
  return {dsp::median_filter(mag, p.kernel_harmonic, dsp::FilterAxis::Rows),
          dsp::median_filter(mag, p.kernel_percussive, dsp::FilterAxis::Cols)};
}

bool split_zeros(const HpssParams& p) {
  return p.margin_harmonic == 1.0 && p.margin_percussive == 1.0;
}

// np.abs of complex64 (numpy's float32 formula).
Matrix magnitude(const ComplexMatrix& D) {
  Matrix m(D.rows, D.cols);
  dsp::abs_complex64(D.data.data(), D.data.size(), m.data.data());
  return m;
}

inline std::complex<float> apply(std::complex<float> d, float s, float mask) {
  return detail::apply_mask(d, s, mask);
}

enum Want { kHarmonic = 1, kPercussive = 2 };

HpssSpectra spectra(const ComplexMatrix& D, const HpssParams& p, int want) {
  validate(p);
  const Matrix mag = magnitude(D);
  const Medians med = medians(mag, p);
  const bool split = split_zeros(p);
  const auto power = static_cast<float>(p.power);
  const auto mh = static_cast<float>(p.margin_harmonic);
  const auto mp = static_cast<float>(p.margin_percussive);
  HpssSpectra out;
  if (want & kHarmonic) out.harmonic = ComplexMatrix(D.rows, D.cols);
  if (want & kPercussive) out.percussive = ComplexMatrix(D.rows, D.cols);
  for (std::size_t i = 0; i < D.data.size(); ++i) {
    const float h = med.harm.data[i], q = med.perc.data[i];
    if (want & kHarmonic) out.harmonic.data[i] = apply(D.data[i], mag.data[i], softmask(h, q * mh, power, split));
    if (want & kPercussive) out.percussive.data[i] = apply(D.data[i], mag.data[i], softmask(q, h * mp, power, split));
  }
  return out;
}

}  // namespace

void validate(const HpssParams& p) {
  dsp::validate(p.stft);
  for (int k : {p.kernel_harmonic, p.kernel_percussive})
    if (k < 1 || k % 2 == 0)
      throw ParameterError("hpss: kernel sizes must be odd and >= 1, got " + std::to_string(k));
  if (!(p.power > 0) || !std::isfinite(p.power))
    throw ParameterError("hpss: power must be finite and > 0, got " + std::to_string(p.power));
  if (!(p.margin_harmonic >= 1.0) || !(p.margin_percussive >= 1.0))
    throw ParameterError("hpss: margins must be >= 1, got " + std::to_string(p.margin_harmonic) +
                         " and " + std::to_string(p.margin_percussive));
}

HpssMasks hpss_masks(const Matrix& mag, const HpssParams& p) {
  validate(p);
  const Medians med = medians(mag, p);
  const bool split = split_zeros(p);
  const auto power = static_cast<float>(p.power);
  HpssMasks out{Matrix(mag.rows, mag.cols), Matrix(mag.rows, mag.cols)};
  for (std::size_t i = 0; i < mag.data.size(); ++i) {
    const float h = med.harm.data[i], q = med.perc.data[i];
    out.harmonic.data[i] = softmask(h, q * static_cast<float>(p.margin_harmonic), power, split);
    out.percussive.data[i] = softmask(q, h * static_cast<float>(p.margin_percussive), power, split);
  }
  return out;
}

HpssSpectra hpss(const ComplexMatrix& D, const HpssParams& p) {
  return spectra(D, p, kHarmonic | kPercussive);
}

HpssSignals hpss(std::span<const float> y, const HpssParams& p) {
  validate(p);
  auto S = spectra(dsp::stft(y, p.stft), p, kHarmonic | kPercussive);
  return {dsp::istft(S.harmonic, y.size(), p.stft), dsp::istft(S.percussive, y.size(), p.stft)};
}

std::vector<float> hpss_harmonic(std::span<const float> y, const HpssParams& p) {
  validate(p);
  auto S = spectra(dsp::stft(y, p.stft), p, kHarmonic);
  return dsp::istft(S.harmonic, y.size(), p.stft);
}

double harmonic_ratio(std::span<const float> y, std::span<const float> harmonic) {
  double sh = 0.0, sy = 0.0;
  for (float v : harmonic) sh += std::abs(v);
  for (float v : y) sy += std::abs(v);
  return sh / (sy + 1e-6);
}

}  // namespace echoelml::features
