// Row-major dense matrices in librosa's (bins, frames) orientation, as the golden .bin files.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

namespace echoelml {

template <typename T>
struct BasicMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<T> data;  // element (r, c) at r * cols + c

  BasicMatrix() = default;
  BasicMatrix(std::size_t r, std::size_t c, T fill = T{}) : rows(r), cols(c), data(r * c, fill) {}

  T& operator()(std::size_t r, std::size_t c) { return data[r * cols + c]; }
  const T& operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
  std::span<T> row(std::size_t r) { return {data.data() + r * cols, cols}; }
  std::span<const T> row(std::size_t r) const { return {data.data() + r * cols, cols}; }
  bool empty() const noexcept { return data.empty(); }
  std::size_t size() const noexcept { return data.size(); }
};

using Matrix = BasicMatrix<float>;
using MatrixD = BasicMatrix<double>;
using ComplexMatrix = BasicMatrix<std::complex<float>>;

}  // namespace echoelml
