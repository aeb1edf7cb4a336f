// chroma_runs.h: the run table holds every kept weight of the librosa chroma banks exactly
// once (and nothing else), and the AVX-512 run kernel gives the bits of a plain sparse loop
// over the kept weights, flagging the lanes with non-finite sums.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "echoelml/features/chroma.h"
#include "features/chroma_runs.h"
#include "features/spectral_common.h"

using namespace echoelml;
using namespace echoelml::features;
using detail::ChromaRunTable;

namespace {

constexpr std::size_t R = 12, L = detail::kTileLanes;

// The bank's kept weights ((K, 12) bin-major, 0 where skipped), by the rule written out here:
// w > 0 and w >= 1e-8 times the column's largest weight.
std::vector<float> kept_weights(double sr, double tuning, std::size_t* K_out) {
  const Matrix W = chroma_filterbank({.sr = sr, .n_fft = 2048, .tuning = tuning});
  const std::size_t K = W.cols;
  std::vector<float> kept(K * R, 0.0f);
  for (std::size_t k = 0; k < K; ++k) {
    float colmax = 0.0f;
    for (std::size_t c = 0; c < R; ++c) colmax = std::max(colmax, W(c, k));
    for (std::size_t c = 0; c < R; ++c)
      if (W(c, k) > 0.0f && static_cast<double>(W(c, k)) >= 1e-8 * colmax)
        kept[k * R + c] = W(c, k);
  }
  *K_out = K;
  return kept;
}

// Checks that `t` lists bins [0, K) in maximal runs, and that each bin's range holds exactly
// its kept weights in row order (0 for a skipped row inside a range); returns how many
// skipped rows lie inside ranges.
std::size_t check_table(const ChromaRunTable& t, const std::vector<float>& kept, std::size_t K,
                        const std::string& what) {
  std::size_t next_bin = 0, w = 0, covered = 0, inside_zeros = 0, n_kept = 0;
  for (float v : kept) n_kept += v != 0.0f;
  for (std::size_t r = 0; r < t.runs.size(); ++r) {
    const auto& run = t.runs[r];
    EXPECT_EQ(run.begin, next_bin) << what << " run " << r;
    EXPECT_LT(run.begin, run.end) << what << " run " << r;
    EXPECT_LE(run.count, R) << what;
    EXPECT_LT(run.first, R) << what;
    if (r > 0) {
      EXPECT_TRUE(run.first != t.runs[r - 1].first || run.count != t.runs[r - 1].count)
          << what << " runs " << r - 1 << " and " << r << " could be one";
    }
    for (std::size_t k = run.begin; k < run.end; ++k) {
      std::vector<bool> in_range(R, false);
      for (std::size_t i = 0; i < run.count; ++i) {
        const std::size_t c = (run.first + i) % R;
        in_range[c] = true;
        if (w >= t.weights.size()) {
          ADD_FAILURE() << what << ": too few weights";
          return 0;
        }
        EXPECT_EQ(std::memcmp(&t.weights[w], &kept[k * R + c], sizeof(float)), 0)
            << what << " bin " << k << " row " << c;
        covered += kept[k * R + c] != 0.0f;
        inside_zeros += kept[k * R + c] == 0.0f;
        ++w;
      }
      for (std::size_t c = 0; c < R; ++c) {
        if (!in_range[c]) {
          EXPECT_EQ(kept[k * R + c], 0.0f) << what << " bin " << k << " row " << c;
        }
      }
    }
    next_bin = run.end;
  }
  EXPECT_EQ(next_bin, K) << what;
  EXPECT_EQ(w, t.weights.size()) << what;
  EXPECT_EQ(covered, n_kept) << what;
  return inside_zeros;
}

TEST(ChromaRunTable, HoldsEveryKeptWeightOnceForTuningsAcrossTheRange) {
  for (double sr : {22050.0, 44100.0})
    for (double tuning : {-0.5, -0.37, -0.2, -0.01, 0.0, 0.13, 0.25, 0.4, 0.49}) {
      const std::string what = "sr " + std::to_string(sr) + " tuning " + std::to_string(tuning);
      std::size_t K = 0;
      const auto kept = kept_weights(sr, tuning, &K);
      const ChromaRunTable t = detail::chroma_run_table(kept.data(), K);
      // On these banks the kept rows of every bin are one cyclic range (the table adds no
      // zero products), and the high bins share ranges in long runs: at most ~200 runs.
      EXPECT_EQ(check_table(t, kept, K, what), 0u) << what;
      EXPECT_LT(t.runs.size(), 260u) << what;
      std::size_t n_kept = 0;
      for (float v : kept) n_kept += v != 0.0f;
      EXPECT_LT(n_kept, K * R * 7 / 10) << what << ": the skipped weights are ~40 %";
    }
}

TEST(ChromaRunTable, RangesOfHandMadeMasks) {
  // Bins: none kept; all kept; rows 10, 11, 0, 1 (wrapping); rows 2 and 5 (a range with two
  // skipped rows inside); rows 0, 3, 4 (gaps 1-2 and 5-11: the range is 0..4).
  const std::vector<std::vector<std::size_t>> rows = {
      {}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {10, 11, 0, 1}, {2, 5}, {0, 3, 4}, {0, 3, 4}};
  std::vector<float> kept(rows.size() * R, 0.0f);
  for (std::size_t k = 0; k < rows.size(); ++k)
    for (std::size_t c : rows[k]) kept[k * R + c] = 0.5f + static_cast<float>(k * R + c);
  const ChromaRunTable t = detail::chroma_run_table(kept.data(), rows.size());
  ASSERT_EQ(t.runs.size(), 5u);
  const unsigned expect[5][4] = {{0, 1, 0, 0}, {1, 2, 0, 12}, {2, 3, 10, 4}, {3, 4, 2, 4}, {4, 6, 0, 5}};
  for (std::size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(t.runs[r].begin, expect[r][0]) << r;
    EXPECT_EQ(t.runs[r].end, expect[r][1]) << r;
    EXPECT_EQ(t.runs[r].first, expect[r][2]) << r;
    EXPECT_EQ(t.runs[r].count, expect[r][3]) << r;
  }
  // Skipped rows inside ranges: 3 and 4 of bin 3, 1 and 2 of bins 4 and 5.
  EXPECT_EQ(check_table(t, kept, rows.size(), "hand-made"), 6u);
}

// The sparse sums in bin order, one float32 product and one float32 sum per kept weight.
std::vector<float> sparse_sums(const std::vector<float>& kept, std::size_t K, const float* tile) {
  std::vector<float> acc(R * L, 0.0f);
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t c = 0; c < R; ++c) {
      const float w = kept[k * R + c];
      if (w == 0.0f) continue;
      for (std::size_t j = 0; j < L; ++j) {
        const float prod = w * tile[k * L + j];
        acc[c * L + j] = acc[c * L + j] + prod;
      }
    }
  return acc;
}

