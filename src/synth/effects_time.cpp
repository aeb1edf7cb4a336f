// Time-based effects: reverb, filter sweep, delay, chorus/flanger/phaser (effects.h).
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/synth/effects.h"
#include "synth/biquad.h"

namespace echoelml::synth {
namespace {

// Freeverb's published tunings (samples at 44.1 kHz) and its fixed gains.
constexpr std::array<int, 8> kCombTuning = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
constexpr std::array<int, 4> kAllpassTuning = {556, 441, 341, 225};
constexpr int kStereoSpread = 23;        // extra samples on the right channel's delays
constexpr double kInputGain = 0.015;     // keeps the 8 summed combs in range
constexpr double kWetScale = 3.0;

struct Comb {
  std::vector<float> buf;
  std::size_t idx = 0;
  double store = 0;
  double process(double in, double feedback, double damp) {
    const double out = buf[idx];
    store = out * (1.0 - damp) + store * damp;
    buf[idx] = static_cast<float>(in + store * feedback);
    if (++idx == buf.size()) idx = 0;
    return out;
  }
};

struct Allpass {
  std::vector<float> buf;
  std::size_t idx = 0;
  double process(double in) {
    const double b = buf[idx];
    buf[idx] = static_cast<float>(in + b * 0.5);
    if (++idx == buf.size()) idx = 0;
    return b - in;
  }
};

std::size_t scaled(int samples, double sr) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(samples * sr / 44100.0)));
}

// Linear-interpolated read `delay` samples (fractional, >= 1) behind write position `w`.
double read_frac(const std::vector<float>& line, std::size_t w, double delay) {
  const std::size_t n = line.size();
  const double pos = double(w) + double(n) - delay;
  const auto i0 = static_cast<std::size_t>(pos);
  const double f = pos - double(i0);
  return (1.0 - f) * line[i0 % n] + f * line[(i0 + 1) % n];
}

}  // namespace

void reverb(AudioBuffer& x, const ReverbParams& p) {
  if (x.channels < 1 || x.channels > 2) throw ParameterError("reverb: needs 1 or 2 channels");
  if (p.room_size < 0 || p.room_size > 1 || p.damping < 0 || p.damping > 1)
    throw ParameterError("reverb: room_size and damping must be in [0, 1]");
  const std::size_t n = x.frames;
  const std::size_t C = x.channels;
  const double feedback = 0.7 + 0.28 * p.room_size;
  const double damp = 0.4 * p.damping;
  const auto pre = static_cast<std::size_t>(std::lround(std::max(0.0, p.predelay_s) * x.sr));
  std::vector<double> mono(n);
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t c = 0; c < C; ++c) s += x.data[c * n + i];
    mono[i] = s * kInputGain;
  }
  std::array<std::vector<double>, 2> wet;
  for (std::size_t side = 0; side < 2; ++side) {
    std::array<Comb, 8> combs;
    std::array<Allpass, 4> aps;
    const int spread = side == 0 ? 0 : kStereoSpread;
    for (std::size_t k = 0; k < 8; ++k) combs[k].buf.assign(scaled(kCombTuning[k] + spread, x.sr), 0.0f);
    for (std::size_t k = 0; k < 4; ++k) aps[k].buf.assign(scaled(kAllpassTuning[k] + spread, x.sr), 0.0f);
    wet[side].resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double in = i >= pre ? mono[i - pre] : 0.0;
      double acc = 0;
      for (auto& cb : combs) acc += cb.process(in, feedback, damp);
      for (auto& ap : aps) acc = ap.process(acc);
      wet[side][i] = acc;
    }
  }
  const double w1 = p.wet * kWetScale * (p.width / 2 + 0.5), w2 = p.wet * kWetScale * ((1 - p.width) / 2);
  for (std::size_t i = 0; i < n; ++i) {
    if (C == 1) {
      x.data[i] = static_cast<float>(p.dry * x.data[i] + p.wet * kWetScale * 0.5 * (wet[0][i] + wet[1][i]));
      continue;
    }
    const double l = x.data[i], r = x.data[n + i];
    x.data[i] = static_cast<float>(p.dry * l + w1 * wet[0][i] + w2 * wet[1][i]);
    x.data[n + i] = static_cast<float>(p.dry * r + w1 * wet[1][i] + w2 * wet[0][i]);
  }
}

