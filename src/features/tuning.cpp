// estimate_tuning = piptrack + pitch_tuning (librosa 0.10.1 core/pitch.py).
// The rounding follows numpy/numba on float32 input: the parabolic shift is evaluated in
// float64 (numba promotes float32 with the integer literals 2 to float64) and stored as
// float32; the gradient, the interpolated magnitude and the pitch are float32 values.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <immintrin.h>

#include "echoelml/core/cpu.h"
#include "echoelml/core/error.h"
#include "echoelml/features/chroma.h"
#include "spectral_common.h"

namespace echoelml::features {

void validate(const TuningParams& p) {
  if (!(p.resolution > 0.0 && p.resolution < 1.0))
    throw ParameterError("estimate_tuning: resolution must lie in (0, 1), got " +
                         std::to_string(p.resolution));
  if (p.bins_per_octave < 1)
    throw ParameterError("estimate_tuning: bins_per_octave must be >= 1, got " +
                         std::to_string(p.bins_per_octave));
  if (!(p.fmin >= 0.0) || !(p.fmax > p.fmin))
    throw ParameterError("estimate_tuning: need 0 <= fmin < fmax, got fmin " +
                         std::to_string(p.fmin) + ", fmax " + std::to_string(p.fmax));
  if (!(p.threshold >= 0.0))
    throw ParameterError("estimate_tuning: threshold must be >= 0, got " +
                         std::to_string(p.threshold));
}

namespace {

// np.mod(x, 1.0) on float32 before the sign fix below: std::fmod(x, 1.0f), which is exact
// (x - trunc(x)). For |x| < 2^23 the truncation is the int32 conversion and the subtraction is
// exact, so this is fmod's value up to the sign of a zero (which no comparison below sees);
// larger, infinite and NaN x take std::fmod itself. A library call per pitch cost more than
// the rest of the loop.
inline float mod1(float x) {
  if (std::fabs(x) < 8388608.0f) return x - static_cast<float>(static_cast<std::int32_t>(x));
  return std::fmod(x, 1.0f);
}

}  // namespace

double pitch_tuning(std::span<const float> frequencies, const TuningParams& p) {
  validate(p);
  // Histogram edges = np.linspace(-0.5, 0.5, n + 1): i * (1 / n) - 0.5, last edge exactly 0.5.
  const auto n = static_cast<std::size_t>(std::ceil(1.0 / p.resolution));
  std::vector<double> edges(n + 1);
  const double step = 1.0 / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) edges[i] = static_cast<double>(i) * step + -0.5;
  edges[n] = 0.5;
  std::vector<std::size_t> counts(n, 0);
  const float bpo = static_cast<float>(p.bins_per_octave);
  bool any = false;
  for (float f : frequencies) {
    if (!(f > 0.0f)) continue;  // DC (and invalid) entries are trimmed
    any = true;
    // hz_to_octs on float32: f / 27.5 and log2 stay float32; np.mod(x, 1.0) keeps the sign
    // of the divisor.
    float r = mod1(bpo * std::log2(f / 27.5f));
    if (r < 0.0f) r += 1.0f;
    if (r >= 0.5f) r -= 1.0f;
    const double rd = r;
    // np.histogram with explicit edges: edges[i] <= r < edges[i+1], last bin closed.
    if (rd < edges[0] || rd > edges[n]) continue;
    // The last edge <= rd (std::upper_bound's position - 1), searched from the bin the uniform
    // edges put rd in: at most a step either way, instead of a binary search whose branches
    // mispredict on every pitch.
    const double guess = std::floor((rd + 0.5) * static_cast<double>(n));
    std::size_t bin = guess <= 0.0 ? 0 : std::min(n, static_cast<std::size_t>(guess));
    while (bin > 0 && edges[bin] > rd) --bin;
    while (bin < n && edges[bin + 1] <= rd) ++bin;
    counts[std::min(bin, n - 1)]++;
  }
  if (!any) return 0.0;  // librosa warns "empty frequency set" and returns 0
  const auto best = std::max_element(counts.begin(), counts.end()) - counts.begin();
  return edges[static_cast<std::size_t>(best)];
}

