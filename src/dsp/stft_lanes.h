// A double-precision real FFT of four STFT frames at once, one frame per vector lane.
//
// FFTW transforms one frame at a time and shuffles inside it; with the four frames side by
// side every butterfly is a plain vertical vector operation, the Hann window is applied while
// the frames are read (a 4 x 4 transpose per four samples), and the result leaves in the
// bin-major layout the genre set reduces (bin k of the four frames in one vector), so the
// separate windowing pass, the frame-major spectra and their transposition all disappear.
//
// The transform: the n real samples as n/2 complex points z[m] = x[2m] + i x[2m+1], a
// decimation-in-frequency FFT of n/2 = 4^L points (a radix-4 first pass, radix-8 and radix-4
// passes on each quarter, a radix-4 last pass fused with the split), then the usual split
// X[k] = E[k] + W^k O[k]. All arithmetic is double without FMA, the
// magnitude is |X| rounded to complex64 first, as np.abs(librosa.stft(y)) is.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace echoelml::dsp::detail {

class StftLanes {
 public:
  static constexpr std::size_t kLanes = 4;

  /// n_fft = 2 * 4^L with n_fft >= 32 (2048 is 2 * 4^5); see supports().
  explicit StftLanes(int n_fft);
  ~StftLanes();
  StftLanes(const StftLanes&) = delete;
  StftLanes& operator=(const StftLanes&) = delete;

  static bool supports(int n_fft);
  int n_fft() const { return n_; }

  /// The kernel's builds; all give the same bits (no FMA, the same operations in the same
  /// order). kAvx512 is the AVX2 code with AVX-512VL's 32 registers (its radix-8 butterflies
  /// need them), not wider vectors.
  enum class Isa { kSse2, kAvx2, kAvx512 };
  static bool supported(Isa isa);
  /// kSse2 under ECHOELML_NO_AVX2=1 (core/cpu.h) or without AVX2, else the widest supported.
  static Isa best_isa();

  /// Frames j < 4 are frame[j] .. frame[j] + n_fft (already padded); the periodic Hann window
  /// is applied here. Writes |X_j[k]| = sqrt(re^2 + im^2) in float32 arithmetic of the
  /// complex64-rounded X to out[k * out_stride + j] for k <= n_fft/2.
  /// `isa` must be supported(). Uses the object's scratch buffers: one object per thread.
  void magnitudes(const float* const frame[kLanes], float* out, std::size_t out_stride, Isa isa);

 private:
  struct Tables;
  int n_;
  std::unique_ptr<Tables> t_;
};

}  // namespace echoelml::dsp::detail
