// A double-precision real FFT of four or eight STFT frames at once, one frame per vector lane.
//
// FFTW transforms one frame at a time and shuffles inside it; with the frames side by
// side every butterfly is a plain vertical vector operation, the Hann window is applied while
// the frames are read (a 4 x 4 transpose per four samples and frames), and the result leaves in
// the bin-major layout the genre set reduces (bin k of the frames in one vector), so the
// separate windowing pass, the frame-major spectra and their transposition all disappear.
//
// The transform: the n real samples as n/2 complex points z[m] = x[2m] + i x[2m+1], a
// decimation-in-frequency FFT of n/2 = 4^L points (a radix-4 first pass, radix-8 and radix-4
// passes on each quarter, a radix-4 last pass fused with the split), then the usual split
// X[k] = E[k] + W^k O[k]. All arithmetic is double without contraction, the
// magnitude is |X| rounded to complex64 first, as np.abs(librosa.stft(y)) is.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace echoelml::dsp::detail {

class StftLanes {
 public:
  /// Frames per kernel call: 4 for the SSE2 and AVX2 builds, 8 for AVX-512 (zmm vectors).
  static constexpr std::size_t kMaxLanes = 8;

  /// n_fft = 2 * 4^L with n_fft >= 32 (2048 is 2 * 4^5); see supports().
  explicit StftLanes(int n_fft);
  ~StftLanes();
  StftLanes(const StftLanes&) = delete;
  StftLanes& operator=(const StftLanes&) = delete;

  static bool supports(int n_fft);
  int n_fft() const { return n_; }

  /// The kernel's builds; all give the same bits (the same operations in the same order, no
  /// contraction). kAvx512 transforms eight frames per call in 512-bit vectors.
  enum class Isa { kSse2, kAvx2, kAvx512 };
  static bool supported(Isa isa);
  /// kSse2 under ECHOELML_NO_AVX2=1 (core/cpu.h) or without AVX2, else the widest supported.
  static Isa best_isa();
  static std::size_t lanes(Isa isa) { return isa == Isa::kAvx512 ? 8 : 4; }

  /// Frames j < lanes(isa) are frame[j] .. frame[j] + n_fft (already padded); the periodic
  /// Hann window is applied here. Writes |X_j[k]| = sqrt(re^2 + im^2) in float32 arithmetic of the
  /// complex64-rounded X to out[k * out_stride + j] for k <= n_fft/2.
  /// `isa` must be supported(). Uses the object's scratch buffers: one object per thread.
  void magnitudes(const float* const* frame, float* out, std::size_t out_stride, Isa isa);

 private:
  struct Tables;
  int n_;
  std::unique_ptr<Tables> t_;
};

}  // namespace echoelml::dsp::detail