namespace detail {
namespace {

// The peak test below (x = S where S > ref else 0; x[k] > x[k-1] and x[k] >= x[k+1]) for the
// 16 frames of n consecutive bins, rows `lanes` floats apart from `first` (the row below the
// first bin; 16 lanes read): bit j of masks[i] set when frame j is a peak of bin i. With
// `square` the rows hold magnitudes and S is their float32 square. Each row is thresholded
// once and kept for the bins on either side; one call per tile instead of one per bin (the
// per-bin calls were ~2 % of the genre set). The AVX2 and AVX-512 builds make the same
// comparisons on the same values.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256 above8(const float* v8, __m256 r, bool square) {
  __m256 v = _mm256_loadu_ps(v8);
  if (square) v = _mm256_mul_ps(v, v);
  return _mm256_and_ps(_mm256_cmp_ps(v, r, _CMP_GT_OQ), v);  // v > r ? v : +0
}
[[gnu::target("avx2")]] void peak_masks16_avx2(const float* first, std::size_t lanes, std::size_t n,
                                               const float* ref, bool sq, std::uint32_t* masks) {
  const __m256 r0 = _mm256_loadu_ps(ref), r1 = _mm256_loadu_ps(ref + 8);
  const float* row = first;
  __m256 lo0 = above8(row, r0, sq), lo1 = above8(row + 8, r1, sq);
  __m256 mid0 = above8(row + lanes, r0, sq), mid1 = above8(row + lanes + 8, r1, sq);
  for (std::size_t i = 0; i < n; ++i) {
    row = first + (i + 2) * lanes;
    const __m256 hi0 = above8(row, r0, sq), hi1 = above8(row + 8, r1, sq);
    const __m256 p0 =
        _mm256_and_ps(_mm256_cmp_ps(mid0, lo0, _CMP_GT_OQ), _mm256_cmp_ps(mid0, hi0, _CMP_GE_OQ));
    const __m256 p1 =
        _mm256_and_ps(_mm256_cmp_ps(mid1, lo1, _CMP_GT_OQ), _mm256_cmp_ps(mid1, hi1, _CMP_GE_OQ));
    masks[i] = static_cast<std::uint32_t>(_mm256_movemask_ps(p0)) |
               static_cast<std::uint32_t>(_mm256_movemask_ps(p1)) << 8;
    lo0 = mid0, lo1 = mid1, mid0 = hi0, mid1 = hi1;
  }
}

[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 above16(const float* v16, __m512 r,
                                                                     bool square) {
  __m512 v = _mm512_loadu_ps(v16);
  if (square) v = _mm512_mul_ps(v, v);
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, r, _CMP_GT_OQ), v);  // v > r ? v : +0
}
[[gnu::target("avx512f")]] void peak_masks16_avx512(const float* first, std::size_t lanes, std::size_t n,
                                                    const float* ref, bool sq, std::uint32_t* masks) {
  const __m512 r = _mm512_loadu_ps(ref);
  __m512 lo = above16(first, r, sq), mid = above16(first + lanes, r, sq);
  for (std::size_t i = 0; i < n; ++i) {
    const __m512 hi = above16(first + (i + 2) * lanes, r, sq);
    masks[i] = static_cast<std::uint32_t>(_mm512_cmp_ps_mask(mid, lo, _CMP_GT_OQ) &
                                          _mm512_cmp_ps_mask(mid, hi, _CMP_GE_OQ));
    lo = mid, mid = hi;
  }
}

}  // namespace

