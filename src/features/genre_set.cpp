// The guide's GenreClassifier features in one pass over the STFT of the 30 s clip.
//
// librosa recomputes the STFT per feature and walks the whole (1025, T) spectrogram once per
// reduction. Here the STFT runs in tiles of 16 frames, and each tile is reduced while it is
// in cache: rolloff, centroid, the mel spectrogram, spectral contrast's peaks and valleys and
// piptrack's peaks come out of it directly. Only two things need the whole clip first and
// run afterwards: chroma (its filterbank depends on the tuning estimated from every frame),
// from the stored power spectrogram, and everything behind power_to_db's clip-wide top_db
// floor (MFCC, onset envelope, beats), from the stored mel spectrogram.
//
// Every reduction keeps the rounding of the building block it replaces (spectral.h, mel.h,
// chroma.h), so the values are those of the per-feature functions, except two documented
// shortcuts well inside the golden tolerances: the centroid is sum(k S) / sum(S) with float
// partial sums over 32 bins (librosa normalises each frame first: ~1e-7 relative), and the
// MFCC means are the DCT of the per-band dB means (the DCT is linear; librosa rounds each
// frame's coefficients to float32 first: ~1e-6 absolute).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <optional>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/beat.h"
#include "echoelml/features/chroma.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/onset.h"
#include "echoelml/features/sets.h"
#include "echoelml/features/spectral.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

constexpr std::size_t kLanes = detail::kTileLanes;  // frames per tile
constexpr std::size_t kCheck = 32;                  // bins between rolloff checkpoints
constexpr int kMfcc = 13;
constexpr std::size_t kKeepFrames = 4096;  // ~47 s at hop 512: larger workspaces are freed

template <typename T>
double mean_of(std::span<const T> v) {
  if (v.empty()) return 0.0;
  double acc = 0;
  for (T x : v) acc += static_cast<double>(x);
  return acc / static_cast<double>(v.size());
}

// The mel filterbank by bin. A Slaney bank's triangles overlap pairwise: every bin has weights
// in at most two adjacent bands, and the lower one never decreases with the bin. So the sweep
// keeps the sums of two bands (lower[k], lower[k] + 1) in registers and stores a band when the
// pair moves past it; a bin's weight outside its band's triangle is 0, and adding 0 * p to a
// non-negative float32 sum leaves it bit-identical, so each band's sum is MelBank::apply's
// (its non-zero weights' products added in ascending bin order).
struct MelPairs {
  std::vector<std::uint32_t> lower;  // per bin: the pair's lower band
  std::vector<float> w_lower, w_upper;
  std::size_t bands = 0;

  explicit MelPairs(const Matrix& w)
      : lower(w.cols), w_lower(w.cols, 0.0f), w_upper(w.cols, 0.0f), bands(w.rows) {
    std::uint32_t a = 0;
    for (std::size_t k = 0; k < w.cols; ++k) {
      std::size_t first = w.rows, count = 0;
      for (std::size_t m = 0; m < w.rows; ++m)
        if (w(m, k) != 0.0f) {
          if (count++ == 0) first = m;
        }
      const bool pair_ok = count < 2 || (count == 2 && w(first + 1, k) != 0.0f && first >= a);
      if (count > 2 || !pair_ok || (count == 1 && first < a))
        throw Error("genre features: the mel bank is not pairwise overlapping at bin " + std::to_string(k));
      if (count == 2) a = static_cast<std::uint32_t>(first);
      if (count == 1 && first > a + 1) a = static_cast<std::uint32_t>(first - 1);
      lower[k] = a;
      if (a < w.rows) w_lower[k] = w(a, k);
      if (a + 1 < w.rows) w_upper[k] = w(a + 1, k);
    }
  }
};

const MelPairs& genre_mel_bank() {
  static const MelPairs bank(dsp::cached_mel_bank(dsp::MelParams{.sr = kAnalysisSr}).dense());
  return bank;
}

void reshape(Matrix& m, std::size_t rows, std::size_t cols) {
  m.rows = rows;
  m.cols = cols;
  m.data.resize(rows * cols);  // every element is overwritten before it is read
}

