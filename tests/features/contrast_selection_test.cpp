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
#include <filesystem>
#include <random>
#include <vector>

#include "echoelml/dsp/stft.h"
#include "echoelml/features/spectral.h"
#include "echoelml/io/audio.h"
#include "features/spectral_common.h"
#include "support/shared_data.h"

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

// ---- The tile-only entry point (genre_set.cpp's fused pass) on every instruction set this
// CPU has, against a sort of each band of each frame: valley = float32 sum of the q smallest in
// ascending order / q, peak = the same over the q largest.

namespace {

struct Expected {
  std::vector<float> valley, peak;
};

Expected sorted_means(const std::vector<float>& tile, std::size_t count,
                      const std::vector<features::detail::ContrastBand>& bands) {
  constexpr std::size_t L = features::detail::kTileLanes;
  Expected e{std::vector<float>(bands.size() * L), std::vector<float>(bands.size() * L)};
  for (std::size_t b = 0; b < bands.size(); ++b)
    for (std::size_t j = 0; j < count; ++j) {
      std::vector<float> v;
      for (std::size_t k = bands[b].begin; k < bands[b].end; ++k) v.push_back(tile[k * L + j]);
      std::sort(v.begin(), v.end());
      const std::size_t q = bands[b].q;
      float lo = 0.0f, hi = 0.0f;
      for (std::size_t i = 0; i < q; ++i) lo += v[i];
      for (std::size_t i = v.size() - q; i < v.size(); ++i) hi += v[i];
      e.valley[b * L + j] = lo / static_cast<float>(q);
      e.peak[b * L + j] = hi / static_cast<float>(q);
    }
  return e;
}

// Tile spectra: the kinds of spectra() plus a rising ramp, runs of equal values, a random walk
// (a few dozen candidates), zero ties, and spectra periodic in the bin (kinds 10 + P: period
// P; with P = the number of strided groups every group holds one level, so frames have far
// more than 64 values below the bound and are done alone).
std::vector<float> tile_spectra(int kind, std::size_t count, std::mt19937& rng) {
  constexpr std::size_t L = features::detail::kTileLanes;
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> tile(kBins * L, 0.0f);
  if (kind < 6) {
    const Matrix S = spectra(kind, count, rng);
    for (std::size_t k = 0; k < kBins; ++k)
      for (std::size_t j = 0; j < count; ++j) tile[k * L + j] = S(k, j);
    return tile;
  }
  for (std::size_t j = 0; j < count; ++j) {
    float walk = 1.0f;
    for (std::size_t k = 0; k < kBins; ++k) {
      float v = 0.0f;
      switch (kind) {
        case 6: v = 0.01f * static_cast<float>(k) + 1e-3f * u(rng); break;  // rising ramp
        case 7: v = std::floor(static_cast<float>(k) / 8.0f + 40.0f * u(rng)); break;
        case 8: v = (walk = std::max(0.0f, walk + u(rng) - 0.5f)); break;
        case 9: v = j % 2 == 0 ? 0.25f : (k % 5 == 0 ? 0.0f : u(rng)); break;  // zero ties
        default:  // periodic, period kind - 10, plus a little noise
          v = static_cast<float>((k * 7919) % static_cast<std::size_t>(kind - 10) + 1) +
              1e-3f * u(rng);
          break;
      }
      tile[k * L + j] = v;
    }
  }
  return tile;
}

}  // namespace