void tuning_peaks(const float* tile, std::size_t lanes, std::size_t count, const float* frame_max,
                  std::size_t n_bins, double sr, const TuningParams& p, std::vector<float>& pitches,
                  std::vector<float>& mags, bool square_tile, int max_isa) {
  const std::size_t K = n_bins;
  const int n_fft = static_cast<int>(2 * (K - 1));
  // fft_frequencies' values, k * (1 / (n_fft / sr)), without building the array per tile.
  const double hz_per_bin = 1.0 / (n_fft * (1.0 / sr));
  const double fmax = std::min(p.fmax, sr / 2.0);
  // ref = threshold * max over all bins, in float32.
  const float thr = static_cast<float>(p.threshold);
  // A tile of at most 16 frames in rows of at least 16 lanes (the genre set's tiles) takes
  // the AVX2 / AVX-512 test, all bins in one call; ref is padded for its reads (lanes past
  // count are masked off).
  static const bool avx2 = core::use_avx2();
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  const bool mask16 = avx2 && max_isa >= 1 && count <= 16 && lanes >= 16;
  const std::uint32_t valid = count >= 32 ? ~0u : (1u << count) - 1u;
  // On the stack for tiles (one allocation per tile otherwise), on the heap for longer spans.
  constexpr std::size_t kStackRef = 64;
  float ref_stack[kStackRef];
  std::vector<float> ref_heap;
  const std::size_t n_ref = std::max<std::size_t>(count, 16);
  float* ref = ref_stack;
  if (n_ref > kStackRef) {
    ref_heap.resize(n_ref);
    ref = ref_heap.data();
  }
  std::fill(ref, ref + n_ref, 0.0f);
  for (std::size_t t = 0; t < count; ++t) ref[t] = thr * frame_max[t];
  // Peaks: bins inside [fmin, fmax) where the thresholded spectrum x = S * (S > ref) has
  // x[k] > x[k-1] and x[k] >= x[k+1]. Bin 0 is never a peak and Nyquist is never < fmax.
  // fk grows with k, so the bins inside [fmin, fmax) are one run [k_begin, k_end): skip to
  // it, stop after it (the same test per bin as before; ~180 of 1023 bins at the defaults).
  std::size_t k_begin = 1;
  while (k_begin + 1 < K && !(static_cast<double>(k_begin) * hz_per_bin >= p.fmin)) ++k_begin;
  std::size_t k_end = k_begin;
  for (; k_end + 1 < K; ++k_end) {
    const double fk = static_cast<double>(k_end) * hz_per_bin;
    if (!(fk >= p.fmin && fk < fmax)) break;
  }
  // Row k at rows + (k - row0) * lanes; the power is P(row, t). A tile of magnitudes gives the
  // power as the float32 v * v (the sweep's, so the same values as the stored |X|^2), squared
  // as it is read by the mask builds and emit, and for the SSE2 path squared first into
  // `squared`, rows k_begin - 1 .. k_end (the band and its neighbours). The magnitudes are in
  // cache here, where the stored power was streamed out to memory and every row read missed.
  const float* rows = tile;
  std::size_t row0 = 0;
  const bool square_on_read = square_tile && mask16;
  thread_local std::vector<float> squared;
  if (square_tile && !mask16 && k_end > k_begin) {
    row0 = k_begin - 1;
    const std::size_t n = (k_end - k_begin + 2) * lanes;
    if (squared.size() < n) squared.resize(n);
    const float* src = tile + row0 * lanes;
    for (std::size_t i = 0; i < n; ++i) squared[i] = src[i] * src[i];
    rows = squared.data();
  }
  const auto row = [&](std::size_t k) { return rows + (k - row0) * lanes; };
  const auto P = [&](const float* r, std::size_t t) { return square_on_read ? r[t] * r[t] : r[t]; };
  // The peaks (bit i: frame t0 + i) of bin k, in frame order.
  const auto emit = [&](std::size_t k, std::uint64_t peaks, std::size_t t0) {
    const float* lo = row(k - 1);
    const float* mid = lo + lanes;
    const float* hi = mid + lanes;
    for (; peaks != 0; peaks &= peaks - 1) {
      const std::size_t t = t0 + static_cast<std::size_t>(__builtin_ctzll(peaks));
      const float l = P(lo, t), m = P(mid, t), h = P(hi, t);
      // Parabolic interpolation on the unthresholded spectrum.
      const double a = static_cast<double>(h + l) - 2.0 * static_cast<double>(m);
      const double b = static_cast<double>(h - l) / 2.0;
      const float shift = std::fabs(b) >= std::fabs(a) ? 0.0f : static_cast<float>(-b / a);
      const float grad = (h - l) / 2.0f;  // np.gradient, central difference
      const float dskew = (0.5f * grad) * shift;
      pitches.push_back(static_cast<float>((static_cast<double>(k) + shift) * sr /
                                           static_cast<double>(n_fft)));
      mags.push_back(m + dskew);
    }
  };
  if (mask16) {
    constexpr std::size_t kChunk = 256;
    std::uint32_t masks[kChunk];
    for (std::size_t c0 = k_begin; c0 < k_end; c0 += kChunk) {
      const std::size_t c1 = std::min(k_end, c0 + kChunk);
      if (avx512 && max_isa >= 2)
        peak_masks16_avx512(row(c0 - 1), lanes, c1 - c0, ref, square_on_read, masks);
      else peak_masks16_avx2(row(c0 - 1), lanes, c1 - c0, ref, square_on_read, masks);
      for (std::size_t k = c0; k < c1; ++k)
        if (const std::uint32_t m = masks[k - c0] & valid) emit(k, m, 0);
    }
    return;
  }
  for (std::size_t k = k_begin; k < k_end; ++k) {
    const float* lo = row(k - 1);
    const float* mid = lo + lanes;
    const float* hi = mid + lanes;
    // The peak test for 64 frames at a time without a branch per frame (peaks are rare and
    // unpredictable), then only the peaks are visited, in frame order.
    for (std::size_t t0 = 0; t0 < count; t0 += 64) {
      const std::size_t n = std::min<std::size_t>(64, count - t0);
      std::uint64_t peaks = 0;
      std::size_t i = 0;
#if defined(__SSE2__)
      for (; i + 4 <= n; i += 4) {  // the same comparisons, four frames per step
        const std::size_t t = t0 + i;
        const __m128 r = _mm_loadu_ps(ref + t);
        const __m128 l = _mm_loadu_ps(lo + t), m = _mm_loadu_ps(mid + t), h = _mm_loadu_ps(hi + t);
        const __m128 xl = _mm_and_ps(_mm_cmpgt_ps(l, r), l);
        const __m128 xm = _mm_and_ps(_mm_cmpgt_ps(m, r), m);
        const __m128 xh = _mm_and_ps(_mm_cmpgt_ps(h, r), h);
        const __m128 peak = _mm_and_ps(_mm_cmpgt_ps(xm, xl), _mm_cmpge_ps(xm, xh));
        peaks |= static_cast<std::uint64_t>(_mm_movemask_ps(peak)) << i;
      }
#endif
      for (; i < n; ++i) {
        const std::size_t t = t0 + i;
        const float r = ref[t];
        const float xl = lo[t] > r ? lo[t] : 0.0f;
        const float xm = mid[t] > r ? mid[t] : 0.0f;
        const float xh = hi[t] > r ? hi[t] : 0.0f;
        peaks |= static_cast<std::uint64_t>(xm > xl && xm >= xh) << i;
      }
      emit(k, peaks, t0);
    }
  }
}