// Buffers reused by every call on a thread: first touches of fresh multi-megabyte buffers
// (page faults) cost more than some of the features.
struct Workspace {
  // |X|^2 for chroma, kept in the STFT's tiles: tile i = (bins, kLanes) at i * bins * kLanes.
  // `power` is 64-byte aligned in `power_store`: every bin row of a tile is one cache line, so
  // the streaming stores fill whole lines and chroma's loads never straddle two.
  std::vector<float> power_store;
  float* power = nullptr;
  Matrix mel;    // (n_mels, T)
  std::vector<float> mel_tile, checkpoints;
  // Spectral contrast's valleys and peaks as ContrastSelector::run writes them, one block of
  // (bands, kLanes) per tile (tile i at i * bands * kLanes), then their dB values (bands, T).
  std::vector<float> valley_tiles, peak_tiles;
  std::vector<double> valley_db, peak_db;
  std::vector<double> centroid, rolloff;
  std::vector<float> pitches, mags;
  // The selector for `contrast_bins` bins at `contrast_sr` (its bands, networks and scratch),
  // kept between calls: building it cost more than a tenth of the contrast stage.
  std::optional<detail::ContrastSelector> contrast;
  std::size_t contrast_bins = 0;
  double contrast_sr = 0.0;
};

detail::ContrastSelector& cached_selector(Workspace& ws, std::size_t K, double sr) {
  if (!ws.contrast || ws.contrast_bins != K || ws.contrast_sr != sr) {
    ws.contrast.emplace(detail::contrast_bands(K, ContrastParams{.sr = sr}), kLanes);
    ws.contrast_bins = K;
    ws.contrast_sr = sr;
  }
  return *ws.contrast;
}

// One pass over the bins of a tile: rolloff's float32 running sum (with checkpoints), centroid
// sums, the frame maximum, |X|^2 (kept for piptrack, stored for chroma) and the mel bands.
struct SweepArgs {
  const float* tile;
  std::size_t K;
  const MelPairs& mel;
  float* mel_tile;
  float* ptile;  // this tile's slice of Workspace::power
  float* checkpoints;
  double* den;  // [kLanes] each
  double* num;
  float* fmax;
};

// GCC vector extensions: two 8-float vectors per bin row. The body is compiled twice, as SSE2
// (each vector split in two) and as AVX2; both do the same float32 operations per lane in the
// same order, without FMA (the target is "avx2" alone, so nothing can be contracted), so both
// give the bits the scalar per-feature functions give.
using f8 = float __attribute__((vector_size(32)));
static_assert(kLanes == 16);
// The helpers below are always inlined into the two entry points; the vector-ABI note GCC
// gives for passing f8 by value to a non-AVX function cannot apply to them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

