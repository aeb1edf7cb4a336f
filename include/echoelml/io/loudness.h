// EBU R128 / ITU-R BS.1770-4 loudness of a decoded buffer, via libebur128.
#pragma once

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
  /// Loudness range (LU, EBU Tech 3342). 0 when fewer than two 3 s short-term blocks pass the gates.
  double range_lu = 0.0;
  /// Max over channels of the 4x (2x at >= 96 kHz) oversampled peak, in dBTP; -infinity for
  /// all-zero input.
  double true_peak_dbtp = 0.0;
  /// Max over channels of |sample|, in dBFS; -infinity for all-zero input.
  double sample_peak_dbfs = 0.0;
};

/// The absolute gate of BS.1770-4, and the value ffmpeg reports for fully gated input.
constexpr double kLufsFloor = -70.0;

/// Measures `audio` at its own rate (any rate libebur128 accepts; sr must be a whole number).
/// Throws ParameterError for an empty or inconsistent buffer or a non-integer/out-of-range sr.
Loudness measure_loudness(const AudioBuffer& audio);

}  // namespace echoelml::io
