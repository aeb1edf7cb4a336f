// spectral_contrast (librosa 0.10.1 feature/spectral.py).
// Band rules, per librosa: band k holds the bins with octa[k] <= f <= octa[k+1], where
// octa = [0, fmin, 2 fmin, ..., fmin 2^n_bands]; bands k > 0 also take the bin just below,
// the last band takes every bin up to Nyquist, and bands k < n_bands drop their last bin
// before sorting. q = max(1, rint(quantile * band size incl. the added bin and the dropped
// one)). The valley/peak is the float32 mean of the q smallest/largest values, summed in
// ascending order as np.mean over a sorted array does.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ECHOELML_CONTRAST_AVX2 1
#endif

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/spectral.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

}  // namespace

namespace detail {

std::vector<ContrastBand> contrast_bands(std::size_t n_bins, const ContrastParams& p) {
  const auto freq = dsp::fft_frequencies(p.sr, static_cast<int>(2 * (n_bins - 1)));
  std::vector<ContrastBand> bands;
  double lo = 0.0, hi = p.fmin;
  for (int k = 0; k <= p.n_bands; ++k, lo = hi, hi *= 2.0) {
    std::size_t first = n_bins, last = 0;
    for (std::size_t i = 0; i < n_bins; ++i)
      if (freq[i] >= lo && freq[i] <= hi) {
        first = std::min(first, i);
        last = i;
      }
    if (first == n_bins)
      throw ParameterError("spectral_contrast: band " + std::to_string(k) + " [" +
                           std::to_string(lo) + ", " + std::to_string(hi) +
                           "] Hz holds no FFT bin; increase n_fft or fmin");
    ContrastBand b;
    b.begin = k > 0 && first > 0 ? first - 1 : first;
    const std::size_t end = k == p.n_bands ? n_bins : last + 1;
    const double count = static_cast<double>(end - b.begin);
    b.end = k < p.n_bands ? end - 1 : end;
    if (b.end <= b.begin)
      throw ParameterError("spectral_contrast: band " + std::to_string(k) +
                           " has no bins left after dropping its last one; increase n_fft");
    // np.rint rounds half to even, as nearbyint does in the default rounding mode.
    b.q = static_cast<std::size_t>(std::max(1.0, std::nearbyint(p.quantile * count)));
    b.q = std::min(b.q, b.end - b.begin);  // numpy slicing past the end takes every value
    bands.push_back(b);
  }
  return bands;
}

}  // namespace detail

namespace {

constexpr std::size_t kLanes = detail::kTileLanes;

// np.mean over a sorted slice: float32 sum in ascending order, then / q in float32.
float mean_ascending(const float* v, std::size_t q) {
  float s = 0.0f;
  for (std::size_t i = 0; i < q; ++i) s += v[i];
  return s / static_cast<float>(q);
}
float mean_descending(const float* v, std::size_t q) {
  float s = 0.0f;
  for (std::size_t i = q; i-- > 0;) s += v[i];
  return s / static_cast<float>(q);
}

// The kSample smallest (lo) and largest (hi) of every kStride-th bin of [begin, end), best
// first, for each frame of a bin-major tile: a min/max insertion network vectorised across the
// frames (no branches). Returns how many are valid (fewer when the band has < kSample samples).
constexpr std::size_t kSample = 4, kStride = 16;
[[gnu::always_inline]] inline std::size_t sample_bounds(const float* tile, std::size_t begin,
                                                      std::size_t end,
                          float (&lo)[kSample][kLanes], float (&hi)[kSample][kLanes]) {
  for (std::size_t i = 0; i < kSample; ++i)
    for (std::size_t j = 0; j < kLanes; ++j) {
      lo[i][j] = std::numeric_limits<float>::infinity();
      hi[i][j] = -std::numeric_limits<float>::infinity();
    }
  std::size_t rows = 0;
  for (std::size_t k = begin; k < end; k += kStride, ++rows) {
    const float* r = tile + k * kLanes;
    float tl[kLanes], th[kLanes];
    for (std::size_t j = 0; j < kLanes; ++j) tl[j] = th[j] = r[j];
    for (std::size_t i = 0; i < kSample; ++i)
      for (std::size_t j = 0; j < kLanes; ++j) {
        const float a = lo[i][j], b = tl[j];
        lo[i][j] = std::min(a, b);
        tl[j] = std::max(a, b);
        const float c = hi[i][j], d = th[j];
        hi[i][j] = std::max(c, d);
        th[j] = std::min(c, d);
      }
  }
  return std::min(rows, kSample);
}

// The q best of m candidates in buf, sorted best first, into out.
template <bool Largest>
void finish_side(float* buf, std::size_t m, std::size_t q, float* out) {
  auto better = [](float a, float b) { return Largest ? a > b : a < b; };
  if (m <= 64 && q <= 16) {  // few candidates: insertion into a sorted run of q
    float run[16];
    std::size_t r = 0;
    for (std::size_t i = 0; i < m; ++i) {
      const float x = buf[i];
      if (r == q && !better(x, run[q - 1])) continue;
      std::size_t j = r < q ? r++ : q - 1;
      while (j > 0 && better(x, run[j - 1])) {
        run[j] = run[j - 1];
        --j;
      }
      run[j] = x;
    }
    std::copy_n(run, q, out);
    return;
  }
  if (m > q) std::nth_element(buf, buf + (q - 1), buf + m, better);
  std::sort(buf, buf + q, better);
  std::copy_n(buf, q, out);
}

// Copies the values of v not beyond `bound` to buf without a branch per value; returns how many.
template <bool Largest>
std::size_t keep_within(const float* v, std::size_t n, float bound, float* buf) {
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    buf[m] = v[i];
    m += (Largest ? v[i] >= bound : v[i] <= bound) ? 1 : 0;
  }
  return m;
}

