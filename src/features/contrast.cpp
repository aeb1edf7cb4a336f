// spectral_contrast (librosa 0.10.1 feature/spectral.py).
// Band rules, per librosa: band k holds the bins with octa[k] <= f <= octa[k+1], where
// octa = [0, fmin, 2 fmin, ..., fmin 2^n_bands]; bands k > 0 also take the bin just below,
// the last band takes every bin up to Nyquist, and bands k < n_bands drop their last bin
// before sorting. q = max(1, rint(quantile * band size incl. the added bin and the dropped
// one)). The valley/peak is the float32 mean of the q smallest/largest values, summed in
// ascending order as np.mean over a sorted array does (ContrastSelector, contrast_select.cpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/features/mel.h"
#include "echoelml/features/spectral.h"
#include "spectral_common.h"

namespace echoelml::features {

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
  detail::ContrastSelector select(detail::contrast_bands(K, p), kLanes);
  const std::size_t nb = select.n_bands();
  MatrixD peak(nb, T), valley(nb, T);
  // Tiles of kLanes frames, copied bin-major (each copy is one contiguous run of a row).
  std::vector<float> tile(K * kLanes, 0.0f), lo(nb * kLanes), hi(nb * kLanes);
  for (std::size_t t0 = 0; t0 < T; t0 += kLanes) {
    const std::size_t w = std::min(kLanes, T - t0);
    for (std::size_t k = 0; k < K; ++k)
      std::copy_n(S.data.data() + k * T + t0, w, tile.data() + k * kLanes);
    if (w < kLanes)  // the last tile: lanes past w are zero, as run() expects
      for (std::size_t k = 0; k < K; ++k)
        std::fill_n(tile.data() + k * kLanes + w, kLanes - w, 0.0f);
    select.run(tile.data(), w, lo.data(), hi.data());
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
