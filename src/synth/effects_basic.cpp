// Buffer helpers, biquad EQ, compressors, stereo image and saturation (effects.h).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "echoelml/core/error.h"
#include "echoelml/synth/effects.h"
#include "synth/biquad.h"

namespace echoelml::synth {
namespace {

void require_stereo(const AudioBuffer& x, const char* what) {
  if (x.channels != 2)
    throw ParameterError(std::string(what) + ": needs a stereo buffer, got " + std::to_string(x.channels) +
                         " channels");
}

double db_to_lin(double db) { return std::pow(10.0, db / 20.0); }

// One-pole smoothing coefficient for a time constant in seconds.
double time_coef(double t_s, double sr) { return t_s <= 0 ? 0.0 : std::exp(-1.0 / (t_s * sr)); }

void validate(const CompressorParams& p, const char* what) {
  if (!(p.ratio >= 1.0)) throw ParameterError(std::string(what) + ": ratio must be >= 1, got " + std::to_string(p.ratio));
  if (p.attack_s < 0 || p.release_s < 0) throw ParameterError(std::string(what) + ": attack/release must be >= 0");
}

// Gain (linear) per frame from a detector signal: peak level in dB, static curve above the
// threshold, then attack/release smoothing of the gain reduction.
std::vector<float> compressor_gain(const AudioBuffer& key, const CompressorParams& p) {
  std::vector<float> gain(key.frames, 1.0f);
  const double a = time_coef(p.attack_s, key.sr), r = time_coef(p.release_s, key.sr);
  const double slope = 1.0 - 1.0 / p.ratio;
  const double makeup = db_to_lin(p.makeup_db);
  double gr = 0.0;  // current gain reduction in dB (>= 0)
  for (std::size_t i = 0; i < key.frames; ++i) {
    double level = 0.0;
    for (std::size_t c = 0; c < key.channels; ++c) level = std::max(level, std::abs(double(key.data[c * key.frames + i])));
    const double level_db = 20.0 * std::log10(std::max(level, 1e-9));
    const double target = std::max(0.0, (level_db - p.threshold_db) * slope);
    const double coef = target > gr ? a : r;
    gr = coef * gr + (1.0 - coef) * target;
    gain[i] = static_cast<float>(db_to_lin(-gr) * makeup);
  }
  return gain;
}

void apply_gain_curve(AudioBuffer& x, const std::vector<float>& g) {
  for (std::size_t c = 0; c < x.channels; ++c)
    for (std::size_t i = 0; i < x.frames; ++i) x.data[c * x.frames + i] *= g[i];
}

}  // namespace

AudioBuffer make_buffer(std::size_t channels, std::size_t frames, double sr) {
  AudioBuffer b;
  b.sr = sr;
  b.channels = channels;
  b.frames = frames;
  b.data.assign(channels * frames, 0.0f);
  return b;
}

void mix_into(AudioBuffer& dst, const AudioBuffer& src, double gain) {
  if (dst.channels != src.channels || dst.frames != src.frames)
    throw ParameterError("mix_into: shape mismatch (" + std::to_string(dst.channels) + "x" + std::to_string(dst.frames) +
                         " vs " + std::to_string(src.channels) + "x" + std::to_string(src.frames) + ")");
  const float g = static_cast<float>(gain);
  for (std::size_t i = 0; i < dst.data.size(); ++i) dst.data[i] += g * src.data[i];
}

void apply_gain_db(AudioBuffer& x, double db) {
  const float g = static_cast<float>(db_to_lin(db));
  for (float& v : x.data) v *= g;
}

double rms(const AudioBuffer& x) {
  if (x.data.empty()) return 0.0;
  double s = 0.0;
  for (float v : x.data) s += double(v) * v;
  return std::sqrt(s / double(x.data.size()));
}

double peak_abs(const AudioBuffer& x) {
  double p = 0.0;
  for (float v : x.data) p = std::max(p, std::abs(double(v)));
  return p;
}

double lr_correlation(const AudioBuffer& x) {
  require_stereo(x, "lr_correlation");
  const float* l = x.data.data();
  const float* r = l + x.frames;
  double ml = 0, mr = 0;
  for (std::size_t i = 0; i < x.frames; ++i) { ml += l[i]; mr += r[i]; }
  ml /= std::max<std::size_t>(x.frames, 1);
  mr /= std::max<std::size_t>(x.frames, 1);
  double sll = 0, srr = 0, slr = 0;
  for (std::size_t i = 0; i < x.frames; ++i) {
    const double a = l[i] - ml, b = r[i] - mr;
    sll += a * a; srr += b * b; slr += a * b;
  }
  return (sll <= 0 || srr <= 0) ? 1.0 : slr / std::sqrt(sll * srr);
}

void normalize_peak(AudioBuffer& x, double peak_db) {
  const double p = peak_abs(x);
  if (p <= 0) return;
  const float g = static_cast<float>(db_to_lin(peak_db) / p);
  for (float& v : x.data) v *= g;
}

void hard_clip(AudioBuffer& x, double ceiling) {
  const float c = static_cast<float>(ceiling);
  for (float& v : x.data) v = std::clamp(v, -c, c);
}

void apply_filter(AudioBuffer& x, FilterType type, double freq, double q, double gain_db) {
  if (!(freq > 0 && freq < x.sr / 2)) throw ParameterError("apply_filter: freq " + std::to_string(freq) + " Hz outside (0, sr/2)");
  if (!(q > 0)) throw ParameterError("apply_filter: q must be > 0");
  for (std::size_t c = 0; c < x.channels; ++c) {
    Biquad bq;
    bq.design(type, freq, q, gain_db, x.sr);
    float* p = x.data.data() + c * x.frames;
    for (std::size_t i = 0; i < x.frames; ++i) p[i] = static_cast<float>(bq.process(p[i]));
  }
}

void compress(AudioBuffer& x, const CompressorParams& p) {
  validate(p, "compress");
  apply_gain_curve(x, compressor_gain(x, p));
}

void sidechain_compress(AudioBuffer& x, const AudioBuffer& key, const CompressorParams& p) {
  validate(p, "sidechain_compress");
  if (key.frames != x.frames) throw ParameterError("sidechain_compress: key has " + std::to_string(key.frames) +
                                                   " frames, signal " + std::to_string(x.frames));
  apply_gain_curve(x, compressor_gain(key, p));
}

void parallel_compress(AudioBuffer& x, const CompressorParams& p, double wet) {
  AudioBuffer squashed = x;
  compress(squashed, p);
  mix_into(x, squashed, wet);
}

void widen_stereo(AudioBuffer& x, double side_gain, double haas_ms, double haas_amount) {
  require_stereo(x, "widen_stereo");
  const std::size_t n = x.frames;
  float* l = x.data.data();
  float* r = l + n;
  const auto d = static_cast<std::size_t>(std::lround(haas_ms * 1e-3 * x.sr));
  std::vector<double> mid(n);
  for (std::size_t i = 0; i < n; ++i) mid[i] = 0.5 * (double(l[i]) + r[i]);
  // High-passed, delayed mid: keeps the bass mono while decorrelating the upper range.
  Biquad hp;
  hp.design(FilterType::HighPass, 300.0, 0.7071, 0.0, x.sr);
  for (std::size_t i = 0; i < n; ++i) {
    const double m = mid[i];
    const double s = 0.5 * (double(l[i]) - r[i]);
    const double extra = hp.process(i >= d ? mid[i - d] : 0.0);
    const double s2 = side_gain * s + haas_amount * extra;
    l[i] = static_cast<float>(m + s2);
    r[i] = static_cast<float>(m - s2);
  }
}

void set_side_gain(AudioBuffer& x, double side_gain) { widen_stereo(x, side_gain, 0.0, 0.0); }

void saturate(AudioBuffer& x, double drive, double mix, double bias) {
  if (!(drive > 0)) throw ParameterError("saturate: drive must be > 0");
  const double offset = std::tanh(drive * bias);
  const double norm = std::tanh(drive * (1.0 + bias)) - offset;  // full-scale input -> about full scale
  for (float& v : x.data) {
    const double wet = (std::tanh(drive * (v + bias)) - offset) / norm;
    v = static_cast<float>((1.0 - mix) * v + mix * wet);
  }
}

void auto_pan(AudioBuffer& x, double rate_hz, double depth, double phase) {
  require_stereo(x, "auto_pan");
  float* l = x.data.data();
  float* r = l + x.frames;
  const double w = 2.0 * std::numbers::pi * rate_hz / x.sr;
  for (std::size_t i = 0; i < x.frames; ++i) {
    // theta in [0, pi/2]: 0 = hard left, pi/4 = centre (both gains 1 after the sqrt(2)).
    const double theta = std::numbers::pi / 4 * (1.0 + depth * std::sin(w * double(i) + phase));
    l[i] = static_cast<float>(l[i] * std::numbers::sqrt2 * std::cos(theta));
    r[i] = static_cast<float>(r[i] * std::numbers::sqrt2 * std::sin(theta));
  }
}

}  // namespace echoelml::synth