#if defined(ECHOELML_CONTRAST_AVX2)
// The AVX2 path of select_extremes: the same bounds, candidates left-packed eight values at a
// time (a compare, a mask and a permutation from a table; no branch per value), and the q best
// of up to kRankMax candidates placed by rank. Same multiset, same order, so the same means.
constexpr std::size_t kRankMax = 64;

// Byte i of entry mask = the index of the i-th set bit of mask (the rest 0).
struct PackTable {
  std::uint64_t idx[256] = {};
  constexpr PackTable() {
    for (unsigned m = 0; m < 256; ++m) {
      std::uint64_t e = 0;
      unsigned o = 0;
      for (unsigned b = 0; b < 8; ++b)
        if (m & (1u << b)) e |= static_cast<std::uint64_t>(b) << (8 * o++);
      idx[m] = e;
    }
  }
};
constexpr PackTable kPack;

// Appends the values of v within each bound to buf_lo (x <= b_lo) and buf_hi (x >= b_hi); each
// buffer needs n + 8 floats. Returns the counts.
[[gnu::target("avx2,popcnt")]] void pack_within_avx2(const float* v, std::size_t n, float b_lo,
                                                     float b_hi, float* buf_lo, float* buf_hi,
                                                     std::size_t& m_lo, std::size_t& m_hi) {
  const __m256 vlo = _mm256_set1_ps(b_lo), vhi = _mm256_set1_ps(b_hi);
  std::size_t a = 0, b = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(v + i);
    const unsigned ml =
        static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(x, vlo, _CMP_LE_OQ)));
    const unsigned mh =
        static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(x, vhi, _CMP_GE_OQ)));
    const __m256i pl =
        _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kPack.idx[ml])));
    const __m256i ph =
        _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kPack.idx[mh])));
    _mm256_storeu_ps(buf_lo + a, _mm256_permutevar8x32_ps(x, pl));
    _mm256_storeu_ps(buf_hi + b, _mm256_permutevar8x32_ps(x, ph));
    a += static_cast<std::size_t>(_mm_popcnt_u32(ml));
    b += static_cast<std::size_t>(_mm_popcnt_u32(mh));
  }
  for (; i < n; ++i) {
    const float x = v[i];
    buf_lo[a] = x;
    buf_hi[b] = x;
    a += x <= b_lo ? 1 : 0;
    b += x >= b_hi ? 1 : 0;
  }
  m_lo = a;
  m_hi = b;
}

// The q best of m <= kRankMax finite candidates c (c has room for m rounded up to 8), best
// first, into out: candidate i goes to rank #{j : c_j better} + #{j < i : c_j == c_i}, a
// permutation of 0..m-1, so ties land next to each other and every rank is written once.
template <bool Largest>
[[gnu::target("avx2,popcnt")]] void rank_best_avx2(float* c, std::size_t m, std::size_t q,
                                                   float* out) {
  const std::size_t mv = (m + 7) / 8 * 8;
  const float worst = Largest ? -std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::infinity();
  for (std::size_t j = m; j < mv; ++j) c[j] = worst;  // never better, and j > every i
  alignas(32) float placed[kRankMax];
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (std::size_t i = 0; i < m; ++i) {
    const __m256 ci = _mm256_set1_ps(c[i]);
    const __m256i vi = _mm256_set1_epi32(static_cast<int>(i));
    unsigned rank = 0;
    for (std::size_t j = 0; j < mv; j += 8) {
      const __m256 cj = _mm256_loadu_ps(c + j);
      const __m256 better =
          Largest ? _mm256_cmp_ps(cj, ci, _CMP_GT_OQ) : _mm256_cmp_ps(cj, ci, _CMP_LT_OQ);
      const __m256i before =
          _mm256_cmpgt_epi32(vi, _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(j))));
      const __m256 tie =
          _mm256_and_ps(_mm256_cmp_ps(cj, ci, _CMP_EQ_OQ), _mm256_castsi256_ps(before));
      rank += static_cast<unsigned>(
          _mm_popcnt_u32(static_cast<unsigned>(_mm256_movemask_ps(_mm256_or_ps(better, tie)))));
    }
    placed[rank] = c[i];
  }
  std::copy_n(placed, q, out);
}
#endif

