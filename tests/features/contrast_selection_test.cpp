// spectral_contrast's peak/valley selection (sampled bounds, vector packing, selection by rank)
// against librosa's definition evaluated naively: per band, sort every frame's values and take
// the float32 mean of the q smallest and q largest in ascending order (np.mean over the sorted
// axis adds the rows one after another). Spectra chosen to hit every path: random values, few
// distinct values (ties, candidate sets far larger than q), many ties among a few dozen
// candidates, smooth spectra with a dip (sampled
// bounds that admit fewer than q values), silent frames and single spikes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "echoelml/features/spectral.h"

using namespace echoelml;
using namespace echoelml::features;

namespace {

constexpr double kSr = 44100.0;
constexpr std::size_t kBins = 1025;  // n_fft 2048

// librosa 0.10.1 spectral_contrast (linear=True) written out directly.
MatrixD naive_contrast_linear(const Matrix& S, const ContrastParams& p) {
  const std::size_t T = S.cols;
  std::vector<double> freq(kBins);
  for (std::size_t i = 0; i < kBins; ++i) freq[i] = static_cast<double>(i) * (kSr / 2048.0);
  MatrixD out(static_cast<std::size_t>(p.n_bands) + 1, T);
  for (int k = 0; k <= p.n_bands; ++k) {
    const double lo = k == 0 ? 0.0 : p.fmin * std::ldexp(1.0, k - 1);
    const double hi = p.fmin * std::ldexp(1.0, k);
    std::vector<bool> in(kBins);
    std::size_t first = kBins, last = 0;
    for (std::size_t i = 0; i < kBins; ++i)
      if (freq[i] >= lo && freq[i] <= hi) {
        in[i] = true;
        first = std::min(first, i);
        last = i;
      }
    if (k > 0) in[first - 1] = true;
    if (k == p.n_bands)
      for (std::size_t i = last + 1; i < kBins; ++i) in[i] = true;
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < kBins; ++i)
      if (in[i]) rows.push_back(i);
    const std::size_t count = rows.size();
    if (k < p.n_bands) rows.pop_back();
    const auto q = static_cast<std::size_t>(std::max(1.0, std::nearbyint(p.quantile * count)));
    for (std::size_t t = 0; t < T; ++t) {
      std::vector<float> v;
      for (std::size_t r : rows) v.push_back(S(r, t));
      std::sort(v.begin(), v.end());
      float valley = 0.0f, peak = 0.0f;
      for (std::size_t i = 0; i < q; ++i) valley += v[i];
      for (std::size_t i = v.size() - q; i < v.size(); ++i) peak += v[i];
      valley /= static_cast<float>(q);
      peak /= static_cast<float>(q);
      out(static_cast<std::size_t>(k), t) = static_cast<double>(peak) - static_cast<double>(valley);
    }
  }
  return out;
}

Matrix spectra(int kind, std::size_t T, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Matrix S(kBins, T, 0.0f);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t k = 0; k < kBins; ++k) {
      float v = 0.0f;
      switch (kind) {
        case 0: v = u(rng); break;                                    // random
        case 1: v = std::floor(u(rng) * 3.0f) * 0.5f; break;          // three values: ties
        case 2: v = 1.0f / (1.0f + 0.01f * k) + 1e-3f * u(rng); break;  // smooth, decaying
        case 3:                                                       // a dip at 9-10 kHz
          v = (k > 420 && k < 470 ? 1e-4f : 1.0f) * (1.0f + 0.1f * u(rng));
          break;
        case 4: v = t % 3 == 0 ? 0.0f : (k == 300 + t % 600 ? 5.0f : 0.0f);  // silence, spikes
          break;
        default: v = std::floor(u(rng) * 200.0f) / 200.0f; break;      // ties among candidates
      }
      S(k, t) = v;
    }
  }
  return S;
}

}  // namespace

TEST(SpectralContrastSelection, MatchesSortedBandsExactly) {
  std::mt19937 rng(3);
  const ContrastParams p{.sr = kSr, .linear = true};
  for (int kind = 0; kind < 6; ++kind) {
    const Matrix S = spectra(kind, 37, rng);  // 37 frames: two full tiles of 16 and a partial one
    const MatrixD got = spectral_contrast(S, p);
    const MatrixD want = naive_contrast_linear(S, p);
    ASSERT_EQ(got.rows, want.rows);
    ASSERT_EQ(got.cols, want.cols);
    for (std::size_t b = 0; b < got.rows; ++b)
      for (std::size_t t = 0; t < got.cols; ++t)
        EXPECT_EQ(got(b, t), want(b, t)) << "kind " << kind << " band " << b << " frame " << t;
  }
}

TEST(SpectralContrastSelection, WideQuantileTakesTheSlowPathExactly) {
  // quantile 0.2: q = 146 in the top band, more than the vector path's candidate limit.
  std::mt19937 rng(5);
  const ContrastParams p{.sr = kSr, .quantile = 0.2, .linear = true};
  const Matrix S = spectra(0, 20, rng);
  const MatrixD got = spectral_contrast(S, p);
  const MatrixD want = naive_contrast_linear(S, p);
  for (std::size_t b = 0; b < got.rows; ++b)
    for (std::size_t t = 0; t < got.cols; ++t) EXPECT_EQ(got(b, t), want(b, t)) << b << " " << t;
}
