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

namespace echoelml::features {
namespace {

// Smallest n >= target whose only prime factors are 2, 3, 5, 7 (sizes FFTW handles fast).
int fast_fft_size(int target) {
  for (int n = std::max(target, 1);; ++n) {
    int m = n;
    for (int f : {2, 3, 5, 7})
      while (m % f == 0) m /= f;
    if (m == 1) return n;
  }
}

// np.pad(env, win // 2, mode="linear_ramp", end_values=0) in float32: each side ramps from 0
// at the outer end towards the edge value, numpy linspace(0, edge, w, endpoint=False).
std::vector<float> linear_ramp_pad(std::span<const float> env, int half) {
  const std::size_t n = env.size(), h = static_cast<std::size_t>(half);
  std::vector<float> out(n + 2 * h);
  const double step_l = static_cast<double>(env.front()) / half;
  const double step_r = static_cast<double>(env.back()) / half;
  for (std::size_t j = 0; j < h; ++j) {
    out[j] = static_cast<float>(static_cast<double>(j) * step_l);
    out[n + 2 * h - 1 - j] = static_cast<float>(static_cast<double>(j) * step_r);
  }
  std::copy(env.begin(), env.end(), out.begin() + static_cast<std::ptrdiff_t>(h));
  return out;
}

// frame = padded * window (float64) and its energy, the frame's lag-0 autocorrelation = its
// max |autocorrelation|. Four partial sums break the chain of dependent additions (the order
// changes the sum by ~1e-16 relative, far below anything the argmax over lags can resolve).
// Compiled twice (SSE2 and AVX2; "avx2" alone, so no FMA contraction): the same float64
// operations in the same order, so both give the same bits.
[[gnu::always_inline]] inline double window_energy_body(const float* __restrict src,
                                                        const double* __restrict window,
                                                        double* __restrict frame, std::size_t w) {
  for (std::size_t k = 0; k < w; ++k) frame[k] = static_cast<double>(src[k]) * window[k];
  double e4[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t k = 0;
  for (; k + 4 <= w; k += 4)
    for (std::size_t i = 0; i < 4; ++i) e4[i] += frame[k + i] * frame[k + i];
  for (; k < w; ++k) e4[0] += frame[k] * frame[k];
  return (e4[0] + e4[1]) + (e4[2] + e4[3]);
}
[[gnu::target("avx2")]] double window_energy_avx2(const float* src, const double* window,
                                                  double* frame, std::size_t w) {
  return window_energy_body(src, window, frame, w);
}
double window_energy_default(const float* src, const double* window, double* frame,
                             std::size_t w) {
  return window_energy_body(src, window, frame, w);
}

// acc[f] += |spec[f]|^2 * inv (re^2 + im^2, as std::norm), compiled twice like the above.
[[gnu::always_inline]] inline void add_power_body(const double* __restrict spec, double inv,
                                                  double* __restrict acc, std::size_t bins) {
  for (std::size_t f = 0; f < bins; ++f)
    acc[f] += (spec[2 * f] * spec[2 * f] + spec[2 * f + 1] * spec[2 * f + 1]) * inv;
}
[[gnu::target("avx2")]] void add_power_avx2(const double* spec, double inv, double* acc,
                                            std::size_t bins) {
  add_power_body(spec, inv, acc, bins);
}
void add_power_default(const double* spec, double inv, double* acc, std::size_t bins) {
  add_power_body(spec, inv, acc, bins);
}

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
  const std::size_t n = env.size(), w = static_cast<std::size_t>(W);
  const auto padded = linear_ramp_pad(env, W / 2);
  const auto window = dsp::hann_periodic(W);
  const int L = fast_fft_size(2 * W - 1);  // any length >= 2W-1 gives the same lags
  const std::size_t bins = static_cast<std::size_t>(L / 2 + 1);
  dsp::RealFft fft(L);
  dsp::RealBuffer frame(dsp::fft_alloc_real(static_cast<std::size_t>(L)));
  dsp::ComplexBuffer spec(dsp::fft_alloc_complex(bins));
  std::fill(frame.get(), frame.get() + L, 0.0);
  std::vector<double> acc(bins, 0.0);
  const double tiny = std::numeric_limits<double>::min();
  static const bool avx2 = __builtin_cpu_supports("avx2");
  const double* spec_d = reinterpret_cast<const double*>(spec.get());
  for (std::size_t t = 0; t < n; ++t) {
    const float* src = padded.data() + t;
    const double energy = avx2 ? window_energy_avx2(src, window.data(), frame.get(), w)
                               : window_energy_default(src, window.data(), frame.get(), w);
    if (energy < tiny) continue;  // librosa leaves such a frame unscaled: it is ~0 anyway
    fft.forward(frame.get(), spec.get());
    const double inv = 1.0 / energy;
    if (avx2) add_power_avx2(spec_d, inv, acc.data(), bins);
    else add_power_default(spec_d, inv, acc.data(), bins);
  }
  for (std::size_t f = 0; f < bins; ++f) spec[f] = {acc[f], 0.0};
  fft.inverse(spec.get(), frame.get());
  std::vector<double> tg(w);
  const double scale = 1.0 / (static_cast<double>(L) * static_cast<double>(n));
  for (std::size_t k = 0; k < w; ++k) tg[k] = frame[k] * scale;
  return tg;
}

std::vector<double> tempogram_mean_reference(std::span<const float> env, int W) {
  check_tempogram_args(env, W);
  const std::size_t n = env.size(), w = static_cast<std::size_t>(W);
  const auto padded = linear_ramp_pad(env, W / 2);
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