#if defined(ECHOELML_CONTRAST_AVX2)
// One side of pack_within_avx2 (the looser bounds' second pass).
template <bool Largest>
[[gnu::target("avx2,popcnt")]] std::size_t pack_one_avx2(const float* v, std::size_t n,
                                                         float bound, float* buf) {
  const __m256 vb = _mm256_set1_ps(bound);
  std::size_t m = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(v + i);
    const __m256 in = Largest ? _mm256_cmp_ps(x, vb, _CMP_GE_OQ) : _mm256_cmp_ps(x, vb, _CMP_LE_OQ);
    const unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(in));
    const __m256i perm =
        _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kPack.idx[mask])));
    _mm256_storeu_ps(buf + m, _mm256_permutevar8x32_ps(x, perm));
    m += static_cast<std::size_t>(_mm_popcnt_u32(mask));
  }
  for (; i < n; ++i) {
    buf[m] = v[i];
    m += (Largest ? v[i] >= bound : v[i] <= bound) ? 1 : 0;
  }
  return m;
}
// Resolved on first use (not at static initialisation, which may precede the CPU probe).
bool has_avx2() {
  static const bool avx2 = core::use_avx2();
  return avx2;
}
#endif

template <bool Largest>
std::size_t keep(const float* v, std::size_t n, float bound, float* buf) {
#if defined(ECHOELML_CONTRAST_AVX2)
  if (has_avx2()) return pack_one_avx2<Largest>(v, n, bound, buf);
#endif
  return keep_within<Largest>(v, n, bound, buf);
}

template <bool Largest>
void best_q(float* buf, std::size_t m, std::size_t q, float* out) {
#if defined(ECHOELML_CONTRAST_AVX2)
  if (has_avx2() && m <= kRankMax) return rank_best_avx2<Largest>(buf, m, q, out);
#endif
  finish_side<Largest>(buf, m, q, out);
}

// The q smallest (ascending, into lo) and q largest (descending, into hi) of v[0..n), q <= n;
// buf_lo and buf_hi hold n + 8 values each. s_lo/s_hi: the ns best of every 16th value
// (sample_bounds). The s-th best sample, s = q/16 + 2 (about the 16s-th best of all), bounds
// a few dozen candidates per side kept in one branch-free pass over v (a branch per value
// would mispredict on every kept one); only those are selected and sorted. A guess that admits
// fewer than q values is loosened (the ns-th best sample), then dropped (every value is a
// candidate). The result is the same multiset a full sort gives, so the means are exact.
void select_extremes(const float* v, std::size_t n, std::size_t q, const float* s_lo,
                     const float* s_hi, std::size_t ns, float* buf_lo, float* buf_hi, float* lo,
                     float* hi) {
  const std::size_t s = std::min<std::size_t>(q / kStride + 2, kSample);
  std::size_t m_lo = 0, m_hi = 0;
#if defined(ECHOELML_CONTRAST_AVX2)
  if (has_avx2() && s <= ns) {
    pack_within_avx2(v, n, s_lo[s - 1], s_hi[s - 1], buf_lo, buf_hi, m_lo, m_hi);
  } else
#endif
  if (s <= ns) {
    const float b_lo = s_lo[s - 1], b_hi = s_hi[s - 1];
    for (std::size_t i = 0; i < n; ++i) {
      const float x = v[i];
      buf_lo[m_lo] = x;
      buf_hi[m_hi] = x;
      m_lo += x <= b_lo ? 1 : 0;
      m_hi += x >= b_hi ? 1 : 0;
    }
  }
  if (m_lo < q && ns > s) m_lo = keep<false>(v, n, s_lo[ns - 1], buf_lo);
  if (m_hi < q && ns > s) m_hi = keep<true>(v, n, s_hi[ns - 1], buf_hi);
  if (m_lo < q) m_lo = keep<false>(v, n, std::numeric_limits<float>::infinity(), buf_lo);
  if (m_hi < q) m_hi = keep<true>(v, n, -std::numeric_limits<float>::infinity(), buf_hi);
  best_q<false>(buf_lo, m_lo, q, lo);
  best_q<true>(buf_hi, m_hi, q, hi);
}