[[gnu::always_inline]] inline f8 load8(const float* p) {
  f8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store8(float* p, f8 v) { __builtin_memcpy(p, &v, sizeof v); }

// The power tiles (10.6 MB for 30 s) are read again only by chroma, after the whole clip:
// streaming stores skip reading each line into the cache before it is overwritten.
[[gnu::always_inline]] inline void stream16(float* dst, const f8* p) {
  for (int h = 0; h < 2; ++h) {
    __m128 q[2];
    __builtin_memcpy(q, &p[h], sizeof q);
    _mm_stream_ps(dst + 8 * h, q[0]);
    _mm_stream_ps(dst + 8 * h + 4, q[1]);
  }
}

// One bin row of power (16 floats, one 64-byte aligned line) as a single AVX-512 streaming
// store: a whole line per store instead of four 16-byte pieces. Inline assembly because the
// intrinsic cannot be inlined into this target-less body; only the AVX-512 build uses it.
[[gnu::always_inline]] inline void stream_line_avx512(float* dst, const f8* p) {
  f8 lo = p[0];
  asm volatile("vinsertf64x4 $1, %2, %g0, %g0\n\tvmovntps %g0, %1"
      : "+v"(lo), "=m"(*reinterpret_cast<float(*)[16]>(dst))
      : "v"(p[1]));
}

template <bool kLineStores>
[[gnu::always_inline]] inline void sweep_body(const SweepArgs& a) {
  // Locals, not a.*: the stores below could otherwise alias the argument block, and GCC would
  // reload the bank's pointers for every bin.
  const std::size_t K = a.K, bands = a.mel.bands;
  const std::uint32_t* __restrict lower = a.mel.lower.data();
  const float* __restrict w_lower = a.mel.w_lower.data();
  const float* __restrict w_upper = a.mel.w_upper.data();
  const float* __restrict tile = a.tile;
  float* __restrict mel_tile = a.mel_tile;
  float* __restrict ptile = a.ptile;
  float* __restrict checkpoints = a.checkpoints;
  const auto flush_band = [&](std::uint32_t m, const f8* v) __attribute__((always_inline)) {
    if (m >= bands) return;
    store8(mel_tile + m * kLanes, v[0]);
    store8(mel_tile + m * kLanes + 8, v[1]);
  };
  // No clearing of mel_tile: which bands are stored depends only on the bank, so the same bands
  // are written whole in every tile, and those no pair ever reaches (empty filters) keep the
  // zeros TileReducer's constructor put there (an 8 KB memset per tile otherwise).
  double den[kLanes] = {}, num[kLanes] = {};
  f8 cum[2] = {}, bsum[2] = {}, bmom[2] = {}, fmax[2] = {};
  f8 lo[2] = {}, hi[2] = {};  // the sums of bands `band` and `band + 1`
  std::uint32_t band = K > 0 ? lower[0] : 0;
  for (std::size_t k = 0; k < K; ++k) {
    const float kf = static_cast<float>(k);
    f8 p[2];
    for (int h = 0; h < 2; ++h) {
      const f8 v = load8(tile + k * kLanes + 8 * h);
      cum[h] += v;
      bsum[h] += v;
      bmom[h] += kf * v;
      fmax[h] = v > fmax[h] ? v : fmax[h];
      p[h] = v * v;
    }
    if ((k + 1) % kCheck == 0 || k + 1 == K) {
      float* ck = checkpoints + (k / kCheck) * kLanes;
      store8(ck, cum[0]);
      store8(ck + 8, cum[1]);
      for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 8; ++j) {
          den[8 * h + j] += bsum[h][j];
          num[8 * h + j] += bmom[h][j];
        }
      bsum[0] = bsum[1] = bmom[0] = bmom[1] = f8{};
    }
    if (lower[k] != band) {  // the pair moves up: its bands below the new pair are done
      const std::uint32_t next = lower[k];
      flush_band(band, lo);
      if (next == band + 1) {
        lo[0] = hi[0], lo[1] = hi[1];
      } else {
        flush_band(band + 1, hi);
        lo[0] = lo[1] = f8{};
      }
      hi[0] = hi[1] = f8{};
      band = next;
    }
    const float wl = w_lower[k], wu = w_upper[k];
    for (int h = 0; h < 2; ++h) {
      lo[h] += wl * p[h];
      hi[h] += wu * p[h];
    }
    if constexpr (kLineStores) stream_line_avx512(ptile + k * kLanes, p);
    else stream16(ptile + k * kLanes, p);
  }
  flush_band(band, lo);
  flush_band(band + 1, hi);
  _mm_sfence();  // the streamed power before anything reads it
  store8(a.fmax, fmax[0]);
  store8(a.fmax + 8, fmax[1]);
  for (std::size_t j = 0; j < kLanes; ++j) a.den[j] = den[j], a.num[j] = num[j];
}

// The same body with AVX-512VL's 32 vector registers (still 8-float vectors, no FMA): the
// AVX2 build has 16 and spills one of its 14 accumulators, a store and reload every bin.
[[gnu::target("avx512f,avx512vl"), gnu::optimize("fp-contract=off")]] void sweep_avx512(
    const SweepArgs& a) {
  if (reinterpret_cast<std::uintptr_t>(a.ptile) % 64 == 0) sweep_body<true>(a);
  else sweep_body<false>(a);
}
[[gnu::target("avx2")]] void sweep_avx2(const SweepArgs& a) { sweep_body<false>(a); }
void sweep_default(const SweepArgs& a) { sweep_body<false>(a); }

#pragma GCC diagnostic pop

