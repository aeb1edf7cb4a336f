// EBU R128 / ITU-R BS.1770-4 loudness of a decoded buffer: our own implementation of what
// libebur128 1.2.6 measures (tested against it in tests/analysis/loudness_reference_test.cpp).
#pragma once

#include <cstddef>
#include <memory>

#include "echoelml/io/audio.h"

namespace echoelml::io {

/// Loudness of a whole programme. Channels map as libebur128's default (L, R, C, LFE ignored,
/// Ls, Rs); a mono buffer is a single channel with weight 1 (what ffmpeg's ebur128 filter does
/// without dualmono).
struct Loudness {
  /// Gated integrated loudness (LUFS). -infinity when no 400 ms block passes the -70 LUFS absolute
  /// gate: digital or near silence, or a clip shorter than one block. ffmpeg prints -70.0 for
  /// that case; callers that want ffmpeg's number use std::max(integrated_lufs, kLufsFloor).
  double integrated_lufs = 0.0;
  /// Loudness range (LU, EBU Tech 3342): short-term (3 s) loudness every 100 ms over complete
  /// windows, gated at -70 LUFS and -20 LU, 95th minus 10th percentile (ffmpeg's rank rule).
  /// 0 when fewer than two values pass the gates (clips shorter than ~3.1 s, silence).
  double range_lu = 0.0;
  /// Max over channels of the 4x (2x at >= 96 kHz) oversampled peak, in dBTP; -infinity for
  /// all-zero input.
  double true_peak_dbtp = 0.0;
  /// Max over channels of |sample|, in dBFS; -infinity for all-zero input.
  double sample_peak_dbfs = 0.0;
};

/// What to measure. Skipped measurements are NaN in the result. True peak skips every block
/// that provably cannot beat the peak found so far, so it costs little on most music.
struct LoudnessParams {
  bool range = true;      ///< loudness range (needs short-term values every 100 ms)
  bool true_peak = true;  ///< true peak; sample peak is always measured
};

/// The absolute gate of BS.1770-4, and the value ffmpeg reports for fully gated input.
constexpr double kLufsFloor = -70.0;

/// Measures `audio` at its own rate (a whole number of Hz, 5 .. 2822400). True peak oversamples
/// 4x below 96 kHz, 2x below 192 kHz and is the sample peak above, as libebur128.
/// Throws ParameterError for an empty or inconsistent buffer or a non-integer/out-of-range sr.
Loudness measure_loudness(const AudioBuffer& audio, const LoudnessParams& p = {});

/// measure_loudness of a signal fed in chunks of any size (for example while it is decoded):
/// finish() returns exactly what measure_loudness returns for the whole buffer (both cut the
/// signal into the same windows, counted from its first frame). Memory: one window, up to 2^19
/// frames per channel. Not thread-safe; one meter per stream.
class LoudnessMeter {
 public:
  /// Throws ParameterError for 0 channels or an sr measure_loudness rejects.
  LoudnessMeter(double sr, std::size_t channels, const LoudnessParams& p = {});
  ~LoudnessMeter();
  LoudnessMeter(LoudnessMeter&&) noexcept;
  LoudnessMeter& operator=(LoudnessMeter&&) noexcept;

  /// The next `frames` frames, channel c at channels[c][0 .. frames).
  void add(const float* const* channels, std::size_t frames);
  /// The next `frames` frames, interleaved (frame i, channel c at x[i * channels + c]).
  void add_interleaved(const float* x, std::size_t frames);
  /// Zero-copy feeding for callers that produce the samples anyway: planar room for the next
  /// `frames` frames inside the meter (channel c at the returned pointers[c][0 .. frames)),
  /// valid until the next call on the meter. Fill it, then hand it over with commit().
  float* const* reserve(std::size_t frames);
  /// The first `frames` frames of the last reserve() (at most as many as reserved) are added.
  void commit(std::size_t frames);
  std::size_t frames() const;  ///< frames added since construction or the last finish()
  /// The loudness of everything added; throws ParameterError when nothing was. Call once.
  Loudness finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace echoelml::io
