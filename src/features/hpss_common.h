// Elementwise HPSS steps shared by the whole-matrix hpss (hpss.cpp) and the streaming
// technique pass (technique_stream.cpp), so both round exactly as librosa's float32 numpy does.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>

#include "echoelml/dsp/complex_abs.h"

namespace echoelml::features::detail {

// util.softmask(X, X_ref, power, split_zeros) for one element.
inline float softmask(float x, float x_ref, float power, bool split_zeros) {
  const float z = std::max(x, x_ref);
  if (z < std::numeric_limits<float>::min()) return split_zeros ? 0.5f : 0.0f;
  const float a = x / z, b = x_ref / z;
  float m, r;
  if (power == 2.0f) {  // numpy's ** 2 is a plain square
    m = a * a;
    r = b * b;
  } else {
    m = std::pow(a, power);
    r = std::pow(b, power);
  }
  return m / (m + r);
}

// (S * mask) * phase with magphase's phase: D / |D|, and 1 where |D| == 0.
inline std::complex<float> apply_mask(std::complex<float> d, float s, float mask) {
  const bool zero = s == 0.0f;
  const float denom = zero ? 1.0f : s;
  const float pr = d.real() / denom + (zero ? 1.0f : 0.0f);
  const float pi = d.imag() / denom;
  const float a = s * mask;
  return {a * pr, a * pi};
}

// The streaming technique pass's masked bin: mask * d, which is apply_mask's (S * mask) * (d / S)
// with S = |d| cancelled. It differs from apply_mask by float32 rounding only (<= ~2 ulp per
// component) and needs neither |d| nor two divisions; apply_mask stays the whole-matrix hpss's
// step (librosa's operation order, compared bit for bit in the golden tests).
inline std::complex<float> mask_bin(std::complex<float> d, float mask) { return {mask * d.real(), mask * d.imag()}; }

// np.abs of a complex64 value (numpy's float32 formula, dsp/complex_abs.h).
inline float abs_c64(std::complex<float> d) { return dsp::abs_complex64(d.real(), d.imag()); }

}  // namespace echoelml::features::detail