// Bands with a small q (2..4): the q smallest and largest of every frame of a bin-major tile,
// kept sorted by a min/max insertion network vectorised across the frames (no branches).
template <std::size_t Q>
[[gnu::always_inline]] inline void small_q_extremes(const float* tile, std::size_t begin,
                                                    std::size_t end, std::size_t count,
                                                    float* valley, float* peak) {
  constexpr std::size_t L = detail::kTileLanes;
  float lo[Q][L], hi[Q][L];
  for (std::size_t i = 0; i < Q; ++i)
    for (std::size_t j = 0; j < L; ++j) {
      lo[i][j] = std::numeric_limits<float>::infinity();
      hi[i][j] = -std::numeric_limits<float>::infinity();
    }
  for (std::size_t k = begin; k < end; ++k) {
    const float* r = tile + k * L;
    float tl[L], th[L];
    for (std::size_t j = 0; j < L; ++j) tl[j] = th[j] = r[j];
    for (std::size_t i = 0; i < Q; ++i)
      for (std::size_t j = 0; j < L; ++j) {
        const float a = lo[i][j], b = tl[j];
        lo[i][j] = std::min(a, b);  // the smaller stays at level i, the larger moves on
        tl[j] = std::max(a, b);
        const float c = hi[i][j], d = th[j];
        hi[i][j] = std::max(c, d);
        th[j] = std::min(c, d);
      }
  }
  for (std::size_t j = 0; j < count; ++j) {
    float sl[Q], sh[Q];
    for (std::size_t i = 0; i < Q; ++i) {
      sl[i] = lo[i][j];
      sh[i] = hi[i][j];
    }
    valley[j] = mean_ascending(sl, Q);
    peak[j] = mean_descending(sh, Q);
  }
}

}  // namespace

namespace detail {

ContrastSelector::ContrastSelector(std::vector<ContrastBand> bands, std::size_t lanes)
    : bands_(std::move(bands)), lanes_(lanes) {
  if (lanes_ != kLanes) throw ParameterError("spectral_contrast: tiles must hold 16 frames");
  std::size_t qmax = 1, nmax = 1;
  for (const auto& b : bands_) {
    qmax = std::max(qmax, b.q);
    nmax = std::max(nmax, b.end - b.begin);
  }
  lo_.resize(qmax);
  hi_.resize(qmax);
  scratch_.resize(2 * (nmax + 8));  // + 8: the vector paths write whole vectors past the end
}

void ContrastSelector::run(const float* tile, const float* frames, std::size_t frame_stride,
                           std::size_t count, float* valley, float* peak) {
  static const bool avx2 = core::use_avx2();
  if (avx2) run_avx2(tile, frames, frame_stride, count, valley, peak);
  else run_default(tile, frames, frame_stride, count, valley, peak);
}

[[gnu::target("avx2")]] void ContrastSelector::run_avx2(const float* tile, const float* frames,
                                                        std::size_t frame_stride, std::size_t count,
                                                        float* valley, float* peak) {
  run_body(tile, frames, frame_stride, count, valley, peak);
}

void ContrastSelector::run_default(const float* tile, const float* frames, std::size_t frame_stride,
                                   std::size_t count, float* valley, float* peak) {
  run_body(tile, frames, frame_stride, count, valley, peak);
}

// The min/max networks across the tile's frames are the same float32 comparisons whether
// compiled for SSE2 or AVX2 (run_default / run_avx2), so both give the same values.
[[gnu::always_inline]] inline void ContrastSelector::run_body(const float* tile,
                                                              const float* frames,
                                                              std::size_t frame_stride,
                                                              std::size_t count, float* valley,
                                                              float* peak) {
  for (std::size_t b = 0; b < bands_.size(); ++b) {
    const ContrastBand& band = bands_[b];
    float* vo = valley + b * kLanes;
    float* po = peak + b * kLanes;
    if (band.q == 1) {  // the low bands: plain min and max, vectorised across frames
      float mn[kLanes], mx[kLanes];
      const float* r0 = tile + band.begin * kLanes;
      for (std::size_t j = 0; j < kLanes; ++j) mn[j] = mx[j] = r0[j];
      for (std::size_t k = band.begin + 1; k < band.end; ++k) {
        const float* r = tile + k * kLanes;
        for (std::size_t j = 0; j < kLanes; ++j) {
          mn[j] = r[j] < mn[j] ? r[j] : mn[j];
          mx[j] = r[j] > mx[j] ? r[j] : mx[j];
        }
      }
      for (std::size_t j = 0; j < count; ++j) {
        vo[j] = mn[j];
        po[j] = mx[j];
      }
      continue;
    }
    const std::size_t n = band.end - band.begin, q = band.q;
    if (q == 2) small_q_extremes<2>(tile, band.begin, band.end, count, vo, po);
    if (q == 3) small_q_extremes<3>(tile, band.begin, band.end, count, vo, po);
    if (q == 4) small_q_extremes<4>(tile, band.begin, band.end, count, vo, po);
    if (q <= 4) continue;
    float s_lo[kSample][kLanes], s_hi[kSample][kLanes];
    const std::size_t ns = sample_bounds(tile, band.begin, band.end, s_lo, s_hi);
    for (std::size_t j = 0; j < count; ++j) {
      const float* v = frames + j * frame_stride + band.begin;
      float sl[kSample], sh[kSample];
      for (std::size_t i = 0; i < kSample; ++i) {
        sl[i] = s_lo[i][j];
        sh[i] = s_hi[i][j];
      }
      select_extremes(v, n, q, sl, sh, ns, scratch_.data(), scratch_.data() + scratch_.size() / 2,
                      lo_.data(), hi_.data());
      vo[j] = mean_ascending(lo_.data(), q);
      po[j] = mean_descending(hi_.data(), q);
    }
  }
}

}  // namespace detail

