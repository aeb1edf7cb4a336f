// Running median filters with scipy.ndimage.median_filter(mode="reflect") semantics, as
// librosa 0.10.1's hpss (decompose.py) uses them: the window is centred, and samples past an
// edge are mirrored about the half-sample point (d c b a | a b c d | d c b a ...), repeating
// when the window is longer than the data.
#pragma once

#include <cstddef>
#include <span>

#include "echoelml/core/matrix.h"

namespace echoelml::dsp {

/// Which direction of a (rows, cols) matrix the window runs along.
enum class FilterAxis {
  Rows,  // along each row (librosa's (bins, frames) matrix: along time, kernel (1, size))
  Cols,  // along each column (along frequency, kernel (size, 1))
};

/// Maps an index outside [0, n) to the sample scipy's "reflect" mode reads there. n > 0.
std::ptrdiff_t reflect_index(std::ptrdiff_t i, std::ptrdiff_t n);

/// out[i] = median of x[i - size/2 .. i + size/2] with reflected edges. size must be odd and
/// >= 1; out.size() must equal x.size(). NaN-free input (the median of NaNs is undefined).
/// Keeps the window as a sorted array and replaces one value per step (O(size) worst case,
/// a short binary search plus a short shift in practice).
void running_median(std::span<const float> x, int size, std::span<float> out);

/// scipy.ndimage.median_filter(x, size=(1, size) or (size, 1), mode="reflect").
/// Throws ParameterError for an even or non-positive size.
Matrix median_filter(const Matrix& x, int size, FilterAxis axis);

/// Cache-blocked transpose, (rows, cols) -> (cols, rows).
Matrix transpose(const Matrix& x);

}  // namespace echoelml::dsp
