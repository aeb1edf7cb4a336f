// Independent measurements for the synth tests (plain loops, no project DSP).
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <vector>

#include "echoelml/io/audio.h"

namespace echoelml::synth::test {

inline io::AudioBuffer stereo(const std::vector<float>& l, const std::vector<float>& r, double sr = 44100.0) {
  io::AudioBuffer b;
  b.sr = sr;
  b.channels = 2;
  b.frames = l.size();
  b.data = l;
  b.data.insert(b.data.end(), r.begin(), r.end());
  return b;
}

inline std::vector<float> sine(double f, double amp, std::size_t n, double sr = 44100.0) {
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<float>(amp * std::sin(2 * std::numbers::pi * f * double(i) / sr));
  return y;
}

inline std::vector<float> noise(std::size_t n, double amp, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> y(n);
  for (auto& v : y) v = static_cast<float>(amp) * d(rng);
  return y;
}

inline std::vector<float> mono_of(const io::AudioBuffer& b) {
  std::vector<float> m(b.frames, 0.0f);
  for (std::size_t c = 0; c < b.channels; ++c)
    for (std::size_t i = 0; i < b.frames; ++i) m[i] += b.data[c * b.frames + i] / float(b.channels);
  return m;
}

/// Energy of x[from, to) (sum of squares).
inline double energy(const std::vector<float>& x, std::size_t from, std::size_t to) {
  double e = 0;
  for (std::size_t i = from; i < std::min(to, x.size()); ++i) e += double(x[i]) * x[i];
  return e;
}

/// |DFT|^2 of x[from, from+n) at frequency f (Goertzel-style direct sum).
inline double tone_power(const std::vector<float>& x, std::size_t from, std::size_t n, double f, double sr = 44100.0) {
  double re = 0, im = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double ph = 2 * std::numbers::pi * f * double(i) / sr;
    re += x[from + i] * std::cos(ph);
    im -= x[from + i] * std::sin(ph);
  }
  return re * re + im * im;
}

/// Share of the energy below f_hz, averaged over frames of n samples (Parseval on a direct DFT).
inline double low_band_share(const std::vector<float>& x, double f_hz, std::size_t n = 4096, double sr = 44100.0) {
  double low = 0, total = 0;
  for (std::size_t from = 0; from + n <= x.size(); from += n * 4) {
    const auto kmax = static_cast<std::size_t>(f_hz * double(n) / sr);
    for (std::size_t k = 0; k <= kmax; ++k) low += (k == 0 ? 1.0 : 2.0) * tone_power(x, from, n, double(k) * sr / double(n), sr);
    total += double(n) * energy(x, from, from + n);
  }
  return total > 0 ? low / total : 0.0;
}

/// Normalised autocorrelation of x at `lag`.
inline double autocorr(const std::vector<float>& x, std::size_t lag) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i + lag < x.size(); ++i) num += double(x[i]) * x[i + lag];
  for (float v : x) den += double(v) * v;
  return den > 0 ? num / den : 0.0;
}

}  // namespace echoelml::synth::test