// Everything a tile of magnitudes gives directly. Results for frames t0 .. t0+count-1.
class TileReducer {
 public:
  TileReducer(std::size_t K, std::size_t T, double sr, Workspace& ws)
      : K_(K), sr_(sr), ws_(ws), mel_(genre_mel_bank()), contrast_(cached_selector(ws, K, sr)) {
    ws.mel_tile.assign(mel_.bands * kLanes, 0.0f);  // see sweep_body: kept zero where unwritten
    ws.checkpoints.assign((K + kCheck - 1) / kCheck * kLanes, 0.0f);
    // every tile's block is written whole by contrast_.run (lanes past count are not read)
    const std::size_t tiles = (T + kLanes - 1) / kLanes;
    ws.valley_tiles.resize(tiles * contrast_.n_bands() * kLanes);
    ws.peak_tiles.resize(tiles * contrast_.n_bands() * kLanes);
    // every tile is written whole
    ws.power_store.resize((T + kLanes - 1) / kLanes * K * kLanes + kLanes);
    const auto addr = reinterpret_cast<std::uintptr_t>(ws.power_store.data());
    ws.power = ws.power_store.data() + ((64 - addr % 64) % 64) / sizeof(float);
    reshape(ws.mel, mel_.bands, T);
    ws.centroid.assign(T, 0.0);
    ws.rolloff.assign(T, 0.0);
    ws.pitches.clear();
    ws.mags.clear();
  }

  void operator()(std::size_t t0, std::size_t count, const float* tile) {
    tile_ = tile;
    sweep(t0);
    rolloff_and_centroid(t0, count);
    float fmax2[kLanes];
    for (std::size_t j = 0; j < kLanes; ++j) fmax2[j] = fmax_[j] * fmax_[j];  // max of |X|^2
    // From the magnitudes (in cache; squared as the sweep does), not the streamed-out power.
    detail::tuning_peaks(tile, kLanes, count, fmax2, K_, sr_, TuningParams{}, ws_.pitches,
                         ws_.mags, /*square_tile=*/true);
    const std::size_t block = (t0 / kLanes) * contrast_.n_bands() * kLanes;
    contrast_.run(tile, count, ws_.valley_tiles.data() + block, ws_.peak_tiles.data() + block);
    const std::size_t T = ws_.mel.cols;
    for (std::size_t m = 0; m < mel_.bands; ++m) {
      const float* src = ws_.mel_tile.data() + m * kLanes;
      float* dst = ws_.mel.data.data() + m * T + t0;
      if (count == kLanes) __builtin_memcpy(dst, src, kLanes * sizeof(float));
      else for (std::size_t j = 0; j < count; ++j) dst[j] = src[j];
    }
    // The next tile's destinations in the clip matrices are lines not touched since the
    // previous call (or ever): fetch them now, while the next tile's STFT runs, instead of
    // missing on each store then.
    const std::size_t next = t0 + kLanes;
    if (next < T) {
      const std::size_t last = std::min(T, next + kLanes) - 1;
      for (std::size_t m = 0; m < mel_.bands; ++m) {
        const float* row = ws_.mel.data.data() + m * T;
        __builtin_prefetch(row + next, 1, 3);
        __builtin_prefetch(row + last, 1, 3);
      }
    }
  }

 private:
  void sweep(std::size_t t0) {
    const SweepArgs args{tile_, K_,   mel_, ws_.mel_tile.data(), power_tile(t0),
                         ws_.checkpoints.data(), den_, num_, fmax_};
    static const bool avx2 = core::use_avx2();
    static const bool avx512 =
        avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    if (avx512) sweep_avx512(args);
    else if (avx2) sweep_avx2(args);
    else sweep_default(args);
  }