TEST(SpectralContrastSelection, TileEntryMatchesSortedBandsOnEveryIsa) {
  using features::detail::ContrastIsa;
  using features::detail::ContrastSelector;
  constexpr std::size_t L = features::detail::kTileLanes;
  std::mt19937 rng(11);
  int isas = 0;
  // quantile 0.02 (librosa's default; q = 15 in the top band), 0.04 (q = 29: 32/64-row
  // networks), 0.2 (q = 146: frame by frame).
  for (double quantile : {0.02, 0.04, 0.2}) {
    const auto bands = features::detail::contrast_bands(kBins, {.sr = kSr, .quantile = quantile});
    ContrastSelector sel(bands, L);
    for (int kind : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 + 18, 10 + 21, 10 + 44, 10 + 45, 10 + 64}) {
      for (std::size_t count : {std::size_t{16}, std::size_t{5}}) {
        const std::vector<float> tile = tile_spectra(kind, count, rng);
        const Expected want = sorted_means(tile, count, bands);
        for (ContrastIsa isa : {ContrastIsa::kSse2, ContrastIsa::kAvx2, ContrastIsa::kAvx512}) {
          if (!ContrastSelector::supported(isa)) continue;
          isas += quantile == 0.02 && kind == 0 && count == 16;
          std::vector<float> valley(bands.size() * L, -1.0f), peak(bands.size() * L, -1.0f);
          sel.run_isa(isa, tile.data(), count, valley.data(), peak.data());
          for (std::size_t b = 0; b < bands.size(); ++b)
            for (std::size_t j = 0; j < count; ++j) {
              const std::size_t i = b * L + j;
              ASSERT_EQ(valley[i], want.valley[i]) << "q " << quantile << " kind " << kind
                  << " isa " << static_cast<int>(isa) << " band " << b << " frame " << j;
              ASSERT_EQ(peak[i], want.peak[i]) << "q " << quantile << " kind " << kind
                  << " isa " << static_cast<int>(isa) << " band " << b << " frame " << j;
            }
        }
      }
    }
  }
  EXPECT_GE(isas, 1);  // at least the SSE2 build ran
}

// The same on real spectra: |STFT| (n_fft 2048, 44.1 kHz) of every golden wav and every
// real-audio file, in the genre set's tiles of 16 frames.
TEST(SpectralContrastSelection, TileEntryMatchesSortedBandsOnRealSpectra) {
  using features::detail::ContrastIsa;
  using features::detail::ContrastSelector;
  constexpr std::size_t L = features::detail::kTileLanes;
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"golden/librosa/wav", "real-audio/audio"})
    if (std::filesystem::is_directory(test::shared_dir() / dir))
      for (const auto& e : std::filesystem::directory_iterator(test::shared_dir() / dir))
        files.push_back(e.path());
  if (files.empty()) GTEST_SKIP() << "no shared audio";
  std::sort(files.begin(), files.end());
  const auto bands = features::detail::contrast_bands(kBins, {.sr = kSr});
  ContrastSelector sel(bands, L);
  std::size_t frames = 0;
  for (const auto& f : files) {
    const io::AudioBuffer a = io::load(f, {.sr = kSr, .mono = true, .duration = 30.0});
    const Matrix S = dsp::stft_magnitude(a.data);
    ASSERT_EQ(S.rows, kBins);
    std::vector<float> tile(kBins * L);
    for (std::size_t t0 = 0; t0 < S.cols; t0 += L) {
      const std::size_t count = std::min(L, S.cols - t0);
      std::fill(tile.begin(), tile.end(), 0.0f);
      for (std::size_t k = 0; k < kBins; ++k)
        for (std::size_t j = 0; j < count; ++j) tile[k * L + j] = S(k, t0 + j);
      const Expected want = sorted_means(tile, count, bands);
      for (ContrastIsa isa : {ContrastIsa::kSse2, ContrastIsa::kAvx2, ContrastIsa::kAvx512}) {
        if (!ContrastSelector::supported(isa)) continue;
        std::vector<float> valley(bands.size() * L), peak(bands.size() * L);
        sel.run_isa(isa, tile.data(), count, valley.data(), peak.data());
        for (std::size_t b = 0; b < bands.size(); ++b)
          for (std::size_t j = 0; j < count; ++j) {
            const std::size_t i = b * L + j;
            ASSERT_EQ(valley[i], want.valley[i]) << f << " frame " << t0 + j << " band " << b;
            ASSERT_EQ(peak[i], want.peak[i]) << f << " frame " << t0 + j << " band " << b;
          }
      }
      frames += count;
    }
  }
  EXPECT_GT(frames, 0u);
}
