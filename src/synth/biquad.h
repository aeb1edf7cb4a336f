// A direct-form-I biquad with RBJ audio-EQ-cookbook designs (private to the synth stage).
#pragma once

#include <cmath>
#include <numbers>

#include "echoelml/synth/effects.h"

namespace echoelml::synth {

struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;

  // Coefficients only; the state is kept so a time-varying filter can be redesigned per block.
  void design(FilterType type, double freq, double q, double gain_db, double sr) {
    const double A = std::pow(10.0, gain_db / 40.0);
    const double w0 = 2.0 * std::numbers::pi * freq / sr;
    const double cw = std::cos(w0), sw = std::sin(w0);
    const double alpha = sw / (2.0 * q);
    double B0 = 1, B1 = 0, B2 = 0, A0 = 1, A1 = 0, A2 = 0;
    switch (type) {
      case FilterType::LowPass:
        B0 = (1 - cw) / 2; B1 = 1 - cw; B2 = (1 - cw) / 2;
        A0 = 1 + alpha; A1 = -2 * cw; A2 = 1 - alpha;
        break;
      case FilterType::HighPass:
        B0 = (1 + cw) / 2; B1 = -(1 + cw); B2 = (1 + cw) / 2;
        A0 = 1 + alpha; A1 = -2 * cw; A2 = 1 - alpha;
        break;
      case FilterType::Peak:
        B0 = 1 + alpha * A; B1 = -2 * cw; B2 = 1 - alpha * A;
        A0 = 1 + alpha / A; A1 = -2 * cw; A2 = 1 - alpha / A;
        break;
      case FilterType::LowShelf: {
        const double s = 2 * std::sqrt(A) * alpha;
        B0 = A * ((A + 1) - (A - 1) * cw + s); B1 = 2 * A * ((A - 1) - (A + 1) * cw);
        B2 = A * ((A + 1) - (A - 1) * cw - s);
        A0 = (A + 1) + (A - 1) * cw + s; A1 = -2 * ((A - 1) + (A + 1) * cw);
        A2 = (A + 1) + (A - 1) * cw - s;
        break;
      }
      case FilterType::HighShelf: {
        const double s = 2 * std::sqrt(A) * alpha;
        B0 = A * ((A + 1) + (A - 1) * cw + s); B1 = -2 * A * ((A - 1) + (A + 1) * cw);
        B2 = A * ((A + 1) + (A - 1) * cw - s);
        A0 = (A + 1) - (A - 1) * cw + s; A1 = 2 * ((A - 1) - (A + 1) * cw);
        A2 = (A + 1) - (A - 1) * cw - s;
        break;
      }
    }
    b0 = B0 / A0; b1 = B1 / A0; b2 = B2 / A0; a1 = A1 / A0; a2 = A2 / A0;
  }

  double process(double x) {
    const double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x; y2 = y1; y1 = y;
    return y;
  }
};

}  // namespace echoelml::synth