void filter_sweep(AudioBuffer& x, double f_start, double f_end, double t_start, double t_end, double q) {
  const double nyq = x.sr / 2;
  if (!(f_start > 0 && f_start < nyq && f_end > 0 && f_end < nyq))
    throw ParameterError("filter_sweep: frequencies must be in (0, sr/2)");
  if (!(t_end > t_start)) throw ParameterError("filter_sweep: t_end must be > t_start");
  constexpr std::size_t kBlock = 32;  // coefficient update interval: smooth enough, cheap
  for (std::size_t c = 0; c < x.channels; ++c) {
    Biquad bq;
    float* p = x.data.data() + c * x.frames;
    for (std::size_t b = 0; b < x.frames; b += kBlock) {
      const double t = double(b) / x.sr;
      const double u = std::clamp((t - t_start) / (t_end - t_start), 0.0, 1.0);
      bq.design(FilterType::LowPass, f_start * std::pow(f_end / f_start, u), q, 0.0, x.sr);
      const std::size_t e = std::min(x.frames, b + kBlock);
      for (std::size_t i = b; i < e; ++i) p[i] = static_cast<float>(bq.process(p[i]));
    }
  }
}

void tempo_delay(AudioBuffer& x, double delay_s, double feedback, double wet, bool ping_pong) {
  const auto D = static_cast<std::size_t>(std::lround(delay_s * x.sr));
  if (D < 1) throw ParameterError("tempo_delay: delay must be at least one sample");
  if (!(std::abs(feedback) < 1)) throw ParameterError("tempo_delay: |feedback| must be < 1");
  if (ping_pong && x.channels != 2) throw ParameterError("tempo_delay: ping_pong needs stereo");
  const std::size_t n = x.frames, C = x.channels;
  std::vector<std::vector<double>> d(C, std::vector<double>(n, 0.0));  // the delay-line output
  for (std::size_t i = D; i < n; ++i)
    for (std::size_t c = 0; c < C; ++c) {
      // Ping-pong: a repeat on one side is fed from the other side's previous repeat.
      const std::size_t src = ping_pong ? 1 - c : c;
      const double in = ping_pong ? 0.5 * (x.data[i - D] + x.data[n + i - D]) * (c == 0) : x.data[c * n + i - D];
      d[c][i] = in + feedback * d[src][i - D];
    }
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t i = 0; i < n; ++i) x.data[c * n + i] = static_cast<float>(x.data[c * n + i] + wet * d[c][i]);
}

void modulate(AudioBuffer& x, const ModulationParams& p) {
  if (!(p.rate_hz > 0)) throw ParameterError("modulate: rate_hz must be > 0");
  if (!(std::abs(p.feedback) < 1)) throw ParameterError("modulate: |feedback| must be < 1");
  const std::size_t n = x.frames;
  const double w = 2.0 * std::numbers::pi * p.rate_hz / x.sr;
  for (std::size_t c = 0; c < x.channels; ++c) {
    float* s = x.data.data() + c * n;
    const double phase = c == 1 ? std::numbers::pi / 2 : 0.0;  // quadrature LFOs widen the image
    if (p.kind == ModulationKind::Phaser) {
      // Six first-order allpasses whose break frequency sweeps 300 Hz..3 kHz.
      std::array<double, 6> xs{}, ys{};
      double fb = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double lfo = 0.5 * (1 + std::sin(w * double(i) + phase));
        const double f = 300.0 * std::pow(10.0, p.depth * lfo);
        const double t = std::tan(std::numbers::pi * f / x.sr);
        const double a = (t - 1) / (t + 1);
        double v = s[i] + p.feedback * fb;
        for (std::size_t k = 0; k < 6; ++k) {
          const double y = a * v + xs[k] - a * ys[k];
          xs[k] = v; ys[k] = y; v = y;
        }
        fb = v;
        s[i] = static_cast<float>((1 - p.mix) * s[i] + p.mix * v);
      }
      continue;
    }
    // Chorus: 7..(7+13*depth) ms; flanger: 0.5..(0.5+4*depth) ms with feedback.
    const bool chorus = p.kind == ModulationKind::Chorus;
    const double base_ms = chorus ? 7.0 : 0.5, span_ms = (chorus ? 13.0 : 4.0) * p.depth;
    std::vector<float> line(static_cast<std::size_t>((base_ms + span_ms) * 1e-3 * x.sr) + 4, 0.0f);
    std::size_t wpos = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double lfo = 0.5 * (1 + std::sin(w * double(i) + phase));
      const double delay = std::max(1.0, (base_ms + span_ms * lfo) * 1e-3 * x.sr);
      const double tap = read_frac(line, wpos, delay);
      line[wpos] = static_cast<float>(s[i] + p.feedback * tap);
      wpos = (wpos + 1) % line.size();
      s[i] = static_cast<float>((1 - p.mix) * s[i] + p.mix * tap);
    }
  }
}

}  // namespace echoelml::synth