void validate(const ContrastParams& p) {
  if (!(p.sr > 0)) throw ParameterError("spectral_contrast: sr must be > 0");
  if (!(p.fmin > 0))
    throw ParameterError("spectral_contrast: fmin must be a positive number, got " +
                         std::to_string(p.fmin));
  if (p.n_bands < 1)
    throw ParameterError("spectral_contrast: n_bands must be a positive integer, got " +
                         std::to_string(p.n_bands));
  if (!(p.quantile > 0.0 && p.quantile < 1.0))
    throw ParameterError("spectral_contrast: quantile must lie in (0, 1), got " +
                         std::to_string(p.quantile));
  // The lower edge of the top band, fmin 2^(n_bands-1), must lie below Nyquist.
  if (p.fmin * std::ldexp(1.0, p.n_bands - 1) >= 0.5 * p.sr)
    throw ParameterError("spectral_contrast: frequency band exceeds Nyquist (fmin " +
                         std::to_string(p.fmin) + " Hz, n_bands " + std::to_string(p.n_bands) +
                         "); reduce either fmin or n_bands");
}

MatrixD spectral_contrast(const Matrix& S, const ContrastParams& p) {
  validate(p);
  detail::check_magnitude(S, "spectral_contrast");
  const std::size_t K = S.rows, T = S.cols;
  detail::ContrastSelector select(detail::contrast_bands(K, p), kLanes);
  const std::size_t nb = select.n_bands();
  MatrixD peak(nb, T), valley(nb, T);
  // Tiles of kLanes frames, copied bin-major (each copy is one contiguous run of a row).
  std::vector<float> tile(K * kLanes, 0.0f), frames(kLanes * K), lo(nb * kLanes), hi(nb * kLanes);
  for (std::size_t t0 = 0; t0 < T; t0 += kLanes) {
    const std::size_t w = std::min(kLanes, T - t0);
    for (std::size_t k = 0; k < K; ++k) {
      const float* src = S.data.data() + k * T + t0;
      std::copy_n(src, w, tile.data() + k * kLanes);
      for (std::size_t j = 0; j < w; ++j) frames[j * K + k] = src[j];
    }
    select.run(tile.data(), frames.data(), K, w, lo.data(), hi.data());
    for (std::size_t b = 0; b < nb; ++b)
      for (std::size_t j = 0; j < w; ++j) {
        valley(b, t0 + j) = lo[b * kLanes + j];
        peak(b, t0 + j) = hi[b * kLanes + j];
      }
  }
  MatrixD out(nb, T);
  if (p.linear) {
    for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = peak.data[i] - valley.data[i];
    return out;
  }
  const MatrixD peak_db = power_to_db(peak), valley_db = power_to_db(valley);
  for (std::size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = peak_db.data[i] - valley_db.data[i];
  return out;
}

MatrixD spectral_contrast(std::span<const float> y, const ContrastParams& p,
                          const dsp::StftParams& stft) {
  validate(p);
  return spectral_contrast(dsp::stft_magnitude(y, stft), p);
}

}  // namespace echoelml::features
