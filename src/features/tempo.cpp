// librosa 0.10.1 feature/rhythm.py tempo + tempogram (autocorrelation mode, center=True,
// window "hann", norm inf), aggregated by np.mean as beat_track calls it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/dsp/fft.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/beat.h"
#include "features/tempogram_sliding.h"

namespace echoelml::features {
namespace {

void check_tempogram_args(std::span<const float> env, int win_length) {
  if (env.empty()) throw ParameterError("tempogram: onset envelope is empty");
  if (win_length < 1)
    throw ParameterError("tempogram: win_length must be >= 1, got " + std::to_string(win_length));
}

}  // namespace

void validate(const TempoParams& p) {
  if (!(p.sr > 0)) throw ParameterError("tempo: sr must be > 0, got " + std::to_string(p.sr));
  if (p.hop_length < 1)
    throw ParameterError("tempo: hop_length must be >= 1, got " + std::to_string(p.hop_length));
  if (!(p.start_bpm > 0))
    throw ParameterError("tempo: start_bpm must be > 0, got " + std::to_string(p.start_bpm));
  if (!(p.std_bpm > 0))
    throw ParameterError("tempo: std_bpm must be > 0, got " + std::to_string(p.std_bpm));
  if (p.max_tempo && !(*p.max_tempo > 0))
    throw ParameterError("tempo: max_tempo must be > 0, got " + std::to_string(*p.max_tempo));
  if (tempogram_win_length(p) < 1)
    throw ParameterError("tempo: ac_size " + std::to_string(p.ac_size) +
                         " s is shorter than one frame");
}

int tempogram_win_length(const TempoParams& p) {
  const double samples = std::floor(p.ac_size * p.sr);  // (times * sr).astype(int)
  return static_cast<int>(std::floor(samples / p.hop_length));
}

std::vector<double> tempo_frequencies(int n_bins, double sr, int hop_length) {
  std::vector<double> bpm(static_cast<std::size_t>(std::max(n_bins, 0)));
  if (!bpm.empty()) bpm[0] = std::numeric_limits<double>::infinity();
  for (int k = 1; k < n_bins; ++k) bpm[k] = 60.0 * sr / (hop_length * static_cast<double>(k));
  return bpm;
}

std::vector<double> tempogram_mean(std::span<const float> env, int W) {
  check_tempogram_args(env, W);
  return detail::tempogram_mean_sliding(env, W);
}

std::vector<double> tempogram_mean_reference(std::span<const float> env, int W) {
  check_tempogram_args(env, W);
  const std::size_t n = env.size(), w = static_cast<std::size_t>(W);
  const auto padded = detail::linear_ramp_pad(env, W / 2);
  const auto window = dsp::hann_periodic(W);
  const int L = 2 * W - 1;
  const std::size_t bins = static_cast<std::size_t>(L / 2 + 1);
  dsp::RealFft fft(L);
  dsp::RealBuffer frame(dsp::fft_alloc_real(static_cast<std::size_t>(L)));
  dsp::ComplexBuffer spec(dsp::fft_alloc_complex(bins));
  std::vector<double> sum(w, 0.0), ac(w);
  const double tiny = std::numeric_limits<double>::min();
  for (std::size_t t = 0; t < n; ++t) {
    std::fill(frame.get(), frame.get() + L, 0.0);
    for (std::size_t k = 0; k < w; ++k) frame[k] = static_cast<double>(padded[t + k]) * window[k];
    fft.forward(frame.get(), spec.get());
    for (std::size_t f = 0; f < bins; ++f) spec[f] = std::norm(spec[f]);
    fft.inverse(spec.get(), frame.get());
    double peak = 0.0;
    for (std::size_t k = 0; k < w; ++k) {
      ac[k] = frame[k] / L;
      peak = std::max(peak, std::abs(ac[k]));
    }
    if (peak < tiny) peak = 1.0;  // util.normalize leaves near-zero frames as they are
    for (std::size_t k = 0; k < w; ++k) sum[k] += ac[k] / peak;
  }
  for (auto& v : sum) v /= static_cast<double>(n);
  return sum;
}

TempoEstimate tempo(std::span<const float> env, const TempoParams& p) {
  validate(p);
  const int W = tempogram_win_length(p);
  TempoEstimate out;
  out.tempogram_mean = tempogram_mean(env, W);
  const auto bpm = tempo_frequencies(W, p.sr, p.hop_length);
  std::vector<double> logprior(bpm.size());
  const double log2_start = std::log2(p.start_bpm);
  for (std::size_t k = 0; k < bpm.size(); ++k) {
    const double z = (std::log2(bpm[k]) - log2_start) / p.std_bpm;
    logprior[k] = -0.5 * z * z;
  }
  if (p.max_tempo) {
    // np.argmax(bpms < max_tempo): the first slow-enough lag (0 when none is)
    std::size_t max_idx = 0;
    for (std::size_t k = 0; k < bpm.size(); ++k)
      if (bpm[k] < *p.max_tempo) { max_idx = k; break; }
    for (std::size_t k = 0; k < max_idx; ++k) logprior[k] = -std::numeric_limits<double>::infinity();
  }
  // np.argmax: first maximum, and the first NaN if there is one.
  std::size_t best = 0;
  double best_v = -std::numeric_limits<double>::infinity();
  bool first = true;
  for (std::size_t k = 0; k < bpm.size(); ++k) {
    const double v = std::log1p(1e6 * out.tempogram_mean[k]) + logprior[k];
    if (std::isnan(v)) { best = k; break; }
    if (first || v > best_v) { best = k; best_v = v; first = false; }
  }
  out.best_lag = static_cast<int>(best);
  out.bpm = bpm[best];
  return out;
}

}  // namespace echoelml::features
