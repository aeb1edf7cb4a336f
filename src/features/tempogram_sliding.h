// The mean autocorrelation tempogram (beat.h tempogram_mean) by a sliding DFT: frames move by
// one envelope sample, so each frame's spectrum follows from the previous one's in O(1) per bin
// instead of one FFT per frame. The derivation and the error bound are in tempogram_sliding.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace echoelml::features::detail {

/// np.pad(env, half, mode="linear_ramp", end_values=0) in float32 (librosa's centred frames).
std::vector<float> linear_ramp_pad(std::span<const float> env, int half);

/// Bound on FFTW's error for the anchor (an unwindowed frame zero-padded to L): the error's
/// norm over the L bins is at most kAnchorFftError * 2^-53 * sqrt(L * sum x^2).
inline constexpr double kAnchorFftError = 64.0;

struct SlidingOptions {
  /// Largest accepted bound on each frame's relative error (its normalised autocorrelation,
  /// whose lag 0 is 1). A frame over it is re-anchored by an exact FFT, and if still over it
  /// (energy at the window's edges) computed from its windowed samples directly. 0 = every
  /// frame directly (tests).
  double tolerance = 1e-12;
  bool avx2 = true;    ///< use the AVX2 kernels when the CPU has them (false: SSE2 build)
  bool avx512 = true;  ///< with avx2: the AVX-512VL build of the executor where the CPU has it
};

struct SlidingStats {
  std::size_t anchors = 0;        ///< exact FFTs of the unwindowed frame (the first included)
  std::size_t direct_frames = 0;  ///< frames computed from their windowed samples
  std::size_t zero_resets = 0;    ///< all-zero frames, whose spectrum is reset to 0 exactly
  double max_bound = 0.0;         ///< largest error bound of a frame taken from the recursion
};

/// beat.h tempogram_mean (W >= 1, env not empty; the caller checks both).
std::vector<double> tempogram_mean_sliding(std::span<const float> env, int W,
                                           const SlidingOptions& opt = {},
                                           SlidingStats* stats = nullptr);

/// The state's bins f = -2 .. P-3 (index f + 2): the twiddle w^{-f} = c + i s (w = e^{-2 pi i / L},
/// L = 2W), and where the bin's value lies in an L-point real FFT's output (bin src, conjugated
/// when conj), by L-periodicity and conjugate symmetry. Exposed for the tests' reference loop.
struct SlidingBins {
  std::vector<double> c, s;
  std::vector<std::size_t> src;
  std::vector<bool> conj;
};
SlidingBins sliding_bins(int W, std::size_t P);

/// The kernel builds: all give the same bits (same operations per value, same order, no FMA).
enum class SimdBuild { kSse2, kAvx2, kAvx512 };

/// E_t = sum (x[t+k] w[k])^2 and U_t = sum x[t+k]^2 over k < n for frames t < frames (x float32
/// widened to double; x holds frames + n - 1 samples), each with the bits of
/// frame_energies_reference (eight lanes k % 8, the tail in lane 0, a fixed tree).
void frame_energies(const float* x, std::size_t frames, const double* window, std::size_t n,
                    SimdBuild build, double* e, double* u);
/// One frame's E and U, plain scalar code: the reference for frame_energies.
void frame_energies_reference(const float* x, const double* window, std::size_t n, double* e,
                              double* u);

}  // namespace echoelml::features::detail
