// Helpers shared by the spectral and chroma features (private to src/features).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "echoelml/core/matrix.h"
#include "echoelml/dsp/stft.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/onset.h"
#include "echoelml/features/spectral.h"

namespace echoelml::features::detail {

/// Throws ParameterError (prefixed by `who`) unless S has >= 2 bins and every entry is finite
/// and >= 0.
void check_magnitude(const Matrix& S, const char* who);
/// Throws ParameterError if any sample is NaN or infinite (librosa's valid_audio).
void check_audio(std::span<const float> y, const char* who);
void check_framing(int frame_length, int hop_length, const char* who);
/// zero_crossing_rate and rms for audio that already passed check_audio (the genre set checks
/// its clip once instead of once per feature: each check is a pass over the whole signal).
std::vector<double> zero_crossing_rate_checked(std::span<const float> y, const ZcrParams& p = {});
std::vector<float> rms_checked(std::span<const float> y, const RmsParams& p = {});
/// The genre set's clip statistics: check_audio(y, who) (ParameterError also for an empty y),
/// then zero_crossing_rate_checked(y) and rms_checked(y) with default parameters, bit for bit.
/// On AVX2 machines one fused pass over y (clip_stats_fused), else the three functions.
struct ClipStats {
  std::vector<double> zcr;
  std::vector<float> rms;
};
ClipStats clip_stats(std::span<const float> y, const char* who);
/// The fused pass; avx2 = false runs its SSE2 build (same bits; slower than the three
/// separate passes, so only the tests use it). avx2 = true needs an AVX2 CPU.
ClipStats clip_stats_fused(std::span<const float> y, const char* who, bool avx2);
/// Frames util.frame yields for n samples (padded by frame_length/2 per side when centred);
/// throws ParameterError when the (padded) input is shorter than one frame.
std::size_t frame_count(std::size_t n, int frame_length, int hop_length, bool center,
                        const char* who);

/// numpy's float32 pairwise summation (what np.sum / np.mean use along a contiguous axis):
/// blocks of <= 128 values summed with 8 interleaved accumulators, halves split at multiples
/// of 8, fewer than 8 values summed sequentially.
inline float pairwise_sum(const float* a, std::size_t n) {
  if (n < 8) {
    float s = 0.0f;
    for (std::size_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  std::size_t half = n / 2;
  half -= half % 8;
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

// ---- Building blocks for fused passes (genre_set.cpp). Inputs are trusted: they come
// from our own STFT of checked audio, so the public functions' validation passes are skipped.
// A "tile" holds `lanes` frames bin-major: value (bin k, frame j) at tile[k * lanes + j].

/// Frames per tile in the fused kernels: 4 SSE vectors (2 AVX) per bin row.
inline constexpr std::size_t kTileLanes = 16;

/// spectral_contrast's bands for n_bins bins: sorted values are bins [begin, end), q per side.
struct ContrastBand {
  std::size_t begin = 0, end = 0, q = 1;
};
std::vector<ContrastBand> contrast_bands(std::size_t n_bins, const ContrastParams& p);

/// The instruction sets ContrastSelector can run with (tests run each one the CPU has).
enum class ContrastIsa { kSse2, kAvx2, kAvx512 };

/// Valley and peak (float32 means of the q smallest / largest values, summed in ascending
/// order as librosa's np.mean over a sorted array) of every band for the frames of a tile.
/// Bit-identical to spectral_contrast's, and the same bits on every ContrastIsa.
class ContrastSelector {
 public:
  ContrastSelector(std::vector<ContrastBand> bands, std::size_t lanes);
  std::size_t n_bands() const { return bands_.size(); }
  /// `tile`: kTileLanes frames bin-major (bin k, frame j at tile[k * kTileLanes + j]), lanes
  /// past `count` zero. valley/peak: [band * kTileLanes + j] for j < count.
  void run(const float* tile, std::size_t count, float* valley, float* peak);
  /// run() on a chosen instruction set (throws ParameterError when the CPU lacks it).
  void run_isa(ContrastIsa isa, const float* tile, std::size_t count, float* valley,
               float* peak);
  /// Whether this CPU can run `isa`; the set run() uses (kSse2 when ECHOELML_NO_AVX2 is set).
  static bool supported(ContrastIsa isa);
  static ContrastIsa best_isa();

  /// One comparator of a sorting network: min to `lo`, max to `hi` (ascending).
  struct Comparator {
    std::uint16_t lo, hi;
  };
  /// How a band with 5 <= q <= 32 is selected (contrast_select.cpp): the q-th best of the
  /// extremes of `groups` strided groups of bins bounds the candidates.
  static constexpr std::size_t kNets = 5;
  struct WidePlan {
    std::size_t groups = 0;                  // 0: not a wide band
    std::vector<Comparator> bound_net;       // the q-th of `groups` rows
    std::array<std::vector<Comparator>, kNets> final_net;  // the q best of 16/24/32/48/64 rows
  };

 private:
  std::vector<ContrastBand> bands_;
  std::vector<WidePlan> plans_;  // per band
  std::size_t lanes_;
  // Scratch (contrast_select.cpp): the candidate stream, candidate rows of both sides (the peak
  // side from hi_base_), group extremes, one frame's band (frames done alone).
  std::vector<float> cand_, groups_, column_;
  std::vector<std::uint32_t> stream_;
  std::uint32_t hi_base_ = 0;
};

/// piptrack's peaks on a tile of a power spectrogram (bin-major, `lanes` frames, `count`
/// valid), `frame_max[j]` = max over all bins of frame j: appends each peak's pitch (Hz) and
/// interpolated magnitude, as estimate_tuning does. square_tile: the tile holds magnitudes v,
/// the power is their float32 v * v (frame_max is still the power's). max_isa (tests): 0 SSE2,
/// 1 up to AVX2, 2 up to AVX-512 (as far as the CPU and ECHOELML_NO_AVX2 allow); same bits.
void tuning_peaks(const float* tile, std::size_t lanes, std::size_t count, const float* frame_max,
                  std::size_t n_bins, double sr, const TuningParams& p, std::vector<float>& pitches,
                  std::vector<float>& mags, bool square_tile = false, int max_isa = 2);
/// The rest of estimate_tuning: median magnitude selection, then pitch_tuning.
double tuning_from_peaks(const std::vector<float>& pitches, const std::vector<float>& mags,
                         const TuningParams& p);

/// chroma_stft(power, tuning) without the input checks (power finite and >= 0 by construction).
Matrix chroma_stft_unchecked(const Matrix& power, const ChromaParams& p, double tuning);

/// The per-row means of chroma_stft_unchecked's result, from power spectra stored in tiles of
/// kTileLanes frames (tile i: n_bins x kTileLanes values, bin-major, at
/// tiles[i * n_bins * kTileLanes]; lanes past n_frames are ignored). Bit-identical to the means
/// of the matrix path, without the (n_chroma, T) matrix.
std::vector<double> chroma_means_from_tiles(const float* tiles, std::size_t n_bins,
                                            std::size_t n_frames, const ChromaParams& p,
                                            double tuning);

/// power_to_db(S, p) written over S (same values; no second spectrogram-sized buffer).
void power_to_db_in_place(Matrix& S, const PowerToDbParams& p = {});

/// power_to_db's float64 step before the top_db floor, 10 log10(max(amin, x)) - ref_db, for
/// callers that hold the values in their own layout (the genre set's contrast tiles).
struct DbScale {
  explicit DbScale(const PowerToDbParams& p);  // validates p as power_to_db does
  double operator()(double x) const { return 10.0 * std::log10(std::max(amin, x)) - ref_db; }
  double amin, ref_db;
};

/// The float32 orthonormal DCT-II basis of mfcc_from_mel_db: (n_mfcc, n_bands), row k =
/// coefficient k, s_k cos(pi k (2n + 1) / 2N) with s_0 = sqrt(1/N), s_k = sqrt(2/N).
std::vector<float> mfcc_dct_basis(std::size_t n_bands, int n_mfcc);

/// onset_strength from an already dB-scaled mel spectrogram (power_to_db(mel, top_db 80)).
std::vector<float> onset_strength_from_mel_db(const Matrix& mel_db, OnsetAggregate aggregate,
                                              const dsp::StftParams& stft);

}  // namespace echoelml::features::detail