double tuning_from_peaks(const std::vector<float>& pitches, const std::vector<float>& mags,
                         const TuningParams& p) {
  // Keep the peaks whose magnitude is >= the median magnitude (float32 np.median).
  std::vector<float> valid;
  valid.reserve(mags.size());
  for (std::size_t i = 0; i < pitches.size(); ++i)
    if (pitches[i] > 0.0f) valid.push_back(mags[i]);
  float median = 0.0f;
  if (!valid.empty()) {
    const std::size_t m = valid.size() / 2;
    std::nth_element(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(m), valid.end());
    median = valid[m];
    if (valid.size() % 2 == 0) {
      const float below = *std::max_element(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(m));
      median = (below + median) / 2.0f;
    }
  }
  std::vector<float> selected;
  selected.reserve(pitches.size());
  for (std::size_t i = 0; i < pitches.size(); ++i)
    if (pitches[i] > 0.0f && mags[i] >= median) selected.push_back(pitches[i]);
  return pitch_tuning(selected, p);
}

}  // namespace detail

double estimate_tuning(const Matrix& S, double sr, const TuningParams& p) {
  validate(p);
  if (!(sr > 0)) throw ParameterError("estimate_tuning: sr must be > 0");
  detail::check_magnitude(S, "estimate_tuning");
  const std::size_t K = S.rows, T = S.cols;
  std::vector<float> frame_max(T, 0.0f);
  for (std::size_t k = 0; k < K; ++k) {
    const float* row = S.data.data() + k * T;
    for (std::size_t t = 0; t < T; ++t) frame_max[t] = std::max(frame_max[t], row[t]);
  }
  std::vector<float> pitches, mags;
  detail::tuning_peaks(S.data.data(), T, T, frame_max.data(), K, sr, p, pitches, mags);
  return detail::tuning_from_peaks(pitches, mags, p);
}

}  // namespace echoelml::features
