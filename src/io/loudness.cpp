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

constexpr std::size_t kBlockFrames = 16384;

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

}  // namespace

Loudness measure_loudness(const AudioBuffer& a) {
  if (a.channels == 0 || a.frames == 0)
    throw ParameterError("measure_loudness: empty buffer (" + std::to_string(a.channels) + " channels, " +
                         std::to_string(a.frames) + " frames)");
  if (a.data.size() != a.channels * a.frames)
    throw ParameterError("measure_loudness: data holds " + std::to_string(a.data.size()) +
                         " samples, expected channels*frames = " + std::to_string(a.channels * a.frames));
  if (!std::isfinite(a.sr) || a.sr < 1.0 || a.sr != std::floor(a.sr) || a.sr > 2822400.0)
    throw ParameterError("measure_loudness: sr must be a whole number of Hz in [1, 2822400], got " +
                         std::to_string(a.sr));

  const int mode = EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK;
  StateCloser s{ebur128_init(static_cast<unsigned>(a.channels), static_cast<unsigned long>(a.sr), mode)};
  if (s.st == nullptr) throw Error("measure_loudness: ebur128_init failed (" + std::to_string(a.channels) + " channels)");

  const std::size_t C = a.channels;
  std::vector<float> block(kBlockFrames * C);
  for (std::size_t pos = 0; pos < a.frames; pos += kBlockFrames) {
    const std::size_t n = std::min(kBlockFrames, a.frames - pos);
    for (std::size_t c = 0; c < C; ++c) {
      const float* src = a.data.data() + c * a.frames + pos;
      for (std::size_t i = 0; i < n; ++i) block[i * C + c] = src[i];
    }
    check(ebur128_add_frames_float(s.st, block.data(), n), "ebur128_add_frames_float");
  }

  Loudness out;
  check(ebur128_loudness_global(s.st, &out.integrated_lufs), "ebur128_loudness_global");
  check(ebur128_loudness_range(s.st, &out.range_lu), "ebur128_loudness_range");
  double tp = 0.0, sp = 0.0;
  for (unsigned c = 0; c < C; ++c) {
    double v = 0.0;
    check(ebur128_true_peak(s.st, c, &v), "ebur128_true_peak");
    tp = std::max(tp, v);
    check(ebur128_sample_peak(s.st, c, &v), "ebur128_sample_peak");
    sp = std::max(sp, v);
  }
  out.true_peak_dbtp = to_db(tp);
  out.sample_peak_dbfs = to_db(sp);
  return out;
}

}  // namespace echoelml::io
