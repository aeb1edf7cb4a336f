#include "echoelml/io/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "echoelml/core/error.h"

namespace echoelml::io {
namespace {

// EBU Tech 3342 gates for the loudness range.
constexpr double kLraAbsoluteGate = -70.0;  // LUFS
constexpr double kLraRelativeGate = -20.0;  // LU below the mean of the abs-gated blocks

struct StateCloser {
  ebur128_state* st;
  ~StateCloser() {
    if (st != nullptr) ebur128_destroy(&st);
  }
};

double to_db(double linear) {
  return linear > 0.0 ? 20.0 * std::log10(linear) : -std::numeric_limits<double>::infinity();
}

void check(int rc, const char* what) {
  if (rc != EBUR128_SUCCESS) throw Error(std::string("measure_loudness: ") + what + " failed (libebur128 error " + std::to_string(rc) + ")");
}

// Loudness range from short-term values: abs and relative gates, then the 95th minus the 10th
// percentile, with ffmpeg's rank rule (the k-th smallest, k = floor(q*n + 0.5), at least 1).
double loudness_range(const std::vector<double>& short_term) {
  std::vector<double> v;
  for (double x : short_term)
    if (x > kLraAbsoluteGate) v.push_back(x);
  if (v.size() < 2) return 0.0;
  double energy = 0.0;
  for (double x : v) energy += std::pow(10.0, x / 10.0);
  const double gate = 10.0 * std::log10(energy / static_cast<double>(v.size())) + kLraRelativeGate;
  std::vector<double> g;
  for (double x : v)
    if (x > gate) g.push_back(x);
  if (g.size() < 2) return 0.0;
  std::sort(g.begin(), g.end());
  const auto rank = [&](double q) {
    const auto k = static_cast<std::size_t>(q * static_cast<double>(g.size()) + 0.5);
    return g[std::max<std::size_t>(k, 1) - 1];
  };
  return rank(0.95) - rank(0.10);
}

}  // namespace

Loudness measure_loudness(const AudioBuffer& a, const LoudnessParams& p) {
  if (a.channels == 0 || a.frames == 0)
    throw ParameterError("measure_loudness: empty buffer (" + std::to_string(a.channels) + " channels, " +
                         std::to_string(a.frames) + " frames)");
  if (a.data.size() != a.channels * a.frames)
    throw ParameterError("measure_loudness: data holds " + std::to_string(a.data.size()) +
                         " samples, expected channels*frames = " + std::to_string(a.channels * a.frames));
  if (!std::isfinite(a.sr) || a.sr < 1.0 || a.sr != std::floor(a.sr) || a.sr > 2822400.0)
    throw ParameterError("measure_loudness: sr must be a whole number of Hz in [1, 2822400], got " +
                         std::to_string(a.sr));

  int mode = EBUR128_MODE_I | EBUR128_MODE_SAMPLE_PEAK;
  if (p.range) mode |= EBUR128_MODE_S;
  if (p.true_peak) mode |= EBUR128_MODE_TRUE_PEAK;
  StateCloser s{ebur128_init(static_cast<unsigned>(a.channels), static_cast<unsigned long>(a.sr), mode)};
  if (s.st == nullptr) throw Error("measure_loudness: ebur128_init failed (" + std::to_string(a.channels) + " channels)");

  // Feed 100 ms hops and read the 3 s short-term loudness after each once a full window is in:
  // that is the 10 Hz rate of EBU Tech 3342 (and ffmpeg). libebur128's own
  // ebur128_loudness_range samples once a second, which differs by up to 2.6 LU on short clips.
  const std::size_t C = a.channels;
  const auto hop = std::max<std::size_t>(static_cast<std::size_t>(std::lround(a.sr / 10.0)), 1);
  const std::size_t window = 30 * hop;
  std::vector<float> block(hop * C);
  std::vector<double> short_term;
  short_term.reserve(a.frames / hop + 1);
  for (std::size_t pos = 0; pos < a.frames; pos += hop) {
    const std::size_t n = std::min(hop, a.frames - pos);
    for (std::size_t c = 0; c < C; ++c) {
      const float* src = a.data.data() + c * a.frames + pos;
      for (std::size_t i = 0; i < n; ++i) block[i * C + c] = src[i];
    }
    check(ebur128_add_frames_float(s.st, block.data(), n), "ebur128_add_frames_float");
    if (p.range && n == hop && pos + n >= window) {
      double st = 0.0;
      check(ebur128_loudness_shortterm(s.st, &st), "ebur128_loudness_shortterm");
      short_term.push_back(st);
    }
  }

  Loudness out;
  check(ebur128_loudness_global(s.st, &out.integrated_lufs), "ebur128_loudness_global");
  out.range_lu = p.range ? loudness_range(short_term) : std::numeric_limits<double>::quiet_NaN();
  double tp = 0.0, sp = 0.0;
  for (unsigned c = 0; c < C; ++c) {
    double v = 0.0;
    if (p.true_peak) {
      check(ebur128_true_peak(s.st, c, &v), "ebur128_true_peak");
      tp = std::max(tp, v);
    }
    check(ebur128_sample_peak(s.st, c, &v), "ebur128_sample_peak");
    sp = std::max(sp, v);
  }
  out.true_peak_dbtp = p.true_peak ? to_db(tp) : std::numeric_limits<double>::quiet_NaN();
  out.sample_peak_dbfs = to_db(sp);
  return out;
}

}  // namespace echoelml::io