  void rolloff_and_centroid(std::size_t t0, std::size_t count) {
    const double hz_per_bin = 1.0 / (static_cast<double>(2 * (K_ - 1)) * (1.0 / sr_));
    const float pct = static_cast<float>(0.85);  // numpy: float32(roll_percent) * float32 total
    const double tiny = std::numeric_limits<float>::min();
    const std::size_t nck = (K_ + kCheck - 1) / kCheck;
    // The first checkpoint at or above the threshold, then the running sum inside that block,
    // continued from the previous checkpoint: the same float32 additions as np.cumsum, so the
    // bin is exact. The checkpoints of a frame never decrease (running sums of values >= 0;
    // a NaN makes the total and so the threshold NaN, and no comparison holds), so the first
    // one at or above the threshold is the count of those below it, for all lanes at once.
    const float* ck = ws_.checkpoints.data();
    float thr[kLanes];
    std::uint32_t first[kLanes] = {};
    for (std::size_t j = 0; j < kLanes; ++j) thr[j] = pct * ck[(nck - 1) * kLanes + j];
    for (std::size_t c = 0; c + 1 < nck; ++c)
      for (std::size_t j = 0; j < kLanes; ++j) first[j] += ck[c * kLanes + j] < thr[j] ? 1u : 0u;
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t c = first[j];
      float run = c == 0 ? 0.0f : ck[(c - 1) * kLanes + j];
      std::size_t bin = std::min(K_, (c + 1) * kCheck) - 1;
      for (std::size_t k = c * kCheck; k < std::min(K_, (c + 1) * kCheck); ++k) {
        run += tile_[k * kLanes + j];
        if (!(run < thr[j])) {
          bin = k;
          break;
        }
      }
      ws_.rolloff[t0 + j] = static_cast<double>(bin) * hz_per_bin;
      // Silent frames are left unnormalised by librosa: their centroid is sum(f S) ~ 0.
      const double num = num_[j] * hz_per_bin;
      ws_.centroid[t0 + j] = den_[j] < tiny ? num : num / den_[j];
    }
  }

  float* power_tile(std::size_t t0) { return ws_.power + (t0 / kLanes) * K_ * kLanes; }

  std::size_t K_;
  double sr_;
  Workspace& ws_;
  const MelPairs& mel_;
  detail::ContrastSelector& contrast_;
  const float* tile_ = nullptr;  // the tile being reduced
  float fmax_[kLanes] = {};
  double den_[kLanes] = {}, num_[kLanes] = {};
};

// sum of v in float64 with eight independent partial sums (s[i % 8], combined pairwise): one
// chain of dependent additions over a 2584-frame row per band cost ~0.3 ms of the genre set.
double sum8(std::span<const float> v) {
  double s[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8)
    for (std::size_t j = 0; j < 8; ++j) s[j] += static_cast<double>(v[i + j]);
  for (; i < v.size(); ++i) s[0] += static_cast<double>(v[i]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// The float32 DCT-II basis of mfcc_from_mel_db for N bands, row k = coefficient k: built once
// per thread and band count (1664 calls of cos per clip otherwise).
const std::vector<float>& mfcc_basis(std::size_t N) {
  thread_local std::vector<float> basis;
  thread_local std::size_t bands = 0;
  if (bands != N || basis.empty()) {
    basis = detail::mfcc_dct_basis(N, kMfcc);
    bands = N;
  }
  return basis;
}

// Per-coefficient MFCC means: the orthonormal DCT-II (float32 basis, as mfcc_from_mel_db) of
// the per-band means of mel_db.
std::array<double, kMfcc> mfcc_means(const Matrix& mel_db) {
  const std::size_t N = mel_db.rows, T = mel_db.cols;
  std::vector<double> band_mean(N);
  for (std::size_t n = 0; n < N; ++n) band_mean[n] = T == 0 ? 0.0 : sum8(mel_db.row(n)) / static_cast<double>(T);
  const std::vector<float>& basis = mfcc_basis(N);
  std::array<double, kMfcc> out{};
  for (int k = 0; k < kMfcc; ++k) {
    double acc = 0.0;
    for (std::size_t n = 0; n < N; ++n)
      acc += static_cast<double>(basis[static_cast<std::size_t>(k) * N + n]) * band_mean[n];
    out[static_cast<std::size_t>(k)] = T == 0 ? 0.0 : acc;
  }
  return out;
}

// power_to_db(MatrixD) with the default PowerToDbParams (mel.cpp's float64 steps: 10 log10(
// max(amin, x)) - ref_db) of a clip matrix of valleys or peaks held in tiles as Workspace keeps
// them: out[b * T + t] before the top_db floor. Returns the largest value, from which the floor
// follows (the maximum of these values, never NaN and never -0, does not depend on the order it
// is searched in).
double contrast_db(const std::vector<float>& tiles, std::size_t nb, std::size_t T,
                   std::vector<double>& out) {
  const detail::DbScale db(PowerToDbParams{});
  out.resize(nb * T);
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t t0 = 0; t0 < T; t0 += kLanes) {
    const float* block = tiles.data() + (t0 / kLanes) * nb * kLanes;
    const std::size_t count = std::min(kLanes, T - t0);
    for (std::size_t b = 0; b < nb; ++b)
      for (std::size_t j = 0; j < count; ++j) {
        const double v = db(static_cast<double>(block[b * kLanes + j]));
        out[b * T + t0 + j] = v;
        top = std::max(top, v);
      }
  }
  return top;
}

thread_local Workspace tls_workspace;

}  // namespace

