// chroma_means_from_tiles on power that is not finite, or whose sums overflow, and with junk
// in the padding lanes: the register kernel (AVX-512) adds the skipped weights as 0 * p, which
// equals skipping them only for finite p, so such chunks must fall back to the sparse sums and
// still give the matrix path's bits. Run with ECHOELML_NO_AVX2=1 for the SSE2 build.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "echoelml/features/chroma.h"
#include "features/spectral_common.h"
#include "support/row_means.h"

using namespace echoelml;
using namespace echoelml::features;
using echoelml::test::row_means;

namespace {

constexpr std::size_t L = detail::kTileLanes;

struct TiledPower {
  Matrix m;                  // (K, T)
  std::vector<float> tiles;  // tile i: K x L at i * K * L
};

TiledPower tiled(const Matrix& m, float padding) {
  const std::size_t K = m.rows, T = m.cols;
  TiledPower p{m, std::vector<float>((T + L - 1) / L * K * L, padding)};
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t t = 0; t < T; ++t) p.tiles[(t / L) * K * L + k * L + t % L] = m(k, t);
  return p;
}

Matrix noise_power(std::size_t K, std::size_t T, unsigned seed) {
  std::mt19937 rng(seed);
  std::exponential_distribution<float> e(1.0f);
  Matrix m(K, T);
  for (float& v : m.data) v = e(rng) * 1e-2f;
  return m;
}

// Equal bits, or NaN in both (the matrix path and the tile path reach a NaN through different
// operations, so its sign may differ; what matters is which rows are NaN and every other bit).
void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(double)), 0)
        << what << " row " << i << ": " << a[i] << " vs " << b[i];
  }
}

void expect_matrix_path_bits(const TiledPower& p, const std::string& what) {
  const std::size_t K = p.m.rows, T = p.m.cols;
  for (double tuning : {0.0, 0.37})
    for (ChromaNorm norm : {ChromaNorm::Max, ChromaNorm::None}) {
      ChromaParams cp{.sr = 22050.0};
      cp.norm = norm;
      expect_same_bits(detail::chroma_means_from_tiles(p.tiles.data(), K, T, cp, tuning),
                       row_means(detail::chroma_stft_unchecked(p.m, cp, tuning)),
                       what + " tuning " + std::to_string(tuning) +
                           (norm == ChromaNorm::Max ? " max" : " none"));
    }
}

TEST(ChromaTilesNonFinite, InfiniteAndNaNPowerGiveTheMatrixPathsBits) {
  // One non-finite bin per case (each in its own spectrogram: a NaN row mean would hide any
  // other difference in that row). At bins 700 and 1000 (22050 Hz, n_fft 2048) some weights
  // are skipped: the matrix path leaves those rows finite, the register kernel's 0 * inf or
  // 0 * NaN would make them NaN. At bin 3 every weight is kept.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    std::size_t bin, frame;
    float value;
  };
  for (const Case& c : {Case{700, 17, inf}, Case{1000, 150, nan}, Case{3, 299, inf},
                        Case{1000, 128, inf}}) {
    Matrix m = noise_power(1025, 300, 5);
    m(c.bin, c.frame) = c.value;
    expect_matrix_path_bits(tiled(m, 0.0f), "bin " + std::to_string(c.bin) + " frame " +
                                                std::to_string(c.frame) + " = " +
                                                std::to_string(c.value));
  }
}

TEST(ChromaTilesNonFinite, OverflowingSumsGiveTheMatrixPathsBits) {
  const std::size_t K = 1025, T = 40;
  Matrix m = noise_power(K, T, 6);
  // Finite power whose float32 weighted sums overflow to inf in frame 9.
  for (std::size_t k = 400; k < 460; ++k) m(k, 9) = 3e38f;
  expect_matrix_path_bits(tiled(m, 0.0f), "overflowing sums");
}

TEST(ChromaTilesNonFinite, JunkInThePaddingLanesIsIgnored) {
  // T = 130: the last power tile holds 2 frames and 14 padding lanes, which may hold anything.
  const Matrix m = noise_power(1025, 130, 7);
  expect_matrix_path_bits(tiled(m, std::numeric_limits<float>::quiet_NaN()), "NaN padding");
  expect_matrix_path_bits(tiled(m, std::numeric_limits<float>::infinity()), "inf padding");
}

}  // namespace