// Random power: exponential values over many decades, with exact zeros and denormals.
std::vector<float> random_tile(std::size_t K, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::uniform_int_distribution<int> kind(0, 9), decade(-30, 6);
  std::vector<float> tile(K * L);
  for (float& v : tile) {
    const int k = kind(rng);
    v = k == 0 ? 0.0f
        : k == 1 ? u(rng) * std::numeric_limits<float>::denorm_min() * 1e6f  // denormal
                 : u(rng) * std::pow(10.0f, static_cast<float>(decade(rng)));
  }
  return tile;
}

// Runs the kernel; acc rows at stride 2 * L (as in a wider chunk), lanes compared bit for bit
// where the lane is finite. Returns the kernel's mask.
std::uint32_t expect_sparse_bits(const std::vector<float>& kept, std::size_t K,
                                 const std::vector<float>& tile, const std::string& what) {
  const ChromaRunTable t = detail::chroma_run_table(kept.data(), K);
  std::vector<float> acc(R * 2 * L, -1.0f);
  const std::uint32_t mask = detail::chroma_run_sums_avx512(t, tile.data(), acc.data(), 2 * L);
  const auto ref = sparse_sums(kept, K, tile.data());
  for (std::size_t j = 0; j < L; ++j) {
    bool finite = true;
    for (std::size_t c = 0; c < R; ++c) finite = finite && std::isfinite(acc[c * 2 * L + j]);
    EXPECT_EQ((mask >> j & 1u) != 0, !finite) << what << " lane " << j;
    for (std::size_t c = 0; c < R; ++c) {
      if (!finite) continue;
      EXPECT_EQ(std::memcmp(&acc[c * 2 * L + j], &ref[c * L + j], sizeof(float)), 0)
          << what << " row " << c << " lane " << j << ": " << acc[c * 2 * L + j] << " vs "
          << ref[c * L + j];
    }
    for (std::size_t c = 0; c < R; ++c)  // the lanes of the other half of each row untouched
      EXPECT_EQ(acc[c * 2 * L + L + j], -1.0f) << what;
  }
  return mask;
}

TEST(ChromaRunKernel, EqualsTheSparseSumsBitForBit) {
  if (!detail::chroma_runs_avx512_supported()) GTEST_SKIP() << "no AVX-512F/VL here";
  unsigned seed = 11;
  for (double tuning : {-0.5, -0.23, 0.0, 0.31, 0.49}) {
    std::size_t K = 0;
    const auto kept = kept_weights(22050.0, tuning, &K);
    const auto tile = random_tile(K, seed++);
    EXPECT_EQ(expect_sparse_bits(kept, K, tile, "tuning " + std::to_string(tuning)), 0u);
  }
}

TEST(ChromaRunKernel, HandMadeRangesWithSkippedRowsInside) {
  if (!detail::chroma_runs_avx512_supported()) GTEST_SKIP() << "no AVX-512F/VL here";
  // Every bin a random subset of rows (often with gaps inside its range), runs of 1-5 bins.
  std::mt19937 rng(3);
  const std::size_t K = 400;
  std::vector<float> kept(K * R, 0.0f);
  std::uniform_real_distribution<float> u(0.01f, 1.0f);
  for (std::size_t k = 0; k < K;) {
    const std::size_t len = 1 + rng() % 5;
    const unsigned mask = rng() % 4096;
    for (std::size_t b = k; b < std::min(K, k + len); ++b)
      for (std::size_t c = 0; c < R; ++c)
        if (mask >> c & 1u) kept[b * R + c] = u(rng);
    k += len;
  }
  EXPECT_EQ(expect_sparse_bits(kept, K, random_tile(K, 21), "random masks"), 0u);
}

TEST(ChromaRunKernel, FlagsTheLanesWithNonFiniteSums) {
  if (!detail::chroma_runs_avx512_supported()) GTEST_SKIP() << "no AVX-512F/VL here";
  std::size_t K = 0;
  const auto kept = kept_weights(22050.0, 0.1, &K);
  auto tile = random_tile(K, 31);
  tile[700 * L + 3] = std::numeric_limits<float>::infinity();
  tile[1000 * L + 9] = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t k = 400; k < 460; ++k) tile[k * L + 14] = 3e38f;  // sums overflow
  EXPECT_EQ(expect_sparse_bits(kept, K, tile, "non-finite"), (1u << 3) | (1u << 9) | (1u << 14));
}

}  // namespace
