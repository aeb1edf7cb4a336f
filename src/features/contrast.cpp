// spectral_contrast (librosa 0.10.1 feature/spectral.py).
// Band rules, per librosa: band k holds the bins with octa[k] <= f <= octa[k+1], where
// octa = [0, fmin, 2 fmin, ..., fmin 2^n_bands]; bands k > 0 also take the bin just below,
// the last band takes every bin up to Nyquist, and bands k < n_bands drop their last bin
// before sorting. q = max(1, rint(quantile * band size incl. the added bin and the dropped
// one)). The valley/peak is the float32 mean of the q smallest/largest values, summed in
// ascending order as np.mean over a sorted array does.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/spectral.h"
#include "spectral_common.h"

namespace echoelml::features {
namespace {

struct Band {
  std::size_t begin = 0, end = 0;  // values sorted: bins [begin, end)
  std::size_t q = 1;               // values averaged on each side
};

std::vector<Band> make_bands(std::size_t n_bins, const ContrastParams& p) {
  const auto freq = dsp::fft_frequencies(p.sr, static_cast<int>(2 * (n_bins - 1)));
  std::vector<Band> bands;
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
    Band b;
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

// Selects the q smallest (lo, ascending) and q largest (hi, descending) of v[0..n), q <= n.
// Frames change slowly, so the previous frame's q-th values, widened by kSlack, usually bound
// this frame's: one branchless pass keeps the few values beyond a bound and only those are
// selected. A bound that admits fewer than q values is widened (x kWiden) and the pass
// repeated; after a few tries every value becomes a candidate.
class Extremes {
 public:
  void reset(std::size_t n) {
    cand_.resize(n);
    bound_lo_ = std::numeric_limits<float>::infinity();
    bound_hi_ = 0.0f;
  }

  void select(const float* v, std::size_t n, std::size_t q, float* lo, float* hi) {
    side(v, n, q, bound_lo_, std::less<float>(), lo);
    side(v, n, q, bound_hi_, std::greater<float>(), hi);
    bound_lo_ = lo[q - 1] * kSlack;
    bound_hi_ = hi[q - 1] / kSlack;
  }

 private:
  template <typename Before>
  void side(const float* v, std::size_t n, std::size_t q, float bound, Before before, float* out) {
    constexpr float kInf = std::numeric_limits<float>::infinity();
    float* c = cand_.data();
    std::size_t m = 0;
    for (int attempt = 0;; ++attempt) {
      if (attempt == 3) bound = before(1.0f, 2.0f) ? kInf : -kInf;  // admit everything
      m = 0;
      for (std::size_t i = 0; i < n; ++i) {
        c[m] = v[i];
        m += before(bound, v[i]) ? 0 : 1;  // keep v[i] unless it lies beyond the bound
      }
      if (m >= q) break;
      // Widen: lo bounds grow, hi bounds shrink (magnitudes are >= 0).
      bound = before(1.0f, 2.0f) ? (bound > 0 ? bound * kWiden : kInf) : bound / kWiden;
    }
    if (m > q) std::nth_element(c, c + (q - 1), c + m, before);
    std::sort(c, c + q, before);
    std::copy(c, c + q, out);
  }

  static constexpr float kSlack = 2.0f;  // a bin's magnitude rarely doubles between frames
  static constexpr float kWiden = 8.0f;
  std::vector<float> cand_;
  float bound_lo_ = 0, bound_hi_ = 0;
};

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

}  // namespace

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
  const auto bands = make_bands(K, p);
  const std::size_t nb = bands.size();
  std::size_t qmax = 1, kmax = 0;
  for (const auto& b : bands) {
    qmax = std::max(qmax, b.q);
    kmax = std::max(kmax, b.end);
  }
  MatrixD peak(nb, T), valley(nb, T);
  // Frames are processed in tiles transposed to [frame][bin], so each band is contiguous;
  // a 16-frame tile reads one cache line per bin row and fits in L2.
  constexpr std::size_t kTile = 16;
  std::vector<float> tile(kTile * kmax);
  std::vector<float> lo(qmax), hi(qmax);
  std::vector<Extremes> select(nb);
  for (std::size_t b = 0; b < nb; ++b) select[b].reset(bands[b].end - bands[b].begin);
  for (std::size_t t0 = 0; t0 < T; t0 += kTile) {
    const std::size_t w = std::min(kTile, T - t0);
    for (std::size_t k0 = 0; k0 < kmax; k0 += kTile) {  // 16 x 16 blocks
      const std::size_t kn = std::min(kTile, kmax - k0);
      for (std::size_t j = 0; j < w; ++j) {
        const float* src = S.data.data() + k0 * T + t0 + j;
        float* dst = tile.data() + j * kmax + k0;
        for (std::size_t kk = 0; kk < kn; ++kk) dst[kk] = src[kk * T];
      }
    }
    for (std::size_t j = 0; j < w; ++j) {
      const float* col = tile.data() + j * kmax;
      for (std::size_t b = 0; b < nb; ++b) {
        const Band& band = bands[b];
        const float* v = col + band.begin;
        const std::size_t n = band.end - band.begin;
        if (band.q == 1) {  // the common case for the low bands: plain min and max
          float mn = v[0], mx = v[0];
          for (std::size_t i = 1; i < n; ++i) {
            mn = std::min(mn, v[i]);
            mx = std::max(mx, v[i]);
          }
          valley(b, t0 + j) = mn;
          peak(b, t0 + j) = mx;
          continue;
        }
        select[b].select(v, n, band.q, lo.data(), hi.data());
        valley(b, t0 + j) = mean_ascending(lo.data(), band.q);
        peak(b, t0 + j) = mean_descending(hi.data(), band.q);
      }
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