GenreFeatures genre_features(std::span<const float> y) {
  if (y.empty()) throw ParameterError("genre features: the signal is empty");
  // check_audio, zero_crossing_rate and rms in one pass over the clip.
  const detail::ClipStats clip = detail::clip_stats(y, "genre features");
  GenreFeatures f;
  const double sr = kAnalysisSr;
  Workspace& ws = tls_workspace;

  const dsp::StftParams stft{};
  const std::size_t K = static_cast<std::size_t>(stft.n_fft / 2 + 1);
  const std::size_t T = dsp::n_frames(y.size(), stft);
  TileReducer reduce(K, T, sr, ws);
  dsp::stft_magnitude_tiles(y, stft, kLanes, [&](std::size_t t0, std::size_t count,
                                                 const float* tile) { reduce(t0, count, tile); });

  // Centroid, flux (mean(diff(c)) telescopes; numpy gives NaN for one frame, we give 0) and
  // rolloff.
  f.spectral_centroid = mean_of(std::span<const double>(ws.centroid));
  f.spectral_flux = T > 1 ? (ws.centroid.back() - ws.centroid.front()) / static_cast<double>(T - 1)
                          : 0.0;
  f.spectral_rolloff = mean_of(std::span<const double>(ws.rolloff));

  // MFCC and beats from one dB mel spectrogram (top_db over the whole clip).
  detail::power_to_db_in_place(ws.mel);  // the mel power is not needed again
  const Matrix& mel_db = ws.mel;
  f.mfcc = mfcc_means(mel_db);
  const auto envelope = detail::onset_strength_from_mel_db(mel_db, OnsetAggregate::Median, stft);
  BeatTrackParams beat{};
  beat.tempo.sr = sr;
  const auto beats = beat_track(envelope, beat);
  f.tempo = beats.tempo;
  f.n_beats = static_cast<int>(beats.beats.size());

  f.zero_crossing_rate = mean_of(std::span<const double>(clip.zcr));
  f.rms = mean_of(std::span<const float>(clip.rms));

  f.chroma_tuning = detail::tuning_from_peaks(ws.pitches, ws.mags, TuningParams{});
  const auto chroma = detail::chroma_means_from_tiles(ws.power, K, T, ChromaParams{.sr = sr},
                                                      f.chroma_tuning);
  for (int c = 0; c < 12; ++c) f.chroma[c] = chroma[static_cast<std::size_t>(c)];

  // spectral_contrast: power_to_db (top_db per matrix) of peaks and valleys, then the means;
  // the top_db floor (max(v, top - top_db), as power_to_db) is applied as the values are summed.
  const std::size_t nb = ws.contrast->n_bands();
  const double top_db = *PowerToDbParams{}.top_db;
  const double peak_floor = contrast_db(ws.peak_tiles, nb, T, ws.peak_db) - top_db;
  const double valley_floor = contrast_db(ws.valley_tiles, nb, T, ws.valley_db) - top_db;
  double total = 0;
  for (std::size_t b = 0; b < nb && b < 7; ++b) {
    const double* pk = ws.peak_db.data() + b * T;
    const double* vl = ws.valley_db.data() + b * T;
    double band = 0;
    for (std::size_t t = 0; t < T; ++t)
      band += std::max(pk[t], peak_floor) - std::max(vl[t], valley_floor);
    f.spectral_contrast_bands[b] = T ? band / static_cast<double>(T) : 0.0;
    total += band;
  }
  f.spectral_contrast = nb * T > 0 ? total / static_cast<double>(nb * T) : 0.0;
  // Keep the buffers of a 30 s clip (~12 MB) for the next call, not those of a long signal.
  if (T > kKeepFrames) ws = Workspace{};
  return f;
}

}  // namespace echoelml::features
