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
    float r = std::fmod(bpo * std::log2(f / 27.5f), 1.0f);
    if (r < 0.0f) r += 1.0f;
    if (r >= 0.5f) r -= 1.0f;
    const double rd = r;
    // np.histogram with explicit edges: edges[i] <= r < edges[i+1], last bin closed.
    if (rd < edges[0] || rd > edges[n]) continue;
    auto it = std::upper_bound(edges.begin(), edges.end(), rd);
    std::size_t bin = static_cast<std::size_t>(it - edges.begin()) - 1;
    counts[std::min(bin, n - 1)]++;
  }
  if (!any) return 0.0;  // librosa warns "empty frequency set" and returns 0
  const auto best = std::max_element(counts.begin(), counts.end()) - counts.begin();
  return edges[static_cast<std::size_t>(best)];
}

namespace detail {
namespace {

// The peak test below (x = S where S > ref else 0; x[k] > x[k-1] and x[k] >= x[k+1]) for 16
// frames of one bin in two AVX2 steps: bit j set when frame j is a peak. Reads 16 values of
// each row and of ref.
[[gnu::target("avx2")]] std::uint32_t peak_mask16_avx2(const float* lo, const float* mid,
                                                       const float* hi, const float* ref) {
  std::uint32_t mask = 0;
  for (int h = 0; h < 16; h += 8) {
    const __m256 r = _mm256_loadu_ps(ref + h);
    const __m256 l = _mm256_loadu_ps(lo + h), m = _mm256_loadu_ps(mid + h), u = _mm256_loadu_ps(hi + h);
    const __m256 xl = _mm256_and_ps(_mm256_cmp_ps(l, r, _CMP_GT_OQ), l);
    const __m256 xm = _mm256_and_ps(_mm256_cmp_ps(m, r, _CMP_GT_OQ), m);
    const __m256 xh = _mm256_and_ps(_mm256_cmp_ps(u, r, _CMP_GT_OQ), u);
    const __m256 peak = _mm256_and_ps(_mm256_cmp_ps(xm, xl, _CMP_GT_OQ), _mm256_cmp_ps(xm, xh, _CMP_GE_OQ));
    mask |= static_cast<std::uint32_t>(_mm256_movemask_ps(peak)) << h;
  }
  return mask;
}

}  // namespace

void tuning_peaks(const float* tile, std::size_t lanes, std::size_t count, const float* frame_max,
                  std::size_t n_bins, double sr, const TuningParams& p, std::vector<float>& pitches,
                  std::vector<float>& mags) {
  const std::size_t K = n_bins;
  const int n_fft = static_cast<int>(2 * (K - 1));
  // fft_frequencies' values, k * (1 / (n_fft / sr)), without building the array per tile.
  const double hz_per_bin = 1.0 / (n_fft * (1.0 / sr));
  const double fmax = std::min(p.fmax, sr / 2.0);
  // ref = threshold * max over all bins, in float32.
  const float thr = static_cast<float>(p.threshold);
  // A tile of at most 16 frames in rows of at least 16 lanes (the genre set's tiles) takes
  // the AVX2 test: one call per bin instead of four SSE2 steps; ref is padded for its reads
  // (lanes past count are masked off).
  static const bool avx2 = core::use_avx2();
  const bool mask16 = avx2 && count <= 16 && lanes >= 16;
  const std::uint32_t valid = count >= 32 ? ~0u : (1u << count) - 1u;
  std::vector<float> ref(std::max<std::size_t>(count, 16), 0.0f);
  for (std::size_t t = 0; t < count; ++t) ref[t] = thr * frame_max[t];
  // Peaks: bins inside [fmin, fmax) where the thresholded spectrum x = S * (S > ref) has
  // x[k] > x[k-1] and x[k] >= x[k+1]. Bin 0 is never a peak and Nyquist is never < fmax.
  // fk grows with k, so the bins inside [fmin, fmax) are one run: skip to it, stop after it
  // (the same test per bin as before; ~180 of 1023 bins at the defaults).
  std::size_t k = 1;
  while (k + 1 < K && !(static_cast<double>(k) * hz_per_bin >= p.fmin)) ++k;
  for (; k + 1 < K; ++k) {
    const double fk = static_cast<double>(k) * hz_per_bin;
    if (!(fk >= p.fmin && fk < fmax)) break;
    const float* lo = tile + (k - 1) * lanes;
    const float* mid = lo + lanes;
    const float* hi = mid + lanes;
    // The peak test for 64 frames at a time without a branch per frame (peaks are rare and
    // unpredictable), then only the peaks are visited, in frame order.
    for (std::size_t t0 = 0; t0 < count; t0 += 64) {
      const std::size_t n = std::min<std::size_t>(64, count - t0);
      std::uint64_t peaks = 0;
      std::size_t i = 0;
      if (mask16) {  // t0 == 0, n == count <= 16
        peaks = peak_mask16_avx2(lo, mid, hi, ref.data()) & valid;
        i = n;
      }
#if defined(__SSE2__)
      for (; i + 4 <= n; i += 4) {  // the same comparisons, four frames per step
        const std::size_t t = t0 + i;
        const __m128 r = _mm_loadu_ps(ref.data() + t);
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
      for (; peaks != 0; peaks &= peaks - 1) {
        const std::size_t t = t0 + static_cast<std::size_t>(__builtin_ctzll(peaks));
        // Parabolic interpolation on the unthresholded spectrum.
        const double a = static_cast<double>(hi[t] + lo[t]) - 2.0 * static_cast<double>(mid[t]);
        const double b = static_cast<double>(hi[t] - lo[t]) / 2.0;
        const float shift = std::fabs(b) >= std::fabs(a) ? 0.0f : static_cast<float>(-b / a);
        const float grad = (hi[t] - lo[t]) / 2.0f;  // np.gradient, central difference
        const float dskew = (0.5f * grad) * shift;
        pitches.push_back(static_cast<float>((static_cast<double>(k) + shift) * sr /
                                             static_cast<double>(n_fft)));
        mags.push_back(mid[t] + dskew);
      }
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
